package fleetcharge

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// RoamingSession is a session charged at one of the provider's roaming
// stations with a partner's token, as the OCPI Sessions module (the CPO
// role) publishes it to that partner.
type RoamingSession struct {
	Session Session
	// Token is the partner's token that charged it: the one authorized
	// for it (Authorization), else the partner's valid one with the
	// session's idTag first.
	Token OCPIToken
	// Authorization is how the token was authorized for the session, when
	// it was by the eMSP (real time or a command); nil when it was admitted
	// by its whitelist.
	Authorization *OCPIAuthorization
	// LastMeterWh is the latest energy register reading, at LastMeterAt;
	// nil before the first.
	LastMeterWh *int64
	LastMeterAt time.Time
	// Tariff is the tariff of the station's charge group now: the cost so
	// far of a running session (a stopped one has its own).
	Tariff Tariff
	// LastUpdated is the latest change of the session: its start, its
	// latest meter reading, or its stop.
	LastUpdated time.Time
}

// Methods of an OCPIAuthorization (OCPI 2.2.1 AuthMethod).
const (
	OCPIAuthRequest = "AUTH_REQUEST" // the eMSP answered a real-time authorization
	OCPIAuthCommand = "COMMAND"      // the eMSP sent a START_SESSION or RESERVE_NOW
)

// OCPIAuthorization is an eMSP's authorization of one of its tokens at one
// of our stations: the answer to a real-time authorization, or a command
// for the token. The session that follows there with the token's UID
// (within CommandGrace, before any other session of the UID there) is the
// token's, and its Session and CDR carry Method and Reference.
type OCPIAuthorization struct {
	PartnerID   ID
	StationID   ID
	CountryCode string
	PartyID     string
	UID         string
	Type        string
	Method      string // OCPIAuthRequest or OCPIAuthCommand
	// Reference is the eMSP's authorization_reference, "" when it gave none.
	Reference string
	CreatedAt time.Time
}

// OCPIAuthorizationWindow is how long before a session an authorization
// of its token at its station counts as the session's: OCPI 2.2.1's 15
// minutes after a command (13.3.5), also ample between an OCPP Authorize
// and the transaction's start.
const OCPIAuthorizationWindow = 15 * time.Minute

// OCPISessionStore is what the OCPI Sessions module reads (the CPO role).
// A session charged with a partner's token at a roaming station queues its
// push to that partner in the write that starts it, keeps a meter reading
// of it or stops it (outbox key "session:" + the session's ID, no body: the
// Session object is built when sent); a partner's Session objects of our
// cards are OCPIObjects of module OCPIModuleSessions.
type OCPISessionStore interface {
	// RoamingSession reads a session of the partner's provider charged
	// with one of the partner's tokens; not found when there is none.
	RoamingSession(ctx context.Context, partnerID, sessionID ID) (*RoamingSession, error)
	// RecordOCPIAuthorization keeps an eMSP's authorization of its token
	// at a station of the partner's provider.
	RecordOCPIAuthorization(ctx context.Context, a OCPIAuthorization) error
	// RoamingSessions lists a page of the sessions charged with the
	// partner's tokens at the provider's roaming stations, last updated in
	// [from, to) (a zero bound is open), oldest change first, with the
	// count of all that match.
	RoamingSessions(ctx context.Context, providerID, partnerID ID, from, to time.Time, offset, limit int) ([]RoamingSession, int, error)
	// PartnerSessions lists a page of the Session objects CPO partners
	// pushed of the provider's cards (the eMSP role), latest change first,
	// only those still running when running is set, with the count of all
	// that match. PartnerSessionOf reads each.
	PartnerSessions(ctx context.Context, providerID ID, running bool, offset, limit int) ([]OCPIObject, int, error)
}

// PartnerSession is what a CPO partner's Session object of one of our
// cards says (the eMSP role), read from the object as it was pushed
// (PartnerSessionOf): enough to show a driver's running sessions on other
// networks.
type PartnerSession struct {
	PartnerID   ID
	CountryCode string // the CPO's
	PartyID     string
	ID          string // the CPO's session ID
	CardUID     string // the token's UID: our card's internal ID
	Status      string // PENDING, ACTIVE, RESERVATION, COMPLETED or INVALID
	Kwh         float64
	StartedAt   time.Time
	EndedAt     *time.Time
	LocationID  string // the CPO's location ID (its OCPI location object, if it publishes it)
	EVSEUID     string
	ConnectorID string
	Currency    string
	// CostExclVAT is the cost so far, without VAT, in Currency; nil when
	// the CPO gives none.
	CostExclVAT *float64
	LastUpdated time.Time
}

// Running reports whether the session has not ended (PENDING, ACTIVE or
// RESERVATION).
func (s *PartnerSession) Running() bool {
	return s.Status == "PENDING" || s.Status == "ACTIVE" || s.Status == "RESERVATION"
}

// PartnerSessionOf reads a partner's Session object (module
// OCPIModuleSessions), which the OCPI edge validated when it came.
func PartnerSessionOf(o OCPIObject) (*PartnerSession, error) {
	if o.Module != OCPIModuleSessions {
		return nil, Errorf(EInvalid, "a %s object is not a session", o.Module)
	}
	var v struct {
		Kwh           float64 `json:"kwh"`
		StartDateTime string  `json:"start_date_time"`
		EndDateTime   string  `json:"end_date_time"`
		CdrToken      struct {
			UID string `json:"uid"`
		} `json:"cdr_token"`
		LocationID  string `json:"location_id"`
		EVSEUID     string `json:"evse_uid"`
		ConnectorID string `json:"connector_id"`
		Currency    string `json:"currency"`
		TotalCost   *struct {
			ExclVAT float64 `json:"excl_vat"`
		} `json:"total_cost"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(o.Object, &v); err != nil {
		return nil, Errorf(EInvalid, "session %s of partner %s: %v", o.ObjectID, o.PartnerID, err)
	}
	start, err := ocpiTime(v.StartDateTime)
	if err != nil {
		return nil, Errorf(EInvalid, "session %s of partner %s: start_date_time: %v", o.ObjectID, o.PartnerID, err)
	}
	s := &PartnerSession{PartnerID: o.PartnerID, CountryCode: o.CountryCode, PartyID: o.PartyID, ID: o.ObjectID,
		CardUID: v.CdrToken.UID, Status: v.Status, Kwh: v.Kwh, StartedAt: start, LocationID: v.LocationID,
		EVSEUID: v.EVSEUID, ConnectorID: v.ConnectorID, Currency: v.Currency, LastUpdated: o.LastUpdated}
	if v.EndDateTime != "" {
		end, err := ocpiTime(v.EndDateTime)
		if err != nil {
			return nil, Errorf(EInvalid, "session %s of partner %s: end_date_time: %v", o.ObjectID, o.PartnerID, err)
		}
		s.EndedAt = &end
	}
	if v.TotalCost != nil {
		s.CostExclVAT = &v.TotalCost.ExclVAT
	}
	return s, nil
}

// ocpiTime parses an OCPI DateTime: UTC, with or without the Z.
func ocpiTime(v string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", strings.TrimSuffix(v, "Z"), time.UTC)
}
