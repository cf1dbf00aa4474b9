package manifest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cyra/internal/cra"
)

// Locator maps field paths of a parsed manifest to their lines. Paths are
// those of the manifest's keys and list positions joined the usual way:
// "products", "products[0]", "products[0].releases[1].support_end",
// "products[0].scope.medical_device"; "" is the document itself. A key
// that is not a plain name (which only an unknown key can be) is quoted:
// products[0]["a b"]. A key's line is the line of the key, a list item's
// the line of its "-".
type Locator struct {
	name  string
	lines map[string]int
}

// Line returns the 1-based line of a field path, or the line of its
// nearest existing ancestor (e.g. a missing required field reports its
// parent mapping's line); 0 if unknown.
func (l *Locator) Line(path string) int {
	if l == nil {
		return 0
	}
	for {
		if n, ok := l.lines[path]; ok {
			return n
		}
		if path == "" {
			return 0
		}
		path = parent(path)
	}
}

// parent returns the path of the mapping or list that holds path:
// "a[1].b" → "a[1]" → "a" → "". Every step is shorter than the last, so
// walking up always ends at "".
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// Annotate rewrites an EINVALID *cra.Error whose Fields are keyed by paths
// (as returned by the service) so that each message starts with "line N: "
// (N from the Locator), and its Message becomes e.g. "products.yaml: 3
// problems; the first: line 12: products[0].releases[1].support_end:
// <msg>". Non-EINVALID errors are returned unchanged. Keys are left
// unchanged. Messages that already start with a line (Parse's own) keep
// it, so annotating twice changes nothing; a path whose line is unknown
// keeps its message as it is. An EINVALID error without fields gets the
// file name in front of its message. The result is a new *cra.Error; err
// is not modified.
func (l *Locator) Annotate(err error) error {
	var e *cra.Error
	if !errors.As(err, &e) || e.Code != cra.EINVALID {
		return err
	}
	name := "manifest"
	if l != nil {
		name = l.name
	}
	out := *e
	if len(e.Fields) == 0 {
		if !strings.HasPrefix(e.Message, name+": ") {
			out.Message = name + ": " + e.Message
		}
		return &out
	}
	out.Fields = make(map[string]string, len(e.Fields))
	for path, msg := range e.Fields {
		if n, _ := splitLine(msg); n == 0 {
			if n = l.Line(path); n > 0 {
				msg = "line " + strconv.Itoa(n) + ": " + msg
			}
		}
		out.Fields[path] = msg
	}
	out.Message = summary(name, out.Fields, e.Message)
	return &out
}

// Problems returns the problems of an EINVALID error sorted by line then
// path, as "file:line: path: message" strings, for the CLI to print one
// per line. The line comes from the "line N: " a message starts with
// (Parse's messages do; Annotate adds it to the service's); without one
// the entry reads "file: path: message", and a problem of the whole
// document (path "") reads "file:line: message". An EINVALID error without
// fields gives its message as the only entry; any other error gives nil.
func Problems(name string, err error) []string {
	var e *cra.Error
	if !errors.As(err, &e) || e.Code != cra.EINVALID {
		return nil
	}
	if name == "" {
		name = "manifest"
	}
	if len(e.Fields) == 0 {
		if strings.HasPrefix(e.Message, name+": ") {
			return []string{e.Message}
		}
		return []string{name + ": " + e.Message}
	}
	var out []string
	for _, pr := range problemList(e.Fields) {
		s := name
		if pr.line > 0 {
			s += ":" + strconv.Itoa(pr.line)
		}
		s += ": "
		if pr.path != "" {
			s += pr.path + ": "
		}
		out = append(out, s+pr.msg)
	}
	return out
}

// problem is one entry of an error's Fields, its line split off.
type problem struct {
	line int
	path string
	msg  string
}

// text formats the problem as "line N: path: message", leaving out the
// parts that are unknown or empty.
func (pr problem) text() string {
	var b strings.Builder
	if pr.line > 0 {
		b.WriteString("line " + strconv.Itoa(pr.line) + ": ")
	}
	if pr.path != "" {
		b.WriteString(pr.path + ": ")
	}
	b.WriteString(pr.msg)
	return b.String()
}

// problemList returns the problems of fields sorted by line, then path.
func problemList(fields map[string]string) []problem {
	list := make([]problem, 0, len(fields))
	for path, msg := range fields {
		n, rest := splitLine(msg)
		list = append(list, problem{line: n, path: path, msg: rest})
	}
	slices.SortFunc(list, func(a, b problem) int {
		return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.path, b.path))
	})
	return list
}

// splitLine splits "line 12: message" into 12 and "message"; a message
// without the prefix gives 0 and the message.
func splitLine(msg string) (int, string) {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	digits, tail, ok := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n <= 0 || digits != strconv.Itoa(n) {
		return 0, msg
	}
	return n, tail
}

// summary is the one-line Message of an error with fields: "name: line
// 12: path: message" for one problem, "name: 3 problems; the first: line
// 12: path: message" for more. Without fields it is "name: " + fallback.
func summary(name string, fields map[string]string, fallback string) string {
	var s string
	switch {
	case len(fields) == 0:
		s = name + ": " + fallback
	case len(fields) == 1:
		s = name + ": " + problemList(fields)[0].text()
	default:
		s = fmt.Sprintf("%s: %d problems; the first: %s", name, len(fields), problemList(fields)[0].text())
	}
	return oneLine(s)
}

// oneLine replaces line breaks with spaces.
func oneLine(s string) string {
	return lineBreaks.Replace(s)
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")
