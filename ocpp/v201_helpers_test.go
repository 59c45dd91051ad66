package ocpp_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
)

// connect201 connects a station with the subprotocol ocpp2.0.1 and boots
// it with an OCPP 2.0.1 BootNotification that must be accepted.
func connect201(t *testing.T, e *endpoint, identity, password string) *station {
	t.Helper()
	st := connectUnbooted201(t, e, identity, password)
	var got struct {
		Status   string `json:"status"`
		Interval int    `json:"interval"`
	}
	st.call("BootNotification", map[string]any{
		"reason":          "PowerUp",
		"chargingStation": map[string]any{"vendorName": "Alfen", "model": "Eve Pro", "serialNumber": "ACE201", "firmwareVersion": "7.0.1"},
	}, &got)
	if got.Status != "Accepted" || got.Interval <= 0 {
		t.Fatalf("boot %s: %+v, want Accepted with an interval", identity, got)
	}
	return st
}

// connectUnbooted201 connects a station with the subprotocol ocpp2.0.1 and
// waits until the server has registered it; it sends nothing.
func connectUnbooted201(t *testing.T, e *endpoint, identity, password string) *station {
	t.Helper()
	ws, _, err := dialRaw(e, identity, basicAuth(identity, password), ocpp.Subprotocol201)
	if err != nil {
		t.Fatalf("connect %s: %v", identity, err)
	}
	if ws.Subprotocol() != ocpp.Subprotocol201 {
		t.Fatalf("subprotocol %q, want %s", ws.Subprotocol(), ocpp.Subprotocol201)
	}
	t.Cleanup(func() { ws.CloseNow() })
	eventually(t, "station "+identity+" online", func() bool { return e.srv.Online(identity) })
	return &station{t: t, ws: ws}
}

// token is an OCPP 2.0.1 idToken.
func token(id, typ string) map[string]any { return map[string]any{"idToken": id, "type": typ} }

// energy201 is an OCPP 2.0.1 meter value with one energy register reading.
func energy201(at time.Time, value float64, unit string) map[string]any {
	sv := map[string]any{"value": value, "measurand": "Energy.Active.Import.Register", "context": "Sample.Periodic"}
	if unit != "" {
		sv["unitOfMeasure"] = map[string]any{"unit": unit}
	}
	return map[string]any{"timestamp": ts(at), "sampledValue": []any{sv}}
}

// txEvent is a TransactionEvent request.
func txEvent(eventType, txID string, seqNo int, trigger string, at time.Time, extra map[string]any) map[string]any {
	req := map[string]any{
		"eventType": eventType, "timestamp": ts(at), "triggerReason": trigger, "seqNo": seqNo,
		"transactionInfo": map[string]any{"transactionId": txID},
	}
	for k, v := range extra {
		req[k] = v
	}
	return req
}

// txAnswer is a TransactionEvent answer.
type txAnswer struct {
	IDTokenInfo *struct {
		Status       string `json:"status"`
		GroupIDToken *struct {
			IDToken string `json:"idToken"`
		} `json:"groupIdToken"`
	} `json:"idTokenInfo"`
}

// txSession returns the session of the station's transaction txID.
func txSession(t *testing.T, w *world, st *fc.Station, txID string) *fc.Session {
	t.Helper()
	sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
	all, err := w.Store.Sessions(context.Background(), sc, fc.SessionFilter{StationID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		got, err := w.Store.StationTransactionID(context.Background(), st.ID, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got == txID {
			return &s
		}
	}
	t.Fatalf("no session of transaction %q at station %s", txID, st.Identity)
	return nil
}

// jsonRaw is a payload written as JSON text.
func jsonRaw(s string) json.RawMessage { return json.RawMessage(s) }

// txEventRepeat is a store-level Updated event of txID at the station of w.
func txEventRepeat(w *world, txID string, seq int64, at time.Time) fc.TransactionEvent {
	return fc.TransactionEvent{StationID: w.Station.ID, TransactionID: txID, EventType: fc.TxUpdated, SeqNo: seq, TriggerReason: "MeterValuePeriodic", Timestamp: at}
}
