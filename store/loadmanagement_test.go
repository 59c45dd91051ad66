package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// A location's grid connection (load management): the limit in watts, 0
// for none (NULL in the database), phases and voltage with their defaults,
// each checked, and a refused change writes nothing.
func TestLocationGridConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		valid := fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Car park", Kind: fc.LocationOffice}

		for _, tc := range []struct {
			name  string
			edit  func(l *fc.Location)
			field string
		}{
			{"negative limit", func(l *fc.Location) { l.MaxPowerW = -1 }, "max_power_kw"},
			{"limit over 1 GW", func(l *fc.Location) { l.MaxPowerW = 1_000_000_001 }, "max_power_kw"},
			{"two phases", func(l *fc.Location) { l.Phases = 2 }, "phases"},
			{"negative phases", func(l *fc.Location) { l.Phases = -3 }, "phases"},
			{"voltage too low", func(l *fc.Location) { l.Voltage = 99 }, "voltage"},
			{"voltage too high", func(l *fc.Location) { l.Voltage = 481 }, "voltage"},
		} {
			l := valid
			tc.edit(&l)
			wantField(t, tc.name, s.CreateLocation(ctx, &l), tc.field)
		}
		before, err := s.Locations(ctx, all, fc.LocationFilter{})
		if err != nil {
			t.Fatal(err)
		}

		plain := valid
		if err := s.CreateLocation(ctx, &plain); err != nil {
			t.Fatal(err)
		}
		got, err := s.Location(ctx, all, plain.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.MaxPowerW != 0 || got.Phases != 3 || got.Voltage != 230 {
			t.Errorf("defaults: %d W, %d phases, %d V; want no limit, 3 phases, 230 V", got.MaxPowerW, got.Phases, got.Voltage)
		}

		limited := valid
		limited.Name, limited.MaxPowerW, limited.Phases, limited.Voltage = "Depot", 100_000, 1, 240
		if err := s.CreateLocation(ctx, &limited); err != nil {
			t.Fatal(err)
		}
		if got, err = s.Location(ctx, all, limited.ID); err != nil {
			t.Fatal(err)
		}
		if got.MaxPowerW != 100_000 || got.Phases != 1 || got.Voltage != 240 {
			t.Errorf("read back %d W, %d phases, %d V; want 100000 W, 1, 240", got.MaxPowerW, got.Phases, got.Voltage)
		}

		// A refused update leaves everything as it was.
		_, err = s.UpdateLocation(ctx, all, limited.ID, func(l *fc.Location) error { l.MaxPowerW, l.Phases = 50_000, 2; return nil })
		wantField(t, "update to two phases", err, "phases")
		if got, err = s.Location(ctx, all, limited.ID); err != nil || got.MaxPowerW != 100_000 || got.Phases != 1 {
			t.Errorf("after a refused update: %+v, %v", got, err)
		}

		// Lifting the limit stores NULL; a new one is kept exactly.
		if _, err := s.UpdateLocation(ctx, all, limited.ID, func(l *fc.Location) error { l.MaxPowerW = 0; return nil }); err != nil {
			t.Fatal(err)
		}
		var stored *int64
		if err := s.DB().QueryRowContext(ctx, `SELECT max_power_w FROM locations WHERE id = $1`, int64(limited.ID)).Scan(&stored); err != nil || stored != nil {
			t.Errorf("no limit stored as %v (%v), want NULL", stored, err)
		}
		if _, err := s.UpdateLocation(ctx, all, limited.ID, func(l *fc.Location) error { l.MaxPowerW = 22_222; l.Phases = 3; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, err = s.Location(ctx, all, limited.ID); err != nil || got.MaxPowerW != 22_222 || got.Phases != 3 || got.Voltage != 240 {
			t.Errorf("after update: %+v, %v", got, err)
		}

		after, err := s.Locations(ctx, all, fc.LocationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before)+2 {
			t.Errorf("%d locations, want %d: a refused create wrote one", len(after), len(before)+2)
		}
	})
}

// The allocation history: kept per session in one write, the later of two
// in the same millisecond, read by time within the session scope, a
// foreign or unknown session refused with nothing kept, and pruned by age.
func TestSessionAllocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "Alloc")
		x := mustImport(t, s, w, "ref-alloc", 0)
		y := mustImport(t, s, w, "ref-alloc-2", 2*time.Hour)
		other := mustSessionWorld(t, s, "Elsewhere")
		z := mustImport(t, s, other, "ref-other", 0)
		p := w.provider.ID
		all := fc.SessionScope{ProviderID: p, CardSide: fc.Everything, StationSide: fc.Everything}
		t0 := march.Add(time.Minute)

		check := func(what string, id fc.ID, want ...fc.SessionAllocation) {
			t.Helper()
			got, err := s.SessionAllocations(ctx, all, id)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %+v, want %+v", what, got, want)
			}
			for i := range want {
				if got[i].SessionID != want[i].SessionID || !got[i].At.Equal(want[i].At) || got[i].LimitW != want[i].LimitW || got[i].Reason != want[i].Reason {
					t.Errorf("%s: %+v, want %+v", what, got[i], want[i])
				}
			}
		}
		a1 := fc.SessionAllocation{SessionID: x.ID, At: t0, LimitW: 11000, Reason: "share"}
		b1 := fc.SessionAllocation{SessionID: y.ID, At: t0, LimitW: 0, Reason: "waiting"}
		if err := s.RecordAllocations(ctx, p, []fc.SessionAllocation{a1, b1}); err != nil {
			t.Fatal(err)
		}
		a2 := fc.SessionAllocation{SessionID: x.ID, At: t0.Add(time.Minute), LimitW: 7000, Reason: "share"}
		a2again := a2
		a2again.LimitW = 5500
		if err := s.RecordAllocations(ctx, p, []fc.SessionAllocation{a2, a2again}); err != nil {
			t.Fatal(err)
		}
		check("history", x.ID, a1, a2again)
		check("waiting session", y.ID, b1)

		// Another provider's session, an unknown one, a bad value: refused
		// as a whole.
		for what, allocs := range map[string][]fc.SessionAllocation{
			"another provider's session": {{SessionID: y.ID, At: t0.Add(time.Hour), LimitW: 1, Reason: "share"}, {SessionID: z.ID, At: t0, LimitW: 1, Reason: "share"}},
			"unknown session":            {{SessionID: y.ID, At: t0.Add(time.Hour), LimitW: 1, Reason: "share"}, {SessionID: 987654321, At: t0, LimitW: 1, Reason: "share"}},
			"negative limit":             {{SessionID: y.ID, At: t0.Add(time.Hour), LimitW: -1, Reason: "share"}},
			"no reason":                  {{SessionID: y.ID, At: t0.Add(time.Hour), LimitW: 1}},
		} {
			if err := s.RecordAllocations(ctx, p, allocs); err == nil {
				t.Errorf("%s: kept", what)
			}
		}
		check("after refusals", y.ID, b1)

		// Out of scope is not found.
		_, err := s.SessionAllocations(ctx, fc.SessionScope{ProviderID: p, CardSide: reachAccounts(other.fleet.ID)}, x.ID)
		wantCode(t, "history of a session out of scope", err, fc.ENotFound)
		_, err = s.SessionAllocations(ctx, fc.SessionScope{ProviderID: other.provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}, x.ID)
		wantCode(t, "history of another provider's session", err, fc.ENotFound)
		if got, err := s.SessionAllocations(ctx, fc.SessionScope{ProviderID: p, StationSide: reachAccounts(w.site.ID)}, x.ID); err != nil || len(got) != 2 {
			t.Errorf("station side: %+v, %v", got, err)
		}

		n, err := s.PruneSessionAllocations(ctx, t0.Add(time.Minute))
		if err != nil || n != 2 {
			t.Errorf("pruned %d (%v), want the 2 of the first minute", n, err)
		}
		check("after pruning", x.ID, a2again)
		check("after pruning, waiting session", y.ID)
	})
}
