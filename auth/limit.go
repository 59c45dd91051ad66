package auth

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// limiter counts recent failures per key (an account or a remote address)
// in a sliding window. It lives in memory: one fleetcharge process sees
// every attempt it must count, and a restart forgets the counts, which only
// gives an attacker one more round of attempts.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	fails  map[string][]time.Time
	swept  time.Time
}

// maxKept bounds the failures remembered per key; the limits are far lower.
const maxKept = 64

func newLimiter(window time.Duration) *limiter {
	return &limiter{window: window, fails: map[string][]time.Time{}}
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

// blocked reports whether key has max failures or more in the window.
func (l *limiter) blocked(key string, max int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) >= max
}

// fail counts one failure for each key.
func (l *limiter) fail(now time.Time, keys ...string) {
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
func (l *limiter) reset(key string) {
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
