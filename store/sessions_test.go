package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// sessionWorld is a provider where a fleet account's card charges at a
// station of a site account, in two organizations under one holding.
type sessionWorld struct {
	provider          *fc.Provider
	holding           *fc.Organization
	fleetOrg, siteOrg *fc.Organization
	fleet, site       *fc.Account
	driver            *fc.Employee
	card              *fc.Card
	office            *fc.Location
	station           *fc.Station
}

func mustSessionWorld(t *testing.T, s *store.Store, name string) sessionWorld {
	t.Helper()
	var w sessionWorld
	w.provider = mustProvider(t, s, name)
	w.holding = mustOrg(t, s, w.provider.ID, 0, name+" Holding")
	w.fleetOrg = mustOrg(t, s, w.provider.ID, w.holding.ID, name+" Fleet")
	w.siteOrg = mustOrg(t, s, w.provider.ID, w.holding.ID, name+" Sites")
	w.fleet = mustAccount(t, s, w.provider.ID, w.fleetOrg.ID, name+" Trucks")
	w.site = mustAccount(t, s, w.provider.ID, w.siteOrg.ID, name+" Depot")
	w.driver = mustEmployee(t, s, w.fleet, "Dana "+name)
	w.card = mustCard(t, s, w.fleet, w.driver.ID, name+"-TAG9")
	w.office = mustLocation(t, s, w.site, fc.LocationOffice, 0)
	w.station = mustStation(t, s, w.site, w.office, mustChargeGroup(t, s, w.site, fc.AccessPublic), name+"-CP1")
	return w
}

var march = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)

// mustImport imports a finished session of the world's card at its station,
// starting at march plus offset and lasting an hour.
func mustImport(t *testing.T, s *store.Store, w sessionWorld, ref string, offset time.Duration) *fc.Session {
	t.Helper()
	start := march.Add(offset)
	stop := start.Add(time.Hour)
	x := &fc.Session{ProviderID: w.provider.ID, ExternalRef: ref, CardID: w.card.ID, StationID: w.station.ID, ConnectorID: 1,
		StartedAt: start, StoppedAt: &stop, EnergyWh: 7000, CostMinor: 245, Currency: "EUR"}
	created, err := s.ImportSession(context.Background(), x)
	if err != nil || !created {
		t.Fatalf("import %s: created %v, err %v", ref, created, err)
	}
	return x
}

func reachAccounts(ids ...fc.ID) fc.Reach { return fc.Reach{AccountIDs: ids} }

func TestSessionVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "Vis")
		x := mustImport(t, s, w, "ref-1", 0)
		p := w.provider.ID

		for _, tc := range []struct {
			name        string
			sc          fc.SessionScope
			wantVisible bool
			wantMasked  bool
		}{
			{"card side only", fc.SessionScope{ProviderID: p, CardSide: reachAccounts(w.fleet.ID)}, true, false},
			{"card side by organization", fc.SessionScope{ProviderID: p, CardSide: fc.Reach{OrgIDs: []fc.ID{w.fleetOrg.ID}}}, true, false},
			{"station side only", fc.SessionScope{ProviderID: p, StationSide: reachAccounts(w.site.ID)}, true, true},
			{"station side, card side elsewhere", fc.SessionScope{ProviderID: p, CardSide: reachAccounts(w.site.ID), StationSide: reachAccounts(w.site.ID)}, true, true},
			{"both sides", fc.SessionScope{ProviderID: p, CardSide: reachAccounts(w.fleet.ID), StationSide: reachAccounts(w.site.ID)}, true, false},
			{"whole provider", fc.SessionScope{ProviderID: p, CardSide: fc.Everything, StationSide: fc.Everything}, true, false},
			{"neither side", fc.SessionScope{ProviderID: p, CardSide: reachAccounts(w.site.ID), StationSide: reachAccounts(w.fleet.ID)}, false, false},
			{"nothing", fc.SessionScope{ProviderID: p}, false, false},
		} {
			got, err := s.Session(ctx, tc.sc, x.ID)
			list, lerr := s.Sessions(ctx, tc.sc, fc.SessionFilter{})
			if lerr != nil {
				t.Fatalf("%s: list: %v", tc.name, lerr)
			}
			if !tc.wantVisible {
				if !fc.IsCode(err, fc.ENotFound) || len(list) != 0 {
					t.Errorf("%s: err = %v and %d listed, want not_found and none", tc.name, err, len(list))
				}
				continue
			}
			if err != nil || len(list) != 1 {
				t.Fatalf("%s: err = %v and %d listed, want the session", tc.name, err, len(list))
			}
			for _, g := range []fc.Session{*got, list[0]} {
				// A masked session names nothing of its card side: not the
				// card, its account, its driver or its tag.
				want := struct {
					masked                  bool
					card, account, employee fc.ID
					tag, ext                string
				}{false, w.card.ID, w.fleet.ID, w.driver.ID, "Vis-TAG9", "EXT-Vis-TAG9"}
				if tc.wantMasked {
					want.masked, want.card, want.account, want.employee, want.tag, want.ext = true, 0, 0, 0, "", "********TAG9"
				}
				if g.CardMasked != want.masked || g.CardID != want.card || g.CardAccountID != want.account || g.EmployeeID != want.employee ||
					g.IDTag != want.tag || g.ExternalID != want.ext {
					t.Errorf("%s: masked %v card %s account %s employee %s tag %q external %q, want %v %s %s %s %q %q", tc.name,
						g.CardMasked, g.CardID, g.CardAccountID, g.EmployeeID, g.IDTag, g.ExternalID,
						want.masked, want.card, want.account, want.employee, want.tag, want.ext)
				}
				if g.StationAccountID != w.site.ID {
					t.Errorf("%s: station side %s, want %s", tc.name, g.StationAccountID, w.site.ID)
				}
			}
		}

		other := mustSessionWorld(t, s, "Other")
		everything := fc.SessionScope{ProviderID: other.provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		if _, err := s.Session(ctx, everything, x.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider: err = %v, want not_found", err)
		}
		if list, _ := s.Sessions(ctx, everything, fc.SessionFilter{}); len(list) != 0 {
			t.Errorf("another provider lists %d sessions", len(list))
		}
	})
}

func TestMaskCardNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "Mask")
		for i, tc := range []struct{ external, want string }{
			{"1234", "****"},
			{"12345", "*2345"},
			{"NL-ABC-123456-7", "***********56-7"},
			{"ÄÖÜ-ß1234", "*****1234"},
		} {
			c := &fc.Card{ProviderID: w.provider.ID, AccountID: w.fleet.ID, InternalID: "MASK" + string(rune('A'+i)), ExternalID: tc.external, Status: fc.CardActive}
			if err := s.CreateCard(ctx, c); err != nil {
				t.Fatal(err)
			}
			start := march.Add(time.Duration(i) * 2 * time.Hour) // one after the other on the connector
			stop := start.Add(time.Hour)
			x := &fc.Session{ProviderID: w.provider.ID, ExternalRef: "mask-" + tc.external, CardID: c.ID, StationID: w.station.ID,
				ConnectorID: 2, StartedAt: start, StoppedAt: &stop, Currency: "EUR"}
			if _, err := s.ImportSession(ctx, x); err != nil {
				t.Fatal(err)
			}
			got, err := s.Session(ctx, fc.SessionScope{ProviderID: w.provider.ID, StationSide: reachAccounts(w.site.ID)}, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ExternalID != tc.want {
				t.Errorf("masked %q = %q, want %q", tc.external, got.ExternalID, tc.want)
			}
		}
	})
}

func TestSessionFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "Filt")
		a := mustImport(t, s, w, "a", 0)
		b := mustImport(t, s, w, "b", 24*time.Hour)
		c := mustImport(t, s, w, "c", 48*time.Hour)

		colleague := mustEmployee(t, s, w.fleet, "Colleague")
		card2 := mustCard(t, s, w.fleet, colleague.ID, "Filt-TAG2")
		stop := march.Add(73 * time.Hour)
		home := &fc.Session{ProviderID: w.provider.ID, ExternalRef: "d", IDTag: "filt-tag2", LocationKind: fc.LocationHome,
			LocationName: "Home of a colleague", StartedAt: march.Add(72 * time.Hour), StoppedAt: &stop, EnergyWh: 5000, Currency: "EUR"}
		if _, err := s.ImportSession(ctx, home); err != nil {
			t.Fatal(err)
		}
		running, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.station.ID, ConnectorID: 1, IDTag: "Filt-TAG9", Timestamp: march.Add(96 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}

		p := w.provider.ID
		all := fc.SessionScope{ProviderID: p, CardSide: fc.Everything, StationSide: fc.Everything}
		stationSide := fc.SessionScope{ProviderID: p, StationSide: reachAccounts(w.site.ID)}
		for _, tc := range []struct {
			name string
			sc   fc.SessionScope
			f    fc.SessionFilter
			want []fc.ID
		}{
			{"all", all, fc.SessionFilter{}, []fc.ID{a.ID, b.ID, c.ID, home.ID, running.ID}},
			{"from is inclusive", all, fc.SessionFilter{From: march.Add(24 * time.Hour)}, []fc.ID{b.ID, c.ID, home.ID, running.ID}},
			{"to is exclusive", all, fc.SessionFilter{To: march.Add(48 * time.Hour)}, []fc.ID{a.ID, b.ID}},
			{"period", all, fc.SessionFilter{From: march.Add(time.Hour), To: march.Add(72*time.Hour + time.Millisecond)}, []fc.ID{b.ID, c.ID, home.ID}},
			{"card account", all, fc.SessionFilter{AccountID: w.fleet.ID}, []fc.ID{a.ID, b.ID, c.ID, home.ID, running.ID}},
			{"station account", all, fc.SessionFilter{AccountID: w.site.ID}, []fc.ID{a.ID, b.ID, c.ID, running.ID}},
			{"card", all, fc.SessionFilter{CardID: card2.ID}, []fc.ID{home.ID}},
			{"employee", all, fc.SessionFilter{EmployeeID: w.driver.ID}, []fc.ID{a.ID, b.ID, c.ID, running.ID}},
			{"employee, from the station side", stationSide, fc.SessionFilter{EmployeeID: w.driver.ID}, nil},
			// A foreign card, or its account, must not pick out which masked
			// sessions it made.
			{"card, from the station side", stationSide, fc.SessionFilter{CardID: w.card.ID}, nil},
			{"card account, from the station side", stationSide, fc.SessionFilter{AccountID: w.fleet.ID}, nil},
			{"station account, from the station side", stationSide, fc.SessionFilter{AccountID: w.site.ID}, []fc.ID{a.ID, b.ID, c.ID, running.ID}},
			{"card, from the card side", fc.SessionScope{ProviderID: p, CardSide: reachAccounts(w.fleet.ID)}, fc.SessionFilter{CardID: w.card.ID},
				[]fc.ID{a.ID, b.ID, c.ID, running.ID}},
			{"station", all, fc.SessionFilter{StationID: w.station.ID}, []fc.ID{a.ID, b.ID, c.ID, running.ID}},
			{"location kind", all, fc.SessionFilter{LocationKind: fc.LocationHome}, []fc.ID{home.ID}},
			{"active only", all, fc.SessionFilter{ActiveOnly: true}, []fc.ID{running.ID}},
			{"page", all, fc.SessionFilter{Page: fc.Page{After: a.ID, Limit: 2}}, []fc.ID{b.ID, c.ID}},
			{"station side sees its station only", stationSide, fc.SessionFilter{}, []fc.ID{a.ID, b.ID, c.ID, running.ID}},
		} {
			list, err := s.Sessions(ctx, tc.sc, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := idsOf(list, func(x fc.Session) fc.ID { return x.ID }); !equalIDs(got, tc.want) {
				t.Errorf("%s: sessions = %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

func TestImportSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "Imp")
		p := w.provider.ID
		start := march
		stop := march.Add(90*time.Minute + 30*time.Second + 400*time.Millisecond)

		x := &fc.Session{ProviderID: p, ExternalRef: " prev-bo-42 ", IDTag: "imp-tag9", StationID: w.station.ID, ConnectorID: 2,
			LocationKind: fc.LocationPublic, StartedAt: start, StoppedAt: &stop, EnergyWh: 12345, CostMinor: 432, Currency: "eur"}
		created, err := s.ImportSession(ctx, x)
		if err != nil || !created {
			t.Fatalf("import: created %v, err %v", created, err)
		}
		if x.ID == 0 || x.Source != fc.SourceImport || x.ExternalRef != "prev-bo-42" || x.CardID != w.card.ID || x.IDTag != "Imp-TAG9" ||
			x.EmployeeID != w.driver.ID || x.CardAccountID != w.fleet.ID || x.StationAccountID != w.site.ID ||
			x.LocationID != w.office.ID || x.LocationKind != fc.LocationOffice || x.LocationName != w.office.Name ||
			x.DurationSeconds != 5430 || x.EnergyWh != 12345 || x.CostMinor != 432 || x.Currency != "EUR" ||
			x.MeterStopWh == nil || *x.MeterStopWh != 12345 || x.ExternalID != w.card.ExternalID {
			t.Errorf("imported = %+v", x)
		}

		// The same import again is answered with the stored session.
		again := &fc.Session{ProviderID: p, ExternalRef: "prev-bo-42", CardID: w.card.ID, StationID: w.station.ID, ConnectorID: 2,
			StartedAt: start, StoppedAt: &stop, EnergyWh: 12345, CostMinor: 432, Currency: "EUR"}
		created, err = s.ImportSession(ctx, again)
		if err != nil || created || again.ID != x.ID || !again.CreatedAt.Equal(x.CreatedAt) {
			t.Errorf("repeat: created %v, err %v, id %s, want %s", created, err, again.ID, x.ID)
		}

		// Other data under the same reference is a conflict.
		for _, tc := range []struct {
			name   string
			change func(*fc.Session)
		}{
			{"energy", func(x *fc.Session) { x.EnergyWh++ }},
			{"cost", func(x *fc.Session) { x.CostMinor = 433 }},
			{"currency", func(x *fc.Session) { x.Currency = "USD" }},
			{"start", func(x *fc.Session) { x.StartedAt = x.StartedAt.Add(-time.Second) }},
			{"connector", func(x *fc.Session) { x.ConnectorID = 1 }},
			{"place", func(x *fc.Session) { x.StationID, x.LocationKind, x.LocationName = 0, fc.LocationPublic, "Somewhere" }},
		} {
			y := *again
			y.ID = 0
			tc.change(&y)
			if _, err := s.ImportSession(ctx, &y); !fc.IsCode(err, fc.EConflict) {
				t.Errorf("repeat with other %s: err = %v, want conflict", tc.name, err)
			}
		}
		list, err := s.Sessions(ctx, fc.SessionScope{ProviderID: p, CardSide: fc.Everything}, fc.SessionFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("after repeats: %d sessions, err %v, want 1", len(list), err)
		}

		// A foreign location instead of an own station.
		roamStop := march.Add(26 * time.Hour)
		roam := &fc.Session{ProviderID: p, ExternalRef: "roaming-1", CardID: w.card.ID, LocationKind: fc.LocationPublic,
			LocationName: "Fastned A2", StartedAt: march.Add(25 * time.Hour), StoppedAt: &roamStop, EnergyWh: 30000, CostMinor: 1770, Currency: "EUR"}
		if _, err := s.ImportSession(ctx, roam); err != nil {
			t.Fatal(err)
		}
		if roam.StationID != 0 || roam.StationAccountID != 0 || roam.LocationID != 0 || roam.LocationKind != fc.LocationPublic || roam.LocationName != "Fastned A2" {
			t.Errorf("roaming import = %+v", roam)
		}
		// A session with no station side is not seen from any station account.
		if _, err := s.Session(ctx, fc.SessionScope{ProviderID: p, StationSide: reachAccounts(w.site.ID)}, roam.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("roaming session from the station side: err = %v, want not_found", err)
		}

		// The card's last use follows the newest session, never going back.
		card, err := s.Card(ctx, fc.ProviderScope(p), w.card.ID)
		if err != nil {
			t.Fatal(err)
		}
		if card.LastUsedAt == nil || !card.LastUsedAt.Equal(roam.StartedAt) {
			t.Errorf("card last used = %v, want %s", card.LastUsedAt, roam.StartedAt)
		}

		events, err := s.AuditEvents(ctx, fc.ProviderScope(p), fc.AuditFilter{ObjectType: fc.KindSession})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || events[0].Action != "session.import" || events[0].ObjectID != x.ID || events[0].AccountID != w.fleet.ID {
			t.Errorf("session audit = %+v, want two session.import", events)
		}
	})
}

func TestImportSessionInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "Bad")
		other := mustSessionWorld(t, s, "Else")
		p := w.provider.ID
		valid := func() fc.Session {
			stop := march.Add(time.Hour)
			return fc.Session{ProviderID: p, ExternalRef: "r", CardID: w.card.ID, StationID: w.station.ID, ConnectorID: 1,
				StartedAt: march, StoppedAt: &stop, EnergyWh: 1000, CostMinor: 35, Currency: "EUR"}
		}
		for _, tc := range []struct {
			name, field string
			change      func(*fc.Session)
		}{
			{"no card", "card_id", func(x *fc.Session) { x.CardID = 0 }},
			{"unknown card", "card_id", func(x *fc.Session) { x.CardID = 999999 }},
			{"card of another provider", "card_id", func(x *fc.Session) { x.CardID = other.card.ID }},
			{"unknown id_tag", "id_tag", func(x *fc.Session) { x.CardID, x.IDTag = 0, "NOPE" }},
			{"id_tag of another provider", "id_tag", func(x *fc.Session) { x.CardID, x.IDTag = 0, "Else-TAG9" }},
			{"id_tag not the card's", "id_tag", func(x *fc.Session) { x.IDTag = "OTHER" }},
			{"station of another provider", "station_id", func(x *fc.Session) { x.StationID = other.station.ID }},
			{"no connector", "connector_id", func(x *fc.Session) { x.ConnectorID = 0 }},
			{"unknown connector", "connector_id", func(x *fc.Session) { x.ConnectorID = 3 }},
			{"no place", "location_kind", func(x *fc.Session) { x.StationID = 0 }},
			{"no location name", "location_name", func(x *fc.Session) { x.StationID, x.LocationKind = 0, fc.LocationHome }},
			{"bad location kind", "location_kind", func(x *fc.Session) { x.StationID, x.LocationKind, x.LocationName = 0, "garage", "G" }},
			{"no start", "started_at", func(x *fc.Session) { x.StartedAt = time.Time{} }},
			{"no stop", "stopped_at", func(x *fc.Session) { x.StoppedAt = nil }},
			{"stop at start", "stopped_at", func(x *fc.Session) { x.StoppedAt = &x.StartedAt }},
			{"negative energy", "energy_kwh", func(x *fc.Session) { x.EnergyWh = -1 }},
			{"negative cost", "cost", func(x *fc.Session) { x.CostMinor = -1 }},
			{"bad currency", "currency", func(x *fc.Session) { x.Currency = "EURO" }},
			{"no currency", "currency", func(x *fc.Session) { x.Currency = "" }},
			{"no reference", "external_ref", func(x *fc.Session) { x.ExternalRef = "  " }},
			{"long reference", "external_ref", func(x *fc.Session) { x.ExternalRef = strings.Repeat("r", 201) }},
		} {
			x := valid()
			tc.change(&x)
			created, err := s.ImportSession(ctx, &x)
			wantField(t, tc.name, err, tc.field)
			if created {
				t.Errorf("%s: created", tc.name)
			}
		}
		if list, _ := s.Sessions(ctx, fc.SessionScope{ProviderID: p, CardSide: fc.Everything, StationSide: fc.Everything}, fc.SessionFilter{}); len(list) != 0 {
			t.Errorf("refused imports stored %d sessions", len(list))
		}
		x := valid()
		x.ExternalRef = strings.Repeat("r", 200)
		if _, err := s.ImportSession(ctx, &x); err != nil {
			t.Errorf("reference of 200 characters: %v", err)
		}
	})
}
