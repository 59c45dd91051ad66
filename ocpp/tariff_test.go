package ocpp_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// An OCPP 1.6 session is priced by its meter values: the energy of each
// interval at the price of its time-of-day band, and an idle fee from the
// SuspendedEV the station reported, after the grace.
func TestSessionPricedByMeterValues(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		ctx := context.Background()
		if _, err := w.Store.UpdateChargeGroup(ctx, fc.ProviderScope(w.Provider.ID), w.Station.ChargeGroupID, func(g *fc.ChargeGroup) error {
			g.Tariff = fc.Tariff{Currency: "EUR", PerKWhMicros: 400000, IdleFeePerMinuteMicros: 100000, IdleGraceMinutes: 5,
				Bands:     []fc.TariffBand{{FromMinute: 9 * 60, ToMinute: 12 * 60, PerKWhMicros: 200000}},
				ValidFrom: startedAt.Add(-24 * time.Hour)}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		st := connect(t, e, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Good.InternalID, 1000).TransactionID // 08:30 UTC, the provider's zone
		st.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx,
			"meterValue": []any{sample(startedAt.Add(15*time.Minute), "6000", "Wh")}}, nil)
		st.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx,
			"meterValue": []any{sample(startedAt.Add(45*time.Minute), "11", "kWh")}}, nil)
		st.call("StatusNotification", map[string]any{"connectorId": 1, "errorCode": "NoError", "status": "SuspendedEV",
			"timestamp": ts(startedAt.Add(40 * time.Minute))}, nil)
		st.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 11000, "timestamp": ts(startedAt.Add(time.Hour)),
			"reason": "EVDisconnected"}, nil)
		sess := session(t, w, tx)
		// 08:30-08:45 5 kWh at 0.40 (2.00); 08:45-09:15 5 kWh, half before
		// 09:00 at 0.40 (1.00), half after at 0.20 (0.50); idle from the
		// SuspendedEV at 09:10 to the stop at 09:30, 15 of 20 minutes
		// after the grace at 0.10 (1.50).
		if sess.EnergyWh != 10000 || sess.CostMinor != 200+100+50+150 || sess.Currency != "EUR" {
			t.Errorf("session: %d Wh, cost %d %s; want 10000 Wh, 500 EUR", sess.EnergyWh, sess.CostMinor, sess.Currency)
		}
	})
}
