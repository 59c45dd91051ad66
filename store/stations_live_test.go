package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestStationsByIDs: StationFilter.IDs reads only the stations named, and
// only those of them the scope reaches.
func TestStationsByIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := mustWorld(t, s, "IdsA"), mustWorld(t, s, "IdsB")
		a2 := mustStation(t, s, a.Account, a.Office, a.Group, "IdsA-CP2")
		ids := func(sts []fc.Station) []fc.ID {
			var out []fc.ID
			for _, st := range sts {
				out = append(out, st.ID)
			}
			return out
		}
		all := fc.StationScope{ProviderID: a.Provider.ID, Reach: fc.Everything}
		got, err := s.Stations(ctx, all, fc.StationFilter{IDs: []fc.ID{a2.ID, b.Station.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// b's station is of another provider: never read in a's scope.
		if want := []fc.ID{a2.ID}; !slices.Equal(ids(got), want) {
			t.Errorf("stations by IDs = %v, want %v", ids(got), want)
		}
		none := fc.StationScope{ProviderID: a.Provider.ID, Reach: fc.Reach{AccountIDs: []fc.ID{b.Account.ID}}}
		if got, err = s.Stations(ctx, none, fc.StationFilter{IDs: []fc.ID{a.Station.ID, a2.ID}}); err != nil || len(got) != 0 {
			t.Errorf("stations outside the reach = %v, %v; want none", ids(got), err)
		}
		if _, err := s.Stations(ctx, all, fc.StationFilter{IDs: []fc.ID{}}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("an empty list of IDs: err = %v, want invalid", err)
		}
	})
}

// TestStationChangedHook: the writes of a station's connection and of a
// connector's status tell StationChanged, a failed one does not.
func TestStationChangedHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Hook")
		var mu sync.Mutex
		var heard []fc.ID
		s.StationChanged = func(id fc.ID) {
			mu.Lock()
			heard = append(heard, id)
			mu.Unlock()
		}
		t0 := time.Date(2025, 4, 1, 6, 0, 0, 0, time.UTC)
		if err := s.SetConnection(ctx, w.Station.ID, true, fc.OCPP16, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordStatus(ctx, w.Station.ID, 1, "Faulted", "GroundFailure", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordHeartbeat(ctx, w.Station.ID, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConnection(ctx, fc.ID(999999999), false, "", t0); err == nil {
			t.Fatal("an unknown station's connection was stored")
		}
		if err := s.SetConnection(ctx, w.Station.ID, false, "", t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if want := []fc.ID{w.Station.ID, w.Station.ID, w.Station.ID}; !slices.Equal(heard, want) {
			t.Errorf("heard %v, want %v (online, status, offline; not the heartbeat nor the failed write)", heard, want)
		}
	})
}
