package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cyra/internal/cli"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// run runs the CLI in-process with an environment map and stdin.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"cyra"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// dbEnv returns the environment selecting a fresh database of the dialect.
func dbEnv(t *testing.T, dialect string) map[string]string {
	if dialect == "postgres" {
		return map[string]string{"CYRA_DATABASE_URL": testutil.PostgresSchemaURL(t)}
	}
	return map[string]string{"CYRA_DATA": t.TempDir()}
}

// rawDB opens the database behind env for tampering.
func rawDB(t *testing.T, env map[string]string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", env["CYRA_DATABASE_URL"]
	if dsn == "" {
		driver, dsn = "sqlite", filepath.Join(env["CYRA_DATA"], sqlstore.SQLiteFileName)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		code int
		err  string
	}{
		{nil, nil, 2, ""},
		{[]string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--nope"}, nil, 2, "flag provided but not defined: -nope"},
		{[]string{"serve", "extra"}, nil, 2, `unexpected argument "extra"`},
		{[]string{"serve"}, map[string]string{"CYRA_SESSION_IDLE": "soon"}, 2, `CYRA_SESSION_IDLE="soon" is not a duration`},
		{[]string{"serve", "--log-format", "xml"}, nil, 2, "--log-format must be text or json"},
		{[]string{"serve", "--base-url", "ftp://x"}, nil, 2, "--base-url must be an http(s) URL"},
		{[]string{"user", "create", "--email", "a@b.example"}, nil, 2, "--email and --role are required"},
		{[]string{"user", "create", "--email", "a@b.example", "--role", "root"}, nil, 2, `Unknown role "root"`},
		{[]string{"user", "create", "--email", "a@b.example", "--role", "admin"}, nil, 2, "--password-stdin"},
		{[]string{"token", "create", "--email", "a@b.example", "--name", "ci", "--expires", "forever"}, nil, 2, "--expires"},
		{[]string{"audit"}, nil, 2, "cyra audit verify"},
	} {
		code, _, stderr := run(t, tc.env, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("cyra %v: exit %d, stderr %q; want %d with %q", tc.args, code, stderr, tc.code, tc.err)
		}
	}
	if code, out, _ := run(t, nil, "", "help"); code != 0 || !strings.Contains(out, "serve") {
		t.Errorf("help: %d %s", code, out)
	}
}

func TestUnreachableDatabase(t *testing.T) {
	code, out, stderr := run(t, map[string]string{"CYRA_DATABASE_URL": "postgres://cyra:secret@127.0.0.1:1/cyra?connect_timeout=2"}, "", "serve")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "cannot connect to database postgres://cyra:xxxxx@127.0.0.1:1/cyra") || strings.Contains(stderr, "secret") {
		t.Fatalf("want one line naming the database without its password, got %q", stderr)
	}
	if code, _, stderr := run(t, map[string]string{"CYRA_DATABASE_URL": "mysql://x"}, "", "migrate"); code != 1 || !strings.Contains(stderr, "not supported") {
		t.Fatalf("unsupported URL: %d %q", code, stderr)
	}
}

func TestOfflineAdministration(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := dbEnv(t, d)
			if code, _, stderr := run(t, env, "", "migrate", "--status"); code != 1 || !strings.Contains(stderr, "pending") {
				t.Fatalf("status before migrate: %d %q", code, stderr)
			}
			if code, _, stderr := run(t, env, "", "user", "list"); code != 1 || !strings.Contains(stderr, "run 'cyra migrate' first") {
				t.Fatalf("user list before migrate: %d %q", code, stderr)
			}
			ms, _ := sqlstore.Migrations(d)
			latest := len(ms)
			if code, out, _ := run(t, env, "", "migrate"); code != 0 || !strings.Contains(out, "applied migration 0001") || !strings.Contains(out, fmt.Sprintf("schema version %d of %d", latest, latest)) {
				t.Fatalf("migrate: %d %q", code, out)
			}
			if code, _, stderr := run(t, env, "password1234\n", "user", "create", "--email", "ops@acme.example", "--role", "admin", "--password-stdin"); code != 1 || !strings.Contains(stderr, "password: This password is on a list of commonly used passwords") {
				t.Fatalf("weak password: %d %q", code, stderr)
			}
			if code, out, _ := run(t, env, "tundra-velvet-comet-19\n", "user", "create", "--email", "Ops@Acme.example", "--role", "admin", "--password-stdin"); code != 0 || !strings.Contains(out, "created person ops@acme.example") {
				t.Fatalf("create admin: %d %q", code, out)
			}
			if code, _, stderr := run(t, env, "tundra-velvet-comet-19\n", "user", "create", "--email", "ops@acme.example", "--role", "admin", "--password-stdin"); code != 1 || !strings.Contains(stderr, "already exists") {
				t.Fatalf("duplicate: %d %q", code, stderr)
			}
			// The way back in for an administrator who forgot the password.
			if code, out, _ := run(t, env, "cobalt-orchard-fable-88\n", "user", "set-password", "--email", "ops@acme.example", "--password-stdin"); code != 0 || !strings.Contains(out, "password set for ops@acme.example") {
				t.Fatalf("set-password: %d %q", code, out)
			}
			if code, _, _ := run(t, env, "", "user", "create", "--email", "ci@acme.example", "--role", "member", "--service"); code != 0 {
				t.Fatal("create service account")
			}
			code, out, stderr := run(t, env, "", "token", "create", "--email", "ci@acme.example", "--name", "ci", "--expires", "90d")
			if code != 0 || !regexp.MustCompile(`^cyra_[A-Za-z0-9_-]{43}\n$`).MatchString(out) || !strings.Contains(stderr, "role member") {
				t.Fatalf("token create: %d %q %q", code, out, stderr)
			}
			if code, _, stderr := run(t, env, "", "token", "create", "--email", "ci@acme.example", "--name", "ci", "--role", "admin"); code != 1 || !strings.Contains(stderr, "higher than its owner") {
				t.Fatalf("token above owner: %d %q", code, stderr)
			}
			if code, out, _ := run(t, env, "", "user", "list"); code != 0 || !strings.Contains(out, "ci@acme.example") || !strings.Contains(out, "service") {
				t.Fatalf("user list: %q", out)
			}
			code, out, _ = run(t, env, "", "audit", "verify")
			if code != 0 || !strings.HasPrefix(out, "intact: 4 entries, head ") {
				t.Fatalf("verify: %d %q", code, out)
			}
			// Someone with database access rewrites history.
			db := rawDB(t, env)
			drop := `DROP TRIGGER audit_log_no_update`
			if d == "postgres" {
				drop = `DROP TRIGGER audit_log_no_change ON audit_log`
			}
			if _, err := db.Exec(drop); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`UPDATE audit_log SET actor = 'nobody' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			code, out, stderr = run(t, env, "", "audit", "verify")
			if code != 1 || !strings.Contains(out, "BROKEN at entry 2") || !strings.Contains(stderr, "audit log is broken at entry 2") {
				t.Fatalf("tampered: %d %q %q", code, out, stderr)
			}
			// A database migrated by a newer cyra is refused.
			if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', '2030-01-01T00:00:00.000000Z')`); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"user", "list"}} {
				if code, _, stderr := run(t, env, "", args...); code != 1 || !strings.Contains(stderr, fmt.Sprintf("schema is at version 99 but this cyra only knows versions up to %d", latest)) {
					t.Fatalf("%v on newer schema: %d %q", args, code, stderr)
				}
			}
		})
	}
}

var setupURL = regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/setup\?token=(cyrasetup_[A-Za-z0-9_-]{43})) to set it up`)

// Serve starts `cyra serve` in-process and returns the setup URL it
// printed and a function that stops it and returns its exit code.
func Serve(t *testing.T, env map[string]string, args ...string) (string, *testutil.SyncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &testutil.SyncBuffer{}, &testutil.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, append([]string{"cyra", "serve", "--addr", "127.0.0.1:0", "--feeds", "none"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), out, errb)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := setupURL.FindStringSubmatch(out.String()); m != nil {
			stop := func() int {
				cancel()
				select {
				case code := <-done:
					return code
				case <-time.After(20 * time.Second):
					t.Fatal("serve did not stop within 20s")
					return -1
				}
			}
			return m[1], errb, stop
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("no setup URL printed; stdout %q stderr %q", out.String(), errb.String())
	return "", nil, nil
}

func TestServeFirstRunAndShutdown(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := dbEnv(t, d)
			env["CYRA_LOG_FORMAT"] = "json"
			first, _, stop := Serve(t, env)
			base := first[:strings.Index(first, "/setup")]
			resp, err := http.Get(first)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("setup page: %v %v", resp, err)
			}
			resp.Body.Close()
			for _, p := range []string{"/healthz", "/readyz"} {
				resp, err := http.Get(base + p)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("%s: %v %v", p, resp, err)
				}
				resp.Body.Close()
			}
			if code := stop(); code != 0 {
				t.Fatalf("graceful shutdown exit %d", code)
			}
			// A restart without users prints a new link; the old one is void.
			second, logs, stop := Serve(t, env)
			if second == first {
				t.Fatal("restart reused the setup token")
			}
			base = second[:strings.Index(second, "/setup")]
			resp, err = http.Get(base + "/setup?token=" + setupURL.FindStringSubmatch("open " + first + " to set it up")[2])
			if err != nil || resp.StatusCode != 403 {
				t.Fatalf("old setup link after restart: %v", resp.StatusCode)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Contains(body, []byte("replaced by a newer one")) {
				t.Fatalf("old link message: %s", body)
			}
			stop()
			// JSON logs: every line is a JSON object; the request was logged.
			sc := bufio.NewScanner(strings.NewReader(logs.String()))
			n := 0
			for sc.Scan() {
				if !strings.HasPrefix(sc.Text(), "{") {
					t.Fatalf("non-JSON log line %q", sc.Text())
				}
				if strings.Contains(sc.Text(), `"route":"GET /setup"`) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d logged setup requests in %s", n, logs.String())
			}
		})
	}
}

func TestDataDirectoryIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := run(t, map[string]string{"CYRA_DATA": dir}, "", "migrate"); code != 0 {
		t.Fatal(stderr)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v %v", st.Mode(), err)
	}
}
