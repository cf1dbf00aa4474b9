package sqlstore

import (
	"strconv"
	"strings"
)

type dialect string

const (
	sqlite   dialect = "sqlite"
	postgres dialect = "postgres"
)

// rebind turns ? placeholders into $1, $2, … for PostgreSQL. Queries in
// this package never contain a literal question mark.
func (d dialect) rebind(q string) string {
	if d != postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Advisory-lock keys for PostgreSQL. SQLite needs none: its one writer
// serialises every write transaction.
const (
	lockMigrate int64 = 0x63797261_0001 // "cyra" 1
	lockAudit   int64 = 0x63797261_0002
	lockUsers   int64 = 0x63797261_0003
	// lockOrganisation serialises read-modify-write of the organisation
	// (SELECT … FOR UPDATE would find no row to lock before setup).
	lockOrganisation int64 = 0x63797261_0004
)
