package cra

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. Each code maps to one HTTP status in
// package httpx and to one exit code in package cli.
const (
	ECONFLICT       = "conflict"        // the object already exists or changed underneath
	EINTERNAL       = "internal"        // a bug or an infrastructure failure; details are logged, not shown
	EINVALID        = "invalid"         // the input is malformed or breaks a rule
	ENOTFOUND       = "not_found"       // the object does not exist (or the caller may not know it does)
	EUNAUTHORIZED   = "unauthorized"    // no valid credentials
	EFORBIDDEN      = "forbidden"       // valid credentials, insufficient role
	ETOOMANY        = "too_many"        // throttled; retry later
	ETOOLARGE       = "too_large"       // request body over the limit
	EUNSUPPORTED    = "unsupported"     // wrong media type
	ENOTIMPLEMENTED = "not_implemented" // a capability this build does not have
)

// Error is the application error. Message is safe to show to the user;
// Fields carries per-field problems for forms and JSON clients.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfterSeconds is set with ETOOMANY.
	RetryAfterSeconds int
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("cyra error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error with per-field problems. It returns nil
// when fields is empty, so validators can end with `return Invalid(p)`.
func Invalid(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "The input is not valid.", Fields: fields}
}

// ErrorCode returns the code of an application error, EINTERNAL for any other
// non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of an application error and a
// generic text for any other error, so internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field problems of an application error, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
