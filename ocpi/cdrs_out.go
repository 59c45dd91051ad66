package ocpi

import (
	"context"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The CDRs module, CPO side: a session charged at one of our roaming
// stations with a partner's token ends with a CDR for that partner, queued
// in the stop's write (store: queueCDR) and built here when sent.

// cdrKeyPrefix starts the outbox key of a session's CDR.
const cdrKeyPrefix = "cdr:"

// EVSEID is the EVSE ID of a station's connector under the provider's
// identity (eMI3: country code, party ID, "E", then the station and the
// connector).
func EVSEID(us Party, stationID fc.ID, connector int) string {
	return us.CountryCode + "*" + us.PartyID + "*E" + stationID.String() + "*" + strconv.Itoa(connector)
}

// EVSEUID is our own ID of a station's connector as an EVSE.
func EVSEUID(stationID fc.ID, connector int) string {
	return stationID.String() + "-" + strconv.Itoa(connector)
}

// sessionCDR builds the CDR of a stopped session for the partner whose
// token charged it, naming that partner's token (the one it authorized,
// of its party) and its authorization. The cost is the session's, under
// its charge group's tariff, without VAT.
func (s *Server) sessionCDR(ctx context.Context, p *fc.OCPIPartner, sessionID fc.ID) (*CDR, error) {
	all := fc.Reach{All: true}
	rs, err := s.store.RoamingSession(ctx, p.ID, sessionID)
	if err != nil {
		return nil, err
	}
	sess, tok := &rs.Session, &rs.Token
	if sess.StoppedAt == nil {
		return nil, fc.Errorf(fc.EConflict, "session %s has not stopped", sessionID)
	}
	st, err := s.store.Station(ctx, fc.StationScope{ProviderID: p.ProviderID, Reach: all}, sess.StationID)
	if err != nil {
		return nil, err
	}
	loc, err := s.store.Location(ctx, fc.ProviderScope(p.ProviderID), st.LocationID)
	if err != nil {
		return nil, err
	}
	us, _, err := s.ourParty(ctx, p.ProviderID)
	if err != nil {
		return nil, err
	}
	start, end := sess.StartedAt.UTC(), sess.StoppedAt.UTC()
	kwh := float64(sess.EnergyWh) / 1000
	hours := end.Sub(start).Hours()
	cost := float64(sess.CostMinor) / 100
	id := sessionID.String()
	d := &CDR{
		CountryCode: us.CountryCode, PartyID: us.PartyID, ID: id,
		StartDateTime: NewDateTime(start), EndDateTime: NewDateTime(end), SessionID: id,
		CdrToken:   &CdrToken{CountryCode: tok.CountryCode, PartyID: tok.PartyID, UID: tok.UID, Type: tok.Type, ContractID: tok.ContractID},
		AuthMethod: authMethod(rs.Authorization), AuthorizationReference: authReference(rs.Authorization),
		CdrLocation: &CdrLocation{ID: loc.ID.String(), Name: loc.Name, Address: orDash(loc.Address), City: orDash(loc.City),
			PostalCode: loc.PostalCode, Country: alpha3(loc.Country),
			Coordinates: &GeoLocation{Latitude: loc.Latitude, Longitude: loc.Longitude},
			EVSEUID:     EVSEUID(st.ID, sess.ConnectorID), EVSEID: EVSEID(us, st.ID, sess.ConnectorID),
			ConnectorID: strconv.Itoa(sess.ConnectorID), ConnectorStandard: "IEC_62196_T2", ConnectorFormat: "SOCKET",
			ConnectorPowerType: "AC_3_PHASE"},
		Currency:        sess.Currency,
		ChargingPeriods: []ChargingPeriod{{StartDateTime: NewDateTime(start), Dimensions: []CdrDimension{{Type: "ENERGY", Volume: &kwh}}}},
		TotalCost:       &Price{ExclVAT: cost},
		TotalEnergy:     &kwh,
		TotalTime:       &hours,
		LastUpdated:     NewDateTime(s.now().UTC().Truncate(time.Second)),
	}
	if fe := d.Validate(); len(fe) > 0 {
		return nil, fc.Errorf(fc.EInvalid, "the CDR of session %s is not valid OCPI: %s", sessionID, fe.Error())
	}
	return d, nil
}

func orDash(v string) string {
	if strings.TrimSpace(v) == "" {
		return "-"
	}
	return v
}
