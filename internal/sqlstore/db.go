// Package sqlstore implements the cra store interfaces with raw SQL on
// SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx). Queries are
// written once with ? placeholders in the SQL both databases understand and
// rebound for PostgreSQL; the few statements that differ live in dialect.go.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// SQLiteFileName is the database file inside the data directory.
const SQLiteFileName = "cyra.db"

// Options say which database to open.
type Options struct {
	// URL selects PostgreSQL ("postgres://…" or "postgresql://…"). When
	// empty, SQLite is used in DataDir.
	URL string
	// DataDir holds the SQLite file; it is created (mode 0700) if missing.
	DataDir string
	// ReadConns is the size of the SQLite read pool (default 4).
	ReadConns int
	// Now is the store's clock (default time.Now).
	Now func() time.Time
}

// DB is an open database: a single-connection writer and a read pool on
// SQLite, one pool for both on PostgreSQL.
type DB struct {
	dialect dialect
	write   *sql.DB
	read    *sql.DB
	now     func() time.Time
	// target describes the database for messages, without credentials.
	target string
}

// Open opens and pings the database. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	db := &DB{now: o.Now}
	if db.now == nil {
		db.now = time.Now
	}
	var err error
	if IsPostgresURL(o.URL) {
		db.dialect = postgres
		db.target = RedactURL(o.URL)
		if db.write, err = sql.Open("pgx", o.URL); err != nil {
			return nil, fmt.Errorf("cannot open database %s: %w", db.target, err)
		}
		db.write.SetMaxOpenConns(20)
		db.write.SetMaxIdleConns(10)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	} else {
		if o.URL != "" {
			return nil, fmt.Errorf("database URL %q is not supported: use postgres://… or leave it empty for SQLite", RedactURL(o.URL))
		}
		if err := db.openSQLite(o); err != nil {
			return nil, err
		}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to database %s: %w", db.target, unwrapConnectError(err))
	}
	return db, nil
}

func (db *DB) openSQLite(o Options) error {
	db.dialect = sqlite
	dir := o.DataDir
	if dir == "" {
		dir = "cyra-data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, SQLiteFileName))
	if err != nil {
		return err
	}
	db.target = path
	// busy_timeout must come first so that the WAL switch waits for other
	// connections instead of failing.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	// One writer: SQLite allows a single writer at a time, and an IMMEDIATE
	// transaction takes the write lock up front, so concurrent writers
	// (another cyra process, the CLI) wait in busy_timeout instead of
	// failing on a lock upgrade.
	if db.write, err = sql.Open("sqlite", base+"&_txlock=immediate"); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	n := o.ReadConns
	if n <= 0 {
		n = 4
	}
	if db.read, err = sql.Open("sqlite", base+"&_pragma=query_only(ON)"); err != nil {
		db.write.Close()
		return err
	}
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Dialect is "sqlite" or "postgres".
func (db *DB) Dialect() string { return string(db.dialect) }

// Target describes the database (file path or redacted URL) for messages.
func (db *DB) Target() string { return db.target }

// Stats returns the connection-pool statistics of the writer and reader
// pools (the same pool twice on PostgreSQL).
func (db *DB) Stats() (write, read sql.DBStats) {
	return db.write.Stats(), db.read.Stats()
}

// Ready reports whether the database answers and its schema is current.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	cur, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur != latest {
		return fmt.Errorf("database schema is at version %d, this cyra needs %d", cur, latest)
	}
	return nil
}

// IsPostgresURL reports whether s selects PostgreSQL.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// RedactURL masks the passwords in a database URL (in the user
// information and in password or sslpassword parameters). A URL that does
// not parse is not echoed at all, since it may hold a password.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(database URL that does not parse)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// unwrapConnectError keeps the innermost useful part of a driver's connect
// error, which for pgx repeats the connection string, on one line.
func unwrapConnectError(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 && strings.Contains(msg, "failed to connect") {
		msg = msg[i+3:]
	}
	return errors.New(strings.Join(strings.Fields(msg), " "))
}
