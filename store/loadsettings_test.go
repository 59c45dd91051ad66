package store_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// A location's load sharing: "equal" when absent, "priority" kept through
// create, read, list and update, anything else refused with nothing written.
func TestLocationLoadSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Share")
		all := fc.ProviderScope(w.Provider.ID)
		valid := fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Yard", Kind: fc.LocationOffice}

		for _, v := range []string{"Equal", "fair", "priority,equal"} {
			l := valid
			l.LoadSharing = v
			wantField(t, "load sharing "+v, s.CreateLocation(ctx, &l), "load_sharing")
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
		if got.LoadSharing != fc.LoadShareEqual {
			t.Errorf("default load sharing %q, want %q", got.LoadSharing, fc.LoadShareEqual)
		}

		prio := valid
		prio.Name, prio.LoadSharing = "Depot", fc.LoadSharePriority
		if err := s.CreateLocation(ctx, &prio); err != nil {
			t.Fatal(err)
		}
		if got, err = s.Location(ctx, all, prio.ID); err != nil || got.LoadSharing != fc.LoadSharePriority {
			t.Errorf("read back %+v, %v; want load sharing priority", got, err)
		}
		list, err := s.Locations(ctx, all, fc.LocationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(before)+2 {
			t.Errorf("%d locations, want %d: a refused create wrote one", len(list), len(before)+2)
		}
		for _, l := range list {
			if l.ID == prio.ID && l.LoadSharing != fc.LoadSharePriority {
				t.Errorf("listed with load sharing %q, want priority", l.LoadSharing)
			}
		}

		_, err = s.UpdateLocation(ctx, all, prio.ID, func(l *fc.Location) error { l.LoadSharing = "first"; return nil })
		wantField(t, "update to an unknown sharing", err, "load_sharing")
		if got, err = s.Location(ctx, all, prio.ID); err != nil || got.LoadSharing != fc.LoadSharePriority {
			t.Errorf("after a refused update: %+v, %v", got, err)
		}
		if _, err := s.UpdateLocation(ctx, all, prio.ID, func(l *fc.Location) error { l.LoadSharing = fc.LoadShareEqual; return nil }); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := s.DB().QueryRowContext(ctx, `SELECT load_sharing FROM locations WHERE id = $1`, int64(prio.ID)).Scan(&stored); err != nil || stored != fc.LoadShareEqual {
			t.Errorf("stored %q (%v), want equal", stored, err)
		}
	})
}

// A charge group's load priority: 0 by default, kept at both bounds through
// create, read, list and update, refused beyond them with nothing written.
func TestChargeGroupLoadPriority(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Prio")
		all := fc.ProviderScope(w.Provider.ID)
		valid := fc.ChargeGroup{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Fleet", Kind: fc.GroupOther,
			Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}

		for _, p := range []int{fc.MinLoadPriority - 1, fc.MaxLoadPriority + 1, 1 << 40} {
			g := valid
			g.LoadPriority = p
			wantField(t, "priority out of bounds", s.CreateChargeGroup(ctx, &g), "load_priority")
		}
		before, err := s.ChargeGroups(ctx, all, fc.ChargeGroupFilter{})
		if err != nil {
			t.Fatal(err)
		}

		if got, err := s.ChargeGroup(ctx, all, w.Group.ID); err != nil || got.LoadPriority != 0 {
			t.Errorf("default priority: %+v, %v; want 0", got, err)
		}
		for i, p := range []int{fc.MinLoadPriority, fc.MaxLoadPriority} {
			g := valid
			g.Name, g.LoadPriority = g.Name+string(rune('A'+i)), p
			if err := s.CreateChargeGroup(ctx, &g); err != nil {
				t.Fatal(err)
			}
			if got, err := s.ChargeGroup(ctx, all, g.ID); err != nil || got.LoadPriority != p {
				t.Errorf("read back %+v, %v; want priority %d", got, err, p)
			}
		}
		list, err := s.ChargeGroups(ctx, all, fc.ChargeGroupFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(before)+2 {
			t.Fatalf("%d charge groups, want %d: a refused create wrote one", len(list), len(before)+2)
		}
		last := list[len(list)-1]
		if last.LoadPriority != fc.MaxLoadPriority {
			t.Errorf("listed priority %d, want %d", last.LoadPriority, fc.MaxLoadPriority)
		}

		_, err = s.UpdateChargeGroup(ctx, all, last.ID, func(g *fc.ChargeGroup) error { g.LoadPriority = 1001; return nil })
		wantField(t, "update beyond the bound", err, "load_priority")
		if got, err := s.ChargeGroup(ctx, all, last.ID); err != nil || got.LoadPriority != fc.MaxLoadPriority {
			t.Errorf("after a refused update: %+v, %v", got, err)
		}
		if _, err := s.UpdateChargeGroup(ctx, all, last.ID, func(g *fc.ChargeGroup) error { g.LoadPriority = -7; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ChargeGroup(ctx, all, last.ID); err != nil || got.LoadPriority != -7 {
			t.Errorf("after update: %+v, %v; want priority -7", got, err)
		}
	})
}

// A station's connector maximum: 0 (unknown) stored as NULL, a value in
// watts kept through create, read, list and update, a negative one or one
// over 1 MW refused with nothing written.
func TestStationConnectorMax(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Conn")
		all := fc.ProviderScope(w.Provider.ID)
		stations := stationScope(all)
		valid := fc.Station{ProviderID: w.Provider.ID, AccountID: w.Account.ID, LocationID: w.Office.ID,
			ChargeGroupID: w.Group.ID, Identity: "Conn-CP2", PasswordHash: "hash"}

		for _, v := range []int64{-1, 1_000_001} {
			st := valid
			st.ConnectorMaxW = v
			wantField(t, "connector maximum out of bounds", s.CreateStation(ctx, &st, 1), "connector_max_power_kw")
		}
		stored := func(id fc.ID) *int64 {
			t.Helper()
			var w *int64
			if err := s.DB().QueryRowContext(ctx, `SELECT connector_max_power_w FROM stations WHERE id = $1`, int64(id)).Scan(&w); err != nil {
				t.Fatal(err)
			}
			return w
		}
		if got := stored(w.Station.ID); got != nil {
			t.Errorf("unknown connector maximum stored as %d, want NULL", *got)
		}
		if got, err := s.Station(ctx, stations, w.Station.ID); err != nil || got.ConnectorMaxW != 0 {
			t.Errorf("read back %+v, %v; want connector maximum 0", got, err)
		}

		st := valid
		st.ConnectorMaxW = 1_000_000
		if err := s.CreateStation(ctx, &st, 1); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Station(ctx, stations, st.ID); err != nil || got.ConnectorMaxW != 1_000_000 {
			t.Errorf("read back %+v, %v; want 1000000 W", got, err)
		}
		list, err := s.Stations(ctx, stations, fc.StationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("%d stations, want 2: a refused create wrote one", len(list))
		}
		for _, x := range list {
			if want := map[fc.ID]int64{w.Station.ID: 0, st.ID: 1_000_000}[x.ID]; x.ConnectorMaxW != want {
				t.Errorf("station %s listed with %d W, want %d", x.Identity, x.ConnectorMaxW, want)
			}
		}
		if got, err := s.StationByIdentity(ctx, st.Identity); err != nil || got.ConnectorMaxW != 1_000_000 {
			t.Errorf("by identity %+v, %v; want 1000000 W", got, err)
		}

		_, err = s.UpdateStation(ctx, all, st.ID, func(x *fc.Station) error { x.ConnectorMaxW = -5; return nil })
		wantField(t, "update to a negative maximum", err, "connector_max_power_kw")
		if got := stored(st.ID); got == nil || *got != 1_000_000 {
			t.Errorf("after a refused update: %v, want 1000000", got)
		}
		if _, err := s.UpdateStation(ctx, all, st.ID, func(x *fc.Station) error { x.ConnectorMaxW = 7_400; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Station(ctx, stations, st.ID); err != nil || got.ConnectorMaxW != 7_400 {
			t.Errorf("after update %+v, %v; want 7400 W", got, err)
		}
		if _, err := s.UpdateStation(ctx, all, st.ID, func(x *fc.Station) error { x.ConnectorMaxW = 0; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := stored(st.ID); got != nil {
			t.Errorf("cleared connector maximum stored as %d, want NULL", *got)
		}
	})
}
