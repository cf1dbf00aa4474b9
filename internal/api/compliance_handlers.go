package api

import (
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

// RequirementRow is one row of the Annex I matrix.
type RequirementRow struct {
	ID             string                `json:"id"`
	Part           int                   `json:"part"`
	Title          string                `json:"title"`
	Text           string                `json:"text"`
	Ref            string                `json:"ref"`
	Status         cra.RequirementStatus `json:"status"`
	Justification  string                `json:"justification"`
	HowMet         string                `json:"how_met"`
	TestRefs       string                `json:"test_refs"`
	StandardClause string                `json:"standard_clause"`
	UpdatedBy      string                `json:"updated_by"`
	UpdatedAt      *time.Time            `json:"updated_at"`
	// Overridden is true on a release's matrix where the release states
	// the requirement itself instead of following the product.
	Overridden bool       `json:"overridden"`
	Evidence   []Evidence `json:"evidence"`
}

// Evidence is the JSON form of evidence.
type Evidence struct {
	ID            int64            `json:"id"`
	ProductID     int64            `json:"product_id"`
	ReleaseID     int64            `json:"release_id"`
	RequirementID string           `json:"requirement_id"`
	Kind          cra.EvidenceKind `json:"kind"`
	URL           string           `json:"url"`
	FileName      string           `json:"file_name"`
	ContentType   string           `json:"content_type"`
	Size          int64            `json:"size"`
	SHA256        string           `json:"sha256"`
	Note          string           `json:"note"`
	AddedBy       string           `json:"added_by"`
	AddedAt       time.Time        `json:"added_at"`
	DownloadURL   string           `json:"download_url,omitempty"`
}

func evidenceJSON(e cra.Evidence) Evidence {
	out := Evidence{ID: e.ID, ProductID: e.ProductID, ReleaseID: e.ReleaseID, RequirementID: e.RequirementID, Kind: e.Kind, URL: e.URL,
		FileName: e.FileName, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256, Note: e.Note, AddedBy: e.AddedBy, AddedAt: e.AddedAt.UTC()}
	if e.Kind == cra.EvidenceFile {
		out.DownloadURL = Prefix + "/evidence/" + itoa(e.ID) + "/file"
	}
	return out
}

// Matrix is the JSON form of a matrix view.
type Matrix struct {
	ProductID    int64            `json:"product_id"`
	ReleaseID    int64            `json:"release_id"`
	Readiness    Readiness        `json:"readiness"`
	Requirements []RequirementRow `json:"requirements"`
}

func matrixJSON(v *cra.MatrixView) Matrix {
	out := Matrix{ProductID: v.ProductID, ReleaseID: v.ReleaseID, Readiness: readinessJSON(v.Readiness)}
	for _, row := range v.Rows {
		req, _ := cra.LookupRequirement(row.RequirementID)
		rr := RequirementRow{ID: req.ID, Part: req.Part, Title: req.Title, Text: req.Text, Ref: req.Ref, Status: row.Status,
			Justification: row.Justification, HowMet: row.HowMet, TestRefs: row.TestRefs, StandardClause: row.StandardClause,
			UpdatedBy: row.UpdatedBy, Overridden: v.Overridden[row.RequirementID], Evidence: []Evidence{}}
		if !row.UpdatedAt.IsZero() {
			t := row.UpdatedAt.UTC()
			rr.UpdatedAt = &t
		}
		for _, e := range row.Evidence {
			rr.Evidence = append(rr.Evidence, evidenceJSON(e))
		}
		out.Requirements = append(out.Requirements, rr)
	}
	return out
}

// releaseProduct resolves the product of a release for release-scoped
// routes.
func releaseProduct(r *http.Request, products cra.ProductService) (productID, releaseID int64, err error) {
	releaseID, err = pathID(r)
	if err != nil {
		return 0, 0, err
	}
	rel, err := products.GetRelease(r.Context(), releaseID)
	if err != nil {
		return 0, 0, err
	}
	return rel.ProductID, releaseID, nil
}

func handleMatrix(products cra.ProductService, compliance cra.ComplianceService, ofRelease bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var productID, releaseID int64
		var err error
		if ofRelease {
			productID, releaseID, err = releaseProduct(r, products)
		} else {
			productID, err = pathID(r)
		}
		if err != nil {
			return err
		}
		v, err := compliance.Matrix(r.Context(), productID, releaseID)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, matrixJSON(v))
		return nil
	}
}

// RequirementInput is the state of one requirement as clients send it.
type RequirementInput struct {
	Status         cra.RequirementStatus `json:"status"`
	Justification  string                `json:"justification"`
	HowMet         string                `json:"how_met"`
	TestRefs       string                `json:"test_refs"`
	StandardClause string                `json:"standard_clause"`
}

func handleSetRequirement(products cra.ProductService, compliance cra.ComplianceService, ofRelease bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var productID, releaseID int64
		var err error
		if ofRelease {
			productID, releaseID, err = releaseProduct(r, products)
		} else {
			productID, err = pathID(r)
		}
		if err != nil {
			return err
		}
		var in RequirementInput
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		if _, err := compliance.SetRequirement(r.Context(), productID, releaseID, cra.RequirementState{RequirementID: r.PathValue("requirement"),
			Status: in.Status, Justification: in.Justification, HowMet: in.HowMet, TestRefs: in.TestRefs, StandardClause: in.StandardClause}); err != nil {
			return err
		}
		v, err := compliance.Matrix(r.Context(), productID, releaseID)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, matrixJSON(v))
		return nil
	}
}

func handleClearOverride(compliance cra.ComplianceService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := compliance.ClearOverride(r.Context(), id, r.PathValue("requirement")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// maxEvidenceBody bounds an evidence upload: the file plus form overhead.
const maxEvidenceBody = cra.MaxEvidenceFile + 1<<20

func handleAddEvidence(compliance cra.ComplianceService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var n cra.NewEvidence
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			if n, err = readEvidenceForm(w, r); err != nil {
				return err
			}
		} else {
			var in struct {
				RequirementID string `json:"requirement_id"`
				ReleaseID     int64  `json:"release_id"`
				URL           string `json:"url"`
				Note          string `json:"note"`
			}
			if err := httpx.Decode(w, r, &in); err != nil {
				if cra.ErrorCode(err) == cra.EUNSUPPORTED {
					return cra.Errorf(cra.EUNSUPPORTED, "Send a link as JSON (application/json) or a file as multipart/form-data.")
				}
				return err
			}
			n = cra.NewEvidence{RequirementID: in.RequirementID, ReleaseID: in.ReleaseID, URL: in.URL, Note: in.Note}
		}
		e, err := compliance.AddEvidence(r.Context(), id, n)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusCreated, evidenceJSON(*e))
		return nil
	}
}

// readEvidenceForm reads a multipart upload: requirement_id, release_id,
// note and one file.
func readEvidenceForm(w http.ResponseWriter, r *http.Request) (cra.NewEvidence, error) {
	var n cra.NewEvidence
	r.Body = http.MaxBytesReader(w, r.Body, maxEvidenceBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return n, cra.Errorf(cra.ETOOLARGE, "The upload is larger than %d bytes (files up to 20 MiB).", mbe.Limit)
		}
		return n, cra.Errorf(cra.EINVALID, "The multipart form could not be read: %s.", err)
	}
	defer r.MultipartForm.RemoveAll()
	n.RequirementID, n.Note = r.FormValue("requirement_id"), r.FormValue("note")
	if s := r.FormValue("release_id"); s != "" && s != "0" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return n, &cra.Error{Code: cra.EINVALID, Message: "release_id must be a number.", Fields: map[string]string{"release_id": "Must be a number."}}
		}
		n.ReleaseID = id
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		return n, &cra.Error{Code: cra.EINVALID, Message: "Attach the evidence as the form field \"file\".", Fields: map[string]string{"file": "Choose a file."}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, cra.MaxEvidenceFile+1))
	if err != nil {
		return n, err
	}
	n.Data, n.FileName = data, fh.Filename
	n.ContentType = fh.Header.Get("Content-Type")
	if n.ContentType == "" || n.ContentType == "application/octet-stream" {
		n.ContentType = http.DetectContentType(data)
	}
	return n, nil
}

func handleGetEvidence(compliance cra.ComplianceService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		e, err := compliance.Evidence(r.Context(), id)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, evidenceJSON(*e))
		return nil
	}
}

func handleEvidenceFile(compliance cra.ComplianceService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		e, data, err := compliance.EvidenceFile(r.Context(), id)
		if err != nil {
			return err
		}
		if e.Kind != cra.EvidenceFile {
			return cra.Errorf(cra.ENOTFOUND, "Evidence %d is a link, not a file: %s", id, e.URL)
		}
		httpx.ServeEvidenceFile(w, e, data)
		return nil
	}
}

func handleDeleteEvidence(compliance cra.ComplianceService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := compliance.DeleteEvidence(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// ThreatJSON is a threat with its computed risk.
type ThreatJSON struct {
	Title        string   `json:"title"`
	MisuseCase   string   `json:"misuse_case"`
	Likelihood   int      `json:"likelihood"`
	Impact       int      `json:"impact"`
	Risk         int      `json:"risk"`
	Level        string   `json:"level"`
	Decision     string   `json:"decision"`
	Requirements []string `json:"requirements"`
}

// RiskAssessment is the JSON form of a risk-assessment version.
type RiskAssessment struct {
	ProductID  int64           `json:"product_id"`
	Version    int             `json:"version"`
	Summary    string          `json:"summary"`
	Assets     []cra.RiskAsset `json:"assets"`
	Threats    []ThreatJSON    `json:"threats"`
	ReviewedOn string          `json:"reviewed_on"`
	ReviewDue  string          `json:"review_due"`
	Overdue    bool            `json:"overdue"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
}

func riskJSON(ra *cra.RiskAssessment, now time.Time) RiskAssessment {
	out := RiskAssessment{ProductID: ra.ProductID, Version: ra.Version, Summary: ra.Summary, Assets: ra.Assets, Threats: []ThreatJSON{},
		ReviewedOn: ra.ReviewedOn.String(), ReviewDue: ra.ReviewDue.String(), Overdue: ra.ReviewOverdue(now), CreatedBy: ra.CreatedBy, CreatedAt: ra.CreatedAt.UTC()}
	if out.Assets == nil {
		out.Assets = []cra.RiskAsset{}
	}
	for _, t := range ra.Threats {
		reqs := t.Requirements
		if reqs == nil {
			reqs = []string{}
		}
		out.Threats = append(out.Threats, ThreatJSON{Title: t.Title, MisuseCase: t.MisuseCase, Likelihood: t.Likelihood, Impact: t.Impact,
			Risk: t.Risk(), Level: t.RiskLevel(), Decision: t.Decision, Requirements: reqs})
	}
	return out
}

func handleListRisk(compliance cra.ComplianceService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		ras, err := compliance.RiskAssessments(r.Context(), id)
		if err != nil {
			return err
		}
		out := struct {
			Versions []RiskAssessment `json:"versions"`
		}{Versions: []RiskAssessment{}}
		for _, ra := range ras {
			out.Versions = append(out.Versions, riskJSON(ra, now()))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

// RiskInput is a risk assessment as clients send it.
type RiskInput struct {
	Summary    string          `json:"summary"`
	Assets     []cra.RiskAsset `json:"assets"`
	Threats    []cra.Threat    `json:"threats"`
	ReviewedOn string          `json:"reviewed_on"`
	ReviewDue  string          `json:"review_due"`
}

// Assessment converts the input, naming each unparseable field.
func (in RiskInput) Assessment() (cra.RiskAssessment, error) {
	ra := cra.RiskAssessment{Summary: in.Summary, Assets: in.Assets, Threats: in.Threats}
	f := map[string]string{}
	var err error
	if strings.TrimSpace(in.ReviewedOn) != "" {
		if ra.ReviewedOn, err = cra.ParseDate(in.ReviewedOn); err != nil {
			f["reviewed_on"] = cra.ErrorMessage(err)
		}
	}
	if strings.TrimSpace(in.ReviewDue) != "" {
		if ra.ReviewDue, err = cra.ParseDate(in.ReviewDue); err != nil {
			f["review_due"] = cra.ErrorMessage(err)
		}
	}
	return ra, cra.Invalid(f)
}

func handleCreateRisk(compliance cra.ComplianceService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in RiskInput
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		ra, err := in.Assessment()
		if err != nil {
			return err
		}
		saved, err := compliance.SaveRiskAssessment(r.Context(), id, ra)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusCreated, riskJSON(saved, now()))
		return nil
	}
}
