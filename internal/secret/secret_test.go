package secret_test

import (
	"strings"
	"testing"

	"cyra/internal/secret"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := secret.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id PHC with default parameters", h)
	}
	h2, _ := secret.HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false, "": false} {
		ok, err := secret.CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestCheckPasswordRejectsMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=18$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=8,t=1,p=1$!!$aGFzaA"} {
		if ok, err := secret.CheckPassword(h, "pw"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want malformed", h, ok, err)
		}
	}
}

func TestNewAndDigest(t *testing.T) {
	a, b := secret.New("cyra_"), secret.New("cyra_")
	if a == b || !strings.HasPrefix(a, "cyra_") || len(a) != len("cyra_")+43 {
		t.Fatalf("secrets %q %q", a, b)
	}
	if d := secret.Digest("abc"); d != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("digest %s", d)
	}
}
