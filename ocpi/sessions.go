package ocpi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The Sessions module (OCPI 2.2.1, 9), both roles.
//
// As a CPO, a session charged with a partner's token at one of our roaming
// stations is pushed to that partner's sessions receiver as it starts, as
// its meter is read and as it stops: the store queues the push in the
// change's own write (store: queueSession), and the Session object is built
// here when sent, whole, with PUT. The partner may also list its sessions
// (GET, paginated); charging preferences are not taken.
//
// As an eMSP, a partner's Session objects of our cards are kept as sent
// (fc.OCPIObject, module sessions): PUT, PATCH and GET.

// Paths of the Sessions endpoints, below BaseURL.
const (
	cpoSessionsPath  = "/ocpi/cpo/" + fc.OCPIVersion + "/sessions"
	emspSessionsPath = "/ocpi/emsp/" + fc.OCPIVersion + "/sessions"
)

// sessionKeyPrefix starts the outbox key of a session's push.
const sessionKeyPrefix = "session:"

// initSessions adds the Sessions routes, endpoints and push builders.
func (s *Server) initSessions() {
	s.builders[ModuleSessions] = s.buildSession
	s.module(ModuleSessions, RoleSender, cpoSessionsPath)
	s.module(ModuleSessions, RoleReceiver, emspSessionsPath)
	s.route("GET "+cpoSessionsPath, ModuleSessions, s.listSessions)
	s.route("PUT "+cpoSessionsPath+"/{session_id}/charging_preferences", ModuleSessions, s.putChargingPreferences)
	object := emspSessionsPath + "/{country_code}/{party_id}/{session_id}"
	s.route("GET "+object, ModuleSessions, s.getSession)
	s.route("PUT "+object, ModuleSessions, s.putSession)
	s.route("PATCH "+object, ModuleSessions, s.patchSession)
}

// sessionObject is a roaming session as OCPI publishes it at now: ACTIVE
// while it runs, with the energy of its latest meter reading and the cost
// so far under its station's tariff; COMPLETED once stopped, with its
// energy, end and cost. Costs are without VAT. Its location, EVSE and
// connector are those of the Locations module and of the session's CDR.
func sessionObject(us Party, rs *fc.RoamingSession, now time.Time) *Session {
	sess := &rs.Session
	start := sess.StartedAt.UTC()
	var wh, cost int64
	costKnown := true
	if sess.StoppedAt != nil {
		wh, cost = sess.EnergyWh, sess.CostMinor
	} else {
		if rs.LastMeterWh != nil {
			wh = max(0, *rs.LastMeterWh-sess.MeterStartWh)
		}
		cost = rs.Tariff.Cost(wh, int64(max(0, now.Sub(start))/time.Second))
		costKnown = rs.Tariff.Currency == sess.Currency
	}
	kwh := float64(wh) / 1000
	o := &Session{
		CountryCode: us.CountryCode, PartyID: us.PartyID, ID: sess.ID.String(),
		StartDateTime: NewDateTime(start), Kwh: &kwh,
		CdrToken: &CdrToken{CountryCode: rs.Token.CountryCode, PartyID: rs.Token.PartyID, UID: rs.Token.UID,
			Type: rs.Token.Type, ContractID: rs.Token.ContractID},
		AuthMethod: authMethod(rs.Authorization), AuthorizationReference: authReference(rs.Authorization),
		LocationID: sess.LocationID.String(), EVSEUID: EVSEUID(sess.StationID, sess.ConnectorID),
		ConnectorID: strconv.Itoa(sess.ConnectorID),
		Currency:    sess.Currency,
		ChargingPeriods: []ChargingPeriod{{StartDateTime: NewDateTime(start),
			Dimensions: []CdrDimension{{Type: "ENERGY", Volume: &kwh}}}},
		Status:      SessionActive,
		LastUpdated: NewDateTime(rs.LastUpdated),
	}
	if costKnown {
		o.TotalCost = &Price{ExclVAT: float64(cost) / math.Pow10(fc.MinorDigits(sess.Currency))}
	}
	if sess.StoppedAt != nil {
		end := NewDateTime(sess.StoppedAt.UTC())
		o.EndDateTime, o.Status = &end, SessionCompleted
	}
	if o.LastUpdated.Before(start) {
		o.LastUpdated = o.StartDateTime
	}
	return o
}

// authMethod is a roaming session's AuthMethod: how the eMSP authorized
// its token (AUTH_REQUEST, COMMAND), WHITELIST when it did not.
func authMethod(a *fc.OCPIAuthorization) string {
	if a == nil {
		return "WHITELIST"
	}
	return a.Method
}

// authReference is the eMSP's authorization_reference of a roaming
// session, "" when there is none.
func authReference(a *fc.OCPIAuthorization) string {
	if a == nil {
		return ""
	}
	return a.Reference
}

// buildSession builds a session's push as the session is now: a PUT of
// the whole Session object. A session that is gone, or that cannot be
// built as valid OCPI (the provider without an OCPI identity), is not
// sent: a later change queues it again, and its CDR carries what counts.
func (s *Server) buildSession(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage, base string) (string, string, any, error) {
	if !strings.HasPrefix(m.Key, sessionKeyPrefix) {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no session", m.ID)
	}
	id, err := fc.ParseID(strings.TrimPrefix(m.Key, sessionKeyPrefix))
	if err != nil {
		return "", "", nil, err
	}
	rs, err := s.store.RoamingSession(ctx, p.ID, id)
	if fc.IsCode(err, fc.ENotFound) {
		s.log.Warn("OCPI session push of a session that is gone: dropped", "partner", p.ID, "session", id)
		return "", "", nil, nil
	}
	if err != nil {
		return "", "", nil, err
	}
	us, _, err := s.ourParty(ctx, p.ProviderID)
	if err != nil {
		return "", "", nil, err
	}
	o := sessionObject(us, rs, s.now())
	if fe := o.Validate(); len(fe) > 0 {
		s.log.Warn("OCPI session push not valid OCPI: dropped", "partner", p.ID, "session", id, "err", fe.Error())
		return "", "", nil, nil
	}
	target := strings.TrimRight(base, "/") + "/" + url.PathEscape(us.CountryCode) + "/" + url.PathEscape(us.PartyID) + "/" + url.PathEscape(o.ID)
	return http.MethodPut, target, o, nil
}

// listSessions pages the sessions charged with the caller's tokens at our
// roaming stations, by their last change (the sender interface).
func (s *Server) listSessions(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	us, _, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	list, total, err := s.store.RoamingSessions(ctx, c.partner.ProviderID, c.partner.ID, page.DateFrom, page.DateTo, page.Offset, page.Limit)
	if err != nil {
		return err
	}
	now := s.now()
	out := make([]*Session, len(list))
	for i := range list {
		out[i] = sessionObject(us, &list[i], now)
	}
	WritePage(w, s.selfURL(r), page, total, out)
	return nil
}

// putChargingPreferences answers a partner's charging preferences for one
// of its sessions. Our EVSEs do not have the CHARGING_PREFERENCES_CAPABLE
// capability, and for such an EVSE OCPI 2.2.1 (ChargingPreferencesResponse)
// asks for HTTP 404 rather than a ChargingPreferencesResponse: valid
// preferences of a known session are answered so, with a message that says
// why; an unknown session is 404 too, invalid preferences 2001.
func (s *Server) putChargingPreferences(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	unknown := Errorf(http.StatusNotFound, StatusClientError, "unknown session")
	id, err := fc.ParseID(r.PathValue("session_id"))
	if err != nil {
		return unknown
	}
	if _, err := s.store.RoamingSession(ctx, c.partner.ID, id); fc.IsCode(err, fc.ENotFound) {
		return unknown
	} else if err != nil {
		return err
	}
	var p ChargingPreferences
	if err := DecodeValid(r.Body, &p); err != nil {
		return err
	}
	return Errorf(http.StatusNotFound, StatusClientError, "the session's EVSE takes no charging preferences (it is not CHARGING_PREFERENCES_CAPABLE)")
}

// checkSessionPath refuses a session whose identity is not the one its
// URL names.
func checkSessionPath(r *http.Request, o *Session) error {
	var fields FieldErrors
	if o.CountryCode != r.PathValue("country_code") {
		fields = append(fields, FieldError{Path: "country_code", Message: "must be the country code of the URL"})
	}
	if o.PartyID != r.PathValue("party_id") {
		fields = append(fields, FieldError{Path: "party_id", Message: "must be the party ID of the URL"})
	}
	if o.ID != r.PathValue("session_id") {
		fields = append(fields, FieldError{Path: "id", Message: "must be the session ID of the URL"})
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	return nil
}

// checkOurToken refuses a session (2004) whose token is not one of our
// cards: a CPO pushes a session to the eMSP of its token only.
func (s *Server) checkOurToken(ctx context.Context, c *caller, t *CdrToken) error {
	us, _, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	if t.CountryCode != us.CountryCode || t.PartyID != us.PartyID {
		return Errorf(http.StatusOK, StatusUnknownToken, "the session's token is not ours (%s %s)", us.CountryCode, us.PartyID)
	}
	if _, err := s.store.OCPICard(ctx, c.partner.ProviderID, t.UID); fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusOK, StatusUnknownToken, "unknown token %q", t.UID)
	} else if err != nil {
		return err
	}
	return nil
}

// receivedSession turns a partner's session into what we keep.
func receivedSession(partnerID fc.ID, o *Session, raw json.RawMessage) fc.OCPIObject {
	return fc.OCPIObject{PartnerID: partnerID, Module: fc.OCPIModuleSessions, CountryCode: o.CountryCode, PartyID: o.PartyID,
		ObjectID: o.ID, LastUpdated: o.LastUpdated.Time, Object: raw}
}

// putSession keeps a partner's session of one of our cards, new or
// replacing the one it had.
func (s *Server) putSession(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var o Session
	if err := DecodeBytes(raw, &o); err != nil {
		return err
	}
	if fe := o.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	if err := checkSessionPath(r, &o); err != nil {
		return err
	}
	if err := c.checkParty(o.CountryCode, o.PartyID); err != nil {
		return err
	}
	if err := s.checkOurToken(ctx, c, o.CdrToken); err != nil {
		return err
	}
	// Kept compact, as a PATCH's merge writes it: the store finds running
	// sessions by their "status":"…" text (fc.OCPISessionStore).
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return err
	}
	if err := s.store.PutOCPIObject(ctx, receivedSession(c.partner.ID, &o, compact.Bytes())); err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// patchSession changes some fields of a session the partner sent before,
// in one write: the patch must carry last_updated, its charging_periods
// are added to the session's (OCPI 2.2.1, sessions module: PATCH), and the
// result must be a valid session of the same identity.
func (s *Server) patchSession(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	patch, err := readPatch(r)
	if err != nil {
		return err
	}
	if t, ok := patch["cdr_token"]; ok {
		// A new token must be ours too; checked before the write, which
		// reads nothing but the session.
		var tok CdrToken
		if err := json.Unmarshal(t, &tok); err != nil {
			return Invalid(FieldErrors{{Path: "cdr_token", Message: "must be a CdrToken object"}})
		}
		ch := newCheck()
		tok.check(ch.in("cdr_token"))
		if len(*ch.errs) > 0 {
			return Invalid(*ch.errs)
		}
		if err := s.checkOurToken(ctx, c, &tok); err != nil {
			return err
		}
	}
	cc, party, id := r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("session_id")
	_, err = s.store.UpdateOCPIObject(ctx, c.partner.ID, fc.OCPIModuleSessions, cc, party, id, func(stored *fc.OCPIObject) error {
		body, o, err := mergeSession(stored.Object, patch)
		if err != nil {
			return err
		}
		if err := checkSessionPath(r, o); err != nil {
			return err
		}
		*stored = receivedSession(c.partner.ID, o, body)
		return nil
	})
	if fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusNotFound, StatusClientError, "unknown session: PUT it first")
	}
	if err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// mergeSession applies a PATCH to a stored session: its fields replace
// the session's, but charging_periods are added to the session's. The
// result is decoded and validated.
func mergeSession(stored json.RawMessage, patch map[string]json.RawMessage) (json.RawMessage, *Session, error) {
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(stored, &merged); err != nil {
		return nil, nil, err
	}
	for k, v := range patch {
		if k == "charging_periods" {
			var old, added []json.RawMessage
			if p, ok := merged[k]; ok && string(p) != "null" {
				if err := json.Unmarshal(p, &old); err != nil {
					return nil, nil, err
				}
			}
			if err := json.Unmarshal(v, &added); err != nil {
				return nil, nil, Invalid(FieldErrors{{Path: "charging_periods", Message: "must be a JSON array"}})
			}
			all, err := json.Marshal(append(old, added...))
			if err != nil {
				return nil, nil, err
			}
			v = all
		}
		merged[k] = v
	}
	body, err := json.Marshal(merged)
	if err != nil {
		return nil, nil, err
	}
	var o Session
	if err := DecodeBytes(body, &o); err != nil {
		return nil, nil, err
	}
	if fe := o.Validate(); len(fe) > 0 {
		return nil, nil, Invalid(fe)
	}
	return body, &o, nil
}

// getSession answers a session the partner sent, as we hold it.
func (s *Server) getSession(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	o, err := s.store.OCPIObject(ctx, c.partner.ID, fc.OCPIModuleSessions, r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("session_id"))
	if fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusNotFound, StatusClientError, "unknown session")
	}
	if err != nil {
		return err
	}
	WriteSuccess(w, http.StatusOK, o.Object)
	return nil
}
