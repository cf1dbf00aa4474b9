package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cyra/internal/cra"
)

// DefaultReceiptMaxSize bounds an uploaded SRP receipt (screenshot or PDF).
const DefaultReceiptMaxSize = 10 << 20

// CaseService implements cra.CaseService.
type CaseService struct {
	*deps
	mon       *monitor
	submitter cra.Submitter
	notifier  cra.Notifier
	offsets   []time.Duration
}

var _ cra.CaseService = (*CaseService)(nil)

// ManualSubmitter records what the person who filed a stage on the SRP's
// web form entered: the SRP has no API (ENISA FAQ Q15).
type ManualSubmitter struct{}

// Name implements cra.Submitter.
func (ManualSubmitter) Name() string { return "manual" }

// Submit implements cra.Submitter: the submission is what the person
// entered; the receipt's hash was computed when it was stored.
func (ManualSubmitter) Submit(ctx context.Context, c *cra.Case, r *cra.StageReport, in cra.SubmissionInput) (cra.Submission, error) {
	sub := cra.Submission{SubmittedAt: in.SubmittedAt, By: decider(cra.ActorFrom(ctx)), SRPID: in.SRPID}
	if len(in.Receipt) > 0 {
		sum := sha256.Sum256(in.Receipt)
		sub.ReceiptSHA256 = hex.EncodeToString(sum[:])
	}
	return sub, nil
}

// Reviews lists reportability reviews.
func (s *CaseService) Reviews(ctx context.Context, f cra.ReviewFilter) ([]cra.Review, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	return s.store.FindReviews(ctx, f)
}

// Review returns one review.
func (s *CaseService) Review(ctx context.Context, id int64) (*cra.Review, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	return s.store.FindReview(ctx, id)
}

// DecideReview records a review's decision; open_case opens an AEV case
// whose proposed awareness time is the decision's time.
func (s *CaseService) DecideReview(ctx context.Context, id int64, d cra.ReviewDecision, reason string) (*cra.Review, *cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return nil, nil, err
	}
	r, err := s.store.FindReview(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	actor := cra.ActorFrom(ctx)
	by := decider(actor)
	// The decision is recorded first, in its own transaction that re-reads
	// the review: of two people deciding at once, one wins and the other
	// is told, before any case exists.
	decided, err := s.store.UpdateReview(ctx, id, func(r *cra.Review) (cra.AuditRecord, error) {
		if err := r.Decide(d, reason, by, now); err != nil {
			return cra.AuditRecord{}, err
		}
		after := map[string]any{"decision": string(d), "vulnerability": r.VulnKey}
		if reason != "" {
			after["reason"] = reason
		}
		return s.record(actor, "review.decide", "review", itoa(r.ID), nil, after), nil
	})
	if err != nil {
		return nil, nil, err
	}
	if d != cra.ReviewOpenCase {
		return decided, nil, nil
	}
	p, err := s.store.FindProductByID(ctx, r.ProductID)
	if err != nil {
		return nil, nil, err
	}
	view, err := s.openCase(ctx, cra.NewCase{Kind: cra.CaseAEV, ProductID: r.ProductID, ReleaseIDs: []int64{r.ReleaseID},
		Title: r.VulnKey + " actively exploited in " + p.Name, AwarenessAt: now, MemberStates: p.MemberStates, VulnID: r.VulnKey}, r.ID, r)
	if err != nil {
		// The decision stands; a case can still be opened by hand.
		return decided, nil, err
	}
	decided, err = s.store.UpdateReview(ctx, id, func(r *cra.Review) (cra.AuditRecord, error) {
		r.CaseID = view.Case.ID
		return s.record(actor, "review.case", "review", itoa(r.ID), nil, map[string]any{"case": view.Case.ID}), nil
	})
	if err != nil {
		return nil, nil, err
	}
	return decided, view, nil
}

// Cases lists cases with their deadlines.
func (s *CaseService) Cases(ctx context.Context, f cra.CaseFilter) ([]cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	cs, err := s.store.FindCases(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]cra.CaseView, 0, len(cs))
	for _, c := range cs {
		v, err := s.view(ctx, c, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// Case returns one case with everything its page shows.
func (s *CaseService) Case(ctx context.Context, id int64) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	c, err := s.store.FindCase(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c, true)
}

// OpenCase opens a case by hand.
func (s *CaseService) OpenCase(ctx context.Context, n cra.NewCase) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return nil, err
	}
	return s.openCase(ctx, n, 0, nil)
}

// openCase creates a case and its early-warning draft, pre-filled from
// what cyra knows.
func (s *CaseService) openCase(ctx context.Context, n cra.NewCase, reviewID int64, from *cra.Review) (*cra.CaseView, error) {
	now := s.now()
	by := decider(cra.ActorFrom(ctx))
	c := &cra.Case{Kind: n.Kind, ProductID: n.ProductID, ReleaseIDs: slices.Clone(n.ReleaseIDs), Title: n.Title,
		AwarenessAt: n.AwarenessAt.UTC().Truncate(time.Second), MemberStates: n.MemberStates, ReviewID: reviewID, CreatedBy: by, CreatedAt: now, UpdatedAt: now}
	fields := map[string]string{}
	if n.ProductID <= 0 {
		fields["product_id"] = "Choose the product concerned."
	}
	var p *cra.Product
	if n.ProductID > 0 {
		var err error
		if p, err = s.store.FindProductByID(ctx, n.ProductID); err != nil {
			if cra.ErrorCode(err) == cra.ENOTFOUND {
				fields["product_id"] = "No such product."
			} else {
				return nil, err
			}
		}
	}
	var rels []*cra.Release
	for _, id := range n.ReleaseIDs {
		r, err := s.store.FindReleaseByID(ctx, id)
		if err != nil || p == nil || r.ProductID != p.ID {
			fields["release_ids"] = fmt.Sprintf("Release %d is not a release of this product.", id)
			continue
		}
		rels = append(rels, r)
	}
	var vuln *cra.Vulnerability
	if id := strings.TrimSpace(n.VulnID); id != "" {
		v, err := s.store.FindVulnerability(ctx, id)
		switch {
		case err == nil:
			vuln, c.VulnID, c.VulnKey = v, v.ID, v.Key
		case cra.ErrorCode(err) == cra.ENOTFOUND:
			c.VulnKey = cra.NormalizeVulnID(id) // a zero-day cyra does not know yet
		default:
			return nil, err
		}
	}
	if p != nil && len(c.MemberStates) == 0 {
		c.MemberStates = slices.Clone(p.MemberStates)
	}
	if len(fields) > 0 {
		return nil, cra.Invalid(fields)
	}
	c.Normalize()
	if err := c.Validate(now); err != nil {
		return nil, err
	}
	var finding *cra.Finding
	if from != nil && from.FindingID > 0 {
		finding, _ = s.store.FindFinding(ctx, from.FindingID)
	}
	org, err := s.store.FindOrganisation(ctx)
	if err != nil && cra.ErrorCode(err) != cra.ENOTFOUND {
		return nil, err
	}
	draft := cra.PrefillFields(cra.PrefillInput{Kind: c.Kind, Title: c.Title, Organisation: org, Product: p, Releases: rels,
		Vuln: vuln, Finding: finding, AwarenessAt: c.AwarenessAt, MemberStates: c.MemberStates, Now: now})
	if _, err := c.SaveDraft(cra.StageEarlyWarning, 0, draft, by, now); err != nil {
		return nil, err
	}
	rec := s.record(cra.ActorFrom(ctx), "case.open", "case", "", nil, map[string]any{"kind": string(c.Kind), "product": p.Name,
		"title": c.Title, "awareness_at": c.AwarenessAt.Format(time.RFC3339), "review": reviewID, "vulnerability": c.VulnKey})
	if err := s.store.CreateCase(ctx, c, rec); err != nil {
		return nil, err
	}
	return s.view(ctx, c, true)
}

// update changes a case through fn in one store transaction and returns
// its view; fn returns the audit action and details.
func (s *CaseService) update(ctx context.Context, id int64, fn func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error)) (*cra.CaseView, error) {
	actor := cra.ActorFrom(ctx)
	now, by := s.now(), decider(actor)
	c, err := s.store.UpdateCase(ctx, id, func(c *cra.Case) (cra.AuditRecord, []cra.StageRevision, error) {
		action, after, revs, err := fn(c, now, by)
		if err != nil {
			return cra.AuditRecord{}, nil, err
		}
		after["case"] = c.Title
		return s.record(actor, action, "case", itoa(c.ID), nil, after), revs, nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c, true)
}

// SetAwareness corrects the awareness time, with a reason.
func (s *CaseService) SetAwareness(ctx context.Context, id int64, at time.Time, reason string) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		if c.Closed() {
			return "", nil, nil, cra.Invalid(map[string]string{"awareness_at": "The case is closed; its deadlines no longer move."})
		}
		from := c.AwarenessAt
		if err := c.SetAwareness(at.Truncate(time.Second), reason, by, now); err != nil {
			return "", nil, nil, err
		}
		// Drafts state the awareness time too (v26, i37): keep them in
		// step, so that they still agree with the case.
		for i := range c.Stages {
			r := &c.Stages[i]
			if r.Submitted() {
				continue
			}
			for _, id := range []string{"v26", "i37"} {
				if _, ok := r.Fields[id]; ok {
					r.Fields[id] = c.AwarenessAt.UTC().Format(time.RFC3339)
				}
			}
		}
		return "case.awareness", map[string]any{"from": from.Format(time.RFC3339), "to": c.AwarenessAt.Format(time.RFC3339), "reason": reason}, nil, nil
	})
}

// SetFixAvailable records when a corrective or mitigating measure became
// available, which starts the AEV final report's clock.
//
// Whoever drafts the reports (findings:triage) may record it: it is a fact
// of the product's engineering, like a draft's content, whereas the
// awareness time is the manufacturer's statement to the CSIRT.
func (s *CaseService) SetFixAvailable(ctx context.Context, id int64, at time.Time) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermTriage); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		if c.Kind != cra.CaseAEV {
			return "", nil, nil, cra.Invalid(map[string]string{"fix_available_at": "Only a vulnerability case has a fix time; an incident's final report runs from its notification."})
		}
		if c.Closed() {
			return "", nil, nil, cra.Invalid(map[string]string{"fix_available_at": "The case is closed."})
		}
		at = at.UTC()
		if at.IsZero() || at.After(now) {
			return "", nil, nil, cra.Invalid(map[string]string{"fix_available_at": "Say when the fix or mitigation became available (not in the future)."})
		}
		c.FixAvailableAt, c.UpdatedAt = &at, now
		if err := c.Validate(now); err != nil {
			return "", nil, nil, err
		}
		return "case.fix_available", map[string]any{"fix_available_at": at.Format(time.RFC3339)}, nil, nil
	})
}

// StartStage returns the fields a stage holds, or would start from: the
// previous stage's carried fields over cyra's pre-fill.
func (s *CaseService) StartStage(ctx context.Context, id int64, stage cra.Stage, seq int) (map[string]string, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	c, err := s.store.FindCase(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.startFields(ctx, c, stage, seq)
}

func (s *CaseService) startFields(ctx context.Context, c *cra.Case, stage cra.Stage, seq int) (map[string]string, error) {
	if !slices.Contains(cra.Stages, stage) {
		return nil, cra.Invalid(map[string]string{"stage": "Use early_warning, notification, intermediate or final_report."})
	}
	if r := c.Report(stage, seq); r != nil {
		return maps.Clone(r.Fields), nil
	}
	p, err := s.store.FindProductByID(ctx, c.ProductID)
	if err != nil {
		return nil, err
	}
	var rels []*cra.Release
	for _, id := range c.ReleaseIDs {
		if r, err := s.store.FindReleaseByID(ctx, id); err == nil {
			rels = append(rels, r)
		}
	}
	var vuln *cra.Vulnerability
	if c.VulnKey != "" {
		vuln, _ = s.store.FindVulnerability(ctx, c.VulnKey)
	}
	org, err := s.store.FindOrganisation(ctx)
	if err != nil && cra.ErrorCode(err) != cra.ENOTFOUND {
		return nil, err
	}
	out := cra.PrefillFields(cra.PrefillInput{Kind: c.Kind, Title: c.Title, Organisation: org, Product: p, Releases: rels, Vuln: vuln,
		AwarenessAt: c.AwarenessAt, FixAvailableAt: c.FixAvailableAt, MemberStates: c.MemberStates, Now: s.now()})
	// The latest report before this stage carries its fields forward.
	var prev *cra.StageReport
	for i := range c.Stages {
		r := &c.Stages[i]
		if stageOrder(r.Stage) < stageOrder(stage) && (prev == nil || stageOrder(r.Stage) > stageOrder(prev.Stage) ||
			(r.Stage == prev.Stage && r.Seq > prev.Seq)) {
			prev = r
		}
	}
	if prev != nil {
		maps.Copy(out, cra.CurrentFieldModel().CarryForward(c.Kind, prev.Stage, stage, prev.Fields))
	}
	return out, nil
}

// stageOrder orders stages as they are submitted.
func stageOrder(s cra.Stage) int { return slices.Index(cra.Stages, s) }

// SaveStage saves a stage's draft.
func (s *CaseService) SaveStage(ctx context.Context, id int64, stage cra.Stage, seq int, fields map[string]string) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermTriage); err != nil {
		return nil, err
	}
	c, err := s.store.FindCase(ctx, id)
	if err != nil {
		return nil, err
	}
	start, err := s.startFields(ctx, c, stage, seq)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		// The fields are merged into the report as it is inside the
		// transaction, so that two people saving different fields at once
		// both keep theirs; a stage not started yet starts from the
		// pre-fill.
		base := start
		if r := c.Report(stage, seq); r != nil {
			base = maps.Clone(r.Fields)
		}
		if base == nil {
			base = map[string]string{}
		}
		maps.Copy(base, fields)
		r, err := c.SaveDraft(stage, seq, base, by, now)
		if err != nil {
			return "", nil, nil, err
		}
		return "case.stage_draft", map[string]any{"stage": string(stage), "seq": r.Seq, "fields": len(r.Fields)}, nil, nil
	})
}

// MarkReady marks a stage's draft complete.
func (s *CaseService) MarkReady(ctx context.Context, id int64, stage cra.Stage, seq int) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermTriage); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		if err := c.MarkReady(stage, seq, by, now); err != nil {
			return "", nil, nil, err
		}
		return "case.stage_ready", map[string]any{"stage": string(stage), "seq": seq}, nil, nil
	})
}

// SetRequestedDue records when the CSIRT asked for an intermediate report.
func (s *CaseService) SetRequestedDue(ctx context.Context, id int64, seq int, due time.Time) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermTriage); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		r := c.Report(cra.StageIntermediate, seq)
		switch {
		case r == nil:
			return "", nil, nil, cra.Invalid(map[string]string{"requested_due_at": "Save intermediate report " + strconv.Itoa(seq) + " before giving its due date."})
		case r.Submitted():
			return "", nil, nil, cra.Invalid(map[string]string{"requested_due_at": "The report was submitted; its due date no longer matters."})
		}
		after := map[string]any{"seq": seq}
		if due.IsZero() {
			r.RequestedDueAt = nil
			after["requested_due_at"] = nil
		} else {
			due = due.UTC().Truncate(time.Second)
			if due.Before(c.AwarenessAt) {
				return "", nil, nil, cra.Invalid(map[string]string{"requested_due_at": "A CSIRT cannot ask for a report before the manufacturer became aware."})
			}
			r.RequestedDueAt = &due
			after["requested_due_at"] = due.Format(time.RFC3339)
		}
		c.UpdatedAt = now
		return "case.intermediate_due", after, nil, nil
	})
}

// SubmitStage records a stage's submission on the SRP and freezes it.
func (s *CaseService) SubmitStage(ctx context.Context, id int64, stage cra.Stage, seq int, in cra.SubmissionInput) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return nil, err
	}
	if len(in.Receipt) > DefaultReceiptMaxSize {
		return nil, cra.Errorf(cra.ETOOLARGE, "The receipt is larger than the %d-byte limit.", DefaultReceiptMaxSize)
	}
	name := strings.TrimSpace(in.ReceiptName)
	if name == "" || strings.ContainsAny(name, "/\\\x00") || utf8.RuneCountInString(name) > 255 {
		name = "receipt"
	}
	c, err := s.store.FindCase(ctx, id)
	if err != nil {
		return nil, err
	}
	r := c.Report(stage, seq)
	if r == nil {
		return nil, cra.Invalid(map[string]string{"stage": "This stage has no report to submit yet."})
	}
	sub, err := s.submitter.Submit(ctx, c, r, in)
	if err != nil {
		return nil, err
	}
	// Check before storing the receipt, so a refused submission stores
	// nothing.
	check := *c
	check.Stages = slices.Clone(c.Stages)
	if err := check.Submit(stage, seq, sub, s.now()); err != nil {
		return nil, err
	}
	if sub.ReceiptSHA256 != "" {
		rec := &cra.Receipt{SHA256: sub.ReceiptSHA256, CaseID: id, Name: name, ContentType: in.ReceiptType, Size: int64(len(in.Receipt)),
			UploadedBy: sub.By, UploadedAt: s.now()}
		if err := s.store.SaveReceipt(ctx, rec, in.Receipt); err != nil {
			return nil, err
		}
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		if err := c.Submit(stage, seq, sub, now); err != nil {
			return "", nil, nil, err
		}
		r := c.Report(stage, seq)
		rev := cra.StageRevision{CaseID: c.ID, Stage: stage, Seq: r.Seq, Revision: r.Revision, Content: r.CanonicalContent(c.Kind),
			SubmittedAt: *r.SubmittedAt, SubmittedBy: r.SubmittedBy, SRPID: r.SRPID, Receipt: r.ReceiptSHA256, RecordedAt: now}
		return "case.stage_submit", map[string]any{"stage": string(stage), "seq": r.Seq, "submitted_at": r.SubmittedAt.Format(time.RFC3339),
			"srp_id": r.SRPID, "revision": r.Revision, "receipt_sha256": r.ReceiptSHA256, "submitter": s.submitter.Name()}, []cra.StageRevision{rev}, nil
	})
}

// CloseCase closes a case.
func (s *CaseService) CloseCase(ctx context.Context, id int64, reason string) (*cra.CaseView, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(c *cra.Case, now time.Time, by string) (string, map[string]any, []cra.StageRevision, error) {
		if err := c.Close(reason, by, now); err != nil {
			return "", nil, nil, err
		}
		return "case.close", map[string]any{"reason": reason}, nil, nil
	})
}

// Receipt returns a stored receipt.
func (s *CaseService) Receipt(ctx context.Context, sha string) (*cra.Receipt, []byte, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, nil, err
	}
	return s.store.FindReceipt(ctx, strings.ToLower(strings.TrimSpace(sha)))
}

// SaveNotice saves the draft notice to impacted users (Art. 14(8)).
func (s *CaseService) SaveNotice(ctx context.Context, caseID int64, subject, body string) (*cra.UserNotice, error) {
	if err := cra.Authorize(ctx, cra.PermTriage); err != nil {
		return nil, err
	}
	if _, err := s.store.FindCase(ctx, caseID); err != nil {
		return nil, err
	}
	subject, body = strings.TrimSpace(subject), strings.TrimSpace(body)
	f := map[string]string{}
	switch {
	case subject == "":
		f["subject"] = "Give the notice a subject."
	case utf8.RuneCountInString(subject) > 255:
		f["subject"] = "Must be at most 255 characters."
	}
	switch {
	case body == "":
		f["body"] = "Say which releases are affected, what users should do and which corrective measures exist."
	case utf8.RuneCountInString(body) > 20000:
		f["body"] = "Must be at most 20000 characters."
	}
	if err := cra.Invalid(f); err != nil {
		return nil, err
	}
	n, err := s.store.FindNotice(ctx, caseID)
	switch {
	case err == nil:
		if n.SentAt != nil {
			return nil, cra.Invalid(map[string]string{"body": "The notice was sent; it is kept as sent."})
		}
	case cra.ErrorCode(err) == cra.ENOTFOUND:
		n = &cra.UserNotice{CaseID: caseID}
	default:
		return nil, err
	}
	actor := cra.ActorFrom(ctx)
	n.Subject, n.Body, n.UpdatedBy, n.UpdatedAt = subject, body, decider(actor), s.now()
	rec := s.record(actor, "case.notice_draft", "case", itoa(caseID), nil, map[string]any{"subject": subject})
	if err := s.store.SaveNotice(ctx, n, rec); err != nil {
		return nil, err
	}
	return n, nil
}

// MarkNoticeSent records when and how the notice reached users.
func (s *CaseService) MarkNoticeSent(ctx context.Context, caseID int64, at time.Time, channel string) (*cra.UserNotice, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return nil, err
	}
	n, err := s.store.FindNotice(ctx, caseID)
	if err != nil {
		if cra.ErrorCode(err) == cra.ENOTFOUND {
			return nil, cra.Invalid(map[string]string{"body": "Draft the notice before recording that it was sent."})
		}
		return nil, err
	}
	now := s.now()
	channel = strings.TrimSpace(channel)
	f := map[string]string{}
	if n.SentAt != nil {
		f["sent_at"] = "The notice was already recorded as sent."
	}
	if at.IsZero() || at.After(now) {
		f["sent_at"] = "Say when the notice was sent (not in the future)."
	}
	if channel == "" || utf8.RuneCountInString(channel) > 100 {
		f["channel"] = "Say how it was sent (e-mail, website, CSAF advisory, …), at most 100 characters."
	}
	if err := cra.Invalid(f); err != nil {
		return nil, err
	}
	actor := cra.ActorFrom(ctx)
	at = at.UTC()
	n.SentAt, n.SentBy, n.Channel = &at, decider(actor), channel
	rec := s.record(actor, "case.notice_sent", "case", itoa(caseID), nil, map[string]any{"sent_at": at.Format(time.RFC3339), "channel": channel})
	if err := s.store.SaveNotice(ctx, n, rec); err != nil {
		return nil, err
	}
	return n, nil
}

// ReportingProfile returns the organisation's reporting profile with the
// coordinator it routes to and the rule applied (or why it cannot).
func (s *CaseService) ReportingProfile(ctx context.Context) (*cra.ReportingProfile, string, string, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, "", "", err
	}
	p, err := s.profile(ctx)
	if err != nil {
		return nil, "", "", err
	}
	state, rule, rerr := cra.CoordinatorMemberState(p.Routing)
	if rerr != nil {
		return p, "", errorText(rerr), nil
	}
	return p, state, rule, nil
}

// profile returns the stored profile, or one whose main establishment is
// the organisation's Member State.
func (s *CaseService) profile(ctx context.Context) (*cra.ReportingProfile, error) {
	p, err := s.store.FindReportingProfile(ctx)
	if err == nil {
		return p, nil
	}
	if cra.ErrorCode(err) != cra.ENOTFOUND {
		return nil, err
	}
	org, err := s.store.FindOrganisation(ctx)
	if err != nil && cra.ErrorCode(err) != cra.ENOTFOUND {
		return nil, err
	}
	return &cra.ReportingProfile{Routing: cra.RoutingFactsFor(org)}, nil
}

// SaveReportingProfile saves the size and routing facts.
func (s *CaseService) SaveReportingProfile(ctx context.Context, p cra.ReportingProfile) (*cra.ReportingProfile, error) {
	if err := cra.Authorize(ctx, cra.PermOrgWrite); err != nil {
		return nil, err
	}
	switch p.Size {
	case "", cra.SizeMicro, cra.SizeSmall, cra.SizeMedium, cra.SizeLarge:
	default:
		return nil, cra.Invalid(map[string]string{"size": "Use micro, small, medium or large."})
	}
	if _, _, err := cra.CoordinatorMemberState(p.Routing); err != nil && cra.ErrorCode(err) == cra.EINVALID && len(cra.ErrorFields(err)) > 0 {
		return nil, err
	}
	p.UpdatedAt = s.now()
	actor := cra.ActorFrom(ctx)
	rec := s.record(actor, "organisation.reporting_profile", "organisation", "", nil, map[string]any{"size": string(p.Size),
		"main_establishment": p.Routing.MainEstablishment})
	if err := s.store.SaveReportingProfile(ctx, &p, rec); err != nil {
		return nil, err
	}
	return &p, nil
}

// view builds a case's view; full adds what only its own page shows.
func (s *CaseService) view(ctx context.Context, c *cra.Case, full bool) (*cra.CaseView, error) {
	now := s.now()
	v := &cra.CaseView{Case: c, Deadlines: c.Deadlines(), States: map[string]cra.StageState{}, Problems: map[string][]cra.FieldProblem{},
		Model: cra.CurrentFieldModel()}
	if p, err := s.store.FindProductByID(ctx, c.ProductID); err == nil {
		v.ProductName = p.Name
	}
	for _, st := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification, cra.StageFinalReport} {
		v.States[string(st)] = c.StateOf(st, 0, now)
	}
	for _, r := range c.Stages {
		key := stageKey(r.Stage, r.Seq)
		v.States[key] = c.StateOf(r.Stage, r.Seq, now)
		if !r.Submitted() {
			m := v.Model
			if mm, ok := cra.LookupFieldModel(r.ModelVersion); ok {
				m = mm
			}
			if probs := m.CheckStage(c.Kind, r.Stage, r.Fields); len(probs) > 0 {
				v.Problems[key] = probs
			}
		}
	}
	if !full {
		return v, nil
	}
	for _, id := range c.ReleaseIDs {
		if r, err := s.store.FindReleaseByID(ctx, id); err == nil {
			v.Releases = append(v.Releases, cra.ReleaseRef{ReleaseID: r.ID, ProductID: r.ProductID, ProductName: r.ProductName, Version: r.Version})
		}
	}
	prof, err := s.profile(ctx)
	if err != nil {
		return nil, err
	}
	v.SMENote = cra.SMEFineNote(prof.Size)
	if state, rule, err := cra.CoordinatorMemberState(prof.Routing); err != nil {
		v.CoordinatorError = errorText(err)
	} else {
		v.Coordinator, v.CoordinatorRule = state, rule
	}
	if v.Revisions, err = s.store.StageRevisions(ctx, c.ID); err != nil {
		return nil, err
	}
	switch n, err := s.store.FindNotice(ctx, c.ID); {
	case err == nil:
		v.Notice = n
	case cra.ErrorCode(err) != cra.ENOTFOUND:
		return nil, err
	}
	return v, nil
}

// stageKey names a stage report: the stage, "-seq" for intermediates.
func stageKey(st cra.Stage, seq int) string {
	if st == cra.StageIntermediate {
		return fmt.Sprintf("%s-%d", st, seq)
	}
	return string(st)
}

// openReviews opens a reportability review for every open finding of the
// given vulnerabilities (display ids) that needs one: its vulnerability is KEV-listed or EUVD-exploited, its
// release is on the market and within support, and its triage does not
// close it. A (release, vulnerability) gets one review ever. New reviews
// are announced at once.
func (s *CaseService) openReviews(ctx context.Context, vulnKeys []string) {
	now := s.now()
	var rs []cra.Review
	for _, key := range vulnKeys {
		for off := 0; ; off += 500 {
			fs, total, err := s.store.FindFindings(ctx, cra.FindingFilter{Vuln: key, Exploited: true, OnMarket: now, Limit: 500, Offset: off,
				Statuses: []cra.TriageStatus{cra.StatusUntriaged, cra.StatusUnderInvestigation, cra.StatusAffected}})
			if err != nil {
				s.logger.Error("reportability reviews not opened", "err", err)
				return
			}
			for i := range fs {
				if r, ok := cra.ReviewFromFinding(&fs[i], now); ok {
					rs = append(rs, *r)
				}
			}
			if off+500 >= total {
				break
			}
		}
	}
	if len(rs) == 0 {
		return
	}
	actor := cra.SystemActor("monitor")
	created, err := s.store.CreateReviews(ctx, rs, func(r cra.Review) cra.AuditRecord {
		return s.record(actor, "review.open", "review", "", nil, map[string]any{"vulnerability": r.VulnKey, "release": r.ReleaseID,
			"signal": string(r.Signal), "signal_at": r.SignalAt.Format(time.RFC3339)})
	})
	if err != nil {
		s.logger.Error("reportability reviews not opened", "err", err)
		return
	}
	if len(created) > 0 {
		if _, err := s.sendReminders(ctx); err != nil {
			s.logger.Error("review reminders not sent", "err", err)
		}
	}
}

// SendReminders sends the reminders that are due.
func (s *CaseService) SendReminders(ctx context.Context) (int, error) {
	if err := cra.Authorize(ctx, cra.PermReportsSubmit); err != nil {
		return 0, err
	}
	return s.sendReminders(ctx)
}

func (s *CaseService) sendReminders(ctx context.Context) (int, error) {
	if s.notifier == nil {
		return 0, nil
	}
	cases, err := s.store.FindCases(ctx, cra.CaseFilter{OpenOnly: true})
	if err != nil {
		return 0, err
	}
	reviews, err := s.store.FindReviews(ctx, cra.ReviewFilter{OpenOnly: true})
	if err != nil {
		return 0, err
	}
	now := s.now()
	sent := 0
	for _, r := range cra.DueReminders(cases, reviews, s.offsets, now) {
		// Claiming the key first means one replica sends each reminder;
		// a failed delivery is logged, not retried.
		first, err := s.store.MarkReminder(ctx, r.Key, now)
		if err != nil {
			return sent, err
		}
		if !first {
			continue
		}
		if err := s.notifier.Notify(ctx, r); err != nil {
			s.logger.Error("reminder not delivered", "key", r.Key, "err", err)
			continue
		}
		sent++
	}
	return sent, nil
}

// errorText is an error's message followed by what it says of each
// field, sorted, for a page that shows it as one sentence.
func errorText(err error) string {
	fields := cra.ErrorFields(err)
	if len(fields) == 0 {
		return cra.ErrorMessage(err)
	}
	parts := make([]string, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		parts = append(parts, fields[k])
	}
	return strings.Join(parts, " ")
}
