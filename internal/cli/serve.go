package cli

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"cyra/internal/cra"
	"cyra/internal/jobs"
	"cyra/internal/metrics"
	"cyra/internal/server"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
)

func runServe(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "serve", "serve [flags]")
	addr := f.string("addr", "127.0.0.1:8080", "address to listen on")
	baseURL := f.string("base-url", "", "external URL of cyra, e.g. https://cyra.example.com (default http://<addr>); https turns on Secure cookies and HSTS")
	logFormat := f.string("log-format", "text", "log format: text or json")
	logLevel := f.string("log-level", "info", "log level: debug, info, warn or error")
	proxyHeader := f.string("proxy-header", "", "header with the client address set by a trusted reverse proxy, e.g. X-Forwarded-For")
	idle := f.duration("session-idle", cra.DefaultSessionPolicy.Idle, "sign out after this long without activity")
	absolute := f.duration("session-max", cra.DefaultSessionPolicy.Absolute, "sign out this long after signing in")
	sbomMax := f.Int64("sbom-max-size", service.DefaultSBOMMaxSize, "largest SBOM accepted, in bytes after decompression (env CYRA_SBOM_MAX_SIZE)")
	db := addDBFlags(f)
	ff := addFeedFlags(f)
	nf := addNotifyFlags(f)
	if v := e.getenv("CYRA_SBOM_MAX_SIZE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return usagef("CYRA_SBOM_MAX_SIZE=%q is not a positive number of bytes", v)
		}
		*sbomMax = n
	}
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *sbomMax <= 0 {
		return usagef("--sbom-max-size must be a positive number of bytes")
	}
	logger, err := newLogger(e.stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	if *idle <= 0 || *absolute <= 0 || *idle > *absolute {
		return usagef("--session-idle and --session-max must be positive, and idle no longer than max")
	}
	base, err := parseBaseURL(*baseURL)
	if err != nil {
		return err
	}
	fo, err := ff.options()
	if err != nil {
		return err
	}
	notifier, reminderOffsets, err := nf.build()
	if err != nil {
		return err
	}
	// Background syncs stop when serve stops, before the database closes.
	feedCtx, stopFeeds := context.WithCancel(ctx)
	defer stopFeeds()
	fo.Context = feedCtx

	store, err := db.open(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	if base == nil {
		base = &url.URL{Scheme: "http", Host: ln.Addr().String()}
	}
	policy := cra.SessionPolicy{Idle: *idle, Absolute: *absolute}
	svcs := service.New(store, service.Options{Sessions: policy, Logger: logger, SBOMMaxSize: *sbomMax, Version: Version(), Feeds: fo,
		Notifier: notifier, ReminderOffsets: reminderOffsets})
	reg := metrics.NewRegistry()
	registerDBMetrics(reg, store)
	h, err := server.New(server.Config{Logger: logger, Secure: base.Scheme == "https", ProxyHeader: *proxyHeader, SessionMaxAge: policy.Absolute, SBOMMaxSize: *sbomMax},
		svcs, store, reg)
	if err != nil {
		ln.Close()
		return err
	}

	system := cra.WithActor(ctx, cra.SystemActor("cyra"))
	if need, err := svcs.Auth.SetupRequired(ctx); err != nil {
		ln.Close()
		return err
	} else if need {
		tok, exp, err := svcs.Auth.IssueSetupToken(system)
		if err != nil {
			ln.Close()
			return err
		}
		setup := base.JoinPath("setup")
		setup.RawQuery = url.Values{"token": {tok}}.Encode()
		fmt.Fprintf(e.stdout, "cyra has no administrator yet: open %s to set it up (one-time link, valid until %s).\n",
			setup, exp.UTC().Format("2006-01-02 15:04 UTC"))
	}
	go purgeSessions(system, svcs.Auth, logger)
	var jobsDone sync.WaitGroup
	if len(fo.Feeds) > 0 {
		sched := &jobs.Scheduler{Vulns: svcs.Vulns, Logger: logger}
		jobsDone.Go(func() { sched.Run(feedCtx) })
	} else {
		logger.Info("vulnerability feeds are disabled (--feeds none): import data with cyra feeds import or import-bundle")
	}
	if notifier != nil {
		logger.Info("reminders are on", "notify", fmt.Sprint(notifier), "offsets", cra.FormatReminderOffsets(reminderOffsets))
		rem := &jobs.Reminders{Cases: svcs.Cases, Logger: logger}
		jobsDone.Go(func() { rem.Run(feedCtx) })
	} else {
		logger.Info("reminders are off: set --smtp-addr or --webhook-url (docs/reminders.md)")
	}
	logger.Info("cyra is listening", "addr", ln.Addr().String(), "base_url", base.String(), "database", store.Dialect(), "target", store.Target(), "version", Version())
	err = server.Serve(ctx, ln, h, logger, 15*time.Second)
	// Then the jobs (a running sync records its outcome and releases its
	// lease), then the database.
	stopFeeds()
	jobsDone.Wait()
	if v, ok := svcs.Vulns.(*service.VulnService); ok {
		v.Wait()
	}
	logger.Info("cyra stopped")
	return err
}

// parseBaseURL validates --base-url; nil means "derive from the listener".
func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("--base-url must be an http(s) URL such as https://cyra.example.com, not %q", s)
	}
	return u, nil
}

// purgeSessions deletes ended sessions every ten minutes until ctx ends.
func purgeSessions(ctx context.Context, auth cra.AuthService, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := auth.PurgeSessions(ctx)
			if err != nil {
				logger.Warn("purging sessions failed", "err", err)
				continue
			}
			logger.Debug("purged sessions", "count", n)
		}
	}
}

// registerDBMetrics exports the connection pools' statistics.
func registerDBMetrics(reg *metrics.Registry, db *sqlstore.DB) {
	type pool struct {
		name  string
		stats sql.DBStats
	}
	pools := func() []pool {
		w, r := db.Stats()
		if db.Dialect() == "postgres" {
			return []pool{{"shared", w}}
		}
		return []pool{{"write", w}, {"read", r}}
	}
	export := func(name, help, typ string, value func(sql.DBStats) float64) {
		reg.NewGaugeFunc(name, help, typ, []string{"pool"}, func() []metrics.Sample {
			var out []metrics.Sample
			for _, p := range pools() {
				out = append(out, metrics.Sample{Labels: []string{p.name}, Value: value(p.stats)})
			}
			return out
		})
	}
	export("cyra_db_open_connections", "Open database connections by pool.", "gauge", func(s sql.DBStats) float64 { return float64(s.OpenConnections) })
	export("cyra_db_in_use_connections", "Database connections in use by pool.", "gauge", func(s sql.DBStats) float64 { return float64(s.InUse) })
	export("cyra_db_idle_connections", "Idle database connections by pool.", "gauge", func(s sql.DBStats) float64 { return float64(s.Idle) })
	export("cyra_db_wait_count_total", "Waits for a free database connection by pool.", "counter", func(s sql.DBStats) float64 { return float64(s.WaitCount) })
	export("cyra_db_wait_seconds_total", "Time spent waiting for a free database connection by pool.", "counter", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() })
}
