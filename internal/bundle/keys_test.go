package bundle_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"cyra/internal/bundle"
)

// OpenSSL 3.0 wrote these with "openssl genpkey -algorithm ed25519" and
// "openssl pkey -pubout"; the X25519 key with "-algorithm X25519".
const (
	opensslPrivate = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINLBY8UPMgQ47v1nA5i+CFQDElmAY5MYT5i7LNkEN4Q9
-----END PRIVATE KEY-----
`
	opensslPublic = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA5itx3WUw8ANOwZF0HxSfYMoURvefT7dbu0KQIE6AXHo=
-----END PUBLIC KEY-----
`
	opensslX25519Public = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VuAyEAT+NEnXEdQKPj645j45l2y1bl5GVUFK48rGmkmOTnd0A=
-----END PUBLIC KEY-----
`
)

func TestKeyPEMRoundTrip(t *testing.T) {
	t.Parallel()
	pub, priv, err := bundle.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	privPEM, err := bundle.EncodePrivateKeyPEM(priv)
	if err != nil || !bytes.HasPrefix(privPEM, []byte("-----BEGIN PRIVATE KEY-----\n")) {
		t.Fatalf("EncodePrivateKeyPEM = %s, %v", privPEM, err)
	}
	pubPEM, err := bundle.EncodePublicKeyPEM(pub)
	if err != nil || !bytes.HasPrefix(pubPEM, []byte("-----BEGIN PUBLIC KEY-----\n")) {
		t.Fatalf("EncodePublicKeyPEM = %s, %v", pubPEM, err)
	}
	if got, err := bundle.ParsePrivateKeyPEM(privPEM); err != nil || !got.Equal(priv) {
		t.Errorf("ParsePrivateKeyPEM = %v", err)
	}
	if got, err := bundle.ParsePublicKey(pubPEM); err != nil || !got.Equal(pub) {
		t.Errorf("ParsePublicKey(PEM) = %v", err)
	}
	b64 := "  " + base64.StdEncoding.EncodeToString(pub) + "\n"
	if got, err := bundle.ParsePublicKey([]byte(b64)); err != nil || !got.Equal(pub) {
		t.Errorf("ParsePublicKey(base64) = %v", err)
	}
	if fp := bundle.Fingerprint(pub); !strings.HasPrefix(fp, "SHA256:") || len(fp) != 7+43 || fp != bundle.Fingerprint(bytes.Clone(pub)) {
		t.Errorf("Fingerprint = %q", fp)
	}

	// A bundle signed with the decoded key opens with the decoded public key.
	priv2, _ := bundle.ParsePrivateKeyPEM(privPEM)
	pub2, _ := bundle.ParsePublicKey(pubPEM)
	var buf bytes.Buffer
	if _, err := bundle.Write(&buf, priv2, testMeta, &memSource{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), pub2, bundle.Limits{}); err != nil {
		t.Errorf("Open with the PEM key: %v", err)
	}
}

func TestGenerateKeyIsDeterministicForAReader(t *testing.T) {
	t.Parallel()
	seed := bytes.Repeat([]byte{42}, ed25519.SeedSize)
	pub1, _, err1 := bundle.GenerateKey(bytes.NewReader(seed))
	pub2, _, err2 := bundle.GenerateKey(bytes.NewReader(seed))
	if err1 != nil || err2 != nil || !pub1.Equal(pub2) {
		t.Fatalf("GenerateKey: %v %v", err1, err2)
	}
	if _, _, err := bundle.GenerateKey(bytes.NewReader(nil)); err == nil {
		t.Error("GenerateKey with no entropy succeeded")
	}
}

func TestOpenSSLKeys(t *testing.T) {
	t.Parallel()
	priv, err := bundle.ParsePrivateKeyPEM([]byte(opensslPrivate))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bundle.ParsePublicKey([]byte(opensslPublic))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatal("the OpenSSL public key is not the private key's")
	}
	if again, _ := bundle.EncodePrivateKeyPEM(priv); string(again) != opensslPrivate {
		t.Errorf("EncodePrivateKeyPEM differs from OpenSSL:\n%s", again)
	}
	if again, _ := bundle.EncodePublicKeyPEM(pub); string(again) != opensslPublic {
		t.Errorf("EncodePublicKeyPEM differs from OpenSSL:\n%s", again)
	}
}

func TestKeyErrors(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), bytes.NewReader(bytes.Repeat([]byte{1}, 128)))
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPubDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }

	private := []struct {
		name, data, says string
	}{
		{"ECDSA key", string(block("PRIVATE KEY", ecDER)), "an ECDSA key; bundles are signed with Ed25519 keys"},
		{"encrypted", string(block("ENCRYPTED PRIVATE KEY", []byte{1})), "encrypted"},
		{"public key", opensslPublic, "this is a public key"},
		{"other block", string(block("CERTIFICATE", []byte{1})), `the PEM block is "CERTIFICATE"`},
		{"OpenSSH key", string(block("OPENSSH PRIVATE KEY", []byte{1})), `"OPENSSH PRIVATE KEY"`},
		{"bad DER", string(block("PRIVATE KEY", []byte{1, 2, 3})), "the private key does not parse"},
		{"no PEM", "hello", "no PEM block found"},
		{"two keys", opensslPrivate + opensslPrivate, "more than one PEM block"},
	}
	for _, tt := range private {
		if _, err := bundle.ParsePrivateKeyPEM([]byte(tt.data)); !errors.Is(err, bundle.ErrInvalidKey) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParsePrivateKeyPEM(%s) = %v, want %q", tt.name, err, tt.says)
		}
	}
	public := []struct {
		name, data, says string
	}{
		{"ECDSA key", string(block("PUBLIC KEY", ecPubDER)), "an ECDSA key; bundles are verified with Ed25519 keys"},
		{"X25519 key", opensslX25519Public, "an X25519 or ECDH key"},
		{"private key", opensslPrivate, "this is a private key"},
		{"other block", string(block("RSA PUBLIC KEY", []byte{1})), `the PEM block is "RSA PUBLIC KEY"`},
		{"bad DER", string(block("PUBLIC KEY", []byte{1})), "the public key does not parse"},
		{"short base64", base64.StdEncoding.EncodeToString(make([]byte, 31)), "neither a PEM"},
		{"not base64", "not a key!", "neither a PEM"},
		{"empty", "", "neither a PEM"},
		{"two keys", opensslPublic + opensslPublic, "more than one PEM block"},
	}
	for _, tt := range public {
		if _, err := bundle.ParsePublicKey([]byte(tt.data)); !errors.Is(err, bundle.ErrInvalidKey) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParsePublicKey(%s) = %v, want %q", tt.name, err, tt.says)
		}
	}
	if _, err := bundle.EncodePrivateKeyPEM(make([]byte, 10)); !errors.Is(err, bundle.ErrInvalidKey) {
		t.Errorf("EncodePrivateKeyPEM(short) = %v", err)
	}
	if _, err := bundle.EncodePublicKeyPEM(make([]byte, 10)); !errors.Is(err, bundle.ErrInvalidKey) {
		t.Errorf("EncodePublicKeyPEM(short) = %v", err)
	}
	if _, err := bundle.Open(bytes.NewReader(nil), 0, make([]byte, 10), bundle.Limits{}); !errors.Is(err, bundle.ErrInvalidKey) {
		t.Errorf("Open(short key) = %v", err)
	}
}
