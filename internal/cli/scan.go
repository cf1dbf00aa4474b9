package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/scanout"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
)

// errAtThreshold makes cyra scan exit 1: it found what --fail-on names.
var errAtThreshold = errors.New("findings at or above the --fail-on threshold")

// scanInputError is any failure of cyra scan other than findings: it
// exits 2, so that a CI job can tell "the scan found something" (1) from
// "the scan could not run" (2).
func scanInputError(err error) error {
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	msg := err.Error()
	var ce *cra.Error
	if errors.As(err, &ce) {
		msg = ce.Message
		keys := make([]string, 0, len(ce.Fields))
		for k := range ce.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			msg += fmt.Sprintf(" %s: %s", k, ce.Fields[k])
		}
	}
	return &usageError{strings.Join(strings.Fields(msg), " ")}
}

const scanSynopsis = `scan FILE [--format table|json|sarif|cyclonedx-vex] [--fail-on LEVEL] [--ignore FILE] [--output FILE] [--data DIR | --database-url URL]

Matches an SBOM (CycloneDX or SPDX; - reads standard input) against the
advisories of the local database, offline, and stores nothing. Load the
database first with 'cyra feeds sync' or 'cyra feeds import'.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it;
2 a usage or input error, or the scan could not run.`

func runScan(ctx context.Context, e *env, args []string) error {
	// A CI runner's memory is shared with the build; unless GOMEMLIMIT
	// says otherwise, the collector keeps the heap near scanMemoryLimit
	// (a soft limit: a larger SBOM still scans, with more collection).
	if e.getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(scanMemoryLimit))
	}
	err := scan(ctx, e, args)
	if err == nil || errors.Is(err, errAtThreshold) || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return scanInputError(err)
}

// scanMemoryLimit is cyra scan's default soft memory limit.
const scanMemoryLimit = 256 << 20

func scan(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "scan", scanSynopsis)
	format := f.String("format", scanout.FormatTable, "output format: "+strings.Join(scanout.Formats, ", "))
	failOn := f.String("fail-on", "none", "exit 1 when a finding is at or above: critical, high, medium, low, kev, exploited, any, or none")
	ignore := f.String("ignore", "", "YAML file of accepted findings (id, optional purl or package, reason, expires)")
	output := f.String("output", "-", "write the report to this file instead of standard output")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usagef("give the SBOM file (or - for standard input)")
	}
	*format = strings.ToLower(*format)
	if !slices.Contains(scanout.Formats, *format) {
		return usagef("--format must be one of %s, not %q", strings.Join(scanout.Formats, ", "), *format)
	}
	if err := scanout.ValidFailOn(*failOn); err != nil {
		return usagef("%s", err)
	}
	now := time.Now()

	var ignores *scanout.IgnoreList
	if *ignore != "" {
		data, err := readLimited(*ignore, scanout.MaxIgnoreSize)
		if err != nil {
			return fmt.Errorf("--ignore: %w", err)
		}
		if ignores, err = scanout.ParseIgnore(*ignore, data); err != nil {
			return err
		}
	}

	name := f.Arg(0)
	data, _, err := readInput(e, name, service.DefaultSBOMMaxSize)
	if err != nil {
		return err
	}
	if len(data) > service.DefaultSBOMMaxSize {
		return fmt.Errorf("%s is larger than the %d-byte limit for SBOMs", name, service.DefaultSBOMMaxSize)
	}
	if name == "-" {
		name = "stdin"
	} else {
		name = filepath.ToSlash(filepath.Clean(name))
	}

	// Scanning reads the database; it must not create one in a mistyped
	// --data directory and then report a clean result.
	if *db.url == "" {
		path := filepath.Join(*db.data, sqlstore.SQLiteFileName)
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("no cyra database at %s: create it with 'cyra migrate' and load advisories with 'cyra feeds sync' or 'cyra feeds import', or give --data or --database-url", path)
		}
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, service.FeedOptions{})
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := svcs.Findings.Scan(sys, name, data, "")
	if err != nil {
		return err
	}
	if res.Advisories == 0 {
		fmt.Fprintln(e.stderr, "cyra scan: warning: the database holds no advisories, so nothing can match; run 'cyra feeds sync' or 'cyra feeds import' first")
	}

	kept, ignored, warnings := ignores.Apply(res.Findings, now)
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "cyra scan: warning: %s\n", w)
	}
	if len(ignored) > 0 {
		fmt.Fprintf(e.stderr, "cyra scan: %d %s ignored as accepted in %s\n", len(ignored), plural(len(ignored), "finding", "findings"), *ignore)
	}
	res.Findings = kept

	var buf bytes.Buffer
	if err := scanout.Write(&buf, *format, res, scanout.Meta{Version: Version(), Time: now}); err != nil {
		return err
	}
	if *output == "-" || *output == "" {
		if _, err := io.Copy(e.stdout, &buf); err != nil {
			return err
		}
	} else if err := os.WriteFile(*output, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if *format != scanout.FormatTable || (*output != "-" && *output != "") {
		fmt.Fprintf(e.stderr, "cyra scan: %s: %d components, %d %s, %d not matchable\n", name, res.Components,
			len(res.Findings), plural(len(res.Findings), "finding", "findings"), len(res.NotMatchable))
	}
	if hits := scanout.AtThreshold(*failOn, res.Findings); len(hits) > 0 {
		return fmt.Errorf("%w: %d %s at or above %s", errAtThreshold, len(hits), plural(len(hits), "finding", "findings"), strings.ToLower(*failOn))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readLimited reads a file of at most limit bytes (one more, so that the
// caller's parser sees that it is too large).
func readLimited(name string, limit int64) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, limit+1))
}
