package cra

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The ENISA Single Reporting Platform (SRP) has no API (ENISA FAQ Q15):
// people type each stage into its web form. cyra drafts the same fields,
// checks them against the SRP Glossary, and keeps what was submitted. The
// Glossary changed many times in the SRP's first week, so the field model
// is versioned reference data, embedded as JSON; a new Glossary version is
// a new file, and each stage report records the version it follows.
//
//go:embed srp_fields_v1.3.json
var srpFieldsV1_3 []byte

// FieldStatus is a field's status at one stage in the Glossary.
type FieldStatus string

// Field statuses, as the Glossary abbreviates them.
const (
	SRPRequired            FieldStatus = "R"   // required
	SRPOptional            FieldStatus = "O"   // optional
	SRPCopied              FieldStatus = "C"   // by default copied from the previous step, or updated
	SRPRequiredIfAvailable FieldStatus = "RIA" // required if the information is available
	SRPNotApplicable       FieldStatus = "NA"  // not shown at this stage
)

// FieldFormat is how a field's value is entered.
type FieldFormat string

// Field formats. Values are strings: multi-valued formats join their
// values with commas; yes/no formats use "Yes", "No" and "Unknown"; a
// checked checkbox is "Yes" and an unchecked one is absent; datetimes are
// RFC 3339 in UTC ("2026-09-14T09:15:00Z").
const (
	FieldText         FieldFormat = "text"
	FieldEnum         FieldFormat = "enum"
	FieldYesNo        FieldFormat = "yesno"
	FieldYesNoUnknown FieldFormat = "yesnounknown"
	FieldDateTime     FieldFormat = "datetime"
	FieldMultiSelect  FieldFormat = "multiselect" // EU Member State codes
	FieldCheckbox     FieldFormat = "checkbox"
	FieldCheckboxes   FieldFormat = "checkboxes"
)

// FieldOption is one choice of an enum, multi-select or checkboxes field.
type FieldOption struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"` // the SRP's wording; Value when empty
}

// FieldStatuses are a field's statuses in the Glossary's three columns.
type FieldStatuses struct {
	EarlyWarning FieldStatus `json:"ew"`
	Notification FieldStatus `json:"72h"`
	FinalReport  FieldStatus `json:"final"`
}

// SRPField is one field of the SRP notification form.
type SRPField struct {
	// ID is the Glossary's number: "1" to "18" for both kinds, "v19" to
	// "v30" for vulnerabilities, "i31" to "i39" for incidents.
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Applies string      `json:"applies"` // "aev", "si" or "both"
	Format  FieldFormat `json:"format"`
	// MaxLen is the Glossary's limit in characters, 0 when none is
	// published. cyra counts UTF-16 code units (a character outside the
	// Basic Multilingual Plane counts twice), as a browser form's maxlength
	// does, after line breaks are normalised to LF: a value that fits here
	// fits however the SRP counts.
	MaxLen int           `json:"max_len,omitempty"`
	Status FieldStatuses `json:"status"`
	// Options are the choices; OptionsFrom names a list cyra fills them
	// from ("member_states": the 27 EU codes; "categories": the Annex III
	// and IV category names).
	Options     []FieldOption `json:"options,omitempty"`
	OptionsFrom string        `json:"options_from,omitempty"`
	// Pattern is a regular expression a text value must match.
	Pattern string `json:"pattern,omitempty"`
	// RequiredIf names a checkbox field: this field is required when that
	// one is checked, and refused when it is not.
	RequiredIf   string `json:"required_if,omitempty"`
	SystemFilled bool   `json:"system_filled,omitempty"` // filled by the SRP from the registration
	Note         string `json:"note,omitempty"`

	re *regexp.Regexp
}

// AppliesTo reports whether the field belongs to a case of kind k.
func (f SRPField) AppliesTo(k CaseKind) bool {
	return f.Applies == "both" || f.Applies == string(k)
}

// stageColumn returns the Glossary column of a stage: 0 early warning, 1
// the 72-hour notification, 2 the final report. Intermediate reports use
// the notification's column: the SRP has no intermediate tab, an
// intermediate report is an update of the notification made before the
// final report (updates are allowed until then), and Art. 14(6) asks only
// for "relevant status updates".
func stageColumn(s Stage) int {
	switch s {
	case StageEarlyWarning:
		return 0
	case StageFinalReport:
		return 2
	}
	return 1
}

func (f SRPField) column(col int) FieldStatus {
	return [3]FieldStatus{f.Status.EarlyWarning, f.Status.Notification, f.Status.FinalReport}[col]
}

// StatusAt returns the field's status at stage as the Glossary states it.
func (f SRPField) StatusAt(stage Stage) FieldStatus { return f.column(stageColumn(stage)) }

// Requirement returns the field's status at stage with "copied" resolved:
// a copied field is as required as it was at the stage it is copied from
// (the title, required at the early warning, stays required; the product
// type, optional there, stays optional).
func (f SRPField) Requirement(stage Stage) FieldStatus {
	for col := stageColumn(stage); col >= 0; col-- {
		switch s := f.column(col); s {
		case SRPCopied:
			continue
		case SRPNotApplicable:
			if col != stageColumn(stage) {
				return SRPOptional
			}
			return s
		default:
			return s
		}
	}
	return SRPOptional
}

// FieldModel is one version of the SRP Glossary's field model.
type FieldModel struct {
	Version string
	Date    Date
	Source  string
	Fields  []SRPField
}

var fieldModels = []FieldModel{mustParseFieldModel(srpFieldsV1_3)}

func mustParseFieldModel(data []byte) FieldModel {
	m, err := ParseFieldModel(data)
	if err != nil {
		panic("cra: embedded SRP field model: " + err.Error())
	}
	return m
}

// FieldModels returns every field model cyra knows, oldest first.
func FieldModels() []FieldModel { return slices.Clone(fieldModels) }

// CurrentFieldModel returns the newest field model, used for new drafts.
func CurrentFieldModel() FieldModel { return fieldModels[len(fieldModels)-1] }

// LookupFieldModel returns the field model of a version ("1.3").
func LookupFieldModel(version string) (FieldModel, bool) {
	for _, m := range fieldModels {
		if m.Version == version {
			return m, true
		}
	}
	return FieldModel{}, false
}

var fieldIDRE = regexp.MustCompile(`^([1-9][0-9]*|v[1-9][0-9]*|i[1-9][0-9]*)$`)

// ParseFieldModel reads a field model document and checks it: unique ids,
// known formats and statuses, no "copied" at the early warning, options
// for choice fields, valid patterns and RequiredIf references.
func ParseFieldModel(data []byte) (FieldModel, error) {
	var doc struct {
		Version string     `json:"version"`
		Date    string     `json:"date"`
		Source  string     `json:"source"`
		Fields  []SRPField `json:"fields"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return FieldModel{}, err
	}
	d, err := ParseDate(doc.Date)
	if err != nil || doc.Version == "" || len(doc.Fields) == 0 {
		return FieldModel{}, fmt.Errorf("version, date and fields are required")
	}
	m := FieldModel{Version: doc.Version, Date: d, Source: doc.Source, Fields: doc.Fields}
	ids := map[string]FieldFormat{}
	for i := range m.Fields {
		f := &m.Fields[i]
		if !fieldIDRE.MatchString(f.ID) || ids[f.ID] != "" || f.Name == "" {
			return FieldModel{}, fmt.Errorf("field %q: bad or duplicate id, or no name", f.ID)
		}
		ids[f.ID] = f.Format
		if f.Applies != "both" && f.Applies != string(CaseAEV) && f.Applies != string(CaseSI) {
			return FieldModel{}, fmt.Errorf("field %s: applies must be both, aev or si", f.ID)
		}
		for col := range 3 {
			switch s := f.column(col); s {
			case SRPRequired, SRPOptional, SRPRequiredIfAvailable, SRPNotApplicable:
			case SRPCopied:
				if col == 0 {
					return FieldModel{}, fmt.Errorf("field %s: nothing to copy at the early warning", f.ID)
				}
			default:
				return FieldModel{}, fmt.Errorf("field %s: unknown status %q", f.ID, s)
			}
		}
		switch f.OptionsFrom {
		case "":
		case "member_states":
			f.Options = nil
			for _, ms := range MemberStates {
				f.Options = append(f.Options, FieldOption{Value: ms.Code, Label: ms.Name})
			}
		case "categories":
			f.Options = nil
			for _, c := range Categories {
				if c.Class != ClassDefault {
					f.Options = append(f.Options, FieldOption{Value: c.Name, Label: c.Name})
				}
			}
		default:
			return FieldModel{}, fmt.Errorf("field %s: unknown options_from %q", f.ID, f.OptionsFrom)
		}
		switch f.Format {
		case FieldYesNo:
			f.Options = []FieldOption{{Value: "Yes"}, {Value: "No"}}
		case FieldYesNoUnknown:
			f.Options = []FieldOption{{Value: "Yes"}, {Value: "No"}, {Value: "Unknown"}}
		case FieldEnum, FieldCheckboxes, FieldMultiSelect:
			if len(f.Options) == 0 {
				return FieldModel{}, fmt.Errorf("field %s: a choice needs options", f.ID)
			}
		case FieldText, FieldDateTime, FieldCheckbox:
		default:
			return FieldModel{}, fmt.Errorf("field %s: unknown format %q", f.ID, f.Format)
		}
		for j := range f.Options {
			if f.Options[j].Label == "" {
				f.Options[j].Label = f.Options[j].Value
			}
		}
		if f.Pattern != "" {
			if f.re, err = regexp.Compile(f.Pattern); err != nil {
				return FieldModel{}, fmt.Errorf("field %s: %v", f.ID, err)
			}
		}
	}
	for _, f := range m.Fields {
		if f.RequiredIf != "" && ids[f.RequiredIf] != FieldCheckbox {
			return FieldModel{}, fmt.Errorf("field %s: required_if must name a checkbox field", f.ID)
		}
	}
	return m, nil
}

// Field returns the field with the given id.
func (m FieldModel) Field(id string) (SRPField, bool) {
	for _, f := range m.Fields {
		if f.ID == id {
			return f, true
		}
	}
	return SRPField{}, false
}

// FieldsFor returns the fields a case of kind shows at stage, in SRP order
// (every field of the kind whose status there is not N/A).
func (m FieldModel) FieldsFor(kind CaseKind, stage Stage) []SRPField {
	var out []SRPField
	for _, f := range m.Fields {
		if f.AppliesTo(kind) && f.StatusAt(stage) != SRPNotApplicable {
			out = append(out, f)
		}
	}
	return out
}

// AvailableSuffix marks information as available for a "required if
// information available" field: values[id+AvailableSuffix] = "Yes" makes
// field id required (the malicious actor of an AEV final report, v27). It
// is cyra's own key, never sent to the SRP.
const AvailableSuffix = ".available"

// AvailableKey returns the key that marks field id's information as
// available.
func AvailableKey(id string) string { return id + AvailableSuffix }

// Problem codes of FieldProblem.
const (
	ProblemRequired      = "required"
	ProblemTooLong       = "too_long"
	ProblemInvalid       = "invalid"
	ProblemNotApplicable = "not_applicable" // not a field of this kind or stage
	ProblemUnknown       = "unknown"        // not a field of the model
)

// FieldProblem is what is wrong with one field of a stage report.
type FieldProblem struct {
	Field   string // the SRP field id ("v24"), or the marker key
	Name    string // the field's SRP name
	Code    string // a Problem* code
	Message string
}

// ProblemsError returns EINVALID with one entry per problem field, keyed by
// SRP field id, or nil when there are none.
func ProblemsError(probs []FieldProblem) error { return Invalid(problemsMap(probs)) }

func problemsMap(probs []FieldProblem) map[string]string {
	f := map[string]string{}
	for _, p := range probs {
		if f[p.Field] == "" {
			f[p.Field] = p.Message
		}
	}
	return f
}

// normText trims v and turns CRLF and CR line breaks into LF, as browsers
// do with form values.
func normText(v string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n"))
}

// srpLen counts s as a browser counts a form value: UTF-16 code units.
func srpLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Normalize returns a canonical copy of values: text trimmed with LF line
// breaks; choices matched without regard to case (value or label) and
// written as the option's value; Member States as sorted EU codes (GR
// becomes EL); checkboxes as "Yes" or absent; datetimes in RFC 3339 UTC,
// to the second; empty values dropped. Values that cannot be read are kept
// as they are for CheckStage to name.
func (m FieldModel) Normalize(values map[string]string) map[string]string {
	out := make(map[string]string, len(values))
	for id, v := range values {
		v = normText(v)
		if base, ok := strings.CutSuffix(id, AvailableSuffix); ok && base != "" {
			if yes(v) {
				out[id] = "Yes"
			}
			continue
		}
		f, ok := m.Field(id)
		if ok {
			v = f.normalize(v)
		}
		if v != "" {
			out[id] = v
		}
	}
	return out
}

func yes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "on", "1", "checked":
		return true
	}
	return false
}

func (f SRPField) option(v string) (string, bool) {
	for _, o := range f.Options {
		if strings.EqualFold(o.Value, v) || strings.EqualFold(o.Label, v) {
			return o.Value, true
		}
	}
	return v, false
}

// dateTimeLayouts are the layouts a datetime value is read in: RFC 3339
// with or without seconds.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"}

func parseDateTime(v string) (time.Time, bool) {
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (f SRPField) normalize(v string) string {
	switch f.Format {
	case FieldEnum, FieldYesNo, FieldYesNoUnknown:
		v, _ = f.option(v)
	case FieldDateTime:
		if t, ok := parseDateTime(v); ok {
			v = t.UTC().Truncate(time.Second).Format(time.RFC3339)
		}
	case FieldCheckbox:
		if yes(v) {
			v = "Yes"
		} else if strings.EqualFold(v, "no") || strings.EqualFold(v, "false") || strings.EqualFold(v, "off") || v == "0" {
			v = ""
		}
	case FieldMultiSelect:
		var parts []string
		for p := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\t' }) {
			parts = append(parts, p)
		}
		v = strings.Join(normalizeMemberStates(parts), ",")
	case FieldCheckboxes:
		var known, unknown []string
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if o, ok := f.option(p); ok {
				known = append(known, o)
			} else {
				unknown = append(unknown, p)
			}
		}
		order := func(s string) int {
			return slices.IndexFunc(f.Options, func(o FieldOption) bool { return o.Value == s })
		}
		slices.SortFunc(known, func(a, b string) int { return order(a) - order(b) })
		slices.Sort(unknown)
		v = strings.Join(append(slices.Compact(known), slices.Compact(unknown)...), ",")
	}
	return v
}

// CheckStage returns what keeps values from being submitted as stage of
// a case of kind, in SRP order: each missing required field (R; RIA when
// its information is marked available, see AvailableKey; a field whose
// RequiredIf checkbox is checked), each value over its limit, each bad
// choice, datetime or identifier, a notification type that contradicts
// kind, and each value of a field the stage or kind does not have. Values
// are read as Normalize would write them.
func (m FieldModel) CheckStage(kind CaseKind, stage Stage, values map[string]string) []FieldProblem {
	return m.check(kind, stage, values, true)
}

// CheckFormats is CheckStage without the required fields: what a draft is
// checked against when it is saved.
func (m FieldModel) CheckFormats(kind CaseKind, stage Stage, values map[string]string) []FieldProblem {
	return m.check(kind, stage, values, false)
}

func (m FieldModel) check(kind CaseKind, stage Stage, values map[string]string, complete bool) []FieldProblem {
	values = m.Normalize(values)
	var probs []FieldProblem
	add := func(f SRPField, code, msg string) {
		probs = append(probs, FieldProblem{Field: f.ID, Name: f.Name, Code: code, Message: msg})
	}
	known := map[string]bool{}
	for _, f := range m.Fields {
		known[f.ID] = true
		v, has := values[f.ID]
		switch {
		case !f.AppliesTo(kind):
			if has {
				add(f, ProblemNotApplicable, "This field is for "+strings.ToLower(CaseKind(f.Applies).Label())+" reports only.")
			}
			continue
		case f.StatusAt(stage) == SRPNotApplicable:
			if has {
				add(f, ProblemNotApplicable, "The "+strings.ToLower(stage.Label())+" does not have this field.")
			}
			continue
		}
		if !has {
			if !complete {
				continue
			}
			req := f.Requirement(stage)
			switch {
			case req == SRPRequired:
				add(f, ProblemRequired, "Required for the "+strings.ToLower(stage.Label())+".")
			case req == SRPRequiredIfAvailable && values[AvailableKey(f.ID)] == "Yes":
				add(f, ProblemRequired, "Required: you marked this information as available.")
			case f.RequiredIf != "" && values[f.RequiredIf] == "Yes":
				add(f, ProblemRequired, "Required when field "+f.RequiredIf+" is selected.")
			}
			continue
		}
		if msg := f.checkValue(v); msg != "" {
			code := ProblemInvalid
			if strings.HasPrefix(msg, "At most") {
				code = ProblemTooLong
			}
			add(f, code, msg)
			continue
		}
		if f.ID == "1" && v != notificationType(kind) {
			add(f, ProblemInvalid, "A "+strings.ToLower(kind.Label())+" case is notified as "+notificationType(kind)+".")
		}
		if f.RequiredIf != "" && values[f.RequiredIf] != "Yes" {
			add(f, ProblemInvalid, "Only with field "+f.RequiredIf+" selected.")
		}
	}
	var extra []string
	for id := range values {
		if base, ok := strings.CutSuffix(id, AvailableSuffix); ok && known[base] {
			continue
		}
		if !known[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		probs = append(probs, FieldProblem{Field: id, Code: ProblemUnknown,
			Message: "Not a field of the SRP Glossary v" + m.Version + "."})
	}
	return probs
}

// checkValue returns what is wrong with a normalised, non-empty value.
func (f SRPField) checkValue(v string) string {
	if f.MaxLen > 0 {
		if n := srpLen(v); n > f.MaxLen {
			return "At most " + strconv.Itoa(f.MaxLen) + " characters; this is " + strconv.Itoa(n) + "."
		}
	}
	switch f.Format {
	case FieldEnum, FieldYesNo, FieldYesNoUnknown:
		if _, ok := f.option(v); !ok {
			return "Choose one of: " + f.optionList() + "."
		}
	case FieldDateTime:
		if _, ok := parseDateTime(v); !ok {
			return "Enter a date and time in UTC, such as 2026-09-14T09:15:00Z."
		}
	case FieldCheckbox:
		if v != "Yes" {
			return "Tick it or leave it empty."
		}
	case FieldMultiSelect:
		for p := range strings.SplitSeq(v, ",") {
			if _, ok := LookupMemberState(p); !ok {
				return "Unknown Member State " + p + "; use the codes of the 27 EU Member States, such as DE, FR, EL."
			}
		}
	case FieldCheckboxes:
		for p := range strings.SplitSeq(v, ",") {
			if _, ok := f.option(p); !ok {
				return "Unknown choice " + p + "; choose among: " + f.optionList() + "."
			}
		}
	}
	if f.re != nil && !f.re.MatchString(v) {
		return "Not a valid identifier; " + f.Note
	}
	return ""
}

func (f SRPField) optionList() string {
	var vs []string
	for _, o := range f.Options {
		vs = append(vs, o.Value)
	}
	return strings.Join(vs, ", ")
}

// CarryForward returns the values a new stage to starts with, taken from
// values of the stage from before it: the fields the Glossary marks as
// copied at to. An intermediate report starts from everything the previous
// report holds that the notification form has, since it updates it. Marks
// of available information travel with their fields.
func (m FieldModel) CarryForward(kind CaseKind, from, to Stage, values map[string]string) map[string]string {
	values = m.Normalize(values)
	out := map[string]string{}
	for _, f := range m.Fields {
		if !f.AppliesTo(kind) || f.StatusAt(from) == SRPNotApplicable {
			continue
		}
		switch {
		case to == StageIntermediate && f.StatusAt(to) != SRPNotApplicable:
		case f.StatusAt(to) == SRPCopied:
		default:
			continue
		}
		if v, ok := values[f.ID]; ok {
			out[f.ID] = v
		}
		if v, ok := values[AvailableKey(f.ID)]; ok {
			out[AvailableKey(f.ID)] = v
		}
	}
	return out
}

// CheckStage checks values against the current field model; see
// FieldModel.CheckStage.
func CheckStage(kind CaseKind, stage Stage, values map[string]string) []FieldProblem {
	return CurrentFieldModel().CheckStage(kind, stage, values)
}

// CarryForward carries values forward with the current field model; see
// FieldModel.CarryForward.
func CarryForward(kind CaseKind, from, to Stage, values map[string]string) map[string]string {
	return CurrentFieldModel().CarryForward(kind, from, to, values)
}
