package auth

import (
	"context"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// limiterWindow checks the window of a limiter of 15 minutes, whose slots
// (in the database) are minutes.
func limiterWindow(t *testing.T, l *limiter) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	blocked := func(key string, at time.Time) bool { return l.blocked(ctx, at, limit{key, 5}) }
	for i := range 5 {
		if blocked("k", start) {
			t.Fatalf("blocked after %d failures, want 5", i)
		}
		l.fail(ctx, start.Add(time.Duration(i)*time.Minute), "k")
	}
	if !blocked("k", start.Add(5*time.Minute)) {
		t.Fatal("not blocked after 5 failures")
	}
	if blocked("other", start.Add(5*time.Minute)) {
		t.Error("another key is blocked")
	}
	if !l.blocked(ctx, start.Add(5*time.Minute), limit{"other", 5}, limit{"k", 5}) {
		t.Error("not blocked when one of two keys used up its failures")
	}
	// The first failure leaves the window at 15 minutes past it.
	if blocked("k", start.Add(15*time.Minute)) {
		t.Error("still blocked once the first failure left the window")
	}
	l.fail(ctx, start.Add(15*time.Minute), "k")
	if !blocked("k", start.Add(15*time.Minute)) {
		t.Error("not blocked after a new failure filled the window again")
	}
	l.reset(ctx, "k")
	if blocked("k", start.Add(16*time.Minute)) {
		t.Error("blocked after reset")
	}
}

func TestLimiterWindow(t *testing.T) {
	l := newLimiter(15*time.Minute, nil, nil)
	limiterWindow(t, l)
	// Idle keys are forgotten.
	l.fail(context.Background(), time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC), "x")
	if len(l.fails) != 1 {
		t.Errorf("limiter keeps %d keys, want 1", len(l.fails))
	}
}

// TestSharedLimiterWindow: counted in the database, the limiter keeps the
// same window.
func TestSharedLimiterWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		limiterWindow(t, newLimiter(15*time.Minute, s, nil))
	})
}

// TestLimiterSharedByNodes: two stores on one database (two nodes) count
// the same failures, so that failures spread over both are refused at the
// limit of one, and a reset on one is seen by the other.
func TestLimiterSharedByNodes(t *testing.T) {
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
			a, b := open(), open()
			nodes := []*limiter{newLimiter(15*time.Minute, a, nil), newLimiter(15*time.Minute, b, nil)}
			start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
			acct := limit{accountKey("ann@example.com"), 5}
			for i := range 5 {
				at := start.Add(time.Duration(i) * 10 * time.Second)
				for n, l := range nodes {
					if l.blocked(ctx, at, acct) {
						t.Fatalf("node %d: blocked after %d failures, want 5", n, i)
					}
				}
				nodes[i%2].fail(ctx, at, acct.key, addressKey("192.0.2.1"))
			}
			at := start.Add(time.Minute)
			for n, l := range nodes {
				if !l.blocked(ctx, at, acct) {
					t.Errorf("node %d: not blocked after 5 failures over two nodes", n)
				}
				if l.blocked(ctx, at, limit{addressKey("192.0.2.1"), 20}) {
					t.Errorf("node %d: the address is blocked after 5 of its 20 failures", n)
				}
			}
			nodes[1].reset(ctx, acct.key)
			if nodes[0].blocked(ctx, at, acct) {
				t.Error("node 0 still blocks after node 1 reset the account")
			}
			if !nodes[0].blocked(ctx, at, limit{addressKey("192.0.2.1"), 5}) {
				t.Error("the reset of the account reset the address too")
			}
		})
	}
}

func TestAddressKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"192.0.2.1", "::ffff:192.0.2.1"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::2"},
	}
	for _, tt := range tests {
		if addressKey(tt.a) != addressKey(tt.b) {
			t.Errorf("addressKey(%s) = %s, addressKey(%s) = %s; want equal", tt.a, addressKey(tt.a), tt.b, addressKey(tt.b))
		}
	}
	if addressKey("2001:db8:1:2::1") == addressKey("2001:db8:1:3::1") {
		t.Error("two /64 networks share a key")
	}
	if accountKey(" Ann@Example.com ") != accountKey("ann@example.com") {
		t.Error("account keys differ by case or spaces")
	}
}
