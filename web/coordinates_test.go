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

// A location's coordinates on its form and page: offered with their format,
// saved and shown, refused by field when bad or given alone with nothing
// written, and no longer shown once cleared.
func TestLocationCoordinatesForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		all := fc.ProviderScope(w.res.ProviderID)
		b := w.as(t, adminEmail)

		// The demo places its offices and public car parks, not homes.
		var placed, unplaced int
		if err := st.DB().QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM locations WHERE kind <> 'home' AND latitude <> '' AND longitude <> ''),
			(SELECT COUNT(*) FROM locations WHERE kind <> 'home' AND (latitude = '' OR longitude = ''))`).Scan(&placed, &unplaced); err != nil {
			t.Fatal(err)
		}
		if placed == 0 || unplaced != 0 {
			t.Errorf("demo: %d offices and car parks with coordinates, %d without", placed, unplaced)
		}

		locID := w.one(t, `SELECT id FROM locations WHERE kind = 'home' AND latitude = '' ORDER BY id`)
		path := "/locations/" + locID.String()
		page := get(t, b, path, http.StatusOK)
		wantIn(t, "location page", page, `name="latitude"`, `name="longitude"`, "Latitude", "Longitude", "WGS84, e.g. 52.0907374")
		wantNotIn(t, "location page without coordinates", page, "<dt>Coordinates</dt>")
		l, err := st.Location(ctx, all, locID)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "name": {l.Name}, "kind": {l.Kind}, "address": {l.Address},
			"postal_code": {l.PostalCode}, "city": {l.City}, "country": {l.Country}, "account_id": {l.AccountID.String()},
			"employee_id": {idString(l.EmployeeID)}, "max_power_kw": {kwString(l.MaxPowerW)}, "phases": {"3"}, "voltage": {"230"},
			"load_sharing": {l.LoadSharing}, "latitude": {" 51.9244201"}, "longitude": {"4.47773"}}
		wantRedirect(t, "save coordinates", b.do("POST", path, form), path+"?done=saved")
		if got, err := st.Location(ctx, all, locID); err != nil || got.Latitude != "51.9244201" || got.Longitude != "4.47773" {
			t.Errorf("after saving: %+v, %v; want (51.9244201, 4.47773)", got, err)
		}
		wantIn(t, "location page", get(t, b, path, http.StatusOK), "<dt>Coordinates</dt><dd>51.9244201, 4.47773</dd>", `value="51.9244201"`)

		for _, tc := range []struct {
			what, lat, lon, errID, message string
		}{
			{"latitude alone", "52.0907374", "", "edit-longitude-error", "is required with a latitude"},
			{"longitude alone", "", "5.1214201", "edit-latitude-error", "is required with a longitude"},
			{"four decimals", "52.0907", "5.1214201", "edit-latitude-error", "5 to 7 decimals"},
			{"beyond 180", "52.0907374", "180.5000000", "edit-longitude-error", "from -180 to 180"},
		} {
			form.Set("latitude", tc.lat)
			form.Set("longitude", tc.lon)
			rec := b.do("POST", path, form)
			wantStatus(t, tc.what, rec, http.StatusBadRequest)
			wantIn(t, tc.what, body(rec), `id="`+tc.errID+`"`, tc.message)
			if got, err := st.Location(ctx, all, locID); err != nil || got.Latitude != "51.9244201" || got.Longitude != "4.47773" {
				t.Errorf("after a refused %s: %+v, %v", tc.what, got, err)
			}
		}

		form.Set("latitude", "")
		form.Set("longitude", "")
		wantRedirect(t, "clear coordinates", b.do("POST", path, form), path+"?done=saved")
		if got, err := st.Location(ctx, all, locID); err != nil || got.Latitude != "" || got.Longitude != "" {
			t.Errorf("after clearing: %+v, %v", got, err)
		}
		wantNotIn(t, "location page after clearing", get(t, b, path, http.StatusOK), "<dt>Coordinates</dt>")
	})
}
