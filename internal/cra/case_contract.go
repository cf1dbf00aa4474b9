package cra

import (
	"context"
	"time"
)

// ReportingProfile is what the organisation states for Art. 14 reporting:
// its size (shown beside the early-warning deadline, never used to relax
// it) and the facts that decide the CSIRT designated as coordinator
// (Art. 14(7)).
type ReportingProfile struct {
	Size      EnterpriseSize `json:"size"`
	Routing   RoutingFacts   `json:"routing"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// ReviewFilter selects reviews. Zero fields do not filter.
type ReviewFilter struct {
	ProductID int64
	OpenOnly  bool
}

// CaseFilter selects cases. Zero fields do not filter.
type CaseFilter struct {
	ProductID int64
	OpenOnly  bool // not closed and final report not submitted
}

// Receipt is the SRP's receipt of a submitted stage (screenshot or PDF),
// kept as evidence.
type Receipt struct {
	SHA256      string
	CaseID      int64
	Name        string
	ContentType string
	Size        int64
	UploadedBy  string
	UploadedAt  time.Time
}

// StageRevision is the frozen, hashed content of a submitted stage: an
// append-only record that nothing edits.
type StageRevision struct {
	CaseID      int64
	Stage       Stage
	Seq         int
	Revision    string // StageReport.Revision
	Content     []byte // the canonical JSON the revision hashes
	SubmittedAt time.Time
	SubmittedBy string
	SRPID       string
	Receipt     string // SHA-256 of the receipt, "" when none
	RecordedAt  time.Time
}

// UserNotice is the draft (then sent) notice to impacted users of a case
// (Art. 14(8)).
type UserNotice struct {
	ID        int64
	CaseID    int64
	Subject   string
	Body      string // plain text; the HTML export is rendered from it
	UpdatedBy string
	UpdatedAt time.Time
	SentAt    *time.Time
	SentBy    string
	Channel   string // how it was sent: "email", "website", "csaf", …
}

// Reminder is one notification cyra sends about a case or review: a review
// opened, a deadline approaching (Before > 0) or passed (overdue).
type Reminder struct {
	Key     string // unique per event, so a reminder is sent once
	Kind    string // "review_opened", "deadline", "overdue"
	CaseID  int64
	Review  int64
	Stage   Stage
	Due     *time.Time
	Before  time.Duration
	Subject string
	Text    string
}

// CaseStore persists Art. 14 cases, reviews, receipts, user notices, the
// reporting profile and the reminders sent.
type CaseStore interface {
	// CreateReviews inserts reviews that do not exist yet: one per
	// (release, vulnerability) ever. It returns those it created.
	CreateReviews(ctx context.Context, rs []Review, audit func(Review) AuditRecord) ([]Review, error)
	FindReviews(ctx context.Context, f ReviewFilter) ([]Review, error)
	FindReview(ctx context.Context, id int64) (*Review, error)
	// UpdateReview loads a review in a transaction, lets fn change it and
	// return the audit record, and writes it back.
	UpdateReview(ctx context.Context, id int64, fn func(r *Review) (AuditRecord, error)) (*Review, error)
	// CreateCase inserts c (its stages included) and sets its ID.
	CreateCase(ctx context.Context, c *Case, rec AuditRecord) error
	FindCases(ctx context.Context, f CaseFilter) ([]*Case, error)
	FindCase(ctx context.Context, id int64) (*Case, error)
	// UpdateCase loads a case in a transaction, lets fn change it and
	// return the audit record and the revisions it froze, and writes all
	// of it. The store refuses (ECONFLICT) a change to a stage that has a
	// stored revision.
	UpdateCase(ctx context.Context, id int64, fn func(c *Case) (AuditRecord, []StageRevision, error)) (*Case, error)
	// StageRevisions returns a case's frozen revisions in order.
	StageRevisions(ctx context.Context, caseID int64) ([]StageRevision, error)
	// SaveReceipt stores a receipt's content (once per SHA-256).
	SaveReceipt(ctx context.Context, r *Receipt, data []byte) error
	FindReceipt(ctx context.Context, sha string) (*Receipt, []byte, error)
	// SaveNotice creates or updates a case's user notice.
	SaveNotice(ctx context.Context, n *UserNotice, rec AuditRecord) error
	FindNotice(ctx context.Context, caseID int64) (*UserNotice, error)
	FindReportingProfile(ctx context.Context) (*ReportingProfile, error)
	SaveReportingProfile(ctx context.Context, p *ReportingProfile, rec AuditRecord) error
	// MarkReminder records that the reminder with this key was sent;
	// false when it already was.
	MarkReminder(ctx context.Context, key string, at time.Time) (bool, error)
}

// NewCase is a case opened by hand (or from a review's open_case
// decision, which fills ReviewID).
type NewCase struct {
	Kind         CaseKind  `json:"kind"`
	ProductID    int64     `json:"product_id"`
	ReleaseIDs   []int64   `json:"release_ids"`
	Title        string    `json:"title"`
	AwarenessAt  time.Time `json:"awareness_at"`
	MemberStates []string  `json:"member_states"`
	VulnID       string    `json:"vulnerability,omitempty"` // any alias, AEV
}

// SubmissionInput is what a person enters after submitting a stage on the
// SRP: when, the SRP's notification id, and the receipt.
type SubmissionInput struct {
	SubmittedAt time.Time
	SRPID       string
	ReceiptName string
	ReceiptType string
	Receipt     []byte
}

// CaseView is a case with what its pages show: deadlines, each stage's
// state and missing fields, the coordinator CSIRT and the SME note.
type CaseView struct {
	Case        *Case
	ProductName string
	Releases    []ReleaseRef
	Deadlines   DeadlineSet
	// States and Problems are per stage key ("early_warning",
	// "notification", "final_report", "intermediate-1", …).
	States   map[string]StageState
	Problems map[string][]FieldProblem
	// Coordinator is the Member State whose CSIRT coordinates (Art.
	// 14(7)) and the rule that chose it; CoordinatorError why it could
	// not be decided.
	Coordinator      string
	CoordinatorRule  string
	CoordinatorError string
	SMENote          string
	Model            FieldModel
	Revisions        []StageRevision
	Notice           *UserNotice
}

// Submitter records a stage's submission to the SRP. The SRP has no API
// (ENISA FAQ Q15): ManualSubmitter records what the person who submitted
// it through the SRP's web form entered; an API client would be one more
// implementation.
type Submitter interface {
	Name() string
	// Submit returns the submission to record for a stage whose content
	// is final.
	Submit(ctx context.Context, c *Case, r *StageReport, in SubmissionInput) (Submission, error)
}

// CaseService runs Art. 14 reporting: reviews opened from exploitation
// signals, cases with their stages and deadlines, filing, user notices and
// reminders.
type CaseService interface {
	Reviews(ctx context.Context, f ReviewFilter) ([]Review, error)
	Review(ctx context.Context, id int64) (*Review, error)
	// DecideReview records a review's decision; open_case opens an AEV case
	// with the decision time as proposed awareness time and returns it.
	DecideReview(ctx context.Context, id int64, d ReviewDecision, reason string) (*Review, *CaseView, error)
	Cases(ctx context.Context, f CaseFilter) ([]CaseView, error)
	Case(ctx context.Context, id int64) (*CaseView, error)
	OpenCase(ctx context.Context, n NewCase) (*CaseView, error)
	SetAwareness(ctx context.Context, id int64, at time.Time, reason string) (*CaseView, error)
	SetFixAvailable(ctx context.Context, id int64, at time.Time) (*CaseView, error)
	// SaveStage saves a stage's draft fields (a stage not started yet
	// starts from cyra's pre-fill and what the previous stage carries).
	SaveStage(ctx context.Context, id int64, stage Stage, seq int, fields map[string]string) (*CaseView, error)
	// StartStage returns the draft fields a stage would start from.
	StartStage(ctx context.Context, id int64, stage Stage, seq int) (map[string]string, error)
	MarkReady(ctx context.Context, id int64, stage Stage, seq int) (*CaseView, error)
	// SetRequestedDue records the date a CSIRT asked for an intermediate
	// report by (Art. 14(6)); the zero time clears it.
	SetRequestedDue(ctx context.Context, id int64, seq int, due time.Time) (*CaseView, error)
	SubmitStage(ctx context.Context, id int64, stage Stage, seq int, in SubmissionInput) (*CaseView, error)
	CloseCase(ctx context.Context, id int64, reason string) (*CaseView, error)
	Receipt(ctx context.Context, sha string) (*Receipt, []byte, error)
	SaveNotice(ctx context.Context, caseID int64, subject, body string) (*UserNotice, error)
	MarkNoticeSent(ctx context.Context, caseID int64, at time.Time, channel string) (*UserNotice, error)
	ReportingProfile(ctx context.Context) (*ReportingProfile, string, string, error)
	SaveReportingProfile(ctx context.Context, p ReportingProfile) (*ReportingProfile, error)
	// SendReminders sends the reminders due at now (cyra's scheduler
	// calls it every minute) and returns how many it sent.
	SendReminders(ctx context.Context) (int, error)
}

// Notifier delivers reminders (e-mail, webhook).
type Notifier interface {
	Notify(ctx context.Context, r Reminder) error
}
