package ocpi

import (
	"fmt"
	"regexp"
)

// The objects of the Locations module (OCPI 2.2.1, 8.3), with their
// validation.

// Location is a CPO's charging location (OCPI 2.2.1, locations module: Location object).
type Location struct {
	CountryCode        string                  `json:"country_code"`
	PartyID            string                  `json:"party_id"`
	ID                 string                  `json:"id"`
	Publish            *bool                   `json:"publish"`
	PublishAllowedTo   []PublishToken          `json:"publish_allowed_to,omitempty"`
	Name               string                  `json:"name,omitempty"`
	Address            string                  `json:"address"`
	City               string                  `json:"city"`
	PostalCode         string                  `json:"postal_code,omitempty"`
	State              string                  `json:"state,omitempty"`
	Country            string                  `json:"country"`
	Coordinates        *GeoLocation            `json:"coordinates"`
	RelatedLocations   []AdditionalGeoLocation `json:"related_locations,omitempty"`
	ParkingType        string                  `json:"parking_type,omitempty"`
	EVSEs              []EVSE                  `json:"evses,omitempty"`
	Directions         []DisplayText           `json:"directions,omitempty"`
	Operator           *BusinessDetails        `json:"operator,omitempty"`
	Suboperator        *BusinessDetails        `json:"suboperator,omitempty"`
	Owner              *BusinessDetails        `json:"owner,omitempty"`
	Facilities         []string                `json:"facilities,omitempty"`
	TimeZone           string                  `json:"time_zone"`
	OpeningTimes       *Hours                  `json:"opening_times,omitempty"`
	ChargingWhenClosed *bool                   `json:"charging_when_closed,omitempty"`
	Images             []Image                 `json:"images,omitempty"`
	EnergyMix          *EnergyMix              `json:"energy_mix,omitempty"`
	LastUpdated        DateTime                `json:"last_updated"`
}

// PublishToken names tokens a non-public location may be shown to (OCPI
// 2.2.1, locations module: PublishTokenType).
type PublishToken struct {
	UID          string `json:"uid,omitempty"`
	Type         string `json:"type,omitempty"`
	VisualNumber string `json:"visual_number,omitempty"`
	Issuer       string `json:"issuer,omitempty"`
	GroupID      string `json:"group_id,omitempty"`
}

// AdditionalGeoLocation is a point related to a location (OCPI 2.2.1,
// locations module: AdditionalGeoLocation).
type AdditionalGeoLocation struct {
	Latitude  string       `json:"latitude"`
	Longitude string       `json:"longitude"`
	Name      *DisplayText `json:"name,omitempty"`
}

// EVSE is what charges one vehicle at a time (OCPI 2.2.1, locations module: EVSE object).
type EVSE struct {
	UID                 string           `json:"uid"`
	EVSEID              string           `json:"evse_id,omitempty"`
	Status              string           `json:"status"`
	StatusSchedule      []StatusSchedule `json:"status_schedule,omitempty"`
	Capabilities        []string         `json:"capabilities,omitempty"`
	Connectors          []Connector      `json:"connectors"`
	FloorLevel          string           `json:"floor_level,omitempty"`
	Coordinates         *GeoLocation     `json:"coordinates,omitempty"`
	PhysicalReference   string           `json:"physical_reference,omitempty"`
	Directions          []DisplayText    `json:"directions,omitempty"`
	ParkingRestrictions []string         `json:"parking_restrictions,omitempty"`
	Images              []Image          `json:"images,omitempty"`
	LastUpdated         DateTime         `json:"last_updated"`
}

// StatusSchedule is a planned status of an EVSE (OCPI 2.2.1, locations module: StatusSchedule).
type StatusSchedule struct {
	PeriodBegin DateTime  `json:"period_begin"`
	PeriodEnd   *DateTime `json:"period_end,omitempty"`
	Status      string    `json:"status"`
}

// Connector is a socket or cable of an EVSE (OCPI 2.2.1, locations module: Connector object).
type Connector struct {
	ID                 string   `json:"id"`
	Standard           string   `json:"standard"`
	Format             string   `json:"format"`
	PowerType          string   `json:"power_type"`
	MaxVoltage         *int     `json:"max_voltage"`
	MaxAmperage        *int     `json:"max_amperage"`
	MaxElectricPower   *int     `json:"max_electric_power,omitempty"`
	TariffIDs          []string `json:"tariff_ids,omitempty"`
	TermsAndConditions string   `json:"terms_and_conditions,omitempty"`
	LastUpdated        DateTime `json:"last_updated"`
}

// Hours are the opening times of a location (OCPI 2.2.1, locations module: Hours).
type Hours struct {
	TwentyFourSeven     *bool               `json:"twentyfourseven"`
	RegularHours        []RegularHours      `json:"regular_hours,omitempty"`
	ExceptionalOpenings []ExceptionalPeriod `json:"exceptional_openings,omitempty"`
	ExceptionalClosings []ExceptionalPeriod `json:"exceptional_closings,omitempty"`
}

// RegularHours is one weekday's opening period (OCPI 2.2.1, locations module: RegularHours).
type RegularHours struct {
	Weekday     int    `json:"weekday"`
	PeriodBegin string `json:"period_begin"`
	PeriodEnd   string `json:"period_end"`
}

// ExceptionalPeriod is an exceptional opening or closing (OCPI 2.2.1, locations module: ExceptionalPeriod).
type ExceptionalPeriod struct {
	PeriodBegin DateTime `json:"period_begin"`
	PeriodEnd   DateTime `json:"period_end"`
}

// EnergyMix describes the energy supplied (OCPI 2.2.1, locations module: EnergyMix).
type EnergyMix struct {
	IsGreenEnergy     *bool           `json:"is_green_energy"`
	EnergySources     []EnergySource  `json:"energy_sources,omitempty"`
	EnvironImpact     []EnvironImpact `json:"environ_impact,omitempty"`
	SupplierName      string          `json:"supplier_name,omitempty"`
	EnergyProductName string          `json:"energy_product_name,omitempty"`
}

// EnergySource is one source's share of an energy mix (OCPI 2.2.1, locations module: EnergySource).
type EnergySource struct {
	Source     string   `json:"source"`
	Percentage *float64 `json:"percentage"`
}

// EnvironImpact is the waste of the energy supplied (OCPI 2.2.1, locations module: EnvironmentalImpact).
type EnvironImpact struct {
	Category string   `json:"category"`
	Amount   *float64 `json:"amount"`
}

// Enumerations of the Locations module (OCPI 2.2.1, 8.4).
var (
	evseStatuses = []string{"AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED", "RESERVED", "UNKNOWN"}
	capabilities = []string{"CHARGING_PROFILE_CAPABLE", "CHARGING_PREFERENCES_CAPABLE", "CHIP_CARD_SUPPORT", "CONTACTLESS_CARD_SUPPORT",
		"CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE", "PED_TERMINAL", "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "RFID_READER",
		"START_SESSION_CONNECTOR_REQUIRED", "TOKEN_GROUP_CAPABLE", "UNLOCK_CAPABLE"}
	parkingTypes        = []string{"ALONG_MOTORWAY", "PARKING_GARAGE", "PARKING_LOT", "ON_DRIVEWAY", "ON_STREET", "UNDERGROUND_GARAGE"}
	parkingRestrictions = []string{"EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES"}
	facilities          = []string{"HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "SPORT", "RECREATION_AREA", "NATURE", "MUSEUM",
		"BIKE_SHARING", "BUS_STOP", "TAXI_STAND", "TRAM_STOP", "METRO_STATION", "TRAIN_STATION", "AIRPORT", "PARKING_LOT",
		"CARPOOL_PARKING", "FUEL_STATION", "WIFI"}
	energySources      = []string{"NUCLEAR", "GENERAL_FOSSIL", "COAL", "GAS", "GENERAL_GREEN", "SOLAR", "WIND", "WATER"}
	environCategories  = []string{"NUCLEAR_WASTE", "CARBON_DIOXIDE"}
	hourMinutePattern  = regexp.MustCompile(`^([0-1][0-9]|2[0-3]):[0-5][0-9]$`)
	alpha3CountryRegex = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Validate checks a Location, its EVSEs and their connectors.
func (l *Location) Validate() FieldErrors {
	c := newCheck()
	l.check(c)
	sortErrors(*c.errs)
	return *c.errs
}

func (l *Location) check(c check) {
	c.ciString("country_code", l.CountryCode, 2, true)
	c.ciString("party_id", l.PartyID, 3, true)
	c.ciString("id", l.ID, 36, true)
	if l.Publish == nil {
		c.fail("publish", "required")
	} else if *l.Publish && len(l.PublishAllowedTo) > 0 {
		c.fail("publish_allowed_to", "may only be set when publish is false")
	}
	for i := range l.PublishAllowedTo {
		l.PublishAllowedTo[i].check(c.at("publish_allowed_to", i))
	}
	c.str("name", l.Name, 255, false)
	c.str("address", l.Address, 45, true)
	c.str("city", l.City, 45, true)
	c.str("postal_code", l.PostalCode, 10, false)
	c.str("state", l.State, 20, false)
	c.str("country", l.Country, 3, true)
	if l.Country != "" && !alpha3CountryRegex.MatchString(l.Country) {
		c.fail("country", "must be an ISO 3166-1 alpha-3 code")
	}
	if l.Coordinates == nil {
		c.fail("coordinates", "required")
	} else {
		l.Coordinates.check(c.in("coordinates"))
	}
	for i, r := range l.RelatedLocations {
		rc := c.at("related_locations", i)
		(&GeoLocation{Latitude: r.Latitude, Longitude: r.Longitude}).check(rc)
		if r.Name != nil {
			r.Name.check(rc.in("name"))
		}
	}
	c.oneOf("parking_type", l.ParkingType, false, parkingTypes)
	uids := map[string]bool{}
	for i := range l.EVSEs {
		l.EVSEs[i].check(c.at("evses", i))
		if uid := l.EVSEs[i].UID; uid != "" && uids[uid] {
			c.fail(fmt.Sprintf("evses[%d].uid", i), "must be unique within the location")
		} else {
			uids[uid] = true
		}
	}
	for i := range l.Directions {
		l.Directions[i].check(c.at("directions", i))
	}
	for name, b := range map[string]*BusinessDetails{"operator": l.Operator, "suboperator": l.Suboperator, "owner": l.Owner} {
		if b != nil {
			b.check(c.in(name))
		}
	}
	for i, f := range l.Facilities {
		c.oneOf(fmt.Sprintf("facilities[%d]", i), f, true, facilities)
	}
	c.str("time_zone", l.TimeZone, 255, true)
	if l.OpeningTimes != nil {
		l.OpeningTimes.check(c.in("opening_times"))
	}
	for i := range l.Images {
		l.Images[i].check(c.at("images", i))
	}
	if l.EnergyMix != nil {
		l.EnergyMix.check(c.in("energy_mix"))
	}
	c.dateTime("last_updated", l.LastUpdated, true)
}

func (p *PublishToken) check(c check) {
	c.ciString("uid", p.UID, 36, false)
	c.oneOf("type", p.Type, p.UID != "", tokenTypes)
	c.str("visual_number", p.VisualNumber, 64, false)
	c.str("issuer", p.Issuer, 64, p.VisualNumber != "")
	c.ciString("group_id", p.GroupID, 36, false)
	if p.UID == "" && p.VisualNumber == "" && p.GroupID == "" {
		c.fail("uid", "one of uid, visual_number or group_id is required")
	}
}

// Validate checks an EVSE and its connectors.
func (e *EVSE) Validate() FieldErrors {
	c := newCheck()
	e.check(c)
	sortErrors(*c.errs)
	return *c.errs
}

func (e *EVSE) check(c check) {
	c.ciString("uid", e.UID, 36, true)
	c.ciString("evse_id", e.EVSEID, 48, false)
	c.oneOf("status", e.Status, true, evseStatuses)
	for i, s := range e.StatusSchedule {
		sc := c.at("status_schedule", i)
		sc.dateTime("period_begin", s.PeriodBegin, true)
		if s.PeriodEnd != nil {
			sc.dateTime("period_end", *s.PeriodEnd, false)
		}
		sc.oneOf("status", s.Status, true, evseStatuses)
	}
	for i, v := range e.Capabilities {
		c.oneOf(fmt.Sprintf("capabilities[%d]", i), v, true, capabilities)
	}
	if len(e.Connectors) == 0 {
		c.fail("connectors", "at least one connector is required")
	}
	seen := map[string]bool{}
	for i := range e.Connectors {
		e.Connectors[i].check(c.at("connectors", i))
		if id := e.Connectors[i].ID; id != "" && seen[id] {
			c.fail(fmt.Sprintf("connectors[%d].id", i), "must be unique within the EVSE")
		} else {
			seen[id] = true
		}
	}
	c.str("floor_level", e.FloorLevel, 4, false)
	if e.Coordinates != nil {
		e.Coordinates.check(c.in("coordinates"))
	}
	c.str("physical_reference", e.PhysicalReference, 16, false)
	for i := range e.Directions {
		e.Directions[i].check(c.at("directions", i))
	}
	for i, v := range e.ParkingRestrictions {
		c.oneOf(fmt.Sprintf("parking_restrictions[%d]", i), v, true, parkingRestrictions)
	}
	for i := range e.Images {
		e.Images[i].check(c.at("images", i))
	}
	c.dateTime("last_updated", e.LastUpdated, true)
}

// Validate checks a Connector.
func (cn *Connector) Validate() FieldErrors {
	c := newCheck()
	cn.check(c)
	sortErrors(*c.errs)
	return *c.errs
}

func (cn *Connector) check(c check) {
	c.ciString("id", cn.ID, 36, true)
	c.oneOf("standard", cn.Standard, true, connectorTypes)
	c.oneOf("format", cn.Format, true, connectorFormats)
	c.oneOf("power_type", cn.PowerType, true, powerTypes)
	for _, f := range []struct {
		name     string
		v        *int
		required bool
	}{{"max_voltage", cn.MaxVoltage, true}, {"max_amperage", cn.MaxAmperage, true}, {"max_electric_power", cn.MaxElectricPower, false}} {
		switch {
		case f.v == nil && f.required:
			c.fail(f.name, "required")
		case f.v != nil && *f.v < 0:
			c.fail(f.name, "must not be negative")
		}
	}
	for i, id := range cn.TariffIDs {
		c.ciString(fmt.Sprintf("tariff_ids[%d]", i), id, 36, true)
	}
	c.url("terms_and_conditions", cn.TermsAndConditions, false)
	c.dateTime("last_updated", cn.LastUpdated, true)
}

func (h *Hours) check(c check) {
	if h.TwentyFourSeven == nil {
		c.fail("twentyfourseven", "required")
	} else if !*h.TwentyFourSeven && len(h.RegularHours) == 0 {
		c.fail("regular_hours", "at least one period is required when twentyfourseven is false")
	}
	for i, r := range h.RegularHours {
		rc := c.at("regular_hours", i)
		if r.Weekday < 1 || r.Weekday > 7 {
			rc.fail("weekday", "must be between 1 (Monday) and 7 (Sunday)")
		}
		for _, p := range []struct{ name, v string }{{"period_begin", r.PeriodBegin}, {"period_end", r.PeriodEnd}} {
			if !hourMinutePattern.MatchString(p.v) {
				rc.fail(p.name, "must be a time of day as HH:MM")
			}
		}
	}
	for name, ps := range map[string][]ExceptionalPeriod{"exceptional_openings": h.ExceptionalOpenings, "exceptional_closings": h.ExceptionalClosings} {
		for i, p := range ps {
			pc := c.at(name, i)
			pc.dateTime("period_begin", p.PeriodBegin, true)
			pc.dateTime("period_end", p.PeriodEnd, true)
		}
	}
}

func (m *EnergyMix) check(c check) {
	if m.IsGreenEnergy == nil {
		c.fail("is_green_energy", "required")
	}
	for i, s := range m.EnergySources {
		sc := c.at("energy_sources", i)
		sc.oneOf("source", s.Source, true, energySources)
		sc.number("percentage", s.Percentage, true, 0, 100)
	}
	for i, e := range m.EnvironImpact {
		ec := c.at("environ_impact", i)
		ec.oneOf("category", e.Category, true, environCategories)
		ec.number("amount", e.Amount, true, 0, 0)
	}
	c.str("supplier_name", m.SupplierName, 64, false)
	c.str("energy_product_name", m.EnergyProductName, 64, false)
}
