package service_test

import (
	"context"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/secret"
	"cyra/internal/service"
	"cyra/internal/testutil"
)

// BenchmarkHashPassword is the cost of one argon2id hash with cyra's
// parameters: the floor of every sign-in and password change.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := secret.HashPassword("heron-glacier-mosaic-31"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateToken is the per-request cost of resolving an API
// token (hash, indexed look-up, role check) on each database.
func BenchmarkAuthenticateToken(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testutil.MustOpenDB(b, d, nil)
			svc := service.New(db, service.Options{})
			system := cra.WithActor(context.Background(), cra.SystemActor("bench"))
			u, err := svc.Users.CreateUser(system, cra.NewUser{Email: "b@acme.example", Role: cra.RoleMember, Kind: cra.KindService})
			if err != nil {
				b.Fatal(err)
			}
			ct, err := svc.Tokens.CreateToken(system, cra.NewToken{UserID: u.ID, Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := svc.Auth.AuthenticateToken(ctx, ct.Secret); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
