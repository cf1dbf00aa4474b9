// Package httpx holds the HTTP helpers shared by the API, the web UI and
// the server: JSON decoding and encoding, the one table from error codes to
// statuses, client addresses, security headers and CSRF protection.
package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// MaxJSONBody bounds API request bodies that carry JSON.
const MaxJSONBody = 1 << 20

// statuses maps error codes to HTTP statuses.
var statuses = map[string]int{
	cra.EINVALID:        http.StatusBadRequest,
	cra.ENOTFOUND:       http.StatusNotFound,
	cra.ECONFLICT:       http.StatusConflict,
	cra.EUNAUTHORIZED:   http.StatusUnauthorized,
	cra.EFORBIDDEN:      http.StatusForbidden,
	cra.ETOOMANY:        http.StatusTooManyRequests,
	cra.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	cra.EUNSUPPORTED:    http.StatusUnsupportedMediaType,
	cra.ENOTIMPLEMENTED: http.StatusNotImplemented,
	cra.EINTERNAL:       http.StatusInternalServerError,
}

// Status returns the HTTP status for an error.
func Status(err error) int {
	if s, ok := statuses[cra.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of an API error.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// LogError logs internal errors with the request; other errors are the
// client's and not logged.
func LogError(logger *slog.Logger, r *http.Request, err error) {
	if cra.ErrorCode(err) == cra.EINTERNAL {
		logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// Error writes err as a JSON error response.
func Error(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	LogError(logger, r, err)
	var ce *cra.Error
	if errors.As(err, &ce) && ce.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ce.RetryAfterSeconds))
	}
	if cra.ErrorCode(err) == cra.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cyra"`)
	}
	JSON(w, Status(err), ErrorBody{Error: ErrorDetail{Code: cra.ErrorCode(err), Message: cra.ErrorMessage(err), Fields: cra.ErrorFields(err)}})
}

// JSON writes v as JSON with the status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// Decode reads a JSON request body into v. It insists on a JSON content
// type, bounds the body, refuses unknown fields and trailing data, and
// words each failure so the client can find the problem.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return cra.Errorf(cra.EUNSUPPORTED, "Send the request body as JSON with Content-Type: application/json (got %q).", r.Header.Get("Content-Type"))
	}
	body := http.MaxBytesReader(w, r.Body, MaxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, dec)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, dec)
		}
		return cra.Errorf(cra.EINVALID, "The request body must hold a single JSON value; found more data at byte %d.", dec.InputOffset())
	}
	return nil
}

func decodeError(err error, dec *json.Decoder) error {
	var (
		tpe *time.ParseError
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return cra.Errorf(cra.ETOOLARGE, "The request body is larger than %d bytes.", mbe.Limit)
	case errors.As(err, &syn):
		return cra.Errorf(cra.EINVALID, "The request body is not valid JSON at byte %d: %s.", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return cra.Errorf(cra.EINVALID, "The request body ends in the middle of a JSON value.")
	case errors.Is(err, io.EOF):
		return cra.Errorf(cra.EINVALID, "The request body is empty; send a JSON object.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return cra.Errorf(cra.EINVALID, "The request body must be a JSON object, not %s.", typ.Value)
		}
		return &cra.Error{Code: cra.EINVALID, Message: fmt.Sprintf("Field %q must be %s, not %s (byte %d).", field, jsonType(typ.Type.String()), typ.Value, typ.Offset),
			Fields: map[string]string{field: "Must be " + jsonType(typ.Type.String()) + "."}}
	case errors.As(err, &tpe):
		return cra.Errorf(cra.EINVALID, "The time %q in the request body is not an RFC 3339 time such as 2026-12-01T12:00:00Z.", strings.Trim(tpe.Value, `"`))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &cra.Error{Code: cra.EINVALID, Message: fmt.Sprintf("Unknown field %q (byte %d).", name, dec.InputOffset()),
			Fields: map[string]string{name: "Unknown field."}}
	}
	return cra.Errorf(cra.EINVALID, "The request body could not be read: %s.", err.Error())
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	switch {
	case goType == "string" || strings.HasSuffix(goType, ".Role") || strings.HasSuffix(goType, "Kind"):
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint") || strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "time.Time"):
		return "an RFC 3339 time string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}

// ClientIP returns the client's address: the last address of the trusted
// proxy header when one is configured, the connection's peer otherwise.
func ClientIP(r *http.Request, proxyHeader string) string {
	if proxyHeader != "" {
		if v := r.Header.Get(proxyHeader); v != "" {
			parts := strings.Split(v, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// ServeEvidenceFile sends a stored evidence file as a download. Files are
// always attachments of an opaque type, sandboxed and unsniffable, so that
// an uploaded HTML or SVG file cannot run in cyra's origin.
func ServeEvidenceFile(w http.ResponseWriter, e *cra.Evidence, data []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.FileName}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
}
