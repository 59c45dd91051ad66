package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// tableCounts returns the number of rows of every table the store writes,
// the audit log included: equal counts before and after a refused write
// show that nothing was written.
func tableCounts(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"providers", "organizations", "accounts", "employees", "cards", "locations",
		"charge_groups", "charge_group_access", "stations", "charge_points", "sessions", "users", "role_assignments",
		"api_tokens", "audit_events"} {
		var n int
		if err := s.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// wantUnchanged fails the test when a table's row count changed.
func wantUnchanged(t *testing.T, s *store.Store, before map[string]int) {
	t.Helper()
	for table, n := range tableCounts(t, s) {
		if n != before[table] {
			t.Errorf("%s: %d rows, want %d: a refused write wrote", table, n, before[table])
		}
	}
}

// badTexts returns text no field of at most max characters on one line
// takes, by name.
func badTexts(max int) map[string]string {
	return map[string]string{
		"NUL":            "a\x00b",
		"invalid UTF-8":  "a\xffb",
		"escape":         "a\x1bb",
		"tab":            "a\tb",
		"line feed":      "a\nb",
		"C1 control":     "a\u0085b",
		"line separator": "a\u2028b",
		"bidi override":  "a\u202eb",
		"too long":       strings.Repeat("ä", max+1),
	}
}

// TestTextBounds writes every text field of every object the store writes,
// on create and on update, with each kind of bad text: each is refused as
// invalid on that field, and nothing is written.
func TestTextBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Text")
		admin := mustUser(t, s, w.Provider.ID, "admin@text.example.com")
		all := fc.ProviderScope(w.Provider.ID)
		stop := march.Add(2 * time.Hour)

		type write struct {
			field string
			max   int
			fn    func(v string) error
		}
		writes := []write{
			{"name", 200, func(v string) error { return s.CreateProvider(ctx, &fc.Provider{Name: v}) }},
			{"time_zone", 64, func(v string) error { return s.CreateProvider(ctx, &fc.Provider{Name: "P", TimeZone: v}) }},
			{"name", 200, func(v string) error {
				return s.CreateOrganization(ctx, &fc.Organization{ProviderID: w.Provider.ID, Name: v})
			}},
			{"name", 200, func(v string) error {
				_, err := s.UpdateOrganization(ctx, all, w.Org.ID, func(o *fc.Organization) error { o.Name = v; return nil })
				return err
			}},
			{"name", 200, func(v string) error {
				return s.CreateAccount(ctx, &fc.Account{ProviderID: w.Provider.ID, OrganizationID: w.Org.ID, Name: v, Kind: fc.AccountCompany})
			}},
			{"name", 200, func(v string) error {
				_, err := s.UpdateAccount(ctx, all, w.Account.ID, func(a *fc.Account) error { a.Name = v; return nil })
				return err
			}},
			{"name", 200, func(v string) error {
				return s.CreateEmployee(ctx, &fc.Employee{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: v})
			}},
			{"email", 254, func(v string) error {
				return s.CreateEmployee(ctx, &fc.Employee{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "E", Email: v})
			}},
			{"employee_number", 64, func(v string) error {
				_, err := s.UpdateEmployee(ctx, all, w.Employee.ID, func(e *fc.Employee) error { e.EmployeeNumber = v; return nil })
				return err
			}},
			{"external_id", 64, func(v string) error {
				return s.CreateCard(ctx, &fc.Card{ProviderID: w.Provider.ID, AccountID: w.Account.ID, InternalID: "NEW1", ExternalID: v, Status: fc.CardActive})
			}},
			{"external_id", 64, func(v string) error {
				_, err := s.UpdateCard(ctx, all, w.Card.ID, func(c *fc.Card) error { c.ExternalID = v; return nil })
				return err
			}},
			{"name", 200, func(v string) error {
				return s.CreateLocation(ctx, &fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: v, Kind: fc.LocationOffice})
			}},
			{"city", 200, func(v string) error {
				_, err := s.UpdateLocation(ctx, all, w.Office.ID, func(l *fc.Location) error { l.City = v; return nil })
				return err
			}},
			{"postal_code", 20, func(v string) error {
				_, err := s.UpdateLocation(ctx, all, w.Office.ID, func(l *fc.Location) error { l.PostalCode = v; return nil })
				return err
			}},
			{"name", 200, func(v string) error {
				return s.CreateChargeGroup(ctx, &fc.ChargeGroup{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: v,
					Kind: fc.GroupOther, Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}})
			}},
			{"name", 200, func(v string) error {
				_, err := s.UpdateChargeGroup(ctx, all, w.Group.ID, func(g *fc.ChargeGroup) error { g.Name = v; return nil })
				return err
			}},
			{"vendor", 20, func(v string) error {
				return s.CreateStation(ctx, &fc.Station{ProviderID: w.Provider.ID, AccountID: w.Account.ID, LocationID: w.Office.ID,
					ChargeGroupID: w.Group.ID, Identity: "TEXT-NEW", Vendor: v}, 1)
			}},
			{"model", 20, func(v string) error {
				_, err := s.UpdateStation(ctx, all, w.Station.ID, func(st *fc.Station) error { st.Model = v; return nil })
				return err
			}},
			{"serial_number", 25, func(v string) error {
				_, err := s.UpdateStation(ctx, all, w.Station.ID, func(st *fc.Station) error { st.SerialNumber = v; return nil })
				return err
			}},
			{"firmware_version", 50, func(v string) error {
				_, err := s.UpdateStation(ctx, all, w.Station.ID, func(st *fc.Station) error { st.Firmware = v; return nil })
				return err
			}},
			{"name", 200, func(v string) error {
				return s.CreateUser(ctx, &fc.User{ProviderID: w.Provider.ID, Email: "new@text.example.com", Name: v})
			}},
			{"email", 254, func(v string) error {
				return s.CreateUser(ctx, &fc.User{ProviderID: w.Provider.ID, Email: v + "@text.example.com", Name: "N"})
			}},
			{"name", 200, func(v string) error {
				_, err := s.UpdateUser(ctx, all, admin.ID, func(u *fc.User) error { u.Name = v; return nil })
				return err
			}},
			{"name", 100, func(v string) error {
				return s.CreateAPIToken(ctx, &fc.APIToken{UserID: admin.ID, Name: v, Hash: "h"})
			}},
			{"external_ref", 200, func(v string) error {
				_, err := s.ImportSession(ctx, &fc.Session{ProviderID: w.Provider.ID, ExternalRef: v, CardID: w.Card.ID,
					StationID: w.Station.ID, ConnectorID: 1, StartedAt: march, StoppedAt: &stop, Currency: "EUR"})
				return err
			}},
			{"location_name", 200, func(v string) error {
				_, err := s.ImportSession(ctx, &fc.Session{ProviderID: w.Provider.ID, ExternalRef: "r", CardID: w.Card.ID,
					LocationKind: fc.LocationPublic, LocationName: v, StartedAt: march, StoppedAt: &stop, Currency: "EUR"})
				return err
			}},
		}
		// The multiline address takes line feeds and nothing else of the kind.
		address := func(v string) error {
			_, err := s.UpdateLocation(ctx, all, w.Office.ID, func(l *fc.Location) error { l.Address = v; return nil })
			return err
		}

		before := tableCounts(t, s)
		for _, wr := range writes {
			for name, v := range badTexts(wr.max) {
				wantField(t, wr.field+" "+name, wr.fn(v), wr.field)
			}
		}
		for name, v := range badTexts(500) {
			if name != "line feed" {
				wantField(t, "address "+name, address(v), "address")
			}
		}
		wantUnchanged(t, s, before)

		// Text at the bounds passes, counted in characters, not bytes.
		if err := address("Stationsplein 1\nGebouw B"); err != nil {
			t.Errorf("a two-line address: %v", err)
		}
		long := strings.Repeat("ä", 200)
		if err := s.CreateOrganization(ctx, &fc.Organization{ProviderID: w.Provider.ID, Name: long}); err != nil {
			t.Errorf("a name of 200 non-ASCII characters: %v", err)
		}
		if _, err := s.UpdateUser(ctx, all, admin.ID, func(u *fc.User) error { u.Name = "Zoë 李 🚗"; return nil }); err != nil {
			t.Errorf("a name with accents, CJK and an emoji: %v", err)
		}
	})
}

// TestSearchBounds sends each list's search, and each filter that must be
// one of a few values, what no engine should see: a search too long for
// SQLite's LIKE, NUL and invalid UTF-8 for PostgreSQL. Each is refused as
// invalid; a search's wildcards match themselves.
func TestSearchBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Search")
		all := fc.ProviderScope(w.Provider.ID)
		lists := map[string]func(search string) error{
			"organizations": func(v string) error {
				_, err := s.Organizations(ctx, all, fc.OrganizationFilter{Search: v})
				return err
			},
			"accounts": func(v string) error {
				_, err := s.Accounts(ctx, all, fc.AccountFilter{Search: v})
				return err
			},
			"employees": func(v string) error {
				_, err := s.Employees(ctx, all, fc.EmployeeFilter{Search: v})
				return err
			},
			"cards": func(v string) error {
				_, err := s.Cards(ctx, all, fc.CardFilter{Search: v})
				return err
			},
			"stations": func(v string) error {
				_, err := s.Stations(ctx, stationScope(all), fc.StationFilter{Search: v})
				return err
			},
			"users": func(v string) error {
				_, err := s.Users(ctx, all, fc.UserFilter{Search: v})
				return err
			},
		}
		for list, fn := range lists {
			for name, v := range map[string]string{
				"60,000 characters": strings.Repeat("%a", 30_000),
				"201 characters":    strings.Repeat("x", 201),
				"NUL":               "a\x00",
				"invalid UTF-8":     "\xff\xfe",
				"control":           "a\x1b",
			} {
				wantField(t, list+" search "+name, fn(v), "search")
			}
			if err := fn(strings.Repeat("ä", 200)); err != nil {
				t.Errorf("%s search of 200 characters: %v", list, err)
			}
		}
		for name, err := range map[string]error{
			"account kind": func() error {
				_, err := s.Accounts(ctx, all, fc.AccountFilter{Kind: "company\x00"})
				return err
			}(),
			"card status": func() error {
				_, err := s.Cards(ctx, all, fc.CardFilter{Status: "\xff"})
				return err
			}(),
			"location kind": func() error {
				_, err := s.Locations(ctx, all, fc.LocationFilter{Kind: "office\x00"})
				return err
			}(),
		} {
			if !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s filter: err = %v, want invalid", name, err)
			}
		}

		// Wildcards and the escape character match themselves.
		for _, name := range []string{"50% off", "500 off", "a_b", "axb", `back\slash`} {
			mustOrg(t, s, w.Provider.ID, 0, name)
		}
		for search, want := range map[string]string{"50%": "50% off", "a_b": "a_b", `k\s`: `back\slash`} {
			orgs, err := s.Organizations(ctx, all, fc.OrganizationFilter{Search: search})
			if err != nil {
				t.Fatal(err)
			}
			if len(orgs) != 1 || orgs[0].Name != want {
				t.Errorf("search %q found %v, want only %q", search, orgs, want)
			}
		}

		// Sign-in looks up addresses PostgreSQL would not take: none is found.
		for _, email := range []string{"a\x00@b.example", "\xff@b.example", strings.Repeat("a", 300) + "@b.example"} {
			if _, err := s.UserByEmail(ctx, email); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("UserByEmail(%q): err = %v, want not_found", email, err)
			}
		}
	})
}

// TestImportBounds imports sessions past what a charger, its meter or a
// clock can reach: each is refused as invalid on its field, and nothing is
// written. An import that overlaps another session on the same connector is
// refused as a rule violation naming that session.
func TestImportBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		w := mustWorld(t, s, "Bounds")
		start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		valid := func(ref string) *fc.Session {
			stop := start.Add(time.Hour)
			return &fc.Session{ProviderID: w.Provider.ID, ExternalRef: ref, CardID: w.Card.ID, StationID: w.Station.ID, ConnectorID: 1,
				StartedAt: start, StoppedAt: &stop, MeterStartWh: 1_000_000, EnergyWh: 22_000, CostMinor: 770, Currency: "EUR"}
		}
		at := func(t time.Time) *time.Time { return &t }

		before := tableCounts(t, s)
		for _, tc := range []struct {
			name  string
			field string
			edit  func(x *fc.Session)
		}{
			{"meter start near the int64 maximum", "meter_start_wh", func(x *fc.Session) { x.MeterStartWh = 1<<63 - 10 }},
			{"meter start past a meter's range", "meter_start_wh", func(x *fc.Session) { x.MeterStartWh = 1_000_000_000_001 }},
			{"meter stop past a meter's range", "meter_start_wh", func(x *fc.Session) { x.MeterStartWh = 1_000_000_000_000 - 10 }},
			{"negative meter start", "meter_start_wh", func(x *fc.Session) { x.MeterStartWh = -1 }},
			{"energy of 9,999,999,999,999.999 kWh", "energy_kwh", func(x *fc.Session) { x.EnergyWh = 9_999_999_999_999_999 }},
			{"energy over 10 MWh", "energy_kwh", func(x *fc.Session) { x.StoppedAt = at(start.Add(24 * time.Hour)); x.EnergyWh = 10_000_001 }},
			{"energy over 1 MW for the duration", "energy_kwh", func(x *fc.Session) { x.EnergyWh = 1_000_001 }},
			{"energy in no time", "energy_kwh", func(x *fc.Session) { x.StoppedAt = at(start.Add(time.Millisecond)); x.EnergyWh = 1 }},
			{"negative energy", "energy_kwh", func(x *fc.Session) { x.EnergyWh = -1 }},
			{"year 9999", "started_at", func(x *fc.Session) {
				x.StartedAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
				x.StoppedAt = at(x.StartedAt.Add(time.Hour))
			}},
			{"before 2000", "started_at", func(x *fc.Session) { x.StartedAt = time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC) }},
			{"stopped past the clock skew", "stopped_at", func(x *fc.Session) {
				x.StartedAt = now.Add(23 * time.Hour)
				x.StoppedAt = at(now.Add(25 * time.Hour))
			}},
			{"longer than a week", "stopped_at", func(x *fc.Session) { x.StoppedAt = at(start.Add(7*24*time.Hour + time.Second)) }},
			{"stopped before started", "stopped_at", func(x *fc.Session) { x.StoppedAt = at(start.Add(-time.Second)) }},
			{"cost over ten million", "cost", func(x *fc.Session) { x.CostMinor = 1_000_000_001 }},
			{"negative cost", "cost", func(x *fc.Session) { x.CostMinor = -1 }},
			{"currency with NUL", "currency", func(x *fc.Session) { x.Currency = "EU\x00" }},
			{"currency of digits", "currency", func(x *fc.Session) { x.Currency = "978" }},
			{"id_tag with NUL", "id_tag", func(x *fc.Session) { x.CardID, x.IDTag = 0, "TAG\x00" }},
			{"id_tag of 21 characters", "id_tag", func(x *fc.Session) { x.CardID, x.IDTag = 0, strings.Repeat("T", 21) }},
		} {
			x := valid("bad-" + tc.name)
			tc.edit(x)
			_, err := s.ImportSession(ctx, x)
			wantField(t, tc.name, err, tc.field)
		}
		wantUnchanged(t, s, before)

		// At the bounds: a week at the most, a meter at the top of its
		// range, 1 MW throughout, a day of clock skew.
		for _, tc := range []struct {
			name string
			edit func(x *fc.Session)
		}{
			{"a week", func(x *fc.Session) {
				x.StartedAt = start.Add(-8 * 24 * time.Hour)
				x.StoppedAt = at(x.StartedAt.Add(7 * 24 * time.Hour))
			}},
			{"1 MW for an hour, at the meter's end", func(x *fc.Session) {
				x.StartedAt = start.Add(2 * time.Hour)
				x.StoppedAt = at(x.StartedAt.Add(time.Hour))
				x.EnergyWh, x.MeterStartWh = 1_000_000, 1_000_000_000_000-1_000_000
			}},
			{"ending a day ahead of the clock", func(x *fc.Session) { x.StartedAt = now.Add(23 * time.Hour); x.StoppedAt = at(now.Add(24 * time.Hour)) }},
		} {
			x := valid("edge-" + tc.name)
			tc.edit(x)
			if _, err := s.ImportSession(ctx, x); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
	})
}

// TestImportOverlap imports sessions on one connector of an own station:
// one that overlaps another (imported, or recorded and still running) is
// refused, naming it; sessions end to end, on another connector or at a
// foreign place pass.
func TestImportOverlap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Overlap")
		nine := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
		imp := func(ref string, connector int, from, to time.Duration) (*fc.Session, error) {
			stop := nine.Add(to)
			x := &fc.Session{ProviderID: w.Provider.ID, ExternalRef: ref, CardID: w.Card.ID, StationID: w.Station.ID, ConnectorID: connector,
				StartedAt: nine.Add(from), StoppedAt: &stop, EnergyWh: 1000, Currency: "EUR"}
			if connector == 0 {
				x.StationID, x.LocationKind, x.LocationName = 0, fc.LocationPublic, "Elsewhere"
			}
			_, err := s.ImportSession(ctx, x)
			return x, err
		}
		first, err := imp("first", 1, 0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		before := tableCounts(t, s)
		for _, tc := range []struct {
			name     string
			from, to time.Duration
		}{
			{"the same hour", 0, time.Hour},
			{"starting inside", 30 * time.Minute, 90 * time.Minute},
			{"ending inside", -30 * time.Minute, 30 * time.Minute},
			{"around it", -time.Hour, 2 * time.Hour},
			{"within it", 10 * time.Minute, 20 * time.Minute},
		} {
			_, err := imp("overlap "+tc.name, 1, tc.from, tc.to)
			wantCode(t, tc.name, err, fc.EUnprocessable)
			if !strings.Contains(fc.ErrorMessage(err), "session "+first.ID.String()) {
				t.Errorf("%s: message %q does not name session %s", tc.name, fc.ErrorMessage(err), first.ID)
			}
		}
		wantUnchanged(t, s, before)

		for _, tc := range []struct {
			name      string
			connector int
			from, to  time.Duration
		}{
			{"right after", 1, time.Hour, 2 * time.Hour},
			{"right before", 1, -time.Hour, 0},
			{"on the other connector", 2, 0, time.Hour},
			{"at a foreign place", 0, 0, time.Hour},
		} {
			if _, err := imp("fine "+tc.name, tc.connector, tc.from, tc.to); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}

		// A session recorded by the station and still running occupies the
		// connector from its start on.
		var running int64
		if err := s.DB().QueryRowContext(ctx, `INSERT INTO sessions (provider_id, source, card_id, id_tag, card_account_id, station_id,
			connector_id, station_account_id, location_id, location_kind, started_at, energy_wh, duration_s, created_at, updated_at)
			VALUES ($1, 'ocpp', $2, $3, $4, $5, 2, $6, $7, 'office', $8, 0, 0, $8, $8) RETURNING id`,
			int64(w.Provider.ID), int64(w.Card.ID), w.Card.InternalID, int64(w.Account.ID), int64(w.Station.ID),
			int64(w.Account.ID), int64(w.Office.ID), nine.Add(10*time.Hour).UnixMilli()).Scan(&running); err != nil {
			t.Fatal(err)
		}
		_, err = imp("during the running one", 2, 11*time.Hour, 12*time.Hour)
		wantCode(t, "during a running session", err, fc.EUnprocessable)
		if _, err := imp("before the running one", 2, 8*time.Hour, 9*time.Hour); err != nil {
			t.Errorf("before a running session: %v", err)
		}
		// A repeat of an import is no overlap with itself.
		if _, err := imp("first", 1, 0, time.Hour); err != nil {
			t.Errorf("repeat of the first import: %v", err)
		}
	})
}

// TestImportOverlapConcurrent imports two overlapping sessions at the same
// time: the check runs in the import's transaction, so exactly one passes.
func TestImportOverlapConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Race")
		for round := 0; round < 5; round++ {
			start := time.Date(2025, 5, 1+round, 9, 0, 0, 0, time.UTC)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			ready := make(chan struct{})
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					stop := start.Add(time.Hour + time.Duration(i)*time.Minute)
					x := &fc.Session{ProviderID: w.Provider.ID, ExternalRef: fmt.Sprintf("race-%d-%d", round, i), CardID: w.Card.ID,
						StationID: w.Station.ID, ConnectorID: 1, StartedAt: start, StoppedAt: &stop, Currency: "EUR"}
					<-ready
					_, errs[i] = s.ImportSession(ctx, x)
				}()
			}
			close(ready)
			wg.Wait()
			passed := 0
			for _, err := range errs {
				if err == nil {
					passed++
				} else if !fc.IsCode(err, fc.EUnprocessable) {
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			}
			if passed != 1 {
				t.Errorf("round %d: %d overlapping imports passed (%v), want one", round, passed, errs)
			}
		}
	})
}
