// Package secret creates and checks the secrets cyra hands out or keeps:
// argon2id password hashes, random bearer secrets (session cookies, API
// tokens, setup tokens) and their SHA-256 digests, which are all that is
// stored of them.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams follow the OWASP Password Storage Cheat Sheet's first
// argon2id configuration: 19 MiB, two passes, one lane.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// HashPassword returns the PHC string of an argon2id hash of pw, e.g.
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(pw string) (string, error) {
	return DefaultParams.Hash(pw)
}

// Hash hashes pw with these parameters.
func (p Params) Hash(pw string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// ErrMalformedHash is returned for a stored hash cyra cannot read.
var ErrMalformedHash = errors.New("malformed password hash")

// CheckPassword reports whether pw matches the PHC-encoded argon2id hash,
// in constant time with respect to the key.
func CheckPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformedHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || p.Memory > 1<<22 || p.Time > 20 || p.Threads == 0 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when an account does not exist, so that a
// failed sign-in takes as long whether or not the e-mail is registered.
var dummyHash, _ = HashPassword("cyra-dummy-password-for-timing")

// CheckDummy spends the same work as CheckPassword and always fails.
func CheckDummy(pw string) {
	CheckPassword(dummyHash, pw)
}

// New returns a random secret with 256 bits of entropy: prefix followed by
// 43 base64url characters.
func New(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ it
		// crashes the program instead); keep the compiler honest.
		panic(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Digest returns the hex SHA-256 of a high-entropy secret, which is how
// such secrets are stored: they cannot be guessed, so a fast hash suffices,
// and a lookup by digest is an index hit.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
