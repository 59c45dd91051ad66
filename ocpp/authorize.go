package ocpp

import (
	"context"
	"encoding/json"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

type authorizeRequest struct {
	IDTag string `json:"idTag"`
}

// idTagInfo is OCPP's IdTagInfo: with the card's validity end as its
// expiryDate when it has one.
type idTagInfo struct {
	Status     string `json:"status"`
	ExpiryDate string `json:"expiryDate,omitempty"`
}

// cardTagInfo is the IdTagInfo of status for the card of auth, if any.
func cardTagInfo(status string, auth fc.CardAuth) idTagInfo {
	info := idTagInfo{Status: status}
	if auth.Card != nil && auth.Card.ExpiresAt != nil {
		info.ExpiryDate = formatTime(*auth.Card.ExpiresAt)
	}
	return info
}

type authorizeResponse struct {
	IDTagInfo idTagInfo `json:"idTagInfo"`
}

// authorize tells the station whether an idTag may charge there.
// ConcurrentTx is not answered here: OCPP 1.6 keeps it for
// StartTransaction, and a station that authorizes the card that is stopping
// its own transaction must not be told no.
func (s *Server) authorize(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[authorizeRequest](payload)
	if err != nil {
		return nil, err
	}
	auth, err := s.store.CardAuth(ctx, st.ID, req.IDTag)
	if err != nil {
		return nil, err
	}
	return authorizeResponse{IDTagInfo: cardTagInfo(s.decide(ctx, st, 0, auth), auth)}, nil
}

// authStatus decides on an idTag at a station: unknown in the station's
// provider is Invalid; an inactive (temporarily blocked) card is Blocked; a
// deactivated card, which is out of service for good, is Expired, and so is
// a card past its validity end at now (decided here, at every use, from
// the card as read, so that a cached card expires on time); a card the
// station's charge group does not admit is Blocked there.
func authStatus(a fc.CardAuth, now time.Time) string {
	switch {
	case a.Card == nil && a.Roaming != nil:
		return roamingStatus(a.Roaming)
	case a.Card == nil:
		return fc.AuthInvalid
	case a.Card.Status == fc.CardInactive:
		return fc.AuthBlocked
	case a.Card.Status == fc.CardDeactivated, a.Card.Expired(now):
		return fc.AuthExpired
	case a.Card.Status != fc.CardActive:
		return fc.AuthInvalid
	case a.Group == nil || !a.Group.Admits(a.Card, a.CardOrgs):
		return fc.AuthBlocked
	}
	return fc.AuthAccepted
}

// roamingStatus is the status of a partner's token at a roaming station
// (OCPI 2.2.1, Token whitelist) without asking its eMSP: a valid token
// whose whitelist lets the CPO admit it without asking is accepted; one
// that must always be authorized in real time (NEVER) is refused (decide
// asks when it can); an invalid one is blocked.
func roamingStatus(t *fc.OCPIToken) string {
	switch {
	case !t.Valid:
		return fc.AuthBlocked
	case t.Whitelist == "NEVER":
		return fc.AuthInvalid
	}
	return fc.AuthAccepted
}
