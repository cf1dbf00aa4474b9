package bundle

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
)

// The PEM block types of bundle keys: PKCS #8 for the private key and
// PKIX (SubjectPublicKeyInfo) for the public key, as OpenSSL writes them
// ("openssl genpkey -algorithm ed25519" and "openssl pkey -pubout").
const (
	PrivateKeyPEMType = "PRIVATE KEY"
	PublicKeyPEMType  = "PUBLIC KEY"
)

// GenerateKey returns a new Ed25519 key pair for signing bundles. random
// is the entropy source; nil means a secure one (crypto/rand).
func GenerateKey(random io.Reader) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: generating a key: %w", err)
	}
	return pub, priv, nil
}

// EncodePrivateKeyPEM returns the private key as a PKCS #8 "PRIVATE KEY"
// PEM block. The block is not encrypted: store it with file permissions
// that only the exporter can read.
func EncodePrivateKeyPEM(key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errorf(ErrInvalidKey, "the private key is %d bytes, not an Ed25519 private key", len(key))
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, wrapf(ErrInvalidKey, err, "encoding the private key")
	}
	return pem.EncodeToMemory(&pem.Block{Type: PrivateKeyPEMType, Bytes: der}), nil
}

// EncodePublicKeyPEM returns the public key as a PKIX "PUBLIC KEY" PEM
// block.
func EncodePublicKeyPEM(key ed25519.PublicKey) ([]byte, error) {
	if len(key) != ed25519.PublicKeySize {
		return nil, errorf(ErrInvalidKey, "the public key is %d bytes, not an Ed25519 public key", len(key))
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, wrapf(ErrInvalidKey, err, "encoding the public key")
	}
	return pem.EncodeToMemory(&pem.Block{Type: PublicKeyPEMType, Bytes: der}), nil
}

// ParsePrivateKeyPEM reads an Ed25519 private key from a PKCS #8
// "PRIVATE KEY" PEM block. Other key types, encrypted keys and other
// block types are ErrInvalidKey errors that say what was found.
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case PrivateKeyPEMType:
	case "ENCRYPTED PRIVATE KEY":
		return nil, errorf(ErrInvalidKey, "the private key is encrypted; cyra reads unencrypted PKCS #8 keys (decrypt it with \"openssl pkey\")")
	case PublicKeyPEMType:
		return nil, errorf(ErrInvalidKey, "this is a public key; signing needs the private key")
	default:
		return nil, errorf(ErrInvalidKey, "the PEM block is %q; a bundle signing key is a PKCS #8 %q block", block.Type, PrivateKeyPEMType)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, wrapf(ErrInvalidKey, err, "the private key does not parse")
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, errorf(ErrInvalidKey, "the private key is %s; bundles are signed with Ed25519 keys", keyKind(key))
	}
	return priv, nil
}

// ParsePublicKey reads an Ed25519 public key from a PKIX "PUBLIC KEY" PEM
// block or, for convenience, from the standard base64 of its 32 bytes.
// Other key types and encodings are ErrInvalidKey errors that say what was
// found.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		raw, err := base64.StdEncoding.DecodeString(string(trimmed))
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, errorf(ErrInvalidKey, "the public key is neither a PEM %q block nor the base64 of 32 bytes", PublicKeyPEMType)
		}
		return ed25519.PublicKey(raw), nil
	}
	block, err := onePEMBlock(trimmed)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case PublicKeyPEMType:
	case PrivateKeyPEMType, "ENCRYPTED PRIVATE KEY":
		return nil, errorf(ErrInvalidKey, "this is a private key; verifying needs the public key (\"openssl pkey -pubout\" derives it)")
	default:
		return nil, errorf(ErrInvalidKey, "the PEM block is %q; a bundle verification key is a PKIX %q block", block.Type, PublicKeyPEMType)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, wrapf(ErrInvalidKey, err, "the public key does not parse")
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, errorf(ErrInvalidKey, "the public key is %s; bundles are verified with Ed25519 keys", keyKind(key))
	}
	return pub, nil
}

// Fingerprint returns a short, stable name of a public key for people to
// compare out of band: "SHA256:" and the unpadded base64 of the SHA-256 of
// the key's 32 bytes.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// onePEMBlock decodes data as exactly one PEM block.
func onePEMBlock(data []byte) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errorf(ErrInvalidKey, "no PEM block found")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errorf(ErrInvalidKey, "more than one PEM block; give one key")
	}
	return block, nil
}

// keyKind names a key type that is not Ed25519, for error messages.
func keyKind(key any) string {
	switch key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "an RSA key"
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "an ECDSA key"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "an X25519 or ECDH key"
	}
	return fmt.Sprintf("a %T", key)
}
