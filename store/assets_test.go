package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func employeeID(e fc.Employee) fc.ID { return e.ID }
func cardID(c fc.Card) fc.ID         { return c.ID }
func locationID(l fc.Location) fc.ID { return l.ID }
func groupID(g fc.ChargeGroup) fc.ID { return g.ID }
func stationID(st fc.Station) fc.ID  { return st.ID }

func TestEmployees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		other := mustWorld(t, s, "Other")

		for _, tc := range []struct {
			name  string
			e     fc.Employee
			field string
		}{
			{"no name", fc.Employee{AccountID: w.Account.ID, Name: " "}, "name"},
			{"bad email", fc.Employee{AccountID: w.Account.ID, Name: "A", Email: "not an email"}, "email"},
			{"long number", fc.Employee{AccountID: w.Account.ID, Name: "A", EmployeeNumber: strings.Repeat("9", 65)}, "employee_number"},
			{"no account", fc.Employee{Name: "A"}, "account_id"},
			{"other provider's account", fc.Employee{AccountID: other.Account.ID, Name: "A"}, "account_id"},
		} {
			e := tc.e
			e.ProviderID = w.Provider.ID
			wantField(t, tc.name, s.CreateEmployee(ctx, &e), tc.field)
		}

		bob := &fc.Employee{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: " Bob ", Email: " bob@example.com ", EmployeeNumber: "E-7", Active: true}
		if err := s.CreateEmployee(ctx, bob); err != nil {
			t.Fatal(err)
		}
		got, err := s.Employee(ctx, all, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Bob" || got.Email != "bob@example.com" || got.EmployeeNumber != "E-7" || !got.Active || got.AccountID != w.Account.ID {
			t.Errorf("employee = %+v", got)
		}
		if _, err := s.UpdateEmployee(ctx, all, bob.ID, func(e *fc.Employee) error { e.Active = false; return nil }); err != nil {
			t.Fatal(err)
		}
		active, inactive := true, false
		for _, tc := range []struct {
			name string
			f    fc.EmployeeFilter
			want []fc.ID
		}{
			{"all", fc.EmployeeFilter{}, []fc.ID{w.Employee.ID, bob.ID}},
			{"account", fc.EmployeeFilter{AccountID: w.Account.ID}, []fc.ID{w.Employee.ID, bob.ID}},
			{"active", fc.EmployeeFilter{Active: &active}, []fc.ID{w.Employee.ID}},
			{"inactive", fc.EmployeeFilter{Active: &inactive}, []fc.ID{bob.ID}},
			{"search email", fc.EmployeeFilter{Search: "BOB@"}, []fc.ID{bob.ID}},
			{"search number", fc.EmployeeFilter{Search: "e-7"}, []fc.ID{bob.ID}},
		} {
			list, err := s.Employees(ctx, all, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(list, employeeID); !slices.Equal(got, tc.want) {
				t.Errorf("%s: employees = %v, want %v", tc.name, got, tc.want)
			}
		}

		second := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Second")
		_, err = s.UpdateEmployee(ctx, all, bob.ID, func(e *fc.Employee) error { e.AccountID = second.ID; return nil })
		wantCode(t, "move employee by update", err, fc.EUnprocessable)
		_, err = s.UpdateEmployee(ctx, all, bob.ID, func(e *fc.Employee) error { e.Email = "bob"; return nil })
		wantField(t, "update to a bad email", err, "email")

		// Deletes: refused while cards, a home or sessions hang on the employee.
		card := mustCard(t, s, w.Account, bob.ID, "BOB1")
		wantCode(t, "delete with a card", s.DeleteEmployee(ctx, all, bob.ID), fc.EUnprocessable)
		if _, err := s.UpdateCard(ctx, all, card.ID, func(c *fc.Card) error { c.EmployeeID = 0; return nil }); err != nil {
			t.Fatal(err)
		}
		home := mustLocation(t, s, w.Account, fc.LocationHome, bob.ID)
		wantCode(t, "delete with a home", s.DeleteEmployee(ctx, all, bob.ID), fc.EUnprocessable)
		if err := s.DeleteLocation(ctx, all, home.ID); err != nil {
			t.Fatal(err)
		}
		rawSession(t, s, w.Card, w.Station) // a session of w.Employee with w.Card
		if _, err := s.UpdateCard(ctx, all, w.Card.ID, func(c *fc.Card) error { c.EmployeeID = 0; return nil }); err != nil {
			t.Fatal(err)
		}
		err = s.DeleteEmployee(ctx, all, w.Employee.ID)
		if !fc.IsCode(err, fc.EUnprocessable) || !strings.Contains(err.Error(), "sessions") {
			t.Errorf("delete with sessions: err = %v, want %s naming the sessions", err, fc.EUnprocessable)
		}
		if err := s.DeleteEmployee(ctx, all, bob.ID); err != nil {
			t.Fatalf("delete free employee: %v", err)
		}
		_, err = s.Employee(ctx, all, bob.ID)
		wantCode(t, "read deleted employee", err, fc.ENotFound)
	})
}

func TestCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		other := mustWorld(t, s, "Other")
		second := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Second")
		stranger := mustEmployee(t, s, second, "Stranger")

		valid := fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: "04A2B3C4", ExternalID: "NL-FLC-000001", Status: fc.CardActive}
		for _, tc := range []struct {
			name  string
			edit  func(c *fc.Card)
			field string
		}{
			{"no internal ID", func(c *fc.Card) { c.InternalID = "  " }, "internal_id"},
			{"internal ID of 21", func(c *fc.Card) { c.InternalID = strings.Repeat("A", 21) }, "internal_id"},
			{"control character", func(c *fc.Card) { c.InternalID = "AB\x01CD" }, "internal_id"},
			{"not ASCII", func(c *fc.Card) { c.InternalID = "ÄBC" }, "internal_id"},
			{"no external ID", func(c *fc.Card) { c.ExternalID = "" }, "external_id"},
			{"external ID of 65", func(c *fc.Card) { c.ExternalID = strings.Repeat("é", 65) }, "external_id"},
			{"bad status", func(c *fc.Card) { c.Status = "blocked" }, "status"},
			{"no account", func(c *fc.Card) { c.AccountID = 0 }, "account_id"},
			{"other provider's account", func(c *fc.Card) { c.AccountID = other.Account.ID }, "account_id"},
			{"other account's employee", func(c *fc.Card) { c.EmployeeID = stranger.ID }, "employee_id"},
			{"other provider's employee", func(c *fc.Card) { c.EmployeeID = other.Employee.ID }, "employee_id"},
		} {
			c := valid
			tc.edit(&c)
			wantField(t, tc.name, s.CreateCard(ctx, &c), tc.field)
		}
		// The longest internal ID and an external ID of 64 characters pass.
		long := valid
		long.InternalID, long.ExternalID = strings.Repeat("F", 20), strings.Repeat("é", 64)
		if err := s.CreateCard(ctx, &long); err != nil {
			t.Errorf("create card at the length limits: %v", err)
		}

		c := valid
		c.EmployeeID = w.Employee.ID
		c.InternalID = " 04A2B3C4 "
		if err := s.CreateCard(ctx, &c); err != nil {
			t.Fatal(err)
		}
		got, err := s.Card(ctx, all, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.InternalID != "04A2B3C4" || got.ExternalID != "NL-FLC-000001" || got.EmployeeID != w.Employee.ID ||
			got.Status != fc.CardActive || got.LastUsedAt != nil {
			t.Errorf("card = %+v", got)
		}

		// Internal IDs are unique per provider without case (OCPP compares
		// idTags so), external IDs exactly; another provider may reuse both.
		for _, tc := range []struct{ name, internal, external string }{
			{"same internal ID", "04A2B3C4", "X-1"},
			{"internal ID in another case", "04a2b3c4", "X-2"},
			{"same external ID", "FFFF0001", "NL-FLC-000001"},
		} {
			dup := valid
			dup.InternalID, dup.ExternalID = tc.internal, tc.external
			wantCode(t, tc.name, s.CreateCard(ctx, &dup), fc.EConflict)
		}
		elsewhere := fc.Card{ProviderID: other.Provider.ID, AccountID: other.Account.ID, InternalID: "04A2B3C4", ExternalID: "NL-FLC-000001", Status: fc.CardActive}
		if err := s.CreateCard(ctx, &elsewhere); err != nil {
			t.Errorf("same IDs in another provider: %v", err)
		}

		// Updates: reassign within the account, block, unblock.
		colleague := mustEmployee(t, s, w.Account, "Colleague")
		steps := []struct {
			name string
			edit func(c *fc.Card)
			code string
		}{
			{"reassign within the account", func(c *fc.Card) { c.EmployeeID = colleague.ID }, ""},
			{"assign to another account's employee", func(c *fc.Card) { c.EmployeeID = stranger.ID }, fc.EInvalid},
			{"move to another account", func(c *fc.Card) { c.AccountID = second.ID }, fc.EUnprocessable},
			{"take another card's internal ID", func(c *fc.Card) { c.InternalID = w.Card.InternalID }, fc.EConflict},
			{"take another card's external ID", func(c *fc.Card) { c.ExternalID = w.Card.ExternalID }, fc.EConflict},
			{"block", func(c *fc.Card) { c.Status = fc.CardInactive }, ""},
			{"unblock", func(c *fc.Card) { c.Status = fc.CardActive }, ""},
			{"deactivate", func(c *fc.Card) { c.Status = fc.CardDeactivated }, ""},
			{"reactivate", func(c *fc.Card) { c.Status = fc.CardActive }, fc.EUnprocessable},
			{"block a deactivated card", func(c *fc.Card) { c.Status = fc.CardInactive }, fc.EUnprocessable},
			{"rename a deactivated card", func(c *fc.Card) { c.ExternalID = "NL-FLC-000001-OLD" }, ""},
		}
		for _, step := range steps {
			_, err := s.UpdateCard(ctx, all, c.ID, func(c *fc.Card) error { step.edit(c); return nil })
			if step.code == "" && err != nil {
				t.Errorf("%s: %v", step.name, err)
			} else if step.code != "" {
				wantCode(t, step.name, err, step.code)
			}
		}
		got, _ = s.Card(ctx, all, c.ID)
		if got.EmployeeID != colleague.ID || got.Status != fc.CardDeactivated || got.AccountID != w.Account.ID || got.ExternalID != "NL-FLC-000001-OLD" {
			t.Errorf("card after updates = %+v", got)
		}

		for _, tc := range []struct {
			name string
			f    fc.CardFilter
			want []fc.ID
		}{
			{"account", fc.CardFilter{AccountID: w.Account.ID}, []fc.ID{w.Card.ID, long.ID, c.ID}},
			{"employee", fc.CardFilter{EmployeeID: colleague.ID}, []fc.ID{c.ID}},
			{"status", fc.CardFilter{Status: fc.CardDeactivated}, []fc.ID{c.ID}},
			{"internal ID prefix", fc.CardFilter{Search: "04a2"}, []fc.ID{c.ID}},
			{"external ID prefix", fc.CardFilter{Search: "nl-flc"}, []fc.ID{c.ID}},
			{"inside the internal ID", fc.CardFilter{Search: "B3c"}, []fc.ID{c.ID}},
			{"inside the external ID", fc.CardFilter{Search: "FLC-0000"}, []fc.ID{c.ID}},
			{"inside the employee's name", fc.CardFilter{Search: "OLLEAG"}, []fc.ID{c.ID}},
			{"a wildcard is text", fc.CardFilter{Search: "%"}, []fc.ID{}},
			{"no match", fc.CardFilter{Search: "zz-none"}, []fc.ID{}},
		} {
			list, err := s.Cards(ctx, all, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(list, cardID); !slices.Equal(got, tc.want) {
				t.Errorf("%s: cards = %v, want %v", tc.name, got, tc.want)
			}
		}

		// A card with history stays; an unused one goes, and leaves the
		// access lists that named it.
		rawSession(t, s, w.Card, w.Station)
		wantCode(t, "delete a used card", s.DeleteCard(ctx, all, w.Card.ID), fc.EUnprocessable)
		if _, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error {
			g.AllowedCardIDs = []fc.ID{c.ID, w.Card.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCard(ctx, all, c.ID); err != nil {
			t.Fatalf("delete unused card: %v", err)
		}
		g, err := s.ChargeGroup(ctx, all, w.Group.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []fc.ID{w.Card.ID}; !slices.Equal(g.AllowedCardIDs, want) {
			t.Errorf("allowed cards after delete = %v, want %v", g.AllowedCardIDs, want)
		}

		// The audit log places card changes at the card's account.
		events, err := s.AuditEvents(ctx, accountScope(w.Provider.ID, w.Account.ID), fc.AuditFilter{ObjectType: fc.KindCard, ObjectID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 || events[0].Action != "card.create" || events[0].AccountID != w.Account.ID ||
			events[0].OrganizationID != w.Org.ID || events[len(events)-1].Action != "card.delete" {
			t.Errorf("card audit events = %+v", events)
		}
	})
}

func TestLocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		other := mustWorld(t, s, "Other")
		second := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Second")
		stranger := mustEmployee(t, s, second, "Stranger")

		valid := fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Depot", Kind: fc.LocationOffice, Country: "nl"}
		for _, tc := range []struct {
			name  string
			edit  func(l *fc.Location)
			field string
		}{
			{"no name", func(l *fc.Location) { l.Name = "" }, "name"},
			{"bad kind", func(l *fc.Location) { l.Kind = "garage" }, "kind"},
			{"bad country", func(l *fc.Location) { l.Country = "NLD" }, "country"},
			{"home without employee", func(l *fc.Location) { l.Kind = fc.LocationHome }, "employee_id"},
			{"office with employee", func(l *fc.Location) { l.EmployeeID = w.Employee.ID }, "employee_id"},
			{"home of another account's employee", func(l *fc.Location) { l.Kind, l.EmployeeID = fc.LocationHome, stranger.ID }, "employee_id"},
			{"home of another provider's employee", func(l *fc.Location) { l.Kind, l.EmployeeID = fc.LocationHome, other.Employee.ID }, "employee_id"},
			{"other provider's account", func(l *fc.Location) { l.AccountID = other.Account.ID }, "account_id"},
		} {
			l := valid
			tc.edit(&l)
			wantField(t, tc.name, s.CreateLocation(ctx, &l), tc.field)
		}

		depot := valid
		if err := s.CreateLocation(ctx, &depot); err != nil {
			t.Fatal(err)
		}
		if depot.Country != "NL" {
			t.Errorf("country = %q, want NL", depot.Country)
		}
		home := mustLocation(t, s, w.Account, fc.LocationHome, w.Employee.ID)
		colleague := mustEmployee(t, s, w.Account, "Colleague")
		if _, err := s.UpdateLocation(ctx, all, home.ID, func(l *fc.Location) error { l.EmployeeID = colleague.ID; return nil }); err != nil {
			t.Errorf("pass a home to a colleague: %v", err)
		}
		_, err := s.UpdateLocation(ctx, all, home.ID, func(l *fc.Location) error { l.EmployeeID = stranger.ID; return nil })
		wantField(t, "pass a home to another account's employee", err, "employee_id")
		_, err = s.UpdateLocation(ctx, all, home.ID, func(l *fc.Location) error { l.AccountID = second.ID; return nil })
		wantCode(t, "move a location by update", err, fc.EUnprocessable)
		got, err := s.Location(ctx, all, home.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EmployeeID != colleague.ID || got.Kind != fc.LocationHome || got.AccountID != w.Account.ID {
			t.Errorf("home = %+v", got)
		}

		list, err := s.Locations(ctx, all, fc.LocationFilter{Kind: fc.LocationOffice})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(list, locationID), []fc.ID{w.Office.ID, depot.ID}; !slices.Equal(got, want) {
			t.Errorf("offices = %v, want %v", got, want)
		}
		list, err = s.Locations(ctx, all, fc.LocationFilter{Search: "EPO"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(list, locationID), []fc.ID{depot.ID}; !slices.Equal(got, want) {
			t.Errorf("locations with %q = %v, want %v", "EPO", got, want)
		}

		wantCode(t, "delete a location with a station", s.DeleteLocation(ctx, all, w.Office.ID), fc.EUnprocessable)
		if err := s.DeleteStation(ctx, all, w.Station.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteLocation(ctx, all, w.Office.ID); err != nil {
			t.Errorf("delete a free location: %v", err)
		}
	})
}

func TestChargeGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		other := mustWorld(t, s, "Other")
		guest := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Guest")
		guestCard := mustCard(t, s, guest, 0, "GUEST1")

		valid := fc.ChargeGroup{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Depot", Kind: fc.GroupOther,
			Access: fc.AccessRestricted, Tariff: fc.Tariff{Currency: "eur", PerKWhMicros: 350000, PerMinuteMicros: 10000, StartFeeMicros: 500000}}
		for _, tc := range []struct {
			name  string
			edit  func(g *fc.ChargeGroup)
			field string
		}{
			{"no name", func(g *fc.ChargeGroup) { g.Name = "" }, "name"},
			{"bad kind", func(g *fc.ChargeGroup) { g.Kind = "office" }, "kind"},
			{"bad access", func(g *fc.ChargeGroup) { g.Access = "private" }, "access"},
			{"short currency", func(g *fc.ChargeGroup) { g.Tariff.Currency = "EU" }, "tariff.currency"},
			{"currency with digits", func(g *fc.ChargeGroup) { g.Tariff.Currency = "E1R" }, "tariff.currency"},
			{"negative price per kWh", func(g *fc.ChargeGroup) { g.Tariff.PerKWhMicros = -1 }, "tariff.per_kwh"},
			{"negative price per minute", func(g *fc.ChargeGroup) { g.Tariff.PerMinuteMicros = -1 }, "tariff.per_minute"},
			{"negative start fee", func(g *fc.ChargeGroup) { g.Tariff.StartFeeMicros = -1 }, "tariff.start_fee"},
			{"other provider's account allowed", func(g *fc.ChargeGroup) { g.AllowedAccountIDs = []fc.ID{guest.ID, other.Account.ID} }, "allowed_account_ids"},
			{"other provider's organization allowed", func(g *fc.ChargeGroup) { g.AllowedOrganizationIDs = []fc.ID{other.Org.ID} }, "allowed_organization_ids"},
			{"other provider's card allowed", func(g *fc.ChargeGroup) { g.AllowedCardIDs = []fc.ID{other.Card.ID} }, "allowed_card_ids"},
			{"missing card allowed", func(g *fc.ChargeGroup) { g.AllowedCardIDs = []fc.ID{99999} }, "allowed_card_ids"},
			{"other provider's account", func(g *fc.ChargeGroup) { g.AccountID = other.Account.ID }, "account_id"},
		} {
			g := valid
			tc.edit(&g)
			wantField(t, tc.name, s.CreateChargeGroup(ctx, &g), tc.field)
		}

		g := valid
		g.AllowedAccountIDs = []fc.ID{guest.ID, guest.ID}
		g.AllowedOrganizationIDs = []fc.ID{w.Org.ID}
		g.AllowedCardIDs = []fc.ID{guestCard.ID, w.Card.ID}
		if err := s.CreateChargeGroup(ctx, &g); err != nil {
			t.Fatal(err)
		}
		got, err := s.ChargeGroup(ctx, all, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTariff := fc.Tariff{Currency: "EUR", PerKWhMicros: 350000, PerMinuteMicros: 10000, StartFeeMicros: 500000}
		if !got.Tariff.SamePrices(wantTariff) || got.Access != fc.AccessRestricted || got.Kind != fc.GroupOther {
			t.Errorf("group = %+v", got)
		}
		for _, l := range []struct {
			name      string
			got, want []fc.ID
		}{
			{"accounts", got.AllowedAccountIDs, []fc.ID{guest.ID}},
			{"organizations", got.AllowedOrganizationIDs, []fc.ID{w.Org.ID}},
			{"cards", got.AllowedCardIDs, []fc.ID{w.Card.ID, guestCard.ID}},
		} {
			if !slices.Equal(l.got, l.want) {
				t.Errorf("allowed %s = %v, want %v", l.name, l.got, l.want)
			}
		}
		if !got.Admits(guestCard, nil) {
			t.Error("the stored group does not admit a listed card")
		}

		// A list read carries every group's own lists.
		list, err := s.ChargeGroups(ctx, all, fc.ChargeGroupFilter{AccountID: w.Account.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(list, groupID), []fc.ID{w.Group.ID, g.ID}; !slices.Equal(got, want) {
			t.Fatalf("groups = %v, want %v", got, want)
		}
		if found, err := s.ChargeGroups(ctx, all, fc.ChargeGroupFilter{Search: "EPO"}); err != nil || !slices.Equal(idsOf(found, groupID), []fc.ID{g.ID}) {
			t.Errorf("groups with %q = %v (%v), want %v", "EPO", idsOf(found, groupID), err, g.ID)
		}
		if len(list[0].AllowedCardIDs) != 0 || list[0].AllowedCardIDs == nil || len(list[1].AllowedCardIDs) != 2 {
			t.Errorf("listed allowed cards = %v and %v, want [] and two", list[0].AllowedCardIDs, list[1].AllowedCardIDs)
		}

		updated, err := s.UpdateChargeGroup(ctx, all, g.ID, func(g *fc.ChargeGroup) error {
			g.AllowedCardIDs = nil
			g.AllowedAccountIDs = append(g.AllowedAccountIDs, w.Account.ID)
			g.Tariff.PerKWhMicros = 290000
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = s.ChargeGroup(ctx, all, g.ID)
		if len(got.AllowedCardIDs) != 0 || !slices.Equal(got.AllowedAccountIDs, []fc.ID{w.Account.ID, guest.ID}) ||
			got.Tariff.PerKWhMicros != 290000 || !slices.Equal(updated.AllowedAccountIDs, got.AllowedAccountIDs) {
			t.Errorf("group after update = %+v", got)
		}
		_, err = s.UpdateChargeGroup(ctx, all, g.ID, func(g *fc.ChargeGroup) error { g.AccountID = guest.ID; return nil })
		wantCode(t, "move a charge group by update", err, fc.EUnprocessable)
		_, err = s.UpdateChargeGroup(ctx, all, g.ID, func(g *fc.ChargeGroup) error {
			g.AllowedOrganizationIDs = []fc.ID{other.Org.ID}
			return nil
		})
		wantField(t, "allow another provider's organization", err, "allowed_organization_ids")

		wantCode(t, "delete a group with stations", s.DeleteChargeGroup(ctx, all, w.Group.ID), fc.EUnprocessable)
		if err := s.DeleteChargeGroup(ctx, all, g.ID); err != nil {
			t.Fatalf("delete a free group: %v", err)
		}
		_, err = s.ChargeGroup(ctx, all, g.ID)
		wantCode(t, "read deleted group", err, fc.ENotFound)
	})
}

func TestStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		other := mustWorld(t, s, "Other")
		second := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Second")
		secondOffice := mustLocation(t, s, second, fc.LocationOffice, 0)
		secondGroup := mustChargeGroup(t, s, second, fc.AccessPublic)

		valid := fc.Station{ProviderID: w.Provider.ID, AccountID: w.Account.ID, LocationID: w.Office.ID, ChargeGroupID: w.Group.ID,
			Identity: "DEPOT-01", PasswordHash: "h", Vendor: "Alfen", Model: "Eve"}
		for _, tc := range []struct {
			name       string
			edit       func(st *fc.Station)
			connectors int
			field      string
		}{
			{"no identity", func(st *fc.Station) { st.Identity = " " }, 2, "identity"},
			{"slash in identity", func(st *fc.Station) { st.Identity = "a/b" }, 2, "identity"},
			{"space in identity", func(st *fc.Station) { st.Identity = "a b" }, 2, "identity"},
			{"identity of 49", func(st *fc.Station) { st.Identity = strings.Repeat("x", 49) }, 2, "identity"},
			{"no connectors", func(st *fc.Station) {}, 0, "connectors"},
			{"33 connectors", func(st *fc.Station) {}, 33, "connectors"},
			{"long vendor", func(st *fc.Station) { st.Vendor = strings.Repeat("v", 21) }, 2, "vendor"},
			{"another account's location", func(st *fc.Station) { st.LocationID = secondOffice.ID }, 2, "location_id"},
			{"another account's group", func(st *fc.Station) { st.ChargeGroupID = secondGroup.ID }, 2, "charge_group_id"},
			{"another provider's location", func(st *fc.Station) { st.LocationID = other.Office.ID }, 2, "location_id"},
			{"another provider's group", func(st *fc.Station) { st.ChargeGroupID = other.Group.ID }, 2, "charge_group_id"},
			{"another provider's account", func(st *fc.Station) { st.AccountID = other.Account.ID }, 2, "account_id"},
		} {
			st := valid
			tc.edit(&st)
			wantField(t, tc.name, s.CreateStation(ctx, &st, tc.connectors), tc.field)
		}

		st := valid
		st.Identity = strings.Repeat("x", 46) + "._"
		if err := s.CreateStation(ctx, &st, 3); err != nil {
			t.Fatal(err)
		}
		got, err := s.Station(ctx, stationScope(all), st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Identity != st.Identity || got.PasswordHash != "h" || got.Vendor != "Alfen" || got.Connection != fc.StationOffline ||
			got.LastHeartbeatAt != nil {
			t.Errorf("station = %+v", got)
		}
		var connectors []int
		for _, cp := range got.ChargePoints {
			connectors = append(connectors, cp.ConnectorID)
			if cp.Status != "Unknown" || cp.StationID != st.ID || cp.ID == 0 {
				t.Errorf("charge point = %+v", cp)
			}
		}
		if want := []int{1, 2, 3}; !slices.Equal(connectors, want) {
			t.Errorf("connectors = %v, want %v", connectors, want)
		}

		// Identities are unique on the whole platform.
		dup := valid
		dup.Identity = w.Station.Identity
		wantCode(t, "same identity", s.CreateStation(ctx, &dup, 1), fc.EConflict)
		dup = fc.Station{ProviderID: other.Provider.ID, AccountID: other.Account.ID, LocationID: other.Office.ID,
			ChargeGroupID: other.Group.ID, Identity: st.Identity}
		wantCode(t, "same identity in another provider", s.CreateStation(ctx, &dup, 1), fc.EConflict)

		if _, err := s.DB().ExecContext(ctx, `UPDATE stations SET online = TRUE WHERE id = $1`, int64(st.ID)); err != nil {
			t.Fatal(err)
		}
		depot := mustLocation(t, s, w.Account, fc.LocationOffice, 0)
		restricted := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
		updated, err := s.UpdateStation(ctx, all, st.ID, func(st *fc.Station) error {
			st.LocationID, st.ChargeGroupID, st.Model = depot.ID, restricted.ID, "Eve Double"
			st.Connection, st.ChargePoints = fc.StationOffline, nil // not the caller's to change
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if updated.Connection != fc.StationOnline || len(updated.ChargePoints) != 3 {
			t.Errorf("update changed what the station reports: %+v", updated)
		}
		got, _ = s.Station(ctx, stationScope(all), st.ID)
		if got.LocationID != depot.ID || got.ChargeGroupID != restricted.ID || got.Model != "Eve Double" || got.Connection != fc.StationOnline {
			t.Errorf("station after update = %+v", got)
		}
		for _, tc := range []struct {
			name string
			edit func(st *fc.Station)
			code string
		}{
			{"move to another account", func(st *fc.Station) { st.AccountID = second.ID }, fc.EUnprocessable},
			{"stand at another account's location", func(st *fc.Station) { st.LocationID = secondOffice.ID }, fc.EInvalid},
			{"join another account's group", func(st *fc.Station) { st.ChargeGroupID = secondGroup.ID }, fc.EInvalid},
			{"take another station's identity", func(st *fc.Station) { st.Identity = w.Station.Identity }, fc.EConflict},
		} {
			_, err := s.UpdateStation(ctx, all, st.ID, func(st *fc.Station) error { tc.edit(st); return nil })
			wantCode(t, tc.name, err, tc.code)
		}

		for _, tc := range []struct {
			name string
			f    fc.StationFilter
			want []fc.ID
		}{
			{"all", fc.StationFilter{}, []fc.ID{w.Station.ID, st.ID}},
			{"location", fc.StationFilter{LocationID: depot.ID}, []fc.ID{st.ID}},
			{"group", fc.StationFilter{ChargeGroupID: w.Group.ID}, []fc.ID{w.Station.ID}},
			{"search", fc.StationFilter{Search: "w-cp"}, []fc.ID{w.Station.ID}},
			{"other account", fc.StationFilter{AccountID: second.ID}, []fc.ID{}},
		} {
			list, err := s.Stations(ctx, stationScope(all), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(list, stationID); !slices.Equal(got, tc.want) {
				t.Errorf("%s: stations = %v, want %v", tc.name, got, tc.want)
			}
		}

		rawSession(t, s, w.Card, w.Station)
		wantCode(t, "delete a station with sessions", s.DeleteStation(ctx, all, w.Station.ID), fc.EUnprocessable)
		if err := s.DeleteStation(ctx, all, st.ID); err != nil {
			t.Fatalf("delete an unused station: %v", err)
		}
		_, err = s.Station(ctx, stationScope(all), st.ID)
		wantCode(t, "read deleted station", err, fc.ENotFound)
		var points int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM charge_points WHERE station_id = $1`, int64(st.ID)).Scan(&points); err != nil {
			t.Fatal(err)
		}
		if points != 0 {
			t.Errorf("charge points left of a deleted station: %d", points)
		}
	})
}

// TestAssetScope checks every asset kind against reaches: a reach on an
// organization sees exactly the assets of the accounts in its subtree.
func TestAssetScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		ams := mustOrg(t, s, p.ID, nl.ID, "Amsterdam")
		de := mustOrg(t, s, p.ID, holding.ID, "DE")
		type assets struct {
			employee *fc.Employee
			card     *fc.Card
			location *fc.Location
			group    *fc.ChargeGroup
			station  *fc.Station
		}
		fill := func(a *fc.Account, tag string) assets {
			var x assets
			x.employee = mustEmployee(t, s, a, "E "+tag)
			x.card = mustCard(t, s, a, x.employee.ID, tag)
			x.location = mustLocation(t, s, a, fc.LocationOffice, 0)
			x.group = mustChargeGroup(t, s, a, fc.AccessPublic)
			x.station = mustStation(t, s, a, x.location, x.group, "ST-"+tag)
			return x
		}
		amsAssets := fill(mustAccount(t, s, p.ID, ams.ID, "Amsterdam BV"), "AMS")
		deAssets := fill(mustAccount(t, s, p.ID, de.ID, "DE GmbH"), "DE")
		other := mustWorld(t, s, "Other")

		kinds := []struct {
			kind string
			ids  func(x assets) fc.ID
			list func(sc fc.Scope) ([]fc.ID, error)
			get  func(sc fc.Scope, id fc.ID) error
		}{
			{fc.KindEmployee, func(x assets) fc.ID { return x.employee.ID },
				func(sc fc.Scope) ([]fc.ID, error) {
					l, err := s.Employees(ctx, sc, fc.EmployeeFilter{})
					return idsOf(l, employeeID), err
				},
				func(sc fc.Scope, id fc.ID) error { _, err := s.Employee(ctx, sc, id); return err }},
			{fc.KindCard, func(x assets) fc.ID { return x.card.ID },
				func(sc fc.Scope) ([]fc.ID, error) {
					l, err := s.Cards(ctx, sc, fc.CardFilter{})
					return idsOf(l, cardID), err
				},
				func(sc fc.Scope, id fc.ID) error { _, err := s.Card(ctx, sc, id); return err }},
			{fc.KindLocation, func(x assets) fc.ID { return x.location.ID },
				func(sc fc.Scope) ([]fc.ID, error) {
					l, err := s.Locations(ctx, sc, fc.LocationFilter{})
					return idsOf(l, locationID), err
				},
				func(sc fc.Scope, id fc.ID) error { _, err := s.Location(ctx, sc, id); return err }},
			{fc.KindChargeGroup, func(x assets) fc.ID { return x.group.ID },
				func(sc fc.Scope) ([]fc.ID, error) {
					l, err := s.ChargeGroups(ctx, sc, fc.ChargeGroupFilter{})
					return idsOf(l, groupID), err
				},
				func(sc fc.Scope, id fc.ID) error { _, err := s.ChargeGroup(ctx, sc, id); return err }},
			{fc.KindStation, func(x assets) fc.ID { return x.station.ID },
				func(sc fc.Scope) ([]fc.ID, error) {
					l, err := s.Stations(ctx, stationScope(sc), fc.StationFilter{})
					return idsOf(l, stationID), err
				},
				func(sc fc.Scope, id fc.ID) error { _, err := s.Station(ctx, stationScope(sc), id); return err }},
		}
		for _, k := range kinds {
			otherID := map[string]fc.ID{fc.KindEmployee: other.Employee.ID, fc.KindCard: other.Card.ID,
				fc.KindLocation: other.Office.ID, fc.KindChargeGroup: other.Group.ID, fc.KindStation: other.Station.ID}[k.kind]
			for _, tc := range []struct {
				name      string
				sc        fc.Scope
				seen, not []fc.ID
			}{
				{"NL", orgScope(p.ID, nl.ID), []fc.ID{k.ids(amsAssets)}, []fc.ID{k.ids(deAssets), otherID}},
				{"DE", orgScope(p.ID, de.ID), []fc.ID{k.ids(deAssets)}, []fc.ID{k.ids(amsAssets), otherID}},
				{"holding", orgScope(p.ID, holding.ID), []fc.ID{k.ids(amsAssets), k.ids(deAssets)}, []fc.ID{otherID}},
				{"other provider's organization", orgScope(p.ID, other.Org.ID), []fc.ID{}, []fc.ID{k.ids(amsAssets), otherID}},
				{"other provider's account", accountScope(p.ID, other.Account.ID), []fc.ID{}, []fc.ID{k.ids(deAssets), otherID}},
			} {
				got, err := k.list(tc.sc)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.seen) {
					t.Errorf("%s from %s: list = %v, want %v", k.kind, tc.name, got, tc.seen)
				}
				for _, id := range tc.seen {
					if err := k.get(tc.sc, id); err != nil {
						t.Errorf("%s %s from %s: %v", k.kind, id, tc.name, err)
					}
				}
				for _, id := range tc.not {
					wantCode(t, k.kind+" "+id.String()+" from "+tc.name, k.get(tc.sc, id), fc.ENotFound)
				}
			}
		}

		// Writes are scoped the same way.
		nlScope := orgScope(p.ID, nl.ID)
		rename := func(n *string) { *n = "Taken" }
		for what, err := range map[string]error{
			"update employee":              errOf(s.UpdateEmployee(ctx, nlScope, deAssets.employee.ID, func(e *fc.Employee) error { rename(&e.Name); return nil })),
			"update card":                  errOf(s.UpdateCard(ctx, nlScope, deAssets.card.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })),
			"update location":              errOf(s.UpdateLocation(ctx, nlScope, deAssets.location.ID, func(l *fc.Location) error { rename(&l.Name); return nil })),
			"update charge group":          errOf(s.UpdateChargeGroup(ctx, nlScope, deAssets.group.ID, func(g *fc.ChargeGroup) error { rename(&g.Name); return nil })),
			"update station":               errOf(s.UpdateStation(ctx, nlScope, deAssets.station.ID, func(st *fc.Station) error { st.Model = "X"; return nil })),
			"delete station":               s.DeleteStation(ctx, nlScope, deAssets.station.ID),
			"delete card":                  s.DeleteCard(ctx, nlScope, deAssets.card.ID),
			"delete other provider's card": s.DeleteCard(ctx, fc.ProviderScope(p.ID), other.Card.ID),
		} {
			wantCode(t, what+" out of reach", err, fc.ENotFound)
		}
	})
}

// errOf returns the error of a (value, error) pair.
func errOf[T any](_ T, err error) error { return err }

// TestHomeStations checks that a fleet manager's reach on its employees
// reads their home stations and nothing else of the facility side.
func TestHomeStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		nl := mustOrg(t, s, w.Provider.ID, w.Org.ID, "NL")
		a := mustAccount(t, s, w.Provider.ID, nl.ID, "NL BV")
		eva := mustEmployee(t, s, a, "Eva")
		home := mustLocation(t, s, a, fc.LocationHome, eva.ID)
		office := mustLocation(t, s, a, fc.LocationOffice, 0)
		g := mustChargeGroup(t, s, a, fc.AccessRestricted)
		homeStation := mustStation(t, s, a, home, g, "HOME-EVA")
		officeStation := mustStation(t, s, a, office, g, "OFFICE-NL")

		fleet := fc.StationScope{ProviderID: w.Provider.ID, HomesOf: fc.Reach{OrgIDs: []fc.ID{nl.ID}}}
		list, err := s.Stations(ctx, fleet, fc.StationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(list, stationID), []fc.ID{homeStation.ID}; !slices.Equal(got, want) {
			t.Errorf("stations a fleet manager reads = %v, want %v", got, want)
		}
		if len(list) == 1 && len(list[0].ChargePoints) != 2 {
			t.Errorf("home station charge points = %v", list[0].ChargePoints)
		}
		if _, err := s.Station(ctx, fleet, homeStation.ID); err != nil {
			t.Errorf("read home station: %v", err)
		}
		_, err = s.Station(ctx, fleet, officeStation.ID)
		wantCode(t, "fleet manager reads the office station", err, fc.ENotFound)

		both := fleet
		both.Reach = fc.Reach{AccountIDs: []fc.ID{w.Account.ID}}
		list, err = s.Stations(ctx, both, fc.StationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(list, stationID), []fc.ID{w.Station.ID, homeStation.ID}; !slices.Equal(got, want) {
			t.Errorf("stations of a reach and a fleet = %v, want %v", got, want)
		}

		elsewhere := fc.StationScope{ProviderID: w.Provider.ID, HomesOf: fc.Reach{AccountIDs: []fc.ID{w.Account.ID}}}
		_, err = s.Station(ctx, elsewhere, homeStation.ID)
		wantCode(t, "another fleet reads the home station", err, fc.ENotFound)
		foreign := mustWorld(t, s, "Foreign")
		_, err = s.Station(ctx, fc.StationScope{ProviderID: foreign.Provider.ID, HomesOf: fc.Everything}, homeStation.ID)
		wantCode(t, "another provider reads the home station", err, fc.ENotFound)
	})
}

func TestAssetPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "W")
		all := fc.ProviderScope(w.Provider.ID)
		want := []fc.ID{w.Station.ID}
		for i := 0; i < 6; i++ {
			g := mustChargeGroup(t, s, w.Account, fc.AccessRestricted)
			if _, err := s.UpdateChargeGroup(ctx, all, g.ID, func(g *fc.ChargeGroup) error {
				g.AllowedCardIDs = []fc.ID{w.Card.ID}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			st := mustStation(t, s, w.Account, w.Office, g, "PAGE-"+string(rune('A'+i)))
			want = append(want, st.ID)
		}

		var got []fc.ID
		f := fc.StationFilter{Page: fc.Page{Limit: 4}}
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatal("paging does not end")
			}
			list, err := s.Stations(ctx, stationScope(all), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				break
			}
			for _, st := range list {
				if len(st.ChargePoints) != 2 || st.ChargePoints[0].StationID != st.ID {
					t.Errorf("station %s charge points = %+v", st.ID, st.ChargePoints)
				}
			}
			got = append(got, idsOf(list, stationID)...)
			f.After = list[len(list)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("stations over pages = %v, want %v", got, want)
		}
		// Newest first: forward over every page, then back from the last.
		desc := slices.Clone(want)
		slices.Reverse(desc)
		got = nil
		f = fc.StationFilter{Page: fc.Page{Limit: 3, Desc: true}}
		var firsts []fc.ID
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatal("paging newest first does not end")
			}
			list, err := s.Stations(ctx, stationScope(all), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				break
			}
			got = append(got, idsOf(list, stationID)...)
			firsts = append(firsts, list[0].ID)
			f.After = list[len(list)-1].ID
		}
		if !slices.Equal(got, desc) {
			t.Errorf("stations newest first = %v, want %v", got, desc)
		}
		// The page before the last one, read backward, is the second page.
		list, err := s.Stations(ctx, stationScope(all), fc.StationFilter{Page: fc.Page{Limit: 3, Desc: true, Before: firsts[len(firsts)-1]}})
		if err != nil {
			t.Fatal(err)
		}
		if len(firsts) < 3 || !slices.Equal(idsOf(list, stationID), desc[3:6]) {
			t.Errorf("page before %v newest first = %v, want %v", firsts, idsOf(list, stationID), desc[3:6])
		}

		got = nil
		gf := fc.ChargeGroupFilter{Page: fc.Page{Limit: 3}}
		for {
			list, err := s.ChargeGroups(ctx, all, gf)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				break
			}
			for _, g := range list {
				if wantCards := g.ID != w.Group.ID; wantCards != slices.Equal(g.AllowedCardIDs, []fc.ID{w.Card.ID}) {
					t.Errorf("group %s allowed cards = %v", g.ID, g.AllowedCardIDs)
				}
			}
			got = append(got, idsOf(list, groupID)...)
			gf.After = list[len(list)-1].ID
		}
		if len(got) != 7 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != 7 {
			t.Errorf("groups over pages = %v, want 7 distinct in order", got)
		}
	})
}

func TestOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		ams := mustOrg(t, s, p.ID, nl.ID, "Amsterdam")
		a := mustAccount(t, s, p.ID, ams.ID, "Amsterdam BV")
		e := mustEmployee(t, s, a, "Eva")
		c := mustCard(t, s, a, e.ID, "EVA1")
		home := mustLocation(t, s, a, fc.LocationHome, e.ID)
		g := mustChargeGroup(t, s, a, fc.AccessPublic)
		st := mustStation(t, s, a, home, g, "HOME-EVA")
		other := mustWorld(t, s, "Other")
		atStation := rawSession(t, s, c, st)
		atOther := rawSession(t, s, c, nil)
		chain := []fc.ID{holding.ID, nl.ID, ams.ID}

		for _, tc := range []struct {
			kind string
			id   fc.ID
			want fc.Owner
		}{
			{fc.KindOrganization, nl.ID, fc.Owner{OrgPath: []fc.ID{holding.ID, nl.ID}}},
			{fc.KindOrganization, holding.ID, fc.Owner{OrgPath: []fc.ID{holding.ID}}},
			{fc.KindAccount, a.ID, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindEmployee, e.ID, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindCard, c.ID, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindLocation, home.ID, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindChargeGroup, g.ID, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindStation, st.ID, fc.Owner{AccountID: a.ID, OrgPath: chain, HomeOfAccountID: a.ID}},
			{fc.KindStation, other.Station.ID, fc.Owner{}}, // another provider's
			{fc.KindSession, atStation, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindSession, atOther, fc.Owner{AccountID: a.ID, OrgPath: chain}},
			{fc.KindCard, other.Card.ID, fc.Owner{}},
			{fc.KindAccount, other.Account.ID, fc.Owner{}},
			{fc.KindOrganization, other.Org.ID, fc.Owner{}},
			{fc.KindCard, 99999, fc.Owner{}},
		} {
			got, err := s.Owner(ctx, p.ID, tc.kind, tc.id)
			if tc.want.OrgPath == nil {
				wantCode(t, "owner of "+tc.kind+" "+tc.id.String(), err, fc.ENotFound)
				continue
			}
			if err != nil {
				t.Errorf("owner of %s %s: %v", tc.kind, tc.id, err)
				continue
			}
			tc.want.ProviderID = p.ID
			if got.ProviderID != tc.want.ProviderID || got.AccountID != tc.want.AccountID ||
				got.HomeOfAccountID != tc.want.HomeOfAccountID || !slices.Equal(got.OrgPath, tc.want.OrgPath) {
				t.Errorf("owner of %s %s = %+v, want %+v", tc.kind, tc.id, got, tc.want)
			}
		}
		office, err := s.Owner(ctx, other.Provider.ID, fc.KindStation, other.Station.ID)
		if err != nil {
			t.Fatal(err)
		}
		if office.HomeOfAccountID != 0 || office.AccountID != other.Account.ID {
			t.Errorf("owner of an office station = %+v", office)
		}
		_, err = s.Owner(ctx, p.ID, "spaceship", 1)
		wantCode(t, "owner of an unknown kind", err, fc.EInvalid)
	})
}
