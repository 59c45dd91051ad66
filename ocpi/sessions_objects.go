package ocpi

// The objects of the Sessions module (OCPI 2.2.1, 9) and their validation.

// Session is one charging session as it stands now (OCPI 2.2.1, sessions
// module: Session object). kwh is a pointer so that a missing one is told
// from 0.
type Session struct {
	CountryCode            string           `json:"country_code"`
	PartyID                string           `json:"party_id"`
	ID                     string           `json:"id"`
	StartDateTime          DateTime         `json:"start_date_time"`
	EndDateTime            *DateTime        `json:"end_date_time,omitempty"`
	Kwh                    *float64         `json:"kwh"`
	CdrToken               *CdrToken        `json:"cdr_token"`
	AuthMethod             string           `json:"auth_method"`
	AuthorizationReference string           `json:"authorization_reference,omitempty"`
	LocationID             string           `json:"location_id"`
	EVSEUID                string           `json:"evse_uid"`
	ConnectorID            string           `json:"connector_id"`
	MeterID                string           `json:"meter_id,omitempty"`
	Currency               string           `json:"currency"`
	ChargingPeriods        []ChargingPeriod `json:"charging_periods,omitempty"`
	TotalCost              *Price           `json:"total_cost,omitempty"`
	Status                 string           `json:"status"`
	LastUpdated            DateTime         `json:"last_updated"`
}

// ChargingPreferences are a driver's wishes for a running session (OCPI
// 2.2.1, sessions module: ChargingPreferences object).
type ChargingPreferences struct {
	ProfileType      string    `json:"profile_type"`
	DepartureTime    *DateTime `json:"departure_time,omitempty"`
	EnergyNeed       *float64  `json:"energy_need,omitempty"`
	DischargeAllowed *bool     `json:"discharge_allowed,omitempty"`
}

// SessionStatus values (OCPI 2.2.1, sessions module: SessionStatus).
const (
	SessionActive      = "ACTIVE"
	SessionCompleted   = "COMPLETED"
	SessionInvalid     = "INVALID"
	SessionPending     = "PENDING"
	SessionReservation = "RESERVATION"
)

// ChargingPreferencesResponse values (OCPI 2.2.1, sessions module).
const (
	PreferencesAccepted            = "ACCEPTED"
	PreferencesDepartureRequired   = "DEPARTURE_REQUIRED"
	PreferencesEnergyNeedRequired  = "ENERGY_NEED_REQUIRED"
	PreferencesNotPossible         = "NOT_POSSIBLE"
	PreferencesProfileNotSupported = "PROFILE_TYPE_NOT_SUPPORTED"
)

var (
	sessionStatuses = []string{SessionActive, SessionCompleted, SessionInvalid, SessionPending, SessionReservation}
	// ProfileType of the sessions module (CHEAP, not the tokens module's
	// CHEAPEST).
	sessionProfileTypes = []string{"CHEAP", "FAST", "GREEN", "REGULAR"}
)

// Validate checks a Session.
func (s *Session) Validate() FieldErrors {
	c := newCheck()
	c.ciString("country_code", s.CountryCode, 2, true)
	c.ciString("party_id", s.PartyID, 3, true)
	c.ciString("id", s.ID, 36, true)
	c.dateTime("start_date_time", s.StartDateTime, true)
	if s.EndDateTime != nil {
		c.dateTime("end_date_time", *s.EndDateTime, false)
		if s.StartDateTime.Valid() && s.EndDateTime.Valid() && s.EndDateTime.Before(s.StartDateTime.Time) {
			c.fail("end_date_time", "must not be before start_date_time")
		}
	}
	c.number("kwh", s.Kwh, true, 0, 0)
	if s.Kwh != nil && *s.Kwh < 0 {
		c.fail("kwh", "must not be negative")
	}
	if s.CdrToken == nil {
		c.fail("cdr_token", "required")
	} else {
		s.CdrToken.check(c.in("cdr_token"))
	}
	c.oneOf("auth_method", s.AuthMethod, true, authMethods)
	c.ciString("authorization_reference", s.AuthorizationReference, 36, false)
	c.ciString("location_id", s.LocationID, 36, true)
	c.ciString("evse_uid", s.EVSEUID, 36, true)
	c.ciString("connector_id", s.ConnectorID, 36, true)
	c.str("meter_id", s.MeterID, 255, false)
	c.str("currency", s.Currency, 3, true)
	for i := range s.ChargingPeriods {
		s.ChargingPeriods[i].check(c.at("charging_periods", i))
	}
	c.price("total_cost", s.TotalCost, false)
	c.oneOf("status", s.Status, true, sessionStatuses)
	c.dateTime("last_updated", s.LastUpdated, true)
	sortErrors(*c.errs)
	return *c.errs
}

func (t *CdrToken) check(c check) {
	c.ciString("country_code", t.CountryCode, 2, true)
	c.ciString("party_id", t.PartyID, 3, true)
	c.ciString("uid", t.UID, 36, true)
	c.oneOf("type", t.Type, true, tokenTypes)
	c.ciString("contract_id", t.ContractID, 36, true)
}

func (p *ChargingPeriod) check(c check) {
	c.dateTime("start_date_time", p.StartDateTime, true)
	if len(p.Dimensions) == 0 {
		c.fail("dimensions", "at least one dimension is required")
	}
	for j, dim := range p.Dimensions {
		dc := c.at("dimensions", j)
		dc.oneOf("type", dim.Type, true, cdrDimensionTypes)
		if dim.Type == "STATE_OF_CHARGE" {
			dc.number("volume", dim.Volume, true, 0, 100)
		} else {
			dc.number("volume", dim.Volume, true, 0, 0)
		}
	}
	c.ciString("tariff_id", p.TariffID, 36, false)
}

// Validate checks ChargingPreferences.
func (p *ChargingPreferences) Validate() FieldErrors {
	c := newCheck()
	c.oneOf("profile_type", p.ProfileType, true, sessionProfileTypes)
	if p.DepartureTime != nil {
		c.dateTime("departure_time", *p.DepartureTime, false)
	}
	if p.EnergyNeed != nil && *p.EnergyNeed < 0 {
		c.fail("energy_need", "must not be negative")
	}
	return *c.errs
}
