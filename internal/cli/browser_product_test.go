package cli_test

import (
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/testutil"
)

// TestBrowserClassifyProduct creates a product in the web UI, runs the
// scope check, classifies it as an important class I product and checks
// the conformity routes the page shows, then adds a release whose support
// period is refused until it lasts five years.
func TestBrowserClassifyProduct(t *testing.T) {
	testutil.RequireBrowser(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			u, _ := startBrowser(t, d, true)
			s := u.s

			// Create the product.
			u.open("/products")
			u.click(`a[href="/products/new"]`)
			u.waitPath("/products/new")
			u.fill("#name", "Nordlicht Gateway")
			u.fill("#model", "NG-100")
			u.fill("#intended_purpose", "Connects building sensors to the Nordlicht fleet cloud.")
			u.click(`input[name="remote_data_processing"]`)
			u.fill("#rdp_description", "Fleet management API operated by Nordlicht")
			u.click(`input[name="member_states"][value="DE"]`)
			u.click(`input[name="member_states"][value="FR"]`)
			u.click(`#lifecycle option[value="on-market"]`)
			u.snap("product-form")
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			if h := u.text("h1"); h != "Nordlicht Gateway" {
				u.fail("product page heading %q", h)
			}

			// Scope check: a data connection and no exclusion.
			u.click(`a[href="/products/1/scope"]`)
			u.waitPath("/products/1/scope")
			for _, q := range cra.ScopeQuestions {
				answer := "no"
				if !q.Excludes {
					answer = "yes"
				}
				u.click(`input[name="answers.` + q.ID + `"][value="` + answer + `"]`)
			}
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			if src, _ := s.PageSource(); !strings.Contains(src, "In scope") {
				u.fail("the product page does not say it is in scope")
			}

			// Classify as a router (important, class I) without harmonised
			// standards: module A is closed, B+C and H are open.
			u.click(`a[href="/products/1/classification"]`)
			u.waitPath("/products/1/classification")
			u.click(`#category option[value="I-12"]`)
			u.fill("#rationale", "Its core functionality is routing between the building network and the internet (Annex III, class I, point 12).")
			u.click(`#standards option[value="none"]`)
			u.snap("classification")
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			if c := u.text(`[data-testid="class"]`); c != cra.ClassImportantI.Label() {
				u.fail("class shown as %q", c)
			}
			routes := func() map[string]string {
				rows, err := s.FindAll("table.routes tbody tr")
				u.must(err)
				out := map[string]string{}
				for _, r := range rows {
					m, _ := r.Attribute("data-module")
					a, _ := r.Attribute("data-allowed")
					txt, _ := r.Text()
					out[m] = a + " " + txt
				}
				return out
			}
			got := routes()
			if !strings.HasPrefix(got["A"], "false") || !strings.Contains(got["A"], "Art. 32(2)") ||
				!strings.HasPrefix(got["B+C"], "true") || !strings.HasPrefix(got["H"], "true") {
				u.fail("routes without standards: %v", got)
			}
			u.snap("routes")

			// With harmonised standards applied in full, module A opens.
			u.click(`a[href="/products/1/classification"]`)
			u.waitPath("/products/1/classification")
			u.click(`#standards option[value="full"]`)
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			if got := routes(); !strings.HasPrefix(got["A"], "true") {
				u.fail("routes with standards in full: %v", got)
			}

			// A release with a four-year support period is refused with the
			// reason next to the field; five years are accepted.
			u.click(`a[href="/products/1/releases/new"]`)
			u.waitPath("/products/1/releases/new")
			u.fill("#version", "1.0.0")
			// Date and month controls take their value in ISO form through
			// the DOM; typing into them depends on the browser's locale.
			setValues := func(values map[string]string) {
				t.Helper()
				for id, v := range values {
					_, err := s.ExecuteScript(`document.getElementById(arguments[0]).value = arguments[1]; return true;`, id, v)
					u.must(err)
				}
			}
			setValues(map[string]string{"release_date": "2026-01-10", "placed_on_market": "2026-02-01", "support_end": "2030-02"})
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1/releases")
			if msg := u.text("#err-support_end"); !strings.Contains(msg, "five years") {
				u.fail("support period message %q", msg)
			}
			setValues(map[string]string{"support_end": "2031-02"})
			u.click("form.stack button[type=submit]")
			err := s.WaitFor(10*time.Second, func() (bool, error) {
				cur, err := s.CurrentURL()
				return strings.Contains(cur, "/releases/") && !strings.Contains(cur, "/products/"), err
			})
			if err != nil {
				u.fail("release not created: %v", err)
			}
			u.open("/products/1")
			if src, _ := s.PageSource(); !strings.Contains(src, "Feb 2031") || !strings.Contains(src, ">1.0.0</a>") {
				u.fail("the release is not on the product page")
			}
			// The audit log has the classification with its rationale.
			u.open("/settings/audit")
			if src, _ := s.PageSource(); !strings.Contains(src, "product.classify") || !strings.Contains(src, "product.scope") {
				u.fail("audit log lacks the decisions")
			}
		})
	}
}
