package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

const manifestYAML = `# Two products; the gateway contains the library.
products:
  - name: Nordlicht Gateway
    model: NG-100
    intended_purpose: Connect building sensors to the fleet cloud
    remote_data_processing: true
    rdp_description: Fleet management API
    operator_role: manufacturer
    licensing: proprietary
    member_states: [DE, FR]
    lifecycle: on-market
    classification:
      category: I-12
      rationale: Its core functionality is routing between the building network and the internet.
      standards: none
    releases:
      - version: "1.0.0"
        release_date: 2026-01-10
        placed_on_market: 2026-02-01
        support_end: 2031-02
        components:
          - product: Crypto library
            version: 3.1.0
  - name: Crypto library
    licensing: foss-commercial
    releases:
      - version: 3.1.0
        release_date: 2025-06-01
`

// serveWithToken starts cyra with an administrator and an API token of
// the given role, returning the environment for client commands.
func serveWithToken(t *testing.T, dialect string, role cra.Role) (map[string]string, func() int) {
	t.Helper()
	env := dbEnv(t, dialect)
	setup, _, stop := Serve(t, env)
	base := setup[:strings.Index(setup, "/setup")]
	// Create a user and a token directly on the same database.
	opts := sqlstore.Options{URL: env["CYRA_DATABASE_URL"], DataDir: env["CYRA_DATA"]}
	db, err := sqlstore.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := service.New(db, service.Options{})
	sys := cra.WithActor(context.Background(), cra.SystemActor("test"))
	u, err := svc.Users.CreateUser(sys, cra.NewUser{Email: string(role) + "@acme.example", Role: role, Kind: cra.KindService})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := svc.Tokens.CreateToken(sys, cra.NewToken{UserID: u.ID, Name: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"CYRA_SERVER": base, "CYRA_TOKEN": ct.Secret}, stop
}

func TestProductCommands(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env, stop := serveWithToken(t, d, cra.RoleMember)
			defer stop()
			if code, _, stderr := run(t, map[string]string{"CYRA_SERVER": env["CYRA_SERVER"]}, "", "product", "list"); code != 2 || !strings.Contains(stderr, "CYRA_TOKEN") {
				t.Fatalf("no token: %d %q", code, stderr)
			}
			if code, _, stderr := run(t, map[string]string{"CYRA_SERVER": env["CYRA_SERVER"], "CYRA_TOKEN": "cyra_wrong"}, "", "product", "list"); code != 1 || !strings.Contains(stderr, "not valid") {
				t.Fatalf("bad token: %d %q", code, stderr)
			}
			code, out, stderr := run(t, env, "", "product", "create", "--name", "Sensor Hub", "--member-states", "DE,AT", "--remote-data-processing", "Telemetry backend", "--lifecycle", "on-market")
			if code != 0 || !strings.Contains(out, "created product") {
				t.Fatalf("create: %d %q %q", code, out, stderr)
			}
			if code, _, stderr := run(t, env, "", "product", "create", "--name", "Bad", "--operator-role", "reseller"); code != 1 || !strings.Contains(stderr, "operator_role") {
				t.Fatalf("bad role: %d %q", code, stderr)
			}
			if code, _, stderr := run(t, env, "", "release", "create", "--product", "Sensor Hub", "--version", "2.0", "--release-date", "2026-03-01",
				"--placed-on-market", "2026-03-15", "--support-end", "2029-03"); code != 1 || !strings.Contains(stderr, "support_end") {
				t.Fatalf("short support: %d %q", code, stderr)
			}
			if code, out, stderr := run(t, env, "", "release", "create", "--product", "Sensor Hub", "--version", "2.0", "--release-date", "2026-03-01",
				"--placed-on-market", "2026-03-15", "--support-end", "2031-03"); code != 0 || !strings.Contains(out, "Sensor Hub 2.0") {
				t.Fatalf("release: %d %q %q", code, out, stderr)
			}
			code, out, _ = run(t, env, "", "release", "list", "--product", "Sensor Hub")
			if code != 0 || !strings.Contains(out, "2031-03") {
				t.Fatalf("release list: %q", out)
			}
			code, out, _ = run(t, env, "", "product", "show", "--product", "Sensor Hub")
			if code != 0 || !strings.Contains(out, "scope: not checked") || !strings.Contains(out, "warning: The scope check") || !strings.Contains(out, "AT,DE") {
				t.Fatalf("show: %q", out)
			}
			code, out, _ = run(t, env, "", "product", "list", "--format", "json")
			if code != 0 || !strings.Contains(out, `"name": "Sensor Hub"`) {
				t.Fatalf("list json: %q", out)
			}
		})
	}
}

func TestApplyCommand(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env, stop := serveWithToken(t, d, cra.RoleSecurityOfficer)
			defer stop()
			dir := t.TempDir()
			good := filepath.Join(dir, "products.yaml")
			os.WriteFile(good, []byte(manifestYAML), 0o644)
			code, out, stderr := run(t, env, "", "apply", "-f", good)
			if code != 0 || !strings.Contains(out, "created release Nordlicht Gateway 1.0.0") || !strings.Contains(out, "4 created, 0 updated, 0 unchanged") {
				t.Fatalf("apply: %d %q %q", code, out, stderr)
			}
			// Idempotent.
			code, out, _ = run(t, env, "", "apply", "-f", good)
			if code != 0 || !strings.Contains(out, "0 created, 0 updated, 4 unchanged") {
				t.Fatalf("second apply: %q", out)
			}
			// The classification arrived with its routes.
			code, out, _ = run(t, env, "", "product", "show", "--product", "Nordlicht Gateway")
			if code != 0 || !strings.Contains(out, "I-12") || !strings.Contains(out, "Art. 32(2)") {
				t.Fatalf("show: %q", out)
			}
			// A bad file: every problem with file, line and field; nothing applied.
			bad := strings.Replace(manifestYAML, "support_end: 2031-02", "support_end: 2028-02", 1)
			bad = strings.Replace(bad, "category: I-12", "category: I-42", 1)
			bad = strings.Replace(bad, "name: Crypto library", "name: Crypto library v2", 1)
			badPath := filepath.Join(dir, "bad.yaml")
			os.WriteFile(badPath, []byte(bad), 0o644)
			code, _, stderr = run(t, env, "", "apply", "-f", badPath)
			if code != 1 || !strings.Contains(stderr, "bad.yaml:13: products[0].classification.category") || !strings.Contains(stderr, "bad.yaml:20: products[0].releases[0].support_end") {
				t.Fatalf("bad manifest: %d\n%s", code, stderr)
			}
			code, out, _ = run(t, env, "", "product", "list")
			if code != 0 || strings.Contains(out, "Crypto library v2") {
				t.Fatalf("a bad manifest was partly applied: %q", out)
			}
			// Syntax errors and unknown keys name their line too.
			os.WriteFile(badPath, []byte("products:\n  - name: X\n    colour: blue\n"), 0o644)
			if code, _, stderr := run(t, env, "", "apply", "-f", badPath); code != 1 || !strings.Contains(stderr, "bad.yaml:3:") || !strings.Contains(stderr, "colour") {
				t.Fatalf("unknown key: %d %q", code, stderr)
			}
		})
	}
}
