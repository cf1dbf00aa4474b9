package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// cursor is the OSV feed's state between syncs, stored as JSON by cyra:
//
//	{"v":1,"ecosystems":{"PyPI":{"zip_etag":"\"abc\"","zip_last_modified":"…",
//	  "csv_etag":"\"def\"","csv_last_modified":"…",
//	  "newest":"2026-05-01T10:00:00Z","newest_ids":["PYSEC-2026-1"]}}}
//
// An ecosystem without an entry has never been imported and starts with
// its all.zip.
type cursor struct {
	Version    int                   `json:"v"`
	Ecosystems map[string]*ecoCursor `json:"ecosystems"`
}

// ecoCursor is one ecosystem's state: the validators of the all.zip and
// modified_id.csv last read, and the newest modified time processed with
// the ids listed at exactly that time (so a record sharing the second of
// the last one processed is not lost, and the last one is not fetched
// again).
type ecoCursor struct {
	ZipETag         string    `json:"zip_etag,omitempty"`
	ZipLastModified string    `json:"zip_last_modified,omitempty"`
	CSVETag         string    `json:"csv_etag,omitempty"`
	CSVLastModified string    `json:"csv_last_modified,omitempty"`
	Newest          time.Time `json:"newest"`
	NewestIDs       []string  `json:"newest_ids,omitempty"`
}

// decodeCursor reads a stored cursor. An empty or unreadable one starts
// afresh (a full import of every ecosystem), which is always correct, only
// slower; refusing to sync would leave the feed stuck.
func decodeCursor(s string) cursor {
	var c cursor
	if s != "" {
		if err := json.Unmarshal([]byte(s), &c); err != nil || c.Version != 1 {
			c = cursor{}
		}
	}
	if c.Ecosystems == nil {
		c.Ecosystems = map[string]*ecoCursor{}
	}
	c.Version = 1
	return c
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // plain strings and times: cannot fail
	return string(b)
}

// change is one line of a modified_id.csv.
type change struct {
	Modified time.Time
	ID       string
}

var errNotCSV = errors.New("not a modified_id.csv: no line reads <RFC 3339 time>,<id>")

// parseModified reads a modified_id.csv: lines "<RFC 3339 modified>,<id>",
// newest first, no header. The bucket's top-level file writes the id as
// "<ecosystem>/<id>"; the ecosystem is dropped. Lines that do not parse
// (a header, a blank line) are ignored, but a non-empty file in which no
// line parses is an error. An id listed twice keeps its newest time.
func parseModified(data []byte) ([]change, error) {
	var out []change
	at := map[string]int{}
	bad := 0
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		ts, id, ok := strings.Cut(string(line), ",")
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(ts))
		id = strings.TrimSpace(id)
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			id = id[i+1:]
		}
		if !ok || err != nil || id == "" {
			bad++
			continue
		}
		if i, dup := at[id]; dup {
			if t.After(out[i].Modified) {
				out[i].Modified = t
			}
			continue
		}
		at[id] = len(out)
		out = append(out, change{Modified: t.UTC(), ID: id})
	}
	if len(out) == 0 && bad > 0 {
		return nil, errNotCSV
	}
	return out, nil
}

// pending returns the changes not yet processed by the state e: those
// newer than e.Newest, and those at exactly e.Newest that e has not seen.
func (e *ecoCursor) pending(changes []change) []change {
	var out []change
	for _, c := range changes {
		if c.Modified.After(e.Newest) || (c.Modified.Equal(e.Newest) && !slices.Contains(e.NewestIDs, c.ID)) {
			out = append(out, c)
		}
	}
	return out
}

// advance moves the newest time and ids forward to the newest changes
// listed (it never moves back, should a server serve an older list).
func (e *ecoCursor) advance(changes []change) {
	for _, c := range changes {
		switch {
		case c.Modified.After(e.Newest):
			e.Newest, e.NewestIDs = c.Modified, []string{c.ID}
		case c.Modified.Equal(e.Newest) && !slices.Contains(e.NewestIDs, c.ID):
			e.NewestIDs = append(e.NewestIDs, c.ID)
		}
	}
	slices.Sort(e.NewestIDs)
}
