package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"cyra/internal/api"
	"cyra/internal/cra"
	"cyra/internal/manifest"
)

func runProduct(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra product create | list | show")
	}
	switch args[0] {
	case "create":
		return runProductCreate(ctx, e, args[1:])
	case "list":
		return runProductList(ctx, e, args[1:])
	case "show":
		return runProductShow(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use create, list or show", args[0])
}

// apiCommand is a command that talks to the API: its flags, including
// --format and the client flags, and the output format.
type apiCommand struct {
	*flags
	format *string
	cf     clientFlags
}

func newAPICommand(e *env, name, synopsis string) *apiCommand {
	f := newFlags(e, name, synopsis)
	return &apiCommand{flags: f, format: f.String("format", "text", "output format: text or json"), cf: addClientFlags(f)}
}

// start parses the arguments, allowing up to maxArgs positional ones.
func (c *apiCommand) start(args []string, maxArgs int) error {
	if err := c.parse(args, maxArgs); err != nil {
		return err
	}
	if *c.format != "text" && *c.format != "json" {
		return usagef("--format must be text or json, not %q", *c.format)
	}
	return nil
}

// json reports whether JSON output was asked for.
func (c *apiCommand) json() bool { return *c.format == "json" }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runProductCreate(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "product create", "product create --name N [flags]")
	var in api.ProductInput
	f.StringVar(&in.Name, "name", "", "product name (required, unique)")
	f.StringVar(&in.Model, "model", "", "model or type designation")
	f.StringVar(&in.SKU, "sku", "", "SKU")
	f.StringVar(&in.Description, "description", "", "description")
	f.StringVar(&in.IntendedPurpose, "intended-purpose", "", "intended purpose")
	f.StringVar(&in.ForeseeableUse, "foreseeable-use", "", "reasonably foreseeable use")
	f.StringVar(&in.ForeseeableMisuse, "foreseeable-misuse", "", "reasonably foreseeable misuse")
	f.StringVar(&in.OperatingEnvironment, "operating-environment", "", "operating environment")
	rdp := f.String("remote-data-processing", "", "describe the product's remote data processing, if it has any")
	role := f.String("operator-role", "manufacturer", "manufacturer, importer, distributor, authorised-representative or open-source-steward")
	lic := f.String("licensing", "proprietary", "proprietary, foss-commercial or foss-non-commercial")
	states := f.String("member-states", "", "comma-separated Member States where it is made available, e.g. DE,FR,AT")
	f.StringVar(&in.Team, "team", "", "owning team")
	lifecycle := f.String("lifecycle", "in-development", "in-development, on-market, end-of-support or withdrawn")
	if err := f.start(args, 0); err != nil {
		return err
	}
	if in.Name == "" {
		return usagef("--name is required")
	}
	in.RemoteDataProcessing, in.RDPDescription = *rdp != "", *rdp
	in.OperatorRole, in.Licensing, in.Lifecycle = cra.OperatorRole(*role), cra.Licensing(*lic), cra.Lifecycle(*lifecycle)
	in.MemberStates = splitList(*states)
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	var p api.Product
	if err := c.json(ctx, "POST", "/api/v1/products", in, &p); err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "created product %d %s\n", p.ID, p.Name)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runProductList(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "product list", "product list [flags]")
	if err := f.start(args, 0); err != nil {
		return err
	}
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	var out struct {
		Products  []api.ProductOverview `json:"products"`
		Readiness api.Readiness         `json:"readiness"`
	}
	if err := c.json(ctx, "GET", "/api/v1/products", nil, &out); err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCATEGORY\tSCOPE\tREADINESS\tRELEASES\tWARNINGS")
	for _, p := range out.Products {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d%%\t%d\t%d\n", p.ID, p.Name, categoryText(p.Classification), scopeText(p.Scope), p.Readiness.Percent, len(p.Releases), len(p.Warnings))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "portfolio readiness: %d%%\n", out.Readiness.Percent)
	return nil
}

func categoryText(c *api.Classification) string {
	if c == nil {
		return "not classified"
	}
	return c.Category
}

func scopeText(s *api.Scope) string {
	switch {
	case s == nil:
		return "not checked"
	case s.InScope:
		return "in scope"
	}
	return "excluded"
}

// findProduct resolves a product given by id or by name.
func findProduct(ctx context.Context, c *client, ref string) (*api.ProductOverview, error) {
	if ref == "" {
		return nil, usagef("--product is required (its id or its name)")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		var p api.ProductOverview
		if err := c.json(ctx, "GET", "/api/v1/products/"+strconv.FormatInt(id, 10), nil, &p); err != nil {
			return nil, err
		}
		return &p, nil
	}
	var out struct {
		Products []api.ProductOverview `json:"products"`
	}
	if err := c.json(ctx, "GET", "/api/v1/products", nil, &out); err != nil {
		return nil, err
	}
	for i := range out.Products {
		if out.Products[i].Name == ref {
			return &out.Products[i], nil
		}
	}
	return nil, cra.Errorf(cra.ENOTFOUND, "No product named %q.", ref)
}

// productCommand runs the common part of commands about one product:
// parse --product and the API flags and fetch the product.
func productCommand(ctx context.Context, e *env, name, synopsis string, args []string) (*apiCommand, *api.ProductOverview, error) {
	f := newAPICommand(e, name, synopsis)
	ref := f.String("product", "", "the product's id or name (required)")
	if err := f.start(args, 0); err != nil {
		return nil, nil, err
	}
	c, err := f.cf.client()
	if err != nil {
		return nil, nil, err
	}
	p, err := findProduct(ctx, c, *ref)
	return f, p, err
}

func runProductShow(ctx context.Context, e *env, args []string) error {
	f, p, err := productCommand(ctx, e, "product show", "product show --product ID|NAME [flags]", args)
	if err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, p)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s (id %d)\n", p.Name, p.ID)
	fmt.Fprintf(w, "  role: %s, licensing: %s, lifecycle: %s, markets: %s\n", p.OperatorRole, p.Licensing, p.Lifecycle, strings.Join(p.MemberStates, ","))
	fmt.Fprintf(w, "  scope: %s\n", scopeText(p.Scope))
	if p.Scope != nil {
		fmt.Fprintf(w, "    %s (%s, %s)\n", p.Scope.Summary, p.Scope.DecidedBy, p.Scope.DecidedAt.Format("2006-01-02"))
	}
	if cl := p.Classification; cl != nil {
		fmt.Fprintf(w, "  classification: %s %s (%s), standards applied: %s\n", cl.Category, cl.CategoryName, cl.Class, cl.Standards)
		for _, r := range cl.Routes {
			allowed := "not allowed"
			if r.Allowed {
				allowed = "allowed"
			}
			fmt.Fprintf(w, "    %-5s %-11s %s (%s)\n", r.Module, allowed, r.Rule, r.Article)
		}
	} else {
		fmt.Fprintln(w, "  classification: not classified")
	}
	fmt.Fprintf(w, "  Annex I readiness: %d%% (%d met, %d not applicable, %d in progress, %d not started)\n",
		p.Readiness.Percent, p.Readiness.Met, p.Readiness.NotApplicable, p.Readiness.InProgress, p.Readiness.NotStarted)
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if len(p.Releases) > 0 {
		fmt.Fprintln(w, "  releases:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "    VERSION\tRELEASED\tON MARKET SINCE\tSUPPORT END\tSTATUS")
		for _, r := range p.Releases {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", r.Version, orDash(r.ReleaseDate), orDash(r.PlacedOnMarket), orDash(r.SupportEnd), r.Status)
		}
		tw.Flush()
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runRelease(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra release create | list")
	}
	switch args[0] {
	case "create":
		return runReleaseCreate(ctx, e, args[1:])
	case "list":
		return runReleaseList(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use create or list", args[0])
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func runReleaseCreate(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "release create", "release create --product ID|NAME --version V [flags]")
	ref := f.String("product", "", "the product's id or name (required)")
	var in api.ReleaseInput
	f.StringVar(&in.Version, "version", "", "version string (required)")
	f.StringVar(&in.ReleaseDate, "release-date", "", "release date, YYYY-MM-DD")
	f.StringVar(&in.PlacedOnMarket, "placed-on-market", "", "date first made available on the EU market, YYYY-MM-DD")
	f.StringVar(&in.SupportEnd, "support-end", "", "last month of the support period, YYYY-MM")
	f.StringVar(&in.ShortSupportJustification, "short-support-justification", "", "why the support period is under five years (expected use time)")
	substantial := f.String("substantial-modification", "", "what changed, if this version is a substantial modification")
	f.BoolVar(&in.SecurityUpdate, "security-update", false, "this release fixes vulnerabilities")
	status := f.String("status", "released", "planned, released or withdrawn")
	var comps multiFlag
	f.Var(&comps, "component", "a contained release of another product, as PRODUCT@VERSION (repeatable)")
	if err := f.start(args, 0); err != nil {
		return err
	}
	if in.Version == "" {
		return usagef("--version is required")
	}
	in.SubstantialModification, in.ModificationReason, in.Status = *substantial != "", *substantial, cra.ReleaseStatus(*status)
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	p, err := findProduct(ctx, c, *ref)
	if err != nil {
		return err
	}
	for _, comp := range comps {
		name, version, ok := strings.Cut(comp, "@")
		if !ok || name == "" || version == "" {
			return usagef("--component %q: write it as PRODUCT@VERSION", comp)
		}
		cp, err := findProduct(ctx, c, name)
		if err != nil {
			return err
		}
		found := false
		for _, r := range cp.Releases {
			if r.Version == version {
				in.Components, found = append(in.Components, r.ID), true
			}
		}
		if !found {
			return cra.Errorf(cra.ENOTFOUND, "%s has no release %s.", cp.Name, version)
		}
	}
	var r api.Release
	if err := c.json(ctx, "POST", "/api/v1/products/"+strconv.FormatInt(p.ID, 10)+"/releases", in, &r); err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, r)
	}
	fmt.Fprintf(e.stdout, "created release %d: %s %s\n", r.ID, p.Name, r.Version)
	return nil
}

func runReleaseList(ctx context.Context, e *env, args []string) error {
	f, p, err := productCommand(ctx, e, "release list", "release list --product ID|NAME [flags]", args)
	if err != nil {
		return err
	}
	if f.json() {
		return printJSON(e.stdout, p.Releases)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tRELEASED\tON MARKET SINCE\tSUPPORT END\tSTATUS\tCOMPONENTS")
	for _, r := range p.Releases {
		var comps []string
		for _, c := range r.Components {
			comps = append(comps, c.ProductName+"@"+c.Version)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Version, orDash(r.ReleaseDate), orDash(r.PlacedOnMarket), orDash(r.SupportEnd), r.Status, orDash(strings.Join(comps, ", ")))
	}
	return tw.Flush()
}

// runApply sends a product manifest to the server, which applies it as a
// whole or not at all.
func runApply(ctx context.Context, e *env, args []string) error {
	f := newAPICommand(e, "apply", "apply -f FILE [flags]")
	file := f.String("f", "", "the product manifest, YAML (.yaml, .yml) or JSON (.json); - reads standard input")
	if err := f.start(args, 0); err != nil {
		return err
	}
	if *file == "" {
		return usagef("-f FILE is required")
	}
	var data []byte
	var err error
	name := *file
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(e.stdin, 2<<20))
		name = "stdin"
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	c, err := f.cf.client()
	if err != nil {
		return err
	}
	ct := "application/yaml"
	if strings.EqualFold(filepath.Ext(name), ".json") {
		ct = "application/json"
	}
	var res struct {
		Changes []struct {
			Object string `json:"object"`
			Action string `json:"action"`
		} `json:"changes"`
	}
	err = c.do(ctx, "POST", "/api/v1/apply?name="+url.QueryEscape(filepath.Base(name)), ct, strings.NewReader(string(data)), &res)
	if err != nil {
		if problems := manifestProblems(filepath.Base(name), err); cra.ErrorCode(err) == cra.EINVALID && len(problems) > 0 {
			for _, line := range problems {
				fmt.Fprintln(e.stderr, line)
			}
			return fmt.Errorf("%s: %d problem(s); nothing was applied", name, len(problems))
		}
		return err
	}
	if f.json() {
		return printJSON(e.stdout, res)
	}
	counts := map[string]int{}
	for _, ch := range res.Changes {
		counts[ch.Action]++
		if ch.Action != "unchanged" {
			fmt.Fprintf(e.stdout, "%s %s\n", ch.Action, ch.Object)
		}
	}
	fmt.Fprintf(e.stdout, "%s: %d created, %d updated, %d unchanged\n", name, counts["created"], counts["updated"], counts["unchanged"])
	return nil
}

// manifestProblems lists an apply error's problems one per line, as
// "file:line: path: message".
func manifestProblems(name string, err error) []string {
	return manifest.Problems(name, err)
}
