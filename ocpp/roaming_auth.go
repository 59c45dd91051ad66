package ocpp

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// RoamingAuthorizer asks the eMSP partner that pushed a token, in real
// time, whether the token may charge at a station of ours (OCPI 2.2.1,
// Tokens: real-time authorization). connectorID is 0 when the request
// names none (an OCPP 1.6 Authorize). It answers an OCPI AllowedType:
// ALLOWED, BLOCKED, EXPIRED, NO_CREDIT or NOT_ALLOWED (anything else, such
// as a token the eMSP does not know, is Invalid); an error when the eMSP
// could not be asked or gave no usable answer.
type RoamingAuthorizer interface {
	AuthorizeRoaming(ctx context.Context, st *fc.Station, connectorID int, token *fc.OCPIToken) (allowed string, err error)
}

// SetRoaming sets the real-time authorization of partners' tokens; call
// it before serving. Without one, a token that must be authorized in real
// time (whitelist NEVER) is refused.
func (s *Server) SetRoaming(r RoamingAuthorizer) { s.cfg.Roaming = r }

// decide is authStatus, asking the eMSP of a partner's valid token whose
// whitelist calls for it (OCPI 2.2.1, WhitelistType): NEVER must be asked,
// and is refused when the eMSP cannot be reached; ALLOWED and
// ALLOWED_OFFLINE are asked, and admitted when it cannot; ALWAYS is never
// asked.
func (s *Server) decide(ctx context.Context, st *fc.Station, connectorID int, auth fc.CardAuth) string {
	status := authStatus(auth, s.now())
	t := auth.Roaming
	if auth.Card != nil || t == nil || !t.Valid || s.cfg.Roaming == nil || t.Whitelist == "ALWAYS" {
		return status
	}
	allowed, err := s.cfg.Roaming.AuthorizeRoaming(ctx, st, connectorID, t)
	if err != nil {
		s.log.Warn("real-time authorization of a roaming token failed", "station", st.Identity, "partner", t.PartnerID,
			"whitelist", t.Whitelist, "err", err)
		if t.Whitelist == "NEVER" {
			return fc.AuthInvalid
		}
		return fc.AuthAccepted
	}
	return allowedStatus(allowed)
}

// allowedStatus is the OCPP status of an eMSP's answer (OCPI 2.2.1,
// AllowedType): a token not allowed at this location or without credit is
// blocked here, as a card the charge group does not admit.
func allowedStatus(allowed string) string {
	switch allowed {
	case "ALLOWED":
		return fc.AuthAccepted
	case "EXPIRED":
		return fc.AuthExpired
	case "BLOCKED", "NO_CREDIT", "NOT_ALLOWED":
		return fc.AuthBlocked
	}
	return fc.AuthInvalid
}
