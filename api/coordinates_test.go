package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// A location's coordinates through the API: strings kept as written,
// shown on read and list, cleared by empty strings or null, refused by field
// when outside OCPI's format or range or given alone, with nothing written;
// documented in the OpenAPI document for both reading and writing.
func TestLocationCoordinatesAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		all := fc.ProviderScope(w.provider)
		count := func() int {
			var n int
			check(t, w.st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM locations`).Scan(&n))
			return n
		}
		base := func(kv ...any) map[string]any {
			m := map[string]any{"account_id": w.northAcc.String(), "name": "Car park", "kind": "public"}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}

		plain := w.do(admin, "POST", "/api/v1/locations", base()).want(t, http.StatusCreated).object(t)
		wantFields(t, "without coordinates", plain, map[string]any{"latitude": "", "longitude": ""})

		created := w.do(admin, "POST", "/api/v1/locations", base("latitude", "52.0907374", "longitude", "5.12142")).
			want(t, http.StatusCreated).object(t)
		wantFields(t, "created", created, map[string]any{"latitude": "52.0907374", "longitude": "5.12142"})
		path := "/api/v1/locations/" + created["id"].(string)
		got := w.do(admin, "GET", path, nil).want(t, http.StatusOK).object(t)
		wantFields(t, "read", got, map[string]any{"latitude": "52.0907374", "longitude": "5.12142"})
		listed := false
		var page struct {
			Data []map[string]any `json:"data"`
		}
		w.do(admin, "GET", "/api/v1/locations?account_id="+w.northAcc.String(), nil).want(t, http.StatusOK).json(t, &page)
		for _, o := range page.Data {
			if o["id"] == created["id"] {
				listed = o["latitude"] == "52.0907374" && o["longitude"] == "5.12142"
			}
		}
		if !listed {
			t.Error("the list does not show the location's coordinates")
		}

		before := count()
		for _, tc := range []struct {
			lat, lon any
			field    string
		}{
			{"52.0907374", nil, "longitude"},
			{"", "5.1214201", "latitude"},
			{"52.0907", "5.1214201", "latitude"},
			{"52.0907374", "5.121420123", "longitude"},
			{"91.00000", "5.1214201", "latitude"},
			{"52.0907374", "-180.00001", "longitude"},
			{"north", "5.1214201", "latitude"},
			{52.0907374, "5.1214201", "latitude"},
		} {
			r := w.do(admin, "POST", "/api/v1/locations", base("latitude", tc.lat, "longitude", tc.lon)).want(t, http.StatusBadRequest)
			if _, ok := r.fields()[tc.field]; !ok || r.errorCode() != "invalid" {
				t.Errorf("create with (%v, %v): %s, want invalid %s", tc.lat, tc.lon, r.body, tc.field)
			}
			r = w.do(admin, "PATCH", path, map[string]any{"latitude": tc.lat, "longitude": tc.lon}).want(t, http.StatusBadRequest)
			if _, ok := r.fields()[tc.field]; !ok {
				t.Errorf("update with (%v, %v): %s, want invalid %s", tc.lat, tc.lon, r.body, tc.field)
			}
		}
		r := w.do(admin, "PATCH", path, map[string]any{"latitude": "52.0907"}).want(t, http.StatusBadRequest)
		if msg := r.fields()["latitude"]; !strings.Contains(msg, "5 to 7 decimals") {
			t.Errorf("message %q does not give the format", msg)
		}
		if got := count(); got != before {
			t.Errorf("%d locations after refused creates, want %d", got, before)
		}

		// A patch without the coordinates keeps them; one with them
		// changes them; empty strings and null clear them.
		got = w.do(admin, "PATCH", path, map[string]any{"name": "Visitors"}).want(t, http.StatusOK).object(t)
		wantFields(t, "after a patch of the name", got, map[string]any{"latitude": "52.0907374", "longitude": "5.12142"})
		got = w.do(admin, "PATCH", path, map[string]any{"latitude": "-33.8567844", "longitude": "151.213108"}).want(t, http.StatusOK).object(t)
		wantFields(t, "moved", got, map[string]any{"latitude": "-33.8567844", "longitude": "151.213108"})
		got = w.do(admin, "PATCH", path, map[string]any{"latitude": "", "longitude": ""}).want(t, http.StatusOK).object(t)
		wantFields(t, "cleared by empty strings", got, map[string]any{"latitude": "", "longitude": ""})
		w.do(admin, "PATCH", path, map[string]any{"latitude": "52.0907374", "longitude": "5.1214201"}).want(t, http.StatusOK)
		got = w.do(admin, "PATCH", path, map[string]any{"latitude": nil, "longitude": nil}).want(t, http.StatusOK).object(t)
		wantFields(t, "cleared by null", got, map[string]any{"latitude": "", "longitude": ""})
		id, err := fc.ParseID(created["id"].(string))
		check(t, err)
		l, err := w.st.Location(ctx, all, id)
		check(t, err)
		if l.Latitude != "" || l.Longitude != "" {
			t.Errorf("stored (%q, %q) after clearing", l.Latitude, l.Longitude)
		}

		// The document describes both fields wherever a location is read
		// or written.
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties map[string]struct {
						Type        any    `json:"type"`
						Description string `json:"description"`
					} `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		check(t, json.Unmarshal(w.do("", "GET", "/api/v1/openapi.json", nil).want(t, http.StatusOK).body, &doc))
		var documented []string
		for name, s := range doc.Components.Schemas {
			if _, ok := s.Properties["max_power_kw"]; !ok {
				continue
			}
			for _, f := range []string{"latitude", "longitude"} {
				p, ok := s.Properties[f]
				if !ok || !strings.Contains(p.Description, "WGS84") || !strings.Contains(p.Description, "5 to 7 decimals") {
					t.Errorf("schema %s: %s documented as %+v", name, f, p)
				}
			}
			documented = append(documented, name)
		}
		sort.Strings(documented)
		if len(documented) < 3 {
			t.Errorf("location schemas %v, want the location, its create and its patch forms", documented)
		}
	})
}
