package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

// DefaultSBOMMaxSize bounds an uploaded SBOM (after decompression).
const DefaultSBOMMaxSize = sbom.DefaultMaxSize

// SBOMService implements cra.SBOMService.
type SBOMService struct {
	*deps
	mon     *monitor
	maxSize int64
	version string
}

var _ cra.SBOMService = (*SBOMService)(nil)

// release returns a release, for the messages and checks of SBOM use cases.
func (s *SBOMService) release(ctx context.Context, id int64) (*cra.Release, error) {
	return s.store.FindReleaseByID(ctx, id)
}

// ImportSBOM parses an SBOM and replaces the release's components with
// its components in one transaction. Nothing is stored when the document
// does not parse.
func (s *SBOMService) ImportSBOM(ctx context.Context, releaseID int64, fileName string, data []byte, format cra.SBOMFormat) (*cra.SBOMImport, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	rel, err := s.release(ctx, releaseID)
	if err != nil {
		return nil, err
	}
	fileName = strings.TrimSpace(fileName)
	if fileName == "" || strings.ContainsAny(fileName, "/\\\x00") || utf8.RuneCountInString(fileName) > 255 {
		fileName = "sbom"
	}
	if int64(len(data)) > s.maxSize {
		return nil, cra.Errorf(cra.ETOOLARGE, "%s is larger than the %d-byte limit for SBOMs.", fileName, s.maxSize)
	}
	doc, err := sbom.Parse(fileName, bytes.NewReader(data), sbom.Options{MaxSize: s.maxSize, Format: format})
	if err != nil {
		return nil, err
	}
	setDepPaths(doc)
	sum := sha256.Sum256(data)
	rec := &cra.SBOMRecord{ReleaseID: releaseID, Format: doc.Format, SpecVersion: doc.SpecVersion, SerialNumber: doc.SerialNumber,
		FileName: fileName, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Created: doc.Created, Tools: doc.Tools,
		Authors: doc.Authors, Supplier: doc.Supplier, Subject: doc.Subject, ComponentCount: len(doc.Components),
		Quality: sbom.Check(doc), Warnings: doc.Warnings, UploadedBy: cra.ActorFrom(ctx).Label(), UploadedAt: s.now()}
	previous, err := s.store.FindSBOMs(ctx, releaseID)
	if err != nil {
		return nil, err
	}
	audit := s.record(cra.ActorFrom(ctx), "sbom.import", "sbom", "", nil, map[string]any{"release": rel.ProductName + " " + rel.Version,
		"file": fileName, "sha256": rec.SHA256, "format": string(rec.Format) + " " + rec.SpecVersion, "components": rec.ComponentCount,
		"quality_score": rec.Quality.Score, "replaces_previous": len(previous) > 0})
	if err := s.store.SaveSBOM(ctx, rec, data, doc, audit); err != nil {
		return nil, err
	}
	// The upload is stored; a failed match leaves the release's earlier
	// findings in place and is logged, and the next match repairs it.
	if _, err := s.mon.matchReleases(ctx, []int64{releaseID}); err != nil {
		s.logger.Error("release not matched after SBOM upload", "release", releaseID, "err", err)
	}
	return &cra.SBOMImport{SBOM: rec, Replaced: len(previous) > 0}, nil
}

// SBOMs returns a release's SBOM history, newest first.
func (s *SBOMService) SBOMs(ctx context.Context, releaseID int64) ([]*cra.SBOMRecord, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	if _, err := s.release(ctx, releaseID); err != nil {
		return nil, err
	}
	return s.store.FindSBOMs(ctx, releaseID)
}

// SBOMDocument returns an SBOM as it was uploaded.
func (s *SBOMService) SBOMDocument(ctx context.Context, id int64) (*cra.SBOMRecord, []byte, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, nil, err
	}
	rec, err := s.store.FindSBOMByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	data, err := s.store.SBOMContent(ctx, id)
	return rec, data, err
}

// Components returns a page of a release's components.
func (s *SBOMService) Components(ctx context.Context, f cra.ComponentFilter) ([]cra.StoredComponent, int, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, 0, err
	}
	if _, err := s.release(ctx, f.ReleaseID); err != nil {
		return nil, 0, err
	}
	return s.store.FindComponents(ctx, f)
}

// allComponents reads every component of a release.
func (s *SBOMService) allComponents(ctx context.Context, releaseID int64) ([]cra.Component, error) {
	var out []cra.Component
	for offset := 0; ; offset += 1000 {
		page, total, err := s.store.FindComponents(ctx, cra.ComponentFilter{ReleaseID: releaseID, Limit: 1000, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			out = append(out, c.Component)
		}
		if offset+len(page) >= total || len(page) == 0 {
			return out, nil
		}
	}
}

// ExportSBOM writes the release's current components in an export format.
func (s *SBOMService) ExportSBOM(ctx context.Context, releaseID int64, format cra.SBOMFormat, w io.Writer) error {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return err
	}
	if format != cra.FormatCycloneDXJSON && format != cra.FormatSPDXJSON {
		return cra.Errorf(cra.EINVALID, "Export as cyclonedx-json or spdx-json, not %q.", format)
	}
	rel, err := s.release(ctx, releaseID)
	if err != nil {
		return err
	}
	recs, err := s.store.FindSBOMs(ctx, releaseID)
	if err != nil {
		return err
	}
	if len(recs) == 0 || !recs[0].Current {
		return cra.Errorf(cra.ENOTFOUND, "%s %s has no SBOM yet; upload one first.", rel.ProductName, rel.Version)
	}
	cur := recs[0]
	comps, err := s.allComponents(ctx, releaseID)
	if err != nil {
		return err
	}
	graph, err := s.store.SBOMGraph(ctx, cur.ID)
	if err != nil {
		return err
	}
	subject := cur.Subject
	if subject == nil {
		subject = &cra.Component{Ref: "subject", Type: "application", Name: rel.ProductName, Version: rel.Version}
	}
	doc := &cra.SBOM{Format: format, SerialNumber: cur.SerialNumber, Created: cur.Created, Tools: cur.Tools, Authors: cur.Authors,
		Supplier: cur.Supplier, Subject: subject, Components: comps, Dependencies: graph}
	meta := sbom.ExportMeta{Name: rel.ProductName + " " + rel.Version, Namespace: fmt.Sprintf("https://cyra.invalid/sbom/release-%d/sbom-%d", rel.ID, cur.ID),
		Created: s.now(), Tool: "cyra", ToolVersion: s.version}
	return sbom.Encode(w, doc, format, meta)
}

// SearchComponents finds the releases that contain a package.
func (s *SBOMService) SearchComponents(ctx context.Context, purl, version string) ([]cra.ComponentHit, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	canonical, err := sbom.CanonicalPURL(strings.TrimSpace(purl))
	if err != nil {
		return nil, &cra.Error{Code: cra.EINVALID, Message: err.Error(), Fields: map[string]string{"purl": err.Error()}}
	}
	key, v, ok := cra.SplitPURL(canonical)
	if !ok {
		return nil, &cra.Error{Code: cra.EINVALID, Message: "Give a package URL such as pkg:npm/lodash.", Fields: map[string]string{"purl": "Give a package URL such as pkg:npm/lodash."}}
	}
	if version = strings.TrimSpace(version); version == "" {
		version = v
	}
	return s.store.SearchComponents(ctx, key, version)
}

// setDepPaths computes each component's dependency path from the SBOM's
// graph, so that findings can name it without loading the graph.
func setDepPaths(doc *cra.SBOM) {
	subject := ""
	byRef := map[string]string{}
	if doc.Subject != nil {
		subject = doc.Subject.Ref
		byRef[subject] = doc.Subject.Name
	}
	for _, c := range doc.Components {
		byRef[c.Ref] = c.Name
	}
	g := newGraph(subject, doc.Dependencies)
	for i := range doc.Components {
		c := &doc.Components[i]
		if path, direct := g.path(c.Ref); len(path) > 0 || direct {
			c.DepPath = names(path, byRef)
		}
	}
}
