package ocpp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func (f *flakyStore) TransactionEvent(ctx context.Context, e fc.TransactionEvent) (fc.TransactionEventResult, error) {
	if err := f.err("TransactionEvent"); err != nil {
		return fc.TransactionEventResult{}, err
	}
	return f.ChargingStore.TransactionEvent(ctx, e)
}

// TestTransactionEventDurable: an Ended event the store could not take is
// refused with InternalError (so that the station sends it again), never
// acknowledged, and its repeat is stored; a server restart in the middle
// of a transaction loses nothing.
func TestTransactionEventDurable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		flaky := &flakyStore{ChargingStore: s}
		before := startServer(t, ocpp.Config{Store: flaky})
		st := connect201(t, before, w.Station.Identity, w.Password)
		st.call("TransactionEvent", txEvent("Started", "TX-D", 0, "Authorized", startedAt, map[string]any{
			"evse": map[string]any{"id": 1}, "idToken": token(w.Good.InternalID, "ISO14443"), "meterValue": []any{energy201(startedAt, 0, "")},
		}), nil)
		shutdown(t, before, st)

		after := startServer(t, ocpp.Config{Store: flaky})
		st = connectUnbooted201(t, after, w.Station.Identity, w.Password)
		end := `{"eventType":"Ended","timestamp":"` + ts(startedAt.Add(time.Hour)) + `","triggerReason":"EVDeparted","seqNo":1,` +
			`"transactionInfo":{"transactionId":"TX-D"},"meterValue":[{"timestamp":"` + ts(startedAt.Add(time.Hour)) + `","sampledValue":[{"value":1000}]}]}`
		flaky.fail("TransactionEvent", true)
		if got := st.callError("TransactionEvent", end); got != ocpp.CodeInternalError {
			t.Fatalf("code %s, want %s", got, ocpp.CodeInternalError)
		}
		if !txSession(t, w, w.Station, "TX-D").Active() {
			t.Fatal("the session stopped although the store failed")
		}
		flaky.fail("TransactionEvent", false)
		st.call("TransactionEvent", jsonRaw(end), nil)
		if sess := txSession(t, w, w.Station, "TX-D"); sess.Active() || sess.EnergyWh != 1000 {
			t.Errorf("after the repeat: active %v, %d Wh; want stopped with 1000 Wh", sess.Active(), sess.EnergyWh)
		}
	})
}

// TestSecurityProfiles201: OCPP 2.0.1 stations authenticate as 1.6 ones do
// (profile 1: HTTP Basic, refused with 401 on a wrong password) and connect
// over TLS (profile 2: wss).
func TestSecurityProfiles201(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	_, resp, err := dialRaw(e, w.Station.Identity, basicAuth(w.Station.Identity, "wrong-password-0123456789"), ocpp.Subprotocol201)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %v, %v; want 401", resp, err)
	}

	srv := ocpp.NewServer(ocpp.Config{Store: w.Store, Logger: quietLogger})
	mux := http.NewServeMux()
	mux.Handle("/ocpp/{identity}", srv)
	ts := httptest.NewTLSServer(mux)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	client := ts.Client() // trusts the test server's certificate
	h := http.Header{"Authorization": {basicAuth(w.Station.Identity, w.Password)}}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(ts.URL, "https")+"/ocpp/"+w.Station.Identity,
		&websocket.DialOptions{HTTPClient: client, HTTPHeader: h, Subprotocols: []string{ocpp.Subprotocol201}})
	if err != nil {
		t.Fatalf("wss: %v", err)
	}
	defer ws.CloseNow()
	if ws.Subprotocol() != ocpp.Subprotocol201 {
		t.Fatalf("subprotocol %q", ws.Subprotocol())
	}
	st := &station{t: t, ws: ws}
	var got struct{ Status string }
	st.call("BootNotification", map[string]any{"reason": "PowerUp", "chargingStation": map[string]any{"vendorName": "V", "model": "M"}}, &got)
	if got.Status != "Accepted" {
		t.Errorf("boot over TLS: %q", got.Status)
	}
}
