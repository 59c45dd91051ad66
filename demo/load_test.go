package demo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
)

// checkLoad checks the demo's load management: limited offices (one
// sharing by priority), connector maximums on every station, and a history
// of limits that, replayed, never sums above a location's limit.
func checkLoad(t *testing.T, s *store.Store) {
	checks := []struct {
		name  string
		query string
	}{
		{"stations without a connector maximum", `SELECT COUNT(*) FROM stations WHERE connector_max_power_w IS NULL`},
		{"office locations without a limit", `SELECT COUNT(*) FROM locations WHERE kind = 'office' AND max_power_w IS NULL`},
		{"home locations with a limit", `SELECT COUNT(*) FROM locations WHERE kind = 'home' AND max_power_w IS NOT NULL`},
		{"limits above what the connectors draw together", `SELECT COUNT(*) FROM locations l WHERE l.max_power_w >=
			(SELECT SUM(st.connector_max_power_w) FROM stations st JOIN charge_points cp ON cp.station_id = st.id WHERE st.location_id = l.id)`},
		{"allocations at unlimited locations", `SELECT COUNT(*) FROM session_allocations a JOIN sessions s ON s.id = a.session_id
			JOIN locations l ON l.id = s.location_id WHERE l.max_power_w IS NULL`},
		{"allocations outside their session", `SELECT COUNT(*) FROM session_allocations a JOIN sessions s ON s.id = a.session_id
			WHERE a.at < s.started_at OR a.at >= s.stopped_at`},
		{"sessions whose history does not begin at their start", `SELECT COUNT(*) FROM sessions s
			WHERE EXISTS (SELECT 1 FROM session_allocations a WHERE a.session_id = s.id)
			AND NOT EXISTS (SELECT 1 FROM session_allocations a WHERE a.session_id = s.id AND a.at = s.started_at)`},
		{"allocations above the connector maximum", `SELECT COUNT(*) FROM session_allocations a JOIN sessions s ON s.id = a.session_id
			JOIN stations st ON st.id = s.station_id WHERE a.limit_w > st.connector_max_power_w`},
	}
	for _, c := range checks {
		if got := count(t, s, c.query); got != 0 {
			t.Errorf("%d %s", got, c.name)
		}
	}
	wants := []struct {
		name  string
		query string
	}{
		{"limited locations", `SELECT COUNT(*) FROM locations WHERE max_power_w > 0`},
		{"location sharing by priority", `SELECT COUNT(*) FROM locations WHERE load_sharing = 'priority' AND max_power_w > 0`},
		{"charge group with a priority at a location sharing by priority", `SELECT COUNT(*) FROM charge_groups g
			JOIN stations st ON st.charge_group_id = g.id JOIN locations l ON l.id = st.location_id
			WHERE g.load_priority <> 0 AND l.load_sharing = 'priority'`},
		{"location sharing equally", `SELECT COUNT(*) FROM locations WHERE load_sharing = 'equal' AND max_power_w > 0`},
		{"allocation history", `SELECT COUNT(*) FROM session_allocations`},
		{"history at the location sharing by priority", `SELECT COUNT(*) FROM session_allocations a JOIN sessions s ON s.id = a.session_id
			JOIN locations l ON l.id = s.location_id WHERE l.load_sharing = 'priority'`},
		{"shared limits (below the connector maximum)", `SELECT COUNT(*) FROM session_allocations a JOIN sessions s ON s.id = a.session_id
			JOIN stations st ON st.id = s.station_id WHERE a.reason = 'share' AND a.limit_w < st.connector_max_power_w`},
		{"limits raised when a session stopped", `SELECT COUNT(*) FROM session_allocations a JOIN sessions s ON s.id = a.session_id
			WHERE a.at > s.started_at`},
	}
	for _, w := range wants {
		if got := count(t, s, w.query); got == 0 {
			t.Errorf("no %s", w.name)
		}
	}
	checkAllocationSums(t, s)
}

// checkAllocationSums replays the recorded limits: at every instant one was
// recorded, the limits the running sessions of a location hold (each its
// latest at or before that instant) sum to at most the location's limit.
func checkAllocationSums(t *testing.T, s *store.Store) {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), `SELECT s.location_id, l.max_power_w, a.session_id, s.stopped_at, a.at, a.limit_w
		FROM session_allocations a JOIN sessions s ON s.id = a.session_id JOIN locations l ON l.id = s.location_id
		ORDER BY s.location_id, a.at, a.session_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		session, stop, at, w int64
	}
	type site struct {
		limit int64
		rows  []row
	}
	sites := map[int64]*site{}
	var order []int64
	for rows.Next() {
		var loc, limit int64
		var r row
		if err := rows.Scan(&loc, &limit, &r.session, &r.stop, &r.at, &r.w); err != nil {
			t.Fatal(err)
		}
		if sites[loc] == nil {
			sites[loc] = &site{limit: limit}
			order = append(order, loc)
		}
		sites[loc].rows = append(sites[loc].rows, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	instants := 0
	for _, loc := range order {
		st := sites[loc]
		held := map[int64]row{} // by session: its latest limit
		for i, r := range st.rows {
			held[r.session] = r
			if i+1 < len(st.rows) && st.rows[i+1].at == r.at {
				continue
			}
			var sum int64
			for _, h := range held {
				if h.stop > r.at {
					sum += h.w
				}
			}
			instants++
			if sum > st.limit {
				running := slices.Collect(func(yield func(int64) bool) {
					for id, h := range held {
						if h.stop > r.at && !yield(id) {
							return
						}
					}
				})
				t.Errorf("location %d at %d: sessions %v hold %d W, above its limit of %d W", loc, r.at, running, sum, st.limit)
			}
		}
	}
	if instants == 0 {
		t.Error("no recorded instant to replay")
	}
}
