package ocpi

import (
	"context"
	"io"
	"math"
	"net/http"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// The CDRs module (OCPI 2.2.1, 10), eMSP side: a partner's CDR of a session
// charged with one of our cards becomes a card-side session of the card's
// account, once; a credit CDR becomes a session that gives the credited
// one's cost back.

// cdrParty is the external_party of the session a CDR becomes, whose
// external_ref is the CDR's id: its CPO's country code and party ID
// ("NL*CPO"). A CDR's id is unique per CPO party only, so two partners may
// use the same.
func cdrParty(countryCode, partyID string) string {
	return countryCode + "*" + partyID
}

// creditReason is the stop reason of a session that credits the session
// of the same party with the external_ref that follows it; the store
// checks the pair.
const creditReason = "Credit of "

// cdrSession turns a CDR into the session we keep: at a public location
// of the partner, with its energy, times and cost (the CDR's total cost
// without VAT, in minor units; VAT is the invoice's). A credit CDR's
// session has the credit's negative cost and no energy, so that the pair
// counts the energy once and nets to nothing in every sum of cost; it
// names the credited session in its stop reason.
func cdrSession(providerID fc.ID, card *fc.Card, d *CDR) *fc.Session {
	end := d.EndDateTime.Time
	name := d.CdrLocation.Name
	if name == "" {
		name = strings.TrimSpace(d.CdrLocation.Address + ", " + d.CdrLocation.City)
	}
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "") // not in the middle of a character
	}
	var wh int64
	if d.TotalEnergy != nil {
		wh = int64(math.Round(*d.TotalEnergy * 1000))
	}
	var cost int64
	if d.TotalCost != nil {
		cost = int64(math.Round(d.TotalCost.ExclVAT * 100))
	}
	s := &fc.Session{ProviderID: providerID, ExternalParty: cdrParty(d.CountryCode, d.PartyID), ExternalRef: d.ID, CardID: card.ID,
		StartedAt: d.StartDateTime.Time, StoppedAt: &end, EnergyWh: wh, CostMinor: cost, Currency: d.Currency,
		LocationKind: fc.LocationPublic, LocationName: name}
	if d.Credit != nil && *d.Credit {
		s.EnergyWh = 0
		s.StopReason = creditReason + d.CreditReferenceID
	}
	return s
}

// postCDR keeps a partner's CDR of one of our cards as a session. A CDR
// sent again with the same content is acknowledged without a second
// session, also when both arrive at once; one with other content is
// refused (a CDR never changes: a correction is a credit CDR of its own).
// A credit CDR of a CDR we do not hold, or of one credited already, is
// refused.
func (s *Server) postCDR(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var d CDR
	if err := DecodeBytes(raw, &d); err != nil {
		return err
	}
	fe := d.Validate()
	if d.Credit != nil && *d.Credit && d.TotalCost != nil && d.TotalCost.ExclVAT > 0 {
		// A credit we keep gives money back: its cost is the negative of
		// the original's (Credit CDRs).
		fe = append(fe, FieldError{Path: "total_cost", Message: "must not be positive in a credit CDR"})
	}
	if len(fe) > 0 {
		return Invalid(fe)
	}
	if err := c.checkParty(d.CountryCode, d.PartyID); err != nil {
		return err
	}
	us, _, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	if d.CdrToken.CountryCode != us.CountryCode || d.CdrToken.PartyID != us.PartyID {
		return Errorf(http.StatusOK, StatusUnknownToken, "the CDR's token is not ours (%s %s)", us.CountryCode, us.PartyID)
	}
	card, err := s.store.OCPICard(ctx, c.partner.ProviderID, d.CdrToken.UID)
	if fc.IsCode(err, fc.ENotFound) {
		return Errorf(http.StatusOK, StatusUnknownToken, "unknown token %q", d.CdrToken.UID)
	}
	if err != nil {
		return err
	}
	created, err := s.store.ImportSession(ctx, cdrSession(c.partner.ProviderID, card, &d))
	if err != nil {
		return storeError(err)
	}
	w.Header().Set("Location", s.cfg.BaseURL+emspCDRsPath+"/"+d.ID)
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	WriteSuccess(w, status, nil)
	return nil
}

// sessionFinder finds a session by its external_ref; the store has it,
// the domain's interface not (yet).
type sessionFinder interface {
	SessionByExternalRef(ctx context.Context, providerID fc.ID, party, ref string) (*fc.Session, error)
}

// getCDR answers a CDR the partner sent us (the receiver's GET, with
// which a CPO checks that a CDR arrived), rebuilt from the session it
// became: its identity, times, token, currency, energy and cost as
// received. What the session does not keep is left out or "-": the
// location's address, coordinates and EVSE, the charging periods beyond
// one of the total energy, the tariffs and the signed data.
func (s *Server) getCDR(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	finder, ok := s.store.(sessionFinder)
	if !ok {
		return Errorf(http.StatusNotFound, StatusClientError, "CDRs are kept as sessions, which this store cannot look up")
	}
	id := r.PathValue("id")
	us, _, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	for _, role := range c.partner.Roles {
		if role.Role != fc.OCPIRoleCPO {
			continue
		}
		sess, err := finder.SessionByExternalRef(ctx, c.partner.ProviderID, cdrParty(role.CountryCode, role.PartyID), id)
		if fc.IsCode(err, fc.ENotFound) {
			continue
		}
		if err != nil {
			return err
		}
		WriteSuccess(w, http.StatusOK, sessionAsCDR(us, role, id, sess))
		return nil
	}
	return Errorf(http.StatusNotFound, StatusClientError, "no CDR %q of this partner reached us", id)
}

// sessionAsCDR rebuilds the CDR id of the CPO party that became sess.
func sessionAsCDR(us Party, cpo fc.OCPIRole, id string, sess *fc.Session) *CDR {
	start := sess.StartedAt.UTC()
	end := start
	if sess.StoppedAt != nil {
		end = sess.StoppedAt.UTC()
	}
	kwh := float64(sess.EnergyWh) / 1000
	hours := end.Sub(start).Hours()
	d := &CDR{CountryCode: cpo.CountryCode, PartyID: cpo.PartyID, ID: id,
		StartDateTime: NewDateTime(start), EndDateTime: NewDateTime(end),
		CdrToken:   &CdrToken{CountryCode: us.CountryCode, PartyID: us.PartyID, UID: sess.IDTag, Type: "RFID", ContractID: ContractID(us, sess.IDTag)},
		AuthMethod: "WHITELIST",
		CdrLocation: &CdrLocation{ID: "-", Name: sess.LocationName, Address: "-", City: "-", Country: "-", EVSEUID: "-", EVSEID: "-",
			ConnectorID: "-", ConnectorStandard: "-", ConnectorFormat: "-", ConnectorPowerType: "-"},
		Currency:        sess.Currency,
		ChargingPeriods: []ChargingPeriod{{StartDateTime: NewDateTime(start), Dimensions: []CdrDimension{{Type: "ENERGY", Volume: &kwh}}}},
		TotalCost:       &Price{ExclVAT: float64(sess.CostMinor) / 100},
		TotalEnergy:     &kwh,
		TotalTime:       &hours,
		LastUpdated:     NewDateTime(sess.CreatedAt.UTC()),
	}
	if ref, ok := strings.CutPrefix(sess.StopReason, creditReason); ok {
		credit := true
		d.Credit = &credit
		d.CreditReferenceID = ref
	}
	return d
}
