package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestAvailabilityAgainstMinutes checks the availability of charge points
// against an independent count: random status histories (connectors, the
// station as a whole, connections) on whole minutes, from before the period
// to after it, and the state of every minute of the period looked up from
// scratch. The period is split into buckets and ends at until; a station
// outside the report's scope is not read. Both engines.
func TestAvailabilityAgainstMinutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Avail")
		second := mustStation(t, s, w.Account, w.Office, w.Group, "Avail-CP2")
		otherOrg := mustOrg(t, s, w.Provider.ID, 0, "Avail Elsewhere")
		other := mustAccount(t, s, w.Provider.ID, otherOrg.ID, "Avail Elsewhere BV")
		otherLoc := mustLocation(t, s, other, fc.LocationOffice, 0)
		otherGroup := mustChargeGroup(t, s, other, fc.AccessPublic)
		outside := mustStation(t, s, other, otherLoc, otherGroup, "Avail-CP3")

		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		to := from.Add(48 * time.Hour)
		buckets := []time.Time{from.Add(12 * time.Hour), from.Add(30 * time.Hour)}
		until := from.Add(40*time.Hour + 7*time.Minute)
		statuses := []string{"Available", "Charging", "Preparing", "SuspendedEV", "Finishing", "Reserved", "Faulted", "Unavailable", "Broken"}

		// history: per station, per channel (connector, 0, or -1 for the
		// connection), the events by minute since from.
		type event struct {
			minute int
			status string
		}
		history := map[fc.ID]map[int][]event{}
		rng := rand.New(rand.NewPCG(19, 10))
		for _, st := range []*fc.Station{w.Station, second, outside} {
			history[st.ID] = map[int][]event{}
			for ch := -1; ch <= 2; ch++ {
				if st == second && ch == 2 {
					continue // a charge point that never reports
				}
				used := map[int]bool{}
				// The first 6 hours of the period run on states from well
				// before it: disconnected, the station and connector 1
				// available. Connector 2 has random entries before the
				// period too.
				var err error
				switch ch {
				case -1:
					err = s.SetConnection(ctx, st.ID, false, "", from.Add(-5*time.Hour))
					history[st.ID][ch] = append(history[st.ID][ch], event{minute: -300, status: "Offline"})
				case 0, 1:
					err = s.RecordStatusReport(ctx, fc.StatusReport{StationID: st.ID, ConnectorID: ch, Status: "Available", At: from.Add(-5 * time.Hour)})
					history[st.ID][ch] = append(history[st.ID][ch], event{minute: -300, status: "Available"})
				}
				if err != nil {
					t.Fatal(err)
				}
				for n := 8 + rng.IntN(12); n > 0; n-- {
					m := rng.IntN(60*60) - 4*60 // from 4 h before to 8 h after the period
					if ch < 2 {
						m = 6*60 + rng.IntN(50*60)
					}
					if used[m] {
						continue
					}
					used[m] = true
					e := event{minute: m, status: statuses[rng.IntN(len(statuses))]}
					if ch == 0 {
						e.status = []string{"Available", "Unavailable", "Faulted"}[rng.IntN(3)]
					}
					at := from.Add(time.Duration(m) * time.Minute)
					var err error
					if ch < 0 {
						e.status = "Offline"
						online := rng.IntN(3) > 0
						if online {
							e.status = "Online"
						}
						err = s.SetConnection(ctx, st.ID, online, "", at)
					} else {
						err = s.RecordStatusReport(ctx, fc.StatusReport{StationID: st.ID, ConnectorID: ch, Status: e.status, At: at})
					}
					if err != nil {
						t.Fatal(err)
					}
					history[st.ID][ch] = append(history[st.ID][ch], e)
				}
			}
		}
		// stateAt returns a channel's last status at minute m ("" before its
		// first).
		stateAt := func(es []event, m int) string {
			best, status := -1<<31, ""
			for _, e := range es {
				if e.minute <= m && e.minute > best {
					best, status = e.minute, e.status
				}
			}
			return status
		}
		bounds := []time.Time{from, buckets[0], buckets[1], to}
		want := map[string][2]int64{}
		for _, st := range []*fc.Station{w.Station, second} {
			h := history[st.ID]
			for c := 1; c <= 2; c++ {
				for b := 0; b < 3; b++ {
					var up, known int64
					for at := bounds[b]; at.Before(bounds[b+1]) && at.Before(until); at = at.Add(time.Minute) {
						m := int(at.Sub(from) / time.Minute)
						status := stateAt(h[c], m)
						if status == "" {
							continue
						}
						known += 60000
						whole := stateAt(h[0], m)
						if stateAt(h[-1], m) != "Offline" && whole != "Unavailable" && whole != "Faulted" && slices.Contains(fc.AvailableStatuses, status) {
							up += 60000
						}
					}
					want[fmt.Sprintf("%s/%d/%d", st.ID, c, b)] = [2]int64{up, known}
				}
			}
		}

		q := fc.ReportQuery{Report: fc.ReportChargeStations, Scope: fc.SessionScope{ProviderID: w.Provider.ID,
			StationSide: fc.Reach{OrgIDs: []fc.ID{w.Org.ID}}}, From: from, To: to, Buckets: buckets}
		got := map[string][2]int64{}
		if err := s.Availability(ctx, q, until, func(a fc.ConnectorAvailability) error {
			key := fmt.Sprintf("%s/%d/%d", a.StationID, a.ConnectorID, a.Bucket)
			if _, dup := got[key]; dup {
				t.Errorf("%s twice", key)
			}
			got[key] = [2]int64{a.UpMS, a.KnownMS}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: up, known = %v, want %v", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: not in the report's scope", k)
			}
		}
		var someUp, someDown bool
		for _, v := range want {
			someUp = someUp || v[0] > 0
			someDown = someDown || v[0] < v[1]
		}
		if !someUp || !someDown {
			t.Errorf("the random history is too plain to test anything: %v", want)
		}

		// Another provider's scope reads nothing of these stations.
		q.Scope = fc.SessionScope{ProviderID: w.Provider.ID + 1000, StationSide: fc.Everything}
		n := 0
		if err := s.Availability(ctx, q, until, func(fc.ConnectorAvailability) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("another provider reads %d rows", n)
		}
	})
}
