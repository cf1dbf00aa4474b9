package service

import (
	"context"
	"slices"
	"sync"
	"time"

	"cyra/internal/cra"
)

// FeedOptions configure the vulnerability feeds.
type FeedOptions struct {
	// Feeds are the enabled feeds; a feed not listed is shown as disabled.
	Feeds []cra.Feed
	// Intervals override DefaultFeedIntervals per feed.
	Intervals map[cra.VulnSource]time.Duration
	// Ecosystems are the OSV ecosystems to sync; empty means those of the
	// portfolio's components.
	Ecosystems []string
	// Holder names this replica in feed leases (default "cyra").
	Holder string
	// LeaseTTL bounds how long a crashed replica blocks a feed (default 2 h).
	LeaseTTL time.Duration
	// Context is the base context of background syncs (StartSync);
	// cancelling it stops them. Default: context.Background().
	Context context.Context
	// Reader reads uploaded feed files (ImportFile).
	Reader cra.FeedFileReader
}

// DefaultFeedIntervals are how often each feed syncs. OSV and KEV are
// cheap when unchanged (conditional requests) and matter most, so they
// run hourly; EPSS publishes once a day.
var DefaultFeedIntervals = map[cra.VulnSource]time.Duration{
	cra.SourceOSV:  time.Hour,
	cra.SourceKEV:  time.Hour,
	cra.SourceEUVD: 6 * time.Hour,
	cra.SourceNVD:  4 * time.Hour,
	cra.SourceEPSS: 24 * time.Hour,
}

// failedRetry is how soon a failed feed is retried when its interval is
// longer: a transient outage should not leave data a day old.
const failedRetry = 15 * time.Minute

// FeedTitles are the feeds' human names.
var FeedTitles = map[cra.VulnSource]string{
	cra.SourceOSV:  "OSV (GitHub, Go, PyPI, RustSec and more)",
	cra.SourceKEV:  "CISA Known Exploited Vulnerabilities",
	cra.SourceEUVD: "ENISA EU Vulnerability Database",
	cra.SourceNVD:  "NIST National Vulnerability Database",
	cra.SourceEPSS: "FIRST Exploit Prediction Scoring System",
}

type feedRunner struct {
	opts   FeedOptions
	byName map[cra.VulnSource]cra.Feed
	// running serialises runs of one feed within this process; the lease
	// does the same across replicas.
	running sync.Map
	wg      sync.WaitGroup
}

func newFeedRunner(o FeedOptions) *feedRunner {
	r := &feedRunner{opts: o, byName: map[cra.VulnSource]cra.Feed{}}
	for _, f := range o.Feeds {
		r.byName[f.Name()] = f
	}
	if r.opts.Holder == "" {
		r.opts.Holder = "cyra"
	}
	if r.opts.LeaseTTL <= 0 {
		r.opts.LeaseTTL = 2 * time.Hour
	}
	return r
}

func (r *feedRunner) interval(name cra.VulnSource) time.Duration {
	if d, ok := r.opts.Intervals[name]; ok && d > 0 {
		return d
	}
	return DefaultFeedIntervals[name]
}

// Feeds returns every feed's status, enabled or not, in sync order.
func (s *VulnService) Feeds(ctx context.Context) ([]cra.FeedStatus, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	states, err := s.store.FeedStates(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]cra.FeedStatus, 0, len(cra.FeedNames))
	for _, name := range cra.FeedNames {
		st := cra.FeedStatus{FeedState: cra.FeedState{Feed: name}, Title: FeedTitles[name], Interval: s.feeds.interval(name)}
		for _, fs := range states {
			if fs.Feed == name {
				st.FeedState = fs
			}
		}
		st.Cursor = "" // the feed's own business, not the user's
		_, st.Enabled = s.feeds.byName[name]
		st.Stale = st.LastErrorAt != nil && (st.LastSuccess == nil || st.LastErrorAt.After(*st.LastSuccess))
		if st.Enabled {
			next := nextRun(st, now)
			st.NextRun = &next
		}
		out = append(out, st)
	}
	return out, nil
}

// nextRun is when a feed is due: an interval after its last success, or
// sooner after a failure, or now when it never ran.
func nextRun(st cra.FeedStatus, now time.Time) time.Time {
	switch {
	case st.Stale:
		return st.LastErrorAt.Add(min(st.Interval, failedRetry))
	case st.LastSuccess != nil:
		return st.LastSuccess.Add(st.Interval)
	}
	return now
}

// SyncFeeds runs feeds now, in cra.FeedNames order.
func (s *VulnService) SyncFeeds(ctx context.Context, names []cra.VulnSource, progress cra.ProgressFunc) ([]cra.FeedRun, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return nil, err
	}
	explicit := len(names) > 0
	var runs []cra.FeedRun
	for _, name := range cra.FeedNames {
		if explicit && !slices.Contains(names, name) {
			continue
		}
		feed := s.feeds.byName[name]
		if feed == nil {
			if explicit {
				runs = append(runs, cra.FeedRun{Feed: name, Disabled: true, Error: "not enabled on this instance"})
			}
			continue
		}
		runs = append(runs, s.runFeed(ctx, feed, progress))
		if ctx.Err() != nil {
			return runs, ctx.Err()
		}
	}
	return runs, nil
}

// runFeed runs one feed under its lease and records the outcome.
func (s *VulnService) runFeed(ctx context.Context, feed cra.Feed, progress cra.ProgressFunc) cra.FeedRun {
	name := feed.Name()
	run := cra.FeedRun{Feed: name, Started: s.now()}
	if _, busy := s.feeds.running.LoadOrStore(name, true); busy {
		run.Busy = true
		return run
	}
	defer s.feeds.running.Delete(name)
	holder := s.feeds.opts.Holder
	ok, err := s.store.AcquireFeedLease(ctx, name, holder, run.Started, run.Started.Add(s.feeds.opts.LeaseTTL))
	if err != nil {
		run.Error = err.Error()
		return run
	}
	if !ok {
		run.Busy = true
		return run
	}
	cursor := ""
	if states, err := s.store.FeedStates(ctx); err == nil {
		for _, st := range states {
			if st.Feed == name {
				cursor = st.Cursor
			}
		}
	}
	w := &feedWriter{svc: s, feed: name, progress: progress}
	newCursor, err := feed.Sync(ctx, cursor, w)
	errMsg := ""
	if err != nil {
		errMsg = err.Error()
		newCursor = cursor
		s.logger.Warn("feed sync failed; keeping the last good data", "feed", name, "error", err)
	}
	run.Stats, run.Error = w.stats, errMsg
	run.Duration = s.now().Sub(run.Started)
	// The outcome is recorded even when ctx was cancelled (shutdown), so
	// the lease is released and the status says what happened.
	if ferr := s.store.FinishFeedRun(context.WithoutCancel(ctx), name, holder, s.now(), w.stats, newCursor, errMsg); ferr != nil && run.Error == "" {
		run.Error = ferr.Error()
	}
	return run
}

// feedWriter is the cra.FeedWriter a feed writes through during a run.
type feedWriter struct {
	svc      *VulnService
	feed     cra.VulnSource
	progress cra.ProgressFunc
	stats    cra.ImportStats
}

func (w *feedWriter) Advisories(ctx context.Context, recs []cra.Advisory) (cra.ImportStats, error) {
	for i := range recs {
		recs[i].Source = w.feed
	}
	st, err := w.svc.importAdvisories(ctx, "sync", string(w.feed), recs)
	w.stats.Add(st)
	return st, err
}

func (w *feedWriter) KEV(ctx context.Context, cat cra.KEVCatalog) (cra.ImportStats, error) {
	if len(cat.Entries) == 0 {
		return cra.ImportStats{}, cra.Errorf(cra.EINVALID, "the KEV catalog lists no entries; keeping the stored one")
	}
	st, err := w.svc.saveKEV(ctx, cat, w.svc.auditImport(ctx, "sync", string(w.feed)))
	w.stats.Add(st)
	return st, err
}

func (w *feedWriter) EPSS(ctx context.Context, scores []cra.EPSSScore) (cra.ImportStats, error) {
	st, err := w.svc.saveEPSS(ctx, scores, w.svc.auditImport(ctx, "sync", string(w.feed)))
	w.stats.Add(st)
	return st, err
}

func (w *feedWriter) KnownCVEs(ctx context.Context) ([]string, error) {
	return w.svc.store.KnownCVEs(ctx)
}

func (w *feedWriter) Ecosystems(ctx context.Context) ([]string, error) {
	if eco := w.svc.feeds.opts.Ecosystems; len(eco) > 0 {
		return eco, nil
	}
	types, err := w.svc.store.ComponentPURLTypes(ctx)
	if err != nil {
		return nil, err
	}
	return EcosystemsForPURLTypes(types), nil
}

func (w *feedWriter) Skip(reason string) {
	w.stats.Skipped++
	w.stats.Problem(reason)
	w.svc.logger.Warn("feed record skipped", "feed", w.feed, "reason", reason)
}

func (w *feedWriter) Progress(stage string, done, total int) {
	if w.progress != nil {
		w.progress(w.feed, stage, done, total)
	}
}

// purlEcosystems maps purl types to the OSV ecosystems whose advisories
// can concern them; distro types map to every distribution that uses
// the package format, since the purl's namespace is not known here.
var purlEcosystems = map[string][]string{
	"npm": {"npm"}, "pypi": {"PyPI"}, "maven": {"Maven"}, "golang": {"Go"}, "cargo": {"crates.io"},
	"gem": {"RubyGems"}, "nuget": {"NuGet"}, "composer": {"Packagist"}, "pub": {"Pub"}, "hex": {"Hex"},
	"hackage": {"Hackage"}, "cran": {"CRAN"}, "swift": {"SwiftURL"}, "conan": {"ConanCenter"},
	"bitnami": {"Bitnami"}, "deb": {"Debian", "Ubuntu"}, "apk": {"Alpine"},
	"rpm": {"Red Hat", "AlmaLinux", "Rocky Linux", "openSUSE", "SUSE"},
}

// EcosystemsForPURLTypes returns the OSV ecosystems to sync for a
// portfolio whose components have these purl types, sorted.
func EcosystemsForPURLTypes(types []string) []string {
	var out []string
	for _, t := range types {
		for _, e := range purlEcosystems[t] {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	slices.Sort(out)
	return out
}

// StartSync runs SyncFeeds in the background, under the runner's base
// context so that shutdown stops it, as the caller.
func (s *VulnService) StartSync(ctx context.Context, names []cra.VulnSource) ([]cra.VulnSource, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return nil, err
	}
	var start []cra.VulnSource
	for _, name := range cra.FeedNames {
		if _, ok := s.feeds.byName[name]; ok && (len(names) == 0 || slices.Contains(names, name)) {
			start = append(start, name)
		}
	}
	if len(start) == 0 {
		return nil, cra.Errorf(cra.EINVALID, "None of the requested feeds is enabled on this instance.")
	}
	base := s.feeds.opts.Context
	if base == nil {
		base = context.Background()
	}
	runCtx := cra.WithActor(base, cra.ActorFrom(ctx))
	s.feeds.wg.Go(func() {
		if _, err := s.SyncFeeds(runCtx, start, nil); err != nil && runCtx.Err() == nil {
			s.logger.Error("background feed sync", "error", err)
		}
	})
	return start, nil
}

// Wait waits for background syncs started by StartSync to end.
func (s *VulnService) Wait() { s.feeds.wg.Wait() }

// ImportFile reads a feed file with the configured reader and stores it.
func (s *VulnService) ImportFile(ctx context.Context, name string, data []byte) (*cra.FeedFile, cra.ImportStats, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return nil, cra.ImportStats{}, err
	}
	if s.feeds.opts.Reader == nil {
		return nil, cra.ImportStats{}, cra.Errorf(cra.ENOTIMPLEMENTED, "This instance cannot read feed files.")
	}
	f, err := s.feeds.opts.Reader(name, data)
	if err != nil {
		return nil, cra.ImportStats{}, err
	}
	var st cra.ImportStats
	switch {
	case f.KEV != nil:
		st, err = s.ImportKEV(ctx, name, *f.KEV)
	case f.EPSS != nil:
		st, err = s.ImportEPSS(ctx, name, f.EPSS)
	default:
		if len(f.Advisories) == 0 && f.Skipped.Skipped == 0 {
			return f, st, cra.Errorf(cra.EINVALID, "%s holds no advisories.", name)
		}
		st, err = s.importAdvisories(ctx, "import", name, f.Advisories)
	}
	if err != nil {
		return f, st, err
	}
	st.Add(f.Skipped)
	return f, st, nil
}
