package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Position returns the line and column (both from 1, in bytes) of the
// last byte encoding/json read when it reported an error at offset, so
// that every feed names the same place for the same error.
func Position(data []byte, offset int64) (line, col int) {
	p := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:p]
	return bytes.Count(before, []byte{'\n'}) + 1, p - bytes.LastIndexByte(before, '\n')
}

// JSONOffset returns the byte offset of a JSON decoding error, -1 when
// err is not one.
func JSONOffset(err error) int64 {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Offset
	case errors.As(err, &te):
		return te.Offset
	}
	return -1
}

// DescribeJSON names the URL of a response that did not decode and, for
// JSON errors, the line, column and byte offset where decoding failed.
func DescribeJSON(u string, body []byte, err error) error {
	off := JSONOffset(err)
	if off < 0 {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	line, col := Position(body, off)
	return fmt.Errorf("GET %s: invalid JSON at line %d, column %d (byte offset %d): %w", u, line, col, off, err)
}
