package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/report"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestAvailabilityFromStore runs the station reports on the demo data with
// a status history given to one station: its row's availability, and its
// charge points', are the hand-counted shares; the other stations, which
// never reported, have none. Both engines.
func TestAvailabilityFromStore(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			w := loadDemo(t, engine)
			var id fc.ID
			var points int
			if err := w.s.DB().QueryRow(`SELECT st.id, (SELECT COUNT(*) FROM charge_points cp WHERE cp.station_id = st.id)
				FROM stations st ORDER BY st.id LIMIT 1`).Scan(&id, &points); err != nil {
				t.Fatal(err)
			}
			// June 2025 in the provider's zone, measured up to demoNow
			// (16 June 12:00 UTC): 15 days and 12 hours plus the zone's
			// offset before midnight.
			from := time.Date(2025, 6, 1, 0, 0, 0, 0, w.loc)
			at := func(d time.Duration) time.Time { return from.Add(d) }
			day := 24 * time.Hour
			for _, r := range []fc.StatusReport{
				{ConnectorID: 1, Status: "Available", At: at(-day)},  // carried into the period
				{ConnectorID: 1, Status: "Faulted", At: at(2 * day)}, // 2 days up
				{ConnectorID: 1, Status: "Charging", At: at(3 * day)},
				{ConnectorID: 0, Status: "Unavailable", At: at(5 * day)}, // the station: 1 day down
				{ConnectorID: 0, Status: "Available", At: at(6 * day)},
			} {
				r.StationID = id
				if err := w.s.RecordStatusReport(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			// Offline for half a day.
			if err := w.s.SetConnection(ctx, id, false, "", at(8*day)); err != nil {
				t.Fatal(err)
			}
			if err := w.s.SetConnection(ctx, id, true, "", at(8*day+12*time.Hour)); err != nil {
				t.Fatal(err)
			}
			measured := demoNow.Sub(from).Milliseconds()
			down := (day + day + 12*time.Hour).Milliseconds()
			// Connector 1 is known all along; the others never reported.
			want := func(up, known int64) string {
				r := (up*10000 + known/2) / known // four decimals, rounded
				return fmt.Sprintf("%d.%04d", r/10000, r%10000)
			}
			one := want(measured-down, measured)

			for _, tt := range []struct{ name, query, key, want string }{
				{"charge-stations", "from=2025-06-01&to=2025-07-01&station_id=" + id.String(), "charge-stations", one},
				{"connector 1", "from=2025-06-01&to=2025-07-01&station_id=" + id.String(), "sessions-per-charge-point", one},
			} {
				p := w.params(t, tt.key, tt.query+"&format=json")
				res, err := report.Run(ctx, w.s, w.admin(), p)
				if err != nil {
					t.Fatal(err)
				}
				col := -1
				for i, c := range res.Columns {
					if c.Key == "availability" {
						col = i
					}
				}
				if col < 0 || len(res.Rows) == 0 {
					t.Fatalf("%s: no availability column or no rows", tt.name)
				}
				if got := res.Rows[0][col].Format(time.UTC); got != tt.want {
					t.Errorf("%s: availability %s, want %s (%d points)", tt.name, got, tt.want, points)
				}
				for _, r := range res.Rows[1:] {
					if tt.key == "sessions-per-charge-point" && !r[col].Null() {
						t.Errorf("%s: a charge point that never reported has availability %s", tt.name, r[col].Format(time.UTC))
					}
				}
			}
			p := w.params(t, "charge-stations", "from=2025-06-01&to=2025-07-01&format=json")
			res, err := report.Run(ctx, w.s, w.admin(), p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Totals.AvailableMS != measured-down || res.Totals.KnownMS != measured {
				t.Errorf("totals %d of %d ms, want %d of %d", res.Totals.AvailableMS, res.Totals.KnownMS, measured-down, measured)
			}
		})
	}
}
