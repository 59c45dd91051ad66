package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// moveWorld is a provider with two top organizations, an account in each
// (From in North, To in South), and in From: two employees, three cards
// (two assigned to Eva), an office with a restricted group admitting From's
// organization, a home of Eva with its own group, a station at each, and a
// session of each card on the office station.
type moveWorld struct {
	w                  world
	north, south       *fc.Organization
	from, to           *fc.Account
	eva, bob           *fc.Employee
	c1, c2, c3         *fc.Card
	office, home       *fc.Location
	officeG, homeG     *fc.ChargeGroup
	officeSt, homeSt   *fc.Station
	sessions           []fc.ID
	provider           fc.ID
	ctx                context.Context
	store              *store.Store
	restrictedAccounts []fc.ID
}

func mustMoveWorld(t *testing.T, s *store.Store, name string) *moveWorld {
	t.Helper()
	m := &moveWorld{store: s, ctx: fc.WithActor(context.Background(), fc.Actor{Label: "test"})}
	p := mustProvider(t, s, name)
	m.provider = p.ID
	m.north = mustOrg(t, s, p.ID, 0, "North")
	m.south = mustOrg(t, s, p.ID, 0, "South")
	m.from = mustAccount(t, s, p.ID, m.north.ID, "From")
	m.to = mustAccount(t, s, p.ID, m.south.ID, "To")
	m.eva = mustEmployee(t, s, m.from, "Eva")
	m.bob = mustEmployee(t, s, m.from, "Bob")
	m.c1 = mustCard(t, s, m.from, m.eva.ID, name+"-1")
	m.c2 = mustCard(t, s, m.from, m.eva.ID, name+"-2")
	m.c3 = mustCard(t, s, m.from, 0, name+"-3")
	m.office = mustLocation(t, s, m.from, fc.LocationOffice, 0)
	m.home = mustLocation(t, s, m.from, fc.LocationHome, m.eva.ID)
	m.officeG = mustChargeGroup(t, s, m.from, fc.AccessRestricted)
	if _, err := s.UpdateChargeGroup(m.ctx, fc.ProviderScope(p.ID), m.officeG.ID, func(g *fc.ChargeGroup) error {
		g.AllowedOrganizationIDs = []fc.ID{m.north.ID}
		g.AllowedCardIDs = []fc.ID{m.c3.ID}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m.homeG = mustChargeGroup(t, s, m.from, fc.AccessPublic)
	m.officeSt = mustStation(t, s, m.from, m.office, m.officeG, name+"-OFFICE")
	m.homeSt = mustStation(t, s, m.from, m.home, m.homeG, name+"-HOME")
	for _, c := range []*fc.Card{m.c1, m.c2, m.c3} {
		m.sessions = append(m.sessions, rawSession(t, s, c, m.officeSt))
	}
	return m
}

func (m *moveWorld) plan(t *testing.T, mg fc.Migration) *fc.MigrationPlan {
	t.Helper()
	mg.ProviderID = m.provider
	p, err := m.store.PlanMigration(m.ctx, mg)
	if err != nil {
		t.Fatalf("plan %+v: %v", mg, err)
	}
	return p
}

func (m *moveWorld) run(t *testing.T, mg fc.Migration) *fc.MigrationPlan {
	t.Helper()
	mg.ProviderID = m.provider
	p, err := m.store.RunMigration(m.ctx, mg, nil)
	if err != nil {
		t.Fatalf("run %+v: %v", mg, err)
	}
	return p
}

// accountOf reads the account column of one asset row.
func (m *moveWorld) accountOf(t *testing.T, table string, id fc.ID) fc.ID {
	t.Helper()
	col := "account_id"
	if table == "accounts" {
		col = "organization_id"
	}
	var v fc.ID
	if err := m.store.DB().QueryRowContext(context.Background(), `SELECT `+col+` FROM `+table+` WHERE id = $1`, int64(id)).Scan(&v); err != nil {
		t.Fatalf("read %s %d: %v", table, id, err)
	}
	return v
}

// snapshot is every asset's account (organization for accounts) and every
// card's employee: what a failed migration must leave as it was.
func (m *moveWorld) snapshot(t *testing.T) map[string]fc.ID {
	t.Helper()
	out := map[string]fc.ID{}
	for _, table := range []string{"accounts", "employees", "cards", "locations", "charge_groups", "stations"} {
		col := "account_id"
		if table == "accounts" {
			col = "organization_id"
		}
		rows, err := m.store.DB().QueryContext(context.Background(), `SELECT id, `+col+` FROM `+table+` WHERE provider_id = $1`, int64(m.provider))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, v fc.ID
			if err := rows.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			out[table+":"+id.String()] = v
		}
		rows.Close()
	}
	for _, c := range []*fc.Card{m.c1, m.c2, m.c3} {
		got, err := m.store.Card(m.ctx, fc.ProviderScope(m.provider), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		out["employee-of-card:"+c.ID.String()] = got.EmployeeID
	}
	var events fc.ID
	if err := m.store.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action LIKE '%migrat%'`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	out["migration-events"] = events
	return out
}

func linksOf(p *fc.MigrationPlan, kind, effect string) []fc.MigrationLink {
	var out []fc.MigrationLink
	for _, l := range p.Links {
		if l.Kind == kind && l.Effect == effect {
			out = append(out, l)
		}
	}
	return out
}

func movedIDs(p *fc.MigrationPlan, kind string) []fc.ID {
	out := []fc.ID{}
	for _, mv := range p.Moves {
		if mv.Kind == kind {
			out = append(out, mv.ID)
		}
	}
	return out
}

func TestMigrateCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		m := mustMoveWorld(t, s, "mc")
		before := m.snapshot(t)
		req := fc.Migration{Kind: fc.MigrateCards, IDs: []fc.ID{m.c1.ID, m.c3.ID}, TargetAccountID: m.to.ID}
		p := m.plan(t, req)
		if got := m.snapshot(t); !mapsEqual(got, before) {
			t.Fatalf("a dry run changed the database")
		}
		if got, want := movedIDs(p, fc.KindCard), []fc.ID{m.c1.ID, m.c3.ID}; !slices.Equal(got, want) {
			t.Errorf("moved cards = %v, want %v", got, want)
		}
		if got := linksOf(p, fc.LinkCardEmployee, fc.LinkDetached); len(got) != 1 || got[0].FromID != m.c1.ID || got[0].ToID != m.eva.ID || got[0].HowToKeep == "" {
			t.Errorf("detached links = %+v, want card %s from employee %s with advice", got, m.c1.ID, m.eva.ID)
		}
		// The office group admits North's cards: c1 loses admission; c3 is
		// named by ID and keeps it.
		lost := linksOf(p, fc.LinkChargeGroupAccess, fc.LinkAdmitLost)
		if len(lost) != 1 || lost[0].FromID != m.officeG.ID || lost[0].Count != 1 {
			t.Errorf("admission lost = %+v, want group %s, 1 card", lost, m.officeG.ID)
		}
		if kept := linksOf(p, fc.LinkChargeGroupAccess, fc.LinkKept); len(kept) != 1 || kept[0].ToID != m.c3.ID {
			t.Errorf("kept access = %+v, want card %s", kept, m.c3.ID)
		}
		if p.Blocked || p.Fingerprint == "" {
			t.Errorf("blocked = %v, fingerprint %q", p.Blocked, p.Fingerprint)
		}
		if again := m.plan(t, req); again.Fingerprint != p.Fingerprint {
			t.Errorf("the same state planned twice gave fingerprints %s and %s", p.Fingerprint, again.Fingerprint)
		}

		req.Plan = p.Fingerprint
		done := m.run(t, req)
		if done.ID == 0 {
			t.Errorf("a real run has no migration ID")
		}
		for _, c := range []*fc.Card{m.c1, m.c3} {
			if got := m.accountOf(t, "cards", c.ID); got != m.to.ID {
				t.Errorf("card %s in account %s, want %s", c.ID, got, m.to.ID)
			}
		}
		if got := m.accountOf(t, "cards", m.c2.ID); got != m.from.ID {
			t.Errorf("card c2 moved to %s, want it left in %s", got, m.from.ID)
		}
		c1, _ := s.Card(m.ctx, fc.ProviderScope(m.provider), m.c1.ID)
		if c1.EmployeeID != 0 {
			t.Errorf("moved card keeps employee %s of another account", c1.EmployeeID)
		}
		// History stays: the sessions keep the card's account of the time.
		for _, id := range m.sessions {
			x, err := s.Session(m.ctx, fc.SessionScope{ProviderID: m.provider, CardSide: fc.Everything}, id)
			if err != nil || x.CardAccountID != m.from.ID {
				t.Errorf("session %s: card account %v (%v), want %s", id, x, err, m.from.ID)
			}
		}
		events, err := s.AuditEvents(m.ctx, fc.ProviderScope(m.provider), fc.AuditFilter{ObjectType: "migration", ObjectID: done.ID})
		if err != nil || len(events) != 1 || !strings.Contains(events[0].After, `"moves"`) {
			t.Fatalf("migration audit events = %+v, %v", events, err)
		}
		// Who sees the account To sees the moved card's event.
		per, err := s.AuditEvents(m.ctx, accountScope(m.provider, m.to.ID), fc.AuditFilter{ObjectType: fc.KindCard, ObjectID: m.c1.ID})
		if err != nil || len(per) == 0 || per[len(per)-1].Action != "card.migrate" {
			t.Errorf("card events in the target account = %+v, %v", per, err)
		}

		// A second migration reverses it.
		back := done.Reverse
		if len(back) != 1 || back[0].TargetAccountID != m.from.ID {
			t.Fatalf("reverse = %+v", back)
		}
		m.run(t, back[0])
		for _, c := range []*fc.Card{m.c1, m.c3} {
			if got := m.accountOf(t, "cards", c.ID); got != m.from.ID {
				t.Errorf("after reversing, card %s in account %s, want %s", c.ID, got, m.from.ID)
			}
		}
	})
}

func mapsEqual(a, b map[string]fc.ID) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMigrateRefusesChangedPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		m := mustMoveWorld(t, s, "mr")
		req := fc.Migration{Kind: fc.MigrateCards, IDs: []fc.ID{m.c1.ID}, TargetAccountID: m.to.ID}
		p := m.plan(t, req)
		later := time.Now().Add(time.Hour)
		s.Now = func() time.Time { return later }
		if _, err := s.UpdateCard(m.ctx, fc.ProviderScope(m.provider), m.c1.ID, func(c *fc.Card) error {
			c.Status = fc.CardInactive
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		before := m.snapshot(t)
		req.ProviderID, req.Plan = m.provider, p.Fingerprint
		_, err := s.RunMigration(m.ctx, req, nil)
		wantCode(t, "run after a change", err, fc.EConflict)
		if got := m.snapshot(t); !mapsEqual(got, before) {
			t.Errorf("a refused run changed the database")
		}

		// A new role assignment changes who gains and loses sight: the
		// plan it was reviewed with is stale too. New sessions are not.
		p = m.plan(t, req)
		rawSession(t, s, m.c1, m.officeSt)
		if again := m.plan(t, req); again.Fingerprint != p.Fingerprint {
			t.Errorf("a new session changed the fingerprint")
		}
		u := &fc.User{ProviderID: m.provider, Email: "fleet@mr.example", Name: "Fleet"}
		if err := s.CreateUser(m.ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAssignment(m.ctx, &fc.Assignment{ProviderID: m.provider, UserID: u.ID, Role: fc.RoleFleetManager, OrganizationID: m.south.ID}); err != nil {
			t.Fatal(err)
		}
		req.Plan = p.Fingerprint
		_, err = s.RunMigration(m.ctx, req, nil)
		wantCode(t, "run after a new role assignment", err, fc.EConflict)
	})
}

func TestMigrateEachKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		m := mustMoveWorld(t, s, "mk")
		tests := []struct {
			name        string
			req         fc.Migration
			blocked     bool
			moves       map[string][]fc.ID // kind → IDs moved
			blockedLink string
		}{
			{name: "employee alone unassigns its cards and is blocked by its home",
				req:     fc.Migration{Kind: fc.MigrateEmployees, IDs: []fc.ID{m.eva.ID}, TargetAccountID: m.to.ID},
				blocked: true, blockedLink: fc.LinkHomeEmployee,
				moves: map[string][]fc.ID{fc.KindEmployee: {m.eva.ID}}},
			{name: "employee without home",
				req:   fc.Migration{Kind: fc.MigrateEmployees, IDs: []fc.ID{m.bob.ID}, TargetAccountID: m.to.ID},
				moves: map[string][]fc.ID{fc.KindEmployee: {m.bob.ID}}},
			{name: "station alone is blocked by its location and group",
				req:     fc.Migration{Kind: fc.MigrateStations, IDs: []fc.ID{m.officeSt.ID}, TargetAccountID: m.to.ID},
				blocked: true, blockedLink: fc.LinkStationLocation,
				moves: map[string][]fc.ID{fc.KindStation: {m.officeSt.ID}}},
			{name: "location alone is blocked by its station",
				req:     fc.Migration{Kind: fc.MigrateLocations, IDs: []fc.ID{m.office.ID}, TargetAccountID: m.to.ID},
				blocked: true, blockedLink: fc.LinkStationLocation,
				moves: map[string][]fc.ID{fc.KindLocation: {m.office.ID}}},
			{name: "charge group alone is blocked by its station",
				req:     fc.Migration{Kind: fc.MigrateChargeGroups, IDs: []fc.ID{m.homeG.ID}, TargetAccountID: m.to.ID},
				blocked: true, blockedLink: fc.LinkStationChargeGroup,
				moves: map[string][]fc.ID{fc.KindChargeGroup: {m.homeG.ID}}},
			{name: "home charge group with linked takes its station, the home and Eva with her cards",
				req: fc.Migration{Kind: fc.MigrateChargeGroups, IDs: []fc.ID{m.homeG.ID}, TargetAccountID: m.to.ID, WithLinked: true},
				moves: map[string][]fc.ID{fc.KindChargeGroup: {m.homeG.ID}, fc.KindStation: {m.homeSt.ID}, fc.KindLocation: {m.home.ID},
					fc.KindEmployee: {m.eva.ID}, fc.KindCard: {m.c1.ID, m.c2.ID}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := m.plan(t, tt.req)
				if p.Blocked != tt.blocked {
					t.Errorf("blocked = %v, want %v; links %+v", p.Blocked, tt.blocked, p.Links)
				}
				if tt.blocked && len(linksOf(p, tt.blockedLink, fc.LinkBlocking)) == 0 {
					t.Errorf("no blocking %s link in %+v", tt.blockedLink, p.Links)
				}
				for kind, want := range tt.moves {
					if got := movedIDs(p, kind); !slices.Equal(got, want) {
						t.Errorf("moved %s = %v, want %v", kind, got, want)
					}
				}
				for _, mv := range p.Moves {
					if _, ok := tt.moves[mv.Kind]; !ok {
						t.Errorf("unexpected move %+v", mv)
					}
				}
				if tt.blocked {
					req := tt.req
					req.ProviderID = m.provider
					_, err := s.RunMigration(m.ctx, req, nil)
					wantCode(t, "blocked run", err, fc.EUnprocessable)
				}
			})
		}
		// The last case, for real: everything lands in To, with the links kept.
		m.run(t, tests[len(tests)-1].req)
		for table, ids := range map[string][]fc.ID{"charge_groups": {m.homeG.ID}, "stations": {m.homeSt.ID}, "locations": {m.home.ID},
			"employees": {m.eva.ID}, "cards": {m.c1.ID, m.c2.ID}} {
			for _, id := range ids {
				if got := m.accountOf(t, table, id); got != m.to.ID {
					t.Errorf("%s %s in account %s, want %s", table, id, got, m.to.ID)
				}
			}
		}
		c1, _ := s.Card(m.ctx, fc.ProviderScope(m.provider), m.c1.ID)
		if c1.EmployeeID != m.eva.ID {
			t.Errorf("card c1 employee = %s, want Eva %s kept", c1.EmployeeID, m.eva.ID)
		}
		// An employee without a home moves on its own.
		m.run(t, fc.Migration{Kind: fc.MigrateEmployees, IDs: []fc.ID{m.bob.ID}, TargetAccountID: m.to.ID})
		if got := m.accountOf(t, "employees", m.bob.ID); got != m.to.ID {
			t.Errorf("Bob in account %s, want %s", got, m.to.ID)
		}
		// The office station with its location and its group, which also
		// names its owner From: that entry is kept, with advice.
		if _, err := s.UpdateChargeGroup(m.ctx, fc.ProviderScope(m.provider), m.officeG.ID, func(g *fc.ChargeGroup) error {
			g.AllowedAccountIDs = []fc.ID{m.from.ID}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p := m.run(t, fc.Migration{Kind: fc.MigrateStations, IDs: []fc.ID{m.officeSt.ID}, TargetAccountID: m.to.ID, WithLinked: true})
		if got := movedIDs(p, fc.KindLocation); !slices.Equal(got, []fc.ID{m.office.ID}) {
			t.Errorf("moved locations = %v, want the office", got)
		}
		var named bool
		for _, l := range linksOf(p, fc.LinkChargeGroupAccess, fc.LinkKept) {
			named = named || l.FromID == m.officeG.ID && l.ToKind == fc.KindAccount && l.ToID == m.from.ID && l.HowToKeep != ""
		}
		if !named {
			t.Errorf("no kept link for the moved group naming its former account: %+v", p.Links)
		}
		for table, id := range map[string]fc.ID{"stations": m.officeSt.ID, "locations": m.office.ID, "charge_groups": m.officeG.ID} {
			if got := m.accountOf(t, table, id); got != m.to.ID {
				t.Errorf("%s %s in account %s, want %s", table, id, got, m.to.ID)
			}
		}
		// Moving To (in South) under North makes the office group, which
		// admits North, admit To's two cards it does not name.
		p = m.plan(t, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{m.to.ID}, TargetOrganizationID: m.north.ID})
		if got := linksOf(p, fc.LinkChargeGroupAccess, fc.LinkAdmitWon); len(got) != 1 || got[0].FromID != m.officeG.ID || got[0].Count != 2 {
			t.Errorf("admission gained = %+v, want the office group for 2 cards", got)
		}
		// An account moves to another organization.
		p = m.run(t, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{m.from.ID}, TargetOrganizationID: m.south.ID})
		if got := m.accountOf(t, "accounts", m.from.ID); got != m.south.ID {
			t.Errorf("account in organization %s, want %s", got, m.south.ID)
		}
		if p.SessionsCardSide != 3 || p.SessionsStationSide != 3 {
			t.Errorf("history = %d card side, %d station side; want 3 and 3", p.SessionsCardSide, p.SessionsStationSide)
		}
		// Unknown assets and targets.
		_, err := s.PlanMigration(m.ctx, fc.Migration{ProviderID: m.provider, Kind: fc.MigrateCards, IDs: []fc.ID{999999}, TargetAccountID: m.to.ID})
		wantCode(t, "unknown card", err, fc.ENotFound)
		_, err = s.PlanMigration(m.ctx, fc.Migration{ProviderID: m.provider, Kind: fc.MigrateCards, IDs: []fc.ID{m.c3.ID}, TargetAccountID: 999999})
		wantField(t, "unknown target", err, "target_account_id")
		_, err = s.PlanMigration(m.ctx, fc.Migration{ProviderID: m.provider, Kind: "trucks", IDs: []fc.ID{1}, TargetAccountID: m.to.ID})
		wantField(t, "unknown kind", err, "kind")
		_, err = s.PlanMigration(m.ctx, fc.Migration{ProviderID: m.provider, Kind: fc.MigrateCards, IDs: []fc.ID{m.c1.ID}, TargetAccountID: m.to.ID})
		wantField(t, "already there", err, "ids")
	})
}

// TestMigrateAllOrNothing fails a real run after each of its steps in turn
// and checks that nothing moved.
func TestMigrateAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		m := mustMoveWorld(t, s, "ma")
		req := fc.Migration{ProviderID: m.provider, Kind: fc.MigrateStations, IDs: []fc.ID{m.homeSt.ID}, TargetAccountID: m.to.ID, WithLinked: true}
		before := m.snapshot(t)
		boom := errors.New("injected failure")
		for _, step := range []string{"audit", fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup, fc.KindStation} {
			restore := store.SetAfterMigrationStep(func(at string) error {
				if at == step {
					return boom
				}
				return nil
			})
			_, err := s.RunMigration(m.ctx, req, nil)
			restore()
			if !errors.Is(err, boom) {
				t.Errorf("failure after %s: err = %v, want the injected one", step, err)
			}
			if got := m.snapshot(t); !mapsEqual(got, before) {
				t.Errorf("failure after %s left changes: %v, want %v", step, got, before)
			}
		}
		// A failing check aborts too.
		_, err := s.RunMigration(m.ctx, req, func(*fc.MigrationPlan) error { return fc.Errorf(fc.EForbidden, "no") })
		wantCode(t, "refused check", err, fc.EForbidden)
		if got := m.snapshot(t); !mapsEqual(got, before) {
			t.Errorf("a refused check left changes")
		}
	})
}

// TestMigrateHistoryInReports runs every report before and after moving an
// account to another organization (its history follows it) and after moving
// a card to another account (its history stays).
func TestMigrateHistoryInReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		m := mustMoveWorld(t, s, "mh")
		totals := func(org, account fc.ID) map[string]int64 {
			t.Helper()
			out := map[string]int64{}
			for _, r := range fc.Reports {
				q := fc.ReportQuery{Report: r, Scope: fc.SessionScope{ProviderID: m.provider, CardSide: fc.Everything, StationSide: fc.Everything},
					OrganizationID: org, AccountID: account,
					From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
				var n int64
				if err := s.Report(m.ctx, q, func(row *fc.ReportRow) error {
					n += row.Figures.Sessions
					return nil
				}); err != nil {
					t.Fatalf("report %s: %v", r, err)
				}
				out[r] = n
			}
			return out
		}
		none := map[string]int64{}
		check := func(what string, got, want map[string]int64) {
			t.Helper()
			for _, r := range fc.Reports {
				if got[r] != want[r] {
					t.Errorf("%s: report %s counts %d sessions, want %d", what, r, got[r], want[r])
				}
			}
		}
		// Every report counts the three sessions, but the employees report,
		// which counts the two of Eva's cards.
		history := totals(m.north.ID, 0)
		for _, r := range fc.Reports {
			want := int64(3)
			if r == fc.ReportEmployees {
				want = 2
			}
			if history[r] != want {
				t.Errorf("North before: report %s counts %d sessions, want %d", r, history[r], want)
			}
		}
		check("South before", totals(m.south.ID, 0), none)

		// A card moves: its past sessions stay with From.
		m.run(t, fc.Migration{Kind: fc.MigrateCards, IDs: []fc.ID{m.c1.ID}, TargetAccountID: m.to.ID})
		check("From after a card moved", totals(0, m.from.ID), history)
		check("To after a card moved", totals(0, m.to.ID), none)

		// The account moves: its whole history goes to South.
		m.run(t, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{m.from.ID}, TargetOrganizationID: m.south.ID})
		check("North after the account moved", totals(m.north.ID, 0), none)
		check("South after the account moved", totals(m.south.ID, 0), history)
	})
}
