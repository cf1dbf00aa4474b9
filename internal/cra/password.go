package cra

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// Password length bounds. The minimum follows the policy (and NIST
// SP 800-63B's advice to favour length); the maximum bounds hashing work.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

//go:embed common_passwords.txt
var commonPasswordsText string

var (
	commonOnce      sync.Once
	commonPasswords map[string]struct{}
)

func isCommonPassword(s string) bool {
	commonOnce.Do(func() {
		lines := strings.Split(commonPasswordsText, "\n")
		commonPasswords = make(map[string]struct{}, len(lines))
		for _, l := range lines {
			if l != "" && !strings.HasPrefix(l, "#") {
				commonPasswords[l] = struct{}{}
			}
		}
	})
	_, ok := commonPasswords[s]
	return ok
}

// CheckPassword applies the password policy and returns a problem for the
// user, or "" when the password is acceptable. A password is refused when it
// is shorter than MinPasswordLength characters, longer than
// MaxPasswordLength, contains the account's e-mail name, or is built from a
// common password: the password itself, a common password followed only by
// digits and punctuation ("password2024!"), or a common password repeated
// ("qwertyqwerty"). The list is the 30,000-entry zxcvbn list, compared
// case-insensitively.
func CheckPassword(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return "Password must be at least 12 characters."
	}
	if n > MaxPasswordLength {
		return "Password must be at most 256 characters."
	}
	lower := strings.ToLower(pw)
	if local, _, ok := strings.Cut(NormalizeEmail(email), "@"); ok && len(local) >= 4 && strings.Contains(lower, local) {
		return "Password must not contain your e-mail name."
	}
	if isCommonPassword(lower) {
		return "This password is on a list of commonly used passwords; choose another."
	}
	base := strings.TrimRightFunc(lower, func(r rune) bool {
		return (r >= '0' && r <= '9') || strings.ContainsRune("!@#$%^&*()-_=+.,;:?~", r)
	})
	if len(base) >= 4 && isCommonPassword(base) {
		return "This password is a common password with digits or symbols added; choose another."
	}
	for k := 1; k <= len(lower)/2; k++ {
		if len(lower)%k == 0 && strings.Repeat(lower[:k], len(lower)/k) == lower && (k < 4 || isCommonPassword(lower[:k])) {
			return "This password repeats a short or common sequence; choose another."
		}
	}
	return ""
}
