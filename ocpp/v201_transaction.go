package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type transactionEventRequest struct {
	EventType       string `json:"eventType"`
	Timestamp       string `json:"timestamp"`
	TriggerReason   string `json:"triggerReason"`
	SeqNo           int64  `json:"seqNo"`
	Offline         bool   `json:"offline"`
	TransactionInfo struct {
		TransactionID string `json:"transactionId"`
		ChargingState string `json:"chargingState"`
		StoppedReason string `json:"stoppedReason"`
		RemoteStartID *int   `json:"remoteStartId"`
	} `json:"transactionInfo"`
	IDToken *idToken `json:"idToken"`
	EVSE    *struct {
		ID          int `json:"id"`
		ConnectorID int `json:"connectorId"`
	} `json:"evse"`
	MeterValue    []meterValue201 `json:"meterValue"`
	ReservationID *int            `json:"reservationId"`
}

type transactionEventResponse struct {
	IDTokenInfo *idTokenInfo201 `json:"idTokenInfo,omitempty"`
}

// transactionEvent stores an OCPP 2.0.1 transaction event in the session
// of the station's transaction (store.TransactionEvent): the same sessions
// as OCPP 1.6's, with both sides recorded, energy, duration and cost. It
// answers only once the event is stored, so that a station that gets no
// answer, or a CALLERROR, sends it again; a repeat (same transactionId and
// seqNo) changes nothing and gets the same answer. Events the station
// queued while offline are accepted in the order they come, whatever their
// age; every triggerReason is accepted, each event's latest energy
// reading is kept, and its meter values are kept as the session's samples. The session is stored whatever the idToken's status, as
// for OCPP 1.6, and the answer carries the status whenever the event
// carries an idToken: ConcurrentTx when the event opened the session while
// another session of the card runs.
func (s *Server) transactionEvent(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[transactionEventRequest](payload)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("timestamp", req.Timestamp)
	if err != nil {
		return nil, err
	}
	ev := fc.TransactionEvent{
		StationID:     st.ID,
		TransactionID: req.TransactionInfo.TransactionID,
		EventType:     req.EventType,
		SeqNo:         req.SeqNo,
		Offline:       req.Offline,
		TriggerReason: req.TriggerReason,
		Timestamp:     at,
		StoppedReason: req.TransactionInfo.StoppedReason,
		ReservationID: req.ReservationID,
	}
	if req.EVSE != nil {
		ev.ConnectorID = req.EVSE.ID
	}
	if req.IDToken != nil && req.IDToken.Type != tokenNoAuthorization {
		ev.IDTag = req.IDToken.IDToken
	}
	ev.Samples = samples201(req.MeterValue)
	if wh, mat, ok := latestEnergy201(req.MeterValue); ok {
		ev.MeterWh, ev.MeterAt = &wh, mat
	}
	// A roaming partner's token that starts a transaction is decided before
	// the event is stored, as OCPP 1.6's StartTransaction is: the eMSP's
	// authorization (real time, or its command) then precedes the session,
	// which names it.
	started := ""
	if ev.IDTag != "" && req.EventType == fc.TxStarted {
		auth, err := s.store.CardAuth(ctx, st.ID, ev.IDTag)
		if err != nil {
			return nil, err
		}
		if roaming(auth) {
			started = s.decide(ctx, st, ev.ConnectorID, auth)
		}
	}
	res, err := s.store.TransactionEvent(ctx, ev)
	if err != nil {
		return nil, err
	}
	if res.Session.SeqGaps > 0 && !res.Repeated {
		s.log.Warn("transaction events missing", "station", st.Identity, "transaction", ev.TransactionID,
			"session", res.Session.ID, "missing", res.Session.SeqGaps, "seq_no", ev.SeqNo)
	}
	// Load management hears of a session that opened or ended, once the
	// station has the answer.
	answer := func(a transactionEventResponse) any {
		kind := ""
		switch {
		case res.Repeated:
		case req.EventType == fc.TxEnded:
			kind = fc.EventSessionStopped
		case res.Created:
			kind = fc.EventSessionStarted
		}
		if kind == "" {
			return a
		}
		return answerThen{answer: a, then: func() {
			s.notify(ctx, st, fc.OCPP201, fc.StationEvent{Kind: kind, SessionID: res.Session.ID})
		}}
	}
	if req.IDToken == nil {
		return answer(transactionEventResponse{}), nil
	}
	info, auth, err := s.tokenInfo(ctx, st, *req.IDToken)
	if err != nil {
		if req.EventType == fc.TxEnded {
			// The session is stored; the token's status is optional news.
			s.log.Warn("idToken status at the end of a transaction", "station", st.Identity, "err", err)
			return answer(transactionEventResponse{}), nil
		}
		return nil, err
	}
	if started != "" {
		info.Status = started
	}
	if info.Status == fc.AuthAccepted && res.Created && auth.ActiveTxID != 0 && auth.ActiveTxID != res.Session.ID {
		info.Status = fc.AuthConcurrentTx
	}
	return answer(transactionEventResponse{IDTokenInfo: &info}), nil
}
