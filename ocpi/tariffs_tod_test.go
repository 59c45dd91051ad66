package ocpi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// A tariff with time-of-day bands, an idle fee and bounds is published
// with ENERGY elements restricted by start_time and end_time first,
// PARKING_TIME holding the idle fee, and min_price and max_price; the
// result passes the module's own validation.
func TestOurTariffTimeOfDay(t *testing.T) {
	g := &fc.ChargeGroup{ID: 7, UpdatedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 450000, PerMinuteMicros: 10000, StartFeeMicros: 350000,
		Bands:                  []fc.TariffBand{{FromMinute: 23 * 60, ToMinute: 7 * 60, PerKWhMicros: 320000}, {FromMinute: 12 * 60, ToMinute: 1440, PerKWhMicros: 400000}},
		IdleFeePerMinuteMicros: 100000, IdleGraceMinutes: 30, MinPriceMicros: 1000000, MaxPriceMicros: 60000000}}
	o := ourTariff(Party{CountryCode: "NL", PartyID: "FLC"}, g)
	if errs := o.Validate(); len(errs) > 0 {
		t.Fatalf("validation: %v", errs)
	}
	b, _ := json.Marshal(o)
	got := string(b)
	for _, want := range []string{
		`{"price_components":[{"type":"ENERGY","price":0.32,"step_size":1}],"restrictions":{"start_time":"23:00","end_time":"07:00"}}`,
		`{"price_components":[{"type":"ENERGY","price":0.4,"step_size":1}],"restrictions":{"start_time":"12:00","end_time":"00:00"}}`,
		`{"type":"PARKING_TIME","price":6.6,"step_size":1}`,
		`"min_price":{"excl_vat":1}`, `"max_price":{"excl_vat":60}`, `30 minutes after charging ends`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tariff %s lacks %s", got, want)
		}
	}
	if last := o.Elements[len(o.Elements)-1]; last.Restrictions != nil || len(last.PriceComponents) != 4 {
		t.Errorf("the last element = %+v, want the base prices without restrictions", last)
	}
}
