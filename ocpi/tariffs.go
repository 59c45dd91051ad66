package ocpi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// The Tariffs module (OCPI 2.2.1, 11): as a CPO, each roaming charge
// group's tariff, under the group's ID (the tariff_ids of its
// connectors); as an eMSP, the tariffs CPO partners push.

// ourTariff is a charge group's tariff as OCPI writes it, without VAT as
// fleetcharge's prices are: the price per kWh as ENERGY, the price per
// minute of the session, charging or not, as TIME and PARKING_TIME per
// hour (PARKING_TIME adding the idle fee), the start fee as FLAT, each
// billed to the unit (1 Wh, 1 s); a free tariff is a FLAT price of 0.
// Time-of-day bands are ENERGY elements restricted by start_time and
// end_time, before the element of the base prices; the minimum and
// maximum are min_price and max_price.
func ourTariff(us Party, g *fc.ChargeGroup) *TariffObject {
	var pcs []PriceComponent
	add := func(dimension string, micros int64) {
		price, step := float64(micros)/1e6, 1
		pcs = append(pcs, PriceComponent{Type: dimension, Price: &price, StepSize: &step})
	}
	t := g.Tariff
	if t.StartFeeMicros > 0 {
		add("FLAT", t.StartFeeMicros)
	}
	if t.PerKWhMicros > 0 {
		add("ENERGY", t.PerKWhMicros)
	}
	if t.PerMinuteMicros > 0 {
		add("TIME", t.PerMinuteMicros*60)
	}
	if parking := t.PerMinuteMicros + t.IdleFeePerMinuteMicros; parking > 0 {
		add("PARKING_TIME", parking*60)
	}
	if len(pcs) == 0 {
		add("FLAT", 0)
	}
	// A version that took effect after the group's last edit was pushed
	// when it did: it was last updated then.
	updated := g.UpdatedAt
	if t.ValidFrom.After(updated) {
		updated = t.ValidFrom
	}
	o := &TariffObject{CountryCode: us.CountryCode, PartyID: us.PartyID, ID: g.ID.String(), Currency: t.Currency,
		LastUpdated: NewDateTime(updated)}
	// Time-of-day energy prices come first: for ENERGY a partner applies
	// the first element whose restrictions hold (an end_time before the
	// start_time wraps past midnight), the last one outside every band.
	for _, b := range t.Bands {
		price, step := float64(b.PerKWhMicros)/1e6, 1
		o.Elements = append(o.Elements, TariffElement{PriceComponents: []PriceComponent{{Type: "ENERGY", Price: &price, StepSize: &step}},
			Restrictions: &TariffRestrictions{StartTime: ocpiClock(b.FromMinute), EndTime: ocpiClock(b.ToMinute)}})
	}
	o.Elements = append(o.Elements, TariffElement{PriceComponents: pcs})
	if t.IdleFeePerMinuteMicros > 0 && t.IdleGraceMinutes > 0 {
		// OCPI cannot say that parking time is free for a while.
		o.TariffAltText = []DisplayText{{Language: "en", Text: fmt.Sprintf("The idle fee (in PARKING_TIME) starts %d minutes after charging ends.", t.IdleGraceMinutes)}}
	}
	if t.MinPriceMicros > 0 {
		o.MinPrice = &Price{ExclVAT: float64(t.MinPriceMicros) / 1e6}
	}
	if t.MaxPriceMicros > 0 {
		o.MaxPrice = &Price{ExclVAT: float64(t.MaxPriceMicros) / 1e6}
	}
	return o
}

// ocpiClock writes minutes after midnight as OCPI's HH:MM (24:00 is 00:00).
func ocpiClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60%24, m%60) }

// listTariffs pages our roaming groups' tariffs (the sender interface).
func (s *Server) listTariffs(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	us, _, err := s.ourParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	groups, total, err := s.store.RoamingGroups(ctx, c.partner.ProviderID, page.DateFrom, page.DateTo, page.Offset, page.Limit)
	if err != nil {
		return err
	}
	out := make([]TariffObject, len(groups))
	for i := range groups {
		out[i] = *ourTariff(us, &groups[i])
	}
	WritePage(w, s.selfURL(r), page, total, out)
	return nil
}

// buildTariff builds a group's tariff push: a PUT of the tariff while the
// group roams, a DELETE once it no longer does or is gone.
func (s *Server) buildTariff(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage, base string) (string, string, any, error) {
	if !strings.HasPrefix(m.Key, tariffKeyPrefix) {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no tariff", m.ID)
	}
	id, err := fc.ParseID(strings.TrimPrefix(m.Key, tariffKeyPrefix))
	if err != nil {
		return "", "", nil, err
	}
	us, _, err := s.ourParty(ctx, p.ProviderID)
	if err != nil {
		return "", "", nil, err
	}
	target := strings.TrimRight(base, "/") + "/" + us.CountryCode + "/" + us.PartyID + "/" + id.String()
	g, err := s.store.ChargeGroup(ctx, fc.ProviderScope(p.ProviderID), id)
	if fc.IsCode(err, fc.ENotFound) || (err == nil && !g.Roaming) {
		return http.MethodDelete, target, nil, nil
	}
	if err != nil {
		return "", "", nil, err
	}
	t := ourTariff(us, g)
	if fe := t.Validate(); len(fe) > 0 {
		s.log.Warn("a roaming tariff is not pushed", "partner", p.ID, "group", id, "err", fe.Error())
		return "", "", nil, nil
	}
	return http.MethodPut, target, t, nil
}

// tariffPath is what a tariffs receiver URL names, checked.
func tariffPath(c *caller, r *http.Request) (cc, pid, id string, err error) {
	cc, pid, id = r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("tariff_id")
	ch := newCheck()
	ch.ciString("country_code", cc, 2, true)
	ch.ciString("party_id", pid, 3, true)
	ch.ciString("tariff_id", id, 36, true)
	if len(*ch.errs) > 0 {
		return "", "", "", Invalid(*ch.errs)
	}
	return cc, pid, id, c.checkParty(cc, pid)
}

// putTariff stores a partner's tariff, new or replacing the one it had.
func (s *Server) putTariff(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	cc, pid, id, err := tariffPath(c, r)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var t TariffObject
	if err := validPart(raw, &t); err != nil {
		return err
	}
	var fields FieldErrors
	if t.CountryCode != cc {
		fields = append(fields, FieldError{Path: "country_code", Message: "must be the country code of the URL"})
	}
	if t.PartyID != pid {
		fields = append(fields, FieldError{Path: "party_id", Message: "must be the party ID of the URL"})
	}
	if t.ID != id {
		fields = append(fields, FieldError{Path: "id", Message: "must be the tariff ID of the URL"})
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	err = s.store.PutOCPIObject(ctx, fc.OCPIObject{PartnerID: c.partner.ID, Module: fc.OCPIModuleTariffs,
		CountryCode: cc, PartyID: pid, ObjectID: id, LastUpdated: t.LastUpdated.Time, Object: raw})
	if err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// deleteTariff removes a partner's tariff.
func (s *Server) deleteTariff(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	cc, pid, id, err := tariffPath(c, r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteOCPIObject(ctx, c.partner.ID, fc.OCPIModuleTariffs, cc, pid, id); err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// getTariff answers a partner's tariff as we hold it.
func (s *Server) getTariff(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	o, err := s.store.OCPIObject(ctx, c.partner.ID, fc.OCPIModuleTariffs, r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("tariff_id"))
	if err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, o.Object)
	return nil
}
