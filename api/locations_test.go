package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// A location's grid connection (load management) through the API: the
// limit in kW kept exactly, phases and voltage with their defaults, every
// bad value refused by field with nothing written, and a facility manager
// setting it in its scope only.
func TestLocationGridConnection(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		count := func() int {
			var n int
			check(t, w.st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM locations`).Scan(&n))
			return n
		}
		base := map[string]any{"account_id": w.northAcc.String(), "name": "Car park", "kind": "office"}
		with := func(k string, v any) map[string]any {
			m := map[string]any{k: v}
			for bk, bv := range base {
				m[bk] = bv
			}
			return m
		}

		plain := w.do(admin, "POST", "/api/v1/locations", base).want(t, http.StatusCreated).object(t)
		wantFields(t, "no limit", plain, map[string]any{"max_power_kw": nil, "phases": 3, "voltage": 230})
		r := w.do(admin, "POST", "/api/v1/locations", map[string]any{"account_id": w.northAcc.String(), "name": "Depot", "kind": "office",
			"max_power_kw": "17.125", "phases": 1, "voltage": 240}).want(t, http.StatusCreated)
		if !strings.Contains(string(r.body), `"max_power_kw":17.125`) {
			t.Errorf("limit not shown exactly: %s", r.body)
		}
		wantFields(t, "limited", r.object(t), map[string]any{"phases": 1, "voltage": 240})

		before := count()
		for _, tc := range []struct {
			field string
			value any
		}{
			{"max_power_kw", 0},
			{"max_power_kw", -22},
			{"max_power_kw", "1.0005"},
			{"max_power_kw", "a lot"},
			{"max_power_kw", 2000000},
			{"phases", 2},
			{"phases", 0},
			{"voltage", 99},
			{"voltage", 0},
			{"voltage", 481},
		} {
			r := w.do(admin, "POST", "/api/v1/locations", with(tc.field, tc.value)).want(t, http.StatusBadRequest)
			if _, ok := r.fields()[tc.field]; !ok || r.errorCode() != "invalid" {
				t.Errorf("%s %v: %s, want invalid %s", tc.field, tc.value, r.body, tc.field)
			}
		}
		if got := count(); got != before {
			t.Errorf("%d locations after refused creates, want %d", got, before)
		}

		// A facility manager of North limits North's office, and lifts
		// the limit again; South's office is not theirs.
		north := "/api/v1/locations/" + w.north1.location.String()
		got := w.do(northFacility, "PATCH", north, map[string]any{"max_power_kw": 100, "phases": 3}).want(t, http.StatusOK).object(t)
		wantFields(t, "limited by the facility manager", got, map[string]any{"max_power_kw": 100, "phases": 3, "voltage": 230})
		w.do(northFacility, "PATCH", north, map[string]any{"voltage": 1000}).want(t, http.StatusBadRequest)
		got = w.do(northFacility, "GET", north, nil).want(t, http.StatusOK).object(t)
		wantFields(t, "after a refused change", got, map[string]any{"max_power_kw": 100, "voltage": 230})
		got = w.do(northFacility, "PATCH", north, map[string]any{"max_power_kw": nil, "voltage": nil}).want(t, http.StatusOK).object(t)
		wantFields(t, "limit lifted", got, map[string]any{"max_power_kw": nil, "phases": 3, "voltage": 230})

		south := "/api/v1/locations/" + w.south1.location.String()
		w.do(northFacility, "PATCH", south, map[string]any{"max_power_kw": 1}).want(t, http.StatusNotFound)
		l, err := w.st.Location(ctx, fc.ProviderScope(w.provider), w.south1.location)
		check(t, err)
		if l.MaxPowerW != 0 {
			t.Errorf("South's office limited to %d W by North's facility manager", l.MaxPowerW)
		}
	})
}
