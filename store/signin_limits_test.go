package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestSignInLimitsCount: failures counted at once from two stores on one
// database (two nodes) are all counted, per key and window; windows that
// started long enough ago are pruned.
func TestSignInLimitsCount(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			open := func() *store.Store {
				s, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return s
			}
			nodes := []*store.Store{open(), open()}
			w0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
			w1 := w0.Add(time.Minute)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					// A key twice in one call counts once.
					if err := nodes[i%2].CountSignInFailures(ctx, w0, "account:a", "address:x", "account:a"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if err := nodes[0].CountSignInFailures(ctx, w1, "account:a"); err != nil {
				t.Fatal(err)
			}
			got, err := nodes[1].SignInFailures(ctx, w0.Add(-time.Second), "account:a", "address:x", "account:b")
			if err != nil {
				t.Fatal(err)
			}
			if got["account:a"] != 21 || got["address:x"] != 20 || len(got) != 2 {
				t.Errorf("failures = %v, want account:a 21, address:x 20", got)
			}
			// Only windows that started after since count.
			got, err = nodes[1].SignInFailures(ctx, w0, "account:a")
			if err != nil || got["account:a"] != 1 {
				t.Errorf("failures after the first window = %v, %v; want 1", got, err)
			}
			n, err := nodes[0].PruneSignInLimits(ctx, w1)
			if err != nil || n != 2 {
				t.Errorf("pruned %d, %v; want the 2 rows of the first window", n, err)
			}
			got, err = nodes[1].SignInFailures(ctx, w0.Add(-time.Second), "account:a", "address:x")
			if err != nil || got["account:a"] != 1 || got["address:x"] != 0 {
				t.Errorf("after pruning: %v, %v; want account:a 1", got, err)
			}
			if err := nodes[1].ResetSignInFailures(ctx, "account:a"); err != nil {
				t.Fatal(err)
			}
			got, err = nodes[0].SignInFailures(ctx, w0.Add(-time.Second), "account:a")
			if err != nil || len(got) != 0 {
				t.Errorf("after reset: %v, %v; want none", got, err)
			}
		})
	}
}
