package sqlstore

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeFormat is how times are written: UTC, microseconds (PostgreSQL's
// precision), fixed width, so that SQLite's text comparison orders them.
// PostgreSQL parses the same text into TIMESTAMPTZ.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// dbTime encodes a time for either database.
func dbTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// dbTimePtr encodes an optional time as NULL or text.
func dbTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// scanTime reads a time column from either database.
type scanTime struct {
	T     time.Time
	Valid bool
}

var _ interface {
	Scan(any) error
} = (*scanTime)(nil)

// Scan implements sql.Scanner for TEXT (SQLite) and TIMESTAMPTZ (pgx).
func (s *scanTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		s.T, s.Valid = time.Time{}, false
		return nil
	case time.Time:
		s.T, s.Valid = v.UTC(), true
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T into a time", v)
}

func (s *scanTime) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("bad time %q in database: %w", v, err)
	}
	s.T, s.Valid = t.UTC(), true
	return nil
}

// Ptr returns the time or nil when the column was NULL.
func (s *scanTime) Ptr() *time.Time {
	if !s.Valid {
		return nil
	}
	t := s.T
	return &t
}

// Value implements driver.Valuer so a scanTime can be written back.
func (s scanTime) Value() (driver.Value, error) {
	if !s.Valid {
		return nil, nil
	}
	return dbTime(s.T), nil
}
