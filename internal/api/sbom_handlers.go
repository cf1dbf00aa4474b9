package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// SBOMRecord is the JSON form of a stored SBOM.
type SBOMRecord struct {
	ID             int64             `json:"id"`
	ReleaseID      int64             `json:"release_id"`
	Format         cra.SBOMFormat    `json:"format"`
	SpecVersion    string            `json:"spec_version"`
	SerialNumber   string            `json:"serial_number"`
	FileName       string            `json:"file_name"`
	SHA256         string            `json:"sha256"`
	Size           int64             `json:"size"`
	Created        *time.Time        `json:"created"`
	Tools          []string          `json:"tools"`
	Authors        []string          `json:"authors"`
	Supplier       string            `json:"supplier"`
	Subject        *Component        `json:"subject"`
	ComponentCount int               `json:"component_count"`
	Quality        cra.QualityReport `json:"quality"`
	Warnings       []string          `json:"warnings"`
	UploadedBy     string            `json:"uploaded_by"`
	UploadedAt     time.Time         `json:"uploaded_at"`
	Current        bool              `json:"current"`
	DocumentURL    string            `json:"document_url"`
}

// Component is the JSON form of a component.
type Component struct {
	ID          int64      `json:"id,omitempty"`
	Ref         string     `json:"ref"`
	Type        string     `json:"type"`
	Name        string     `json:"name"`
	Group       string     `json:"group"`
	Version     string     `json:"version"`
	PURL        string     `json:"purl"`
	RawPURL     string     `json:"raw_purl,omitempty"`
	PURLProblem string     `json:"purl_problem,omitempty"`
	CPE         string     `json:"cpe"`
	Supplier    string     `json:"supplier"`
	Author      string     `json:"author"`
	Hashes      []cra.Hash `json:"hashes"`
	Licenses    []string   `json:"licenses"`
	Scope       string     `json:"scope"`
	Direct      bool       `json:"direct"`
	Parent      string     `json:"parent"`
}

func componentJSON(c cra.Component, id int64) Component {
	out := Component{ID: id, Ref: c.Ref, Type: c.Type, Name: c.Name, Group: c.Group, Version: c.Version, PURL: c.PURL, RawPURL: c.RawPURL,
		PURLProblem: c.PURLProblem, CPE: c.CPE, Supplier: c.Supplier, Author: c.Author, Hashes: c.Hashes, Licenses: c.Licenses,
		Scope: c.Scope, Direct: c.Direct, Parent: c.Parent}
	if out.Hashes == nil {
		out.Hashes = []cra.Hash{}
	}
	if out.Licenses == nil {
		out.Licenses = []string{}
	}
	return out
}

func sbomJSON(r *cra.SBOMRecord) SBOMRecord {
	out := SBOMRecord{ID: r.ID, ReleaseID: r.ReleaseID, Format: r.Format, SpecVersion: r.SpecVersion, SerialNumber: r.SerialNumber,
		FileName: r.FileName, SHA256: r.SHA256, Size: r.Size, Created: timePtr(r.Created), Tools: r.Tools, Authors: r.Authors,
		Supplier: r.Supplier, ComponentCount: r.ComponentCount, Quality: r.Quality, Warnings: r.Warnings, UploadedBy: r.UploadedBy,
		UploadedAt: r.UploadedAt.UTC(), Current: r.Current, DocumentURL: Prefix + "/sboms/" + itoa(r.ID) + "/document"}
	for _, s := range []*[]string{&out.Tools, &out.Authors, &out.Warnings} {
		if *s == nil {
			*s = []string{}
		}
	}
	if r.Subject != nil {
		c := componentJSON(*r.Subject, 0)
		out.Subject = &c
	}
	return out
}

// sbomTypes maps upload media types to the format they declare; ""
// means "detect it".
var sbomTypes = map[string]cra.SBOMFormat{
	"application/vnd.cyclonedx+json": cra.FormatCycloneDXJSON,
	"application/vnd.cyclonedx+xml":  cra.FormatCycloneDXXML,
	"application/spdx+json":          cra.FormatSPDXJSON,
	"text/spdx":                      cra.FormatSPDXTagValue,
	"application/ld+json":            cra.FormatSPDX3JSONLD,
	"application/json":               "",
	"application/xml":                "",
	"text/xml":                       "",
	"text/plain":                     "",
	"application/gzip":               "",
	"application/x-gzip":             "",
	"application/octet-stream":       "",
}

// readUpload reads a file sent as the raw body or as the "file" part of a
// multipart form; what names the file in errors ("SBOM", "feed file").
// It returns the file's name and its declared media type.
func readUpload(r *http.Request, what string) (name string, data []byte, mediaType string, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	name = r.URL.Query().Get("filename")
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return cra.Errorf(cra.ETOOLARGE, "The %s is larger than %d bytes.", what, mbe.Limit)
		}
		return cra.Errorf(cra.EINVALID, "The upload could not be read: %s.", err)
	}
	if mt != "multipart/form-data" {
		if data, err = io.ReadAll(r.Body); err != nil {
			return "", nil, "", tooLarge(err)
		}
		return name, data, mt, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, "", tooLarge(err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, "", &cra.Error{Code: cra.EINVALID, Message: "Attach the " + what + " as the form field \"file\".", Fields: map[string]string{"file": "Choose a file."}}
		}
		if err != nil {
			return "", nil, "", tooLarge(err)
		}
		if p.FormName() != "file" {
			continue
		}
		if data, err = io.ReadAll(p); err != nil {
			return "", nil, "", tooLarge(err)
		}
		if name == "" {
			name = p.FileName()
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		return name, data, pt, nil
	}
}

// readSBOMUpload reads an SBOM sent as the raw body or as the "file" part
// of a multipart form, with the declared format.
func readSBOMUpload(r *http.Request) (name string, data []byte, format cra.SBOMFormat, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if _, ok := sbomTypes[mt]; !ok && mt != "multipart/form-data" {
		return "", nil, "", cra.Errorf(cra.EUNSUPPORTED, "Send the SBOM as CycloneDX (application/vnd.cyclonedx+json or +xml), SPDX (application/spdx+json or text/spdx), application/json, application/xml, application/gzip, or multipart/form-data; got %q.", r.Header.Get("Content-Type"))
	}
	name, data, pt, err := readUpload(r, "SBOM")
	if err != nil {
		return "", nil, "", err
	}
	format = sbomTypes[pt]
	if q := r.URL.Query().Get("format"); q != "" {
		switch f := cra.SBOMFormat(q); f {
		case cra.FormatCycloneDXJSON, cra.FormatCycloneDXXML, cra.FormatSPDXJSON, cra.FormatSPDXTagValue, cra.FormatSPDX3JSONLD:
			format = f
		default:
			return "", nil, "", &cra.Error{Code: cra.EINVALID, Message: "Unknown format " + strconv.Quote(q) + "; use cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value or spdx3-jsonld, or leave it out to detect it.",
				Fields: map[string]string{"format": "Unknown format."}}
		}
	}
	if name == "" {
		name = "sbom"
	}
	return name, data, format, nil
}

func handleUploadSBOM(sboms cra.SBOMService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		// Check the caller before reading a large body.
		if err := cra.Authorize(r.Context(), cra.PermProductsWrite); err != nil {
			return err
		}
		name, data, format, err := readSBOMUpload(r)
		if err != nil {
			return err
		}
		res, err := sboms.ImportSBOM(r.Context(), id, name, data, format)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusCreated, struct {
			SBOM     SBOMRecord `json:"sbom"`
			Replaced bool       `json:"replaced"`
		}{sbomJSON(res.SBOM), res.Replaced})
		return nil
	}
}

func handleListSBOMs(sboms cra.SBOMService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		recs, err := sboms.SBOMs(r.Context(), id)
		if err != nil {
			return err
		}
		out := struct {
			SBOMs []SBOMRecord `json:"sboms"`
		}{SBOMs: []SBOMRecord{}}
		for _, rec := range recs {
			out.SBOMs = append(out.SBOMs, sbomJSON(rec))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleSBOMDocument(sboms cra.SBOMService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		rec, data, err := sboms.SBOMDocument(r.Context(), id)
		if err != nil {
			return err
		}
		httpx.ServeEvidenceFile(w, &cra.Evidence{FileName: rec.FileName}, data)
		return nil
	}
}

func handleComponents(sboms cra.SBOMService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		limit, err := queryInt(r, "limit")
		if err != nil {
			return err
		}
		offset, err := queryInt(r, "offset")
		if err != nil {
			return err
		}
		if limit > 1000 {
			return &cra.Error{Code: cra.EINVALID, Message: "Query parameter limit must be at most 1000.", Fields: map[string]string{"limit": "Must be at most 1000."}}
		}
		direct, err := queryBool(r, "direct")
		if err != nil {
			return err
		}
		noPURL, err := queryBool(r, "without_purl")
		if err != nil {
			return err
		}
		cs, total, err := sboms.Components(r.Context(), cra.ComponentFilter{ReleaseID: id, Query: r.URL.Query().Get("q"), DirectOnly: direct,
			WithoutPURL: noPURL, Limit: int(limit), Offset: int(offset)})
		if err != nil {
			return err
		}
		out := struct {
			Total      int         `json:"total"`
			Components []Component `json:"components"`
		}{Total: total, Components: []Component{}}
		for _, c := range cs {
			out.Components = append(out.Components, componentJSON(c.Component, c.ID))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleExportSBOM(sboms cra.SBOMService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		format := cra.SBOMFormat(r.URL.Query().Get("format"))
		if format == "" {
			format = cra.FormatCycloneDXJSON
		}
		var buf bytes.Buffer
		if err := sboms.ExportSBOM(r.Context(), id, format, &buf); err != nil {
			return err
		}
		ct, ext := "application/vnd.cyclonedx+json", ".cdx.json"
		if format == cra.FormatSPDXJSON {
			ct, ext = "application/spdx+json", ".spdx.json"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "release-" + itoa(id) + ext}))
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes())
		return nil
	}
}

// ComponentChange is the JSON form of a changed component.
type ComponentChange struct {
	Key  string    `json:"key"`
	From Component `json:"from"`
	To   Component `json:"to"`
}

func handleDiff(sboms cra.SBOMService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		from, err := queryInt(r, "from")
		if err != nil {
			return err
		}
		to, err := queryInt(r, "to")
		if err != nil {
			return err
		}
		if from == 0 || to == 0 {
			return &cra.Error{Code: cra.EINVALID, Message: "Give the two releases to compare as ?from=ID&to=ID.", Fields: map[string]string{"from": "Required.", "to": "Required."}}
		}
		d, err := sboms.DiffReleases(r.Context(), from, to)
		if err != nil {
			return err
		}
		out := struct {
			From      Release           `json:"from"`
			To        Release           `json:"to"`
			Added     []Component       `json:"added"`
			Removed   []Component       `json:"removed"`
			Changed   []ComponentChange `json:"changed"`
			Unchanged int               `json:"unchanged"`
		}{From: releaseJSON(d.From, now()), To: releaseJSON(d.To, now()), Added: []Component{}, Removed: []Component{}, Changed: []ComponentChange{}, Unchanged: d.Unchanged}
		for _, c := range d.Added {
			out.Added = append(out.Added, componentJSON(c, 0))
		}
		for _, c := range d.Removed {
			out.Removed = append(out.Removed, componentJSON(c, 0))
		}
		for _, c := range d.Changed {
			out.Changed = append(out.Changed, ComponentChange{Key: c.Key, From: componentJSON(c.From, 0), To: componentJSON(c.To, 0)})
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

// ComponentHit is the JSON form of a search result.
type ComponentHit struct {
	ProductID   int64     `json:"product_id"`
	ProductName string    `json:"product_name"`
	ReleaseID   int64     `json:"release_id"`
	Release     string    `json:"release"`
	OnMarket    bool      `json:"on_market"`
	Component   Component `json:"component"`
}

func handleSearchComponents(sboms cra.SBOMService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		purl := strings.TrimSpace(r.URL.Query().Get("purl"))
		if purl == "" {
			return &cra.Error{Code: cra.EINVALID, Message: "Give a package URL, e.g. ?purl=pkg:npm/lodash or ?purl=pkg:npm/lodash@4.17.21.", Fields: map[string]string{"purl": "Required."}}
		}
		hits, err := sboms.SearchComponents(r.Context(), purl, r.URL.Query().Get("version"))
		if err != nil {
			return err
		}
		out := struct {
			Hits []ComponentHit `json:"hits"`
		}{Hits: []ComponentHit{}}
		for _, h := range hits {
			out.Hits = append(out.Hits, ComponentHit{ProductID: h.ProductID, ProductName: h.ProductName, ReleaseID: h.ReleaseID, Release: h.Release,
				OnMarket: h.OnMarket(now()), Component: componentJSON(h.Component.Component, h.Component.ID)})
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}
