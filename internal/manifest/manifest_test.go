package manifest_test

import (
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/manifest"
)

// fullYAML uses every key of the format. Line numbers matter to the tests
// below: keep the layout.
const fullYAML = `products:
  - name: Nordlicht Gateway
    model: NG-100
    sku: NG-100-EU
    description: An industrial IoT gateway.
    intended_purpose: Connects field buses to the cloud.
    foreseeable_use: Installed in plant rooms.
    foreseeable_misuse: Exposed to the internet without a firewall.
    operating_environment: Indoor, DIN rail.
    remote_data_processing: true
    rdp_description: Cloud API for remote management
    operator_role: manufacturer
    licensing: proprietary
    member_states: [DE, FR, AT]
    team: Platform
    lifecycle: on-market
    scope:
      data_connection: true
      medical_device: false
      in_vitro_diagnostic: false
      vehicle_type_approval: false
      civil_aviation: false
      marine_equipment: false
      spare_part: false
      national_security: false
      pure_service: false
      non_commercial_foss: false
    classification:
      category: I-12
      rationale: Its core functionality is routing traffic between networks.
      standards: none
      tech_doc_public: false
    releases:
      - version: "1.0.0"
        release_date: 2026-01-10
        placed_on_market: 2026-02-01
        support_end: 2031-02
        short_support_justification: ""
        substantial_modification: false
        modification_reason: ""
        security_update: false
        status: released
        components:
          - product: Crypto library
            version: 3.1.0
      - version: "1.1.0"
        release_date: "2026-06-15"
        support_end: "2031-06"
        substantial_modification: true
        modification_reason: New radio module
        security_update: true
        status: planned
  - name: Crypto library
    licensing: foss-commercial
    releases:
      - version: 3.1.0
        release_date: 2025-11-03
`

// fullJSON is fullYAML as JSON, indented with tabs as encoding/json and
// editors often do.
const fullJSON = `{
	"products": [
		{
			"name": "Nordlicht Gateway",
			"model": "NG-100",
			"sku": "NG-100-EU",
			"description": "An industrial IoT gateway.",
			"intended_purpose": "Connects field buses to the cloud.",
			"foreseeable_use": "Installed in plant rooms.",
			"foreseeable_misuse": "Exposed to the internet without a firewall.",
			"operating_environment": "Indoor, DIN rail.",
			"remote_data_processing": true,
			"rdp_description": "Cloud API for remote management",
			"operator_role": "manufacturer",
			"licensing": "proprietary",
			"member_states": ["DE", "FR", "AT"],
			"team": "Platform",
			"lifecycle": "on-market",
			"scope": {
				"data_connection": true, "medical_device": false, "in_vitro_diagnostic": false,
				"vehicle_type_approval": false, "civil_aviation": false, "marine_equipment": false,
				"spare_part": false, "national_security": false, "pure_service": false,
				"non_commercial_foss": false
			},
			"classification": {
				"category": "I-12",
				"rationale": "Its core functionality is routing traffic between networks.",
				"standards": "none",
				"tech_doc_public": false
			},
			"releases": [
				{
					"version": "1.0.0",
					"release_date": "2026-01-10",
					"placed_on_market": "2026-02-01",
					"support_end": "2031-02",
					"short_support_justification": "",
					"substantial_modification": false,
					"modification_reason": "",
					"security_update": false,
					"status": "released",
					"components": [{"product": "Crypto library", "version": "3.1.0"}]
				},
				{
					"version": "1.1.0",
					"release_date": "2026-06-15",
					"support_end": "2031-06",
					"substantial_modification": true,
					"modification_reason": "New radio module",
					"security_update": true,
					"status": "planned"
				}
			]
		},
		{
			"name": "Crypto library",
			"licensing": "foss-commercial",
			"releases": [{"version": "3.1.0", "release_date": "2025-11-03"}]
		}
	]
}
`

func day(y int, m time.Month, d int) cra.Date {
	return cra.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// fullDoc is what fullYAML and fullJSON describe, written out by hand.
func fullDoc() *cra.ApplyDocument {
	return &cra.ApplyDocument{Products: []cra.ApplyProduct{
		{
			Product: cra.Product{
				Name:                 "Nordlicht Gateway",
				Model:                "NG-100",
				SKU:                  "NG-100-EU",
				Description:          "An industrial IoT gateway.",
				IntendedPurpose:      "Connects field buses to the cloud.",
				ForeseeableUse:       "Installed in plant rooms.",
				ForeseeableMisuse:    "Exposed to the internet without a firewall.",
				OperatingEnvironment: "Indoor, DIN rail.",
				RemoteDataProcessing: true,
				RDPDescription:       "Cloud API for remote management",
				OperatorRole:         cra.RoleManufacturer,
				Licensing:            cra.LicensingProprietary,
				MemberStates:         []string{"DE", "FR", "AT"},
				Team:                 "Platform",
				Lifecycle:            cra.LifecycleOnMarket,
			},
			Scope: cra.ScopeAnswers{
				"data_connection": true, "medical_device": false, "in_vitro_diagnostic": false,
				"vehicle_type_approval": false, "civil_aviation": false, "marine_equipment": false,
				"spare_part": false, "national_security": false, "pure_service": false,
				"non_commercial_foss": false,
			},
			Classification: &cra.Classification{
				Category:  "I-12",
				Rationale: "Its core functionality is routing traffic between networks.",
				Standards: cra.StandardsNone,
			},
			Releases: []cra.ApplyRelease{
				{
					Release: cra.Release{
						Version:        "1.0.0",
						ReleaseDate:    day(2026, time.January, 10),
						PlacedOnMarket: day(2026, time.February, 1),
						SupportEnd:     cra.YearMonth{Year: 2031, Month: time.February},
						Status:         cra.ReleaseReleased,
					},
					Components: []cra.ComponentName{{Product: "Crypto library", Version: "3.1.0"}},
				},
				{
					Release: cra.Release{
						Version:                 "1.1.0",
						ReleaseDate:             day(2026, time.June, 15),
						SupportEnd:              cra.YearMonth{Year: 2031, Month: time.June},
						SubstantialModification: true,
						ModificationReason:      "New radio module",
						SecurityUpdate:          true,
						Status:                  cra.ReleasePlanned,
					},
				},
			},
		},
		{
			Product: cra.Product{Name: "Crypto library", Licensing: cra.LicensingFOSSCommercial},
			Releases: []cra.ApplyRelease{
				{Release: cra.Release{Version: "3.1.0", ReleaseDate: day(2025, time.November, 3)}},
			},
		},
	}}
}

func TestParseFullExample(t *testing.T) {
	for _, tc := range []struct{ name, input string }{
		{"products.yaml", fullYAML},
		{"products.json", fullJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, loc, err := manifest.Parse(tc.name, []byte(tc.input))
			if err != nil {
				t.Fatalf("Parse: %v; problems: %q", err, manifest.Problems(tc.name, err))
			}
			if loc == nil {
				t.Fatal("Parse returned no Locator")
			}
			want := fullDoc()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("document differs:\n got %+v\nwant %+v", got, want)
			}
			// The same checks field by field, so a failure says where.
			if len(got.Products) != 2 {
				t.Fatalf("got %d products; want 2", len(got.Products))
			}
			p := got.Products[0]
			if r := p.Releases[0].Release; r.ReleaseDate.String() != "2026-01-10" || r.PlacedOnMarket.String() != "2026-02-01" || r.SupportEnd.String() != "2031-02" {
				t.Errorf("release 1.0.0 dates = %s, %s, %s", r.ReleaseDate, r.PlacedOnMarket, r.SupportEnd)
			}
			if r := p.Releases[1].Release; r.ReleaseDate.String() != "2026-06-15" || !r.PlacedOnMarket.IsZero() || r.SupportEnd.String() != "2031-06" {
				t.Errorf("release 1.1.0 dates = %s, %s, %s", r.ReleaseDate, r.PlacedOnMarket, r.SupportEnd)
			}
			if len(p.Scope) != len(cra.ScopeQuestions) || !p.Scope["data_connection"] || p.Scope["medical_device"] {
				t.Errorf("scope = %v", p.Scope)
			}
			if res, err := cra.EvaluateScope(p.Scope); err != nil || !res.Complete || !res.InScope {
				t.Errorf("EvaluateScope = %+v, %v; want complete and in scope", res, err)
			}
			if c := p.Classification; c == nil || c.Category != "I-12" || c.Standards != cra.StandardsNone || c.TechDocPublic {
				t.Errorf("classification = %+v", c)
			}
			if c := p.Releases[0].Components; len(c) != 1 || c[0] != (cra.ComponentName{Product: "Crypto library", Version: "3.1.0"}) {
				t.Errorf("components = %+v", c)
			}
			if q := got.Products[1]; q.Scope != nil || q.Classification != nil {
				t.Errorf("product without scope or classification got %v, %+v", q.Scope, q.Classification)
			}
		})
	}
}

// TestParsePackageExample keeps the example of the package documentation
// true: it must parse.
func TestParsePackageExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(src), "\n") {
		if l == "//\tproducts:" {
			in = true
		}
		if in {
			body, ok := strings.CutPrefix(l, "//\t")
			if !ok {
				break
			}
			lines = append(lines, body)
		}
	}
	if len(lines) < 40 {
		t.Fatalf("found %d lines of example in doc.go", len(lines))
	}
	doc, _, err := manifest.Parse("doc.go", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatalf("the documented example does not parse: %q", manifest.Problems("doc.go", err))
	}
	if len(doc.Products) != 2 || len(doc.Products[0].Scope) != len(cra.ScopeQuestions) || doc.Products[0].Classification == nil {
		t.Errorf("documented example parsed to %+v", doc)
	}
}

// TestParseAcceptedForms covers the forms the format takes besides the
// obvious ones.
func TestParseAcceptedForms(t *testing.T) {
	input := `products:
  - name: 2024
    model: 1.10
    sku: ~
    description: |
      Two
      lines.
    remote_data_processing: True
    member_states: []
    scope:
      data_connection: true
      spare_part:
    classification:
    releases:
      - version: 1.10
        release_date: "2026-01-10"
        placed_on_market: ""
        support_end:
        security_update: FALSE
`
	doc, _, err := manifest.Parse("p.yaml", []byte(input))
	if err != nil {
		t.Fatalf("Parse: %q", manifest.Problems("p.yaml", err))
	}
	p := doc.Products[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"a number as the name is its text", p.Product.Name, "2024"},
		{"a float as text keeps its digits", p.Product.Model, "1.10"},
		{"null text is empty", p.Product.SKU, ""},
		{"a block scalar", p.Product.Description, "Two\nlines.\n"},
		{"True is a boolean", p.Product.RemoteDataProcessing, true},
		{"an empty list", len(p.Product.MemberStates), 0},
		{"a null scope answer is unanswered", p.Scope, cra.ScopeAnswers{"data_connection": true}},
		{"a null classification is none", p.Classification, (*cra.Classification)(nil)},
		{"a version written as a float", p.Releases[0].Release.Version, "1.10"},
		{"a quoted date", p.Releases[0].Release.ReleaseDate, day(2026, time.January, 10)},
		{"an empty date is unset", p.Releases[0].Release.PlacedOnMarket, cra.Date{}},
		{"a null month is unset", p.Releases[0].Release.SupportEnd, cra.YearMonth{}},
		{"FALSE is a boolean", p.Releases[0].Release.SecurityUpdate, false},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v; want %#v", c.what, c.got, c.want)
		}
	}
}

// TestParseEncodings reads the files Windows editors and shells write: a
// UTF-8 byte-order mark with CRLF line ends, and UTF-16 (PowerShell 5).
func TestParseEncodings(t *testing.T) {
	utf16le := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, r := range s { // every rune here is in the BMP
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	utf8bom := func(s string) []byte { return []byte("\ufeff" + s) }
	good := "products:\r\n  - name: Café\r\n    team: red\r\n"
	bad := "products:\r\n  - name: Café\r\n    colour: red\r\n"
	for name, encode := range map[string]func(string) []byte{"UTF-8 with BOM and CRLF": utf8bom, "UTF-16LE": utf16le} {
		doc, _, err := manifest.Parse("products.yaml", encode(good))
		if err != nil || doc.Products[0].Product.Name != "Café" {
			t.Errorf("%s: %+v, %v", name, doc, err)
		}
		_, _, err = manifest.Parse("products.yaml", encode(bad))
		if got := manifest.Problems("products.yaml", err); len(got) != 1 || !strings.HasPrefix(got[0], `products.yaml:3: products[0].colour: Unknown key "colour"`) {
			t.Errorf("%s: %q", name, got)
		}
	}
}

func TestParseProblems(t *testing.T) {
	deep := "products:\n  - name: A\n    x: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n"
	tooMany := "products:\n" + strings.Repeat("  - {}\n", 10001)
	for _, tc := range []struct {
		name  string
		input string
		path  string // the field the problem is reported under
		line  int    // the line its message starts with
		msg   string // a part of the message
	}{
		{"unknown key with a suggestion", `products:
  - name: A
    releases:
      - version: "1.0"
        relase_date: 2026-01-10
`, "products[0].releases[0].relase_date", 5, `Unknown key "relase_date" in a release; did you mean "release_date"?`},
		{"unknown key without a suggestion", `products:
  - name: A
    colour: blue
`, "products[0].colour", 3, `Unknown key "colour" in a product; the keys are name, model,`},
		{"unknown top-level key", `product:
  - name: A
`, "product", 1, `did you mean "products"?`},
		{"unknown key of a component", `products:
  - name: A
    releases:
      - version: "1.0"
        components:
          - name: B
            version: "2"
`, "products[0].releases[0].components[0].name", 6, `Unknown key "name" in a component (product and version); the keys are product, version.`},
		{"a key that is not a plain name", `products:
  - name: A
    "a\nb": 1
`, `products[0]["a\nb"]`, 3, `Unknown key "a\nb"`},
		{"a key given twice", `products:
  - name: A
    team: X
    team: Y
`, "products[0].team", 4, "The key team is given twice; it is already set on line 3."},
		{"a list for text", `products:
  - name: A
    model: [a, b]
`, "products[0].model", 3, "Must be text, not a list."},
		{"a mapping for a list", `products:
  - name: A
    releases:
      version: "1.0"
`, "products[0].releases", 3, "Must be a list of releases, not a mapping."},
		{"text for the Member States", `products:
  - name: A
    member_states: DE
`, "products[0].member_states", 3, `Must be a list of Member State codes such as [DE, FR], not "DE".`},
		{"a list inside the Member States", `products:
  - name: A
    member_states:
      - DE
      - [FR]
`, "products[0].member_states[1]", 5, "Must be text, not a list."},
		{"text for a product", `products:
  - Nordlicht
`, "products[0]", 2, `Must be a product (a mapping of keys to values), not "Nordlicht".`},
		{"an empty product", `products:
  -
`, "products[0]", 2, "Must be a product (a mapping of keys to values), not null."},
		{"bad date", `products:
  - name: A
    releases:
      - version: "1.0"
        release_date: 2026-02-30
`, "products[0].releases[0].release_date", 5, `"2026-02-30" is not a date; write it as YYYY-MM-DD`},
		{"date without leading zeros", `products:
  - name: A
    releases:
      - version: "1.0"
        placed_on_market: 2026-2-1
`, "products[0].releases[0].placed_on_market", 5, `"2026-2-1" is not a date`},
		{"a list for a date", `products:
  - name: A
    releases:
      - version: "1.0"
        release_date: [2026, 1, 10]
`, "products[0].releases[0].release_date", 5, "Must be a date (YYYY-MM-DD), not a list."},
		{"bad month", `products:
  - name: A
    releases:
      - version: "1.0"
        release_date: 2026-01-10
      - version: "1.1"
        release_date: 2026-02-10
        support_end: 2031-13
`, "products[0].releases[1].support_end", 8, `"2031-13" is not a month; write it as YYYY-MM`},
		{"a day for a month", `products:
  - name: A
    releases:
      - version: "1.0"
        support_end: 2031-02-28
`, "products[0].releases[0].support_end", 5, `"2031-02-28" is not a month`},
		{"yes for a boolean", `products:
  - name: A
    releases:
      - version: "1.0"
        security_update: yes
`, "products[0].releases[0].security_update", 5, `Must be true or false, not "yes".`},
		{"a quoted boolean", `{"products": [{"name": "A", "remote_data_processing": "true"}]}`,
			"products[0].remote_data_processing", 1, `Must be true or false, not "true".`},
		{"a number for a boolean", `products:
  - name: A
    classification:
      tech_doc_public: 1
`, "products[0].classification.tech_doc_public", 4, "Must be true or false, not the number 1."},
		{"no for a scope answer", `products:
  - name: A
    scope:
      data_connection: true
      medical_device: no
`, "products[0].scope.medical_device", 5, `Must be true or false, not "no".`},
		{"unknown scope question", `products:
  - name: A
    scope:
      medical: false
`, "products[0].scope.medical", 4, `Unknown key "medical" in the scope answers; the keys are data_connection, medical_device,`},
		{"a list for the scope", `products:
  - name: A
    scope: [data_connection]
`, "products[0].scope", 3, "Must be the scope answers (a mapping of keys to values), not a list."},
		{"duplicate product name", `products:
  - name: A
  - name: B
  - name: A
`, "products[2].name", 4, `Another product is named "A" (products[0], line 2); names must be unique.`},
		{"duplicate product name up to spaces", `products:
  - name: A
  - name: " A "
`, "products[1].name", 3, `Another product is named "A"`},
		{"duplicate version", `products:
  - name: A
    releases:
      - version: "1.0"
      - version: "2.0"
      - version: "1.0"
`, "products[0].releases[2].version", 6, `Version "1.0" is listed twice for this product (releases[0], line 4); versions must be unique.`},
		{"duplicate version written as a float", `products:
  - name: A
    releases:
      - version: 1.10
      - version: "1.10"
`, "products[0].releases[1].version", 5, `Version "1.10" is listed twice`},
		{"empty document", "", "products", 1, "The manifest is empty"},
		{"only comments", "# products: none yet\n\n", "products", 1, "The manifest is empty"},
		{"only a document marker", "---\n", "products", 1, "The manifest is empty"},
		{"no products key", "# nothing\nproducts_list: []\n", "products_list", 2, `Unknown key "products_list"`},
		{"no products", "products: []\n", "products", 1, "List at least one product."},
		{"null products", "# header\nproducts:\n", "products", 2, "List at least one product."},
		{"a list at the top", "- name: A\n", "", 1, "A manifest must be a mapping with a products: key, not a list."},
		{"syntax error from the scanner", `products:
  - name: A
    releases:
      - version: "1.0"
        release_date: 2026-01-10
        status: released
        support_end: 2031-02: x
`, "", 7, "mapping values are not allowed in this context"},
		{"syntax error from the parser", `products:
  - name: A
    member_states: [DE, FR
    team: X
`, "", 3, "did not find expected ',' or ']'"},
		{"syntax error on the first line", `{"products": [{"name": "A"}]} x`, "", 1, "did not find expected <document start>"},
		{"indentation error far into a list", `products:
  - name: A
    team: X
  - name: B
    releases:
      - version: "1"
        status: released
      - version: "2"
       status: planned
`, "", 9, "did not find expected '-' indicator (check the indentation of this line)"},
		{"a tab for indentation", "products:\n\t- name: A\n", "", 2, "found character that cannot start any token"},
		{"two documents", "products:\n  - name: A\n---\nproducts:\n  - name: B\n", "", 3, "A manifest is a single YAML document"},
		{"anchor and alias", `products:
  - name: A
    description: &d Long text
  - name: B
    description: *d
`, "products[0].description", 3, "Anchors (&d) are not allowed in a manifest."},
		{"alias of an unknown anchor", `products:
  - name: A
    description: *d
`, "", 3, "Aliases (*d) are not allowed in a manifest; write the value out."},
		{"merge key", `products:
  - name: A
    <<: {team: X}
`, "products[0]", 3, "Merge keys (<<) are not allowed in a manifest."},
		{"a custom tag", `products:
  - name: !secret A
`, "products[0].name", 2, "The tag !secret is not allowed in a manifest; write a plain value."},
		{"a binary value", `products:
  - name: !!binary QQ==
`, "products[0].name", 2, "The tag !!binary is not allowed"},
		{"nested too deeply", deep, "products[0].x" + strings.Repeat("[0]", 30), 3, "The manifest is nested more than 32 levels deep."},
		{"too many products", tooMany, "products", 1, "Lists 10001 items; at most 10000 are allowed."},
		{"not UTF-8", "products:\n  - name: A\n    team: Caf\xe9\n", "", 3, "The file is not UTF-8 text (byte 0xE9); save it as UTF-8."},
		{"a control character", "products:\n  - name: A\x00\n", "", 2, "The character U+0000 is not allowed in YAML; remove it."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, loc, err := manifest.Parse("products.yaml", []byte(tc.input))
			if doc != nil {
				t.Errorf("Parse returned a document with an error")
			}
			if loc == nil {
				t.Errorf("Parse returned no Locator")
			}
			var e *cra.Error
			if !errors.As(err, &e) || e.Code != cra.EINVALID {
				t.Fatalf("err = %#v; want EINVALID", err)
			}
			got, ok := e.Fields[tc.path]
			if !ok {
				t.Fatalf("no problem for %q; fields: %q", tc.path, e.Fields)
			}
			prefix := "line " + strconv.Itoa(tc.line) + ": "
			if !strings.HasPrefix(got, prefix) || !strings.Contains(got, tc.msg) {
				t.Errorf("problem of %q = %q; want %q…%q", tc.path, got, prefix, tc.msg)
			}
			if !strings.HasPrefix(e.Message, "products.yaml: ") || strings.Contains(e.Message, "\n") {
				t.Errorf("message = %q; want one line naming the file", e.Message)
			}
			if len(e.Fields) == 1 {
				where := prefix
				if tc.path != "" {
					where += tc.path + ": "
				}
				if want := "products.yaml: " + where; !strings.HasPrefix(e.Message, want) {
					t.Errorf("message = %q; want it to start %q", e.Message, want)
				}
			}
		})
	}
}

// TestParseReportsEveryProblem checks that Parse goes on after a problem
// and counts them in its message.
func TestParseReportsEveryProblem(t *testing.T) {
	input := `products:
  - name: A
    colour: blue
    releases:
      - version: "1.0"
        release_date: 2026-13-01
        security_update: yes
`
	_, _, err := manifest.Parse("products.yaml", []byte(input))
	want := map[string]string{
		"products[0].colour":                      `line 3: Unknown key "colour" in a product;`,
		"products[0].releases[0].release_date":    `line 6: "2026-13-01" is not a date;`,
		"products[0].releases[0].security_update": `line 7: Must be true or false, not "yes".`,
	}
	fields := cra.ErrorFields(err)
	if len(fields) != len(want) {
		t.Fatalf("fields = %q; want %d problems", fields, len(want))
	}
	for path, prefix := range want {
		if !strings.HasPrefix(fields[path], prefix) {
			t.Errorf("%s: %q; want it to start %q", path, fields[path], prefix)
		}
	}
	if msg, want := cra.ErrorMessage(err), `products.yaml: 3 problems; the first: line 3: products[0].colour: Unknown key "colour"`; !strings.HasPrefix(msg, want) {
		t.Errorf("message = %q; want it to start %q", msg, want)
	}
}

func TestParseCapsProblems(t *testing.T) {
	input := "products:\n" + strings.Repeat("  - {colour: blue}\n", 150)
	_, _, err := manifest.Parse("products.yaml", []byte(input))
	if n := len(cra.ErrorFields(err)); n != 100 {
		t.Errorf("%d problems recorded; want the cap of 100", n)
	}
	if msg := cra.ErrorMessage(err); !strings.HasPrefix(msg, "products.yaml: more than 100 problems (the first 100 are listed); the first: line 2: products[0].colour:") {
		t.Errorf("message = %q", msg)
	}
}

func TestParseTooLarge(t *testing.T) {
	input := "products:\n  - name: A\n    description: " + strings.Repeat("x", manifest.MaxSize) + "\n"
	doc, loc, err := manifest.Parse("big.yaml", []byte(input))
	if doc != nil || loc == nil {
		t.Errorf("doc = %v, loc = %v; want no document and a Locator", doc, loc)
	}
	if cra.ErrorCode(err) != cra.ETOOLARGE || !strings.HasPrefix(cra.ErrorMessage(err), "big.yaml: ") {
		t.Errorf("err = %v; want ETOOLARGE naming big.yaml", err)
	}
	// Exactly MaxSize is allowed.
	input = "products:\n  - name: A\n    description: x"
	input += strings.Repeat("x", manifest.MaxSize-len(input))
	if _, _, err := manifest.Parse("big.yaml", []byte(input)); err != nil {
		t.Errorf("a manifest of exactly MaxSize bytes: %v", err)
	}
}

// lineOf returns the line of the one line of text containing s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	found := 0
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			if found != 0 {
				t.Fatalf("%q is on lines %d and %d", s, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%q is not in the text", s)
	}
	return found
}

func TestLocatorLine(t *testing.T) {
	_, loc, err := manifest.Parse("products.yaml", []byte(fullYAML))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"", 1},
		{"products", 1},
		{"products[0]", 2},
		{"products[0].name", 2},
		{"products[0].member_states", 14},
		{"products[0].member_states[2]", 14},
		{"products[0].scope", 17},
		{"products[0].scope.medical_device", 19},
		{"products[0].classification.standards", 31},
		{"products[0].releases", 33},
		{"products[0].releases[0]", 34},
		{"products[0].releases[0].support_end", 37},
		{"products[0].releases[0].components[0].version", lineOf(t, fullYAML, "            version: 3.1.0")},
		{"products[0].releases[1].support_end", lineOf(t, fullYAML, `support_end: "2031-06"`)},
		{"products[1].name", lineOf(t, fullYAML, "name: Crypto library")},
		// Missing fields report their nearest ancestor.
		{"products[0].releases[1].placed_on_market", lineOf(t, fullYAML, `version: "1.1.0"`)},
		{"products[1].scope.medical_device", lineOf(t, fullYAML, "name: Crypto library")},
		{"products[1].releases[0].support_end", lineOf(t, fullYAML, "      - version: 3.1.0")},
		{"products[9].name", 1},
		{"version", 1},
	} {
		if got := loc.Line(tc.path); got != tc.want {
			t.Errorf("Line(%q) = %d; want %d", tc.path, got, tc.want)
		}
	}
	var none *manifest.Locator
	if got := none.Line("products"); got != 0 {
		t.Errorf("a nil Locator gave line %d", got)
	}
	_, broken, _ := manifest.Parse("products.yaml", []byte("products: [\n"))
	if got := broken.Line("products[0].name"); got != 0 {
		t.Errorf("the Locator of an unparseable file gave line %d; want 0 (unknown)", got)
	}
}

// serviceErr is what the service returns for a document it refuses:
// fields keyed by path, messages without lines.
func serviceErr() *cra.Error {
	return &cra.Error{Code: cra.EINVALID, Message: "The input is not valid.", Fields: map[string]string{
		"products[0].releases[1].support_end":         "A support period shorter than five years needs a justification.",
		"products[1].releases[0].support_end":         "The end of the support period (YYYY-MM) is required.",
		"products[0].releases[0].components[0]":       `No release 3.1.0 of "Crypto library".`,
		"products[1].classification.category":         "Unknown category.",
		"products[0].releases[0].modification_reason": "line 99: Already annotated.",
	}}
}

func TestAnnotate(t *testing.T) {
	_, loc, err := manifest.Parse("products.yaml", []byte(fullYAML))
	if err != nil {
		t.Fatal(err)
	}
	in := serviceErr()
	got := loc.Annotate(in)
	var e *cra.Error
	if !errors.As(got, &e) || e.Code != cra.EINVALID {
		t.Fatalf("Annotate = %#v", got)
	}
	crypto := lineOf(t, fullYAML, "name: Crypto library")
	want := map[string]string{
		"products[0].releases[1].support_end":         "line " + strconv.Itoa(lineOf(t, fullYAML, `support_end: "2031-06"`)) + ": A support period shorter than five years needs a justification.",
		"products[1].releases[0].support_end":         "line " + strconv.Itoa(crypto+3) + ": The end of the support period (YYYY-MM) is required.",
		"products[0].releases[0].components[0]":       "line " + strconv.Itoa(lineOf(t, fullYAML, "- product: Crypto library")) + `: No release 3.1.0 of "Crypto library".`,
		"products[1].classification.category":         "line " + strconv.Itoa(crypto) + ": Unknown category.",
		"products[0].releases[0].modification_reason": "line 99: Already annotated.",
	}
	if !reflect.DeepEqual(e.Fields, want) {
		t.Errorf("fields:\n got %q\nwant %q", e.Fields, want)
	}
	first := lineOf(t, fullYAML, "- product: Crypto library")
	if msg := "products.yaml: 5 problems; the first: line " + strconv.Itoa(first) + `: products[0].releases[0].components[0]: No release 3.1.0 of "Crypto library".`; e.Message != msg {
		t.Errorf("message = %q\n      want %q", e.Message, msg)
	}
	if !reflect.DeepEqual(in, serviceErr()) {
		t.Errorf("Annotate modified its argument: %+v", in)
	}
	if again := loc.Annotate(got); !reflect.DeepEqual(again, got) {
		t.Errorf("annotating twice changed the error:\n%+v\n%+v", again, got)
	}

	one := &cra.Error{Code: cra.EINVALID, Message: "The input is not valid.", Fields: map[string]string{"products[0].name": "Name is required."}}
	if msg := cra.ErrorMessage(loc.Annotate(one)); msg != "products.yaml: line 2: products[0].name: Name is required." {
		t.Errorf("one problem: message = %q", msg)
	}
	bare := &cra.Error{Code: cra.EINVALID, Message: "Component cycle."}
	if msg := cra.ErrorMessage(loc.Annotate(bare)); msg != "products.yaml: Component cycle." {
		t.Errorf("no fields: message = %q", msg)
	}
	for _, other := range []error{nil, errors.New("disk on fire"), cra.Errorf(cra.ECONFLICT, "Changed underneath.")} {
		if got := loc.Annotate(other); got != other {
			t.Errorf("Annotate(%v) = %v; want it unchanged", other, got)
		}
	}

	// Without lines (a Locator of a file that did not parse) the messages
	// stay as they are.
	_, broken, _ := manifest.Parse("products.yaml", []byte("products: [\n"))
	e = nil
	if !errors.As(broken.Annotate(one), &e) || e.Fields["products[0].name"] != "Name is required." {
		t.Errorf("unknown line: %+v", e)
	}
}

func TestProblems(t *testing.T) {
	_, loc, err := manifest.Parse("products.yaml", []byte(fullYAML))
	if err != nil {
		t.Fatal(err)
	}
	got := manifest.Problems("products.yaml", loc.Annotate(serviceErr()))
	crypto := lineOf(t, fullYAML, "name: Crypto library")
	want := []string{
		"products.yaml:" + strconv.Itoa(lineOf(t, fullYAML, "- product: Crypto library")) + `: products[0].releases[0].components[0]: No release 3.1.0 of "Crypto library".`,
		"products.yaml:" + strconv.Itoa(lineOf(t, fullYAML, `support_end: "2031-06"`)) + ": products[0].releases[1].support_end: A support period shorter than five years needs a justification.",
		"products.yaml:" + strconv.Itoa(crypto) + ": products[1].classification.category: Unknown category.",
		"products.yaml:" + strconv.Itoa(crypto+3) + ": products[1].releases[0].support_end: The end of the support period (YYYY-MM) is required.",
		"products.yaml:99: products[0].releases[0].modification_reason: Already annotated.",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Problems:\n got %q\nwant %q", got, want)
	}

	_, _, err = manifest.Parse("products.yaml", []byte("products:\n  - name: A\n  - name: A\n  - [x]\n    team: X: Y\n"))
	if got := manifest.Problems("products.yaml", err); len(got) != 1 || !strings.HasPrefix(got[0], "products.yaml:5: ") {
		t.Errorf("syntax error: %q", got)
	}
	_, _, err = manifest.Parse("products.yaml", []byte("products:\n  - name: A\n    nmae: B\n  - name: A\n"))
	want = []string{
		`products.yaml:3: products[0].nmae: Unknown key "nmae" in a product; did you mean "name"?`,
		`products.yaml:4: products[1].name: Another product is named "A" (products[0], line 2); names must be unique.`,
	}
	if got := manifest.Problems("products.yaml", err); !reflect.DeepEqual(got, want) {
		t.Errorf("Parse's problems:\n got %q\nwant %q", got, want)
	}

	unannotated := &cra.Error{Code: cra.EINVALID, Fields: map[string]string{"products[0].name": "Name is required.", "": "line 3: Bad."}}
	want = []string{"products.yaml: products[0].name: Name is required.", "products.yaml:3: Bad."}
	if got := manifest.Problems("products.yaml", unannotated); !reflect.DeepEqual(got, want) {
		t.Errorf("unannotated:\n got %q\nwant %q", got, want)
	}
	if got := manifest.Problems("products.yaml", &cra.Error{Code: cra.EINVALID, Message: "Component cycle."}); !reflect.DeepEqual(got, []string{"products.yaml: Component cycle."}) {
		t.Errorf("no fields: %q", got)
	}
	for _, other := range []error{nil, errors.New("x"), cra.Errorf(cra.ETOOLARGE, "big.yaml: too large")} {
		if got := manifest.Problems("products.yaml", other); got != nil {
			t.Errorf("Problems(%v) = %q; want nil", other, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		fullYAML, fullJSON, "", "products: []", "products:\n  - name: A\n  - name: A\n",
		"products:\n  - name: &a A\n  - name: *a\n", "products:\n  - name: A\n    model: x: y\n",
		"products:\n  - {name: A, releases: [{version: 1, release_date: 2026-13-01, support_end: 2031-1}]}\n",
		"products: [{name: A, scope: {medical_device: yes, x: true}, classification: {standards: full, tech_doc_public: TRUE}}]",
		"---\n---\n", "products: !!binary QQ==", "products:\n  - <<: {a: 1}\n", "%YAML 1.2\n---\nproducts: [{}]\n",
		"products: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, loc, err := manifest.Parse("f.yaml", data)
		if loc == nil {
			t.Fatal("no Locator")
		}
		if err == nil {
			if doc == nil || len(doc.Products) == 0 {
				t.Fatalf("no error and no products: %+v", doc)
			}
			loc.Line("products[0].releases[0].support_end")
			return
		}
		e, ok := err.(*cra.Error)
		if !ok {
			t.Fatalf("err is %T, not *cra.Error: %v", err, err)
		}
		if e.Message == "" || strings.ContainsAny(e.Message, "\r\n") {
			t.Fatalf("message %q is empty or not one line", e.Message)
		}
		if doc != nil {
			t.Fatal("a document with an error")
		}
		switch e.Code {
		case cra.EINVALID:
			if len(e.Fields) == 0 {
				t.Fatalf("EINVALID without fields: %q", e.Message)
			}
			if n := len(manifest.Problems("f.yaml", err)); n != len(e.Fields) {
				t.Fatalf("%d problems for %d fields", n, len(e.Fields))
			}
			if again := loc.Annotate(err); !reflect.DeepEqual(again, err) {
				t.Fatalf("annotating Parse's own error changed it: %+v", again)
			}
			for path := range e.Fields {
				loc.Line(path)
			}
		case cra.ETOOLARGE:
		default:
			t.Fatalf("code %q", e.Code)
		}
		if _, _, err2 := manifest.Parse("f.yaml", data); cra.ErrorMessage(err2) != e.Message {
			t.Fatalf("a second parse gave %q, then %q", e.Message, cra.ErrorMessage(err2))
		}
	})
}
