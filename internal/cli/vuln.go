package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"cyra/internal/cra"
	"cyra/internal/service"
)

func runVuln(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra vuln show ID | search TEXT")
	}
	switch args[0] {
	case "show":
		return runVulnShow(ctx, e, args[1:])
	case "search":
		return runVulnSearch(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use show or search", args[0])
}

func runVulnShow(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "vuln show", "vuln show ID [--json] [flags]  (any alias: CVE, GHSA, EUVD, GO, PYSEC, RUSTSEC, …)")
	jsonOut := f.Bool("json", false, "print JSON")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return usagef("name the vulnerability, e.g. cyra vuln show CVE-2021-44228")
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, service.FeedOptions{})
	if err != nil {
		return err
	}
	defer closeDB()
	v, err := svcs.Vulns.Vulnerability(sys, f.Arg(0))
	if err != nil {
		return err
	}
	if *jsonOut {
		for i := range v.Advisories {
			v.Advisories[i].Raw = nil
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s\n%s\n\naliases: %s\n", v.Key, v.Summary(), strings.Join(v.Aliases, ", "))
	if s := v.MaxSeverity(); s != nil {
		fmt.Fprintf(w, "severity: %s %.1f (%s)\n", s.Rating, s.Score, s.Vector)
	}
	for _, k := range v.KEV {
		state := "listed"
		if k.Removed != nil {
			state = "removed " + k.Removed.UTC().Format("2006-01-02")
		}
		fmt.Fprintf(w, "CISA KEV: %s added %s, due %s, ransomware %s (%s)\n", k.CVE, k.DateAdded, k.DueDate, k.RansomwareUse, state)
	}
	if t := v.ExploitedSince(); t != nil {
		fmt.Fprintf(w, "EUVD: exploited since %s\n", t.UTC().Format("2006-01-02"))
	}
	if len(v.EPSS) > 0 {
		fmt.Fprintf(w, "EPSS: %.4f (percentile %.4f) on %s\n", v.EPSS[0].Score, v.EPSS[0].Percentile, v.EPSS[0].Date)
	}
	if t := v.Withdrawn(); t != nil {
		fmt.Fprintf(w, "withdrawn: %s (no longer matched)\n", t.UTC().Format("2006-01-02"))
	}
	fmt.Fprintln(w, "\nsources:")
	for _, a := range v.Advisories {
		fmt.Fprintf(w, "  %s %s", a.Source, a.ID)
		for _, af := range a.Affected {
			fmt.Fprintf(w, "\n    %s/%s", af.Ecosystem, af.Name)
			for _, r := range af.Ranges {
				var ev []string
				for _, e := range r.Events {
					ev = append(ev, strings.TrimSuffix(fmt.Sprintf("%s%s%s%s", prefixed("introduced ", e.Introduced), prefixed("fixed ", e.Fixed),
						prefixed("last_affected ", e.LastAffected), prefixed("limit ", e.Limit)), " "))
				}
				fmt.Fprintf(w, " [%s: %s]", r.Type, strings.Join(ev, ", "))
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

func prefixed(p, v string) string {
	if v == "" {
		return ""
	}
	return p + v
}

func runVulnSearch(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "vuln search", "vuln search [TEXT] [--kev] [--exploited] [--ecosystem E] [--json] [flags]")
	kev := f.Bool("kev", false, "only KEV-listed vulnerabilities")
	exploited := f.Bool("exploited", false, "only known exploited ones (KEV or EUVD)")
	eco := f.String("ecosystem", "", "only those affecting this OSV ecosystem, e.g. PyPI")
	limit := f.Int("limit", 50, "at most this many results (max 500)")
	jsonOut := f.Bool("json", false, "print JSON")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, service.FeedOptions{})
	if err != nil {
		return err
	}
	defer closeDB()
	list, total, err := svcs.Vulns.SearchVulnerabilities(sys, cra.VulnFilter{Query: f.Arg(0), KEV: *kev, Exploited: *exploited, Ecosystem: *eco, Limit: *limit})
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Total           int               `json:"total"`
			Vulnerabilities []cra.VulnSummary `json:"vulnerabilities"`
		}{total, list})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tEXPLOITED\tSUMMARY")
	for _, v := range list {
		sev := "-"
		if v.Severity != nil {
			sev = fmt.Sprintf("%s %.1f", v.Severity.Rating, v.Severity.Score)
		}
		var ex []string
		if v.KEVAdded != nil {
			ex = append(ex, "KEV "+v.KEVAdded.String())
		}
		if v.ExploitedSince != nil {
			ex = append(ex, "EUVD")
		}
		summary := v.Summary
		if len(summary) > 80 {
			summary = summary[:77] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Key, sev, strings.Join(ex, ","), summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d of %d shown\n", len(list), total)
	return nil
}
