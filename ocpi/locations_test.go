package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// placedStation creates a station of a with two connectors at a new
// location with coordinates, in a new charge group that roams or not.
func placedStation(t *testing.T, a *platform, name string, roaming bool) (*fc.Station, *fc.Location, *fc.ChargeGroup) {
	t.Helper()
	ctx := context.Background()
	loc := &fc.Location{ProviderID: a.provider.ID, AccountID: a.account.ID, Name: name, Kind: fc.LocationPublic,
		Address: "Stationsplein 1", City: "Utrecht", PostalCode: "3511 ED", Country: "NL", Latitude: "52.08950", Longitude: "5.11000"}
	if err := a.store.CreateLocation(ctx, loc); err != nil {
		t.Fatalf("create location: %v", err)
	}
	g := &fc.ChargeGroup{ProviderID: a.provider.ID, AccountID: a.account.ID, Name: name + " group", Kind: fc.GroupOther,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000, PerMinuteMicros: 20000, StartFeeMicros: 500000},
		Roaming: roaming}
	if err := a.store.CreateChargeGroup(ctx, g); err != nil {
		t.Fatalf("create charge group: %v", err)
	}
	st := &fc.Station{ProviderID: a.provider.ID, AccountID: a.account.ID, LocationID: loc.ID, ChargeGroupID: g.ID,
		Identity: "ALPHA-" + strings.ToUpper(strings.ReplaceAll(name, " ", "-")), PasswordHash: "hash", ConnectorMaxW: 22000}
	if err := a.store.CreateStation(ctx, st, 2); err != nil {
		t.Fatalf("create station: %v", err)
	}
	return st, loc, g
}

// heldLocation reads a's location as b holds it from its partner a.
func heldLocation(t *testing.T, b *platform, aAtB *fc.OCPIPartner, id string) *Location {
	t.Helper()
	o, err := b.store.OCPIObject(context.Background(), aAtB.ID, fc.OCPIModuleLocations, "NL", "CPO", id)
	if err != nil {
		t.Fatalf("location %s at B: %v", id, err)
	}
	var l Location
	if err := json.Unmarshal(o.Object, &l); err != nil {
		t.Fatal(err)
	}
	return &l
}

// statuses lists the EVSE statuses of a location by UID.
func statuses(l *Location) map[string]string {
	out := map[string]string{}
	for _, e := range l.EVSEs {
		out[e.UID] = e.Status
	}
	return out
}

// TestLocationsPush: after registration, B holds A's roaming location
// (valid 2.2.1, the EVSE IDs its CDRs carry, the group's tariff) and
// tariff; a station coming online and a connector charging reach B as new
// statuses; a station moved out of roaming reaches B as its EVSEs removed;
// the group no longer roaming deletes the tariff at B.
func TestLocationsPush(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		st, loc, g := placedStation(t, a, "Stationsplein", true)
		placedStation(t, a, "Depot", false)
		bAtA, aAtB := connect(t, a, b)
		a.drain()

		l := heldLocation(t, b, aAtB, loc.ID.String())
		if fe := l.Validate(); len(fe) > 0 {
			t.Errorf("B holds an invalid location: %v", fe)
		}
		uid1, uid2 := EVSEUID(st.ID, 1), EVSEUID(st.ID, 2)
		if l.Country != "NLD" || l.Coordinates.Latitude != "52.08950" || len(l.EVSEs) != 2 ||
			l.EVSEs[0].UID != uid1 || l.EVSEs[0].EVSEID != EVSEID(Party{"NL", "CPO"}, st.ID, 1) {
			t.Fatalf("A's location at B: %+v", l)
		}
		if !slices.Contains(l.EVSEs[0].Capabilities, "REMOTE_START_STOP_CAPABLE") || !slices.Contains(l.EVSEs[0].Capabilities, "RESERVABLE") {
			t.Errorf("capabilities of an EVSE: %v", l.EVSEs[0].Capabilities)
		}
		cn := l.EVSEs[0].Connectors[0]
		if cn.ID != "1" || cn.Standard != "IEC_62196_T2" || cn.PowerType != "AC_3_PHASE" || cn.MaxElectricPower == nil ||
			*cn.MaxElectricPower != 22000 || len(cn.TariffIDs) != 1 || cn.TariffIDs[0] != g.ID.String() {
			t.Errorf("connector: %+v", cn)
		}
		if got := statuses(l); got[uid1] != "UNKNOWN" || got[uid2] != "UNKNOWN" {
			t.Errorf("statuses of an offline station: %v", got)
		}
		if list, total, _ := b.store.OCPIObjects(ctx, b.provider.ID, aAtB.ID, fc.OCPIModuleLocations, 0, 10); total != 1 || len(list) != 1 {
			t.Errorf("B holds %d locations of A, want the roaming one only", total)
		}
		to, err := b.store.OCPIObject(ctx, aAtB.ID, fc.OCPIModuleTariffs, "NL", "CPO", g.ID.String())
		if err != nil {
			t.Fatalf("A's tariff at B: %v", err)
		}
		var tariff TariffObject
		if err := json.Unmarshal(to.Object, &tariff); err != nil || tariff.Currency != "EUR" || len(tariff.Elements) != 1 {
			t.Fatalf("A's tariff at B: %s %v", to.Object, err)
		}
		prices := map[string]float64{}
		for _, pc := range tariff.Elements[0].PriceComponents {
			prices[pc.Type] = *pc.Price
		}
		if prices["ENERGY"] != 0.35 || prices["FLAT"] != 0.5 || prices["TIME"] != 1.2 || prices["PARKING_TIME"] != 1.2 {
			t.Errorf("A's tariff's prices: %v", prices)
		}

		now := time.Now().UTC()
		if err := a.store.SetConnection(ctx, st.ID, true, fc.OCPP16, now); err != nil {
			t.Fatal(err)
		}
		if err := a.store.RecordStatus(ctx, st.ID, 1, "Charging", "NoError", now); err != nil {
			t.Fatal(err)
		}
		if err := a.store.RecordStatus(ctx, st.ID, 2, "Faulted", "GroundFailure", now); err != nil {
			t.Fatal(err)
		}
		puts := len(b.requests(emspLocationsPath + "/NL/CPO/" + loc.ID.String()))
		a.drain()
		l = heldLocation(t, b, aAtB, loc.ID.String())
		if got := statuses(l); got[uid1] != "CHARGING" || got[uid2] != "OUTOFORDER" {
			t.Errorf("statuses after the station's reports: %v", got)
		}
		// The connection changed the whole location (a PUT), each report
		// one EVSE (a PATCH of its status).
		var patched []string
		for _, r := range b.requests(emspLocationsPath + "/NL/CPO/" + loc.ID.String())[puts:] {
			if r.Method == http.MethodPatch {
				var body map[string]any
				if err := json.Unmarshal(r.Body, &body); err != nil || body["last_updated"] == nil || len(body) != 2 {
					t.Errorf("an EVSE's PATCH: %s", r.Body)
				}
				patched = append(patched, strings.TrimPrefix(r.Path, emspLocationsPath+"/NL/CPO/"+loc.ID.String()+"/")+"="+body["status"].(string))
			}
		}
		if len(patched) != 2 || patched[0] != uid1+"=CHARGING" || patched[1] != uid2+"=OUTOFORDER" {
			t.Errorf("EVSE PATCHes B received: %v", patched)
		}
		if l.LastUpdated.Before(now.Truncate(time.Millisecond)) {
			t.Errorf("the location's last_updated %v is before the change at %v", l.LastUpdated.Time, now)
		}

		plain, err := a.store.ChargeGroups(ctx, fc.ProviderScope(a.provider.ID), fc.ChargeGroupFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var plainID fc.ID
		for _, pg := range plain {
			if !pg.Roaming {
				plainID = pg.ID
			}
		}
		if _, err := a.store.UpdateStation(ctx, fc.ProviderScope(a.provider.ID), st.ID, func(s *fc.Station) error {
			s.ChargeGroupID = plainID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if got := statuses(heldLocation(t, b, aAtB, loc.ID.String())); got[uid1] != "REMOVED" || got[uid2] != "REMOVED" {
			t.Errorf("statuses after the station left roaming: %v", got)
		}
		if len(a.outbox(bAtA)) != 0 {
			t.Errorf("A's outbox for B after delivery: %+v", a.outbox(bAtA))
		}

		if _, err := a.store.UpdateChargeGroup(ctx, fc.ProviderScope(a.provider.ID), g.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.PerKWhMicros = 410000
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if to, err := b.store.OCPIObject(ctx, aAtB.ID, fc.OCPIModuleTariffs, "NL", "CPO", g.ID.String()); err != nil ||
			!strings.Contains(string(to.Object), `{"type":"ENERGY","price":0.41,"step_size":1}`) {
			t.Errorf("A's tariff at B after a price change: %v", err)
		}
		if _, err := a.store.UpdateChargeGroup(ctx, fc.ProviderScope(a.provider.ID), g.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = false
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		a.drain()
		if _, err := b.store.OCPIObject(ctx, aAtB.ID, fc.OCPIModuleTariffs, "NL", "CPO", g.ID.String()); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("A's tariff at B once the group stopped roaming: %v", err)
		}
	})
}

// TestLocationsSender: B pages A's published locations (three of five:
// one has no coordinates, one no roaming station) and tariffs with the
// pagination headers, and GETs one location, EVSE and connector; an
// unknown one is 404 with 2003.
func TestLocationsSender(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		var first *fc.Station
		var firstLoc *fc.Location
		for i := range 3 {
			st, loc, _ := placedStation(t, a, "Roaming "+strconv.Itoa(i), true)
			if i == 0 {
				first, firstLoc = st, loc
			}
		}
		placedStation(t, a, "Plain", false)
		_, unplaced, _ := placedStation(t, a, "Unplaced", true)
		if _, err := a.store.UpdateLocation(ctx, fc.ProviderScope(a.provider.ID), unplaced.ID, func(l *fc.Location) error {
			l.Latitude, l.Longitude = "", ""
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		_, aAtB := connect(t, a, b)
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		sender := aAtB.EndpointURL(ModuleLocations, RoleSender)
		if sender != a.http.URL+cpoLocationsPath {
			t.Fatalf("A's locations sender %q", sender)
		}

		got := call(t, http.MethodGet, sender+"?limit=2", auth, nil)
		got.want(t, "first page", http.StatusOK, StatusSuccess)
		var page []Location
		if err := json.Unmarshal(got.Env.Data, &page); err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || got.Header.Get("X-Total-Count") != "3" || got.Header.Get("X-Limit") != "2" {
			t.Fatalf("first page: %d locations, headers %v", len(page), got.Header)
		}
		next := NextLink(got.Header.Get("Link"))
		if next == "" {
			t.Fatal("no link to the second page")
		}
		got = call(t, http.MethodGet, next, auth, nil)
		var rest []Location
		if err := json.Unmarshal(got.Env.Data, &rest); err != nil || len(rest) != 1 || NextLink(got.Header.Get("Link")) != "" {
			t.Fatalf("second page: %s %v", got.Raw, err)
		}
		seen := map[string]bool{}
		for _, l := range append(page, rest...) {
			if fe := l.Validate(); len(fe) > 0 {
				t.Errorf("location %s: %v", l.ID, fe)
			}
			seen[l.ID] = true
		}
		if len(seen) != 3 || seen[unplaced.ID.String()] {
			t.Errorf("listed locations: %v", seen)
		}
		future := FormatDateTime(time.Now().Add(time.Hour))
		got = call(t, http.MethodGet, sender+"?date_from="+future, auth, nil)
		if got.Header.Get("X-Total-Count") != "0" {
			t.Errorf("locations changed after an hour from now: %s", got.Header.Get("X-Total-Count"))
		}

		id, uid := firstLoc.ID.String(), EVSEUID(first.ID, 2)
		got = call(t, http.MethodGet, sender+"/"+id, auth, nil)
		var one Location
		if err := json.Unmarshal(got.Env.Data, &one); err != nil || one.ID != id || len(one.EVSEs) != 2 {
			t.Errorf("one location: %s", got.Raw)
		}
		got = call(t, http.MethodGet, sender+"/"+id+"/"+uid, auth, nil)
		var evse EVSE
		if err := json.Unmarshal(got.Env.Data, &evse); err != nil || evse.UID != uid {
			t.Errorf("one EVSE: %s", got.Raw)
		}
		got = call(t, http.MethodGet, sender+"/"+id+"/"+uid+"/2", auth, nil)
		var cn Connector
		if err := json.Unmarshal(got.Env.Data, &cn); err != nil || cn.ID != "2" {
			t.Errorf("one connector: %s", got.Raw)
		}
		call(t, http.MethodGet, sender+"/"+unplaced.ID.String(), auth, nil).want(t, "an unpublished location", http.StatusNotFound, StatusUnknownLocation)
		call(t, http.MethodGet, sender+"/"+id+"/nope", auth, nil).want(t, "an unknown EVSE", http.StatusNotFound, StatusUnknownLocation)
		call(t, http.MethodGet, sender+"/"+id+"/"+uid+"/9", auth, nil).want(t, "an unknown connector", http.StatusNotFound, StatusUnknownLocation)

		tariffs := aAtB.EndpointURL(ModuleTariffs, RoleSender)
		got = call(t, http.MethodGet, tariffs+"?limit=3", auth, nil)
		var ts []TariffObject
		if err := json.Unmarshal(got.Env.Data, &ts); err != nil || len(ts) != 3 || got.Header.Get("X-Total-Count") != "4" {
			t.Errorf("tariffs: %d of %s: %s", len(ts), got.Header.Get("X-Total-Count"), got.Raw)
		}
		for _, tr := range ts {
			if fe := tr.Validate(); len(fe) > 0 {
				t.Errorf("tariff %s: %v", tr.ID, fe)
			}
		}
	})
}

// aLocation is a valid 2.2.1 location of A (NL CPO), changed by a test as
// it needs.
func aLocation(id string) map[string]any {
	at := "2026-11-02T10:00:00Z"
	return map[string]any{
		"country_code": "NL", "party_id": "CPO", "id": id, "publish": true,
		"name": "Stationsplein", "address": "Stationsplein 1", "city": "Utrecht", "postal_code": "3511 ED", "country": "NLD",
		"coordinates": map[string]any{"latitude": "52.08950", "longitude": "5.11000"},
		"time_zone":   "Europe/Amsterdam",
		"evses": []any{map[string]any{"uid": "E1", "evse_id": "NL*CPO*E1", "status": "AVAILABLE",
			"connectors": []any{aConnector("1", at)}, "last_updated": at}},
		"last_updated": at,
	}
}

func aConnector(id, at string) map[string]any {
	return map[string]any{"id": id, "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
		"max_voltage": 230, "max_amperage": 32, "tariff_ids": []any{"T1"}, "last_updated": at}
}

// fieldPaths returns the field errors of a 2001 answer as its message
// lists them ("address: required; name: …").
func fieldPaths(t *testing.T, a answer) string {
	t.Helper()
	return strings.TrimPrefix(a.Env.StatusMessage, "invalid or missing parameters: ")
}

// TestLocationsReceiver: A pushes its locations to B (PUT, PATCH of the
// location, an EVSE and a connector, PUT of an EVSE and a connector), and
// B keeps them merged, the parents taking the part's last_updated; invalid
// objects (a missing field, a bad enum, a too long string, a PATCH without
// last_updated) are refused with 2001, another party's location with 2000,
// a part of an unknown location with 2003. Tariffs: PUT, GET, DELETE, and
// an invalid one refused.
func TestLocationsReceiver(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		bAtA, aAtB := connect(t, a, b)
		auth := AuthorizationHeader(bAtA.OutgoingToken)
		base := bAtA.EndpointURL(ModuleLocations, RoleReceiver)
		if base != b.http.URL+emspLocationsPath {
			t.Fatalf("B's locations receiver %q", base)
		}
		url := base + "/NL/CPO/LOC1"
		call(t, http.MethodPut, url, auth, aLocation("LOC1")).want(t, "PUT", http.StatusOK, StatusSuccess)

		for _, c := range []struct {
			name  string
			edit  func(l map[string]any)
			field string
		}{
			{"missing address", func(l map[string]any) { delete(l, "address") }, "address"},
			{"bad status", func(l map[string]any) { l["evses"].([]any)[0].(map[string]any)["status"] = "BROKEN" }, "evses[0].status"},
			{"bad standard", func(l map[string]any) {
				l["evses"].([]any)[0].(map[string]any)["connectors"].([]any)[0].(map[string]any)["standard"] = "PLUG"
			}, "evses[0].connectors[0].standard"},
			{"too long name", func(l map[string]any) { l["name"] = strings.Repeat("n", 256) }, "name"},
			{"too long ID", func(l map[string]any) { l["id"] = strings.Repeat("L", 37) }, "id"},
			{"missing publish", func(l map[string]any) { delete(l, "publish") }, "publish"},
			{"bad country", func(l map[string]any) { l["country"] = "NL" }, "country"},
			{"two EVSEs with one UID", func(l map[string]any) { l["evses"] = append(l["evses"].([]any), l["evses"].([]any)[0]) }, "evses[1].uid"},
			{"bad coordinates", func(l map[string]any) { l["coordinates"] = map[string]any{"latitude": "52.1", "longitude": "5.11000"} },
				"coordinates.latitude"},
		} {
			l := aLocation("LOC2")
			c.edit(l)
			got := call(t, http.MethodPut, base+"/NL/CPO/LOC2", auth, l)
			got.want(t, c.name, http.StatusOK, StatusInvalidParameters)
			if paths := fieldPaths(t, got); !strings.HasPrefix(paths, c.field) {
				t.Errorf("%s: fields %q, want %s", c.name, paths, c.field)
			}
		}
		if _, err := b.store.OCPIObject(ctx, aAtB.ID, fc.OCPIModuleLocations, "NL", "CPO", "LOC2"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("a refused location was kept: %v", err)
		}
		other := aLocation("LOC3")
		other["country_code"], other["party_id"] = "DE", "XYZ"
		call(t, http.MethodPut, base+"/DE/XYZ/LOC3", auth, other).want(t, "another party's location", http.StatusOK, StatusClientError)
		call(t, http.MethodPut, base+"/NL/CPO/LOC4", auth, aLocation("LOC3")).want(t, "an ID not the URL's", http.StatusOK, StatusInvalidParameters)

		call(t, http.MethodPatch, url+"/E1", auth, map[string]any{"status": "CHARGING"}).
			want(t, "PATCH without last_updated", http.StatusOK, StatusInvalidParameters)
		call(t, http.MethodPatch, url+"/E1", auth, map[string]any{"status": "WEIRD", "last_updated": "2026-11-02T10:05:00Z"}).
			want(t, "PATCH with a bad status", http.StatusOK, StatusInvalidParameters)
		call(t, http.MethodPatch, url+"/E1", auth, map[string]any{"status": "CHARGING", "last_updated": "2026-11-02T10:05:00Z"}).
			want(t, "PATCH of an EVSE", http.StatusOK, StatusSuccess)
		call(t, http.MethodPatch, url+"/E1/1", auth, map[string]any{"tariff_ids": []any{"T2"}, "last_updated": "2026-11-02T10:06:00Z"}).
			want(t, "PATCH of a connector", http.StatusOK, StatusSuccess)
		call(t, http.MethodPatch, url, auth, map[string]any{"name": "Stationsplein Oost", "last_updated": "2026-11-02T10:07:00Z"}).
			want(t, "PATCH of the location", http.StatusOK, StatusSuccess)
		call(t, http.MethodPatch, base+"/NL/CPO/NOPE/E1", auth, map[string]any{"status": "CHARGING", "last_updated": "2026-11-02T10:05:00Z"}).
			want(t, "PATCH of an unknown location's EVSE", http.StatusNotFound, StatusUnknownLocation)
		e2 := map[string]any{"uid": "E2", "status": "AVAILABLE", "connectors": []any{aConnector("1", "2026-11-02T10:08:00Z")},
			"last_updated": "2026-11-02T10:08:00Z"}
		call(t, http.MethodPut, url+"/E2", auth, e2).want(t, "PUT of an EVSE", http.StatusOK, StatusSuccess)
		call(t, http.MethodPut, url+"/E2/2", auth, aConnector("2", "2026-11-02T10:09:00Z")).want(t, "PUT of a connector", http.StatusOK, StatusSuccess)
		call(t, http.MethodPut, url+"/E2/3", auth, aConnector("4", "2026-11-02T10:09:00Z")).
			want(t, "PUT of a connector with another ID", http.StatusOK, StatusInvalidParameters)

		l := heldLocation(t, b, aAtB, "LOC1")
		if fe := l.Validate(); len(fe) > 0 {
			t.Errorf("the merged location is invalid: %v", fe)
		}
		want := time.Date(2026, 11, 2, 10, 9, 0, 0, time.UTC)
		if l.Name != "Stationsplein Oost" || l.Address != "Stationsplein 1" || !l.LastUpdated.Equal(want) || len(l.EVSEs) != 2 {
			t.Fatalf("the merged location: %+v", l)
		}
		e1, e2got := l.EVSEs[0], l.EVSEs[1]
		if e1.Status != "CHARGING" || e1.EVSEID != "NL*CPO*E1" || !e1.LastUpdated.Equal(want.Add(-3*time.Minute)) ||
			len(e1.Connectors) != 1 || e1.Connectors[0].TariffIDs[0] != "T2" || e1.Connectors[0].Standard != "IEC_62196_T2" {
			t.Errorf("the patched EVSE: %+v", e1)
		}
		if e2got.UID != "E2" || len(e2got.Connectors) != 2 || !e2got.LastUpdated.Equal(want) {
			t.Errorf("the EVSE put: %+v", e2got)
		}
		got := call(t, http.MethodGet, url+"/E2/2", auth, nil)
		var cn Connector
		if err := json.Unmarshal(got.Env.Data, &cn); err != nil || cn.ID != "2" {
			t.Errorf("GET of a connector: %s", got.Raw)
		}
		call(t, http.MethodGet, url+"/E9", auth, nil).want(t, "GET of an unknown EVSE", http.StatusNotFound, StatusUnknownLocation)

		tariffs := bAtA.EndpointURL(ModuleTariffs, RoleReceiver)
		tariff := map[string]any{"country_code": "NL", "party_id": "CPO", "id": "T1", "currency": "EUR",
			"elements": []any{map[string]any{"price_components": []any{
				map[string]any{"type": "ENERGY", "price": 0.35, "step_size": 1},
				map[string]any{"type": "TIME", "price": 2, "step_size": 60}},
				"restrictions": map[string]any{"start_time": "08:00", "end_time": "20:00", "day_of_week": []any{"MONDAY"}}}},
			"last_updated": "2026-11-02T10:00:00Z"}
		call(t, http.MethodPut, tariffs+"/NL/CPO/T1", auth, tariff).want(t, "PUT of a tariff", http.StatusOK, StatusSuccess)
		got = call(t, http.MethodGet, tariffs+"/NL/CPO/T1", auth, nil)
		var tr TariffObject
		if err := json.Unmarshal(got.Env.Data, &tr); err != nil || tr.ID != "T1" || len(tr.Elements[0].PriceComponents) != 2 {
			t.Errorf("GET of the tariff: %s", got.Raw)
		}
		for name, edit := range map[string]func(m map[string]any){
			"elements[0].price_components[0].type": func(m map[string]any) {
				m["elements"] = []any{map[string]any{"price_components": []any{map[string]any{"type": "MONEY", "price": 1, "step_size": 1}}}}
			},
			"elements[0].restrictions.day_of_week[0]": func(m map[string]any) {
				m["elements"] = []any{map[string]any{"price_components": []any{map[string]any{"type": "FLAT", "price": 1, "step_size": 1}},
					"restrictions": map[string]any{"day_of_week": []any{"FUNDAY"}}}}
			},
			"currency": func(m map[string]any) { delete(m, "currency") },
			"id":       func(m map[string]any) { m["id"] = strings.Repeat("T", 37) },
		} {
			bad := map[string]any{}
			for k, v := range tariff {
				bad[k] = v
			}
			edit(bad)
			got := call(t, http.MethodPut, tariffs+"/NL/CPO/T1", auth, bad)
			got.want(t, "invalid tariff "+name, http.StatusOK, StatusInvalidParameters)
			if paths := fieldPaths(t, got); !strings.HasPrefix(paths, name) {
				t.Errorf("invalid tariff %s: fields %q", name, paths)
			}
		}
		foreign := map[string]any{}
		for k, v := range tariff {
			foreign[k] = v
		}
		foreign["country_code"], foreign["party_id"] = "BE", "XYZ"
		call(t, http.MethodPut, tariffs+"/BE/XYZ/T1", auth, foreign).want(t, "another party's tariff", http.StatusOK, StatusClientError)
		call(t, http.MethodDelete, tariffs+"/NL/CPO/T1", auth, nil).want(t, "DELETE of the tariff", http.StatusOK, StatusSuccess)
		call(t, http.MethodGet, tariffs+"/NL/CPO/T1", auth, nil).want(t, "GET of a deleted tariff", http.StatusNotFound, StatusClientError)
		call(t, http.MethodDelete, tariffs+"/NL/CPO/T1", auth, nil).want(t, "DELETE of a deleted tariff", http.StatusNotFound, StatusClientError)
	})
}

// TestEVSEStatus: OCPP connector statuses as EVSE statuses; a station
// offline is UNKNOWN whatever its connectors last said.
func TestEVSEStatus(t *testing.T) {
	online := &fc.Station{Connection: fc.StationOnline}
	offline := &fc.Station{Connection: fc.StationOffline}
	for _, c := range []struct {
		st   *fc.Station
		ocpp string
		want string
	}{
		{online, "Available", "AVAILABLE"},
		{online, "Preparing", "CHARGING"},
		{online, "Charging", "CHARGING"},
		{online, "SuspendedEV", "CHARGING"},
		{online, "SuspendedEVSE", "CHARGING"},
		{online, "Finishing", "CHARGING"},
		{online, "Occupied", "CHARGING"},
		{online, "Reserved", "RESERVED"},
		{online, "Unavailable", "INOPERATIVE"},
		{online, "Faulted", "OUTOFORDER"},
		{online, "Unknown", "UNKNOWN"},
		{offline, "Available", "UNKNOWN"},
		{offline, "Charging", "UNKNOWN"},
	} {
		if got := evseStatus(c.st, fc.ChargePoint{Status: c.ocpp}); got != c.want {
			t.Errorf("%s (%s): %s, want %s", c.ocpp, c.st.Connection, got, c.want)
		}
	}
}
