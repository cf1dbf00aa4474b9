package api

import (
	"io"
	"mime"
	"net/http"

	"cyra/internal/cra"
	"cyra/internal/httpx"
	"cyra/internal/manifest"
)

// ApplyChange is what applying a manifest did to one object.
type ApplyChange struct {
	Object string `json:"object"`
	Action string `json:"action"`
}

// handleApply applies a product manifest sent as YAML or JSON. Problems
// are reported per field path, each message starting with its line.
func handleApply(products cra.ProductService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "application/yaml", "application/x-yaml", "text/yaml", "application/json":
		default:
			return cra.Errorf(cra.EUNSUPPORTED, "Send the manifest as application/yaml or application/json (got %q).", r.Header.Get("Content-Type"))
		}
		// The service authorizes again; checking here first keeps callers
		// without the permission from learning what the parser thinks of
		// their file.
		if err := cra.Authorize(r.Context(), cra.PermProductsWrite); err != nil {
			return err
		}
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "manifest"
		}
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return cra.Errorf(cra.ETOOLARGE, "The manifest is larger than %d bytes.", manifest.MaxSize)
		}
		doc, loc, err := manifest.Parse(name, data)
		if err != nil {
			return err
		}
		res, err := products.Apply(r.Context(), *doc)
		if err != nil {
			return loc.Annotate(err)
		}
		out := struct {
			Changes []ApplyChange `json:"changes"`
		}{Changes: []ApplyChange{}}
		for _, c := range res.Changes {
			out.Changes = append(out.Changes, ApplyChange{Object: c.Object, Action: c.Action})
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}
