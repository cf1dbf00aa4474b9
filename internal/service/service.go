// Package service implements cyra's use cases (the cra service
// interfaces) on top of the cra store interfaces. Authorization lives here:
// every exported method checks the context's actor before it does anything
// else, so the HTTP API, the web UI and the CLI share one set of rules.
package service

import (
	"log/slog"
	"time"

	"cyra/internal/cra"
)

// Options configure the services.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sessions sets session lifetimes (default cra.DefaultSessionPolicy).
	Sessions cra.SessionPolicy
	// Logger receives security events such as failed sign-ins.
	Logger *slog.Logger
	// SBOMMaxSize bounds an SBOM upload (default DefaultSBOMMaxSize).
	SBOMMaxSize int64
	// Version is cyra's version, written into exported SBOMs.
	Version string
	// Feeds configure the vulnerability feeds.
	Feeds FeedOptions
	// Notifier delivers Art. 14 reminders (none when nil);
	// ReminderOffsets are how long before each deadline they go out
	// (default cra.DefaultReminderOffsets).
	Notifier        cra.Notifier
	ReminderOffsets []time.Duration
	// Submitter records stage submissions (default ManualSubmitter).
	Submitter cra.Submitter
}

type deps struct {
	store  cra.Store
	now    func() time.Time
	logger *slog.Logger
}

// New returns the services backed by store.
func New(store cra.Store, o Options) cra.Services {
	clock := o.Now
	if clock == nil {
		clock = time.Now
	}
	// Times are kept to the microsecond, as both databases store them, so
	// what a service returns equals what is read back later.
	d := &deps{store: store, now: func() time.Time { return clock().UTC().Truncate(time.Microsecond) }, logger: o.Logger}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	sbomMax := o.SBOMMaxSize
	if sbomMax <= 0 {
		sbomMax = DefaultSBOMMaxSize
	}
	policy := o.Sessions
	if policy.Idle <= 0 || policy.Absolute <= 0 {
		policy = cra.DefaultSessionPolicy
	}
	mon := newMonitor(d)
	offsets := o.ReminderOffsets
	if offsets == nil { // an empty list means deadline reminders are off
		offsets = cra.DefaultReminderOffsets
	}
	submitter := o.Submitter
	if submitter == nil {
		submitter = ManualSubmitter{}
	}
	cases := &CaseService{deps: d, mon: mon, submitter: submitter, notifier: o.Notifier, offsets: offsets}
	// Every change that may expose a release to an exploited
	// vulnerability opens the reportability reviews it calls for.
	mon.exposed = cases.openReviews
	return cra.Services{
		Auth:         &AuthService{deps: d, policy: policy, throttle: newThrottle()},
		Users:        &UserService{deps: d},
		Tokens:       &TokenService{deps: d},
		Organisation: &OrganisationService{deps: d},
		Audit:        &AuditService{deps: d},
		Products:     &ProductService{deps: d},
		Compliance:   &ComplianceService{deps: d},
		SBOMs:        &SBOMService{deps: d, mon: mon, maxSize: sbomMax, version: o.Version},
		Vulns:        &VulnService{deps: d, mon: mon, feeds: newFeedRunner(o.Feeds), version: o.Version},
		Findings:     &FindingService{deps: d, mon: mon, maxSize: sbomMax},
		Cases:        cases,
	}
}

// record builds the audit record of an action by the context's actor.
func (d *deps) record(a *cra.Actor, action, objType, objID string, before, after map[string]any) cra.AuditRecord {
	return cra.NewAuditRecord(a, d.now(), action, objType, objID, before, after)
}

// diff returns the entries of before and after that differ, so an audit
// entry of an update shows what changed and nothing else.
func diff(before, after map[string]any) (map[string]any, map[string]any) {
	b, a := map[string]any{}, map[string]any{}
	for k, v := range after {
		if before[k] != v {
			b[k], a[k] = before[k], v
		}
	}
	return b, a
}
