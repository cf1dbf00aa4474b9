package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds"
	"cyra/internal/service"
)

// feedFlags are the flags that configure the vulnerability feeds, shared
// by serve and feeds sync.
type feedFlags struct {
	enabled    *string
	intervals  *string
	ecosystems *string
	nvdKey     *string
	osvURL     *string
	kevURL     *string
	euvdURL    *string
	nvdURL     *string
	epssURL    *string
}

func addFeedFlags(f *flags) feedFlags {
	return feedFlags{
		enabled:    f.string("feeds", "osv,kev,euvd,nvd,epss", "feeds to enable, comma-separated, or none"),
		intervals:  f.string("feed-intervals", "", "sync intervals per feed, e.g. osv=30m,epss=24h (defaults: osv 1h, kev 1h, euvd 6h, nvd 4h, epss 24h)"),
		ecosystems: f.string("osv-ecosystems", "", "OSV ecosystems to sync, comma-separated (default: those of the portfolio's components)"),
		nvdKey:     f.string("nvd-api-key", "", "NVD API key: raises NVD's rate limit from 5 to 50 requests per 30 s"),
		osvURL:     f.string("osv-url", feeds.DefaultOSVURL, "base URL of the OSV export bucket or a mirror"),
		kevURL:     f.string("kev-url", feeds.DefaultKEVURL, "URL of the CISA KEV catalog (JSON) or a mirror"),
		euvdURL:    f.string("euvd-url", feeds.DefaultEUVDURL, "base URL of the ENISA EUVD API or a mirror"),
		nvdURL:     f.string("nvd-url", feeds.DefaultNVDURL, "URL of the NVD CVE API 2.0 or a mirror"),
		epssURL:    f.string("epss-url", feeds.DefaultEPSSURL, "URL of the FIRST EPSS API or a mirror"),
	}
}

// options turns the flags into the service's feed options.
func (ff feedFlags) options() (service.FeedOptions, error) {
	var o service.FeedOptions
	enabled := strings.TrimSpace(*ff.enabled)
	var names []cra.VulnSource
	if enabled != "none" {
		var err error
		if names, err = cra.ParseFeedNames(enabled); err != nil {
			return o, usagef("--feeds: %s", cra.ErrorMessage(err))
		}
	}
	o.Intervals = map[cra.VulnSource]time.Duration{}
	if s := strings.TrimSpace(*ff.intervals); s != "" {
		for _, part := range strings.Split(s, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if !ok || err != nil || d < time.Minute {
				return o, usagef("--feed-intervals: %q is not feed=duration with a duration of at least 1m", part)
			}
			n, err := cra.ParseFeedNames(k)
			if err != nil || len(n) != 1 {
				return o, usagef("--feed-intervals: unknown feed %q", k)
			}
			o.Intervals[n[0]] = d
		}
	}
	for _, e := range strings.Split(*ff.ecosystems, ",") {
		if e = strings.TrimSpace(e); e != "" {
			o.Ecosystems = append(o.Ecosystems, e)
		}
	}
	fs, err := feeds.New(feeds.Config{
		Enabled: names, UserAgent: "cyra/" + Version() + " (+https://github.com/cyra-cra/cyra)", NVDAPIKey: *ff.nvdKey,
		OSVURL: *ff.osvURL, KEVURL: *ff.kevURL, EUVDURL: *ff.euvdURL, NVDURL: *ff.nvdURL, EPSSURL: *ff.epssURL,
	})
	if err != nil {
		return o, usagef("%s", err)
	}
	o.Feeds = fs
	o.Reader = feeds.ReadFile
	host, _ := os.Hostname()
	o.Holder = fmt.Sprintf("%s/%d", host, os.Getpid())
	return o, nil
}

func runFeeds(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra feeds sync | status | import | export-bundle | import-bundle | keygen")
	}
	switch args[0] {
	case "sync":
		return runFeedsSync(ctx, e, args[1:])
	case "status":
		return runFeedsStatus(ctx, e, args[1:])
	case "import":
		return runFeedsImport(ctx, e, args[1:])
	case "export-bundle":
		return runExportBundle(ctx, e, args[1:])
	case "import-bundle":
		return runImportBundle(ctx, e, args[1:])
	case "keygen":
		return runKeygen(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use sync, status, import, export-bundle, import-bundle or keygen", args[0])
}

// offlineFeeds opens the database with the feeds configured.
func offlineFeeds(ctx context.Context, db dbFlags, fo service.FeedOptions) (cra.Services, context.Context, func() error, error) {
	store, err := db.open(ctx, false)
	if err != nil {
		return cra.Services{}, nil, nil, err
	}
	svcs := service.New(store, service.Options{Feeds: fo, Version: Version()})
	return svcs, cra.WithActor(ctx, cra.SystemActor("cli")), store.Close, nil
}

func runFeedsSync(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "feeds sync", "feeds sync [--only osv,kev,euvd,nvd,epss] [flags]")
	only := f.String("only", "", "sync only these feeds, comma-separated (default: every enabled feed)")
	jsonOut := f.Bool("json", false, "print the runs as JSON")
	db := addDBFlags(f)
	ff := addFeedFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	names, err := cra.ParseFeedNames(*only)
	if err != nil {
		return usagef("--only: %s", cra.ErrorMessage(err))
	}
	if *only == "" {
		names = nil
	}
	fo, err := ff.options()
	if err != nil {
		return err
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, fo)
	if err != nil {
		return err
	}
	defer closeDB()
	bar := newProgress(e.stderr)
	runs, err := svcs.Vulns.SyncFeeds(sys, names, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(runs); err != nil {
			return err
		}
	} else {
		for _, r := range runs {
			fmt.Fprintln(e.stdout, runLine(r))
		}
	}
	failed := 0
	for _, r := range runs {
		if r.Error != "" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d feeds failed; their earlier data is kept", failed, len(runs))
	}
	return nil
}

// runLine is one feed run as a line of text.
func runLine(r cra.FeedRun) string {
	switch {
	case r.Disabled:
		return fmt.Sprintf("%-5s disabled on this instance", r.Feed)
	case r.Busy:
		return fmt.Sprintf("%-5s skipped: another cyra is syncing it right now", r.Feed)
	}
	s := r.Stats
	line := fmt.Sprintf("%-5s %d added, %d changed, %d unchanged", r.Feed, s.Added, s.Changed, s.Unchanged)
	if s.Removed > 0 {
		line += fmt.Sprintf(", %d removed", s.Removed)
	}
	if s.Merged > 0 {
		line += fmt.Sprintf(", %d merged", s.Merged)
	}
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	line += fmt.Sprintf(" in %s", r.Duration.Round(time.Millisecond))
	if r.Error != "" {
		line += "; FAILED: " + r.Error
	}
	return line
}

func runFeedsStatus(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "feeds status", "feeds status [--json] [flags]")
	jsonOut := f.Bool("json", false, "print JSON")
	db := addDBFlags(f)
	ff := addFeedFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	fo, err := ff.options()
	if err != nil {
		return err
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, fo)
	if err != nil {
		return err
	}
	defer closeDB()
	st, err := svcs.Vulns.Feeds(sys)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tSTATE\tLAST SUCCESS\tRECORDS\tLAST ERROR")
	for _, s := range st {
		state := "current"
		switch {
		case !s.Enabled:
			state = "disabled"
		case s.Running:
			state = "running"
		case s.Stale:
			state = "failing"
		case s.LastSuccess == nil:
			state = "never run"
		}
		last := "-"
		if s.LastSuccess != nil {
			last = s.LastSuccess.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Feed, state, last, s.Records, s.LastError)
	}
	return tw.Flush()
}

func runFeedsImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "feeds import", "feeds import PATH... [flags]  (OSV directories, zips or JSON files; KEV catalogs)")
	db := addDBFlags(f)
	if err := f.parse(args, 1<<20); err != nil {
		return err
	}
	if f.NArg() == 0 {
		return usagef("name at least one OSV directory, zip or JSON file, or a KEV catalog")
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, service.FeedOptions{})
	if err != nil {
		return err
	}
	defer closeDB()
	var total cra.ImportStats
	for i := range f.NArg() {
		path := f.Arg(i)
		st, kind, err := feeds.ImportPath(sys, path, svcs.Vulns)
		total.Add(st)
		if err != nil {
			return fmt.Errorf("%s: %w (imported before the failure: %d added, %d changed)", path, err, total.Added, total.Changed)
		}
		fmt.Fprintf(e.stdout, "%s (%s): %d added, %d changed, %d unchanged, %d skipped, %d merged\n",
			path, kind, st.Added, st.Changed, st.Unchanged, st.Skipped, st.Merged)
		for _, p := range st.Problems {
			fmt.Fprintf(e.stderr, "  skipped: %s\n", p)
		}
	}
	return nil
}

// progress draws a progress bar on a terminal and plain lines elsewhere
// (CI logs), at most one line per stage and tenth of the work.
type progress struct {
	w        io.Writer
	terminal bool
	last     string
	lastPct  int
	drawn    bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, lastPct: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(feed cra.VulnSource, stage string, done, total int) {
	key := string(feed) + " " + stage
	pct := -1
	if total > 0 {
		pct = min(100, done*100/total)
	}
	if p.terminal {
		const width = 30
		bar := strings.Repeat(" ", width)
		if pct >= 0 {
			bar = strings.Repeat("#", pct*width/100) + strings.Repeat(".", width-pct*width/100)
		}
		fmt.Fprintf(p.w, "\r%-30.30s [%s] %d/%d\033[K", key, bar, done, total)
		p.drawn = true
		return
	}
	if key == p.last && (pct < 0 || pct/10 == p.lastPct/10) {
		return
	}
	p.last, p.lastPct = key, pct
	if total > 0 {
		fmt.Fprintf(p.w, "%s: %d/%d\n", key, done, total)
	} else {
		fmt.Fprintf(p.w, "%s: %d\n", key, done)
	}
}

func (p *progress) done() {
	if p.terminal && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
