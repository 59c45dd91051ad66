package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type stopTransactionRequest struct {
	IDTag           string       `json:"idTag"`
	MeterStop       int64        `json:"meterStop"`
	Timestamp       string       `json:"timestamp"`
	TransactionID   int64        `json:"transactionId"`
	Reason          string       `json:"reason"`
	TransactionData []meterValue `json:"transactionData"`
}

type stopTransactionResponse struct {
	IDTagInfo *idTagInfo `json:"idTagInfo,omitempty"`
}

// stopTransaction closes the session, and answers only once it is stored:
// a station that gets no answer, or a CALLERROR, sends it again, and the
// repeat is harmless. The transaction's meter values (transactionData) are
// kept as its samples in the same write. A stop the back office cannot place (a transaction it never gave
// out) is acknowledged, or the station would repeat it for ever.
func (s *Server) stopTransaction(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[stopTransactionRequest](payload)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("timestamp", req.Timestamp)
	if err != nil {
		return nil, err
	}
	if req.TransactionID <= 0 {
		s.log.Warn("stop of an unknown transaction acknowledged", "station", st.Identity, "transaction", req.TransactionID)
		return stopTransactionResponse{}, nil
	}
	sess, err := s.store.StopTransaction(ctx, fc.StopTransaction{
		StationID:     st.ID,
		TransactionID: fc.ID(req.TransactionID),
		IDTag:         req.IDTag,
		MeterStop:     req.MeterStop,
		Timestamp:     at,
		Reason:        req.Reason,
		Samples:       samples16(req.TransactionData),
	})
	if fc.IsCode(err, fc.ENotFound) {
		s.log.Warn("stop of an unknown transaction acknowledged", "station", st.Identity, "transaction", req.TransactionID)
		return stopTransactionResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	stopped := func(answer stopTransactionResponse) answerThen {
		return answerThen{answer: answer, then: func() {
			s.notify(ctx, st, fc.OCPP16, fc.StationEvent{Kind: fc.EventSessionStopped, SessionID: sess.ID})
		}}
	}
	if req.IDTag == "" {
		return stopped(stopTransactionResponse{}), nil
	}
	auth, err := s.store.CardAuth(ctx, st.ID, req.IDTag)
	if err != nil {
		// The session is stored; the idTag's status is optional news.
		s.log.Warn("idTag status at stop", "station", st.Identity, "err", err)
		return stopped(stopTransactionResponse{}), nil
	}
	info := cardTagInfo(authStatus(auth, s.now()), auth)
	return stopped(stopTransactionResponse{IDTagInfo: &info}), nil
}
