package service

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"

	"cyra/internal/bundle"
	"cyra/internal/cra"
)

// storeSource adapts the store to bundle.Source.
type storeSource struct {
	ctx   context.Context
	store cra.Store
}

func (s storeSource) WalkAdvisories(fn func(cra.Advisory) error) error {
	return s.store.WalkAdvisories(s.ctx, fn)
}

func (s storeSource) KEVEntries() ([]cra.KEVEntry, error) { return s.store.KEVEntries(s.ctx) }

func (s storeSource) WalkEPSS(fn func(cra.EPSSScore) error) error {
	return s.store.WalkEPSS(s.ctx, fn)
}

func summary(m bundle.Manifest, pub ed25519.PublicKey) *cra.BundleSummary {
	return &cra.BundleSummary{Created: m.Created, Generator: m.Generator, Advisories: m.Counts.Advisories, KEV: m.Counts.KEV,
		EPSS: m.Counts.EPSS, Fingerprint: bundle.Fingerprint(pub)}
}

// ExportBundle writes every advisory, KEV entry and EPSS score as a
// signed bundle. Exporting needs feeds:write: a bundle carries what
// another instance will trust.
func (s *VulnService) ExportBundle(ctx context.Context, w io.Writer, key ed25519.PrivateKey) (*cra.BundleSummary, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return nil, err
	}
	m, err := bundle.Write(w, key, bundle.Meta{Created: s.now(), Generator: "cyra " + s.version}, storeSource{ctx, s.store})
	if err != nil {
		return nil, err
	}
	if err := s.store.AppendAudit(ctx, s.record(cra.ActorFrom(ctx), "vulns.bundle_export", "bundle", bundle.Fingerprint(key.Public().(ed25519.PublicKey)), nil,
		map[string]any{"advisories": m.Counts.Advisories, "kev": m.Counts.KEV, "epss": m.Counts.EPSS})); err != nil {
		return nil, err
	}
	return summary(*m, key.Public().(ed25519.PublicKey)), nil
}

// ImportBundle verifies a bundle (signature, hashes and every record)
// before it imports anything, then imports advisories in batches, the
// KEV catalog and EPSS scores. A bundle that fails verification changes
// nothing.
func (s *VulnService) ImportBundle(ctx context.Context, name string, r io.ReaderAt, size int64, pub ed25519.PublicKey) (*cra.BundleSummary, cra.ImportStats, error) {
	var st cra.ImportStats
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return nil, st, err
	}
	b, err := bundle.Open(r, size, pub, bundle.Limits{})
	if err != nil {
		return nil, st, bundleError(name, err)
	}
	if err := b.Validate(); err != nil {
		return nil, st, bundleError(name, err)
	}
	sum := summary(b.Manifest(), pub)
	origin := name + " (bundle by " + sum.Fingerprint + ")"
	err = b.Advisories(1000, func(recs []cra.Advisory) error {
		got, err := s.importAdvisories(ctx, "bundle_import", origin, recs)
		st.Add(got)
		return err
	})
	if err != nil {
		return sum, st, err
	}
	entries, err := b.KEV()
	if err != nil {
		return sum, st, bundleError(name, err)
	}
	var listed []cra.KEVEntry
	for _, e := range entries {
		if e.Removed == nil {
			listed = append(listed, e)
		}
	}
	if len(listed) > 0 {
		got, err := s.saveKEV(ctx, cra.KEVCatalog{Version: "bundle " + sum.Created.Format("2006-01-02"), Entries: listed},
			s.auditImport(ctx, "bundle_import", origin))
		st.Add(got)
		if err != nil {
			return sum, st, err
		}
	}
	err = b.EPSS(5000, func(scores []cra.EPSSScore) error {
		got, err := s.saveEPSS(ctx, scores, s.auditImport(ctx, "bundle_import", origin))
		st.Add(got)
		return err
	})
	return sum, st, err
}

// bundleError turns a bundle's verification failure into an EINVALID
// error that names the file.
func bundleError(name string, err error) error {
	if errors.Is(err, bundle.ErrBadSignature) {
		return cra.Errorf(cra.EINVALID, "%s: the signature does not match the key; nothing was imported (%v)", name, err)
	}
	return cra.Errorf(cra.EINVALID, "%s: %v; nothing was imported", name, err)
}
