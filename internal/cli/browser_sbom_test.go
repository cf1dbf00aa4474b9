package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"cyra/internal/testutil"
)

// juiceShopSBOM is the CycloneDX JSON SBOM of OWASP Juice Shop 11.1.2 in
// the shared corpus (../shared/data seen from the repository root): 840
// components.
func juiceShopSBOM(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("../shared/data not present: %v (the SBOM corpus lives next to the repository; see shared/data/README.md)", err)
	}
	p, err := filepath.Abs(filepath.Join(root, "sboms", "cyclonedx-bom-examples", "SBOM", "juice-shop", "v11.1.2", "bom.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the juice-shop SBOM is missing from ../shared/data: %v", err)
	}
	return p
}

// waitURL waits until the browser's URL contains part.
func (u *ui) waitURL(part string) {
	u.t.Helper()
	err := u.s.WaitFor(15*time.Second, func() (bool, error) {
		cur, err := u.s.CurrentURL()
		return strings.Contains(cur, part), err
	})
	if err != nil {
		u.fail("never reached a URL with %q: %v", part, err)
	}
}

// noSidewaysScroll fails when the page at path scrolls sideways.
func (u *ui) noSidewaysScroll(path string) {
	u.t.Helper()
	u.open(path)
	out, err := u.s.ExecuteScript(`return document.documentElement.scrollWidth - document.documentElement.clientWidth;`)
	u.must(err)
	if string(out) != "0" {
		u.fail("%s scrolls sideways by %s px at 400 px wide", path, out)
	}
}

// TestBrowserSBOM uploads a real SBOM through the release page's file
// input, reads its components and quality, filters the components, finds
// one across the portfolio and checks the pages on a phone-sized screen.
func TestBrowserSBOM(t *testing.T) {
	testutil.RequireBrowser(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			bom := juiceShopSBOM(t)
			u, _ := startBrowser(t, d, true)
			s := u.s

			// A product and a release, through the forms.
			u.open("/products/new")
			u.fill("#name", "Juice Shop")
			u.fill("#intended_purpose", "A web shop for fruit juice, deliberately insecure for training.")
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			u.click(`a[href="/products/1/releases/new"]`)
			u.waitPath("/products/1/releases/new")
			u.fill("#version", "11.1.2")
			u.click(`#status option[value="planned"]`)
			u.click("form.stack button[type=submit]")
			u.waitURL("done=release-created")
			cur, err := s.CurrentURL()
			u.must(err)
			release := regexp.MustCompile(`/releases/\d+`).FindString(cur)
			if release == "" {
				u.fail("release URL %q", cur)
			}
			if txt := u.text(`[data-testid="sbom-none"]`); !strings.Contains(txt, "no SBOM yet") {
				u.fail("release without SBOM says %q", txt)
			}
			// The script enhances the drop zone: its hint shows.
			if hidden, _ := mustFind(u, ".dropzone-hint").Attribute("hidden"); hidden != "" {
				u.fail("the drop hint is still hidden: %q", hidden)
			}
			u.snap("release-no-sbom")

			// Upload the SBOM through the file input.
			u.must(mustFind(u, "#sbom-file").SendKeys(bom))
			u.snap("sbom-chosen")
			u.click(`form[action="` + release + `/sbom"] button[type=submit]`)
			u.waitURL("done=sbom-imported")
			if f := u.text(".flash"); !regexp.MustCompile(`^Imported 840 components; quality score \d+/100\.$`).MatchString(f) {
				u.fail("flash %q", f)
			}
			if n := u.text(`[data-testid="sbom-components"]`); n != "840" {
				u.fail("component count %q", n)
			}
			score := u.text(`[data-testid="sbom-score"]`)
			if !regexp.MustCompile(`^\d+/100$`).MatchString(score) || !strings.Contains(u.text(".flash"), score) {
				u.fail("quality score %q", score)
			}
			if rows, err := s.FindAll("table.checks tbody tr"); err != nil || len(rows) < 5 {
				u.fail("quality checks: %d rows, %v", len(rows), err)
			}
			u.snap("release-sbom")

			// Dropping a file onto the zone makes it the input's file and
			// says so (a synthetic drop: WebDriver cannot drag from the
			// desktop).
			out, err := s.ExecuteScript(`
				var zone = document.querySelector(".dropzone");
				var dt = new DataTransfer();
				dt.items.add(new File(["{}"], "dropped-bom.json", {type: "application/json"}));
				zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: dt, bubbles: true, cancelable: true}));
				zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
				var during = zone.classList.contains("dragover");
				zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
				return [during, zone.classList.contains("dragover"), document.getElementById("sbom-file").files[0].name,
					document.querySelector(".dropzone-status").textContent].join("|");`)
			u.must(err)
			if got := strings.Trim(string(out), `"`); got != "true|false|dropped-bom.json|Chosen: dropped-bom.json." {
				u.fail("drop: %s", got)
			}
			u.snap("dropped")

			// The components page filters.
			u.click(`a[href="` + release + `/components"]`)
			u.waitPath(release + "/components")
			if sum := u.text(`[data-testid="components-summary"]`); sum != "Showing 1–100 of 840 components." {
				u.fail("summary %q", sum)
			}
			u.snap("components")
			u.click(`a[rel="next"]`)
			u.waitURL("page=2")
			if sum := u.text(`[data-testid="components-summary"]`); sum != "Showing 101–200 of 840 components." {
				u.fail("page 2 summary %q", sum)
			}
			u.fill("#q", "express-jwt")
			u.click("form.filters button[type=submit]")
			u.waitURL("q=express-jwt")
			rows, err := s.FindAll("table.components tbody tr")
			u.must(err)
			if len(rows) != 1 {
				u.fail("%d rows for express-jwt", len(rows))
			}
			row, err := rows[0].Text()
			u.must(err)
			if !strings.Contains(row, "express-jwt") || !strings.Contains(row, "0.1.3") || !strings.Contains(row, "pkg:npm/express-jwt@0.1.3") {
				u.fail("express-jwt row %q", row)
			}
			u.snap("components-filtered")

			// Find it across the portfolio.
			u.open("/products")
			u.click(`a[href="/components"]`)
			u.waitPath("/components")
			u.fill("#purl", "pkg:npm/express-jwt@0.1.3")
			u.click("form.filters button[type=submit]")
			u.waitURL("purl=")
			hits, err := s.FindAll("table.hits tbody tr")
			u.must(err)
			if len(hits) != 1 {
				u.fail("%d search hits", len(hits))
			}
			if txt, _ := hits[0].Text(); !strings.Contains(txt, "Juice Shop") || !strings.Contains(txt, "11.1.2") {
				u.fail("search hit %q", txt)
			}
			if _, err := s.Find(`table.hits a[href="` + release + `"]`); err != nil {
				u.fail("the hit does not link to the release: %v", err)
			}
			u.snap("search")
			u.fill("#purl", "express-jwt")
			u.click("form.filters button[type=submit]")
			u.waitURL("purl=express-jwt")
			if msg := u.text("#err-purl"); msg == "" {
				u.fail("no message for an invalid purl")
			}

			// On a phone-sized screen no page scrolls sideways.
			u.must(s.SetWindowSize(400, 800))
			for _, p := range []string{release, release + "/components", release + "/components?q=express-jwt", "/components?purl=pkg:npm/express-jwt", "/products/1/diff", "/products/1"} {
				u.noSidewaysScroll(p)
			}
			u.open(release)
			u.snap("release-narrow")
			u.open(release + "/components")
			u.snap("components-narrow")
			u.must(s.SetWindowSize(1280, 900))
		})
	}
}
