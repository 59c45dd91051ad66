package store_test

import (
	"context"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// A location's coordinates: kept as written through create, read, list and
// update, cleared by emptying both; values outside OCPI's format or range,
// and one without the other, refused with nothing written.
func TestLocationCoordinates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Geo")
		all := fc.ProviderScope(w.Provider.ID)
		valid := fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Hub", Kind: fc.LocationOffice}

		l := valid
		l.Latitude, l.Longitude = " 52.0907374", "5.12142 "
		if err := s.CreateLocation(ctx, &l); err != nil {
			t.Fatal(err)
		}
		got, err := s.Location(ctx, all, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Latitude != "52.0907374" || got.Longitude != "5.12142" {
			t.Errorf("read back (%q, %q), want (52.0907374, 5.12142)", got.Latitude, got.Longitude)
		}
		list, err := s.Locations(ctx, all, fc.LocationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, x := range list {
			if x.ID == l.ID {
				listed = x.Latitude == "52.0907374" && x.Longitude == "5.12142"
			}
		}
		if !listed {
			t.Errorf("listed without its coordinates: %+v", list)
		}

		for _, c := range []struct {
			what, lat, lon, field string
		}{
			{"latitude only", "52.0907374", "", "longitude"},
			{"longitude only", "", "5.1214201", "latitude"},
			{"four decimals", "52.0907", "5.1214201", "latitude"},
			{"eight decimals", "52.09073741", "5.1214201", "latitude"},
			{"no decimals", "52", "5", "latitude"},
			{"comma", "52,0907374", "5.1214201", "latitude"},
			{"plus sign", "+52.0907374", "5.1214201", "latitude"},
			{"exponent", "52.0907374", "5e0", "longitude"},
			{"three-digit latitude", "152.0907374", "5.1214201", "latitude"},
			{"latitude beyond 90", "90.0000001", "5.1214201", "latitude"},
			{"latitude beyond -90", "-91.00000", "5.1214201", "latitude"},
			{"longitude beyond 180", "52.0907374", "180.00001", "longitude"},
			{"longitude beyond -180", "52.0907374", "-181.12345", "longitude"},
			{"four-digit longitude", "52.0907374", "1000.12345", "longitude"},
		} {
			x := valid
			x.Name, x.Latitude, x.Longitude = "Refused "+c.what, c.lat, c.lon
			err := s.CreateLocation(ctx, &x)
			wantField(t, "create with "+c.what, err, c.field)
			if msg := fc.ErrorFields(err)[c.field]; strings.Contains(c.what, "decimals") && !strings.Contains(msg, "5 to 7 decimals") {
				t.Errorf("%s: message %q does not give the format", c.what, msg)
			}
			_, err = s.UpdateLocation(ctx, all, l.ID, func(x *fc.Location) error {
				x.Latitude, x.Longitude = c.lat, c.lon
				return nil
			})
			wantField(t, "update with "+c.what, err, c.field)
		}
		after, err := s.Locations(ctx, all, fc.LocationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(list) {
			t.Errorf("%d locations, want %d: a refused create wrote one", len(after), len(list))
		}
		if got, err = s.Location(ctx, all, l.ID); err != nil || got.Latitude != "52.0907374" || got.Longitude != "5.12142" {
			t.Errorf("after refused updates: %+v, %v", got, err)
		}

		for _, c := range [][2]string{{"90.00000", "180.00000"}, {"-90.0000000", "-180.0000000"}, {"-0.12345", "0.1234567"}, {"", ""}} {
			got, err := s.UpdateLocation(ctx, all, l.ID, func(x *fc.Location) error {
				x.Latitude, x.Longitude = c[0], c[1]
				return nil
			})
			if err != nil {
				t.Fatalf("update to %v: %v", c, err)
			}
			var lat, lon string
			if err := s.DB().QueryRowContext(ctx, `SELECT latitude, longitude FROM locations WHERE id = $1`, int64(l.ID)).Scan(&lat, &lon); err != nil {
				t.Fatal(err)
			}
			if lat != c[0] || lon != c[1] || got.Latitude != c[0] || got.Longitude != c[1] {
				t.Errorf("update to %v: stored (%q, %q), returned (%q, %q)", c, lat, lon, got.Latitude, got.Longitude)
			}
		}
	})
}
