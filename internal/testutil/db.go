// Package testutil holds helpers shared by tests: databases for both
// dialects and a controllable clock. Only _test.go files import it.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"cyra/internal/sqlstore"
)

// PostgresEnv names the variable holding the PostgreSQL URL for tests. When
// it is set, every database test also runs on PostgreSQL.
const PostgresEnv = "CYRA_TEST_DATABASE_URL"

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Dialects returns the dialects to test: "sqlite" always, "postgres" when
// CYRA_TEST_DATABASE_URL is set.
func Dialects() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// EachDB runs fn as a subtest once per dialect with a fresh, migrated
// database.
func EachDB(t *testing.T, now func() time.Time, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			fn(t, MustOpenDB(t, d, now))
		})
	}
}

// MustOpenDB opens a fresh, migrated database of the dialect. SQLite lives
// in a temporary directory; PostgreSQL gets a schema of its own, dropped
// when the test ends, so packages can run in parallel on one database.
func MustOpenDB(tb testing.TB, dialect string, now func() time.Time) *sqlstore.DB {
	tb.Helper()
	opts := sqlstore.Options{DataDir: tb.TempDir(), Now: now}
	if dialect == "postgres" {
		opts.URL = PostgresSchemaURL(tb)
	}
	db, err := sqlstore.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return db
}

// PostgresSchemaURL creates an empty schema in the test PostgreSQL and
// returns a URL whose search_path points at it. The schema is dropped when
// the test ends.
func PostgresSchemaURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("%s is not set; skipping PostgreSQL", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "cyra_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema on %s: %v", sqlstore.RedactURL(base), err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
