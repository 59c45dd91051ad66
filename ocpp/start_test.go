package ocpp_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// startedAt is when the test transactions start, by the stations' clocks.
var startedAt = fixedNow.Add(-time.Hour)

// startAnswer is a StartTransaction answer.
type startAnswer struct {
	IDTagInfo     idTagInfo `json:"idTagInfo"`
	TransactionID int64     `json:"transactionId"`
}

// start sends a StartTransaction at startedAt and returns the answer.
func start(t *testing.T, st *station, connector int, idTag string, meterStart int64) startAnswer {
	t.Helper()
	var got startAnswer
	st.call("StartTransaction", map[string]any{
		"connectorId": connector, "idTag": idTag, "meterStart": meterStart, "timestamp": ts(startedAt),
	}, &got)
	if got.TransactionID <= 0 {
		t.Fatalf("transactionId %d", got.TransactionID)
	}
	return got
}

// session reads a stored session.
func session(t *testing.T, w *world, id int64) *fc.Session {
	t.Helper()
	sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
	got, err := w.Store.Session(context.Background(), sc, fc.ID(id))
	if err != nil {
		t.Fatalf("session %d: %v", id, err)
	}
	return got
}

func TestStartTransaction(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		got := start(t, st, 1, w.Good.InternalID, 1000)
		if got.IDTagInfo.Status != "Accepted" {
			t.Errorf("status %s, want Accepted", got.IDTagInfo.Status)
		}
		sess := session(t, w, got.TransactionID)
		if sess.CardID != w.Good.ID || sess.StationID != w.Station.ID || sess.ConnectorID != 1 ||
			sess.MeterStartWh != 1000 || !sess.StartedAt.Equal(startedAt) || !sess.Active() {
			t.Errorf("stored session = %+v", sess)
		}

		// A repeat (the station did not get the answer) opens nothing new.
		again := start(t, st, 1, w.Good.InternalID, 1000)
		if again != got {
			t.Errorf("repeat answered %+v, want %+v", again, got)
		}
	})
}

// TestStartTransactionNotAccepted checks that a transaction with an idTag
// that is not accepted is stored all the same (the station may have started
// it offline), and answered with the real status.
func TestStartTransactionNotAccepted(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		public := connect(t, e, w.Station.Identity, w.Password)
		restricted := connect(t, e, w.Restricted.Identity, w.Password)
		tests := []struct {
			name     string
			at       *station
			idTag    string
			want     string
			wantCard fc.ID
		}{
			{"unknown card", public, "CAFE0001", "Invalid", 0},
			{"inactive card", public, w.Blocked.InternalID, "Blocked", w.Blocked.ID},
			{"deactivated card", public, w.Expired.InternalID, "Expired", w.Expired.ID},
			{"card not admitted", restricted, w.Foreign.InternalID, "Blocked", w.Foreign.ID},
		}
		for i, tt := range tests {
			got := start(t, tt.at, 1+i%2, tt.idTag, 0)
			if got.IDTagInfo.Status != tt.want {
				t.Errorf("%s: status %s, want %s", tt.name, got.IDTagInfo.Status, tt.want)
			}
			if sess := session(t, w, got.TransactionID); sess.CardID != tt.wantCard || sess.IDTag != tt.idTag {
				t.Errorf("%s: stored card %d tag %q, want %d %q", tt.name, sess.CardID, sess.IDTag, tt.wantCard, tt.idTag)
			}
		}
	})
}

// TestStartTransactionConcurrent checks ConcurrentTx: a card that charges
// already starts a second transaction, which is stored and refused.
func TestStartTransactionConcurrent(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		first := start(t, st, 1, w.Good.InternalID, 0)
		var second startAnswer
		st.call("StartTransaction", map[string]any{
			"connectorId": 2, "idTag": w.Good.InternalID, "meterStart": 0, "timestamp": ts(startedAt.Add(time.Minute)),
		}, &second)
		if second.IDTagInfo.Status != "ConcurrentTx" || second.TransactionID == first.TransactionID {
			t.Errorf("second start = %+v, want ConcurrentTx with a transaction of its own", second)
		}
		session(t, w, second.TransactionID)
		// The repeat of the first start is no concurrent transaction.
		if again := start(t, st, 1, w.Good.InternalID, 0); again != first {
			t.Errorf("repeat of the first start = %+v, want %+v", again, first)
		}
	})
}
