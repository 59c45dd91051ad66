package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The load management settings on their edit forms and detail pages: a
// location's load sharing, a charge group's load priority and a station's
// connector maximum, each saved, shown, and refused by field when bad with
// nothing written.
func TestLoadSettingsForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		all := fc.ProviderScope(w.res.ProviderID)
		b := w.as(t, adminEmail)
		refused := func(what, path string, form url.Values, id string) {
			t.Helper()
			rec := b.do("POST", path, form)
			wantStatus(t, what, rec, http.StatusBadRequest)
			wantIn(t, what, body(rec), `id="`+id+`"`)
		}

		// Location: load sharing.
		locID := w.one(t, `SELECT id FROM locations WHERE kind = 'office' ORDER BY id`)
		path := "/locations/" + locID.String()
		page := get(t, b, path, http.StatusOK)
		wantIn(t, "location page", page, `name="load_sharing"`, "By charge group priority", "Load sharing")
		l, err := st.Location(ctx, all, locID)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "name": {l.Name}, "kind": {l.Kind}, "address": {l.Address},
			"postal_code": {l.PostalCode}, "city": {l.City}, "country": {l.Country}, "account_id": {l.AccountID.String()},
			"employee_id": {idString(l.EmployeeID)}, "max_power_kw": {kwString(l.MaxPowerW)}, "phases": {"3"}, "voltage": {"230"},
			"load_sharing": {"priority"}}
		wantRedirect(t, "share by priority", b.do("POST", path, form), path+"?done=saved")
		if got, err := st.Location(ctx, all, locID); err != nil || got.LoadSharing != fc.LoadSharePriority {
			t.Errorf("after saving: %+v, %v; want load sharing priority", got, err)
		}
		wantIn(t, "location page", get(t, b, path, http.StatusOK), "By charge group priority</")
		form.Set("load_sharing", "loudest")
		refused("unknown load sharing", path, form, "edit-load-sharing-error")
		if got, err := st.Location(ctx, all, locID); err != nil || got.LoadSharing != fc.LoadSharePriority {
			t.Errorf("after a refused change: %+v, %v", got, err)
		}

		// Charge group: load priority.
		groupID := w.one(t, `SELECT id FROM charge_groups ORDER BY id`)
		path = "/charge-groups/" + groupID.String()
		page = get(t, b, path, http.StatusOK)
		wantIn(t, "charge group page", page, `name="load_priority"`, "Load priority")
		g, err := st.ChargeGroup(ctx, all, groupID)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(xs []fc.ID) []string {
			out := []string{}
			for _, x := range xs {
				out = append(out, x.String())
			}
			return out
		}
		form = url.Values{"csrf_token": {csrfOf(t, page)}, "name": {g.Name}, "kind": {g.Kind}, "access": {g.Access},
			"account_id": {g.AccountID.String()}, "allowed_account_ids": ids(g.AllowedAccountIDs),
			"allowed_organization_ids": ids(g.AllowedOrganizationIDs), "allowed_card_ids": ids(g.AllowedCardIDs),
			"tariff.currency": {g.Tariff.Currency}, "tariff.per_kwh": {micros(g.Tariff.PerKWhMicros)},
			"tariff.per_minute": {micros(g.Tariff.PerMinuteMicros)}, "tariff.start_fee": {micros(g.Tariff.StartFeeMicros)},
			"load_priority": {"-250"}}
		wantRedirect(t, "set a priority", b.do("POST", path, form), path+"?done=saved")
		if got, err := st.ChargeGroup(ctx, all, groupID); err != nil || got.LoadPriority != -250 || !got.Tariff.SamePrices(g.Tariff) {
			t.Errorf("after saving: %+v, %v; want priority -250 and the tariff unchanged", got, err)
		}
		wantIn(t, "charge group page", get(t, b, path, http.StatusOK), `value="-250"`)
		for _, v := range []string{"1001", "high"} {
			form.Set("load_priority", v)
			refused("priority "+v, path, form, "edit-load-priority-error")
		}
		if got, err := st.ChargeGroup(ctx, all, groupID); err != nil || got.LoadPriority != -250 {
			t.Errorf("after refused changes: %+v, %v", got, err)
		}

		// Station: connector maximum.
		stationID := w.one(t, `SELECT id FROM stations ORDER BY id`)
		path = "/stations/" + stationID.String()
		page = get(t, b, path, http.StatusOK)
		wantIn(t, "station page", page, `name="connector_max_power_kw"`, "Connector maximum")
		s, err := st.Station(ctx, fc.StationScope{ProviderID: all.ProviderID, Reach: all.Reach}, stationID)
		if err != nil {
			t.Fatal(err)
		}
		form = url.Values{"csrf_token": {csrfOf(t, page)}, "identity": {s.Identity}, "location_id": {s.LocationID.String()},
			"charge_group_id": {s.ChargeGroupID.String()}, "vendor": {s.Vendor}, "model": {s.Model},
			"serial_number": {s.SerialNumber}, "firmware_version": {s.Firmware}, "connector_max_power_kw": {"7.4"}}
		wantRedirect(t, "set a connector maximum", b.do("POST", path, form), path+"?done=saved")
		stored := func() int64 {
			t.Helper()
			got, err := st.Station(ctx, fc.StationScope{ProviderID: all.ProviderID, Reach: all.Reach}, stationID)
			if err != nil {
				t.Fatal(err)
			}
			return got.ConnectorMaxW
		}
		if got := stored(); got != 7400 {
			t.Errorf("stored %d W, want 7400", got)
		}
		page = get(t, b, path, http.StatusOK)
		wantIn(t, "station page", page, "7.4 kW", `value="7.4"`)
		for _, v := range []string{"0", "-1", "7.4005", "1000.001"} {
			form.Set("connector_max_power_kw", v)
			refused("connector maximum "+v, path, form, "edit-connector-max-power-kw-error")
		}
		if got := stored(); got != 7400 {
			t.Errorf("after refused changes: %d W, want 7400", got)
		}
		form.Set("connector_max_power_kw", "")
		wantRedirect(t, "clear the connector maximum", b.do("POST", path, form), path+"?done=saved")
		if got := stored(); got != 0 {
			t.Errorf("after clearing: %d W, want 0", got)
		}
		if page := get(t, b, path, http.StatusOK); !strings.Contains(page, "Unknown") {
			t.Errorf("station page without an unknown connector maximum")
		}
	})
}
