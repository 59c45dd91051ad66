package ocpi

import (
	"fmt"
	"regexp"
)

// The objects of the Tariffs module (OCPI 2.2.1, 11.3), with their
// validation. Tariff (objects.go) is the tariff as a CDR embeds it, its
// elements kept as received; TariffObject is the whole object the module
// exchanges.

// TariffObject is a CPO's tariff (OCPI 2.2.1, tariffs module: Tariff object).
type TariffObject struct {
	CountryCode   string          `json:"country_code"`
	PartyID       string          `json:"party_id"`
	ID            string          `json:"id"`
	Currency      string          `json:"currency"`
	Type          string          `json:"type,omitempty"`
	TariffAltText []DisplayText   `json:"tariff_alt_text,omitempty"`
	TariffAltURL  string          `json:"tariff_alt_url,omitempty"`
	MinPrice      *Price          `json:"min_price,omitempty"`
	MaxPrice      *Price          `json:"max_price,omitempty"`
	Elements      []TariffElement `json:"elements"`
	StartDateTime *DateTime       `json:"start_date_time,omitempty"`
	EndDateTime   *DateTime       `json:"end_date_time,omitempty"`
	EnergyMix     *EnergyMix      `json:"energy_mix,omitempty"`
	LastUpdated   DateTime        `json:"last_updated"`
}

// TariffElement is a set of price components and when they apply (OCPI
// 2.2.1, tariffs module: TariffElement).
type TariffElement struct {
	PriceComponents []PriceComponent    `json:"price_components"`
	Restrictions    *TariffRestrictions `json:"restrictions,omitempty"`
}

// PriceComponent is the price of one dimension, excluding VAT (OCPI
// 2.2.1, tariffs module: PriceComponent).
type PriceComponent struct {
	Type     string   `json:"type"`
	Price    *float64 `json:"price"`
	VAT      *float64 `json:"vat,omitempty"`
	StepSize *int     `json:"step_size"`
}

// TariffRestrictions limit when a tariff element applies (OCPI 2.2.1,
// tariffs module: TariffRestrictions).
type TariffRestrictions struct {
	StartTime   string   `json:"start_time,omitempty"`
	EndTime     string   `json:"end_time,omitempty"`
	StartDate   string   `json:"start_date,omitempty"`
	EndDate     string   `json:"end_date,omitempty"`
	MinKWh      *float64 `json:"min_kwh,omitempty"`
	MaxKWh      *float64 `json:"max_kwh,omitempty"`
	MinCurrent  *float64 `json:"min_current,omitempty"`
	MaxCurrent  *float64 `json:"max_current,omitempty"`
	MinPower    *float64 `json:"min_power,omitempty"`
	MaxPower    *float64 `json:"max_power,omitempty"`
	MinDuration *int     `json:"min_duration,omitempty"`
	MaxDuration *int     `json:"max_duration,omitempty"`
	DayOfWeek   []string `json:"day_of_week,omitempty"`
	Reservation string   `json:"reservation,omitempty"`
}

// Enumerations of the Tariffs module (OCPI 2.2.1, 11.4).
var (
	tariffDimensions  = []string{"ENERGY", "FLAT", "PARKING_TIME", "TIME"}
	daysOfWeek        = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}
	reservationTypes  = []string{"RESERVATION", "RESERVATION_EXPIRES"}
	datePattern       = regexp.MustCompile(`^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
	currencyCodeRegex = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Validate checks a whole Tariff.
func (t *TariffObject) Validate() FieldErrors {
	c := newCheck()
	c.ciString("country_code", t.CountryCode, 2, true)
	c.ciString("party_id", t.PartyID, 3, true)
	c.ciString("id", t.ID, 36, true)
	c.str("currency", t.Currency, 3, true)
	if t.Currency != "" && !currencyCodeRegex.MatchString(t.Currency) {
		c.fail("currency", "must be an ISO 4217 code")
	}
	c.oneOf("type", t.Type, false, tariffTypes)
	for i := range t.TariffAltText {
		t.TariffAltText[i].check(c.at("tariff_alt_text", i))
	}
	c.url("tariff_alt_url", t.TariffAltURL, false)
	c.price("min_price", t.MinPrice, false)
	c.price("max_price", t.MaxPrice, false)
	if len(t.Elements) == 0 {
		c.fail("elements", "at least one tariff element is required")
	}
	for i := range t.Elements {
		t.Elements[i].check(c.at("elements", i))
	}
	if t.StartDateTime != nil {
		c.dateTime("start_date_time", *t.StartDateTime, false)
	}
	if t.EndDateTime != nil {
		c.dateTime("end_date_time", *t.EndDateTime, false)
	}
	if t.EnergyMix != nil {
		t.EnergyMix.check(c.in("energy_mix"))
	}
	c.dateTime("last_updated", t.LastUpdated, true)
	sortErrors(*c.errs)
	return *c.errs
}

func (e *TariffElement) check(c check) {
	if len(e.PriceComponents) == 0 {
		c.fail("price_components", "at least one price component is required")
	}
	for i, p := range e.PriceComponents {
		pc := c.at("price_components", i)
		pc.oneOf("type", p.Type, true, tariffDimensions)
		pc.number("price", p.Price, true, 0, 0)
		if p.Price != nil && *p.Price < 0 {
			pc.fail("price", "must not be negative")
		}
		if p.VAT != nil && (*p.VAT < 0 || *p.VAT > 100) {
			pc.fail("vat", "must be a percentage between 0 and 100")
		}
		switch {
		case p.StepSize == nil:
			pc.fail("step_size", "required")
		case *p.StepSize < 0:
			pc.fail("step_size", "must not be negative")
		}
	}
	if r := e.Restrictions; r != nil {
		rc := c.in("restrictions")
		for _, f := range []struct{ name, v string }{{"start_time", r.StartTime}, {"end_time", r.EndTime}} {
			if f.v != "" && !hourMinutePattern.MatchString(f.v) {
				rc.fail(f.name, "must be a time of day as HH:MM")
			}
		}
		for _, f := range []struct{ name, v string }{{"start_date", r.StartDate}, {"end_date", r.EndDate}} {
			if f.v != "" && !datePattern.MatchString(f.v) {
				rc.fail(f.name, "must be a date as YYYY-MM-DD")
			}
		}
		for _, f := range []struct {
			name string
			v    *float64
		}{{"min_kwh", r.MinKWh}, {"max_kwh", r.MaxKWh}, {"min_current", r.MinCurrent}, {"max_current", r.MaxCurrent},
			{"min_power", r.MinPower}, {"max_power", r.MaxPower}} {
			if f.v != nil && *f.v < 0 {
				rc.fail(f.name, "must not be negative")
			}
		}
		for _, f := range []struct {
			name string
			v    *int
		}{{"min_duration", r.MinDuration}, {"max_duration", r.MaxDuration}} {
			if f.v != nil && *f.v < 0 {
				rc.fail(f.name, "must not be negative")
			}
		}
		for i, d := range r.DayOfWeek {
			rc.oneOf(fmt.Sprintf("day_of_week[%d]", i), d, true, daysOfWeek)
		}
		rc.oneOf("reservation", r.Reservation, false, reservationTypes)
	}
}
