package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// The Locations and Tariffs modules, both roles (OCPI 2.2.1, 8 and 11).
//
// As a CPO we publish the provider's stations in roaming charge groups:
// one Location per location of ours with coordinates and such stations,
// one EVSE per station connector (EVSEUID, EVSEID: the IDs its CDRs carry),
// and each roaming group's tariff. Partners GET them (sender interface),
// and we push them: the store queues a push of a location in the write of
// every change that touches what it publishes (a connector status, a
// connection, a station, group or location edit), built here when sent
// (buildLocation, buildTariff).
//
// As an eMSP we keep what CPO partners push of their locations and tariffs
// (receiver interface) in the received objects' store, as sent, after
// validating them against 2.2.1.

// Paths of our Locations and Tariffs endpoints, below BaseURL.
const (
	cpoLocationsPath  = "/ocpi/cpo/" + fc.OCPIVersion + "/locations"
	emspLocationsPath = "/ocpi/emsp/" + fc.OCPIVersion + "/locations"
	cpoTariffsPath    = "/ocpi/cpo/" + fc.OCPIVersion + "/tariffs"
	emspTariffsPath   = "/ocpi/emsp/" + fc.OCPIVersion + "/tariffs"
)

// Outbox keys of the pushes the store queues (store/ocpi_locations.go):
// "location:<id>", with the path "evse:<station>:<connector>" for the
// removal of an EVSE or "status:<station>:<connector>" for a PATCH of its
// status, and "tariff:<charge group id>".
const (
	locationKeyPrefix = "location:"
	tariffKeyPrefix   = "tariff:"
	evsePathPrefix    = "evse:"
	statusPathPrefix  = "status:"
)

// evseCapabilities are what every EVSE of ours does: cards at its reader,
// and the Commands module's remote start and stop, unlock and reservations
// (commands.go), which reach the station over OCPP.
var evseCapabilities = []string{"RFID_READER", "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE", "RESERVABLE"}

// initLocations adds the Locations and Tariffs routes, endpoints and
// push builders.
func (s *Server) initLocations() {
	s.module(ModuleLocations, RoleSender, cpoLocationsPath)
	s.module(ModuleLocations, RoleReceiver, emspLocationsPath)
	s.module(ModuleTariffs, RoleSender, cpoTariffsPath)
	s.module(ModuleTariffs, RoleReceiver, emspTariffsPath)
	s.builders[ModuleLocations] = s.buildLocation
	s.builders[ModuleTariffs] = s.buildTariff

	s.route("GET "+cpoLocationsPath, ModuleLocations, s.listLocations)
	for _, p := range []string{"/{location_id}", "/{location_id}/{evse_uid}", "/{location_id}/{evse_uid}/{connector_id}"} {
		s.route("GET "+cpoLocationsPath+p, ModuleLocations, s.getOurLocation)
		r := emspLocationsPath + "/{country_code}/{party_id}" + p
		s.route("GET "+r, ModuleLocations, s.getLocation)
		s.route("PUT "+r, ModuleLocations, s.putLocation)
		s.route("PATCH "+r, ModuleLocations, s.patchLocation)
	}
	s.route("GET "+cpoTariffsPath, ModuleTariffs, s.listTariffs)
	r := emspTariffsPath + "/{country_code}/{party_id}/{tariff_id}"
	s.route("GET "+r, ModuleTariffs, s.getTariff)
	s.route("PUT "+r, ModuleTariffs, s.putTariff)
	s.route("DELETE "+r, ModuleTariffs, s.deleteTariff)
}

// --- CPO: our locations ---

// evseStatus maps a connector's OCPP status to the status of its EVSE. A
// station offline is UNKNOWN whatever it last said.
func evseStatus(st *fc.Station, cp fc.ChargePoint) string {
	if st.Connection != fc.StationOnline {
		return "UNKNOWN"
	}
	switch cp.Status {
	case "Available":
		return "AVAILABLE"
	case "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Occupied":
		return "CHARGING"
	case "Reserved":
		return "RESERVED"
	case "Unavailable":
		return "INOPERATIVE"
	case "Faulted":
		return "OUTOFORDER"
	}
	return "UNKNOWN"
}

// Connector defaults, as the CDRs carry them: a Type 2 socket on three
// phases; 230 V per phase and 32 A unless the station and its location
// tell.
const (
	defaultStandard  = "IEC_62196_T2"
	defaultFormat    = "SOCKET"
	defaultPowerType = "AC_3_PHASE"
	defaultVoltage   = 230
	defaultAmperage  = 32
)

// cut shortens v to at most n characters.
func cut(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n])
}

// locationParty is what a published location takes of the provider: its
// OCPI identity and time zone.
type locationParty struct {
	us       Party
	timeZone string
}

func (s *Server) locationParty(ctx context.Context, providerID fc.ID) (locationParty, error) {
	p, err := s.store.Provider(ctx, providerID)
	if err != nil {
		return locationParty{}, err
	}
	tz := p.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return locationParty{us: Party{CountryCode: p.OCPICountryCode, PartyID: p.OCPIPartyID}, timeZone: tz}, nil
}

// ourLocation builds the OCPI Location of a published location; an error
// when it is not valid OCPI (a country without an alpha-3 code here).
func ourLocation(lp locationParty, rl *fc.RoamingLocation) (*Location, error) {
	l := &rl.Location
	publish := l.Kind != fc.LocationHome
	out := &Location{CountryCode: lp.us.CountryCode, PartyID: lp.us.PartyID, ID: l.ID.String(), Publish: &publish,
		Name: cut(l.Name, 255), Address: cut(orDash(l.Address), 45), City: cut(orDash(l.City), 45),
		PostalCode: cut(l.PostalCode, 10), Country: alpha3(l.Country),
		Coordinates: &GeoLocation{Latitude: l.Latitude, Longitude: l.Longitude},
		TimeZone:    lp.timeZone, LastUpdated: NewDateTime(rl.LastUpdated)}
	voltage := defaultVoltage
	if l.Voltage > 0 {
		voltage = l.Voltage
	}
	for i := range rl.Stations {
		rs := &rl.Stations[i]
		st := &rs.Station
		amperage := defaultAmperage
		var power *int
		if st.ConnectorMaxW > 0 {
			w := int(st.ConnectorMaxW)
			power = &w
			amperage = max(1, (w+3*voltage-1)/(3*voltage))
		}
		for _, cp := range st.ChargePoints {
			at := rs.LastUpdated
			if cp.StatusAt != nil && cp.StatusAt.After(at) {
				at = *cp.StatusAt
			}
			v, a := voltage, amperage
			out.EVSEs = append(out.EVSEs, EVSE{
				UID: EVSEUID(st.ID, cp.ConnectorID), EVSEID: EVSEID(lp.us, st.ID, cp.ConnectorID),
				Status: evseStatus(st, cp), Capabilities: evseCapabilities,
				Connectors: []Connector{{ID: strconv.Itoa(cp.ConnectorID), Standard: defaultStandard, Format: defaultFormat,
					PowerType: defaultPowerType, MaxVoltage: &v, MaxAmperage: &a, MaxElectricPower: power,
					TariffIDs: []string{st.ChargeGroupID.String()}, LastUpdated: NewDateTime(at)}},
				LastUpdated: NewDateTime(at),
			})
		}
	}
	if fe := out.Validate(); len(fe) > 0 {
		return nil, fc.Errorf(fc.EInvalid, "location %s is not valid OCPI: %s", l.ID, fe.Error())
	}
	return out, nil
}

// listLocations pages our published locations (the sender interface).
func (s *Server) listLocations(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	lp, err := s.locationParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	locs, total, err := s.store.RoamingLocations(ctx, c.partner.ProviderID, page.DateFrom, page.DateTo, page.Offset, page.Limit)
	if err != nil {
		return err
	}
	out := make([]Location, 0, len(locs))
	for i := range locs {
		l, err := ourLocation(lp, &locs[i])
		if err != nil {
			s.log.Warn("a roaming location is left out of the list", "location", locs[i].Location.ID, "err", err)
			continue
		}
		out = append(out, *l)
	}
	WritePage(w, s.selfURL(r), page, total, out)
	return nil
}

// errUnknownLocation answers a location we do not publish or hold.
var errUnknownLocation = Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown location")

// getOurLocation answers one published location, EVSE or connector.
func (s *Server) getOurLocation(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	id, err := fc.ParseID(r.PathValue("location_id"))
	if err != nil {
		return errUnknownLocation
	}
	lp, err := s.locationParty(ctx, c.partner.ProviderID)
	if err != nil {
		return err
	}
	rl, err := s.store.RoamingLocation(ctx, c.partner.ProviderID, id)
	if fc.IsCode(err, fc.ENotFound) {
		return errUnknownLocation
	}
	if err != nil {
		return err
	}
	l, err := ourLocation(lp, rl)
	if err != nil {
		return err
	}
	evseUID, connectorID := r.PathValue("evse_uid"), r.PathValue("connector_id")
	if evseUID == "" {
		WriteSuccess(w, http.StatusOK, l)
		return nil
	}
	i := slices.IndexFunc(l.EVSEs, func(e EVSE) bool { return e.UID == evseUID })
	if i < 0 {
		return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown EVSE")
	}
	if connectorID == "" {
		WriteSuccess(w, http.StatusOK, l.EVSEs[i])
		return nil
	}
	j := slices.IndexFunc(l.EVSEs[i].Connectors, func(cn Connector) bool { return cn.ID == connectorID })
	if j < 0 {
		return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown connector")
	}
	WriteSuccess(w, http.StatusOK, l.EVSEs[i].Connectors[j])
	return nil
}

// buildLocation builds a location's push: the whole location as it is
// now, or the removal of one of its EVSEs. A location no longer published
// sends nothing (its EVSEs were removed by their own messages); one that
// is not valid OCPI is skipped, logged: its next change queues it again.
func (s *Server) buildLocation(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage, base string) (string, string, any, error) {
	if !strings.HasPrefix(m.Key, locationKeyPrefix) {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no location", m.ID)
	}
	id, err := fc.ParseID(strings.TrimPrefix(m.Key, locationKeyPrefix))
	if err != nil {
		return "", "", nil, err
	}
	lp, err := s.locationParty(ctx, p.ProviderID)
	if err != nil {
		return "", "", nil, err
	}
	target := strings.TrimRight(base, "/") + "/" + lp.us.CountryCode + "/" + lp.us.PartyID + "/" + id.String()
	if m.Method == http.MethodPatch && strings.HasPrefix(m.Path, evsePathPrefix) {
		station, connector, ok := strings.Cut(strings.TrimPrefix(m.Path, evsePathPrefix), ":")
		stationID, err1 := fc.ParseID(station)
		n, err2 := strconv.Atoi(connector)
		if !ok || err1 != nil || err2 != nil {
			return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no EVSE", m.ID)
		}
		return http.MethodPatch, target + "/" + url.PathEscape(EVSEUID(stationID, n)),
			map[string]any{"status": "REMOVED", "last_updated": NewDateTime(s.now())}, nil
	}
	rl, err := s.store.RoamingLocation(ctx, p.ProviderID, id)
	if fc.IsCode(err, fc.ENotFound) {
		return "", "", nil, nil
	}
	if err != nil {
		return "", "", nil, err
	}
	l, err := ourLocation(lp, rl)
	if err != nil {
		s.log.Warn("a roaming location is not pushed", "partner", p.ID, "location", id, "err", err)
		return "", "", nil, nil
	}
	if m.Method == http.MethodPatch && strings.HasPrefix(m.Path, statusPathPrefix) {
		return evseStatusPatch(l, target, m)
	}
	return http.MethodPut, target, l, nil
}

// evseStatusPatch builds the PATCH of one EVSE's status, as the location l
// shows it now, from a message whose path names the station's connector
// ("status:<station>:<connector>"). An EVSE the location no longer
// publishes is not patched: its removal was queued with the change.
func evseStatusPatch(l *Location, target string, m fc.OCPIMessage) (string, string, any, error) {
	station, connector, ok := strings.Cut(strings.TrimPrefix(m.Path, statusPathPrefix), ":")
	stationID, err1 := fc.ParseID(station)
	n, err2 := strconv.Atoi(connector)
	if !ok || err1 != nil || err2 != nil {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no EVSE", m.ID)
	}
	uid := EVSEUID(stationID, n)
	for _, e := range l.EVSEs {
		if e.UID == uid {
			return http.MethodPatch, target + "/" + url.PathEscape(uid),
				map[string]any{"status": e.Status, "last_updated": e.LastUpdated}, nil
		}
	}
	return "", "", nil, nil
}

// --- eMSP: partners' locations ---

// object is a JSON object as received, its fields kept as sent.
type object map[string]json.RawMessage

// str reads the string under key, "" when it is none.
func (o object) str(key string) string {
	var v string
	_ = json.Unmarshal(o[key], &v)
	return v
}

// children reads the array of objects under key.
func (o object) children(key string) ([]object, error) {
	var out []object
	if raw, ok := o[key]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, Invalid(FieldErrors{{Path: key, Message: "must be an array of objects"}})
		}
	}
	return out, nil
}

// setChildren writes cs as the array under key.
func (o object) setChildren(key string, cs []object) error {
	b, err := json.Marshal(cs)
	o[key] = b
	return err
}

// find returns the index of the child whose field key is id, -1 if none.
func find(cs []object, key, id string) int {
	return slices.IndexFunc(cs, func(c object) bool { return c.str(key) == id })
}

// readObject reads a request's body as a JSON object, and the body.
func readObject(r *http.Request) (object, []byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var o object
	if err := DecodeBytes(raw, &o); err != nil {
		return nil, nil, err
	}
	if o == nil {
		return nil, nil, Invalid(FieldErrors{{Path: "(body)", Message: "must be a JSON object"}})
	}
	return o, raw, nil
}

// locationPath is what a receiver URL names.
type locationPath struct {
	countryCode, partyID, locationID, evseUID, connectorID string
}

func pathOf(r *http.Request) locationPath {
	return locationPath{r.PathValue("country_code"), r.PathValue("party_id"), r.PathValue("location_id"),
		r.PathValue("evse_uid"), r.PathValue("connector_id")}
}

// check refuses URL segments longer than 2.2.1 allows, and a party the
// partner does not speak for.
func (lp locationPath) check(c *caller) error {
	ch := newCheck()
	ch.ciString("country_code", lp.countryCode, 2, true)
	ch.ciString("party_id", lp.partyID, 3, true)
	ch.ciString("location_id", lp.locationID, 36, true)
	ch.ciString("evse_uid", lp.evseUID, 36, false)
	ch.ciString("connector_id", lp.connectorID, 36, false)
	if len(*ch.errs) > 0 {
		return Invalid(*ch.errs)
	}
	return c.checkParty(lp.countryCode, lp.partyID)
}

// checkLocationPath refuses a location whose identity is not the one its
// URL names.
func checkLocationPath(lp locationPath, l *Location) error {
	var fields FieldErrors
	if l.CountryCode != lp.countryCode {
		fields = append(fields, FieldError{Path: "country_code", Message: "must be the country code of the URL"})
	}
	if l.PartyID != lp.partyID {
		fields = append(fields, FieldError{Path: "party_id", Message: "must be the party ID of the URL"})
	}
	if l.ID != lp.locationID {
		fields = append(fields, FieldError{Path: "id", Message: "must be the location ID of the URL"})
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	return nil
}

// validLocation decodes a location object and validates it whole.
func validLocation(lp locationPath, o object) (*Location, []byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, nil, err
	}
	var l Location
	if err := DecodeBytes(b, &l); err != nil {
		return nil, nil, err
	}
	if fe := l.Validate(); len(fe) > 0 {
		return nil, nil, Invalid(fe)
	}
	if err := checkLocationPath(lp, &l); err != nil {
		return nil, nil, err
	}
	return &l, b, nil
}

// validPart decodes an EVSE or connector pushed alone and validates it.
func validPart(raw []byte, v Validator) error {
	if err := DecodeBytes(raw, v); err != nil {
		return err
	}
	if fe := v.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	return nil
}

// updateLocation applies fn to the partner's stored location in one
// write, then stores it if it is still a valid location.
func (s *Server) updateLocation(ctx context.Context, c *caller, lp locationPath, fn func(loc object) error) error {
	var refusal error
	_, err := s.store.UpdateOCPIObject(ctx, c.partner.ID, fc.OCPIModuleLocations, lp.countryCode, lp.partyID, lp.locationID,
		func(o *fc.OCPIObject) error {
			refusal = nil
			var loc object
			if err := json.Unmarshal(o.Object, &loc); err != nil {
				return err
			}
			if refusal = fn(loc); refusal != nil {
				return refusal
			}
			var l *Location
			var b []byte
			if l, b, refusal = validLocation(lp, loc); refusal != nil {
				return refusal
			}
			o.Object, o.LastUpdated = b, l.LastUpdated.Time
			return nil
		})
	switch {
	case refusal != nil:
		return refusal
	case fc.IsCode(err, fc.ENotFound):
		return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown location: PUT it first")
	}
	return storeError(err)
}

// putLocation stores a partner's location, or one EVSE or connector of a
// location it sent before; the parents take the part's last_updated.
func (s *Server) putLocation(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	lp := pathOf(r)
	if err := lp.check(c); err != nil {
		return err
	}
	part, raw, err := readObject(r)
	if err != nil {
		return err
	}
	switch {
	case lp.evseUID == "":
		l, b, err := validLocation(lp, part)
		if err != nil {
			return err
		}
		err = s.store.PutOCPIObject(ctx, fc.OCPIObject{PartnerID: c.partner.ID, Module: fc.OCPIModuleLocations,
			CountryCode: lp.countryCode, PartyID: lp.partyID, ObjectID: lp.locationID, LastUpdated: l.LastUpdated.Time, Object: b})
		if err != nil {
			return storeError(err)
		}
	case lp.connectorID == "":
		var e EVSE
		if err := validPart(raw, &e); err != nil {
			return err
		}
		if e.UID != lp.evseUID {
			return Invalid(FieldErrors{{Path: "uid", Message: "must be the EVSE UID of the URL"}})
		}
		err = s.updateLocation(ctx, c, lp, func(loc object) error {
			evses, err := loc.children("evses")
			if err != nil {
				return err
			}
			if i := find(evses, "uid", lp.evseUID); i >= 0 {
				evses[i] = part
			} else {
				evses = append(evses, part)
			}
			loc["last_updated"] = part["last_updated"]
			return loc.setChildren("evses", evses)
		})
	default:
		var cn Connector
		if err := validPart(raw, &cn); err != nil {
			return err
		}
		if cn.ID != lp.connectorID {
			return Invalid(FieldErrors{{Path: "id", Message: "must be the connector ID of the URL"}})
		}
		err = s.updateEVSE(ctx, c, lp, part["last_updated"], func(evse object) error {
			cs, err := evse.children("connectors")
			if err != nil {
				return err
			}
			if i := find(cs, "id", lp.connectorID); i >= 0 {
				cs[i] = part
			} else {
				cs = append(cs, part)
			}
			return evse.setChildren("connectors", cs)
		})
	}
	if err != nil {
		return err
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// updateEVSE applies fn to one EVSE of the partner's stored location and
// sets last_updated on it and on the location.
func (s *Server) updateEVSE(ctx context.Context, c *caller, lp locationPath, lastUpdated json.RawMessage, fn func(evse object) error) error {
	return s.updateLocation(ctx, c, lp, func(loc object) error {
		evses, err := loc.children("evses")
		if err != nil {
			return err
		}
		i := find(evses, "uid", lp.evseUID)
		if i < 0 {
			return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown EVSE: PUT it first")
		}
		if err := fn(evses[i]); err != nil {
			return err
		}
		evses[i]["last_updated"] = lastUpdated
		loc["last_updated"] = lastUpdated
		return loc.setChildren("evses", evses)
	})
}

// patchLocation changes some fields of a partner's location, EVSE or
// connector (2.2.1: fields absent are unchanged, last_updated required);
// the parents take the patch's last_updated, and the result must still be
// a valid location.
func (s *Server) patchLocation(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	lp := pathOf(r)
	if err := lp.check(c); err != nil {
		return err
	}
	patch, _, err := readObject(r)
	if err != nil {
		return err
	}
	if _, ok := patch["last_updated"]; !ok {
		return Invalid(FieldErrors{{Path: "last_updated", Message: "is required in a PATCH"}})
	}
	merge := func(o object) {
		for k, v := range patch {
			o[k] = v
		}
	}
	switch {
	case lp.evseUID == "":
		err = s.updateLocation(ctx, c, lp, func(loc object) error {
			merge(loc)
			return nil
		})
	case lp.connectorID == "":
		err = s.updateEVSE(ctx, c, lp, patch["last_updated"], func(evse object) error {
			merge(evse)
			return nil
		})
	default:
		err = s.updateEVSE(ctx, c, lp, patch["last_updated"], func(evse object) error {
			cs, err := evse.children("connectors")
			if err != nil {
				return err
			}
			i := find(cs, "id", lp.connectorID)
			if i < 0 {
				return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown connector: PUT it first")
			}
			merge(cs[i])
			return evse.setChildren("connectors", cs)
		})
	}
	if err != nil {
		return err
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// getLocation answers a partner's location, EVSE or connector as we hold
// it.
func (s *Server) getLocation(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	lp := pathOf(r)
	o, err := s.store.OCPIObject(ctx, c.partner.ID, fc.OCPIModuleLocations, lp.countryCode, lp.partyID, lp.locationID)
	if fc.IsCode(err, fc.ENotFound) {
		return errUnknownLocation
	}
	if err != nil {
		return err
	}
	if lp.evseUID == "" {
		WriteSuccess(w, http.StatusOK, o.Object)
		return nil
	}
	var loc object
	if err := json.Unmarshal(o.Object, &loc); err != nil {
		return err
	}
	evses, err := loc.children("evses")
	if err != nil {
		return errors.New("a stored location has invalid EVSEs")
	}
	i := find(evses, "uid", lp.evseUID)
	if i < 0 {
		return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown EVSE")
	}
	if lp.connectorID == "" {
		WriteSuccess(w, http.StatusOK, evses[i])
		return nil
	}
	cs, err := evses[i].children("connectors")
	if err != nil {
		return errors.New("a stored EVSE has invalid connectors")
	}
	j := find(cs, "id", lp.connectorID)
	if j < 0 {
		return Errorf(http.StatusNotFound, StatusUnknownLocation, "unknown connector")
	}
	WriteSuccess(w, http.StatusOK, cs[j])
	return nil
}
