package auth

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// FailureStore is where a limiter counts failures when the service's store
// has it (store.Store does): the database, which every node sharing it
// sees, so that an attacker spreading attempts over N nodes gets no more of
// them than on one. Failures are counted per slot of a fifteenth of the
// window (one row per key and slot, incremented in one statement), and a
// key's recent failures are those of the slots that started less than a
// window ago: a failure leaves the window up to one slot before a full
// window has passed since it.
type FailureStore interface {
	CountSignInFailures(ctx context.Context, start time.Time, keys ...string) error
	SignInFailures(ctx context.Context, since time.Time, keys ...string) (map[string]int, error)
	ResetSignInFailures(ctx context.Context, key string) error
}

// slotsPerWindow is how many slots a window of the shared count has.
const slotsPerWindow = 15

// limiter counts recent failures per key (an account or a remote address)
// in a sliding window: in shared when it is set, else in memory, where one
// process sees only the attempts it got and a restart forgets the counts.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	fails  map[string][]time.Time
	swept  time.Time

	shared FailureStore
	log    func() *slog.Logger
}

// limit is a key and the failures it may have in the window.
type limit struct {
	key string
	max int
}

// maxKept bounds the failures remembered per key; the limits are far lower.
const maxKept = 64

// newLimiter returns a limiter counting in memory; shared, when not nil,
// counts in the database instead, and log names where its errors go.
func newLimiter(window time.Duration, shared FailureStore, log func() *slog.Logger) *limiter {
	if log == nil {
		log = slog.Default
	}
	return &limiter{window: window, fails: map[string][]time.Time{}, shared: shared, log: log}
}

// slot returns the start of the shared count's slot of now.
func (l *limiter) slot(now time.Time) time.Time {
	return now.Truncate(max(l.window/slotsPerWindow, time.Second))
}

// recent drops the failures of key that left the window and returns the
// rest. The caller holds the lock.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}

// blocked reports whether any key has its max failures or more in the
// window, in one statement on the shared count. A count that cannot be
// read blocks: the limits hold even when the database is failing.
func (l *limiter) blocked(ctx context.Context, now time.Time, limits ...limit) bool {
	if l.shared != nil {
		keys := make([]string, len(limits))
		for i, lim := range limits {
			keys[i] = lim.key
		}
		n, err := l.shared.SignInFailures(ctx, now.Add(-l.window), keys...)
		if err != nil {
			l.log().Error("read sign-in failures", "err", err)
			return true
		}
		for _, lim := range limits {
			if n[lim.key] >= lim.max {
				return true
			}
		}
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, lim := range limits {
		if len(l.recent(lim.key, now)) >= lim.max {
			return true
		}
	}
	return false
}

// fail counts one failure for each key.
func (l *limiter) fail(ctx context.Context, now time.Time, keys ...string) {
	if l.shared != nil {
		if err := l.shared.CountSignInFailures(ctx, l.slot(now), keys...); err != nil {
			l.log().Error("count sign-in failure", "err", err)
		}
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		ts := append(l.recent(k, now), now)
		if len(ts) > maxKept {
			ts = ts[len(ts)-maxKept:]
		}
		l.fails[k] = ts
	}
	// Forget idle keys now and then, so that the map holds only keys with
	// failures in the window.
	if now.Sub(l.swept) > l.window {
		for k := range l.fails {
			l.recent(k, now)
		}
		l.swept = now
	}
}

// reset forgets the failures of key.
func (l *limiter) reset(ctx context.Context, key string) {
	if l.shared != nil {
		if err := l.shared.ResetSignInFailures(ctx, key); err != nil {
			l.log().Error("reset sign-in failures", "err", err)
		}
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// accountKey is the limiter key of an e-mail address, whether or not a user
// has it, so that the limit itself tells nothing about existence.
func accountKey(email string) string {
	return "account:" + strings.ToLower(strings.TrimSpace(email))
}

// addressKey is the limiter key of a remote address: the address for IPv4,
// its /64 network for IPv6, where one client holds a whole /64.
func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "address:" + addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "address:" + p.String()
	}
	return "address:" + ip.String()
}
