// Package jobs runs cyra's background work: the scheduler that keeps the
// vulnerability feeds current. Jobs call the service layer as the system
// actor, so they follow the same rules and leave the same audit trail as
// a person would; the feed leases in the database keep replicas from
// running the same feed at once.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"cyra/internal/cra"
)

// Scheduler syncs each enabled feed when it is due.
type Scheduler struct {
	Vulns  cra.VulnService
	Logger *slog.Logger
	// Tick is how often due feeds are looked for (default 1 minute).
	Tick time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Run checks for due feeds until ctx ends. It returns when ctx is done
// and any running sync has stopped.
func (s *Scheduler) Run(ctx context.Context) {
	tick := s.Tick
	if tick <= 0 {
		tick = time.Minute
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue syncs, one after another, the enabled feeds whose next run is
// due, and returns their runs.
func (s *Scheduler) RunDue(ctx context.Context) []cra.FeedRun {
	ctx = cra.WithActor(ctx, cra.SystemActor("scheduler"))
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	statuses, err := s.Vulns.Feeds(ctx)
	if err != nil {
		log.Error("feed scheduler: reading feed status", "error", err)
		return nil
	}
	var runs []cra.FeedRun
	for _, st := range statuses {
		if !st.Enabled || st.NextRun == nil || st.NextRun.After(now()) || ctx.Err() != nil {
			continue
		}
		got, err := s.Vulns.SyncFeeds(ctx, []cra.VulnSource{st.Feed}, nil)
		if err != nil && ctx.Err() == nil {
			log.Error("feed scheduler", "feed", st.Feed, "error", err)
		}
		for _, r := range got {
			switch {
			case r.Busy:
				log.Info("feed sync skipped: another replica is running it", "feed", r.Feed)
			case r.Error != "":
				log.Warn("feed sync failed; keeping the last good data", "feed", r.Feed, "error", r.Error)
			default:
				log.Info("feed synced", "feed", r.Feed, "added", r.Stats.Added, "changed", r.Stats.Changed,
					"unchanged", r.Stats.Unchanged, "skipped", r.Stats.Skipped, "duration", r.Duration.Round(time.Millisecond))
			}
		}
		runs = append(runs, got...)
	}
	return runs
}
