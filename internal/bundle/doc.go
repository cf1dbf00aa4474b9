// Package bundle writes and reads cyra's signed offline vulnerability-data
// bundles, which carry everything cyra knows about vulnerabilities (the
// advisories of every source with their raw records, the KEV catalog with
// its history, EUVD aliases and EPSS scores) to air-gapped sites.
//
// A bundle is a zip archive of five files, written in this order:
//
//	advisories.jsonl  one JSON object per advisory, one per line
//	kev.jsonl         one JSON object per KEV entry, one per line
//	epss.csv          the header "cve,date,epss,percentile", then one score per line
//	manifest.json     format, version, creation time, generator, counts, and
//	                  the size and SHA-256 of each data file
//	manifest.sig      the base64 Ed25519 signature of manifest.json's exact bytes
//
// Only the manifest is signed; it binds the data files through their
// hashes. Open verifies a bundle completely (signature, format, version,
// the set of files, every file's size, hash and line count, size limits)
// before it returns, so an importer that calls Open before writing refuses
// a tampered bundle before any write. The Bundle methods then stream the
// records in batches, rehashing each file as they read it.
//
// Write is deterministic: the same records in the same order with the same
// Meta give the same bytes, because every zip entry carries Meta.Created as
// its time and Ed25519 signatures are deterministic. The compressed bytes
// may change with the Go version; the manifest and signature do not.
//
// The package does no file or network I/O: it writes to an io.Writer and
// reads from an io.ReaderAt. docs/bundles.md describes the format for
// anyone who produces or audits bundles without cyra.
package bundle
