package ocpp_test

import (
	"testing"
	"time"
)

// TestTransactionEvent: a transaction of Started, Updated and Ended events
// with meter values in each becomes one session, as an OCPP 1.6
// StartTransaction/StopTransaction pair does: card side, energy, duration,
// cost and stop reason; the Ended event is answered once stored, and its
// repeat changes nothing.
func TestTransactionEvent(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		evse := map[string]any{"id": 2, "connectorId": 1}
		var started txAnswer
		st.call("TransactionEvent", txEvent("Started", "TX-A", 0, "Authorized", startedAt, map[string]any{
			"evse": evse, "idToken": token(w.Good.InternalID, "ISO14443"),
			"meterValue": []any{energy201(startedAt, 1000, "Wh")},
		}), &started)
		if started.IDTokenInfo == nil || started.IDTokenInfo.Status != "Accepted" {
			t.Fatalf("Started answer %+v, want idTokenInfo Accepted", started.IDTokenInfo)
		}
		st.call("TransactionEvent", txEvent("Updated", "TX-A", 1, "MeterValuePeriodic", startedAt.Add(30*time.Minute), map[string]any{
			"meterValue": []any{energy201(startedAt.Add(30*time.Minute), 9.5, "kWh")},
		}), nil)
		sess := txSession(t, w, w.Station, "TX-A")
		if !sess.Active() || sess.ConnectorID != 2 || sess.CardID != w.Good.ID || sess.MeterStartWh != 1000 {
			t.Errorf("running session: active %v, connector %d, card %d, start %d", sess.Active(), sess.ConnectorID, sess.CardID, sess.MeterStartWh)
		}
		var ended txAnswer
		end := txEvent("Ended", "TX-A", 2, "EVDeparted", startedAt.Add(time.Hour), map[string]any{
			"idToken":         token(w.Good.InternalID, "ISO14443"),
			"transactionInfo": map[string]any{"transactionId": "TX-A", "stoppedReason": "EVDisconnected"},
			"meterValue":      []any{energy201(startedAt.Add(time.Hour), 21000, "")},
		})
		st.call("TransactionEvent", end, &ended)
		if ended.IDTokenInfo == nil || ended.IDTokenInfo.Status != "Accepted" {
			t.Errorf("Ended answer %+v", ended.IDTokenInfo)
		}
		sess = txSession(t, w, w.Station, "TX-A")
		// 20 kWh at 0.35 EUR plus a 0.50 EUR start fee, as for 1.6.
		if sess.Active() || sess.EnergyWh != 20000 || sess.DurationSeconds != 3600 || sess.StopReason != "EVDisconnected" ||
			sess.CostMinor != 750 || sess.Currency != "EUR" || sess.CardAccountID != w.Good.AccountID || sess.StationAccountID != w.Account.ID {
			t.Errorf("stopped session: active %v, %d Wh, %d s, %q, cost %d %s, card account %d, station account %d", sess.Active(), sess.EnergyWh,
				sess.DurationSeconds, sess.StopReason, sess.CostMinor, sess.Currency, sess.CardAccountID, sess.StationAccountID)
		}

		// The station did not hear the answer and sends the Ended again; a
		// repeated Updated with a higher reading changes nothing either.
		st.call("TransactionEvent", end, nil)
		st.call("TransactionEvent", txEvent("Updated", "TX-A", 1, "MeterValuePeriodic", startedAt.Add(30*time.Minute), map[string]any{
			"meterValue": []any{energy201(startedAt.Add(50*time.Minute), 30000, "Wh")},
		}), nil)
		again := txSession(t, w, w.Station, "TX-A")
		if again.EnergyWh != 20000 || !again.StoppedAt.Equal(*sess.StoppedAt) || again.CostMinor != 750 {
			t.Errorf("repeats changed the session: %d Wh, stopped %v, cost %d", again.EnergyWh, again.StoppedAt, again.CostMinor)
		}
		if again.ID != sess.ID {
			t.Errorf("a repeat opened session %d, want %d", again.ID, sess.ID)
		}
	})
}

// TestTransactionEventOfflineReplay: events a station queued while offline
// (offline: true, timestamps in the past) are accepted in order after it
// reconnects; a transaction authorized after it started (cable first) gets
// its card from the later event; every triggerReason is accepted.
func TestTransactionEventOfflineReplay(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		st.ws.CloseNow()
		eventually(t, "offline", func() bool { return !e.srv.Online(w.Station.Identity) })
		st = connectUnbooted201(t, e, w.Station.Identity, w.Password) // a reconnection, not a reboot
		t0 := startedAt.Add(-24 * time.Hour)
		triggers := []string{"CablePluggedIn", "Authorized", "ChargingStateChanged", "MeterValueClock", "MeterValuePeriodic",
			"ChargingRateChanged", "EnergyLimitReached", "EVCommunicationLost", "EVConnectTimeout", "TimeLimitReached", "Trigger",
			"UnlockCommand", "RemoteStart", "AbnormalCondition", "SignedDataReceived", "ResetCommand", "EVDetected", "Deauthorized",
			"RemoteStop", "StopAuthorized"}
		for i, trig := range triggers {
			typ := "Updated"
			extra := map[string]any{"offline": true, "meterValue": []any{energy201(t0.Add(time.Duration(i)*time.Minute), float64(5000+100*i), "Wh")}}
			switch i {
			case 0:
				typ = "Started"
				extra["evse"] = map[string]any{"id": 1}
			case 1:
				extra["idToken"] = token(w.Good.InternalID, "ISO14443")
			}
			st.call("TransactionEvent", txEvent(typ, "TX-OFF", i, trig, t0.Add(time.Duration(i)*time.Minute), extra), nil)
		}
		st.call("TransactionEvent", txEvent("Ended", "TX-OFF", len(triggers), "EVDeparted", t0.Add(time.Hour), map[string]any{
			"offline": true, "transactionInfo": map[string]any{"transactionId": "TX-OFF", "stoppedReason": "EVDisconnected"},
		}), nil)
		sess := txSession(t, w, w.Station, "TX-OFF")
		wantWh := int64(100 * (len(triggers) - 1))
		if sess.Active() || sess.CardID != w.Good.ID || sess.EnergyWh != wantWh || !sess.StartedAt.Equal(t0) || sess.ConnectorID != 1 {
			t.Errorf("replayed session: active %v, card %d, %d Wh (want %d), started %v, connector %d",
				sess.Active(), sess.CardID, sess.EnergyWh, wantWh, sess.StartedAt, sess.ConnectorID)
		}
	})
}

// TestTransactionEventSeqGap: a seqNo the station skipped is counted on the
// session, and a late event that fills it is accepted and uncounts it.
func TestTransactionEventSeqGap(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		ev := func(typ string, seq int, at time.Time) {
			st.call("TransactionEvent", txEvent(typ, "TX-GAP", seq, "MeterValuePeriodic", at, map[string]any{
				"evse": map[string]any{"id": 1}, "idToken": token(w.Good.InternalID, "ISO14443"),
			}), nil)
		}
		ev("Started", 0, startedAt)
		ev("Updated", 3, startedAt.Add(time.Minute))
		gaps := func() int {
			t.Helper()
			res, err := w.Store.TransactionEvent(t.Context(), txEventRepeat(w, "TX-GAP", 3, startedAt.Add(time.Minute)))
			if err != nil || !res.Repeated {
				t.Fatalf("repeat: %+v, %v", res, err)
			}
			return res.Session.SeqGaps
		}
		if got := gaps(); got != 2 {
			t.Errorf("seq_gaps = %d after 0 and 3, want 2", got)
		}
		ev("Updated", 2, startedAt.Add(2*time.Minute))
		ev("Updated", 1, startedAt.Add(3*time.Minute))
		if got := gaps(); got != 0 {
			t.Errorf("seq_gaps = %d once 1 and 2 came, want 0", got)
		}
	})
}

// TestTransactionEventSupersedes: a new transaction on an EVSE closes a
// stale one still open there, as a 1.6 start does; a card charging
// elsewhere gets ConcurrentTx.
func TestTransactionEventSupersedes(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		st.call("TransactionEvent", txEvent("Started", "TX-1", 0, "Authorized", startedAt, map[string]any{
			"evse": map[string]any{"id": 1}, "idToken": token(w.Good.InternalID, "ISO14443"),
		}), nil)
		var got txAnswer
		st.call("TransactionEvent", txEvent("Started", "TX-2", 0, "Authorized", startedAt.Add(time.Minute), map[string]any{
			"evse": map[string]any{"id": 2}, "idToken": token(w.Good.InternalID, "ISO14443"),
		}), &got)
		if got.IDTokenInfo == nil || got.IDTokenInfo.Status != "ConcurrentTx" {
			t.Errorf("a second transaction of the card: %+v, want ConcurrentTx", got.IDTokenInfo)
		}
		st.call("TransactionEvent", txEvent("Started", "TX-3", 0, "Authorized", startedAt.Add(2*time.Minute), map[string]any{
			"evse": map[string]any{"id": 1}, "idToken": token(w.Admitted.Name, "Local"),
		}), nil)
		if old := txSession(t, w, w.Station, "TX-1"); old.Active() || old.StopReason != "superseded" {
			t.Errorf("stale session: active %v, %q; want superseded", old.Active(), old.StopReason)
		}
	})
}
