package ocpp_test

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// lastMeter reads the last meter reading kept for a session.
func lastMeter(t *testing.T, w *world, id int64) (wh int64, ok bool) {
	t.Helper()
	var v sql.NullInt64
	if err := w.Store.DB().QueryRowContext(context.Background(), `SELECT last_meter_wh FROM sessions WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatalf("session %d: %v", id, err)
	}
	return v.Int64, v.Valid
}

// sample is one energy register reading.
func sample(at time.Time, value, unit string) map[string]any {
	sv := map[string]any{"value": value, "measurand": "Energy.Active.Import.Register", "context": "Sample.Periodic"}
	if unit != "" {
		sv["unit"] = unit
	}
	return map[string]any{"timestamp": ts(at), "sampledValue": []any{sv}}
}

func TestMeterValues(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Good.InternalID, 1000).TransactionID
		tests := []struct {
			name   string
			values []any
			want   int64
		}{
			{"Wh", []any{sample(startedAt.Add(10*time.Minute), "2500", "Wh")}, 2500},
			{"kWh, latest of several", []any{sample(startedAt.Add(20*time.Minute), "3.1", "kWh"), sample(startedAt.Add(30*time.Minute), "4.25", "kWh")}, 4250},
			{"older reading changes nothing", []any{sample(startedAt.Add(5*time.Minute), "1500", "")}, 4250},
		}
		for _, tt := range tests {
			st.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": tt.values}, nil)
			if got, ok := lastMeter(t, w, tx); !ok || got != tt.want {
				t.Errorf("%s: last meter %d (%v), want %d", tt.name, got, ok, tt.want)
			}
		}
		// Outside a transaction, and for a transaction unknown here: acknowledged.
		st.call("MeterValues", map[string]any{"connectorId": 2, "meterValue": []any{sample(fixedNow, "10", "")}}, nil)
		st.call("MeterValues", map[string]any{"connectorId": 2, "transactionId": 999999, "meterValue": []any{sample(fixedNow, "10", "")}}, nil)
		// Another station's transaction is not this station's to feed.
		other := connect(t, e, w.Restricted.Identity, w.Password)
		other.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{sample(fixedNow, "99999", "")}}, nil)
		if got, _ := lastMeter(t, w, tx); got != 4250 {
			t.Errorf("another station moved the reading to %d", got)
		}
	})
}
