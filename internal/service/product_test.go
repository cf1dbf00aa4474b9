package service_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
)

func inScope() cra.ScopeAnswers {
	a := cra.ScopeAnswers{}
	for _, q := range cra.ScopeQuestions {
		a[q.ID] = !q.Excludes
	}
	return a
}

func gateway() cra.Product {
	return cra.Product{Name: "Nordlicht Gateway", Model: "NG-100", IntendedPurpose: "Connect building sensors to the cloud",
		RemoteDataProcessing: true, RDPDescription: "Fleet management API", MemberStates: []string{"de", "FR", "DE"}, Lifecycle: cra.LifecycleOnMarket}
}

func mustDate(s string) cra.Date {
	d, err := cra.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestProductLifecycle(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		p, err := e.svc.Products.CreateProduct(ctx, gateway())
		if err != nil || p.ID == 0 || len(p.MemberStates) != 2 || p.OperatorRole != cra.RoleManufacturer || p.Licensing != cra.LicensingProprietary {
			t.Fatalf("create: %+v %v", p, err)
		}
		bad := gateway()
		bad.Name, bad.RemoteDataProcessing, bad.RDPDescription, bad.MemberStates, bad.OperatorRole = "", true, "", []string{"US"}, "reseller"
		_, err = e.svc.Products.CreateProduct(ctx, bad)
		for _, field := range []string{"name", "rdp_description", "member_states", "operator_role"} {
			if cra.ErrorFields(err)[field] == "" {
				t.Errorf("no problem for %s: %v", field, cra.ErrorFields(err))
			}
		}
		if _, err := e.svc.Products.CreateProduct(ctx, gateway()); code(err) != cra.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}

		// Scope: every question must be answered; one exclusion excludes.
		partial := inScope()
		delete(partial, "medical_device")
		if _, err := e.svc.Products.DecideScope(ctx, p.ID, partial); cra.ErrorFields(err)["answers.medical_device"] == "" {
			t.Fatalf("incomplete scope: %v", err)
		}
		med := inScope()
		med["medical_device"] = true
		p, err = e.svc.Products.DecideScope(ctx, p.ID, med)
		if err != nil || p.Scope.InScope || !strings.Contains(p.Scope.Summary, "Art. 2(2)(a)") || p.Scope.DecidedBy != "admin@acme.example" {
			t.Fatalf("excluded: %+v %v", p.Scope, err)
		}
		if p, err = e.svc.Products.DecideScope(ctx, p.ID, inScope()); err != nil || !p.Scope.InScope {
			t.Fatalf("in scope: %+v %v", p.Scope, err)
		}

		// Classification with the routes it allows.
		if _, err := e.svc.Products.Classify(ctx, p.ID, cra.Classification{Category: "I-99", Rationale: ""}); cra.ErrorFields(err)["category"] == "" || cra.ErrorFields(err)["rationale"] == "" {
			t.Fatalf("bad classification: %v", err)
		}
		if _, err := e.svc.Products.Classify(ctx, p.ID, cra.Classification{Category: "I-12", Rationale: "Routes traffic", TechDocPublic: true}); cra.ErrorFields(err)["tech_doc_public"] == "" {
			t.Fatalf("public tech doc for proprietary product: %v", err)
		}
		if p, err = e.svc.Products.Classify(ctx, p.ID, cra.Classification{Category: "i-12", Rationale: "Its core function is routing between the building network and the internet."}); err != nil {
			t.Fatal(err)
		}
		o, err := e.svc.Products.GetProduct(ctx, p.ID)
		if err != nil || o.Category == nil || o.Category.Class != cra.ClassImportantI || len(o.Routes) != 4 || o.Routes[0].Module != cra.ModuleA || o.Routes[0].Allowed {
			t.Fatalf("overview: %+v %v", o, err)
		}
		// Changing what the decisions rest on marks the product for review;
		// a description edit does not.
		upd := gateway()
		upd.Description = "Now with a better description"
		if p, err = e.svc.Products.UpdateProduct(ctx, p.ID, upd); err != nil || p.NeedsReview() {
			t.Fatalf("description edit: %+v %v", p.ReviewReason, err)
		}
		upd.RemoteDataProcessing, upd.RDPDescription = false, ""
		if p, err = e.svc.Products.UpdateProduct(ctx, p.ID, upd); err != nil || !p.NeedsReview() {
			t.Fatalf("RDP change did not mark review: %v", err)
		}
		if o, _ := e.svc.Products.GetProduct(ctx, p.ID); !strings.Contains(strings.Join(o.Warnings, " "), "Review the scope") {
			t.Fatalf("warnings: %v", o.Warnings)
		}
		if p, err = e.svc.Products.Classify(ctx, p.ID, cra.Classification{Category: "I-12", Rationale: "Reviewed: still routing."}); err != nil || p.NeedsReview() {
			t.Fatalf("new decision keeps review flag: %v", err)
		}
		// Nothing changed, nothing audited.
		before, _ := e.svc.Audit.ListAudit(e.adminCtx, cra.AuditFilter{Limit: 1})
		if _, err := e.svc.Products.UpdateProduct(ctx, p.ID, upd); err != nil {
			t.Fatal(err)
		}
		after, _ := e.svc.Audit.ListAudit(e.adminCtx, cra.AuditFilter{Limit: 1})
		if before[0].Seq != after[0].Seq {
			t.Fatal("a no-op update was audited")
		}
	})
}

func TestReleaseRules(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		p, _ := e.svc.Products.CreateProduct(ctx, gateway())
		lib, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Crypto library", Licensing: cra.LicensingFOSSCommercial})
		for name, tc := range map[string]struct {
			r     cra.Release
			field string
		}{
			"placed before release":      {cra.Release{Version: "1", ReleaseDate: mustDate("2026-03-01"), PlacedOnMarket: mustDate("2026-02-01"), SupportEnd: cra.YearMonth{Year: 2032, Month: 1}}, "placed_on_market"},
			"support end before placing": {cra.Release{Version: "1", ReleaseDate: mustDate("2026-01-01"), PlacedOnMarket: mustDate("2026-02-01"), SupportEnd: cra.YearMonth{Year: 2025, Month: 12}, ShortSupportJustification: "x"}, "support_end"},
			"under five years":           {cra.Release{Version: "1", ReleaseDate: mustDate("2026-01-01"), PlacedOnMarket: mustDate("2026-02-01"), SupportEnd: cra.YearMonth{Year: 2031, Month: 1}}, "support_end"},
			"on market without support":  {cra.Release{Version: "1", ReleaseDate: mustDate("2026-01-01"), PlacedOnMarket: mustDate("2026-02-01")}, "support_end"},
			"substantial without reason": {cra.Release{Version: "1", Status: cra.ReleasePlanned, SubstantialModification: true}, "modification_reason"},
			"no version":                 {cra.Release{Status: cra.ReleasePlanned}, "version"},
		} {
			if _, err := e.svc.Products.CreateRelease(ctx, p.ID, tc.r); cra.ErrorFields(err)[tc.field] == "" {
				t.Errorf("%s: %v %v", name, err, cra.ErrorFields(err))
			}
		}
		short := cra.Release{Version: "1.0", ReleaseDate: mustDate("2026-01-01"), PlacedOnMarket: mustDate("2026-02-01"),
			SupportEnd: cra.YearMonth{Year: 2028, Month: 2}, ShortSupportJustification: "Sensor batteries last two years; expected use is two years.", SecurityUpdate: true}
		r, err := e.svc.Products.CreateRelease(ctx, p.ID, short)
		if err != nil {
			t.Fatal(err)
		}
		// A security update stays available ten years after issue.
		if got := r.UpdateRetention(); got.Format(time.DateOnly) != "2036-01-01" {
			t.Fatalf("retention %v", got)
		}
		if _, err := e.svc.Products.CreateRelease(ctx, p.ID, short); code(err) != cra.ECONFLICT || cra.ErrorFields(err)["version"] == "" {
			t.Fatalf("duplicate version: %v", err)
		}
		l, _ := e.svc.Products.CreateRelease(ctx, lib.ID, cra.Release{Version: "3.1.0", ReleaseDate: mustDate("2025-06-01")})
		withLib := short
		withLib.Version, withLib.Components = "1.1", []cra.ReleaseRef{{ReleaseID: l.ID}, {ReleaseID: l.ID}}
		r2, err := e.svc.Products.CreateRelease(ctx, p.ID, withLib)
		if err != nil || len(r2.Components) != 1 || r2.Components[0].ProductName != "Crypto library" {
			t.Fatalf("components: %+v %v", r2, err)
		}
		// The calendar has the regulation dates and the support end.
		pf, err := e.svc.Products.Portfolio(ctx)
		if err != nil || len(pf.Products) != 2 {
			t.Fatal(err)
		}
		var kinds []string
		for _, ev := range pf.Calendar {
			kinds = append(kinds, ev.Kind+" "+ev.Date.Format("2006-01-02"))
		}
		joined := strings.Join(kinds, ",")
		if !strings.Contains(joined, "regulation 2026-09-11") || !strings.Contains(joined, "regulation 2027-12-11") || !strings.Contains(joined, "support-end 2028-02-29") {
			t.Fatalf("calendar: %s", joined)
		}
	})
}

func TestMatrixAndRisk(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		p, _ := e.svc.Products.CreateProduct(ctx, gateway())
		r, _ := e.svc.Products.CreateRelease(ctx, p.ID, cra.Release{Version: "1.0", ReleaseDate: mustDate("2026-01-01")})
		if _, err := e.svc.Compliance.SetRequirement(ctx, p.ID, 0, cra.RequirementState{RequirementID: "II.1", Status: cra.StatusNotApplicable, Justification: "x"}); code(err) != cra.EINVALID {
			t.Fatalf("Part II not applicable: %v", err)
		}
		if _, err := e.svc.Compliance.SetRequirement(ctx, p.ID, 0, cra.RequirementState{RequirementID: "I.2.m", Status: cra.StatusNotApplicable}); cra.ErrorFields(err)["justification"] == "" {
			t.Fatalf("N/A without justification: %v", err)
		}
		set := func(releaseID int64, id string, st cra.RequirementStatus, just string) {
			t.Helper()
			if _, err := e.svc.Compliance.SetRequirement(ctx, p.ID, releaseID, cra.RequirementState{RequirementID: id, Status: st, Justification: just, HowMet: "see tests"}); err != nil {
				t.Fatal(err)
			}
		}
		set(0, "I.2.a", cra.StatusMet, "")
		set(0, "I.2.m", cra.StatusNotApplicable, "The gateway stores no user data or settings beyond the factory configuration.")
		set(0, "II.1", cra.StatusInProgress, "")
		set(r.ID, "II.1", cra.StatusMet, "") // the release is ahead of the product
		pv, _ := e.svc.Compliance.Matrix(ctx, p.ID, 0)
		rv, err := e.svc.Compliance.Matrix(ctx, p.ID, r.ID)
		if err != nil || len(pv.Rows) != 22 || pv.Readiness.Met != 1 || pv.Readiness.NotApplicable != 1 || pv.Readiness.Percent != 9 ||
			rv.Readiness.Met != 2 || !rv.Overridden["II.1"] || rv.Overridden["I.2.a"] {
			t.Fatalf("matrices: product %+v release %+v %v", pv.Readiness, rv.Readiness, err)
		}
		// Evidence on the release for a requirement it does not override
		// shows on the product's row and does not hide it.
		if _, err := e.svc.Compliance.AddEvidence(ctx, p.ID, cra.NewEvidence{ReleaseID: r.ID, RequirementID: "I.2.a", URL: "https://acme.example/r1-report"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Compliance.ClearOverride(ctx, r.ID, "II.1"); err != nil {
			t.Fatal(err)
		}
		rv, _ = e.svc.Compliance.Matrix(ctx, p.ID, r.ID)
		if rv.Readiness.Met != 1 || rv.Rows[1].RequirementID != "I.2.a" || rv.Rows[1].Status != cra.StatusMet || len(rv.Rows[1].Evidence) != 1 || rv.Overridden["I.2.a"] {
			t.Fatalf("after clearing: %+v %+v", rv.Readiness, rv.Rows[1])
		}
		other, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Other"})
		if _, err := e.svc.Compliance.Matrix(ctx, other.ID, r.ID); code(err) != cra.ENOTFOUND {
			t.Fatalf("release of another product: %v", err)
		}
		// Evidence.
		ev, err := e.svc.Compliance.AddEvidence(ctx, p.ID, cra.NewEvidence{RequirementID: "II.3", FileName: "pentest.pdf", Data: []byte("%PDF-1.4 report"), ContentType: "application/pdf"})
		if err != nil || ev.Kind != cra.EvidenceFile || len(ev.SHA256) != 64 {
			t.Fatalf("file evidence: %+v %v", ev, err)
		}
		got, data, err := e.svc.Compliance.EvidenceFile(ctx, ev.ID)
		if err != nil || string(data) != "%PDF-1.4 report" || got.FileName != "pentest.pdf" {
			t.Fatalf("download: %v", err)
		}
		for name, n := range map[string]cra.NewEvidence{
			"both":        {RequirementID: "II.3", URL: "https://x.example", Data: []byte("x"), FileName: "x"},
			"neither":     {RequirementID: "II.3"},
			"bad url":     {RequirementID: "II.3", URL: "javascript:alert(1)"},
			"unknown req": {RequirementID: "III.9", URL: "https://x.example"},
			"path name":   {RequirementID: "II.3", FileName: "../etc/passwd", Data: []byte("x")},
			"too large":   {RequirementID: "II.3", FileName: "big.bin", Data: make([]byte, cra.MaxEvidenceFile+1)},
		} {
			if _, err := e.svc.Compliance.AddEvidence(ctx, p.ID, n); code(err) != cra.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Risk assessment versions.
		ra := cra.RiskAssessment{Summary: "Gateway threats", ReviewedOn: mustDate("2026-11-01"), ReviewDue: mustDate("2026-10-01"),
			Threats: []cra.Threat{{Title: "Credential stuffing", Likelihood: 4, Impact: 4, Decision: "", Requirements: []string{"I.2.d", "X"}}}}
		_, err = e.svc.Compliance.SaveRiskAssessment(ctx, p.ID, ra)
		for _, field := range []string{"review_due", "threats[0].decision", "threats[0].requirements"} {
			if cra.ErrorFields(err)[field] == "" {
				t.Errorf("risk assessment: no problem for %s: %v", field, cra.ErrorFields(err))
			}
		}
		ra.ReviewDue, ra.Threats[0].Decision, ra.Threats[0].Requirements = mustDate("2027-05-01"), "Mitigate: rate limiting and MFA", []string{"I.2.d"}
		v1, err := e.svc.Compliance.SaveRiskAssessment(ctx, p.ID, ra)
		if err != nil || v1.Version != 1 || v1.Threats[0].RiskLevel() != "high" {
			t.Fatalf("save: %+v %v", v1, err)
		}
		ra.Summary = "Reviewed"
		v2, _ := e.svc.Compliance.SaveRiskAssessment(ctx, p.ID, ra)
		vs, _ := e.svc.Compliance.RiskAssessments(ctx, p.ID)
		if v2.Version != 2 || len(vs) != 2 || vs[1].Summary != "Gateway threats" {
			t.Fatalf("versions: %+v", vs)
		}
		// An auditor reads but cannot change.
		aud := e.mustUser(t, "aud@acme.example", cra.RoleAuditor)
		audCtx := cra.WithActor(context.Background(), &cra.Actor{Kind: cra.ActorSession, UserID: aud.ID, Email: aud.Email, Role: cra.RoleAuditor})
		if _, err := e.svc.Compliance.Matrix(audCtx, p.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Compliance.SetRequirement(audCtx, p.ID, 0, cra.RequirementState{RequirementID: "I.2.a", Status: cra.StatusMet}); code(err) != cra.EFORBIDDEN {
			t.Fatalf("auditor writes: %v", err)
		}
	})
}

func TestApply(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		doc := func() cra.ApplyDocument {
			gw := gateway()
			lib := cra.Product{Name: "Crypto library", Licensing: cra.LicensingFOSSCommercial}
			return cra.ApplyDocument{Products: []cra.ApplyProduct{
				{Product: gw, Scope: inScope(), Classification: &cra.Classification{Category: "I-12", Rationale: "Routing"},
					Releases: []cra.ApplyRelease{{Release: cra.Release{Version: "1.0", ReleaseDate: mustDate("2026-01-10"), PlacedOnMarket: mustDate("2026-02-01"),
						SupportEnd: cra.YearMonth{Year: 2031, Month: 2}}, Components: []cra.ComponentName{{Product: "Crypto library", Version: "3.1.0"}}}}},
				{Product: lib, Releases: []cra.ApplyRelease{{Release: cra.Release{Version: "3.1.0", ReleaseDate: mustDate("2025-06-01")}}}},
			}}
		}
		res, err := e.svc.Products.Apply(ctx, doc())
		if err != nil {
			t.Fatal(err)
		}
		want := "product Nordlicht Gateway:created product Crypto library:created release Nordlicht Gateway 1.0:created release Crypto library 3.1.0:created"
		if got := changes(res); got != want {
			t.Fatalf("first apply: %s", got)
		}
		res, err = e.svc.Products.Apply(ctx, doc())
		if err != nil || !strings.Contains(changes(res), "Gateway:unchanged") || strings.Contains(changes(res), "created") || strings.Contains(changes(res), "updated") {
			t.Fatalf("second apply is not idempotent: %s %v", changes(res), err)
		}
		gw, _ := e.svc.Products.ProductByName(ctx, "Nordlicht Gateway")
		o, _ := e.svc.Products.GetProduct(ctx, gw.ID)
		if o.Product.Classification == nil || o.Product.Scope == nil || len(o.Releases) != 1 || len(o.Releases[0].Components) != 1 {
			t.Fatalf("applied state: %+v", o)
		}
		// A change updates just that.
		d := doc()
		d.Products[0].Releases[0].Release.SupportEnd = cra.YearMonth{Year: 2032, Month: 2}
		res, _ = e.svc.Products.Apply(ctx, d)
		if got := changes(res); !strings.Contains(got, "release Nordlicht Gateway 1.0:updated") || !strings.Contains(got, "product Nordlicht Gateway:unchanged") {
			t.Fatalf("update: %s", got)
		}
		// Every problem is named by path and nothing is written.
		bad := doc()
		bad.Products[0].Product.Name = "Renamed"
		bad.Products[0].Releases[0].Release.SupportEnd = cra.YearMonth{Year: 2027, Month: 1}
		bad.Products[0].Releases[0].Components = []cra.ComponentName{{Product: "Nope", Version: "1"}}
		bad.Products[1].Classification = &cra.Classification{Category: "Z-1"}
		bad.Products[1].Releases = append(bad.Products[1].Releases, bad.Products[1].Releases[0])
		_, err = e.svc.Products.Apply(ctx, bad)
		f := cra.ErrorFields(err)
		for _, path := range []string{"products[0].releases[0].support_end", "products[0].releases[0].components[0]", "products[1].classification.category",
			"products[1].classification.rationale", "products[1].releases[1].version"} {
			if f[path] == "" {
				t.Errorf("no problem at %s: %v", path, f)
			}
		}
		if _, err := e.svc.Products.ProductByName(ctx, "Renamed"); code(err) != cra.ENOTFOUND {
			t.Fatalf("an invalid document was partly applied: %v", err)
		}
		// A cycle, new in the document or closing over stored composition,
		// is found before anything is written.
		cyc := cra.ApplyDocument{Products: []cra.ApplyProduct{
			{Product: cra.Product{Name: "A"}, Releases: []cra.ApplyRelease{{Release: cra.Release{Version: "1", Status: cra.ReleasePlanned}, Components: []cra.ComponentName{{Product: "B", Version: "1"}}}}},
			{Product: cra.Product{Name: "B"}, Releases: []cra.ApplyRelease{{Release: cra.Release{Version: "1", Status: cra.ReleasePlanned}, Components: []cra.ComponentName{{Product: "A", Version: "1"}}}}},
		}}
		if _, err := e.svc.Products.Apply(ctx, cyc); !strings.Contains(strings.Join(slices.Collect(maps.Values(cra.ErrorFields(err))), " "), "cycle") {
			t.Fatalf("cycle in the document: %v", cra.ErrorFields(err))
		}
		if _, err := e.svc.Products.ProductByName(ctx, "A"); code(err) != cra.ENOTFOUND {
			t.Fatalf("a document with a cycle was partly applied: %v", err)
		}
		// The gateway contains the library; making the library contain the
		// gateway closes a cycle over what is stored.
		back := doc()
		back.Products[1].Releases[0].Components = []cra.ComponentName{{Product: "Nordlicht Gateway", Version: "1.0"}}
		if _, err := e.svc.Products.Apply(ctx, back); cra.ErrorFields(err)["products[1].releases[0].components"] == "" {
			t.Fatalf("cycle over stored composition: %v", cra.ErrorFields(err))
		}
	})
}

func changes(r *cra.ApplyResult) string {
	var s []string
	for _, c := range r.Changes {
		s = append(s, c.Object+":"+c.Action)
	}
	return strings.Join(s, " ")
}
