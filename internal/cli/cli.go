// Package cli is cyra's command line and its composition root: the only
// package that wires stores, services and transports together.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and found a problem, or failed
	ExitUsage   = 2 // bad flags or arguments
)

// env is the process environment a command runs in.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand.
type command struct {
	name, usage string
	run         func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web UI and API", runServe},
		{"migrate", "apply database migrations (or show --status)", runMigrate},
		{"user", "manage users offline: user create, list, set-password", runUser},
		{"token", "create API tokens offline: token create", runToken},
		{"audit", "check the audit log: audit verify", runAudit},
		{"product", "products via the API: product create, list, show", runProduct},
		{"release", "releases via the API: release create, list", runRelease},
		{"apply", "apply a product manifest (YAML or JSON) via the API", runApply},
		{"sbom", "SBOMs: sbom check, convert (offline); upload, export, diff, search (via the API)", runSBOM},
		{"feeds", "vulnerability feeds: feeds sync, status, import, export-bundle, import-bundle, keygen", runFeeds},
		{"vuln", "vulnerabilities: vuln show ID, vuln search TEXT", runVuln},
		{"case", "Art. 14 cases offline: case list, show ID, export ID", runCase},
		{"scan", "match an SBOM offline against the local database, for CI (exit 1 at --fail-on)", runScan},
		{"bench", "build a synthetic portfolio and measure matching (docs/benchmarks.md)", runBench},
		{"version", "print the version", runVersion},
	}
}

// usageError marks errors that should print usage and exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Run runs the cyra command line and returns the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 || args[1] == "help" || args[1] == "-h" || args[1] == "--help" {
		printUsage(stdout)
		if len(args) < 2 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != args[1] {
			continue
		}
		err := c.run(ctx, e, args[2:])
		return report(stderr, c.name, err)
	}
	fmt.Fprintf(stderr, "cyra: unknown command %q\n\n", args[1])
	printUsage(stderr)
	return ExitUsage
}

// report prints err as one line and maps it to an exit code.
func report(stderr io.Writer, name string, err error) int {
	var ue *usageError
	var ce *cra.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "cyra %s: %s\nRun 'cyra %s -h' for help.\n", name, ue.msg, name)
		return ExitUsage
	case errors.As(err, &ce):
		msg := ce.Message
		for k, v := range ce.Fields {
			msg += fmt.Sprintf(" %s: %s", k, v)
		}
		fmt.Fprintf(stderr, "cyra %s: %s\n", name, msg)
		return ExitFailure
	}
	// One line, whatever the error holds.
	fmt.Fprintf(stderr, "cyra %s: %s\n", name, strings.Join(strings.Fields(err.Error()), " "))
	return ExitFailure
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "cyra: EU Cyber Resilience Act compliance platform")
	fmt.Fprintln(w, "\nUsage: cyra <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nRun 'cyra <command> -h' for a command's flags. Every flag can also be set")
	fmt.Fprintln(w, "with an environment variable: --database-url is CYRA_DATABASE_URL. The product,")
	fmt.Fprintln(w, "release and apply commands talk to a running cyra: set CYRA_SERVER and CYRA_TOKEN.")
}

// flags is a FlagSet whose defaults come from CYRA_* environment variables.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []error
	pos    []string // positional arguments, wherever they stood
}

func newFlags(e *env, name, synopsis string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cyra %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return &flags{FlagSet: fs, getenv: e.getenv}
}

// envName is the environment variable for a flag: --database-url is
// CYRA_DATABASE_URL.
func envName(flagName string) string {
	return "CYRA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) string(name, def, usage string) *string {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	return f.String(name, def, usage+" (env "+envName(name)+")")
}

func (f *flags) duration(name string, def time.Duration, usage string) *time.Duration {
	if v := f.getenv(envName(name)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, usagef("%s=%q is not a duration (like 30m or 12h)", envName(name), v))
		} else {
			def = d
		}
	}
	return f.Duration(name, def, usage+" (env "+envName(name)+")")
}

// parse parses args, allowing flags before and after positional
// arguments ("cyra sbom check FILE --format json"), and reports
// environment errors and stray arguments. Everything after "--" is
// positional.
func (f *flags) parse(args []string, maxArgs int) error {
	f.pos = nil
	for {
		before := len(args)
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &usageError{err.Error()}
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		// Parse stops at the first positional argument or after "--".
		if consumed := before - len(rest); consumed > 0 && args[consumed-1] == "--" {
			f.pos = append(f.pos, rest...)
			break
		}
		f.pos, args = append(f.pos, rest[0]), rest[1:]
	}
	if len(f.errs) > 0 {
		return f.errs[0]
	}
	if len(f.pos) > maxArgs {
		return usagef("unexpected argument %q", f.pos[maxArgs])
	}
	return nil
}

// NArg is the number of positional arguments.
func (f *flags) NArg() int { return len(f.pos) }

// Arg returns the i-th positional argument.
func (f *flags) Arg(i int) string {
	if i < 0 || i >= len(f.pos) {
		return ""
	}
	return f.pos[i]
}

// dbFlags are the flags that select the database.
type dbFlags struct {
	data, url *string
}

func addDBFlags(f *flags) dbFlags {
	return dbFlags{
		data: f.string("data", "./cyra-data", "directory for the SQLite database (ignored with --database-url)"),
		url:  f.string("database-url", "", "PostgreSQL URL (postgres://user:pass@host/db); empty uses SQLite in --data"),
	}
}

// open opens the database and applies or checks migrations.
func (d dbFlags) open(ctx context.Context, migrate bool) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, sqlstore.Options{URL: *d.url, DataDir: *d.data})
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	cur, latest, err := db.SchemaVersion(ctx)
	if err == nil && cur != latest {
		if cur > latest {
			err = &sqlstore.ErrSchemaTooNew{Current: cur, Latest: latest}
		} else {
			err = fmt.Errorf("the database schema is at version %d, this cyra needs %d: run 'cyra migrate' first", cur, latest)
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// newLogger builds the process logger.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level must be debug, info, warn or error, not %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, not %q", format)
}

// Version is the build's version, from the module build info.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
		return v
	}
	return "(unknown)"
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fmt.Fprintf(e.stdout, "cyra %s\n", Version())
	return nil
}
