package ocpp_test

import (
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestRoamingRealTimeAuthorization201: an OCPP 2.0.1 station at a roaming
// station admits partners' tokens as an OCPP 1.6 one does. Authorize asks
// the eMSP where the token's whitelist calls for it (without an EVSE), and
// the answer decides; a TransactionEvent that starts a transaction with
// such a token asks with its EVSE and answers what the eMSP said, the
// session stored either way; the transaction's later events are not asked
// about again. A token no partner pushed stays Unknown, a card of ours is
// decided as before.
func TestRoamingRealTimeAuthorization201(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		roamingWorld(t, s, w, map[string]string{
			"NEVER-OK": "NEVER", "NEVER-BLOCKED": "NEVER", "NEVER-DOWN": "NEVER", "ALLOWED-DOWN": "ALLOWED", "ALWAYS": "ALWAYS",
			"NEVER-START": "NEVER", "NEVER-REFUSED": "NEVER",
		})
		emsp := &fakeEMSP{answers: map[string]string{"NEVER-OK": "ALLOWED", "NEVER-BLOCKED": "BLOCKED", "NEVER-START": "ALLOWED",
			"NEVER-REFUSED": "NOT_ALLOWED"}}
		e := startServer(t, ocpp.Config{Store: s, Roaming: emsp})
		st := connect201(t, e, w.Station.Identity, w.Password)
		calls := func() int {
			emsp.mu.Lock()
			defer emsp.mu.Unlock()
			return len(emsp.calls)
		}
		for _, tt := range []struct {
			tag, want string
			asked     bool
		}{
			{"NEVER-OK", "Accepted", true},
			{"NEVER-BLOCKED", "Blocked", true},
			{"NEVER-DOWN", "Invalid", true},
			{"ALLOWED-DOWN", "Accepted", true},
			{"ALWAYS", "Accepted", false},
			{"NOBODY-42", "Unknown", false},
			{w.Good.InternalID, "Accepted", false},
		} {
			before := calls()
			var got struct {
				IDTokenInfo struct {
					Status string `json:"status"`
				} `json:"idTokenInfo"`
			}
			st.call("Authorize", map[string]any{"idToken": token(tt.tag, "ISO14443")}, &got)
			if got.IDTokenInfo.Status != tt.want {
				t.Errorf("Authorize %s: %s, want %s", tt.tag, got.IDTokenInfo.Status, tt.want)
			}
			if asked := calls() > before; asked != tt.asked {
				t.Errorf("Authorize %s: asked the eMSP %v, want %v", tt.tag, asked, tt.asked)
			}
		}

		before := calls()
		var started txAnswer
		st.call("TransactionEvent", txEvent("Started", "TX-R1", 0, "Authorized", startedAt, map[string]any{
			"evse": map[string]any{"id": 1, "connectorId": 1}, "idToken": token("NEVER-START", "ISO14443"),
		}), &started)
		if started.IDTokenInfo == nil || started.IDTokenInfo.Status != "Accepted" {
			t.Errorf("Started with NEVER-START: %+v, want Accepted", started.IDTokenInfo)
		}
		emsp.mu.Lock()
		if n := len(emsp.conns); n != before+1 || emsp.conns[n-1] != 1 {
			t.Errorf("Started asked with connectors %v, want once more with 1", emsp.conns)
		}
		emsp.mu.Unlock()
		if sess := txSession(t, w, w.Station, "TX-R1"); sess.IDTag != "NEVER-START" || !sess.Active() {
			t.Errorf("the roaming session: %+v", sess)
		}

		before = calls()
		var updated txAnswer
		st.call("TransactionEvent", txEvent("Updated", "TX-R1", 1, "MeterValuePeriodic", startedAt.Add(10*time.Minute), map[string]any{
			"idToken":    token("NEVER-START", "ISO14443"),
			"meterValue": []any{energy201(startedAt.Add(10*time.Minute), 2000, "Wh")},
		}), &updated)
		if updated.IDTokenInfo == nil || updated.IDTokenInfo.Status != "Accepted" {
			t.Errorf("Updated with NEVER-START: %+v, want Accepted", updated.IDTokenInfo)
		}
		if calls() != before {
			t.Error("a running transaction's Updated event asked the eMSP again")
		}

		var refused txAnswer
		st.call("TransactionEvent", txEvent("Started", "TX-R2", 0, "Authorized", startedAt.Add(time.Minute), map[string]any{
			"evse": map[string]any{"id": 2, "connectorId": 1}, "idToken": token("NEVER-REFUSED", "ISO14443"),
		}), &refused)
		if refused.IDTokenInfo == nil || refused.IDTokenInfo.Status != "Blocked" {
			t.Errorf("Started with NEVER-REFUSED: %+v, want Blocked", refused.IDTokenInfo)
		}
		if sess := txSession(t, w, w.Station, "TX-R2"); sess.IDTag != "NEVER-REFUSED" {
			t.Errorf("the refused token's session: %+v", sess)
		}
	})
}
