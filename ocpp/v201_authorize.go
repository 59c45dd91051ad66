package ocpp

import (
	"context"
	"encoding/json"
	"strconv"

	fc "github.com/fleetcharge/fleetcharge"
)

// idToken is OCPP 2.0.1's IdTokenType.
type idToken struct {
	IDToken string `json:"idToken"`
	Type    string `json:"type"`
}

// idTokenInfo201 is OCPP 2.0.1's IdTokenInfoType.
type idTokenInfo201 struct {
	Status              string   `json:"status"`
	CacheExpiryDateTime string   `json:"cacheExpiryDateTime,omitempty"`
	GroupIDToken        *idToken `json:"groupIdToken,omitempty"`
}

type authorizeRequest201 struct {
	IDToken idToken `json:"idToken"`
}

type authorizeResponse201 struct {
	IDTokenInfo idTokenInfo201 `json:"idTokenInfo"`
}

// Token types of OCPP 2.0.1 that name no card.
const tokenNoAuthorization = "NoAuthorization"

// authorize201 tells an OCPP 2.0.1 station whether an idToken may charge
// there, by the rules of OCPP 1.6 (authStatus): every token type but
// NoAuthorization is the internal ID of a card, matched as OCPP 1.6 matches
// an idTag. A roaming partner's token at a roaming station is decided as
// OCPP 1.6 decides it (decide): its eMSP is asked in real time where the
// token's whitelist says so.
func (s *Server) authorize201(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[authorizeRequest201](payload)
	if err != nil {
		return nil, err
	}
	info, auth, err := s.tokenInfo(ctx, st, req.IDToken)
	if err != nil {
		return nil, err
	}
	if roaming(auth) {
		info = idTokenInfo201{Status: s.decide(ctx, st, 0, auth)}
	}
	return authorizeResponse201{IDTokenInfo: info}, nil
}

// roaming reports whether an authorization is of a roaming partner's
// token (no card of ours) at a roaming station.
func roaming(auth fc.CardAuth) bool { return auth.Card == nil && auth.Roaming != nil }

// tokenInfo decides on an idToken at the station. A card's answer carries
// its account as the groupIdToken (so that the station lets any card of the
// account stop the transaction) and how long the station may cache it
// (AuthCacheExpiry). A token the provider does not know is Unknown, OCPP
// 2.0.1's word for it. NoAuthorization, a station that charges without
// asking anyone, is Accepted where the station's charge group is public,
// which admits every card, and Invalid elsewhere.
func (s *Server) tokenInfo(ctx context.Context, st *fc.Station, tok idToken) (idTokenInfo201, fc.CardAuth, error) {
	if tok.Type == tokenNoAuthorization {
		auth, err := s.store.CardAuth(ctx, st.ID, "")
		if err != nil {
			return idTokenInfo201{}, auth, err
		}
		if auth.Group != nil && auth.Group.Access == fc.AccessPublic {
			return idTokenInfo201{Status: fc.AuthAccepted}, auth, nil
		}
		return idTokenInfo201{Status: fc.AuthInvalid}, auth, nil
	}
	auth, err := s.store.CardAuth(ctx, st.ID, tok.IDToken)
	if err != nil {
		return idTokenInfo201{}, auth, err
	}
	if roaming(auth) {
		// Not asked again here (a transaction's later events carry the
		// token too): the eMSP is asked at Authorize and at the start.
		// No cache expiry nor group: the station keeps its own.
		return idTokenInfo201{Status: authStatusHeld(auth.Roaming)}, auth, nil
	}
	if auth.Card == nil {
		return idTokenInfo201{Status: "Unknown"}, auth, nil
	}
	// The station may cache the answer until the card's validity end, if
	// that comes first.
	now := s.now()
	cacheExpiry := now.Add(s.cfg.AuthCacheExpiry)
	if auth.Card.ExpiresAt != nil && auth.Card.ExpiresAt.Before(cacheExpiry) {
		cacheExpiry = *auth.Card.ExpiresAt
	}
	return idTokenInfo201{
		Status:              authStatus(auth, now),
		CacheExpiryDateTime: formatTime(cacheExpiry),
		GroupIDToken:        &idToken{IDToken: strconv.FormatInt(int64(auth.Card.AccountID), 10), Type: "Central"},
	}, auth, nil
}

// authStatusHeld is the status of a partner's token that was admitted
// already (a running transaction's events): valid is Accepted, whatever
// its whitelist; invalid Blocked.
func authStatusHeld(t *fc.OCPIToken) string {
	if t.Valid {
		return fc.AuthAccepted
	}
	return fc.AuthBlocked
}
