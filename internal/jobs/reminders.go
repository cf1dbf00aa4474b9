package jobs

import (
	"context"
	"log/slog"
	"time"

	"cyra/internal/cra"
)

// Reminders sends the Art. 14 reminders that fall due: reviews opened,
// deadlines approaching, deadlines passed.
type Reminders struct {
	Cases  cra.CaseService
	Logger *slog.Logger
	// Tick is how often due reminders are looked for (default 1 minute).
	Tick time.Duration
}

// Run sends due reminders every tick until ctx ends.
func (r *Reminders) Run(ctx context.Context) {
	tick := r.Tick
	if tick <= 0 {
		tick = time.Minute
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx = cra.WithActor(ctx, cra.SystemActor("scheduler"))
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if n, err := r.Cases.SendReminders(ctx); err != nil && ctx.Err() == nil {
			log.Error("reminders", "error", err)
		} else if n > 0 {
			log.Info("reminders sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
