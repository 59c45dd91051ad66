package sso

import (
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// starts counts the sign-ins each client address began recently: every
// one stores a state and reaches an identity provider, so one address may
// begin only so many.
type starts struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	seen   map[string][]time.Time
}

// maxAddresses bounds the addresses remembered: past it, the oldest
// window is forgotten all at once rather than memory growing.
const maxAddresses = 100000

func newStarts(max int, window time.Duration) *starts {
	return &starts{window: window, max: max, seen: map[string][]time.Time{}}
}

// allow records a start from addr at now, or refuses it with
// fc.ERateLimited when addr began max within the window.
func (s *starts) allow(addr string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) >= maxAddresses {
		s.seen = map[string][]time.Time{}
	}
	kept := s.seen[addr][:0]
	for _, t := range s.seen[addr] {
		if now.Sub(t) < s.window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= s.max {
		s.seen[addr] = kept
		return fc.Errorf(fc.ERateLimited, "too many sign-ins begun from your address: wait a few minutes and try again")
	}
	s.seen[addr] = append(kept, now)
	return nil
}
