package sqlstore

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"cyra/internal/cra"
)

// formatError turns driver errors that callers can act on into cra errors;
// everything else passes through (and is reported as internal).
func formatError(err error) error {
	if err == nil {
		return nil
	}
	var ce *cra.Error
	if errors.As(err, &ce) {
		return err
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &cra.Error{Code: cra.ECONFLICT, Message: "This already exists."}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &cra.Error{Code: cra.EINVALID, Message: "A referenced object does not exist."}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return &cra.Error{Code: cra.ECONFLICT, Message: "This already exists."}
		case "23503": // foreign_key_violation
			return &cra.Error{Code: cra.EINVALID, Message: "A referenced object does not exist."}
		}
	}
	return err
}

// notFound maps sql.ErrNoRows to an ENOTFOUND error with the given message.
func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &cra.Error{Code: cra.ENOTFOUND, Message: msg}
	}
	return err
}
