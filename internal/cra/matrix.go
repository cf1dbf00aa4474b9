package cra

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MatrixEntry is one row of a product's (or a release's) Annex I
// requirement matrix: the state of one requirement and its evidence. A
// release's row overrides the product's row for that requirement.
type MatrixEntry struct {
	ProductID int64
	ReleaseID int64 // 0 for the product's own row
	RequirementState
	Evidence  []Evidence
	UpdatedBy string
	UpdatedAt time.Time
}

// EvidenceKind says whether evidence is a link or an uploaded file.
type EvidenceKind string

// Evidence kinds.
const (
	EvidenceLink EvidenceKind = "link"
	EvidenceFile EvidenceKind = "file"
)

// Evidence supports a requirement's state: a link, or a file kept in the
// database with its SHA-256 so it can be shown unchanged for ten years.
type Evidence struct {
	ID            int64
	ProductID     int64
	ReleaseID     int64
	RequirementID string
	Kind          EvidenceKind
	URL           string
	FileName      string
	ContentType   string
	Size          int64
	SHA256        string
	Note          string
	AddedBy       string
	AddedAt       time.Time
}

// MaxEvidenceFile bounds an uploaded evidence file.
const MaxEvidenceFile = 20 << 20

// NewEvidence is the input for adding evidence.
type NewEvidence struct {
	ReleaseID     int64
	RequirementID string
	URL           string // for a link
	FileName      string // for a file
	ContentType   string
	Data          []byte
	Note          string
}

// Validate checks the evidence input.
func (n *NewEvidence) Validate() error {
	f := map[string]string{}
	n.URL, n.FileName, n.Note = strings.TrimSpace(n.URL), strings.TrimSpace(n.FileName), strings.TrimSpace(n.Note)
	if req, ok := LookupRequirement(n.RequirementID); !ok {
		f["requirement_id"] = "Unknown Annex I requirement " + n.RequirementID + "."
	} else {
		n.RequirementID = req.ID
	}
	switch {
	case n.URL != "" && n.Data != nil:
		f["url"] = "Give a link or a file, not both."
	case n.URL != "":
		if msg := ValidateURL(n.URL); msg != "" {
			f["url"] = msg
		}
	case n.Data != nil:
		if n.FileName == "" || strings.ContainsAny(n.FileName, "/\\\x00") || utf8.RuneCountInString(n.FileName) > 255 {
			f["file"] = "The file needs a plain name of at most 255 characters."
		}
		if len(n.Data) == 0 {
			f["file"] = "The file is empty."
		}
		if len(n.Data) > MaxEvidenceFile {
			f["file"] = "The file is larger than 20 MiB."
		}
	default:
		f["url"] = "Give a link or upload a file."
	}
	if utf8.RuneCountInString(n.Note) > 2000 {
		f["note"] = "Must be at most 2000 characters."
	}
	return Invalid(f)
}

// EffectiveMatrix merges a product's rows with a release's overrides: the
// release row wins where it exists. The result has one row per Annex I
// requirement, in catalogue order; requirements with no row are not
// started.
func EffectiveMatrix(product, release []MatrixEntry) []MatrixEntry {
	byID := map[string]MatrixEntry{}
	for _, e := range product {
		byID[e.RequirementID] = e
	}
	for _, e := range release {
		byID[e.RequirementID] = e
	}
	out := make([]MatrixEntry, 0, len(AnnexIRequirements))
	for _, r := range AnnexIRequirements {
		e, ok := byID[r.ID]
		if !ok {
			e = MatrixEntry{RequirementState: RequirementState{RequirementID: r.ID, Status: StatusNotStarted}}
		}
		out = append(out, e)
	}
	return out
}

// States returns the requirement states of matrix rows.
func States(rows []MatrixEntry) []RequirementState {
	out := make([]RequirementState, len(rows))
	for i, r := range rows {
		out[i] = r.RequirementState
	}
	return out
}
