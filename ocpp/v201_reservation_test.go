package ocpp_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// reserve records an accepted reservation of the station, as the reserve-now
// command does, expiring long after every test clock.
func reserve(t *testing.T, w *world, st *fc.Station, connector, ocppID int, card *fc.Card) *fc.Reservation {
	t.Helper()
	r := &fc.Reservation{StationID: st.ID, ConnectorID: connector, OCPPID: ocppID, CardID: card.ID,
		ExpiresAt: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := w.Store.CreateReservation(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// reservationState reads a reservation's status and session.
func reservationState(t *testing.T, w *world, id fc.ID) (string, fc.ID) {
	t.Helper()
	sc := fc.ReservationScope{ProviderID: w.Provider.ID, Stations: fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, CardSide: fc.Everything}
	r, err := w.Store.Reservation(context.Background(), sc, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status, r.SessionID
}

// TestReservationsOnTheWire: an OCPP 1.6 StartTransaction and an OCPP
// 2.0.1 TransactionEvent naming a reservation use it, linked to their
// session; ReservationStatusUpdate ends one as expired (Expired) or
// cancelled (Removed), and is acknowledged for a reservation the back
// office does not hold. Both engines.
func TestReservationsOnTheWire(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		// OCPP 1.6.
		a := reserve(t, w, w.Restricted, 1, 41, w.Good)
		st16 := connect(t, e, w.Restricted.Identity, w.Password)
		var got startAnswer
		st16.call("StartTransaction", map[string]any{"connectorId": 1, "idTag": w.Good.InternalID, "meterStart": 0,
			"timestamp": ts(startedAt), "reservationId": 41}, &got)
		if status, sess := reservationState(t, w, a.ID); status != fc.ReservationUsed || int64(sess) != got.TransactionID {
			t.Errorf("1.6 start with reservationId 41: %s, session %s, want used by %d", status, sess, got.TransactionID)
		}

		// OCPP 2.0.1.
		b := reserve(t, w, w.Station, 2, 42, w.Good)
		c := reserve(t, w, w.Station, 1, 43, w.Foreign)
		d := reserve(t, w, w.Station, 0, 44, w.Foreign)
		st := connect201(t, e, w.Station.Identity, w.Password)
		var tx txAnswer
		st.call("TransactionEvent", txEvent("Started", "RSV-1", 0, "Authorized", startedAt, map[string]any{
			"evse": map[string]any{"id": 2, "connectorId": 1}, "idToken": token(w.Good.InternalID, "ISO14443"), "reservationId": 42}), &tx)
		status, used := reservationState(t, w, b.ID)
		if status != fc.ReservationUsed || used == 0 {
			t.Errorf("2.0.1 event with reservationId 42: %s, session %s, want used", status, used)
		} else if txID, err := w.Store.StationTransactionID(context.Background(), w.Station.ID, used); err != nil || txID != "RSV-1" {
			t.Errorf("reservation 42 used by session %s of transaction %q (err %v), want RSV-1", used, txID, err)
		}

		st.call("ReservationStatusUpdate", map[string]any{"reservationId": 43, "reservationUpdateStatus": "Expired"}, nil)
		st.call("ReservationStatusUpdate", map[string]any{"reservationId": 44, "reservationUpdateStatus": "Removed"}, nil)
		st.call("ReservationStatusUpdate", map[string]any{"reservationId": 99, "reservationUpdateStatus": "Removed"}, nil)
		if status, _ := reservationState(t, w, c.ID); status != fc.ReservationExpired {
			t.Errorf("after Expired: %s, want expired", status)
		}
		if status, _ := reservationState(t, w, d.ID); status != fc.ReservationCancelled {
			t.Errorf("after Removed: %s, want cancelled", status)
		}
		if code := st.callError("ReservationStatusUpdate", `{"reservationId":45,"reservationUpdateStatus":"Gone"}`); code == "" {
			t.Error("a status outside the schema was accepted")
		}
	})
}
