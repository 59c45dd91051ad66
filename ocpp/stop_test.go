package ocpp_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// stopAnswer is a StopTransaction answer.
type stopAnswer struct {
	IDTagInfo *idTagInfo `json:"idTagInfo"`
}

// stopRequest is a StopTransaction an hour after startedAt.
func stopRequest(tx int64, idTag string, meterStop int64) map[string]any {
	req := map[string]any{
		"transactionId": tx, "meterStop": meterStop, "timestamp": ts(startedAt.Add(time.Hour)), "reason": "EVDisconnected",
		"transactionData": []any{sample(startedAt.Add(30*time.Minute), "5000", "Wh"), sample(startedAt.Add(time.Hour), "21", "kWh")},
	}
	if idTag != "" {
		req["idTag"] = idTag
	}
	return req
}

func TestStopTransaction(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Good.InternalID, 1000).TransactionID
		var got stopAnswer
		st.call("StopTransaction", stopRequest(tx, w.Good.InternalID, 21000), &got)
		if got.IDTagInfo == nil || got.IDTagInfo.Status != "Accepted" {
			t.Errorf("idTagInfo = %+v, want Accepted", got.IDTagInfo)
		}
		sess := session(t, w, tx)
		// 20 kWh at 0.35 EUR plus a 0.50 EUR start fee.
		if sess.Active() || sess.EnergyWh != 20000 || sess.DurationSeconds != 3600 || sess.StopReason != "EVDisconnected" ||
			sess.CostMinor != 750 || sess.Currency != "EUR" {
			t.Errorf("stored session: active %v, %d Wh, %d s, %q, cost %d %s", sess.Active(), sess.EnergyWh, sess.DurationSeconds,
				sess.StopReason, sess.CostMinor, sess.Currency)
		}

		// The repeat of a stop is answered and changes nothing.
		var again stopAnswer
		st.call("StopTransaction", stopRequest(tx, "", 99000), &again)
		if again.IDTagInfo != nil {
			t.Errorf("repeat without idTag answered idTagInfo %+v", again.IDTagInfo)
		}
		if sess2 := session(t, w, tx); sess2.EnergyWh != 20000 || !sess2.StoppedAt.Equal(*sess.StoppedAt) {
			t.Errorf("repeat changed the session: %d Wh, stopped %v", sess2.EnergyWh, sess2.StoppedAt)
		}

		// A stop of a transaction the back office never gave out is
		// acknowledged, so that the station does not repeat it for ever.
		st.call("StopTransaction", stopRequest(987654, "", 100), nil)
		// So is one of another station's transaction, which stays as it was.
		other := connect(t, e, w.Restricted.Identity, w.Password)
		tx2 := start(t, st, 2, w.Foreign.InternalID, 0).TransactionID
		other.call("StopTransaction", stopRequest(tx2, "", 100), nil)
		if !session(t, w, tx2).Active() {
			t.Error("another station stopped the transaction")
		}
	})
}

// TestStopTransactionBlockedCard checks that the stop of a card blocked
// meanwhile is stored and answers the card's status.
func TestStopTransactionBlockedCard(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Blocked.InternalID, 0).TransactionID
		var got stopAnswer
		st.call("StopTransaction", stopRequest(tx, w.Blocked.InternalID, 500), &got)
		if got.IDTagInfo == nil || got.IDTagInfo.Status != "Blocked" {
			t.Errorf("idTagInfo = %+v, want Blocked", got.IDTagInfo)
		}
		if session(t, w, tx).Active() {
			t.Error("the session is still running")
		}
	})
}

// TestStopTransactionDurable checks that a StopTransaction the store could
// not take is refused with InternalError (so that the station sends it
// again), never acknowledged, and that its repeat is stored.
func TestStopTransactionDurable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		flaky := &flakyStore{ChargingStore: s}
		e := startServer(t, ocpp.Config{Store: flaky})
		st := connect(t, e, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Good.InternalID, 0).TransactionID
		flaky.fail("StopTransaction", true)
		b := `{"transactionId":` + itoa(tx) + `,"meterStop":1000,"timestamp":"` + ts(startedAt.Add(time.Hour)) + `"}`
		if got := st.callError("StopTransaction", b); got != ocpp.CodeInternalError {
			t.Fatalf("code %s, want %s", got, ocpp.CodeInternalError)
		}
		if !session(t, w, tx).Active() {
			t.Fatal("the session stopped although the store failed")
		}
		flaky.fail("StopTransaction", false)
		st.callRaw("StopTransaction", b)
		if sess := session(t, w, tx); sess.Active() || sess.EnergyWh != 1000 {
			t.Errorf("after the repeat: active %v, %d Wh; want stopped with 1000 Wh", sess.Active(), sess.EnergyWh)
		}
	})
}

// TestRestartMidSession checks that a server restart loses nothing: a
// transaction started on one server is metered and stopped on the next,
// and a station that was offline meanwhile delivers its queued stop.
func TestRestartMidSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		before := startServer(t, ocpp.Config{Store: s})
		st := connect(t, before, w.Station.Identity, w.Password)
		tx := start(t, st, 1, w.Good.InternalID, 1000).TransactionID
		shutdown(t, before, st)

		after := startServer(t, ocpp.Config{Store: s})
		st = connect(t, after, w.Station.Identity, w.Password)
		if again := start(t, st, 1, w.Good.InternalID, 1000); again.TransactionID != tx {
			t.Errorf("the repeated start after the restart got transaction %d, want %d", again.TransactionID, tx)
		}
		st.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": tx, "meterValue": []any{sample(startedAt.Add(time.Minute), "1500", "")}}, nil)
		st.call("StopTransaction", stopRequest(tx, w.Good.InternalID, 21000), nil)
		if sess := session(t, w, tx); sess.Active() || sess.EnergyWh != 20000 {
			t.Errorf("session after the restart: active %v, %d Wh; want stopped with 20000 Wh", sess.Active(), sess.EnergyWh)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
