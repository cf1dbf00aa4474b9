package cra

import (
	"context"
	"crypto/ed25519"
	"io"
	"time"
)

// The service interfaces are the use cases of cyra. package service
// implements them (authorization lives there); the api, ui and cli packages
// call them.

// ClientInfo describes the client of a request, for throttling and audit.
type ClientInfo struct {
	IP        string
	UserAgent string
}

// SetupForm is what the first-run setup page submits.
type SetupForm struct {
	Token        string
	Organisation Organisation
	Admin        NewUser
}

// AuthService signs people in and resolves credentials to actors.
type AuthService interface {
	// SetupRequired reports whether no user exists yet.
	SetupRequired(ctx context.Context) (bool, error)
	// IssueSetupToken creates a new one-time setup token, invalidating
	// earlier ones. It fails with ECONFLICT once a user exists.
	IssueSetupToken(ctx context.Context) (secret string, expiresAt time.Time, err error)
	// CheckSetupToken returns nil if the token can still complete setup.
	CheckSetupToken(ctx context.Context, secret string) error
	// CompleteSetup creates the organisation and first administrator and
	// signs them in, returning the new session's secret.
	CompleteSetup(ctx context.Context, f SetupForm, c ClientInfo) (*User, string, error)
	// Login checks a password and returns a new session's secret.
	Login(ctx context.Context, email, password string, c ClientInfo) (*User, string, error)
	// Logout ends the session with this secret.
	Logout(ctx context.Context, sessionSecret string) error
	// AuthenticateSession resolves a session cookie.
	AuthenticateSession(ctx context.Context, secret string) (*Actor, error)
	// AuthenticateToken resolves an API token.
	AuthenticateToken(ctx context.Context, secret string) (*Actor, error)
	// ChangePassword changes the caller's password and ends their other sessions.
	ChangePassword(ctx context.Context, current, next string) error
	// PurgeSessions deletes ended sessions (cyra itself calls it).
	PurgeSessions(ctx context.Context) (int64, error)
}

// UserService manages accounts.
type UserService interface {
	Me(ctx context.Context) (*User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]*User, error)
	GetUser(ctx context.Context, id int64) (*User, error)
	CreateUser(ctx context.Context, n NewUser) (*User, error)
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// SetPassword sets another person's password (an administrator's
	// reset, or the offline CLI's recovery) and ends all their sessions.
	SetPassword(ctx context.Context, id int64, password string) error
}

// TokenService manages API tokens.
type TokenService interface {
	// ListTokens lists the caller's tokens, or everyone's when all is set
	// (which needs PermTokensService).
	ListTokens(ctx context.Context, all bool) ([]*APIToken, error)
	CreateToken(ctx context.Context, n NewToken) (*CreatedToken, error)
	RevokeToken(ctx context.Context, id int64) error
}

// OrganisationService reads and changes the organisation.
type OrganisationService interface {
	GetOrganisation(ctx context.Context) (*Organisation, error)
	UpdateOrganisation(ctx context.Context, o Organisation) (*Organisation, error)
}

// AuditService reads and verifies the audit log.
type AuditService interface {
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	VerifyAudit(ctx context.Context) (*AuditVerification, error)
}

// ProductOverview is a product with what its pages show about it.
type ProductOverview struct {
	Product  *Product
	Releases []*Release
	// Category and Routes describe the classification (nil when none).
	Category   *Category
	Routes     []ConformityRoute
	Readiness  Readiness
	LatestRisk *RiskAssessment
	Warnings   []string
}

// Portfolio is every product with the portfolio's readiness and calendar.
type Portfolio struct {
	Products  []ProductOverview
	Readiness Readiness
	Calendar  []CalendarEvent
}

// ProductService manages products, their classification and releases.
type ProductService interface {
	Portfolio(ctx context.Context) (*Portfolio, error)
	GetProduct(ctx context.Context, id int64) (*ProductOverview, error)
	ProductByName(ctx context.Context, name string) (*Product, error)
	CreateProduct(ctx context.Context, p Product) (*Product, error)
	// UpdateProduct replaces the product's descriptive fields (not its
	// decisions); a change to what a decision rests on marks it for review.
	UpdateProduct(ctx context.Context, id int64, p Product) (*Product, error)
	DecideScope(ctx context.Context, id int64, answers ScopeAnswers) (*Product, error)
	Classify(ctx context.Context, id int64, c Classification) (*Product, error)
	ListReleases(ctx context.Context, productID int64) ([]*Release, error)
	GetRelease(ctx context.Context, id int64) (*Release, error)
	// CreateRelease adds a version; r.Components name component releases
	// by ReleaseID.
	CreateRelease(ctx context.Context, productID int64, r Release) (*Release, error)
	UpdateRelease(ctx context.Context, id int64, r Release) (*Release, error)
	// Apply makes the products and releases match a document. Every
	// problem in the document is reported (fields keyed by their path, such
	// as products[0].releases[1].support_end) before anything is written.
	Apply(ctx context.Context, doc ApplyDocument) (*ApplyResult, error)
}

// MatrixView is a product's or release's effective Annex I matrix.
type MatrixView struct {
	ProductID int64
	ReleaseID int64
	Rows      []MatrixEntry
	// Overridden marks requirements a release states itself.
	Overridden map[string]bool
	Readiness  Readiness
}

// ComplianceService manages the Annex I matrix, evidence and risk
// assessments.
type ComplianceService interface {
	Matrix(ctx context.Context, productID, releaseID int64) (*MatrixView, error)
	SetRequirement(ctx context.Context, productID, releaseID int64, s RequirementState) (*MatrixEntry, error)
	ClearOverride(ctx context.Context, releaseID int64, requirementID string) error
	AddEvidence(ctx context.Context, productID int64, n NewEvidence) (*Evidence, error)
	Evidence(ctx context.Context, id int64) (*Evidence, error)
	EvidenceFile(ctx context.Context, id int64) (*Evidence, []byte, error)
	DeleteEvidence(ctx context.Context, id int64) error
	SaveRiskAssessment(ctx context.Context, productID int64, ra RiskAssessment) (*RiskAssessment, error)
	RiskAssessments(ctx context.Context, productID int64) ([]*RiskAssessment, error)
}

// SBOMService imports, reads, exports and compares SBOMs.
type SBOMService interface {
	// ImportSBOM parses an SBOM (format "" autodetects) and makes its
	// components the release's components, keeping the document.
	ImportSBOM(ctx context.Context, releaseID int64, fileName string, data []byte, format SBOMFormat) (*SBOMImport, error)
	// SBOMs returns a release's SBOMs, newest (current) first.
	SBOMs(ctx context.Context, releaseID int64) ([]*SBOMRecord, error)
	// SBOMDocument returns an SBOM's record and original document.
	SBOMDocument(ctx context.Context, sbomID int64) (*SBOMRecord, []byte, error)
	Components(ctx context.Context, f ComponentFilter) ([]StoredComponent, int, error)
	// ExportSBOM writes a release's current components as CycloneDX 1.6
	// JSON or SPDX 2.3 JSON.
	ExportSBOM(ctx context.Context, releaseID int64, format SBOMFormat, w io.Writer) error
	// DiffReleases compares the components of two releases of a product.
	DiffReleases(ctx context.Context, fromID, toID int64) (*ReleaseDiff, error)
	// SearchComponents finds the releases containing a package, given as a
	// purl with or without version (version, if set, overrides it).
	SearchComponents(ctx context.Context, purl, version string) ([]ComponentHit, error)
}

// FeedRun is the outcome of one feed's sync.
type FeedRun struct {
	Feed     VulnSource    `json:"feed"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Stats    ImportStats   `json:"stats"`
	// Error is why the run failed; the feed's earlier data is kept.
	Error string `json:"error,omitempty"`
	// Busy is set when another replica was running the feed, so this run
	// did nothing.
	Busy bool `json:"busy,omitempty"`
	// Disabled is set when the feed is not configured on this instance.
	Disabled bool `json:"disabled,omitempty"`
}

// ProgressFunc receives a sync's progress: done of total units of a
// stage (total 0 when unknown).
type ProgressFunc func(feed VulnSource, stage string, done, total int)

// VulnService reads vulnerability intelligence and keeps it current.
type VulnService interface {
	// Vulnerability returns the identity an id (any alias) names.
	Vulnerability(ctx context.Context, id string) (*Vulnerability, error)
	SearchVulnerabilities(ctx context.Context, f VulnFilter) ([]VulnSummary, int, error)
	// Feeds returns every feed's status and schedule.
	Feeds(ctx context.Context) ([]FeedStatus, error)
	// SyncFeeds runs the named feeds now (all enabled ones when names is
	// empty), one after another. A feed that fails is reported in its
	// FeedRun and keeps its earlier data; the others still run.
	SyncFeeds(ctx context.Context, names []VulnSource, progress ProgressFunc) ([]FeedRun, error)
	// StartSync starts SyncFeeds in the background and returns the feeds
	// it will run; their progress shows in Feeds.
	StartSync(ctx context.Context, names []VulnSource) ([]VulnSource, error)
	// ImportFile reads an uploaded feed file (an OSV record or zip, a KEV
	// catalog) and stores what it holds.
	ImportFile(ctx context.Context, name string, data []byte) (*FeedFile, ImportStats, error)
	// ImportAdvisories stores advisories read offline (OSV files); origin
	// names where they came from, for the audit log.
	ImportAdvisories(ctx context.Context, origin string, recs []Advisory) (ImportStats, error)
	// ImportKEV stores a KEV catalog read offline.
	ImportKEV(ctx context.Context, origin string, cat KEVCatalog) (ImportStats, error)
	// ImportEPSS stores EPSS scores read offline.
	ImportEPSS(ctx context.Context, origin string, scores []EPSSScore) (ImportStats, error)
	// ExportBundle writes everything cyra knows as a bundle signed with
	// key and returns its counts.
	ExportBundle(ctx context.Context, w io.Writer, key ed25519.PrivateKey) (*BundleSummary, error)
	// ImportBundle verifies a bundle's signature with pub and every
	// record before it writes anything, then imports it.
	ImportBundle(ctx context.Context, name string, r io.ReaderAt, size int64, pub ed25519.PublicKey) (*BundleSummary, ImportStats, error)
}

// FindingService reads findings, records triage decisions and scans SBOMs.
// Findings are kept current by cyra itself: a release is matched when an
// SBOM is uploaded, and the releases containing a package are matched
// again when an advisory of it (or a KEV or EPSS fact) changes.
type FindingService interface {
	Findings(ctx context.Context, f FindingFilter) ([]Finding, int, error)
	// Finding returns a finding and the history of triage decisions that
	// apply or applied to it, newest first.
	Finding(ctx context.Context, id int64) (*Finding, []Triage, error)
	// Triage records a decision on a finding; ScopeProduct applies it to
	// the same vulnerability and package in every release of the product.
	Triage(ctx context.Context, findingID int64, in TriageInput) (*Finding, error)
	// Exposure is the dashboard's portfolio view with a trend of days
	// (90 when days is 0).
	Exposure(ctx context.Context, days int) (*Exposure, error)
	// Rematch matches the given releases again (all when none).
	Rematch(ctx context.Context, releaseIDs []int64) (FindingChanges, error)
	// Scan matches an SBOM that is not stored against the local database
	// (format "" autodetects).
	Scan(ctx context.Context, fileName string, data []byte, format SBOMFormat) (*ScanResult, error)
}

// BundleSummary describes an offline bundle.
type BundleSummary struct {
	Created     time.Time `json:"created"`
	Generator   string    `json:"generator"`
	Advisories  int       `json:"advisories"`
	KEV         int       `json:"kev"`
	EPSS        int       `json:"epss"`
	Fingerprint string    `json:"key_fingerprint"`
}

// Services bundles the services the transports need. It is a plain
// parameter object built in package cli, not a service locator: each
// handler takes only the service it uses.
type Services struct {
	Auth         AuthService
	Users        UserService
	Tokens       TokenService
	Organisation OrganisationService
	Audit        AuditService
	Products     ProductService
	Compliance   ComplianceService
	SBOMs        SBOMService
	Vulns        VulnService
	Findings     FindingService
	Cases        CaseService
}

// ReadinessChecker reports whether the instance can serve requests:
// database reachable and schema current.
type ReadinessChecker interface {
	Ready(ctx context.Context) error
}
