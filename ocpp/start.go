package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type startTransactionRequest struct {
	ConnectorID   int    `json:"connectorId"`
	IDTag         string `json:"idTag"`
	MeterStart    int64  `json:"meterStart"`
	ReservationID *int   `json:"reservationId"`
	Timestamp     string `json:"timestamp"`
}

type startTransactionResponse struct {
	IDTagInfo     idTagInfo `json:"idTagInfo"`
	TransactionID int64     `json:"transactionId"`
}

// startTransaction stores the session and answers its ID as the
// transactionId. The session is stored whatever the idTag's status: a
// station may have started charging offline, and the energy happened; the
// answer carries the real status, so that the station can stop if it
// should. A repeat of the same request returns the same transactionId.
//
// The idTag is judged after the session is stored, because storing it
// closes a stale session on the same connector (superseded): the card's
// running session, if any, is then another one than this, and only such
// a one makes the answer ConcurrentTx.
func (s *Server) startTransaction(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[startTransactionRequest](payload)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("timestamp", req.Timestamp)
	if err != nil {
		return nil, err
	}
	sess, created, err := s.store.StartTransaction(ctx, fc.StartTransaction{
		StationID:   st.ID,
		ConnectorID: req.ConnectorID,
		IDTag:       req.IDTag,
		MeterStart:  req.MeterStart,
		Timestamp:   at,
		// The reservation the start uses, if any (store.useReservation).
		ReservationID: req.ReservationID,
	})
	if err != nil {
		return nil, err
	}
	auth, err := s.store.CardAuth(ctx, st.ID, req.IDTag)
	if err != nil {
		return nil, err
	}
	status := s.decide(ctx, st, req.ConnectorID, auth)
	if status == fc.AuthAccepted && created && auth.ActiveTxID != 0 && auth.ActiveTxID != sess.ID {
		status = fc.AuthConcurrentTx
	}
	answer := startTransactionResponse{IDTagInfo: cardTagInfo(status, auth), TransactionID: int64(sess.ID)}
	// Load management sends the transaction's charging profile, which
	// names the transactionId: the station must have its answer first.
	return answerThen{answer: answer, then: func() {
		s.notify(ctx, st, fc.OCPP16, fc.StationEvent{Kind: fc.EventSessionStarted, SessionID: sess.ID})
	}}, nil
}
