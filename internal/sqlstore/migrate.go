package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migration is one embedded, numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of a dialect ("sqlite" or
// "postgres") in version order. File names are NNNN_name.sql; numbers must
// be unique and contiguous from 1.
func Migrations(d string) ([]Migration, error) {
	dir := "migrations/" + d
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", d, err)
	}
	var ms []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s/%s: name must be NNNN_name.sql", dir, e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations for %s: expected version %d, found %d", d, i+1, m.Version)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)`

// SchemaVersion returns the version the database is at and the newest
// version this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := Migrations(string(db.dialect))
	if err != nil {
		return 0, 0, err
	}
	latest = len(ms)
	err = db.view(ctx, func(tx *Tx) error {
		var exists int
		q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
		if db.dialect == postgres {
			q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`
		}
		if err := tx.queryRow(ctx, q).Scan(&exists); err != nil || exists == 0 {
			return err
		}
		return tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current)
	})
	return current, latest, err
}

// ErrSchemaTooNew is returned when the database was migrated by a newer
// cyra than this one.
type ErrSchemaTooNew struct{ Current, Latest int }

func (e *ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("the database schema is at version %d but this cyra only knows versions up to %d: run a newer cyra (downgrades are not supported)", e.Current, e.Latest)
}

// Migrate applies every pending migration, each in its own transaction,
// then fills in the columns computed in Go that rows written before a
// migration lack (see backfillMatchKeys), and returns the versions
// applied. Replicas starting together on one
// PostgreSQL serialise on an advisory lock. It refuses a schema newer than
// the binary.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(string(db.dialect))
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		done := false
		err := db.update(ctx, func(tx *Tx) error {
			if err := tx.lock(ctx, lockMigrate); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, createMigrationsTable); err != nil {
				return err
			}
			var cur int
			if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
				return err
			}
			if cur > len(ms) {
				return &ErrSchemaTooNew{Current: cur, Latest: len(ms)}
			}
			if cur >= m.Version {
				return nil
			}
			// The driver runs every statement of the file; without
			// arguments pgx uses the simple protocol, which allows several.
			if _, err := tx.tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, dbTime(db.now())); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	// Rows written before a migration added a computed column get it
	// here: SQL cannot compute match keys.
	if err := db.backfillMatchKeys(ctx); err != nil {
		return applied, fmt.Errorf("computing match keys: %w", err)
	}
	return applied, nil
}

// ExecForTestNewerSchema records a migration from the future, as a newer
// cyra would. Tests use it to check that an older binary refuses the
// database; it is never called by cyra itself.
func (db *DB) ExecForTestNewerSchema(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), 999, "future", dbTime(db.now()))
	return err
}
