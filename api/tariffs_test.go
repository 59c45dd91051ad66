package api_test

import (
	"net/http"
	"testing"
)

// A charge group's tariff takes time-of-day bands, an idle fee, a minimum
// and a maximum; a change is a new version from its valid_from, listed
// with the earlier ones.
func TestTariffVersionsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		base := "/api/v1/charge-groups/" + w.north1.group.String()
		patched := w.do(admin, "PATCH", base, map[string]any{"tariff": map[string]any{
			"per_kwh":             "0.45",
			"time_of_day":         []map[string]any{{"from": "22:00", "to": "06:00", "per_kwh": "0.25"}},
			"idle_fee_per_minute": "0.10", "idle_grace_minutes": 30, "min_price": 1, "max_price": "50",
			"valid_from": "2030-01-01T00:00:00Z",
		}}).want(t, http.StatusOK).object(t)
		// Not in effect yet: the group shows the version in effect now.
		if tf := patched["tariff"].(map[string]any); tf["time_of_day"] != nil || tf["per_kwh"] == 0.45 {
			t.Errorf("tariff before valid_from = %v", tf)
		}
		var got struct {
			Data []struct {
				ID        string         `json:"id"`
				ValidFrom string         `json:"valid_from"`
				Tariff    map[string]any `json:"tariff"`
			} `json:"data"`
		}
		w.do(admin, "GET", base+"/tariffs", nil).want(t, http.StatusOK).json(t, &got)
		if len(got.Data) != 2 || got.Data[1].ValidFrom != "2030-01-01T00:00:00Z" {
			t.Fatalf("versions = %+v", got.Data)
		}
		wantFields(t, "new version", got.Data[1].Tariff, map[string]any{"per_kwh": 0.45, "idle_fee_per_minute": 0.1,
			"idle_grace_minutes": 30, "min_price": 1, "max_price": 50,
			"time_of_day": []any{map[string]any{"from": "22:00", "to": "06:00", "per_kwh": 0.25}}})
		// Who may not read the group does not see its versions.
		w.do(southFleet, "GET", base+"/tariffs", nil).want(t, http.StatusNotFound)
		w.do(otherAdmin, "GET", base+"/tariffs", nil).want(t, http.StatusNotFound)

		for _, bad := range []map[string]any{
			{"time_of_day": []map[string]any{{"from": "22:00", "to": "06:00", "per_kwh": 1}, {"from": "05:00", "to": "07:00", "per_kwh": 1}}},
			{"time_of_day": []map[string]any{{"from": "25:00", "to": "06:00", "per_kwh": 1}}},
		} {
			r := w.do(admin, "PATCH", base, map[string]any{"tariff": bad}).want(t, http.StatusBadRequest)
			if _, ok := r.fields()["tariff.time_of_day"]; !ok {
				t.Errorf("PATCH %v: fields %v, want tariff.time_of_day", bad, r.fields())
			}
		}
	})
}
