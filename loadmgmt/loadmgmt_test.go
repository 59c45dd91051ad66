package loadmgmt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

func TestAllocateRefuses(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	one := []Session{{ID: 1, MaxW: 22000}}
	for _, tc := range []struct {
		name     string
		site     Site
		sessions []Session
	}{
		{"negative limit", Site{LimitW: -1}, one},
		{"limit too large", Site{LimitW: MaxW + 1}, one},
		{"two phases", Site{LimitW: 22000, Phases: 2}, one},
		{"negative voltage", Site{LimitW: 22000, Voltage: -230}, one},
		{"negative timeout", Site{LimitW: 22000, OfflineTimeout: -time.Second}, one},
		{"negative connector maximum", Site{LimitW: 22000}, []Session{{ID: 1, MaxW: -1}}},
		{"negative last limit", Site{LimitW: 22000}, []Session{{ID: 1, State: Offline, LastW: -1}}},
		{"unknown state", Site{LimitW: 22000}, []Session{{ID: 1, State: State(7)}}},
		{"session twice", Site{LimitW: 22000}, []Session{{ID: 1}, {ID: 2}, {ID: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Allocate(tc.site, tc.sessions, now)
			if e := (*fc.Error)(nil); !errors.As(err, &e) || e.Code != fc.EInvalid {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}
}

func TestAllocateUnlimited(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	res, err := Allocate(Site{}, []Session{{ID: 2, MaxW: 22000}, {ID: 1}, {ID: 3, MaxW: 7400, State: Rejected}}, now)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(res.Sessions)
	want := "[{1 0 0 0 0 unlimited} {2 0 0 22000 318 unlimited} {3 0 0 7400 107 unlimited}]"
	if got != want || res.AllocatedW != 29400 {
		t.Errorf("got %s (%d W), want %s (29400 W)", got, res.AllocatedW, want)
	}
}

// siteOf makes a site with n charging sessions on 22 kW connectors, some
// of them offline or rejecting, in three priority groups.
func siteOf(rng *rand.Rand, n int, now time.Time) (Site, []Session) {
	site := Site{LimitW: int64(n) * 7000, ByPriority: rng.IntN(2) == 0}
	sessions := make([]Session, n)
	for i := range sessions {
		s := Session{ID: fc.ID(i + 1), StationID: fc.ID(i/2 + 1), ConnectorID: i%2 + 1, MaxW: 22000,
			Priority: rng.IntN(3), StartedAt: now.Add(-time.Duration(rng.IntN(36000)) * time.Second)}
		switch rng.IntN(20) {
		case 0:
			s.State, s.OfflineSince, s.LastW = Offline, now.Add(-time.Duration(rng.IntN(1200))*time.Second), 7000
		case 1:
			s.State = Rejected
		}
		sessions[i] = s
	}
	return site, sessions
}

// A site with 500 running sessions allocated again (one start or stop).
func BenchmarkAllocate500(b *testing.B) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	site, sessions := siteOf(rand.New(rand.NewPCG(1, 2)), 500, now)
	site.ByPriority = false
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Allocate(site, sessions, now); err != nil {
			b.Fatal(err)
		}
	}
}

// The same with priority groups.
func BenchmarkAllocate500Priority(b *testing.B) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	site, sessions := siteOf(rand.New(rand.NewPCG(1, 2)), 500, now)
	site.ByPriority = true
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Allocate(site, sessions, now); err != nil {
			b.Fatal(err)
		}
	}
}

// A boot storm: a provider's 1,000 limited sites, of 2 to 40 sessions
// each, all allocated again, with the changes to send worked out.
func BenchmarkBootStorm1000Sites(b *testing.B) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	type site struct {
		site     Site
		sessions []Session
		prev     Result
	}
	sites := make([]site, 1000)
	total := 0
	for i := range sites {
		s, ss := siteOf(rng, 2+rng.IntN(39), now)
		sites[i] = site{site: s, sessions: ss}
		total += len(ss)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range sites {
			res, err := Allocate(sites[i].site, sites[i].sessions, now)
			if err != nil {
				b.Fatal(err)
			}
			Changes(sites[i].prev, res)
		}
	}
	b.ReportMetric(float64(total), "sessions")
}

func TestSiteOf(t *testing.T) {
	site := SiteOf(&fc.Location{MaxPowerW: 22000, Phases: 1, Voltage: 240})
	if site.LimitW != 22000 || site.MinW() != 6*240 || site.Tenths(2400) != 100 {
		t.Errorf("site %+v: minimum %d W, 2400 W = %d tenths of an ampere", site, site.MinW(), site.Tenths(2400))
	}
	if got := SiteOf(&fc.Location{}).MinW(); got != 4140 {
		t.Errorf("a location without phases and voltage: minimum %d W, want 4140 W (6 A on 3 phases at 230 V)", got)
	}
}

// A rejecting station counts at its connector's maximum even when that is
// above the site's limit, so that the overcommit tells what it may draw.
func TestRejectedAboveTheLimit(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	res, err := Allocate(Site{LimitW: 11000}, []Session{{ID: 1, MaxW: 22000, State: Rejected}, {ID: 2, MaxW: 22000}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sessions[0].LimitW != 22000 || res.Sessions[1].Reason != ReasonWaiting || res.OvercommitW != 11000 {
		t.Errorf("got %+v", res)
	}
}
