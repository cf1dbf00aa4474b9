package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"cyra/internal/api"
	"cyra/internal/cra"
	"cyra/internal/sbom"
)

func runSBOM(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra sbom upload | check | convert | export | diff | search")
	}
	switch args[0] {
	case "upload":
		return runSBOMUpload(ctx, e, args[1:])
	case "check":
		return runSBOMCheck(ctx, e, args[1:])
	case "convert":
		return runSBOMConvert(ctx, e, args[1:])
	case "export":
		return runSBOMExport(ctx, e, args[1:])
	case "diff":
		return runSBOMDiff(ctx, e, args[1:])
	case "search":
		return runSBOMSearch(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use upload, check, convert, export, diff or search", args[0])
}

// readInput reads a file argument, or standard input for "-".
func readInput(e *env, name string, limit int64) ([]byte, string, error) {
	if name == "-" {
		data, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
		return data, "stdin", err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	return data, filepath.Base(name), err
}

// parseLocal parses an SBOM file for the offline commands.
func parseLocal(e *env, file string, maxSize int64) (*cra.SBOM, error) {
	data, name, err := readInput(e, file, maxSize)
	if err != nil {
		return nil, err
	}
	return sbom.Parse(name, bytes.NewReader(data), sbom.Options{MaxSize: maxSize})
}

func maxSizeFlag(f *flags) *int64 {
	v := f.Int64("max-size", sbom.DefaultMaxSize, "largest SBOM accepted, in bytes (after decompression)")
	return v
}

// errBelowThreshold makes `cyra sbom check --min-score` exit 1.
var errBelowThreshold = fmt.Errorf("quality score below the threshold")

func runSBOMCheck(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "sbom check", "sbom check FILE [--format text|json] [--min-score N]")
	format := f.String("format", "text", "output format: text or json")
	minScore := f.Int("min-score", 0, "exit with status 1 when the quality score is below this (0-100)")
	maxSize := maxSizeFlag(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usagef("give the SBOM file (or - for standard input)")
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json, not %q", *format)
	}
	if *minScore < 0 || *minScore > 100 {
		return usagef("--min-score must be 0 to 100")
	}
	doc, err := parseLocal(e, f.Arg(0), *maxSize)
	if err != nil {
		return err
	}
	q := sbom.Check(doc)
	if *format == "json" {
		if err := printJSON(e.stdout, struct {
			Format      cra.SBOMFormat    `json:"format"`
			SpecVersion string            `json:"spec_version"`
			Subject     *cra.Component    `json:"subject"`
			Components  int               `json:"components"`
			Direct      int               `json:"direct"`
			WithoutPURL int               `json:"without_purl"`
			Warnings    []string          `json:"warnings"`
			Quality     cra.QualityReport `json:"quality"`
		}{doc.Format, doc.SpecVersion, doc.Subject, len(doc.Components), countDirect(doc), countNoPURL(doc), nonNil(doc.Warnings), q}); err != nil {
			return err
		}
	} else {
		printCheck(e.stdout, f.Arg(0), doc, q)
	}
	if q.Score < *minScore {
		return fmt.Errorf("%w: %d < %d", errBelowThreshold, q.Score, *minScore)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func countDirect(s *cra.SBOM) (n int) {
	for _, c := range s.Components {
		if c.Direct {
			n++
		}
	}
	return n
}

func countNoPURL(s *cra.SBOM) (n int) {
	for _, c := range s.Components {
		if c.PURL == "" {
			n++
		}
	}
	return n
}

func printCheck(w io.Writer, file string, doc *cra.SBOM, q cra.QualityReport) {
	fmt.Fprintf(w, "%s: %s %s\n", file, doc.Format, doc.SpecVersion)
	if s := doc.Subject; s != nil {
		fmt.Fprintf(w, "  describes: %s %s\n", s.Name, s.Version)
	}
	fmt.Fprintf(w, "  components: %d (%d direct, %d without a purl)\n", len(doc.Components), countDirect(doc), countNoPURL(doc))
	if len(doc.Tools) > 0 {
		fmt.Fprintf(w, "  made by: %s\n", strings.Join(doc.Tools, ", "))
	}
	for _, warn := range doc.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	fmt.Fprintf(w, "  quality score: %d/100 (BSI TR-03183-2 and CRA Annex I Part II(1))\n", q.Score)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range q.Checks {
		mark := "ok  "
		if c.Passed < c.Total {
			mark = "FAIL"
		}
		ex := ""
		if len(c.Examples) > 0 {
			ex = " e.g. " + strings.Join(c.Examples, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d/%d\t%s%s\n", mark, c.Title, c.Passed, c.Total, c.Source, ex)
	}
	tw.Flush()
}

// writeOutput writes to -o FILE or standard output.
func writeOutput(e *env, out string, fn func(io.Writer) error) error {
	if out == "" || out == "-" {
		return fn(e.stdout)
	}
	var buf bytes.Buffer
	if err := fn(&buf); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

func exportFormat(s string) (cra.SBOMFormat, error) {
	switch f := cra.SBOMFormat(s); f {
	case cra.FormatCycloneDXJSON, cra.FormatSPDXJSON:
		return f, nil
	}
	return "", usagef("--to must be cyclonedx-json or spdx-json, not %q", s)
}

func runSBOMConvert(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "sbom convert", "sbom convert FILE --to cyclonedx-json|spdx-json [-o OUT]")
	to := f.String("to", "", "target format: cyclonedx-json (1.6) or spdx-json (2.3)")
	out := f.String("o", "", "write to this file instead of standard output")
	maxSize := maxSizeFlag(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usagef("give the SBOM file (or - for standard input)")
	}
	format, err := exportFormat(*to)
	if err != nil {
		return err
	}
	doc, err := parseLocal(e, f.Arg(0), *maxSize)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(f.Arg(0)), filepath.Ext(f.Arg(0)))
	meta := sbom.ExportMeta{Name: name, Namespace: "https://cyra.invalid/convert/" + url.PathEscape(name) + "/" + doc.SerialNumber,
		Created: time.Now().UTC(), Tool: "cyra", ToolVersion: Version()}
	return writeOutput(e, *out, func(w io.Writer) error { return sbom.Encode(w, doc, format, meta) })
}

// findRelease resolves --product and --version to a release.
func findRelease(ctx context.Context, c *client, product, version string) (*api.ProductOverview, *api.Release, error) {
	if version == "" {
		return nil, nil, usagef("--version is required")
	}
	p, err := findProduct(ctx, c, product)
	if err != nil {
		return nil, nil, err
	}
	for i := range p.Releases {
		if p.Releases[i].Version == version {
			return p, &p.Releases[i], nil
		}
	}
	return p, nil, cra.Errorf(cra.ENOTFOUND, "%s has no release %s.", p.Name, version)
}

func runSBOMUpload(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "sbom upload", "sbom upload --product P --version V [--create] FILE")
	product := f.String("product", "", "the product's id or name (required)")
	version := f.String("version", "", "the release's version (required)")
	create := f.Bool("create", false, "create the release (status planned) if it does not exist")
	declared := f.String("sbom-format", "", "declare the format instead of detecting it: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, spdx3-jsonld")
	maxSize := maxSizeFlag(f.flags)
	if err := f.start(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usagef("give the SBOM file (or - for standard input)")
	}
	data, name, err := readInput(e, f.Arg(0), *maxSize)
	if err != nil {
		return err
	}
	if int64(len(data)) > *maxSize {
		return cra.Errorf(cra.ETOOLARGE, "%s is larger than %d bytes.", name, *maxSize)
	}
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	p, rel, err := findRelease(ctx, c, *product, *version)
	if cra.ErrorCode(err) == cra.ENOTFOUND && p != nil && *create {
		var created api.Release
		if err := c.json(ctx, "POST", "/api/v1/products/"+strconv.FormatInt(p.ID, 10)+"/releases", api.ReleaseInput{Version: *version, Status: cra.ReleasePlanned}, &created); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "created release %s %s (planned)\n", p.Name, created.Version)
		rel, err = &created, nil
	}
	if err != nil {
		return err
	}
	q := url.Values{"filename": {name}}
	if *declared != "" {
		q.Set("format", *declared)
	}
	var res struct {
		SBOM     api.SBOMRecord `json:"sbom"`
		Replaced bool           `json:"replaced"`
	}
	if err := c.do(ctx, "POST", "/api/v1/releases/"+strconv.FormatInt(rel.ID, 10)+"/sbom?"+q.Encode(), "application/octet-stream", bytes.NewReader(data), &res); err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, res)
	}
	verb := "imported"
	if res.Replaced {
		verb = "replaced the components with"
	}
	fmt.Fprintf(e.stdout, "%s %s: %s %s %s, %d components, quality %d/100\n", p.Name, rel.Version, verb, res.SBOM.Format, res.SBOM.SpecVersion, res.SBOM.ComponentCount, res.SBOM.Quality.Score)
	for _, w := range res.SBOM.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	return nil
}

func runSBOMExport(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "sbom export", "sbom export --product P --version V --to cyclonedx-json|spdx-json [-o OUT]")
	product := f.String("product", "", "the product's id or name (required)")
	version := f.String("version", "", "the release's version (required)")
	to := f.String("to", "cyclonedx-json", "cyclonedx-json (1.6) or spdx-json (2.3)")
	out := f.String("o", "", "write to this file instead of standard output")
	if err := f.start(args, 0); err != nil {
		return err
	}
	format, err := exportFormat(*to)
	if err != nil {
		return err
	}
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	_, rel, err := findRelease(ctx, c, *product, *version)
	if err != nil {
		return err
	}
	return writeOutput(e, *out, func(w io.Writer) error {
		return c.download(ctx, "/api/v1/releases/"+strconv.FormatInt(rel.ID, 10)+"/sbom?format="+string(format), w)
	})
}

func runSBOMDiff(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "sbom diff", "sbom diff --product P --from V1 --to V2")
	product := f.String("product", "", "the product's id or name (required)")
	from := f.String("from", "", "the older release's version (required)")
	to := f.String("to", "", "the newer release's version (required)")
	if err := f.start(args, 0); err != nil {
		return err
	}
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	_, a, err := findRelease(ctx, c, *product, *from)
	if err != nil {
		return err
	}
	_, b, err := findRelease(ctx, c, *product, *to)
	if err != nil {
		return err
	}
	var d struct {
		Added     []api.Component       `json:"added"`
		Removed   []api.Component       `json:"removed"`
		Changed   []api.ComponentChange `json:"changed"`
		Unchanged int                   `json:"unchanged"`
	}
	if err := c.json(ctx, "GET", fmt.Sprintf("/api/v1/diff?from=%d&to=%d", a.ID, b.ID), nil, &d); err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, d)
	}
	for _, x := range d.Added {
		fmt.Fprintf(e.stdout, "+ %s %s\n", componentLabel(x), x.Version)
	}
	for _, x := range d.Removed {
		fmt.Fprintf(e.stdout, "- %s %s\n", componentLabel(x), x.Version)
	}
	for _, x := range d.Changed {
		fmt.Fprintf(e.stdout, "~ %s %s -> %s\n", componentLabel(x.To), x.From.Version, x.To.Version)
	}
	fmt.Fprintf(e.stdout, "%s..%s: %d added, %d removed, %d changed, %d unchanged\n", *from, *to, len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged)
	return nil
}

func componentLabel(c api.Component) string {
	if c.Group != "" {
		return c.Group + "/" + c.Name
	}
	return c.Name
}

func runSBOMSearch(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "sbom search", "sbom search --purl pkg:TYPE/NAME[@VERSION]")
	purl := f.String("purl", "", "the package, e.g. pkg:npm/lodash or pkg:npm/lodash@4.17.21 (required)")
	if err := f.start(args, 0); err != nil {
		return err
	}
	if *purl == "" {
		return usagef("--purl is required")
	}
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	var res struct {
		Hits []api.ComponentHit `json:"hits"`
	}
	if err := c.json(ctx, "GET", "/api/v1/components/search?purl="+url.QueryEscape(*purl), nil, &res); err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, res)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tRELEASE\tON MARKET\tCOMPONENT\tVERSION\tDIRECT")
	for _, h := range res.Hits {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%v\n", h.ProductName, h.Release, h.OnMarket, componentLabel(h.Component), h.Component.Version, h.Component.Direct)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d release(s) contain %s\n", len(res.Hits), *purl)
	return nil
}
