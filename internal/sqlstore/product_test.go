package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

func mustProduct(t *testing.T, db *sqlstore.DB, name string) *cra.Product {
	t.Helper()
	p := &cra.Product{Name: name, OperatorRole: cra.RoleManufacturer, Licensing: cra.LicensingProprietary, Lifecycle: cra.LifecycleOnMarket,
		MemberStates: []string{"DE", "FR"}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateProduct(context.Background(), p, rec("product.create", "product", "")); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRelease(t *testing.T, db *sqlstore.DB, productID int64, version string, components ...int64) *cra.Release {
	t.Helper()
	r := &cra.Release{ProductID: productID, Version: version, ReleaseDate: date("2026-01-10"), PlacedOnMarket: date("2026-02-01"),
		SupportEnd: cra.YearMonth{Year: 2031, Month: 2}, Status: cra.ReleaseReleased, CreatedAt: t0, UpdatedAt: t0}
	for _, c := range components {
		r.Components = append(r.Components, cra.ReleaseRef{ReleaseID: c})
	}
	if err := db.CreateRelease(context.Background(), r, rec("release.create", "release", "")); err != nil {
		t.Fatalf("release %s: %v", version, err)
	}
	return r
}

func date(s string) cra.Date {
	d, err := cra.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestProducts(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p := mustProduct(t, db, "Gateway")
		if err := db.CreateProduct(ctx, &cra.Product{Name: "Gateway", OperatorRole: cra.RoleManufacturer, Licensing: cra.LicensingProprietary,
			Lifecycle: cra.LifecycleOnMarket}, rec("product.create", "product", "")); cra.ErrorCode(err) != cra.ECONFLICT || cra.ErrorFields(err)["name"] == "" {
			t.Fatalf("duplicate name: %v", err)
		}
		// Decisions round-trip through the store.
		_, err := db.UpdateProduct(ctx, p.ID, func(p *cra.Product) (cra.AuditRecord, error) {
			p.Scope = &cra.ScopeDecision{Answers: cra.ScopeAnswers{"q": true}, InScope: true, Summary: "In scope.", DecidedBy: "a", DecidedAt: t0}
			p.Classification = &cra.Classification{Category: "I-12", Rationale: "a router", Standards: cra.StandardsFull, DecidedBy: "a", DecidedAt: t0}
			p.RemoteDataProcessing, p.RDPDescription = true, "cloud API"
			return rec("product.classify", "product", "1"), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindProductByID(ctx, p.ID)
		if err != nil || got.Classification == nil || got.Classification.Category != "I-12" || !got.Classification.DecidedAt.Equal(t0) ||
			got.Scope == nil || !got.Scope.Answers["q"] || !got.RemoteDataProcessing || len(got.MemberStates) != 2 || got.MemberStates[1] != "FR" {
			t.Fatalf("round trip: %+v %+v %v", got, got.Classification, err)
		}
		// A zero audit record writes nothing.
		if _, err := db.UpdateProduct(ctx, p.ID, func(p *cra.Product) (cra.AuditRecord, error) {
			p.Name = "Changed"
			return cra.AuditRecord{}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindProductByID(ctx, p.ID); got.Name != "Gateway" {
			t.Fatalf("a no-op update wrote %q", got.Name)
		}
		if _, err := db.FindProductByID(ctx, 999); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatal(err)
		}
	})
}

func TestReleasesAndComposition(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		gw, fw, lib := mustProduct(t, db, "Gateway"), mustProduct(t, db, "Firmware"), mustProduct(t, db, "Crypto library")
		l1 := mustRelease(t, db, lib.ID, "3.1.0")
		f1 := mustRelease(t, db, fw.ID, "2.0", l1.ID)
		g1 := mustRelease(t, db, gw.ID, "1.0", f1.ID, l1.ID) // one child, many parents
		if err := db.CreateRelease(ctx, &cra.Release{ProductID: gw.ID, Version: "1.0", Status: cra.ReleasePlanned}, rec("release.create", "release", "")); cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("duplicate version: %v", err)
		}
		got, err := db.FindReleaseByID(ctx, g1.ID)
		if err != nil || len(got.Components) != 2 || got.Components[0].ProductName != "Crypto library" || got.Components[1].Version != "2.0" ||
			got.SupportEnd.String() != "2031-02" || got.PlacedOnMarket.String() != "2026-02-01" || got.ProductName != "Gateway" {
			t.Fatalf("release: %+v %v", got, err)
		}
		// Cycles and self-containment are refused and change nothing.
		_, err = db.UpdateRelease(ctx, l1.ID, func(r *cra.Release) (cra.AuditRecord, error) {
			r.Components = []cra.ReleaseRef{{ReleaseID: g1.ID}}
			return rec("release.update", "release", "x"), nil
		})
		if cra.ErrorCode(err) != cra.EINVALID || cra.ErrorFields(err)["components"] == "" {
			t.Fatalf("cycle: %v", err)
		}
		g2 := mustRelease(t, db, gw.ID, "1.1")
		_, err = db.UpdateRelease(ctx, g2.ID, func(r *cra.Release) (cra.AuditRecord, error) {
			r.Components = []cra.ReleaseRef{{ReleaseID: g1.ID}}
			return rec("release.update", "release", "x"), nil
		})
		if cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("same-product component: %v", err)
		}
		if err := db.CreateRelease(ctx, &cra.Release{ProductID: gw.ID, Version: "9", Status: cra.ReleasePlanned, Components: []cra.ReleaseRef{{ReleaseID: 4242}}},
			rec("release.create", "release", "")); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("unknown component: %v", err)
		}
		if rs, _ := db.FindReleases(ctx, cra.ReleaseFilter{ProductID: &gw.ID}); len(rs) != 2 {
			t.Fatalf("failed creations left %d releases", len(rs))
		}
		if got, _ := db.FindReleaseByID(ctx, l1.ID); len(got.Components) != 0 {
			t.Fatalf("refused cycle left components: %+v", got.Components)
		}
		if n, err := verifyChain(t, db); err != nil || n != 7 {
			t.Fatalf("audit: %d %v", n, err)
		}
	})
}

func TestMatrixEvidenceAndRisk(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p := mustProduct(t, db, "Gateway")
		r := mustRelease(t, db, p.ID, "1.0")
		save := func(releaseID int64, id string, st cra.RequirementStatus) {
			t.Helper()
			e := &cra.MatrixEntry{ProductID: p.ID, ReleaseID: releaseID, RequirementState: cra.RequirementState{RequirementID: id, Status: st, HowMet: "x"},
				UpdatedBy: "a", UpdatedAt: t0}
			if err := db.SaveMatrixEntry(ctx, e, rec("requirement.update", "product", "1")); err != nil {
				t.Fatal(err)
			}
		}
		save(0, "I.2.a", cra.StatusInProgress)
		save(0, "I.2.a", cra.StatusMet) // replaces
		save(0, "II.1", cra.StatusMet)
		save(r.ID, "I.2.a", cra.StatusInProgress) // release override
		rows, err := db.FindMatrix(ctx, p.ID, 0)
		if err != nil || len(rows) != 2 {
			t.Fatalf("product rows: %+v %v", rows, err)
		}
		rel, _ := db.FindMatrix(ctx, p.ID, r.ID)
		if len(rel) != 1 || rel[0].Status != cra.StatusInProgress || rel[0].ReleaseID != r.ID {
			t.Fatalf("release rows: %+v", rel)
		}
		all, _ := db.FindProductMatrices(ctx)
		if len(all[p.ID]) != 2 {
			t.Fatalf("portfolio rows: %+v", all)
		}
		if err := db.DeleteMatrixEntry(ctx, r.ID, "I.2.a", rec("requirement.clear_override", "release", "1")); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteMatrixEntry(ctx, r.ID, "I.2.a", rec("requirement.clear_override", "release", "1")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("clear twice: %v", err)
		}
		// Evidence: files are stored once per hash and survive until unused.
		data := []byte("%PDF-1.7 test report")
		e1 := &cra.Evidence{ProductID: p.ID, RequirementID: "II.3", Kind: cra.EvidenceFile, FileName: "pentest.pdf", ContentType: "application/pdf", AddedBy: "a", AddedAt: t0}
		e2 := &cra.Evidence{ProductID: p.ID, RequirementID: "II.3", Kind: cra.EvidenceFile, FileName: "copy.pdf", AddedBy: "a", AddedAt: t0}
		link := &cra.Evidence{ProductID: p.ID, ReleaseID: r.ID, RequirementID: "II.5", Kind: cra.EvidenceLink, URL: "https://acme.example/cvd", AddedBy: "a", AddedAt: t0}
		for _, e := range []*cra.Evidence{e1, e2, link} {
			if err := db.AddEvidence(ctx, e, data, rec("evidence.add", "evidence", "")); err != nil {
				t.Fatal(err)
			}
		}
		sum := sha256.Sum256(data)
		if e1.SHA256 != hex.EncodeToString(sum[:]) || e2.SHA256 != e1.SHA256 || e1.Size != int64(len(data)) || link.SHA256 != "" {
			t.Fatalf("hash/size %q %d", e1.SHA256, e1.Size)
		}
		rows, _ = db.FindMatrix(ctx, p.ID, 0)
		var ev []cra.Evidence
		for _, row := range rows {
			if row.RequirementID == "II.3" {
				ev = row.Evidence
			}
		}
		if len(ev) != 2 || ev[0].FileName != "pentest.pdf" {
			t.Fatalf("evidence on the matrix: %+v", rows)
		}
		if err := db.DeleteEvidence(ctx, e1.ID, rec("evidence.delete", "evidence", "1")); err != nil {
			t.Fatal(err)
		}
		if got, err := db.EvidenceData(ctx, e2.SHA256); err != nil || string(got) != string(data) {
			t.Fatalf("shared file deleted with one reference: %v", err)
		}
		if err := db.DeleteEvidence(ctx, e2.ID, rec("evidence.delete", "evidence", "2")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.EvidenceData(ctx, e2.SHA256); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unreferenced file kept: %v", err)
		}
		// Risk assessments are versioned.
		for i := range 3 {
			ra := &cra.RiskAssessment{ProductID: p.ID, Summary: fmt.Sprint("v", i), ReviewedOn: date("2026-03-01"), ReviewDue: date("2027-03-01"),
				Threats: []cra.Threat{{Title: "t", Likelihood: 2, Impact: 3, Decision: "mitigate", Requirements: []string{"I.2.d"}}}, CreatedBy: "a", CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
			if err := db.SaveRiskAssessment(ctx, ra, rec("risk_assessment.create", "product", "")); err != nil || ra.Version != i+1 {
				t.Fatalf("version %d: %v", ra.Version, err)
			}
		}
		ras, err := db.FindRiskAssessments(ctx, p.ID)
		if err != nil || len(ras) != 3 || ras[0].Version != 3 || ras[0].Summary != "v2" || ras[2].Threats[0].Requirements[0] != "I.2.d" || ras[0].ReviewDue.String() != "2027-03-01" {
			t.Fatalf("versions: %+v %v", ras, err)
		}
		latest, _ := db.LatestRiskAssessments(ctx)
		if len(latest) != 1 || latest[0].Version != 3 {
			t.Fatalf("latest: %+v", latest)
		}
		if err := db.SaveRiskAssessment(ctx, &cra.RiskAssessment{ProductID: 999, ReviewedOn: date("2026-01-01"), ReviewDue: date("2027-01-01")}, rec("x", "y", "")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("assessment of a missing product: %v", err)
		}
	})
}
