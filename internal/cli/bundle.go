package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"cyra/internal/bundle"
	"cyra/internal/service"
)

func runKeygen(_ context.Context, e *env, args []string) error {
	f := newFlags(e, "feeds keygen", "feeds keygen --out PREFIX  (writes PREFIX.key and PREFIX.pub)")
	out := f.String("out", "", "path prefix of the key files")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required, e.g. --out cyra-bundle")
	}
	pub, priv, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	privPEM, err := bundle.EncodePrivateKeyPEM(priv)
	if err != nil {
		return err
	}
	pubPEM, err := bundle.EncodePublicKeyPEM(pub)
	if err != nil {
		return err
	}
	// O_EXCL: never overwrite a signing key someone relies on.
	for _, file := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{*out + ".key", privPEM, 0o600}, {*out + ".pub", pubPEM, 0o644}} {
		fh, err := os.OpenFile(file.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, file.mode)
		if err != nil {
			return err
		}
		if _, err := fh.Write(file.data); err != nil {
			fh.Close()
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "wrote %s.key (secret: sign bundles with it) and %s.pub (give it to importers)\nkey fingerprint %s\n", *out, *out, bundle.Fingerprint(pub))
	return nil
}

func runExportBundle(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "feeds export-bundle", "feeds export-bundle FILE --key PRIVATE.key [flags]")
	keyFile := f.String("key", "", "the Ed25519 private key (PEM) to sign with; see cyra feeds keygen")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 || *keyFile == "" {
		return usagef("name the bundle file and the signing key: cyra feeds export-bundle vulns.zip --key cyra-bundle.key")
	}
	keyPEM, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	key, err := bundle.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return fmt.Errorf("%s: %w", *keyFile, err)
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, service.FeedOptions{})
	if err != nil {
		return err
	}
	defer closeDB()
	// Write to a temporary file and rename, so a failed export never
	// leaves a half-written bundle under the final name.
	path := f.Arg(0)
	tmp, err := os.CreateTemp(dirOf(path), ".cyra-bundle-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	sum, err := svcs.Vulns.ExportBundle(sys, tmp, key)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d advisories, %d KEV entries, %d EPSS scores, signed by %s\n", path, sum.Advisories, sum.KEV, sum.EPSS, sum.Fingerprint)
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

func runImportBundle(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "feeds import-bundle", "feeds import-bundle FILE --key PUBLIC.pub [flags]")
	keyFile := f.String("key", "", "the Ed25519 public key (PEM, or base64 of its 32 bytes) the bundle must be signed with")
	db := addDBFlags(f)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	if f.NArg() != 1 || *keyFile == "" {
		return usagef("name the bundle and the public key: cyra feeds import-bundle vulns.zip --key cyra-bundle.pub")
	}
	keyData, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	pub, err := bundle.ParsePublicKey(keyData)
	if err != nil {
		return fmt.Errorf("%s: %w", *keyFile, err)
	}
	fh, err := os.Open(f.Arg(0))
	if err != nil {
		return err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return errors.New(f.Arg(0) + " is a directory, not a bundle")
	}
	svcs, sys, closeDB, err := offlineFeeds(ctx, db, service.FeedOptions{})
	if err != nil {
		return err
	}
	defer closeDB()
	sum, st, err := svcs.Vulns.ImportBundle(sys, f.Arg(0), fh, info.Size(), pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %s (made %s by %s, signed by %s): %d added, %d changed, %d unchanged, %d merged\n",
		f.Arg(0), sum.Created.UTC().Format("2006-01-02 15:04 UTC"), sum.Generator, sum.Fingerprint, st.Added, st.Changed, st.Unchanged, st.Merged)
	return nil
}
