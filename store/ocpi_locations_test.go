package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// roamingFixture is a provider with a connected partner that receives
// locations and tariffs, a roaming and a plain charge group, and three
// locations: placed with a roaming station (two connectors), unplaced
// with a roaming station, placed with a plain station.
type roamingFixture struct {
	prov                      *fc.Provider
	partner                   *fc.OCPIPartner
	roaming, plain            *fc.ChargeGroup
	placed, unplaced, other   *fc.Location
	published, hidden, plain2 *fc.Station
}

func newRoamingFixture(t *testing.T, s *store.Store) *roamingFixture {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	f := &roamingFixture{prov: mustProvider(t, s, "Roaming CPO")}
	p := mustPartner(t, s, f.prov.ID, "MSP", fc.PartnerPending, "hash-msp")
	var err error
	f.partner, err = s.UpdateOCPIPartner(ctx, f.prov.ID, p.ID, "hash-msp-c", fc.OCPITokenC, func(q *fc.OCPIPartner) error {
		q.Status = fc.PartnerConnected
		q.Endpoints = []fc.OCPIEndpoint{
			{Identifier: "locations", Role: "RECEIVER", URL: "https://msp.example/ocpi/emsp/2.2.1/locations"},
			{Identifier: "tariffs", Role: "RECEIVER", URL: "https://msp.example/ocpi/emsp/2.2.1/tariffs"},
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	org := mustOrg(t, s, f.prov.ID, 0, "Holding")
	acc := mustAccount(t, s, f.prov.ID, org.ID, "Fleet")
	group := func(name string, roaming bool) *fc.ChargeGroup {
		g := &fc.ChargeGroup{ProviderID: f.prov.ID, AccountID: acc.ID, Name: name, Kind: fc.GroupOther, Access: fc.AccessPublic,
			Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}, Roaming: roaming}
		if err := s.CreateChargeGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		return g
	}
	f.roaming, f.plain = group("Roaming", true), group("Plain", false)
	location := func(name, lat, lon string) *fc.Location {
		l := &fc.Location{ProviderID: f.prov.ID, AccountID: acc.ID, Name: name, Kind: fc.LocationPublic, City: "Utrecht", Country: "NL",
			Latitude: lat, Longitude: lon}
		if err := s.CreateLocation(ctx, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	f.placed, f.unplaced, f.other = location("Placed", "52.08950", "5.11000"), location("Unplaced", "", ""), location("Other", "52.10000", "5.12000")
	station := func(identity string, l *fc.Location, g *fc.ChargeGroup) *fc.Station {
		st := &fc.Station{ProviderID: f.prov.ID, AccountID: acc.ID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: identity, PasswordHash: "hash"}
		if err := s.CreateStation(ctx, st, 2); err != nil {
			t.Fatal(err)
		}
		return st
	}
	f.published, f.hidden, f.plain2 = station("CP-PUB", f.placed, f.roaming), station("CP-HID", f.unplaced, f.roaming), station("CP-PLAIN", f.other, f.plain)
	return f
}

// waiting lists the partner's waiting messages of an object key as
// "METHOD path".
func waiting(t *testing.T, s *store.Store, f *roamingFixture, key string) []string {
	t.Helper()
	ms, err := s.OCPIOutbox(context.Background(), f.prov.ID, f.partner.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.Key == key {
			out = append(out, strings.TrimSpace(m.Method+" "+m.Path))
		}
	}
	return out
}

// TestRoamingLocations: only a location with coordinates and a station in
// a roaming group is published, with its roaming stations and their
// connectors; creating them queues the location and the tariff once, a
// storm of status changes adds at most one more push, and a station that
// leaves roaming queues its EVSEs' removal behind them.
func TestRoamingLocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		f := newRoamingFixture(t, s)

		locs, total, err := s.RoamingLocations(ctx, f.prov.ID, time.Time{}, time.Time{}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(locs) != 1 || locs[0].Location.ID != f.placed.ID || len(locs[0].Stations) != 1 ||
			locs[0].Stations[0].Station.ID != f.published.ID || len(locs[0].Stations[0].Station.ChargePoints) != 2 {
			t.Fatalf("published locations: %d %+v", total, locs)
		}
		if locs[0].LastUpdated.Before(f.published.UpdatedAt) {
			t.Errorf("last updated %v before the station's %v", locs[0].LastUpdated, f.published.UpdatedAt)
		}
		for _, id := range []fc.ID{f.unplaced.ID, f.other.ID} {
			if _, err := s.RoamingLocation(ctx, f.prov.ID, id); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("location %s: %v, want not found", id, err)
			}
		}
		other := mustProvider(t, s, "Other CPO")
		if _, err := s.RoamingLocation(ctx, other.ID, f.placed.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("a location read as another provider's: %v", err)
		}
		if locs, total, err := s.RoamingLocations(ctx, other.ID, time.Time{}, time.Time{}, 0, 10); err != nil || total != 0 || len(locs) != 0 {
			t.Errorf("another provider's published locations: %d %+v %v", total, locs, err)
		}
		if groups, total, err := s.RoamingGroups(ctx, other.ID, time.Time{}, time.Time{}, 0, 10); err != nil || total != 0 || len(groups) != 0 {
			t.Errorf("another provider's roaming groups: %d %+v %v", total, groups, err)
		}
		if n, err := s.QueueOCPILocations(ctx, other.ID, f.partner.ID); err != nil || n != 0 {
			t.Errorf("a sync of the partner as another provider's queued %d (%v)", n, err)
		}
		future := time.Now().Add(time.Hour)
		if locs, total, err := s.RoamingLocations(ctx, f.prov.ID, future, time.Time{}, 0, 10); err != nil || total != 0 || len(locs) != 0 {
			t.Errorf("published after an hour from now: %d %+v %v", total, locs, err)
		}
		if locs, total, err := s.RoamingLocations(ctx, f.prov.ID, time.Time{}, future, 0, 10); err != nil || total != 1 || len(locs) != 1 {
			t.Errorf("published before an hour from now: %d %+v %v", total, locs, err)
		}
		groups, total, err := s.RoamingGroups(ctx, f.prov.ID, time.Time{}, time.Time{}, 0, 10)
		if err != nil || total != 1 || len(groups) != 1 || groups[0].ID != f.roaming.ID {
			t.Errorf("roaming groups: %d %+v %v", total, groups, err)
		}

		locKey := "location:" + f.placed.ID.String()
		if got := waiting(t, s, f, locKey); len(got) != 1 || got[0] != "PUT" {
			t.Errorf("pushes of the location after its creation: %v", got)
		}
		if got := waiting(t, s, f, "tariff:"+f.roaming.ID.String()); len(got) != 1 {
			t.Errorf("pushes of the tariff: %v", got)
		}
		if got := waiting(t, s, f, "location:"+f.other.ID.String()); len(got) != 0 {
			t.Errorf("pushes of an unpublished location: %v", got)
		}
		at := time.Now()
		for i, status := range []string{"Preparing", "Charging", "SuspendedEV", "Charging", "Finishing", "Available"} {
			if err := s.RecordStatus(ctx, f.published.ID, 1+i%2, status, "NoError", at.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordStatus(ctx, f.plain2.ID, 1, "Charging", "NoError", at); err != nil {
			t.Fatal(err)
		}
		// The creation's PUT may be on its way: each EVSE's status is one
		// PATCH behind it, which carries its latest status when sent.
		status := func(connector int) string {
			return "PATCH status:" + f.published.ID.String() + ":" + strconv.Itoa(connector)
		}
		if got := waiting(t, s, f, locKey); len(got) != 3 || got[0] != "PUT" || got[1] != status(1) || got[2] != status(2) {
			t.Errorf("pushes of the location after six status changes of two connectors: %v, want the PUT and one PATCH of each EVSE", got)
		}
		if got := waiting(t, s, f, "location:"+f.other.ID.String()); len(got) != 0 {
			t.Errorf("a plain station's status pushed: %v", got)
		}

		if _, err := s.UpdateStation(ctx, fc.ProviderScope(f.prov.ID), f.published.ID, func(st *fc.Station) error {
			st.ChargeGroupID = f.plain.ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		evse := "evse:" + f.published.ID.String()
		want := []string{"PUT", status(1), status(2), "PATCH " + evse + ":1", "PATCH " + evse + ":2"}
		if got := waiting(t, s, f, locKey); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("pushes after the station left roaming: %v, want %v", got, want)
		}
		if locs, total, err := s.RoamingLocations(ctx, f.prov.ID, time.Time{}, time.Time{}, 0, 10); err != nil || total != 0 || len(locs) != 0 {
			t.Errorf("published once the station left: %d %+v %v", total, locs, err)
		}
		// Back to roaming: the PUT goes behind the removals.
		if _, err := s.UpdateStation(ctx, fc.ProviderScope(f.prov.ID), f.published.ID, func(st *fc.Station) error {
			st.ChargeGroupID = f.roaming.ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := waiting(t, s, f, locKey); len(got) != 6 || got[5] != "PUT" {
			t.Errorf("pushes after the station came back: %v", got)
		}

		// The group stops roaming: its tariff is pushed (a DELETE when
		// sent) and its stations' EVSEs removed.
		if _, err := s.UpdateChargeGroup(ctx, fc.ProviderScope(f.prov.ID), f.roaming.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = false
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := waiting(t, s, f, locKey); len(got) != 8 || got[7] != "PATCH "+evse+":2" {
			t.Errorf("pushes after the group stopped roaming: %v", got)
		}
		if got := waiting(t, s, f, "tariff:"+f.roaming.ID.String()); len(got) != 2 {
			t.Errorf("pushes of the tariff after the group stopped roaming: %v", got)
		}
		if n, err := s.QueueOCPILocations(ctx, f.prov.ID, f.partner.ID); err != nil || n != 0 {
			t.Errorf("a sync with nothing published queued %d (%v)", n, err)
		}
	})
}

// TestRoamingLocationCoordinates: a location that loses its coordinates
// removes its roaming EVSEs; a sync queues every published location and
// tariff for the partner.
func TestRoamingLocationCoordinates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		f := newRoamingFixture(t, s)
		if n, err := s.QueueOCPILocations(ctx, f.prov.ID, f.partner.ID); err != nil || n != 2 {
			t.Errorf("a sync queued %d (%v), want the location and the tariff", n, err)
		}
		if _, err := s.UpdateLocation(ctx, fc.ProviderScope(f.prov.ID), f.placed.ID, func(l *fc.Location) error {
			l.Latitude, l.Longitude = "", ""
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got := waiting(t, s, f, "location:"+f.placed.ID.String())
		if len(got) < 2 || got[len(got)-1] != "PATCH evse:"+f.published.ID.String()+":2" {
			t.Errorf("pushes after the location lost its coordinates: %v", got)
		}
		if err := s.DeleteOCPIObject(ctx, f.partner.ID, fc.OCPIModuleTariffs, "NL", "CPO", "T1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("deleting a missing object: %v", err)
		}
	})
}

// TestRoamingLocationsOffline: a start that marks every station offline
// queues the published locations of the stations that were connected,
// whose EVSEs become unknown.
func TestRoamingLocationsOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		f := newRoamingFixture(t, s)
		for _, st := range []*fc.Station{f.published, f.hidden, f.plain2} {
			if err := s.SetConnection(ctx, st.ID, true, fc.OCPP16, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		ms, err := s.OCPIOutbox(ctx, f.prov.ID, f.partner.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if err := s.OCPIDelivered(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.MarkAllOffline(ctx); err != nil {
			t.Fatal(err)
		}
		ms, err = s.OCPIOutbox(ctx, f.prov.ID, f.partner.ID, 100)
		if err != nil || len(ms) != 1 || ms[0].Key != "location:"+f.placed.ID.String() || ms[0].Method != "PUT" {
			t.Errorf("pushes after every station went offline: %+v %v", ms, err)
		}
	})
}
