package report

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// availabilityStore is a fakeStore that also tells the availability of
// charge points.
type availabilityStore struct {
	fakeStore
	avail []fc.ConnectorAvailability
	until time.Time // the last call's
	q     fc.ReportQuery
}

func (a *availabilityStore) Availability(_ context.Context, q fc.ReportQuery, until time.Time, fn func(fc.ConnectorAvailability) error) error {
	a.q, a.until = q, until
	for _, x := range a.avail {
		if x.Bucket <= len(q.Buckets) {
			if err := fn(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// columnCells returns the formatted cells of the column key.
func columnCells(t *testing.T, res *Result, key string) string {
	t.Helper()
	for i, c := range res.Columns {
		if c.Key == key {
			var out []string
			for _, r := range res.Rows {
				out = append(out, r[i].Format(time.UTC))
			}
			return fmt.Sprint(out)
		}
	}
	t.Fatalf("no column %s", key)
	return ""
}

// TestAvailability: a station's availability is its charge points'
// available time over their known time, the same on each of its rows
// (one per currency), empty for a station whose charge points never
// reported; the totals and roll-ups sum the time of their stations once
// each; a month roll-up takes each month's; a charge point's row its own.
func TestAvailability(t *testing.T) {
	hour := time.Hour.Milliseconds()
	rows := []fc.ReportRow{
		{StationID: 1, Identity: "A", ChargePoints: 2, AccountID: 1, Currency: "EUR", Figures: fc.ReportFigures{Sessions: 2, BusyMS: 5 * hour}},
		{StationID: 1, Identity: "A", ChargePoints: 2, AccountID: 1, Currency: "GBP", Figures: fc.ReportFigures{Sessions: 1, BusyMS: 1 * hour}},
		{StationID: 2, Identity: "B", ChargePoints: 1, AccountID: 2},
		{StationID: 3, Identity: "C", ChargePoints: 0, AccountID: 2},
		{StationID: 4, Identity: "D", ChargePoints: 1, AccountID: 2},
	}
	st := &availabilityStore{fakeStore: fakeStore{rows: rows}, avail: []fc.ConnectorAvailability{
		{StationID: 1, ConnectorID: 1, UpMS: 3 * hour, KnownMS: 10 * hour},
		{StationID: 1, ConnectorID: 2, UpMS: 5 * hour, KnownMS: 5 * hour},
		{StationID: 2, ConnectorID: 1},
		{StationID: 4, ConnectorID: 1, UpMS: 0, KnownMS: 2 * hour},
	}}
	p := params(fc.ReportChargeStations, FormatJSON)
	p.From = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	p.To = p.From.Add(10 * time.Hour)
	p.Now = p.From.Add(20 * time.Hour)
	res, err := Run(context.Background(), st, everything, p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := columnCells(t, res, "availability"), "[0.5333 0.5333   0.0000]"; got != want {
		t.Errorf("availability %s, want %s", got, want)
	}
	if res.Totals.AvailableMS != 8*hour || res.Totals.KnownMS != 17*hour {
		t.Errorf("totals %d of %d ms, want 8 h of 17 h", res.Totals.AvailableMS, res.Totals.KnownMS)
	}
	if !st.until.Equal(p.Now) || st.q.Scope.StationSide.All != true || st.q.Report != fc.ReportChargeStations {
		t.Errorf("asked until %s for %+v", st.until, st.q)
	}
	b, err := res.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"availability":0.4706`; !strings.Contains(string(b), want) {
		t.Errorf("JSON totals lack %s: %s", want, b)
	}

	p.GroupBy = GroupByAccount
	if res, err = Run(context.Background(), st, everything, p); err != nil {
		t.Fatal(err)
	}
	if got, want := columnCells(t, res, "availability"), "[0.5333 0.5333 0.0000]"; got != want {
		t.Errorf("availability by account %s, want %s", got, want)
	}

	// By month: each month's time (March has a row per currency; May, from
	// 00:00 UTC to 02:00 in Amsterdam, has no time known).
	p.GroupBy = GroupByMonth
	p.To = time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	st.avail = []fc.ConnectorAvailability{
		{StationID: 1, ConnectorID: 1, Bucket: 0, UpMS: 1 * hour, KnownMS: 4 * hour},
		{StationID: 1, ConnectorID: 1, Bucket: 1, UpMS: 3 * hour, KnownMS: 4 * hour},
		{StationID: 4, ConnectorID: 1, Bucket: 1, UpMS: 1 * hour, KnownMS: 4 * hour},
	}
	if res, err = Run(context.Background(), st, everything, p); err != nil {
		t.Fatal(err)
	}
	if got, want := columnCells(t, res, "availability"), "[0.2500 0.2500 0.5000 ]"; got != want {
		t.Errorf("availability by month %s, want %s", got, want)
	}

	// Per charge point: its own.
	p = params(fc.ReportSessionsPerChargePoint, FormatJSON)
	p.From = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	p.To = p.From.Add(10 * time.Hour)
	st.fakeStore.rows = []fc.ReportRow{{StationID: 1, ConnectorID: 1, ChargePoints: 1, AccountID: 1}, {StationID: 1, ConnectorID: 2, ChargePoints: 1, AccountID: 1}}
	st.avail = []fc.ConnectorAvailability{
		{StationID: 1, ConnectorID: 1, UpMS: 3 * hour, KnownMS: 10 * hour},
		{StationID: 1, ConnectorID: 2, UpMS: 5 * hour, KnownMS: 5 * hour},
	}
	if res, err = Run(context.Background(), st, everything, p); err != nil {
		t.Fatal(err)
	}
	if got, want := columnCells(t, res, "availability"), "[0.3000 1.0000]"; got != want {
		t.Errorf("availability per charge point %s, want %s", got, want)
	}
}
