// Package api is cyra's JSON REST API under /api/v1. Handlers decode the
// request, call a service from package cra and encode the result; the
// services decide who may do what. routes.go lists every endpoint.
package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// Prefix is the path prefix of the API.
const Prefix = "/api/v1"

// handler is the shape of every endpoint: return an error and the helper
// renders it.
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts a handler to http.Handler, rendering errors as JSON.
func serve(logger *slog.Logger, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			httpx.Error(w, r, logger, err)
		}
	})
}

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, cra.Errorf(cra.EINVALID, "The id in the path must be a positive number, not %q.", r.PathValue("id"))
	}
	return id, nil
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, &cra.Error{Code: cra.EINVALID, Message: "Query parameter " + name + " must be a non-negative number.", Fields: map[string]string{name: "Must be a non-negative number."}}
	}
	return n, nil
}

// queryBool parses an optional true/false query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, &cra.Error{Code: cra.EINVALID, Message: "Query parameter " + name + " must be true or false.", Fields: map[string]string{name: "Must be true or false."}}
}

// timePtr formats an optional time for JSON.
func timePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
