package cra

import (
	"context"
	"time"
)

// The store interfaces are what the service layer needs from persistence.
// package sqlstore implements all of them on SQLite and PostgreSQL. Every
// method that changes state takes the AuditRecord of that change and
// appends it to the audit log in the same transaction, so a change and its
// audit entry are never separated.

// UserStore persists users.
type UserStore interface {
	// CreateUser inserts u and sets its ID. passwordHash is "" for service
	// accounts. Returns ECONFLICT when the e-mail is taken.
	CreateUser(ctx context.Context, u *User, passwordHash string, rec AuditRecord) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, error)
	CountUsers(ctx context.Context) (int, error)
	// UpdateUser loads the user in a transaction, lets fn change it and
	// return the audit record, and writes it back; when fn returns a zero
	// record nothing changed and nothing is written. It refuses (ECONFLICT)
	// a change that would leave no active administrator.
	UpdateUser(ctx context.Context, id int64, fn func(u *User) (AuditRecord, error)) (*User, error)
	// PasswordHash returns the user with this e-mail and their password hash.
	PasswordHash(ctx context.Context, email string) (*User, string, error)
	// SetPassword replaces a user's password hash and ends all their
	// sessions except keepSessionID (0 ends them all).
	SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64, rec AuditRecord) error
}

// SessionStore persists browser sessions.
type SessionStore interface {
	// CreateSession inserts s, sets its ID and the user's last login time.
	CreateSession(ctx context.Context, s *Session, secretHash string, rec AuditRecord) error
	// FindSession returns the session with this secret hash and its user.
	FindSession(ctx context.Context, secretHash string) (*Session, *User, error)
	TouchSession(ctx context.Context, id int64, at time.Time) error
	// DeleteSession ends a session; rec is nil when the end needs no audit
	// entry (expiry).
	DeleteSession(ctx context.Context, id int64, rec *AuditRecord) error
	// DeleteExpiredSessions removes sessions idle since before idleBefore or
	// past their absolute expiry at now.
	DeleteExpiredSessions(ctx context.Context, idleBefore, now time.Time) (int64, error)
}

// TokenFilter selects API tokens.
type TokenFilter struct {
	ID     *int64
	UserID *int64
}

// TokenStore persists API tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t *APIToken, secretHash string, rec AuditRecord) error
	// FindTokenByHash returns the token with this secret hash and its owner.
	FindTokenByHash(ctx context.Context, secretHash string) (*APIToken, *User, error)
	FindTokens(ctx context.Context, f TokenFilter) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id int64, at time.Time, rec AuditRecord) error
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// OrganisationStore persists the instance's organisation.
type OrganisationStore interface {
	// FindOrganisation returns ENOTFOUND before setup.
	FindOrganisation(ctx context.Context) (*Organisation, error)
	// UpdateOrganisation loads the organisation (nil before it exists) in a
	// transaction, lets fn return its new state and the audit record, and
	// saves both; when fn returns a zero record nothing changed and nothing
	// is written.
	UpdateOrganisation(ctx context.Context, fn func(cur *Organisation) (*Organisation, AuditRecord, error)) error
}

// Setup is everything the first-run setup creates, in one transaction.
type Setup struct {
	TokenHash    string
	At           time.Time
	Organisation Organisation
	Admin        User
	PasswordHash string
	// The audit records of the three changes: the token consumed, the
	// administrator created (its ObjectID is filled in) and the
	// organisation saved.
	SetupRecord, AdminRecord, OrganisationRecord AuditRecord
}

// SetupStore persists the one-time setup token and completes setup.
type SetupStore interface {
	// IssueSetupToken invalidates unused setup tokens and stores a new one.
	IssueSetupToken(ctx context.Context, secretHash string, expiresAt time.Time, rec AuditRecord) error
	// SetupTokenUsable returns nil when a token with this hash exists, is
	// unused and unexpired at now, and no user exists yet.
	SetupTokenUsable(ctx context.Context, secretHash string, now time.Time) error
	// CompleteSetup consumes the token and creates the organisation and the
	// first administrator, or changes nothing.
	CompleteSetup(ctx context.Context, s *Setup) error
}

// AuditStore reads the audit log and appends stand-alone entries.
type AuditStore interface {
	AppendAudit(ctx context.Context, rec AuditRecord) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// WalkAudit calls fn for every entry in sequence order.
	WalkAudit(ctx context.Context, fn func(AuditEntry) error) error
}

// ProductStore persists products and their releases.
type ProductStore interface {
	// CreateProduct inserts p and sets its ID; ECONFLICT when the name is taken.
	CreateProduct(ctx context.Context, p *Product, rec AuditRecord) error
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, error)
	FindProductByID(ctx context.Context, id int64) (*Product, error)
	// UpdateProduct loads the product in a transaction, lets fn change it
	// and return the audit record (zero: nothing changed, nothing written),
	// and writes it back.
	UpdateProduct(ctx context.Context, id int64, fn func(p *Product) (AuditRecord, error)) (*Product, error)
	// CreateRelease inserts r with its components; ECONFLICT when the
	// product already has the version, EINVALID for a component cycle.
	CreateRelease(ctx context.Context, r *Release, rec AuditRecord) error
	FindReleases(ctx context.Context, f ReleaseFilter) ([]*Release, error)
	FindReleaseByID(ctx context.Context, id int64) (*Release, error)
	// UpdateRelease is UpdateProduct for releases, components included.
	UpdateRelease(ctx context.Context, id int64, fn func(r *Release) (AuditRecord, error)) (*Release, error)
}

// ComplianceStore persists the Annex I matrix, evidence and risk
// assessments.
type ComplianceStore interface {
	// FindMatrix returns the stored rows of a product (releaseID 0) or of a
	// release's overrides, with their evidence.
	FindMatrix(ctx context.Context, productID, releaseID int64) ([]MatrixEntry, error)
	// FindProductMatrices returns every product's own rows (no evidence),
	// for portfolio readiness.
	FindProductMatrices(ctx context.Context) (map[int64][]MatrixEntry, error)
	// SaveMatrixEntry creates or replaces one row.
	SaveMatrixEntry(ctx context.Context, e *MatrixEntry, rec AuditRecord) error
	// DeleteMatrixEntry removes a release's override of one requirement.
	DeleteMatrixEntry(ctx context.Context, releaseID int64, requirementID string, rec AuditRecord) error
	// AddEvidence stores evidence and, for a file, its content.
	AddEvidence(ctx context.Context, e *Evidence, data []byte, rec AuditRecord) error
	FindEvidence(ctx context.Context, id int64) (*Evidence, error)
	// EvidenceData returns a stored file's content by its SHA-256.
	EvidenceData(ctx context.Context, sha256 string) ([]byte, error)
	DeleteEvidence(ctx context.Context, id int64, rec AuditRecord) error
	// SaveRiskAssessment stores a new version (its Version is assigned).
	SaveRiskAssessment(ctx context.Context, ra *RiskAssessment, rec AuditRecord) error
	// FindRiskAssessments returns a product's versions, newest first.
	FindRiskAssessments(ctx context.Context, productID int64) ([]*RiskAssessment, error)
	// LatestRiskAssessments returns each product's newest version.
	LatestRiskAssessments(ctx context.Context) ([]*RiskAssessment, error)
}

// SBOMStore persists SBOMs and the components of releases.
type SBOMStore interface {
	// SaveSBOM stores an SBOM of a release with its original document and
	// makes its components the release's components, replacing the
	// previous ones in the same transaction (earlier SBOMs stay as
	// history). rec.SBOM.ID is set.
	SaveSBOM(ctx context.Context, rec *SBOMRecord, original []byte, s *SBOM, audit AuditRecord) error
	// FindSBOMs returns a release's SBOMs, newest first.
	FindSBOMs(ctx context.Context, releaseID int64) ([]*SBOMRecord, error)
	FindSBOMByID(ctx context.Context, id int64) (*SBOMRecord, error)
	// SBOMContent returns the original document of an SBOM.
	SBOMContent(ctx context.Context, id int64) ([]byte, error)
	// SBOMGraph returns the dependency edges stored with an SBOM.
	SBOMGraph(ctx context.Context, id int64) ([]Dependency, error)
	// FindComponents returns a page of a release's components and the
	// total that match.
	FindComponents(ctx context.Context, f ComponentFilter) ([]StoredComponent, int, error)
	// SearchComponents returns the components, across all releases, of a
	// package, in a given version or any ("").
	SearchComponents(ctx context.Context, key PackageKey, version string) ([]ComponentHit, error)
}

// Store is every store interface; package sqlstore implements it.
type Store interface {
	UserStore
	SessionStore
	TokenStore
	OrganisationStore
	SetupStore
	AuditStore
	ProductStore
	ComplianceStore
	SBOMStore
	VulnStore
	FindingStore
	CaseStore
}

// AuditFunc returns the audit record of an import from its counts; the
// store calls it only when the import wrote something.
type AuditFunc func(ImportStats) AuditRecord

// VulnStore persists vulnerability intelligence: advisories merged into
// identities, the KEV catalog, EPSS scores and the feeds' state.
type VulnStore interface {
	// ImportAdvisories stores advisories in one transaction. A record
	// whose (Source, ID) is stored with the same Digest is unchanged and
	// causes no write. A new or changed record joins the identity of any
	// of its ids (ID and Aliases) that is known, merging identities that
	// it shows to be one, else starts a new identity; its affected
	// packages replace the stored ones.
	ImportAdvisories(ctx context.Context, recs []Advisory, audit AuditFunc) (ImportStats, error)
	// SaveKEVCatalog stores a whole catalog: new entries are added with
	// FirstSeen at, changed ones updated, entries the catalog no longer
	// lists marked Removed; every change is kept in the KEV history.
	SaveKEVCatalog(ctx context.Context, cat KEVCatalog, at time.Time, audit AuditFunc) (ImportStats, error)
	// SaveEPSS stores scores; a (CVE, date) already stored is unchanged.
	SaveEPSS(ctx context.Context, scores []EPSSScore, audit AuditFunc) (ImportStats, error)
	// FindVulnerability returns the identity that id (any alias,
	// normalised) names, with every advisory, KEV entry and EPSS score.
	FindVulnerability(ctx context.Context, id string) (*Vulnerability, error)
	SearchVulnerabilities(ctx context.Context, f VulnFilter) ([]VulnSummary, int, error)
	// KnownCVEs returns every CVE id among the aliases, sorted.
	KnownCVEs(ctx context.Context) ([]string, error)
	// ComponentPURLTypes returns the distinct purl types of the
	// portfolio's current components.
	ComponentPURLTypes(ctx context.Context) ([]string, error)
	// WalkAdvisories calls fn for every stored advisory (Raw included) in
	// (source, id) order.
	WalkAdvisories(ctx context.Context, fn func(Advisory) error) error
	// KEVEntries returns every KEV entry ever seen, removed ones included.
	KEVEntries(ctx context.Context) ([]KEVEntry, error)
	// WalkEPSS calls fn for every stored score in (CVE, date) order.
	WalkEPSS(ctx context.Context, fn func(EPSSScore) error) error
	// FeedStates returns the stored state of every feed that has run.
	FeedStates(ctx context.Context) ([]FeedState, error)
	// AcquireFeedLease takes the feed's lease for holder until the given
	// time and records the run's start; false when another holder's lease
	// has not expired at now. Atomic across replicas on one database.
	AcquireFeedLease(ctx context.Context, feed VulnSource, holder string, now, until time.Time) (bool, error)
	// FinishFeedRun records a run's outcome and releases the lease: on
	// success (errMsg "") LastSuccess, LastStats and the cursor; on failure
	// only LastError and LastErrorAt, keeping the last good cursor.
	FinishFeedRun(ctx context.Context, feed VulnSource, holder string, at time.Time, stats ImportStats, cursor, errMsg string) error
}

// MatchComponentFilter selects the current components of releases for
// matching. Zero fields do not filter; at least one must be set.
type MatchComponentFilter struct {
	ReleaseIDs []int64
	MatchKeys  []string
}

// FindingStore persists findings, triage decisions and the exposure trend,
// and gives the matcher the components and advisories it evaluates. Match
// keys (matching.IndexKey of ecosystem and name) are computed by the store
// when components and advisories are written.
type FindingStore interface {
	// MatchComponents returns the current components of releases that
	// have a purl, with their match keys.
	MatchComponents(ctx context.Context, f MatchComponentFilter) ([]MatchComponent, error)
	// AffectedEntries returns every affected package of stored advisories
	// under one of keys (withdrawn ones included, flagged).
	AffectedEntries(ctx context.Context, keys []string) ([]AffectedEntry, error)
	// VulnSummaries returns the summaries of the given identities (those
	// that no longer exist are left out), without Packages.
	VulnSummaries(ctx context.Context, ids []int64) ([]VulnSummary, error)
	// SaveFindings merges a match into the stored findings in one
	// transaction: every found one is opened, reopened or updated (with
	// its facts), every open finding in scope not found is resolved at at.
	SaveFindings(ctx context.Context, scope FindingScope, found []FindingMatch, facts map[int64]VulnFacts, at time.Time) (FindingChanges, error)
	// RefreshFindingFacts updates the facts (severity, KEV, EPSS, aliases,
	// summary) that findings of these identities carry; it returns how
	// many findings changed.
	RefreshFindingFacts(ctx context.Context, facts []VulnFacts) (int, error)
	// FindingVulnIDs returns the identities that have open findings.
	FindingVulnIDs(ctx context.Context) ([]int64, error)
	// OpenFindingKeys returns the distinct match keys of open findings.
	OpenFindingKeys(ctx context.Context) ([]string, error)
	// AdvisoryGeneration changes whenever an advisory is written, by any
	// process: matchers compare it to know their cache is current.
	AdvisoryGeneration(ctx context.Context) (string, error)
	FindFindings(ctx context.Context, f FindingFilter) ([]Finding, int, error)
	FindFinding(ctx context.Context, id int64) (*Finding, error)
	// SaveTriage records a decision, keeps it in the history and makes it
	// the decision in force for its scope (replacing the previous one).
	SaveTriage(ctx context.Context, t *Triage, rec AuditRecord) error
	// TriageHistory returns every decision, release-scoped and
	// product-scoped, that applies or applied to a finding, newest first.
	TriageHistory(ctx context.Context, findingID int64) ([]Triage, error)
	// ExposureAt counts the actionable findings of the releases on the
	// market and within support at now, per release.
	ExposureAt(ctx context.Context, now time.Time) (*Exposure, error)
	// SaveExposurePoint records (or replaces) a day's counts.
	SaveExposurePoint(ctx context.Context, p ExposurePoint) error
	// ExposureTrend returns the recorded days from since on, oldest first.
	ExposureTrend(ctx context.Context, since Date) ([]ExposurePoint, error)
}
