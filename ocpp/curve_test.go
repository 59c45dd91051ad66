package ocpp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// curveOf reads a session's samples as lines of minutes after startedAt,
// measurand, phase, context, value and unit.
func curveOf(t *testing.T, w *world, id fc.ID) []string {
	t.Helper()
	sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
	xs, err := w.Store.MeterValues(context.Background(), sc, id)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("+%gm %s %s %s %v %s", x.At.Sub(startedAt).Minutes(), x.Measurand, x.Phase, x.Context, *x.Value, x.Unit)
	}
	return out
}

func wantLines(t *testing.T, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("curve =\n%q\nwant\n%q", got, want)
	}
}

func TestMeterValuesCurve(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Good.InternalID, 1000).TransactionID
		at := func(min int) string { return ts(startedAt.Add(time.Duration(min) * time.Minute)) }
		second := map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{
			map[string]any{"timestamp": at(2), "sampledValue": []any{
				map[string]any{"value": "1.5", "unit": "kWh"},
				map[string]any{"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
				map[string]any{"value": "16.2", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
				map[string]any{"value": "52", "measurand": "SoC", "unit": "Percent", "location": "EV"},
			}}}}
		first := map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{
			map[string]any{"timestamp": at(1), "sampledValue": []any{
				map[string]any{"value": "1200", "context": "Sample.Clock"},
				map[string]any{"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
				map[string]any{"value": "231", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
			}}}}
		// Out of order, and each sent again as a station retries.
		for _, req := range []any{second, first, second, first} {
			st.call("MeterValues", req, nil)
		}
		signed := `OCMF|{"FV":"1.0","RD":[{"RV":1.6}]}|{"SD":"3045"}`
		st.call("StopTransaction", map[string]any{"transactionId": tx, "meterStop": 1600, "timestamp": at(3), "idTag": w.Good.InternalID,
			"transactionData": []any{map[string]any{"timestamp": at(3), "sampledValue": []any{
				map[string]any{"value": "1600", "context": "Transaction.End"},
				map[string]any{"value": signed, "format": "SignedData", "context": "Transaction.End"},
			}}}}, nil)
		wantLines(t, curveOf(t, w, fc.ID(tx)), []string{
			"+1m Energy.Active.Import.Register  Sample.Clock 1200 Wh",
			"+1m Power.Active.Import  Sample.Periodic 7000 W",
			"+1m Voltage L1-N Sample.Periodic 231 V",
			"+2m Current.Import L1 Sample.Periodic 16.2 A",
			"+2m Energy.Active.Import.Register  Sample.Periodic 1.5 kWh",
			"+2m Power.Active.Import  Sample.Periodic 7400 W",
			"+2m SoC  Sample.Periodic 52 Percent",
			"+3m Energy.Active.Import.Register  Transaction.End 1600 Wh",
		})
		sess, err := w.Store.Session(context.Background(), fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}, fc.ID(tx))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%s", sess.SignedMeterData); got != fmt.Sprintf("[%q]", signed) {
			t.Errorf("signed meter data = %s, want [%q]", got, signed)
		}
		if wh, _ := lastMeter(t, w, tx); wh != 1600 {
			t.Errorf("last meter = %d, want 1600", wh)
		}
	})
}

func TestTransactionEventCurve(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		evse := map[string]any{"id": 1, "connectorId": 1}
		mv := func(min int, svs ...any) map[string]any {
			return map[string]any{"timestamp": ts(startedAt.Add(time.Duration(min) * time.Minute)), "sampledValue": svs}
		}
		signed := map[string]any{"signedMeterData": "T0NNRnx7fQ==", "signingMethod": "ECDSA-secp256r1-SHA256", "encodingMethod": "OCMF", "publicKey": ""}
		events := []map[string]any{
			txEvent("Started", "tx-c", 0, "CablePluggedIn", startedAt, map[string]any{"evse": evse, "meterValue": []any{
				mv(0, map[string]any{"value": 100, "context": "Transaction.Begin", "signedMeterValue": signed})}}),
			txEvent("Updated", "tx-c", 2, "MeterValuePeriodic", startedAt.Add(2*time.Minute), map[string]any{"meterValue": []any{
				mv(2, map[string]any{"value": 0.3, "unitOfMeasure": map[string]any{"unit": "kWh"}},
					map[string]any{"value": 11, "measurand": "Power.Active.Import", "unitOfMeasure": map[string]any{"unit": "W", "multiplier": 3}})}}),
			txEvent("Updated", "tx-c", 1, "MeterValuePeriodic", startedAt.Add(time.Minute), map[string]any{"meterValue": []any{
				mv(1, map[string]any{"value": 200, "context": "Sample.Periodic"})}}),
		}
		for _, ev := range append(events, events...) {
			st.call("TransactionEvent", ev, nil)
		}
		// MeterValues of OCPP 2.0.1 belong to no transaction: none kept.
		st.call("MeterValues", map[string]any{"evseId": 1, "meterValue": []any{mv(1, map[string]any{"value": 999})}}, nil)
		sess := txSession(t, w, w.Station, "tx-c")
		wantLines(t, curveOf(t, w, sess.ID), []string{
			"+0m Energy.Active.Import.Register  Transaction.Begin 100 Wh",
			"+1m Energy.Active.Import.Register  Sample.Periodic 200 Wh",
			"+2m Energy.Active.Import.Register  Sample.Periodic 0.3 kWh",
			"+2m Power.Active.Import  Sample.Periodic 11000 W",
		})
		got, err := w.Store.Session(context.Background(), fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.SignedMeterData) != 1 || string(got.SignedMeterData[0]) !=
			`{"encodingMethod":"OCMF","publicKey":"","signedMeterData":"T0NNRnx7fQ==","signingMethod":"ECDSA-secp256r1-SHA256"}` {
			t.Errorf("signed meter data = %s", got.SignedMeterData)
		}
	})
}
