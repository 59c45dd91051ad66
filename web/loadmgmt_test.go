package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// A facility manager sets the grid connection of a location in its scope
// (load management) on the location's page; a refused value writes
// nothing, and a location outside the scope cannot be changed.
func TestLocationGridForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		all := fc.ProviderScope(w.res.ProviderID)
		office := w.one(t, `SELECT l.id FROM locations l JOIN accounts a ON a.id = l.account_id
			WHERE a.name = 'Meridian Consulting GmbH – Offices' AND l.kind = 'office' ORDER BY l.id`)
		vanDijk := w.one(t, `SELECT l.id FROM locations l JOIN accounts a ON a.id = l.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY l.id`)
		b := w.as(t, facilitiesDE)
		path := "/locations/" + office.String()
		page := get(t, b, path, http.StatusOK)
		l, err := st.Location(ctx, all, office)
		if err != nil {
			t.Fatal(err)
		}
		wantIn(t, "location page", page, kwString(l.MaxPowerW)+" kW, 3 × 230 V", `name="max_power_kw"`, `name="phases"`, `name="voltage"`)
		other, err := st.Location(ctx, all, vanDijk)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "name": {l.Name}, "kind": {l.Kind}, "address": {l.Address},
			"postal_code": {l.PostalCode}, "city": {l.City}, "country": {l.Country}, "account_id": {l.AccountID.String()},
			"max_power_kw": {"17.25"}, "phases": {"1"}, "voltage": {"240"}}
		wantRedirect(t, "save a limit", b.do("POST", path, form), path+"?done=saved")
		got, err := st.Location(ctx, all, office)
		if err != nil {
			t.Fatal(err)
		}
		if got.MaxPowerW != 17250 || got.Phases != 1 || got.Voltage != 240 {
			t.Errorf("stored %d W, %d phases, %d V; want 17250 W, 1, 240", got.MaxPowerW, got.Phases, got.Voltage)
		}
		wantIn(t, "location page", get(t, b, path, http.StatusOK), "17.25 kW, 1 × 240 V", `value="17.25"`)

		for _, tc := range []struct{ field, value, id string }{
			{"max_power_kw", "17.2505", "edit-max-power-kw-error"},
			{"max_power_kw", "0", "edit-max-power-kw-error"},
			{"max_power_kw", "-3", "edit-max-power-kw-error"},
			{"phases", "2", "edit-phases-error"},
			{"voltage", "90", "edit-voltage-error"},
		} {
			bad := url.Values{}
			for k, v := range form {
				bad[k] = v
			}
			bad.Set(tc.field, tc.value)
			rec := b.do("POST", path, bad)
			wantStatus(t, tc.field+" "+tc.value, rec, http.StatusBadRequest)
			wantIn(t, tc.field+" "+tc.value, body(rec), `id="`+tc.id+`"`)
		}
		if got, err := st.Location(ctx, all, office); err != nil || got.MaxPowerW != 17250 || got.Phases != 1 || got.Voltage != 240 {
			t.Errorf("after refused changes: %+v, %v", got, err)
		}

		// Empty lifts the limit.
		form.Set("max_power_kw", "")
		wantRedirect(t, "lift the limit", b.do("POST", path, form), path+"?done=saved")
		if got, err := st.Location(ctx, all, office); err != nil || got.MaxPowerW != 0 {
			t.Errorf("after lifting the limit: %+v, %v", got, err)
		}

		// Another company's location is not the facility manager's to change.
		form.Set("max_power_kw", "1")
		wantStatus(t, "limit another company's location", b.do("POST", "/locations/"+vanDijk.String(), form), http.StatusNotFound)
		if got, err := st.Location(ctx, all, vanDijk); err != nil || got.MaxPowerW != other.MaxPowerW {
			t.Errorf("another company's location: %+v, %v", got, err)
		}
	})
}
