package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

type sbomFormatOption struct {
	Format cra.SBOMFormat
	Label  string
}

// sbomFormats are the formats the upload form offers besides detecting
// the format, with their labels.
var sbomFormats = []sbomFormatOption{
	{cra.FormatCycloneDXJSON, "CycloneDX JSON"},
	{cra.FormatCycloneDXXML, "CycloneDX XML"},
	{cra.FormatSPDXJSON, "SPDX 2 JSON"},
	{cra.FormatSPDXTagValue, "SPDX 2 tag-value"},
	{cra.FormatSPDX3JSONLD, "SPDX 3 JSON-LD"},
}

// sbomFuncs are the template functions of the SBOM pages.
var sbomFuncs = template.FuncMap{
	"sbomFormats":     func() []sbomFormatOption { return sbomFormats },
	"sbomFormatLabel": sbomFormatLabel,
	"scoreBadge":      scoreBadge,
	"checkBadge":      checkBadge,
	"join":            strings.Join,
	"changeNote":      changeNote,
	"sizeLabel":       sizeLabel,
}

func sbomFormatLabel(f cra.SBOMFormat) string {
	for _, o := range sbomFormats {
		if o.Format == f {
			return o.Label
		}
	}
	return string(f)
}

// scoreBadge is the badge class of a quality score.
func scoreBadge(score int) string {
	switch {
	case score >= 80:
		return "on"
	case score >= 50:
		return "warn"
	}
	return "off"
}

// checkBadge is the badge class of a quality check's result.
func checkBadge(c cra.QualityCheck) string {
	switch {
	case c.Total == 0:
		return "neutral"
	case c.Passed == c.Total:
		return "on"
	case c.Passed*2 >= c.Total:
		return "warn"
	}
	return "off"
}

// changeNote says what changed between two versions of a package besides
// (or instead of) the version.
func changeNote(c cra.ComponentChange) string {
	var what []string
	if !slices.Equal(c.From.Licenses, c.To.Licenses) {
		what = append(what, "licences")
	}
	if !slices.Equal(c.From.Hashes, c.To.Hashes) {
		what = append(what, "hashes")
	}
	if c.From.PURL != c.To.PURL && c.From.Version == c.To.Version {
		what = append(what, "package URL")
	}
	if len(what) == 0 {
		return ""
	}
	return strings.Join(what, ", ") + " differ"
}

// sbomForm is the state of the upload form.
type sbomForm struct {
	Format string
}

// sbomSection is the SBOM part of a release page.
type sbomSection struct {
	ReleaseID int64
	// Current is the SBOM whose components the release has (nil: none).
	Current *cra.SBOMRecord
	// History is every upload, newest first (the current one included).
	History []*cra.SBOMRecord
	// Direct counts the current SBOM's direct dependencies.
	Direct int
	// DirectKnown is false when the SBOM does not say which components
	// the subject depends on directly.
	DirectKnown bool
	CanUpload   bool
	Form        sbomForm
	MaxSize     int64
	// imported is the upload the page reports on after a redirect.
	imported *cra.SBOMRecord
}

// sbomSection reads a release's SBOMs for its page.
func (u *UI) sbomSection(r *http.Request, rel *cra.Release, f sbomForm) (*sbomSection, error) {
	sec := &sbomSection{ReleaseID: rel.ID, CanUpload: cra.ActorFrom(r.Context()).Can(cra.PermProductsWrite), Form: f, MaxSize: u.SBOMMaxSize}
	if u.Services.SBOMs == nil {
		return sec, nil
	}
	recs, err := u.Services.SBOMs.SBOMs(r.Context(), rel.ID)
	if err != nil {
		return nil, err
	}
	sec.History = recs
	if len(recs) > 0 && recs[0].Current {
		sec.Current = recs[0]
		_, n, err := u.Services.SBOMs.Components(r.Context(), cra.ComponentFilter{ReleaseID: rel.ID, DirectOnly: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		sec.Direct, sec.DirectKnown = n, directKnown(sec.Current)
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("sbom"), 10, 64); err == nil {
		for _, rec := range recs {
			if rec.ID == id {
				sec.imported = rec
			}
		}
	}
	return sec, nil
}

// directKnown reports whether an SBOM states the subject's direct
// dependencies (its top-level check passed), so that a component not
// marked direct is known to be transitive.
func directKnown(rec *cra.SBOMRecord) bool {
	for _, c := range rec.Quality.Checks {
		if c.ID == "top-level-dependencies" {
			return c.Total > 0 && c.Passed == c.Total
		}
	}
	return false
}

// flash is the page's flash message: the import's result after an upload,
// the usual ?done= message otherwise.
func (s *sbomSection) flash(r *http.Request) string {
	done := r.URL.Query().Get("done")
	if (done == "sbom-imported" || done == "sbom-replaced") && s.imported != nil {
		msg := fmt.Sprintf("Imported %d components; quality score %d/100.", s.imported.ComponentCount, s.imported.Quality.Score)
		if done == "sbom-replaced" {
			msg += " It replaced the previous SBOM, which stays in the upload history."
		}
		return msg
	}
	return flash(r)
}

// sbomUpload imports an SBOM sent through the release page's form (a
// multipart form read by readUploads).
func (u *UI) sbomUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// The service decides who may import; check before anything else so
	// that a read-only role gets 403 whatever it sent.
	if err := cra.Authorize(r.Context(), cra.PermProductsWrite); err != nil {
		return err
	}
	f := sbomForm{Format: r.PostFormValue("format")}
	fail := func(code, field, msg string) error {
		return u.releasePageWith(w, r, id, nil, nil, f, &cra.Error{Code: code, Message: msg, Fields: map[string]string{field: msg}})
	}
	if f.Format != "" && !slices.ContainsFunc(sbomFormats, func(o sbomFormatOption) bool { return string(o.Format) == f.Format }) {
		return fail(cra.EINVALID, "format", "Choose a format from the list, or let cyra detect it.")
	}
	up, _ := r.Context().Value(uploadKey{}).(*upload)
	switch {
	case up != nil && up.Problem != "":
		code := cra.EINVALID
		if up.TooLarge {
			code = cra.ETOOLARGE
		}
		return fail(code, "file", up.Problem)
	case up == nil || up.Data == nil:
		return fail(cra.EINVALID, "file", "Choose an SBOM file to upload.")
	}
	res, err := u.Services.SBOMs.ImportSBOM(r.Context(), id, up.Name, up.Data, cra.SBOMFormat(f.Format))
	if err != nil {
		switch cra.ErrorCode(err) {
		case cra.EINVALID, cra.EUNSUPPORTED, cra.ETOOLARGE:
			// The parser's message names the file and the position.
			return fail(cra.ErrorCode(err), "file", cra.ErrorMessage(err))
		}
		return err
	}
	done := "sbom-imported"
	if res.Replaced {
		done = "sbom-replaced"
	}
	http.Redirect(w, r, "/releases/"+itoa(id)+"?done="+done+"&sbom="+itoa(res.SBOM.ID), http.StatusSeeOther)
	return nil
}

// sbomExport serves a release's components as an SBOM download.
func (u *UI) sbomExport(format cra.SBOMFormat) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		rel, err := u.Services.Products.GetRelease(r.Context(), id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := u.Services.SBOMs.ExportSBOM(r.Context(), id, format, &buf); err != nil {
			return err
		}
		ct, ext := "application/vnd.cyclonedx+json", ".cdx.json"
		if format == cra.FormatSPDXJSON {
			ct, ext = "application/spdx+json", ".spdx.json"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileSlug(rel.ProductName+"-"+rel.Version) + ext}))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes())
		return nil
	}
}

// fileSlug makes a download file name of s: letters, digits, dots and
// dashes.
func fileSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	if out == "" || len(out) > 120 {
		return "sbom"
	}
	return out
}

// sbomDocument serves an SBOM as it was uploaded.
func (u *UI) sbomDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rec, data, err := u.Services.SBOMs.SBOMDocument(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeEvidenceFile(w, &cra.Evidence{FileName: rec.FileName}, data)
	return nil
}
