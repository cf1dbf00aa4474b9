// Package feeds assembles cyra's vulnerability feeds (the subpackages osv,
// kev, euvd, nvd and epss, each a cra.Feed over HTTP) from configuration,
// and reads offline feed files: OSV records, directories and zips, and
// KEV catalogs.
package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cyra/internal/cra"
	"cyra/internal/feeds/epss"
	"cyra/internal/feeds/euvd"
	"cyra/internal/feeds/fetch"
	"cyra/internal/feeds/kev"
	"cyra/internal/feeds/nvd"
	"cyra/internal/feeds/osv"
)

// The public services' addresses.
const (
	DefaultOSVURL  = osv.DefaultBaseURL
	DefaultKEVURL  = kev.DefaultURL
	DefaultEUVDURL = euvd.DefaultBaseURL
	DefaultNVDURL  = nvd.DefaultBaseURL
	DefaultEPSSURL = epss.DefaultBaseURL
)

// Config selects and configures the feeds.
type Config struct {
	Enabled   []cra.VulnSource
	UserAgent string
	NVDAPIKey string
	// The feeds' addresses; "" is the public service.
	OSVURL, KEVURL, EUVDURL, NVDURL, EPSSURL string
}

// New returns the enabled feeds.
func New(c Config) ([]cra.Feed, error) {
	client := &fetch.Client{UserAgent: c.UserAgent}
	for name, u := range map[string]string{"osv": c.OSVURL, "kev": c.KEVURL, "euvd": c.EUVDURL, "nvd": c.NVDURL, "epss": c.EPSSURL} {
		if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return nil, fmt.Errorf("--%s-url must be an http(s) URL, not %q", name, u)
		}
	}
	var out []cra.Feed
	for _, name := range cra.FeedNames {
		if !slices.Contains(c.Enabled, name) {
			continue
		}
		switch name {
		case cra.SourceOSV:
			out = append(out, &osv.Feed{BaseURL: strings.TrimRight(c.OSVURL, "/"), Client: client})
		case cra.SourceKEV:
			out = append(out, &kev.Feed{URL: c.KEVURL, Client: client})
		case cra.SourceEUVD:
			out = append(out, &euvd.Feed{BaseURL: strings.TrimRight(c.EUVDURL, "/"), Client: client})
		case cra.SourceNVD:
			out = append(out, &nvd.Feed{BaseURL: c.NVDURL, Client: client, APIKey: c.NVDAPIKey})
		case cra.SourceEPSS:
			out = append(out, &epss.Feed{BaseURL: c.EPSSURL, Client: client})
		}
	}
	return out, nil
}

// ReadFile recognises and reads one uploaded feed file: an OSV zip, an
// OSV record (JSON object) or a KEV catalog (JSON with a
// "vulnerabilities" array and a "catalogVersion").
func ReadFile(name string, data []byte) (*cra.FeedFile, error) {
	f := &cra.FeedFile{}
	skip := func(reason string) {
		f.Skipped.Skipped++
		f.Skipped.Problem(reason)
	}
	collect := func(batch []cra.Advisory) error {
		f.Advisories = append(f.Advisories, batch...)
		return nil
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		f.Kind = "osv"
		if err := osv.ReadZip(bytes.NewReader(data), int64(len(data)), name, osv.DefaultBatch, collect, skip); err != nil {
			return nil, cra.Errorf(cra.EINVALID, "%s", err)
		}
		return f, nil
	case isKEV(data):
		f.Kind = "kev"
		cat, err := kev.Parse(name, data, skip)
		if err != nil {
			return nil, cra.Errorf(cra.EINVALID, "%s", err)
		}
		f.KEV = &cat
		return f, nil
	}
	f.Kind = "osv"
	a, err := osv.ParseRecord(name, data)
	if err != nil {
		return nil, cra.Errorf(cra.EINVALID, "%s", err)
	}
	f.Advisories = []cra.Advisory{a}
	return f, nil
}

// isKEV reports whether a JSON document looks like a KEV catalog.
func isKEV(data []byte) bool {
	var probe struct {
		CatalogVersion  *string           `json:"catalogVersion"`
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.CatalogVersion != nil
}

// Importer is what ImportPath stores through (cra.VulnService).
type Importer interface {
	ImportAdvisories(ctx context.Context, origin string, recs []cra.Advisory) (cra.ImportStats, error)
	ImportKEV(ctx context.Context, origin string, cat cra.KEVCatalog) (cra.ImportStats, error)
}

// ImportPath imports an OSV directory, zip or record, or a KEV catalog,
// in batches; it returns the counts and what the path was read as. A
// record that does not parse is skipped with its reason; a corrupt zip is
// refused before anything is imported.
func ImportPath(ctx context.Context, path string, to Importer) (cra.ImportStats, string, error) {
	var st cra.ImportStats
	info, err := os.Stat(path)
	if err != nil {
		return st, "", err
	}
	if !info.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") {
		data, err := os.ReadFile(path)
		if err != nil {
			return st, "", err
		}
		if isKEV(data) {
			var skipped cra.ImportStats
			cat, err := kev.Parse(path, data, func(reason string) {
				skipped.Skipped++
				skipped.Problem(reason)
			})
			if err != nil {
				return st, "kev", err
			}
			got, err := to.ImportKEV(ctx, path, cat)
			st.Add(got)
			st.Add(skipped)
			return st, "kev", err
		}
	}
	skip := func(reason string) {
		st.Skipped++
		st.Problem(reason)
	}
	err = osv.ReadPath(path, osv.DefaultBatch, func(batch []cra.Advisory) error {
		got, err := to.ImportAdvisories(ctx, path, batch)
		st.Add(got)
		return err
	}, skip)
	if err != nil && !errors.Is(err, context.Canceled) {
		return st, "osv", err
	}
	return st, "osv", err
}
