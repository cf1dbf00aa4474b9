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

// sequences are character orders people walk along when they pick a weak
// password: digits, the alphabet and the QWERTY rows (row by row).
var sequences = []string{"0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p"}

// sequenceBreaks counts the adjacent character pairs that neither repeat a
// character nor step along a sequence (either way, wrapping around).
// "123456789012" and "qwertyuiopasdf" have none; "abcdef123456" has one.
func sequenceBreaks(s string) int {
	breaks := 0
	for i := 1; i < len(s); i++ {
		a, b := s[i-1], s[i]
		if a == b {
			continue
		}
		step := false
		for _, seq := range sequences {
			ia, ib := strings.IndexByte(seq, a), strings.IndexByte(seq, b)
			n := len(seq)
			if ia >= 0 && ib >= 0 && ((ia+1)%n == ib || (ib+1)%n == ia) {
				step = true
				break
			}
		}
		if !step {
			breaks++
		}
	}
	return breaks
}

// CheckPassword applies the password policy and returns a problem for the
// user, or "" when the password is acceptable. A password is refused when it
// is shorter than MinPasswordLength characters, longer than
// MaxPasswordLength, contains the account's e-mail name, is mostly a
// keyboard or alphabet sequence ("1qaz2wsx3edc4rfv"), or is built from a
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
	if sequenceBreaks(lower) <= 2 {
		return "This password is a keyboard or alphabet sequence; choose another."
	}
	for k := 1; k <= len(lower)/2; k++ {
		if len(lower)%k == 0 && strings.Repeat(lower[:k], len(lower)/k) == lower && (k < 4 || isCommonPassword(lower[:k])) {
			return "This password repeats a short or common sequence; choose another."
		}
	}
	return ""
}
