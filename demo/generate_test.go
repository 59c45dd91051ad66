package demo_test

import (
	"context"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestGenerate(t *testing.T) {
	sz := demo.Sizes{Orgs: 40, Accounts: 60, Cards: 300, Stations: 80, Sessions: 5000, Depth: 4, Days: 60, Seed: 3, Now: demoNow}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Something else in the database first: generated IDs must not
		// collide with it, nor later objects with generated ones.
		existing := &fc.Provider{Name: "Existing CPO"}
		if err := s.CreateProvider(ctx, existing); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOrganization(ctx, &fc.Organization{ProviderID: existing.ID, Name: "Existing"}); err != nil {
			t.Fatal(err)
		}

		var last, total int64
		progress := func(done, all int64) {
			if done < last {
				t.Errorf("progress went back from %d to %d", last, done)
			}
			last, total = done, all
		}
		if err := demo.Generate(ctx, s, sz, progress); err != nil {
			t.Fatalf("generate: %v", err)
		}
		if last != total || total < int64(sz.Sessions) {
			t.Errorf("progress ended at %d of %d", last, total)
		}
		ps, err := s.Providers(ctx)
		if err != nil || len(ps) != 2 {
			t.Fatalf("providers = %d, %v; want 2", len(ps), err)
		}
		p := ps[1].ID

		counts := []struct {
			query string
			want  int
		}{
			{`SELECT COUNT(*) FROM organizations WHERE provider_id = $1`, sz.Orgs},
			{`SELECT COUNT(*) FROM accounts WHERE provider_id = $1`, sz.Accounts},
			{`SELECT COUNT(*) FROM cards WHERE provider_id = $1`, sz.Cards},
			{`SELECT COUNT(*) FROM stations WHERE provider_id = $1`, sz.Stations},
			{`SELECT COUNT(*) FROM charge_points cp JOIN stations st ON st.id = cp.station_id WHERE st.provider_id = $1`, 2 * sz.Stations},
			{`SELECT COUNT(*) FROM sessions WHERE provider_id = $1`, sz.Sessions},
			{`SELECT COUNT(*) FROM users u JOIN role_assignments r ON r.user_id = u.id WHERE u.provider_id = $1 AND r.role = 'provider_admin'`, 1},
			// Every organization lies within the depth, with one closure row per ancestor.
			{`SELECT COUNT(*) FROM organizations WHERE provider_id = $1 AND depth < 4`, sz.Orgs},
			{`SELECT COUNT(*) FROM org_closure c JOIN organizations o ON o.id = c.descendant_id WHERE o.provider_id = $1 AND c.distance = 0`, sz.Orgs},
			{`SELECT SUM(depth + 1) FROM organizations WHERE provider_id = $1`, count(t, s, `SELECT COUNT(*) FROM org_closure c JOIN organizations o ON o.id = c.descendant_id WHERE o.provider_id = $1`, int64(p))},
			// Both sides of every session point at the right accounts.
			{`SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.card_account_id JOIN cards c ON c.id = s.card_id
				WHERE s.provider_id = $1 AND a.provider_id = s.provider_id AND c.account_id = a.id AND s.id_tag = c.internal_id
				AND COALESCE(s.employee_id, 0) = COALESCE(c.employee_id, 0)`, sz.Sessions},
			{`SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.station_account_id JOIN stations st ON st.id = s.station_id
				WHERE s.provider_id = $1 AND a.provider_id = s.provider_id AND st.account_id = a.id AND s.location_id = st.location_id`,
				count(t, s, `SELECT COUNT(*) FROM sessions WHERE provider_id = $1 AND station_id IS NOT NULL`, int64(p))},
			{`SELECT COUNT(*) FROM sessions WHERE provider_id = $1 AND station_id IS NULL AND source = 'import' AND location_kind = 'public'
				AND station_account_id IS NULL AND location_name <> ''`,
				count(t, s, `SELECT COUNT(*) FROM sessions WHERE provider_id = $1 AND station_id IS NULL`, int64(p))},
			// Charge groups admit someone or everyone; home locations have their employee.
			{`SELECT COUNT(*) FROM charge_groups g WHERE g.provider_id = $1 AND (g.access = 'public'
				OR EXISTS (SELECT 1 FROM charge_group_access x WHERE x.charge_group_id = g.id))`,
				count(t, s, `SELECT COUNT(*) FROM charge_groups WHERE provider_id = $1`, int64(p))},
			{`SELECT COUNT(*) FROM locations WHERE provider_id = $1 AND (kind = 'home') <> (employee_id IS NOT NULL)`, 0},
			{`SELECT COUNT(*) FROM sessions WHERE provider_id = $1 AND (energy_wh < 3000 OR energy_wh > 60000 OR cost_minor <= 0 OR currency = '')`, 0},
			{`SELECT COUNT(*) FROM sessions WHERE provider_id = $1 AND (started_at < $2 OR stopped_at > $3)`, 0},
		}
		from, to := demoNow.AddDate(0, 0, -sz.Days).UnixMilli(), demoNow.UnixMilli()
		for _, c := range counts {
			args := []any{int64(p)}
			if strings.Contains(c.query, "$3") {
				args = append(args, from, to)
			}
			if got := count(t, s, c.query, args...); got != c.want {
				t.Errorf("%s\n= %d, want %d", c.query, got, c.want)
			}
		}
		for _, want := range []string{"office", "home", "public"} {
			if got := count(t, s, `SELECT COUNT(*) FROM sessions WHERE provider_id = $1 AND location_kind = $2 AND station_id IS NOT NULL`, int64(p), want); got == 0 {
				t.Errorf("no %s sessions on own stations", want)
			}
		}

		// The store reads generated rows like its own, and creates after them.
		all := fc.ProviderScope(p)
		orgs, err := s.Organizations(ctx, all, fc.OrganizationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil || len(orgs) != sz.Orgs {
			t.Fatalf("organizations = %d, %v; want %d", len(orgs), err, sz.Orgs)
		}
		deepest := orgs[len(orgs)-1]
		chain, err := s.Ancestors(ctx, p, deepest.ID)
		if err != nil || len(chain) != deepest.Depth+1 {
			t.Errorf("ancestors of %s = %v, %v; want %d of them", deepest.Name, chain, err, deepest.Depth+1)
		}
		o := &fc.Organization{ProviderID: p, ParentID: deepest.ID, Name: "Created after generating"}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatalf("create after generate: %v", err)
		}
		if _, err := s.Cards(ctx, all, fc.CardFilter{}); err != nil {
			t.Errorf("list generated cards: %v", err)
		}
		if _, err := s.Stations(ctx, fc.StationScope{ProviderID: p, Reach: fc.Everything}, fc.StationFilter{}); err != nil {
			t.Errorf("list generated stations: %v", err)
		}

		// A second run adds a second provider beside the first; a flat one.
		flat := demo.Sizes{Orgs: 5, Accounts: 3, Cards: 10, Stations: 4, Sessions: 50, Depth: 1, Seed: 3, Now: demoNow}
		if err := demo.Generate(ctx, s, flat, nil); err != nil {
			t.Fatalf("generate again: %v", err)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM sessions`); got != sz.Sessions+flat.Sessions {
			t.Errorf("sessions after two runs = %d, want %d", got, sz.Sessions+flat.Sessions)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM organizations WHERE parent_id IS NULL AND provider_id > $1`, int64(p)); got != flat.Orgs {
			t.Errorf("top-level organizations of a generated tree of depth 1 = %d, want %d", got, flat.Orgs)
		}
	})
}

func TestGenerateRefusesBadSizes(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	tests := []demo.Sizes{
		{Orgs: -1},
		{Orgs: 0, Accounts: 1},
		{Orgs: 1, Accounts: 0, Cards: 1},
		{Orgs: 1, Accounts: 1, Cards: 0, Sessions: 1},
	}
	for _, sz := range tests {
		if err := demo.Generate(context.Background(), s, sz, nil); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("generate %+v: err = %v, want %s", sz, err, fc.EInvalid)
		}
	}
	if got := count(t, s, `SELECT COUNT(*) FROM providers`); got != 0 {
		t.Errorf("providers after refusals = %d, want 0", got)
	}
}
