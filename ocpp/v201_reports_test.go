package ocpp_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/report"
)

// TestReportsAcrossVersions: an OCPP 1.6 and an OCPP 2.0.1 station at the
// same location give one consistent set of reports: every report that sums
// sessions counts the 2.0.1 transaction (its repeats once) beside the 1.6
// one, with the figures the sessions stored.
func TestReportsAcrossVersions(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		if w.Station.LocationID != w.Restricted.LocationID {
			t.Fatal("the world's stations are not at one location")
		}
		v16 := connect(t, e, w.Restricted.Identity, w.Password)
		tx := start(t, v16, 1, w.Good.InternalID, 1000).TransactionID
		v16.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 11000, "timestamp": ts(startedAt.Add(time.Hour)), "reason": "Local"}, nil)

		v201 := connect201(t, e, w.Station.Identity, w.Password)
		v201.call("TransactionEvent", txEvent("Started", "R-1", 0, "Authorized", startedAt.Add(10*time.Minute), map[string]any{
			"evse": map[string]any{"id": 2}, "idToken": token(w.Foreign.InternalID, "ISO14443"),
			"meterValue": []any{energy201(startedAt.Add(10*time.Minute), 0, "Wh")},
		}), nil)
		ended := txEvent("Ended", "R-1", 1, "EVDeparted", startedAt.Add(40*time.Minute), map[string]any{
			"meterValue": []any{energy201(startedAt.Add(40*time.Minute), 4.25, "kWh")},
		})
		v201.call("TransactionEvent", ended, nil)
		v201.call("TransactionEvent", ended, nil)

		sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		sessions, err := w.Store.Sessions(context.Background(), sc, fc.SessionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var want fc.ReportFigures
		for _, s := range sessions {
			want.Add(fc.ReportFigures{Sessions: 1, EnergyWh: s.EnergyWh, DurationS: s.DurationSeconds, CostMinor: s.CostMinor})
		}
		if want.Sessions != 2 || want.EnergyWh != 10000+4250 || want.DurationS != 3600+1800 {
			t.Fatalf("stored sessions: %+v, want 2 sessions, 14250 Wh, 5400 s", want)
		}
		for _, name := range []string{fc.ReportChargeStations, fc.ReportSessionsPerChargePoint, fc.ReportChargeSessions, fc.ReportChargeCards} {
			t.Run(name, func(t *testing.T) {
				p := report.Params{Report: name, From: startedAt.Add(-24 * time.Hour), To: fixedNow.Add(24 * time.Hour)}
				if name == fc.ReportChargeSessions {
					p.Side = fc.SideStation
				}
				res, err := report.Run(context.Background(), w.Store, sc, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Totals.Currencies) != 1 {
					t.Fatalf("currencies %+v, want EUR alone", res.Totals.Currencies)
				}
				got := res.Totals.Currencies[0].Figures
				if got.Sessions != want.Sessions || got.EnergyWh != want.EnergyWh || got.DurationS != want.DurationS || got.CostMinor != want.CostMinor {
					t.Errorf("totals %+v, want %+v (the stored sessions)", got, want)
				}
			})
		}
	})
}
