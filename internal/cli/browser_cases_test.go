package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cyra/internal/testutil"
)

// TestBrowserReportingToFinalReport follows an exploitation signal to a
// filed final report in the web UI: an advisory and an SBOM make a
// finding of a release on the market, a KEV catalog listing its CVE opens
// a review on the reporting page, the review opens a case, and its early
// warning, notification and final report are drafted, marked ready and
// recorded as submitted with the SRP's receipt, until the case shows
// three frozen revisions and no form is left.
func TestBrowserReportingToFinalReport(t *testing.T) {
	testutil.RequireBrowser(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"GHSA-j8r2-6x86-q33q.json": osvRecord, "kev.json": kevNordlicht, "sensor-hub.cdx.json": sensorHubSBOM,
				"srp-receipt.png": "\x89PNG\r\n\x1a\n SRP receipt"}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			u, _ := startBrowser(t, d, true)
			s := u.s
			visible := func(css string) bool {
				t.Helper()
				out, err := s.ExecuteScript(`var e = document.querySelector(arguments[0]); return !!e && !e.hidden && e.offsetParent !== null;`, css)
				u.must(err)
				return string(out) == "true"
			}
			// count counts at once; FindAll would wait for a match that
			// should not come.
			count := func(css string) int {
				t.Helper()
				out, err := s.ExecuteScript(`return document.querySelectorAll(arguments[0]).length;`, css)
				u.must(err)
				n, err := strconv.Atoi(string(out))
				u.must(err)
				return n
			}
			utcMinute := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04Z") }

			// A product with a release on the market and within support.
			u.open("/products/new")
			u.fill("#name", "Nordlicht Sensor Hub")
			u.fill("#intended_purpose", "Collects readings from building sensors.")
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			u.click(`a[href="/products/1/releases/new"]`)
			u.waitPath("/products/1/releases/new")
			u.fill("#version", "2.1.0")
			u.click(`#status option[value="released"]`)
			for id, v := range map[string]string{"release_date": "2026-03-01", "placed_on_market": "2026-03-15", "support_end": "2031-12"} {
				_, err := s.ExecuteScript(`document.getElementById(arguments[0]).value = arguments[1]; return true;`, id, v)
				u.must(err)
			}
			u.click("form.stack button[type=submit]")
			u.waitURL("done=release-created")
			cur, err := s.CurrentURL()
			u.must(err)
			release := regexp.MustCompile(`/releases/\d+`).FindString(cur)

			// The advisory, then the SBOM: a finding, but no review yet.
			importFeed := func(name string) {
				t.Helper()
				u.open("/feeds")
				u.must(mustFind(u, "#file").SendKeys(filepath.Join(dir, name)))
				u.click(`form[action="/feeds/import"] button[type=submit]`)
				u.waitPath("/feeds/import")
				if got := u.text(`[data-testid="import-result"]`); !strings.Contains(got, "1 added") {
					u.fail("import of %s: %q", name, got)
				}
			}
			importFeed("GHSA-j8r2-6x86-q33q.json")
			u.open(release)
			u.must(mustFind(u, "#sbom-file").SendKeys(filepath.Join(dir, "sensor-hub.cdx.json")))
			u.click(`form[action="` + release + `/sbom"] button[type=submit]`)
			u.waitURL("done=sbom-imported")
			u.open("/reporting")
			if got := u.text(`[data-testid="no-reviews"]`); got == "" {
				u.fail("a review before any exploitation signal")
			}

			// The KEV catalog lists the CVE: a review appears on the
			// reporting page, reached from the nav bar.
			importFeed("kev.json")
			u.open("/")
			if got := u.text(`[data-testid="reporting-summary"]`); !strings.HasPrefix(got, "1 review awaits a decision") {
				u.fail("dashboard reporting summary %q", got)
			}
			u.click(`nav a[href="/reporting"]`)
			u.waitPath("/reporting")
			row := u.text(`[data-testid="open-reviews"] tbody tr`)
			for _, want := range []string{"CVE-2024-35195", "Nordlicht Sensor Hub 2.1.0", "nordlicht-parser 3.1.0", "CISA KEV"} {
				if !strings.Contains(row, want) {
					u.fail("review row %q lacks %q", row, want)
				}
			}
			u.snap("reporting-review")
			u.click(`[data-testid="open-reviews"] tbody tr a`)
			u.waitPath("/reviews/1")
			if h := u.text("h1"); h != "Is CVE-2024-35195 reportable for Nordlicht Sensor Hub 2.1.0?" {
				u.fail("review heading %q", h)
			}
			u.click(`input[name="decision"][value="open_case"]`)
			u.click(`form[action="/reviews/1/decision"] button[type=submit]`)
			u.waitURL("done=case-opened")
			cur, err = s.CurrentURL()
			u.must(err)
			caseURL := regexp.MustCompile(`/cases/\d+`).FindString(cur)
			if f := u.text(".flash"); !strings.HasPrefix(f, "Case opened.") {
				u.fail("flash %q", f)
			}
			// Deadlines in UTC, with the local time and a live countdown
			// added by the script.
			if got := u.text(`[data-testid="deadlines"] tr[data-stage="early_warning"]`); !strings.Contains(got, "UTC") || !strings.Contains(got, "your time:") ||
				!regexp.MustCompile(`in 2[34] h`).MatchString(got) {
				u.fail("early warning deadline %q", got)
			}
			if got := u.text(`[data-testid="coordinator"]`); !strings.HasPrefix(got, "Germany") || !strings.Contains(got, "Art. 14(7)") {
				u.fail("coordinator %q", got)
			}
			u.snap("case-opened")

			// We knew an hour earlier: correct the awareness time, with a
			// reason; the early warning then states it.
			aware := time.Now().Add(-time.Hour)
			u.click(`details[data-testid="awareness-form"] summary`)
			u.fill("#a-at", utcMinute(aware))
			u.fill("#a-reason", "The customer's report reached the PSIRT an hour before the KEV entry.")
			u.click(`details[data-testid="awareness-form"] button[type=submit]`)
			u.waitURL("done=awareness")

			// The early warning: complete, mark ready, copy-ready view.
			fileStage := func(stage string, fill map[string]string, clicks ...string) {
				t.Helper()
				if got := mustAttr(u, `[data-testid="stage"]`, "data-stage"); got != stage {
					u.fail("the case page shows stage %q, want %s", got, stage)
				}
				for id, v := range fill {
					u.fill("#f-"+id, v)
				}
				for _, css := range clicks {
					u.click(css)
				}
				u.click(`form[data-testid="stage-form"] button[value="ready"]`)
				u.waitURL("done=stage-ready")
				if got := u.text(`[data-testid="stage-state"]`); got != "Ready to file" {
					u.fail("%s after marking ready: %q\n%s", stage, got, u.text(".error-summary"))
				}
				if !visible(`[data-testid="copy-ready"] button[data-copy="cv-3"]`) {
					u.fail("no copy button in the copy-ready view of %s", stage)
				}
				u.snap(stage + "-ready")
				// Filed on the SRP: record when, its id and the receipt.
				u.fill("#s-srp", "SRP-2026-0001")
				u.must(mustFind(u, "#s-file").SendKeys(filepath.Join(dir, "srp-receipt.png")))
				u.click(`form[data-testid="submit-form"] button[type=submit]`)
				u.waitURL("done=stage-submitted")
				if got := u.text(`[data-testid="stage-state"]`); got != "Submitted" {
					u.fail("%s after submission: %q\n%s", stage, got, u.text(".error-summary"))
				}
				if rev := u.text(`[data-testid="stage-revision"]`); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(rev) {
					u.fail("%s revision %q", stage, rev)
				}
				if n := count(`[data-testid="stage-form"]`); n != 0 {
					u.fail("%s still has its form after submission", stage)
				}
				u.snap(stage + "-submitted")
				u.open(caseURL)
			}
			u.open(caseURL)
			fileStage("early_warning", map[string]string{"3": "nordlicht-parser's link following is exploited against Sensor Hub 2.1.0 to read files.",
				"v26": aware.UTC().Truncate(time.Minute).Format(time.RFC3339)}, `input[name="f_5"][value="DE"]`, `input[name="f_5"][value="AT"]`)
			fileStage("notification", map[string]string{"v21": "A crafted archive makes the parser follow symbolic links outside its root; attackers exfiltrate configuration files.",
				"16": "Archive uploads are disabled on the cloud service."})

			// A fix is available: the final report is due 14 days later.
			fix := time.Now().Add(-10 * time.Minute)
			u.click(`details[data-testid="fix-form"] summary`)
			u.fill("#x-at", utcMinute(fix))
			u.click(`details[data-testid="fix-form"] button[type=submit]`)
			u.waitURL("done=fix")
			if got := u.text(`[data-testid="deadlines"] tr[data-stage="final_report"]`); !strings.Contains(got, fix.UTC().Add(14*24*time.Hour).Format("2006-01-02")) {
				u.fail("final report deadline %q", got)
			}
			fileStage("final_report", map[string]string{
				"16":  "Released Sensor Hub 2.2.0 with nordlicht-parser 3.2.0.",
				"17":  "Update to Sensor Hub 2.2.0; until then, disable archive uploads.",
				"v23": "Sensor Hub 2.2.0 updates nordlicht-parser to 3.2.0, which no longer follows links.",
				"v24": "High: remote attackers read any file the service can read.",
				"v25": "Configuration files with credentials were exposed on 12 devices.",
			})

			// Filed: three stages submitted, three revisions with their
			// hashes, and no form left on any tab.
			if got := u.text(`[data-testid="case-state"]`); got != "Final report submitted" {
				u.fail("case state %q", got)
			}
			revs, err := s.FindAll(`[data-testid="revisions"] tbody tr`)
			if err != nil || len(revs) != 3 {
				u.fail("%d revisions, %v", len(revs), err)
			}
			for i, want := range []string{"Early warning", "Notification", "Final report"} {
				txt, _ := revs[i].Text()
				if !strings.HasPrefix(txt, want) || !regexp.MustCompile(`[0-9a-f]{64}`).MatchString(txt) || !strings.Contains(txt, "SRP-2026-0001") {
					u.fail("revision %d: %q", i, txt)
				}
			}
			for _, stage := range []string{"early_warning", "notification", "final_report"} {
				u.open(caseURL + "?stage=" + stage)
				if got := u.text(`[data-testid="stage-state"]`); got != "Submitted" {
					u.fail("%s: %q", stage, got)
				}
				for _, form := range []string{`[data-testid="stage-form"]`, `[data-testid="submit-form"]`, `details[data-testid="fix-form"]`, `details[data-testid="awareness-form"]`} {
					if n := count(form); n != 0 {
						u.fail("%s still shows %s", stage, form)
					}
				}
				if !strings.Contains(u.text(`[data-testid="copy-ready"]`), "Sensor Hub") {
					u.fail("%s has no copy-ready view", stage)
				}
			}
			if n := count(`[data-testid^="tab-intermediate"]`); n != 0 {
				u.fail("an intermediate report can still be started")
			}
			u.snap("case-filed")

			// The printable final report, and the reporting page's closed list.
			u.click(`[data-testid="print-link"]`)
			u.waitPath(caseURL + "/stages/final_report/print")
			if got := u.text(`[data-testid="print-fields"] tr[data-field="v23"]`); !strings.Contains(got, "updates nordlicht-parser to 3.2.0") {
				u.fail("printed v23 %q", got)
			}
			u.snap("print")
			u.open("/reporting")
			if got := u.text(`[data-testid="closed-cases"] tbody tr`); !strings.Contains(got, "Final report submitted") {
				u.fail("closed cases %q", got)
			}

			// On a phone-sized screen no reporting page scrolls sideways.
			u.must(s.SetWindowSize(400, 800))
			for _, p := range []string{"/reporting", "/reviews/1", caseURL, caseURL + "?stage=early_warning", caseURL + "/notice", "/settings/reporting"} {
				u.noSidewaysScroll(p)
			}
			u.must(s.SetWindowSize(1280, 900))
		})
	}
}

// mustAttr returns an attribute of the element css finds.
func mustAttr(u *ui, css, name string) string {
	u.t.Helper()
	v, err := mustFind(u, css).Attribute(name)
	u.must(err)
	return v
}
