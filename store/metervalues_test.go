package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func num(v float64) *float64 { return &v }

// curve renders samples as comparable lines.
func curve(xs []fc.MeterSample) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		v := "nil"
		if x.Value != nil {
			v = fmt.Sprint(*x.Value)
		}
		out[i] = fmt.Sprintf("%s %s %s %s %s %s %s", x.At.Format("15:04:05.000"), x.Measurand, x.Phase, x.Context, x.Location, v, x.Unit)
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d samples, want %d:\n%q\nwant\n%q", what, len(got), len(want), got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s[%d] = %q, want %q", what, i, got[i], want[i])
		}
	}
}

func TestMeterValuesSeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Curve")
		second := mustStation(t, s, w.Account, w.Office, w.Group, "Curve-CP2")
		x := mustStart(t, s, w.Station, 1, "Curve-TAG1", 1000, march)
		all := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}

		// Sent out of order: the later message first. Defaults filled in.
		late := []fc.MeterSample{
			{At: march.Add(2 * time.Minute), Value: num(1500)},
			{At: march.Add(2 * time.Minute), Measurand: fc.MeasurandPower, Unit: "W", Value: num(7400)},
			{At: march.Add(2 * time.Minute), Measurand: "Current.Import", Phase: "L1", Unit: "A", Value: num(16)},
		}
		early := []fc.MeterSample{
			{At: march.Add(time.Minute), Measurand: fc.MeasurandPower, Unit: "W", Value: num(7000)},
			{At: march.Add(time.Minute), Measurand: fc.MeasurandEnergy, Unit: "kWh", Value: num(1.2), Context: "Sample.Clock"},
			{At: march.Add(time.Minute), Measurand: "SoC", Unit: "Percent", Value: num(41), Location: "EV"},
			{At: time.Time{}, Value: num(1)},                   // no time: dropped
			{At: march.Add(time.Minute), Measurand: "Voltage"}, // no value: dropped
			{At: march.Add(time.Minute), Measurand: "Voltage", Value: num(230.5), Unit: "V", Phase: "L1-N"},
		}
		wh := int64(1500)
		if err := s.RecordMeterValues(ctx, w.Station.ID, x.ID, &wh, march.Add(2*time.Minute), late); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // the second is a station's retry: nothing added
			if err := s.RecordMeterValues(ctx, w.Station.ID, x.ID, nil, time.Time{}, early); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordMeterValues(ctx, w.Station.ID, x.ID, &wh, march.Add(2*time.Minute), late); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordMeterValues(ctx, second.ID, x.ID, nil, time.Time{}, late); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("samples from another station: err = %v, want not_found", err)
		}
		// The stop's transactionData, sent twice, with a signed reading.
		signed := json.RawMessage(`"OCMF|{\"FV\":\"1.0\"}|{\"SA\":\"ECDSA-secp256r1-SHA256\",\"SD\":\"30\"}"`)
		stop := fc.StopTransaction{StationID: w.Station.ID, TransactionID: x.ID, MeterStop: 1600, Timestamp: march.Add(3 * time.Minute),
			Samples: []fc.MeterSample{
				{At: march.Add(3 * time.Minute), Value: num(1600), Context: "Transaction.End"},
				{At: march.Add(3 * time.Minute), Context: "Transaction.End", Signed: signed},
			}}
		for i := 0; i < 2; i++ {
			if _, err := s.StopTransaction(ctx, stop); err != nil {
				t.Fatal(err)
			}
		}

		got, err := s.MeterValues(ctx, all, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameLines(t, "curve", curve(got), []string{
			"08:01:00.000 Energy.Active.Import.Register  Sample.Clock Outlet 1.2 kWh",
			"08:01:00.000 Power.Active.Import  Sample.Periodic Outlet 7000 W",
			"08:01:00.000 SoC  Sample.Periodic EV 41 Percent",
			"08:01:00.000 Voltage L1-N Sample.Periodic Outlet 230.5 V",
			"08:02:00.000 Current.Import L1 Sample.Periodic Outlet 16 A",
			"08:02:00.000 Energy.Active.Import.Register  Sample.Periodic Outlet 1500 Wh",
			"08:02:00.000 Power.Active.Import  Sample.Periodic Outlet 7400 W",
			"08:03:00.000 Energy.Active.Import.Register  Transaction.End Outlet 1600 Wh",
		})
		sess, err := s.Session(ctx, all, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sess.SignedMeterData) != 1 || string(sess.SignedMeterData[0]) != string(signed) {
			t.Errorf("signed meter data = %s, want [%s]", sess.SignedMeterData, signed)
		}
		if sess.EnergyWh != 600 {
			t.Errorf("energy = %d, want 600", sess.EnergyWh)
		}

		// Out of scope: not found; a session without samples: empty.
		other := mustWorld(t, s, "Elsewhere")
		if _, err := s.MeterValues(ctx, fc.SessionScope{ProviderID: other.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}, x.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider's session: err = %v, want not_found", err)
		}
		if _, err := s.MeterValues(ctx, fc.SessionScope{ProviderID: w.Provider.ID}, x.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("no reach: err = %v, want not_found", err)
		}
		y := mustStart(t, s, w.Station, 2, "Curve-TAG1", 0, march)
		if got, err := s.MeterValues(ctx, all, y.ID); err != nil || got == nil || len(got) != 0 {
			t.Errorf("no samples = %v, err %v, want []", got, err)
		}
		if sess, err := s.Session(ctx, all, y.ID); err != nil || sess.SignedMeterData != nil {
			t.Errorf("no signed data = %s, err %v, want nil", sess.SignedMeterData, err)
		}
	})
}

func TestTransactionEventSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Curve201")
		signed := json.RawMessage(`{"signedMeterData":"T0NNRnx7fQ==","signingMethod":"","encodingMethod":"OCMF","publicKey":""}`)
		ev := func(seq int64, typ string, min int, samples ...fc.MeterSample) fc.TransactionEvent {
			return fc.TransactionEvent{StationID: w.Station.ID, TransactionID: "tx-curve", EventType: typ, SeqNo: seq,
				TriggerReason: "MeterValuePeriodic", Timestamp: march.Add(time.Duration(min) * time.Minute), ConnectorID: 1, Samples: samples}
		}
		events := []fc.TransactionEvent{
			ev(0, fc.TxStarted, 0, fc.MeterSample{At: march, Value: num(100), Context: "Transaction.Begin", Signed: signed}),
			ev(2, fc.TxUpdated, 2, fc.MeterSample{At: march.Add(2 * time.Minute), Value: num(300)},
				fc.MeterSample{At: march.Add(2 * time.Minute), Measurand: fc.MeasurandPower, Unit: "W", Value: num(11000)}),
			ev(1, fc.TxUpdated, 1, fc.MeterSample{At: march.Add(time.Minute), Value: num(200)}),
		}
		for _, e := range append(events, events...) { // each sent twice
			if _, err := s.TransactionEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.TransactionEvent(ctx, ev(3, fc.TxEnded, 3, fc.MeterSample{At: march.Add(3 * time.Minute), Value: num(400), Context: "Transaction.End"}))
		if err != nil {
			t.Fatal(err)
		}
		all := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		got, err := s.MeterValues(ctx, all, res.Session.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameLines(t, "curve", curve(got), []string{
			"08:00:00.000 Energy.Active.Import.Register  Transaction.Begin Outlet 100 Wh",
			"08:01:00.000 Energy.Active.Import.Register  Sample.Periodic Outlet 200 Wh",
			"08:02:00.000 Energy.Active.Import.Register  Sample.Periodic Outlet 300 Wh",
			"08:02:00.000 Power.Active.Import  Sample.Periodic Outlet 11000 W",
			"08:03:00.000 Energy.Active.Import.Register  Transaction.End Outlet 400 Wh",
		})
		sess, err := s.Session(ctx, all, res.Session.ID)
		if err != nil || len(sess.SignedMeterData) != 1 || string(sess.SignedMeterData[0]) != string(signed) {
			t.Errorf("signed meter data = %s, err %v, want [%s]", sess.SignedMeterData, err, signed)
		}
	})
}

func TestMeterValuesRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Retain")
		x := mustStart(t, s, w.Station, 1, "Retain-TAG1", 0, march)
		signed := json.RawMessage(`"OCMF|{}|{}"`)
		var samples []fc.MeterSample
		for i := 0; i < 5; i++ {
			samples = append(samples, fc.MeterSample{At: march.AddDate(0, i, 0), Value: num(float64(i))})
		}
		samples = append(samples, fc.MeterSample{At: march, Context: "Transaction.Begin", Signed: signed})
		if err := s.RecordMeterValues(ctx, w.Station.ID, x.ID, nil, time.Time{}, samples); err != nil {
			t.Fatal(err)
		}
		// The job runs at once: now is five months on, samples older than
		// three months go.
		s.Now = func() time.Time { return march.AddDate(0, 5, 0) }
		jobCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			s.RetainMeterValues(jobCtx, 90*24*time.Hour, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
			close(done)
		}()
		all := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		var got []fc.MeterSample
		for i := 0; i < 500; i++ {
			var err error
			if got, err = s.MeterValues(ctx, all, x.ID); err != nil {
				t.Fatal(err)
			}
			if len(got) < 5 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		sameLines(t, "kept", curve(got), []string{
			"08:00:00.000 Energy.Active.Import.Register  Sample.Periodic Outlet 3 Wh",
			"08:00:00.000 Energy.Active.Import.Register  Sample.Periodic Outlet 4 Wh",
		})
		sess, err := s.Session(ctx, all, x.ID)
		if err != nil || len(sess.SignedMeterData) != 1 {
			t.Errorf("session after retention = %+v, err %v; want it with its signed reading", sess, err)
		}
		n, err := s.PruneMeterValues(ctx, march.AddDate(1, 0, 0))
		if err != nil || n != 2 {
			t.Errorf("prune all = %d, err %v, want 2", n, err)
		}
	})
}

func TestStatusHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Hist")
		reports := []fc.StatusReport{
			{ConnectorID: 1, Status: "Charging", At: march.Add(2 * time.Minute)},
			{ConnectorID: 1, Status: "Faulted", ErrorCode: "GroundFailure", VendorErrorCode: "E-0042", VendorID: "com.alfen", Info: "RCD tripped", At: march.Add(3 * time.Minute)},
			{ConnectorID: 1, Status: "Preparing", At: march.Add(time.Minute)}, // late: history only
			{ConnectorID: 0, Status: "Unavailable", At: march.Add(4 * time.Minute)},
		}
		for _, r := range append(reports, reports...) { // each sent twice
			r.StationID = w.Station.ID
			if err := s.RecordStatusReport(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.StatusHistory(ctx, w.Station.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, r := range got {
			lines = append(lines, fmt.Sprintf("%s %d %s %s %s %s %s", r.At.Format("15:04"), r.ConnectorID, r.Status, r.ErrorCode, r.VendorErrorCode, r.VendorID, r.Info))
		}
		sameLines(t, "history", lines, []string{
			"08:04 0 Unavailable    ",
			"08:03 1 Faulted GroundFailure E-0042 com.alfen RCD tripped",
			"08:02 1 Charging    ",
			"08:01 1 Preparing    ",
		})
		st, err := s.Station(ctx, fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, w.Station.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range st.ChargePoints {
			if cp.ConnectorID == 1 && (cp.Status != "Faulted" || cp.ErrorCode != "GroundFailure") {
				t.Errorf("connector 1 = %+v, want Faulted with GroundFailure (the latest)", cp)
			}
		}
		if got, err := s.StatusHistory(ctx, w.Station.ID, 2); err != nil || len(got) != 2 {
			t.Errorf("limit 2: %d reports, err %v", len(got), err)
		}
		if err := s.RecordStatusReport(ctx, fc.StatusReport{StationID: 999999, ConnectorID: 0, Status: "Available", At: march}); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown station: err = %v, want not_found", err)
		}
	})
}
