package auth

import (
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	l := newLimiter(15 * time.Minute)
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if l.blocked("k", 5, start) {
			t.Fatalf("blocked after %d failures, want 5", i)
		}
		l.fail(start.Add(time.Duration(i)*time.Minute), "k")
	}
	if !l.blocked("k", 5, start.Add(5*time.Minute)) {
		t.Fatal("not blocked after 5 failures")
	}
	if l.blocked("other", 5, start.Add(5*time.Minute)) {
		t.Error("another key is blocked")
	}
	// The first failure leaves the window at 15 minutes past it.
	if l.blocked("k", 5, start.Add(15*time.Minute)) {
		t.Error("still blocked once the first failure left the window")
	}
	l.fail(start.Add(15*time.Minute), "k")
	if !l.blocked("k", 5, start.Add(15*time.Minute)) {
		t.Error("not blocked after a new failure filled the window again")
	}
	l.reset("k")
	if l.blocked("k", 5, start.Add(16*time.Minute)) {
		t.Error("blocked after reset")
	}
	// Idle keys are forgotten.
	l.fail(start.Add(2*time.Hour), "x")
	if len(l.fails) != 1 {
		t.Errorf("limiter keeps %d keys, want 1", len(l.fails))
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
