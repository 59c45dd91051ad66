package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// refused fails the test unless r is a 400 invalid naming field.
func refused(t *testing.T, what string, r response, field string) {
	t.Helper()
	if _, ok := r.fields()[field]; r.status != http.StatusBadRequest || !ok || r.errorCode() != "invalid" {
		t.Errorf("%s: %d %s, want invalid %s", what, r.status, r.body, field)
	}
}

// A location's load sharing through the API: equal by default, priority
// kept, null back to equal, an unknown value refused with nothing changed.
func TestLocationLoadSharingAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := map[string]any{"account_id": w.northAcc.String(), "name": "Yard", "kind": "office"}
		got := w.do(admin, "POST", "/api/v1/locations", base).want(t, http.StatusCreated).object(t)
		wantFields(t, "default", got, map[string]any{"load_sharing": "equal"})
		refused(t, "create with first", w.do(admin, "POST", "/api/v1/locations",
			map[string]any{"account_id": w.northAcc.String(), "name": "Bad", "kind": "office", "load_sharing": "first"}), "load_sharing")

		north := "/api/v1/locations/" + w.north1.location.String()
		got = w.do(northFacility, "PATCH", north, map[string]any{"load_sharing": "priority"}).want(t, http.StatusOK).object(t)
		wantFields(t, "by priority", got, map[string]any{"load_sharing": "priority"})
		refused(t, "patch to Priority", w.do(northFacility, "PATCH", north, map[string]any{"load_sharing": "Priority"}), "load_sharing")
		got = w.do(northFacility, "GET", north, nil).want(t, http.StatusOK).object(t)
		wantFields(t, "after a refused change", got, map[string]any{"load_sharing": "priority"})
		got = w.do(northFacility, "PATCH", north, map[string]any{"load_sharing": nil}).want(t, http.StatusOK).object(t)
		wantFields(t, "null", got, map[string]any{"load_sharing": "equal"})
	})
}

// A charge group's load priority through the API: 0 by default, both
// bounds kept, beyond them or not an integer refused with nothing changed.
func TestChargeGroupLoadPriorityAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		body := func(extra map[string]any) map[string]any {
			m := map[string]any{"account_id": w.northAcc.String(), "name": "Vans", "kind": "other", "access": "public",
				"tariff": map[string]any{"currency": "EUR"}}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		got := w.do(admin, "POST", "/api/v1/charge-groups", body(nil)).want(t, http.StatusCreated).object(t)
		wantFields(t, "default", got, map[string]any{"load_priority": 0})
		got = w.do(admin, "POST", "/api/v1/charge-groups", body(map[string]any{"name": "Low", "load_priority": -1000})).
			want(t, http.StatusCreated).object(t)
		wantFields(t, "lowest", got, map[string]any{"load_priority": -1000})
		for _, v := range []any{1001, -1001, 1.5, "7"} {
			refused(t, "create", w.do(admin, "POST", "/api/v1/charge-groups", body(map[string]any{"name": "Bad", "load_priority": v})), "load_priority")
		}

		group := "/api/v1/charge-groups/" + w.north1.group.String()
		got = w.do(admin, "PATCH", group, map[string]any{"load_priority": 1000}).want(t, http.StatusOK).object(t)
		wantFields(t, "highest", got, map[string]any{"load_priority": 1000, "name": "N Depot chargers"})
		refused(t, "patch", w.do(admin, "PATCH", group, map[string]any{"load_priority": 5000}), "load_priority")
		got = w.do(admin, "GET", group, nil).want(t, http.StatusOK).object(t)
		wantFields(t, "after a refused change", got, map[string]any{"load_priority": 1000})
	})
}

// A station's connector maximum through the API: in kW kept exactly, null
// when unknown, in the list, after create and update, every bad value
// refused by field with nothing written.
func TestStationConnectorMaxAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		path := "/api/v1/stations/" + w.north1.station.String()
		got := w.do(admin, "GET", path, nil).want(t, http.StatusOK).object(t)
		if v, ok := got["connector_max_power_kw"]; !ok || v != nil {
			t.Errorf("unknown connector maximum shown as %v (present %v), want null", v, ok)
		}

		body := map[string]any{"account_id": w.northAcc.String(), "location_id": w.north1.location.String(),
			"charge_group_id": w.north1.group.String(), "identity": "N-DEPOT-2", "connector_max_power_kw": "22.08"}
		r := w.do(admin, "POST", "/api/v1/stations", body).want(t, http.StatusCreated)
		if !strings.Contains(string(r.body), `"connector_max_power_kw":22.080`) {
			t.Errorf("connector maximum not shown exactly: %s", r.body)
		}
		if _, ok := r.object(t)["password"]; !ok {
			t.Errorf("created station without its generated password: %s", r.body)
		}

		before, err := w.st.Stations(ctx, fc.StationScope{ProviderID: w.provider, Reach: fc.Everything}, fc.StationFilter{})
		check(t, err)
		for _, v := range []any{0, -11, "1.0005", "fast", 1000.001} {
			body := map[string]any{"account_id": w.northAcc.String(), "location_id": w.north1.location.String(),
				"charge_group_id": w.north1.group.String(), "identity": "N-DEPOT-3", "connector_max_power_kw": v}
			refused(t, "create", w.do(admin, "POST", "/api/v1/stations", body), "connector_max_power_kw")
		}
		after, err := w.st.Stations(ctx, fc.StationScope{ProviderID: w.provider, Reach: fc.Everything}, fc.StationFilter{})
		check(t, err)
		if len(after) != len(before) {
			t.Errorf("%d stations after refused creates, want %d", len(after), len(before))
		}

		got = w.do(northFacility, "PATCH", path, map[string]any{"connector_max_power_kw": 11}).want(t, http.StatusOK).object(t)
		wantFields(t, "patched", got, map[string]any{"connector_max_power_kw": 11})
		refused(t, "patch", w.do(northFacility, "PATCH", path, map[string]any{"connector_max_power_kw": 0}), "connector_max_power_kw")
		st, err := w.st.Station(ctx, fc.StationScope{ProviderID: w.provider, Reach: fc.Everything}, w.north1.station)
		check(t, err)
		if st.ConnectorMaxW != 11_000 {
			t.Errorf("stored %d W, want 11000", st.ConnectorMaxW)
		}
		r = w.do(admin, "GET", "/api/v1/stations?location_id="+w.north1.location.String(), nil).want(t, http.StatusOK)
		if !strings.Contains(string(r.body), `"connector_max_power_kw":11.000`) || !strings.Contains(string(r.body), `"connector_max_power_kw":22.080`) {
			t.Errorf("list without the connector maxima: %s", r.body)
		}
		got = w.do(northFacility, "PATCH", path, map[string]any{"connector_max_power_kw": nil}).want(t, http.StatusOK).object(t)
		if v, ok := got["connector_max_power_kw"]; !ok || v != nil {
			t.Errorf("cleared connector maximum shown as %v, want null", v)
		}
	})
}

// The OpenAPI document describes the three settings, on the views and in
// the request bodies.
func TestLoadSettingsOpenAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties map[string]struct {
						Description string `json:"description"`
						Enum        []string
					} `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		w.do("", "GET", "/api/v1/openapi.json", nil).want(t, http.StatusOK).json(t, &doc)
		for _, tc := range []struct{ schema, prop string }{
			{"LocationView", "load_sharing"}, {"LocationInput", "load_sharing"}, {"LocationPatch", "load_sharing"},
			{"ChargeGroup", "load_priority"}, {"ChargeGroupInput", "load_priority"},
			{"Station", "connector_max_power_kw"}, {"StationCreated", "connector_max_power_kw"}, {"StationInput", "connector_max_power_kw"},
		} {
			p, ok := doc.Components.Schemas[tc.schema].Properties[tc.prop]
			if !ok || p.Description == "" {
				t.Errorf("%s.%s: %+v (present %v), want a described property", tc.schema, tc.prop, p, ok)
			}
		}
		if got := doc.Components.Schemas["LocationInput"].Properties["load_sharing"].Enum; strings.Join(got, ",") != "equal,priority" {
			t.Errorf("LocationInput.load_sharing enum %v", got)
		}
	})
}
