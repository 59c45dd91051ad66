package store_test

import (
	"context"
	"testing"

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

// The allocation history (filled by the load management wiring) exists on
// both engines and holds rows of real sessions only.
func TestSessionAllocationsTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		db := s.DB()
		ins := `INSERT INTO session_allocations (session_id, at, limit_w, reason) VALUES ($1, $2, $3, $4)`
		if _, err := db.ExecContext(ctx, ins, 987654321, 1, 7000, "share"); err == nil {
			t.Error("an allocation of a session that does not exist was stored")
		}
	})
}
