package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes the API. TestOpenAPIMatchesRoutes keeps it in
// step with Routes.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the embedded OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return openAPIDocument }

func openAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(openAPIDocument)
	})
}
