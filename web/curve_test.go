package web

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestSessionCurveChart: a session's page draws its charging curve (energy
// and power) as server-side SVG, to a facility manager of the station, and
// says how many signed readings it holds; a session without samples has no
// chart.
func TestSessionCurveChart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		stationID := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		at := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
		res, err := st.TransactionEvent(ctx, fc.TransactionEvent{StationID: stationID, TransactionID: "CURVE-1", EventType: fc.TxStarted,
			TriggerReason: "CablePluggedIn", Timestamp: at, ConnectorID: 1})
		if err != nil {
			t.Fatal(err)
		}
		v := func(f float64) *float64 { return &f }
		var samples []fc.MeterSample
		for i := 0; i <= 6; i++ {
			t := at.Add(time.Duration(i) * 10 * time.Minute)
			samples = append(samples, fc.MeterSample{At: t, Value: v(float64(i) * 1800)},
				fc.MeterSample{At: t, Measurand: fc.MeasurandPower, Unit: "kW", Value: v(11 - float64(i))})
		}
		samples = append(samples, fc.MeterSample{At: at, Context: "Transaction.Begin", Signed: json.RawMessage(`"OCMF|{}|{}"`)})
		if err := st.RecordMeterValues(ctx, stationID, res.Session.ID, nil, time.Time{}, samples); err != nil {
			t.Fatal(err)
		}
		b := w.as(t, facilitiesDE)
		page := get(t, b, "/sessions/"+res.Session.ID.String(), http.StatusOK)
		wantIn(t, "session page", page, `<figure class="chart" id="chart-curve">`, "Charging curve", "<polyline points=",
			"Energy charged (kWh), left axis", "Power (kW), right axis", "energy charged rises to 10.80 kWh", "power peaks at 11.0 kW",
			"Signed meter readings", "14 samples")
		// Energy rises from the bottom left to the top right of the plot.
		m := regexp.MustCompile(`<polyline points="([0-9., ]+)" fill="none" stroke="#1f6fb2"`).FindStringSubmatch(page)
		if m == nil || m[1][:len("52.0,182.0")] != "52.0,182.0" {
			t.Errorf("energy line = %q, want it to start at 52.0,182.0", m)
		}
		if regexp.MustCompile(`<script>| style=`).MatchString(page) {
			t.Errorf("the chart uses an inline script or style")
		}

		other, err := st.TransactionEvent(ctx, fc.TransactionEvent{StationID: stationID, TransactionID: "CURVE-2", EventType: fc.TxStarted,
			TriggerReason: "CablePluggedIn", Timestamp: at, ConnectorID: 2})
		if err != nil {
			t.Fatal(err)
		}
		wantNotIn(t, "session without samples", get(t, b, "/sessions/"+other.Session.ID.String(), http.StatusOK), "chart-curve", "Signed meter readings")
	})
}

// TestStationStatusHistory: a station's page lists its connectors' status
// reports, newest first, with the vendor's error code, escaped.
func TestStationStatusHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		id := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		at := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
		for _, r := range []fc.StatusReport{
			{StationID: id, ConnectorID: 1, Status: "Charging", At: at},
			{StationID: id, ConnectorID: 1, Status: "Faulted", ErrorCode: "GroundFailure", VendorErrorCode: "E<42>", VendorID: "com.alfen", Info: "RCD", At: at.Add(time.Minute)},
		} {
			if err := st.RecordStatusReport(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		page := get(t, w.as(t, facilitiesDE), "/stations/"+id.String(), http.StatusOK)
		wantIn(t, "station page", page, "Status history", "GroundFailure", "E&lt;42&gt; (com.alfen)", "RCD")
		hist := page[strings.Index(page, "Status history"):]
		if i, j := strings.Index(hist, "GroundFailure"), strings.Index(hist, ">Charging<"); i < 0 || j < i {
			t.Errorf("the Faulted report should come before the older Charging one")
		}
	})
}
