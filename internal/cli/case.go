package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"cyra/internal/api"
	"cyra/internal/cra"
)

// cyra case reads Art. 14 cases from the local database, like cyra vuln:
// an operator (or a script) can list them, read one with its deadlines and
// filed stages, and export one as the API's JSON export, without a running
// server or a token. Cases are opened and filed in the web UI or the API.

func runCase(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra case list | show ID | export ID")
	}
	switch args[0] {
	case "list":
		return runCaseList(ctx, e, args[1:])
	case "show":
		return runCaseShow(ctx, e, args[1:])
	case "export":
		return runCaseExport(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use list, show or export", args[0])
}

// caseID reads the one positional argument, a case id ("12" or "#12").
func caseID(f *flags, example string) (int64, error) {
	if len(f.pos) != 1 {
		return 0, usagef("name the case by its id, e.g. %s", example)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(f.pos[0], "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not a case id (a positive number)", f.pos[0])
	}
	return id, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runCaseList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "case list", "case list [--open] [--json] [flags]")
	open := f.Bool("open", false, "only open cases (not closed, final report not submitted)")
	jsonOut := f.Bool("json", false, "print JSON, as GET /api/v1/cases")
	db := addDBFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	svcs, sys, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	list, err := svcs.Cases.Cases(sys, cra.CaseFilter{OpenOnly: *open})
	if err != nil {
		return err
	}
	now := time.Now()
	if *jsonOut {
		out := struct {
			Cases []api.Case `json:"cases"`
		}{Cases: []api.Case{}}
		for i := range list {
			out.Cases = append(out.Cases, api.CaseOf(&list[i], now))
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tPRODUCT\tNEXT\tDUE (UTC)\tTITLE")
	for i := range list {
		v := &list[i]
		c := v.Case
		state, next, due := "open", "-", "-"
		switch {
		case c.Submitted(cra.StageFinalReport) != nil:
			state = "filed"
		case c.ClosedAt != nil:
			state = "closed"
		default:
			if st := c.NextStage(); st != "" {
				next = string(st)
			}
			if d, overdue := api.NextDeadline(v, now); d != nil {
				due = d.Format("2006-01-02 15:04")
				if overdue {
					state = "overdue"
				}
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, state, v.ProductName, next, due, c.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d cases\n", len(list))
	return nil
}

func runCaseShow(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "case show", "case show ID [--json] [flags]")
	jsonOut := f.Bool("json", false, "print JSON, as GET /api/v1/cases/{id}")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	id, err := caseID(f, "cyra case show 12")
	if err != nil {
		return err
	}
	svcs, sys, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := svcs.Cases.Case(sys, id)
	if err != nil {
		return err
	}
	now := time.Now()
	if *jsonOut {
		return writeJSON(e.stdout, api.CaseOf(v, now))
	}
	printCase(e.stdout, v, now)
	return nil
}

// printCase writes a case for people: what it is about, its deadlines in
// UTC and each stage with its state and, once filed, its revision.
func printCase(w io.Writer, v *cra.CaseView, now time.Time) {
	c := v.Case
	utc := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	fmt.Fprintf(w, "Case %d: %s\n%s\n\n", c.ID, c.Title, c.Kind.Label())
	var rels []string
	for _, r := range v.Releases {
		rels = append(rels, r.Version)
	}
	fmt.Fprintf(w, "product:      %s %s\n", v.ProductName, strings.Join(rels, ", "))
	if c.VulnKey != "" {
		fmt.Fprintf(w, "vulnerability: %s\n", c.VulnKey)
	}
	fmt.Fprintf(w, "aware since:  %s\n", utc(c.AwarenessAt))
	if c.FixAvailableAt != nil {
		fmt.Fprintf(w, "fix since:    %s\n", utc(*c.FixAvailableAt))
	}
	if v.Coordinator != "" {
		fmt.Fprintf(w, "coordinator:  %s (%s)\n", v.Coordinator, v.CoordinatorRule)
	} else if v.CoordinatorError != "" {
		fmt.Fprintf(w, "coordinator:  not decided: %s\n", v.CoordinatorError)
	}
	switch {
	case c.Submitted(cra.StageFinalReport) != nil:
		fmt.Fprintln(w, "state:        final report submitted")
	case c.ClosedAt != nil:
		fmt.Fprintf(w, "state:        closed %s: %s\n", utc(*c.ClosedAt), c.ClosedReason)
	default:
		fmt.Fprintf(w, "state:        open, next %s\n", c.NextStage().Label())
	}
	if v.SMENote != "" {
		fmt.Fprintf(w, "note:         %s\n", v.SMENote)
	}
	fmt.Fprintln(w, "\ndeadlines:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, st := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification, cra.StageFinalReport} {
		d := v.Deadlines.For(st)
		due := d.PendingReason
		if d.Due != nil {
			due = utc(*d.Due)
		}
		state := v.States[string(st)]
		if state == "" {
			state = c.StateOf(st, 0, now)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", st.Label(), state, due)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nstages:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range api.CaseStages(c) {
		label := api.StageLabel(r.Stage, r.Seq)
		switch {
		case r.Submitted():
			fmt.Fprintf(tw, "  %s\tsubmitted %s\tSRP %s\trevision %s\n", label, utc(*r.SubmittedAt), dash(r.SRPID), r.Revision)
		case r.Status == "":
			fmt.Fprintf(tw, "  %s\tnot started\t\t\n", label)
		default:
			missing := len(v.Problems[api.StageKey(r.Stage, r.Seq)])
			fmt.Fprintf(tw, "  %s\t%s\t%d fields to complete\t\n", label, r.Status, missing)
		}
	}
	tw.Flush()
	if n := v.Notice; n != nil {
		if n.SentAt != nil {
			fmt.Fprintf(w, "\nnotice to users: sent %s via %s\n", utc(*n.SentAt), n.Channel)
		} else {
			fmt.Fprintln(w, "\nnotice to users: drafted, not sent")
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runCaseExport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "case export", "case export ID [--output FILE] [flags]")
	output := f.String("output", "", "write the export to FILE instead of stdout")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	id, err := caseID(f, "cyra case export 12 --output case-12.json")
	if err != nil {
		return err
	}
	svcs, sys, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := svcs.Cases.Case(sys, id)
	if err != nil {
		return err
	}
	exp := api.ExportCase(v, time.Now())
	if *output == "" {
		return writeJSON(e.stdout, exp)
	}
	out, err := os.Create(*output)
	if err != nil {
		return err
	}
	if err := writeJSON(out, exp); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote case %d to %s\n", id, *output)
	return nil
}
