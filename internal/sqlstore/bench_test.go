package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/testutil"
)

// BenchmarkAppendAudit measures one audited write: a transaction that
// appends a hash-chained audit entry, as every state change does.
func BenchmarkAppendAudit(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testutil.MustOpenDB(b, d, nil)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := db.AppendAudit(ctx, rec("bench.append", "bench", fmt.Sprint(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWalkAudit measures verifying the chain: reading and re-hashing
// every entry of a 10,000-entry log.
func BenchmarkWalkAudit(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testutil.MustOpenDB(b, d, nil)
			ctx := context.Background()
			for i := range 10000 {
				if err := db.AppendAudit(ctx, rec("bench.append", "bench", fmt.Sprint(i))); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				var v cra.AuditVerifier
				if err := db.WalkAudit(ctx, v.Next); err != nil || v.Count() != 10000 {
					b.Fatal(err, v.Count())
				}
			}
		})
	}
}
