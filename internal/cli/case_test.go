package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// seedCases migrates the database behind env and opens two cases on it:
// an open one whose early warning is filed, and a closed one. It returns
// their ids.
func seedCases(t *testing.T, env map[string]string) (open, closed int64) {
	t.Helper()
	if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
		t.Fatal(stderr)
	}
	db, err := sqlstore.Open(context.Background(), sqlstore.Options{URL: env["CYRA_DATABASE_URL"], DataDir: env["CYRA_DATA"]})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := service.New(db, service.Options{})
	sys := cra.WithActor(context.Background(), cra.SystemActor("test"))
	if _, err := svc.Organisation.UpdateOrganisation(sys, cra.Organisation{LegalName: "Nordlicht Devices GmbH", PostalAddress: "Hamburg",
		ContactEmail: "psirt@nordlicht.example", MemberState: "DE"}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Products.CreateProduct(sys, cra.Product{Name: "Sensor Hub", MemberStates: []string{"DE", "AT"}})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := svc.Products.CreateRelease(sys, p.ID, cra.Release{Version: "2.1.0", Status: cra.ReleasePlanned})
	if err != nil {
		t.Fatal(err)
	}
	aware := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	v, err := svc.Cases.OpenCase(sys, cra.NewCase{Kind: cra.CaseAEV, ProductID: p.ID, ReleaseIDs: []int64{rel.ID}, Title: "Parser exploited",
		AwarenessAt: aware, VulnID: "CVE-2024-35195"})
	if err != nil {
		t.Fatal(err)
	}
	open = v.Case.ID
	if _, err := svc.Cases.SaveStage(sys, open, cra.StageEarlyWarning, 0, map[string]string{"3": "The parser is exploited."}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Cases.SubmitStage(sys, open, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: aware.Add(time.Hour), SRPID: "SRP-77"}); err != nil {
		t.Fatal(err)
	}
	v, err = svc.Cases.OpenCase(sys, cra.NewCase{Kind: cra.CaseSI, ProductID: p.ID, Title: "False alarm", AwarenessAt: aware})
	if err != nil {
		t.Fatal(err)
	}
	closed = v.Case.ID
	if _, err := svc.Cases.CloseCase(sys, closed, "Not an incident."); err != nil {
		t.Fatal(err)
	}
	return open, closed
}

func TestCaseCommands(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := dbEnv(t, d)
			open, closed := seedCases(t, env)
			openID, closedID := strconv.FormatInt(open, 10), strconv.FormatInt(closed, 10)

			// The list: both cases, the open one with its next deadline.
			code, out, stderr := run(t, env, "", "case", "list")
			if code != 0 || !strings.Contains(stderr, "2 cases") {
				t.Fatalf("list: %d %s %s", code, out, stderr)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
				t.Fatalf("list: %q", out)
			}
			var openLine, closedLine string
			for _, l := range lines[1:] {
				switch strings.Fields(l)[0] {
				case openID:
					openLine = l
				case closedID:
					closedLine = l
				}
			}
			if f := strings.Fields(openLine); len(f) < 7 || f[1] != "aev" || f[2] != "open" || f[5] != "notification" || !strings.Contains(openLine, "Parser exploited") {
				t.Fatalf("open case line %q", openLine)
			}
			if f := strings.Fields(closedLine); len(f) < 3 || f[1] != "si" || f[2] != "closed" {
				t.Fatalf("closed case line %q", closedLine)
			}
			code, out, _ = run(t, env, "", "case", "list", "--open", "--json")
			var list struct {
				Cases []struct {
					ID           int64      `json:"id"`
					NextStage    string     `json:"next_stage"`
					NextDeadline *time.Time `json:"next_deadline"`
				} `json:"cases"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Cases) != 1 || list.Cases[0].ID != open ||
				list.Cases[0].NextStage != "notification" || list.Cases[0].NextDeadline == nil {
				t.Fatalf("list --open --json: %d %s", code, out)
			}

			// One case for people, and as JSON.
			code, out, _ = run(t, env, "", "case", "show", openID)
			for _, want := range []string{"Case " + openID + ": Parser exploited", "Actively exploited vulnerability", "Sensor Hub 2.1.0",
				"vulnerability: CVE-2024-35195", "coordinator:  DE (Main establishment", "state:        open, next Notification",
				"Early warning", "submitted", "SRP SRP-77", "revision ", "Final report", "Due 14 days after"} {
				if !strings.Contains(out, want) {
					t.Errorf("show lacks %q:\n%s", want, out)
				}
			}
			if code != 0 {
				t.Fatalf("show: %d", code)
			}
			code, out, _ = run(t, env, "", "case", "show", "#"+closedID, "--json")
			var c struct {
				ID           int64  `json:"id"`
				Open         bool   `json:"open"`
				ClosedReason string `json:"closed_reason"`
				Stages       []struct {
					Key string `json:"key"`
				} `json:"stages"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &c) != nil || c.ID != closed || c.Open || c.ClosedReason != "Not an incident." || len(c.Stages) != 3 {
				t.Fatalf("show --json: %d %s", code, out)
			}

			// The export, to a file: the stages' SRP fields in SRP order.
			file := filepath.Join(t.TempDir(), "case.json")
			code, _, stderr = run(t, env, "", "case", "export", openID, "--output", file)
			if code != 0 || !strings.Contains(stderr, "wrote case "+openID) {
				t.Fatalf("export: %d %s", code, stderr)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var exp struct {
				Case struct {
					ID int64 `json:"id"`
				} `json:"case"`
				Stages []struct {
					Key      string `json:"key"`
					SRPID    string `json:"srp_id"`
					Revision string `json:"revision"`
					Fields   []struct {
						ID, Name, Value string
					} `json:"fields"`
				} `json:"stages"`
				Revisions []json.RawMessage `json:"revisions"`
			}
			if err := json.Unmarshal(data, &exp); err != nil || exp.Case.ID != open || len(exp.Stages) != 1 || exp.Stages[0].Key != "early_warning" ||
				exp.Stages[0].SRPID != "SRP-77" || len(exp.Stages[0].Revision) != 64 || len(exp.Revisions) != 1 {
				t.Fatalf("export: %v %s", err, data)
			}
			if f := exp.Stages[0].Fields; f[0].ID != "1" || f[0].Value != "Vulnerability" || f[2].ID != "3" || f[2].Value != "The parser is exploited." || f[3].Value != "Nordlicht Devices GmbH" {
				t.Fatalf("export fields: %+v", f[:4])
			}
			code, out, _ = run(t, env, "", "case", "export", openID)
			if code != 0 || !strings.HasPrefix(out, "{\n  \"exported_at\"") {
				t.Fatalf("export to stdout: %d %.80s", code, out)
			}

			// Mistakes.
			for _, tc := range []struct {
				args []string
				code int
				err  string
			}{
				{[]string{"case"}, 2, "cyra case list"},
				{[]string{"case", "open"}, 2, `unknown subcommand "open"`},
				{[]string{"case", "show"}, 2, "name the case by its id"},
				{[]string{"case", "show", "abc"}, 2, `"abc" is not a case id`},
				{[]string{"case", "show", "1", "2"}, 2, `unexpected argument "2"`},
				{[]string{"case", "show", "99999"}, 1, "99999"},
				{[]string{"case", "export", "99999"}, 1, "99999"},
			} {
				code, _, stderr := run(t, env, "", tc.args...)
				if code != tc.code || !strings.Contains(stderr, tc.err) {
					t.Errorf("cyra %v: exit %d, stderr %q; want %d with %q", tc.args, code, stderr, tc.code, tc.err)
				}
			}
		})
	}
}
