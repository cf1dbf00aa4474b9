package api

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// maxReceipt bounds an SRP receipt (a screenshot or PDF of the SRP's
// confirmation); the case service applies the same limit.
const maxReceipt = 10 << 20

// maxReceiptBody leaves room for the submission form's other fields.
const maxReceiptBody = maxReceipt + 1<<20

// stageParam reads the {stage} path value and the seq query parameter:
// intermediate reports are numbered from 1, the other stages are not.
func stageParam(r *http.Request) (cra.Stage, int, error) {
	st := cra.Stage(r.PathValue("stage"))
	if !slices.Contains(cra.Stages, st) {
		return "", 0, &cra.Error{Code: cra.EINVALID, Message: "Unknown stage " + strconv.Quote(string(st)) + "; use early_warning, notification, intermediate or final_report.",
			Fields: map[string]string{"stage": "Use early_warning, notification, intermediate or final_report."}}
	}
	seq := 0
	if s := r.URL.Query().Get("seq"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1000 {
			return "", 0, &cra.Error{Code: cra.EINVALID, Message: "Query parameter seq must be the number of an intermediate report.",
				Fields: map[string]string{"seq": "Must be a number from 1."}}
		}
		seq = n
	}
	switch {
	case st == cra.StageIntermediate && seq == 0:
		return "", 0, &cra.Error{Code: cra.EINVALID, Message: "Say which intermediate report: ?seq=1 for the first.",
			Fields: map[string]string{"seq": "Number the intermediate report, from 1."}}
	case st != cra.StageIntermediate && seq != 0:
		return "", 0, &cra.Error{Code: cra.EINVALID, Message: "Only intermediate reports are numbered; leave seq out.",
			Fields: map[string]string{"seq": "Only intermediate reports are numbered."}}
	}
	return st, seq, nil
}

// idFilter reads an optional positive id query parameter.
func idFilter(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, &cra.Error{Code: cra.EINVALID, Message: "Query parameter " + name + " must be the id of a " + name + ".",
			Fields: map[string]string{name: "Must be the id of a " + name + " (a positive number)."}}
	}
	return n, nil
}

func handleListReviews(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var f cra.ReviewFilter
		var err error
		if f.OpenOnly, err = queryBool(r, "open"); err != nil {
			return err
		}
		if f.ProductID, err = idFilter(r, "product"); err != nil {
			return err
		}
		list, err := cases.Reviews(r.Context(), f)
		if err != nil {
			return err
		}
		out := struct {
			Reviews []Review `json:"reviews"`
		}{Reviews: []Review{}}
		for i := range list {
			out.Reviews = append(out.Reviews, reviewJSON(&list[i]))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleGetReview(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		rv, err := cases.Review(r.Context(), id)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, reviewJSON(rv))
		return nil
	}
}

func handleDecideReview(cases cra.CaseService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := cra.Authorize(r.Context(), cra.PermReportsSubmit); err != nil {
			return err
		}
		var in struct {
			Decision cra.ReviewDecision `json:"decision"`
			Reason   string             `json:"reason"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		rv, v, err := cases.DecideReview(r.Context(), id, in.Decision, in.Reason)
		if err != nil {
			return err
		}
		out := struct {
			Review Review `json:"review"`
			Case   *Case  `json:"case"`
		}{Review: reviewJSON(rv)}
		if v != nil {
			c := caseJSON(v, now())
			out.Case = &c
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleListCases(cases cra.CaseService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var f cra.CaseFilter
		var err error
		if f.OpenOnly, err = queryBool(r, "open"); err != nil {
			return err
		}
		if f.ProductID, err = idFilter(r, "product"); err != nil {
			return err
		}
		list, err := cases.Cases(r.Context(), f)
		if err != nil {
			return err
		}
		out := struct {
			Cases []Case `json:"cases"`
		}{Cases: []Case{}}
		for i := range list {
			out.Cases = append(out.Cases, caseJSON(&list[i], now()))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleOpenCase(cases cra.CaseService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in cra.NewCase
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		v, err := cases.OpenCase(r.Context(), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/cases/"+itoa(v.Case.ID))
		httpx.JSON(w, http.StatusCreated, caseJSON(v, now()))
		return nil
	}
}

// caseHandler is a handler of one case that answers with its view.
func caseHandler(now func() time.Time, do func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		v, err := do(w, r, id)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, caseJSON(v, now()))
		return nil
	}
}

func handleGetCase(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		return cases.Case(r.Context(), id)
	})
}

// decodeAs authorizes perm, then decodes the JSON body into v.
func decodeAs(w http.ResponseWriter, r *http.Request, perm cra.Permission, v any) error {
	if err := cra.Authorize(r.Context(), perm); err != nil {
		return err
	}
	return httpx.Decode(w, r, v)
}

func handleSetAwareness(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		var in struct {
			AwarenessAt time.Time `json:"awareness_at"`
			Reason      string    `json:"reason"`
		}
		if err := decodeAs(w, r, cra.PermReportsSubmit, &in); err != nil {
			return nil, err
		}
		return cases.SetAwareness(r.Context(), id, in.AwarenessAt, in.Reason)
	})
}

func handleSetFix(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		var in struct {
			FixAvailableAt time.Time `json:"fix_available_at"`
		}
		if err := decodeAs(w, r, cra.PermTriage, &in); err != nil {
			return nil, err
		}
		return cases.SetFixAvailable(r.Context(), id, in.FixAvailableAt)
	})
}

func handleSetRequestedDue(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		var in struct {
			Seq            int       `json:"seq"`
			RequestedDueAt time.Time `json:"requested_due_at"`
		}
		if err := decodeAs(w, r, cra.PermTriage, &in); err != nil {
			return nil, err
		}
		return cases.SetRequestedDue(r.Context(), id, in.Seq, in.RequestedDueAt)
	})
}

func handleCloseCase(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := decodeAs(w, r, cra.PermReportsSubmit, &in); err != nil {
			return nil, err
		}
		return cases.CloseCase(r.Context(), id, in.Reason)
	})
}

// StageDraft is the JSON form of the fields a stage holds or starts from.
type StageDraft struct {
	Key          string            `json:"key"`
	Stage        cra.Stage         `json:"stage"`
	Seq          int               `json:"seq"`
	ModelVersion string            `json:"model_version"`
	Fields       map[string]string `json:"fields"`
}

func handleStageDraft(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		st, seq, err := stageParam(r)
		if err != nil {
			return err
		}
		fields, err := cases.StartStage(r.Context(), id, st, seq)
		if err != nil {
			return err
		}
		if fields == nil {
			fields = map[string]string{}
		}
		httpx.JSON(w, http.StatusOK, StageDraft{Key: StageKey(st, seq), Stage: st, Seq: seq, ModelVersion: cra.CurrentFieldModel().Version, Fields: fields})
		return nil
	}
}

func handleSaveStage(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		st, seq, err := stageParam(r)
		if err != nil {
			return nil, err
		}
		var in struct {
			Fields map[string]string `json:"fields"`
		}
		if err := decodeAs(w, r, cra.PermTriage, &in); err != nil {
			return nil, err
		}
		return cases.SaveStage(r.Context(), id, st, seq, in.Fields)
	})
}

func handleMarkReady(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		st, seq, err := stageParam(r)
		if err != nil {
			return nil, err
		}
		return cases.MarkReady(r.Context(), id, st, seq)
	})
}

func handleSubmitStage(cases cra.CaseService, now func() time.Time) handler {
	return caseHandler(now, func(w http.ResponseWriter, r *http.Request, id int64) (*cra.CaseView, error) {
		st, seq, err := stageParam(r)
		if err != nil {
			return nil, err
		}
		// Check the caller before reading a receipt.
		if err := cra.Authorize(r.Context(), cra.PermReportsSubmit); err != nil {
			return nil, err
		}
		in, err := readSubmission(w, r)
		if err != nil {
			return nil, err
		}
		return cases.SubmitStage(r.Context(), id, st, seq, in)
	})
}

// readSubmission reads what was entered after submitting a stage on the
// SRP: a multipart form with submitted_at, srp_id and the receipt as the
// file "file", or JSON with submitted_at and srp_id (no receipt).
func readSubmission(w http.ResponseWriter, r *http.Request) (cra.SubmissionInput, error) {
	var in cra.SubmissionInput
	var at, srpID string
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		var err error
		if at, srpID, err = readSubmissionForm(r, &in); err != nil {
			return in, err
		}
	} else {
		var body struct {
			SubmittedAt string `json:"submitted_at"`
			SRPID       string `json:"srp_id"`
		}
		if err := httpx.Decode(w, r, &body); err != nil {
			if cra.ErrorCode(err) == cra.EUNSUPPORTED {
				return in, cra.Errorf(cra.EUNSUPPORTED, "Send the submission as multipart/form-data (with the receipt as the file \"file\") or as JSON.")
			}
			return in, err
		}
		at, srpID = body.SubmittedAt, body.SRPID
	}
	in.SRPID = srpID
	if at = strings.TrimSpace(at); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return in, &cra.Error{Code: cra.EINVALID, Message: "submitted_at must be an RFC 3339 time, such as 2026-09-14T09:15:00Z.",
				Fields: map[string]string{"submitted_at": "Not an RFC 3339 time, such as 2026-09-14T09:15:00Z."}}
		}
		in.SubmittedAt = t
	}
	return in, nil
}

// readSubmissionForm streams the multipart submission form.
func readSubmissionForm(r *http.Request, in *cra.SubmissionInput) (at, srpID string, err error) {
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return cra.Errorf(cra.ETOOLARGE, "The upload is larger than %d bytes (receipts up to 10 MiB).", mbe.Limit)
		}
		return cra.Errorf(cra.EINVALID, "The multipart form could not be read: %s.", err)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", tooLarge(err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return at, srpID, nil
		}
		if err != nil {
			return "", "", tooLarge(err)
		}
		switch name := p.FormName(); name {
		case "submitted_at", "srp_id":
			b, err := io.ReadAll(io.LimitReader(p, 4<<10))
			if err != nil {
				return "", "", tooLarge(err)
			}
			if name == "submitted_at" {
				at = string(b)
			} else {
				srpID = string(b)
			}
		case "file":
			if in.Receipt != nil {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(p, maxReceipt+1))
			if err != nil {
				return "", "", tooLarge(err)
			}
			if len(data) > maxReceipt {
				return "", "", &cra.Error{Code: cra.ETOOLARGE, Message: "The receipt is larger than 10 MiB.", Fields: map[string]string{"file": "At most 10 MiB."}}
			}
			if len(data) == 0 {
				continue
			}
			in.Receipt, in.ReceiptName = data, p.FileName()
			in.ReceiptType, _, _ = mime.ParseMediaType(p.Header.Get("Content-Type"))
		default:
			return "", "", &cra.Error{Code: cra.EINVALID, Message: "Unknown field " + strconv.Quote(name) + "; send submitted_at, srp_id and the receipt as file.",
				Fields: map[string]string{name: "Unknown field."}}
		}
	}
}

func handleExportCase(cases cra.CaseService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		v, err := cases.Case(r.Context(), id)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "cyra-case-" + itoa(id) + ".json"}))
		httpx.JSON(w, http.StatusOK, ExportCase(v, now()))
		return nil
	}
}

func handleReceipt(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		rc, data, err := cases.Receipt(r.Context(), r.PathValue("sha"))
		if err != nil {
			return err
		}
		ServeReceipt(w, rc, data)
		return nil
	}
}

// ServeReceipt sends a stored receipt as a download: an attachment of an
// opaque type, sandboxed and unsniffable, as evidence files are, so that
// an uploaded HTML or SVG file cannot run in cyra's origin.
func ServeReceipt(w http.ResponseWriter, rc *cra.Receipt, data []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": rc.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
}

// caseNotice returns a case's notice, ENOTFOUND when none is drafted.
func caseNotice(r *http.Request, cases cra.CaseService) (*cra.UserNotice, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	v, err := cases.Case(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if v.Notice == nil {
		return nil, cra.Errorf(cra.ENOTFOUND, "No notice to users has been drafted for case %d yet.", id)
	}
	return v.Notice, nil
}

func handleGetNotice(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := caseNotice(r, cases)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, noticeJSON(n))
		return nil
	}
}

func handlePutNotice(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			Subject string `json:"subject"`
			Body    string `json:"body"`
		}
		if err := decodeAs(w, r, cra.PermTriage, &in); err != nil {
			return err
		}
		n, err := cases.SaveNotice(r.Context(), id, in.Subject, in.Body)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, noticeJSON(n))
		return nil
	}
}

func handleNoticeSent(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			SentAt  time.Time `json:"sent_at"`
			Channel string    `json:"channel"`
		}
		if err := decodeAs(w, r, cra.PermReportsSubmit, &in); err != nil {
			return err
		}
		n, err := cases.MarkNoticeSent(r.Context(), id, in.SentAt, in.Channel)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, noticeJSON(n))
		return nil
	}
}

// NoticeText is a notice as plain text: the subject, a blank line, the
// body.
func NoticeText(n *cra.UserNotice) string {
	return n.Subject + "\n\n" + strings.TrimSpace(strings.ReplaceAll(n.Body, "\r\n", "\n")) + "\n"
}

var noticeHTML = template.Must(template.New("notice").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Subject}}</title>
</head>
<body>
<h1>{{.Subject}}</h1>
{{range .Paragraphs}}<p>{{range $i, $l := .}}{{if $i}}<br>
{{end}}{{$l}}{{end}}</p>
{{end}}</body>
</html>
`))

// NoticeHTML is a notice as a standalone HTML document: the subject as
// its title and heading, the body's paragraphs (separated by blank lines)
// with their line breaks. Everything is escaped.
func NoticeHTML(n *cra.UserNotice) []byte {
	var paras [][]string
	for p := range strings.SplitSeq(strings.ReplaceAll(n.Body, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			paras = append(paras, strings.Split(p, "\n"))
		}
	}
	var buf bytes.Buffer
	if err := noticeHTML.Execute(&buf, struct {
		Subject    string
		Paragraphs [][]string
	}{n.Subject, paras}); err != nil {
		// Strings always render.
		panic(err)
	}
	return buf.Bytes()
}

func handleNoticeExport(cases cra.CaseService, html bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := caseNotice(r, cases)
		if err != nil {
			return err
		}
		ct, ext, body := "text/plain; charset=utf-8", ".txt", []byte(NoticeText(n))
		if html {
			ct, ext, body = "text/html; charset=utf-8", ".html", NoticeHTML(n)
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "cyra-case-" + itoa(n.CaseID) + "-notice" + ext}))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(body)
		return nil
	}
}

func handleGetProfile(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, state, rule, err := cases.ReportingProfile(r.Context())
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, profileJSON(p, state, rule))
		return nil
	}
}

func handlePutProfile(cases cra.CaseService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in ReportingProfileInput
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		if _, err := cases.SaveReportingProfile(r.Context(), in.Profile()); err != nil {
			return err
		}
		p, state, rule, err := cases.ReportingProfile(r.Context())
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, profileJSON(p, state, rule))
		return nil
	}
}
