package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Real-time authorization, CPO side (OCPI 2.2.1, Tokens: real-time
// authorization): a partner's token that our station is to admit, and
// whose whitelist calls for asking, is sent to the eMSP's authorize
// endpoint (below its tokens sender) with the location, and the eMSP's
// answer decides. The OCPP endpoint calls AuthorizeRoaming
// (ocpp.RoamingAuthorizer) while the station waits for its answer, so the
// call is short.

// AuthorizeTimeout bounds a real-time authorization: the station waits.
const AuthorizeTimeout = 5 * time.Second

// Unknown is what AuthorizeRoaming answers for a token the eMSP does not
// know (2004), which is no AllowedType.
const Unknown = "UNKNOWN"

// AuthorizeRoaming asks the eMSP that pushed token whether it may charge
// at the station's connector (0: the station as a whole), and returns the
// AllowedType it answered, or Unknown. An eMSP that cannot be asked (not
// connected, no tokens sender) or does not answer usably is an error.
//
// A token the eMSP sent a START_SESSION or RESERVE_NOW for to the station
// within CommandGrace is ALLOWED without asking (OCPI 2.2.1, 13.3.5: the
// command authorized it). An ALLOWED answer is kept with its
// authorization_reference (store: RecordOCPIAuthorization), so that the
// session that follows names the token and the reference.
func (s *Server) AuthorizeRoaming(ctx context.Context, st *fc.Station, connectorID int, token *fc.OCPIToken) (string, error) {
	commanded, err := s.CommandedRecently(ctx, st.ID, token)
	if err != nil {
		return "", err
	}
	if commanded {
		return "ALLOWED", nil
	}
	p, err := s.store.OCPIPartnerByID(ctx, token.PartnerID)
	if err != nil {
		return "", err
	}
	if p.Status != fc.PartnerConnected {
		return "", fc.Errorf(fc.EUnavailable, "OCPI partner %s is %s", p.ID, p.Status)
	}
	base := p.EndpointURL(ModuleTokens, RoleSender)
	if base == "" {
		return "", fc.Errorf(fc.EUnavailable, "OCPI partner %s has no tokens sender to authorize at", p.ID)
	}
	us, _, err := s.ourParty(ctx, p.ProviderID)
	if err != nil {
		return "", err
	}
	loc := LocationReferences{LocationID: st.LocationID.String()}
	if connectorID > 0 {
		loc.EVSEUIDs = []string{EVSEUID(st.ID, connectorID)}
	}
	target := strings.TrimRight(base, "/") + "/" + url.PathEscape(token.UID) + "/authorize?type=" + url.QueryEscape(token.Type)
	// Routed to the token's party: behind a hub, the eMSP is one of many.
	cl := &Client{HTTP: s.cfg.HTTP, Token: p.OutgoingToken, PartnerID: p.ID, Now: s.cfg.Now, Timeout: AuthorizeTimeout,
		Routing: Routing{From: us, To: Party{CountryCode: token.CountryCode, PartyID: token.PartyID}}, OnExchange: s.exchange}
	resp, _, err := cl.Do(ctx, ModuleTokens, http.MethodPost, target, loc)
	var ce *CallError
	if errors.As(err, &ce) && ce.OCPIStatus == StatusUnknownToken {
		return Unknown, nil
	}
	if err != nil {
		return "", err
	}
	var info AuthorizationInfo
	if err := json.Unmarshal(resp.Data, &info); err != nil {
		return "", fc.Errorf(fc.EUnavailable, "the eMSP's authorization is not AuthorizationInfo: %v", err)
	}
	if fe := info.Validate(); len(fe) > 0 {
		return "", fc.Errorf(fc.EUnavailable, "the eMSP's authorization is not valid: %s", fe.Error())
	}
	if info.Allowed == "ALLOWED" {
		if err := s.store.RecordOCPIAuthorization(ctx, fc.OCPIAuthorization{PartnerID: p.ID, StationID: st.ID,
			CountryCode: token.CountryCode, PartyID: token.PartyID, UID: token.UID, Type: token.Type,
			Method: fc.OCPIAuthRequest, Reference: info.AuthorizationReference}); err != nil {
			// The eMSP's answer stands; the session only misses its reference.
			s.log.Warn("keeping a real-time authorization failed", "partner", p.ID, "station", st.ID, "err", err)
		}
	}
	return info.Allowed, nil
}
