package bundle

import (
	"errors"
	"fmt"

	"cyra/internal/cra"
)

// The kinds of bundle problems. Every error that Open, a Bundle method or a
// key parser returns for a problem of the bundle or key itself wraps exactly
// one of them, so callers can tell them apart with errors.Is. Errors of the
// io.Writer, the Source or a caller's callback are returned unchanged.
var (
	// ErrBadSignature means manifest.sig is missing, is not a base64
	// Ed25519 signature, or does not verify with the given public key:
	// the bundle was not signed by that key or was changed after signing.
	ErrBadSignature = errors.New("bad bundle signature")
	// ErrCorrupt means the archive cannot be trusted as a whole: it is not
	// a readable zip archive, a file is missing, duplicated or not listed
	// in the manifest, or a file's size or SHA-256 differs from the
	// manifest.
	ErrCorrupt = errors.New("corrupt bundle")
	// ErrUnsupportedVersion means the bundle has a format version newer
	// than this build of cyra reads.
	ErrUnsupportedVersion = errors.New("unsupported bundle version")
	// ErrInvalid means signed content breaks the format: a manifest field,
	// a record that does not parse, a digest that does not match its raw
	// record, or a count that does not match the lines of a file.
	ErrInvalid = errors.New("invalid bundle")
	// ErrTooLarge means the manifest claims a file or a total larger than
	// the Limits allow, or a line is longer than Limits.MaxLineSize.
	ErrTooLarge = errors.New("bundle too large")
	// ErrInvalidKey means a key is not an Ed25519 key of the right size or
	// not in a supported encoding.
	ErrInvalidKey = errors.New("invalid bundle key")
)

// bundleError is a problem of a bundle or key. Its message is safe to
// show to a user: it names the file and line and never holds secrets.
type bundleError struct {
	kind  error
	msg   string
	cause error
}

// errorf returns a bundleError of the given kind.
func errorf(kind error, format string, args ...any) error {
	return &bundleError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// wrapf returns a bundleError of the given kind caused by cause.
func wrapf(kind, cause error, format string, args ...any) error {
	return &bundleError{kind: kind, msg: fmt.Sprintf(format, args...), cause: cause}
}

// Error implements the error interface.
func (e *bundleError) Error() string {
	msg := "bundle: " + e.msg
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the kind and the cause, so errors.Is matches both.
func (e *bundleError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// As lets errors.As find a *cra.Error in a bundle error, so the command
// line and HTTP layers show its message instead of "Internal error." and
// map it to a status: a bundle over the limits is ETOOLARGE, any other
// problem of the bundle or key EINVALID.
func (e *bundleError) As(target any) bool {
	t, ok := target.(**cra.Error)
	if !ok {
		return false
	}
	code := cra.EINVALID
	if e.kind == ErrTooLarge {
		code = cra.ETOOLARGE
	}
	*t = &cra.Error{Code: code, Message: e.Error()}
	return true
}
