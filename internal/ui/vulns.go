package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// vulnsPerPage is the size of a page of search results.
const vulnsPerPage = 50

// vulnFuncs are the template functions of the vulnerability pages.
var vulnFuncs = template.FuncMap{
	"sevBadge":    sevBadge,
	"pct":         func(f float64) string { return strconv.FormatFloat(f*100, 'f', 2, 64) + "%" },
	"epssTrend":   epssTrend,
	"rangeText":   rangeText,
	"durationStr": durationStr,
	"sourceLabel": sourceLabel,
}

// sevBadge is the badge class of a CVSS rating.
func sevBadge(s *cra.Severity) string {
	if s == nil {
		return "neutral"
	}
	switch s.Rating {
	case "CRITICAL", "HIGH":
		return "off"
	case "MEDIUM":
		return "warn"
	}
	return "neutral"
}

func sourceLabel(s cra.VulnSource) string {
	switch s {
	case cra.SourceOSV:
		return "OSV"
	case cra.SourceNVD:
		return "NVD"
	case cra.SourceEUVD:
		return "EUVD"
	case cra.SourceKEV:
		return "CISA KEV"
	case cra.SourceEPSS:
		return "EPSS"
	}
	return string(s)
}

// rangeText writes an OSV range as intervals, e.g. "≥ 0, < 1.2.3".
func rangeText(r cra.Range) string {
	var parts []string
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			parts = append(parts, "introduced "+e.Introduced)
		case e.Fixed != "":
			parts = append(parts, "fixed "+e.Fixed)
		case e.LastAffected != "":
			parts = append(parts, "last affected "+e.LastAffected)
		case e.Limit != "":
			parts = append(parts, "limit "+e.Limit)
		}
	}
	return strings.Join(parts, ", ")
}

func durationStr(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + " d"
	}
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return d.String()
}

// epssTrend draws the EPSS history (newest first) as an SVG polyline,
// oldest on the left; no script is needed to show a trend.
func epssTrend(scores []cra.EPSSScore) template.HTML {
	if len(scores) < 2 {
		return ""
	}
	const w, h = 240.0, 48.0
	n := len(scores)
	var pts []string
	for i := range scores {
		s := scores[n-1-i]
		x := w * float64(i) / float64(n-1)
		y := h - h*s.Score
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	first, last := scores[n-1], scores[0]
	label := fmt.Sprintf("EPSS from %.2f%% on %s to %.2f%% on %s", first.Score*100, first.Date, last.Score*100, last.Date)
	return template.HTML(`<svg class="trend" role="img" aria-label="` + template.HTMLEscapeString(label) + `" viewBox="0 0 240 48" width="240" height="48">` +
		`<polyline fill="none" stroke="currentColor" stroke-width="2" points="` + strings.Join(pts, " ") + `"/></svg>`)
}

// vulnsData is the search page's content.
type vulnsData struct {
	Filter      cra.VulnFilter
	Results     []cra.VulnSummary
	Total       int
	Page, Pages int
	Prev, Next  string
	Searched    bool
}

func (d *vulnsData) link(page int) string {
	v := url.Values{}
	if d.Filter.Query != "" {
		v.Set("q", d.Filter.Query)
	}
	if d.Filter.Ecosystem != "" {
		v.Set("ecosystem", d.Filter.Ecosystem)
	}
	if d.Filter.KEV {
		v.Set("kev", "on")
	}
	if d.Filter.Exploited {
		v.Set("exploited", "on")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/vulnerabilities?" + v.Encode()
}

func (u *UI) vulnerabilities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := &vulnsData{Filter: cra.VulnFilter{Query: strings.TrimSpace(q.Get("q")), Ecosystem: strings.TrimSpace(q.Get("ecosystem")),
		KEV: q.Get("kev") != "", Exploited: q.Get("exploited") != "", Limit: vulnsPerPage}, Page: 1}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		d.Page = min(n, 100_000)
	}
	d.Filter.Offset = (d.Page - 1) * vulnsPerPage
	page := &Page{Title: "Vulnerabilities", Nav: "vulnerabilities", Data: d}
	// An exact id goes straight to its page.
	if id := cra.NormalizeVulnID(d.Filter.Query); id != "" && !strings.ContainsAny(id, " \t") && d.Page == 1 {
		if v, err := u.Services.Vulns.Vulnerability(r.Context(), id); err == nil {
			http.Redirect(w, r, "/vulnerabilities/"+url.PathEscape(v.Key)+"?q="+url.QueryEscape(id), http.StatusSeeOther)
			return nil
		} else if cra.ErrorCode(err) != cra.ENOTFOUND && cra.ErrorCode(err) != cra.EINVALID {
			return err
		}
	}
	list, total, err := u.Services.Vulns.SearchVulnerabilities(r.Context(), d.Filter)
	if err != nil {
		if cra.ErrorCode(err) == cra.EINVALID {
			return u.formError(w, r, err, "vulnerabilities", page)
		}
		return err
	}
	d.Results, d.Total, d.Searched = list, total, true
	d.Pages = max(1, (total+vulnsPerPage-1)/vulnsPerPage)
	if d.Page > 1 {
		d.Prev = d.link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = d.link(d.Page + 1)
	}
	u.render(w, r, http.StatusOK, "vulnerabilities", page)
	return nil
}

// vulnData is a vulnerability page's content.
type vulnData struct {
	V *cra.Vulnerability
	// Searched is the id the user searched for when it is not the key.
	Searched string
}

func (u *UI) vulnerability(w http.ResponseWriter, r *http.Request) error {
	v, err := u.Services.Vulns.Vulnerability(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := vulnData{V: v}
	if s := cra.NormalizeVulnID(r.URL.Query().Get("q")); s != "" && s != v.Key {
		d.Searched = s
	}
	u.render(w, r, http.StatusOK, "vulnerability", &Page{Title: v.Key, Nav: "vulnerabilities", Data: d})
	return nil
}

// feedsData is the feeds page's content.
type feedsData struct {
	Feeds    []cra.FeedStatus
	CanWrite bool
	Imported *feedImport
}

// feedImport reports an import on the feeds page.
type feedImport struct {
	Name  string
	Kind  string
	Stats cra.ImportStats
}

func (u *UI) feeds(w http.ResponseWriter, r *http.Request) error {
	return u.feedsPage(w, r, nil, nil)
}

func (u *UI) feedsPage(w http.ResponseWriter, r *http.Request, imported *feedImport, formErr error) error {
	feeds, err := u.Services.Vulns.Feeds(r.Context())
	if err != nil {
		return err
	}
	page := &Page{Title: "Vulnerability feeds", Nav: "vulnerabilities", Flash: flash(r),
		Data: feedsData{Feeds: feeds, CanWrite: cra.ActorFrom(r.Context()).Can(cra.PermFeedsWrite), Imported: imported}}
	if formErr != nil {
		// The import form's errors (invalid, unsupported, too large) are
		// all shown next to the file field, with their own status;
		// formError would turn the last two into an error page.
		page.Errors = cra.ErrorFields(formErr)
		page.Error = cra.ErrorMessage(formErr)
		u.render(w, r, httpx.Status(formErr), "feeds", page)
		return nil
	}
	u.render(w, r, http.StatusOK, "feeds", page)
	return nil
}

func (u *UI) feedsSync(w http.ResponseWriter, r *http.Request) error {
	var names []cra.VulnSource
	if f := r.PostFormValue("feed"); f != "" {
		parsed, err := cra.ParseFeedNames(f)
		if err != nil {
			return err
		}
		names = parsed
	}
	if _, err := u.Services.Vulns.StartSync(r.Context(), names); err != nil {
		return err
	}
	http.Redirect(w, r, "/feeds?done=sync-started", http.StatusSeeOther)
	return nil
}

func (u *UI) feedsImport(w http.ResponseWriter, r *http.Request) error {
	if err := cra.Authorize(r.Context(), cra.PermFeedsWrite); err != nil {
		return err
	}
	fail := func(code, msg string) error {
		return u.feedsPage(w, r, nil, &cra.Error{Code: code, Message: msg, Fields: map[string]string{"file": msg}})
	}
	up, _ := r.Context().Value(uploadKey{}).(*upload)
	switch {
	case up != nil && up.Problem != "":
		code := cra.EINVALID
		if up.TooLarge {
			code = cra.ETOOLARGE
		}
		return fail(code, up.Problem)
	case up == nil || up.Data == nil:
		return fail(cra.EINVALID, "Choose an OSV record, an OSV zip or a KEV catalog to import.")
	}
	f, st, err := u.Services.Vulns.ImportFile(r.Context(), up.Name, up.Data)
	if err != nil {
		switch cra.ErrorCode(err) {
		case cra.EINVALID, cra.EUNSUPPORTED, cra.ETOOLARGE:
			return fail(cra.ErrorCode(err), cra.ErrorMessage(err))
		}
		return err
	}
	return u.feedsPage(w, r, &feedImport{Name: up.Name, Kind: f.Kind, Stats: st}, nil)
}
