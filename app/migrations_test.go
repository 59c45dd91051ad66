package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/access/accesstest"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// migrationWorld is a generated world (accesstest) stored in a database,
// with one card per account, and the reference model of it.
type migrationWorld struct {
	s     *store.Store
	svc   *app.Service
	ctx   context.Context
	ref   accesstest.World // on database IDs
	admin access.Subject
	users []fc.User
	card  map[fc.ID]fc.ID // account → its card
	// changes counts the gains and losses of sight checked, so that a test
	// that checked none fails.
	changes map[string]int
}

func buildMigrationWorld(t *testing.T, s *store.Store, seed uint64) *migrationWorld {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	r := rand.New(rand.NewPCG(seed, 8))
	gen := accesstest.Generate(r, accesstest.Options{Providers: 1, Organizations: 12, MaxDepth: 4, Accounts: 8, Stations: 8, Users: 8, AssignmentsPerUser: 3})
	w := &migrationWorld{s: s, svc: &app.Service{Store: s}, ctx: ctx, card: map[fc.ID]fc.ID{}, changes: map[string]int{}}
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	p := &fc.Provider{Name: fmt.Sprintf("CPO %d", seed)}
	must(s.CreateProvider(ctx, p), "provider")
	w.ref.Providers = []fc.ID{p.ID}
	org, acc, usr := map[fc.ID]fc.ID{}, map[fc.ID]fc.ID{}, map[fc.ID]fc.ID{}
	for _, g := range gen.Organizations {
		o := &fc.Organization{ProviderID: p.ID, ParentID: org[g.ParentID], Name: fmt.Sprintf("Org %d", g.ID)}
		must(s.CreateOrganization(ctx, o), "organization")
		org[g.ID] = o.ID
		w.ref.Organizations = append(w.ref.Organizations, fc.Organization{ID: o.ID, ProviderID: p.ID, ParentID: o.ParentID})
	}
	for _, g := range gen.Accounts {
		a := &fc.Account{ProviderID: p.ID, OrganizationID: org[g.OrganizationID], Name: fmt.Sprintf("Account %d", g.ID), Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, a), "account")
		acc[g.ID] = a.ID
		w.ref.Accounts = append(w.ref.Accounts, fc.Account{ID: a.ID, ProviderID: p.ID, OrganizationID: a.OrganizationID})
		c := &fc.Card{ProviderID: p.ID, AccountID: a.ID, InternalID: fmt.Sprintf("T%d", a.ID), ExternalID: fmt.Sprintf("E%d", a.ID), Status: fc.CardActive}
		must(s.CreateCard(ctx, c), "card")
		w.card[a.ID] = c.ID
	}
	for i, g := range gen.Stations {
		w.station(t, p.ID, i, acc[g.AccountID], acc[g.HomeOfAccountID])
	}
	for _, g := range gen.Users {
		u := &fc.User{ProviderID: p.ID, Email: fmt.Sprintf("u%d-%d@example.com", seed, g.ID), Name: "U"}
		must(s.CreateUser(ctx, u), "user")
		usr[g.ID] = u.ID
		w.users = append(w.users, *u)
		w.ref.Users = append(w.ref.Users, fc.User{ID: u.ID, ProviderID: p.ID})
	}
	seen := map[string]bool{}
	for _, g := range gen.Assignments {
		// The world has no employees, so no driver (a role on one) either.
		if g.ProviderID != gen.Users[0].ProviderID || !g.Role.Valid() || g.Role == fc.RoleDriver || g.EmployeeID != 0 {
			continue
		}
		a := &fc.Assignment{ProviderID: p.ID, UserID: usr[g.UserID], Role: g.Role, OrganizationID: org[g.OrganizationID], AccountID: acc[g.AccountID]}
		key := fmt.Sprint(a.UserID, a.Role, a.OrganizationID, a.AccountID)
		providerWide := a.OrganizationID == 0 && a.AccountID == 0
		if seen[key] || providerWide != (a.Role == fc.RoleProviderAdmin) {
			continue
		}
		seen[key] = true
		must(s.CreateAssignment(ctx, a), "assignment")
		w.ref.Assignments = append(w.ref.Assignments, *a)
	}
	admin := &fc.User{ProviderID: p.ID, Email: fmt.Sprintf("admin%d@example.com", seed), Name: "Admin"}
	must(s.CreateUser(ctx, admin), "admin")
	as := &fc.Assignment{ProviderID: p.ID, UserID: admin.ID, Role: fc.RoleProviderAdmin}
	must(s.CreateAssignment(ctx, as), "admin role")
	w.admin = access.NewSubject(admin, []fc.Assignment{*as})
	return w
}

// station creates a station of account owner with a charge group; when
// home is set, at the home of a new employee of account home, and (as the
// access property test does) placed in owner by hand, since the store keeps
// a station in the account of its location.
func (w *migrationWorld) station(t *testing.T, provider fc.ID, n int, owner, home fc.ID) {
	t.Helper()
	at := owner
	l := &fc.Location{ProviderID: provider, AccountID: owner, Name: "Office", Kind: fc.LocationOffice}
	if home != 0 {
		at = home
		e := &fc.Employee{ProviderID: provider, AccountID: home, Name: fmt.Sprintf("Driver %d", n), Active: true}
		if err := w.s.CreateEmployee(w.ctx, e); err != nil {
			t.Fatal(err)
		}
		l = &fc.Location{ProviderID: provider, AccountID: home, Name: "Home", Kind: fc.LocationHome, EmployeeID: e.ID}
	}
	if err := w.s.CreateLocation(w.ctx, l); err != nil {
		t.Fatal(err)
	}
	g := &fc.ChargeGroup{ProviderID: provider, AccountID: at, Name: "Group", Kind: fc.GroupOther, Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}
	if err := w.s.CreateChargeGroup(w.ctx, g); err != nil {
		t.Fatal(err)
	}
	st := &fc.Station{ProviderID: provider, AccountID: at, LocationID: l.ID, ChargeGroupID: g.ID, Identity: fmt.Sprintf("CP-%d-%d", provider, n)}
	if err := w.s.CreateStation(w.ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	if at != owner {
		if _, err := w.s.DB().ExecContext(w.ctx, `UPDATE stations SET account_id = $1 WHERE id = $2`, int64(owner), int64(st.ID)); err != nil {
			t.Fatal(err)
		}
	}
	w.ref.Stations = append(w.ref.Stations, accesstest.Station{ID: st.ID, ProviderID: provider, AccountID: owner, HomeOfAccountID: home})
}

// visible returns, for every user, the cards and accounts the store lists
// for it, and checks them against the reference model.
func (w *migrationWorld) visible(t *testing.T, what string) map[fc.ID]map[string][]fc.ID {
	return w.listed(t, what, true)
}

// listed returns what the store lists for every user, checked against the
// reference model when model is set.
func (w *migrationWorld) listed(t *testing.T, what string, model bool) map[fc.ID]map[string][]fc.ID {
	t.Helper()
	m := accesstest.NewModel(w.ref)
	out := map[fc.ID]map[string][]fc.ID{}
	for _, u := range w.users {
		subj, err := w.svc.Subject(w.ctx, &u)
		if err != nil {
			t.Fatal(err)
		}
		cards, err := w.s.Cards(w.ctx, access.ScopeFor(subj, access.CardsRead), fc.CardFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		accounts, err := w.s.Accounts(w.ctx, access.ScopeFor(subj, access.AccountsRead), fc.AccountFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		stations, err := w.s.Stations(w.ctx, access.StationScopeFor(subj), fc.StationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]fc.ID{fc.KindCard: {}, fc.KindAccount: {}, fc.KindStation: {}}
		for _, st := range stations {
			got[fc.KindStation] = append(got[fc.KindStation], st.ID)
		}
		for _, c := range cards {
			got[fc.KindCard] = append(got[fc.KindCard], c.ID)
		}
		for _, a := range accounts {
			got[fc.KindAccount] = append(got[fc.KindAccount], a.ID)
		}
		want := map[string][]fc.ID{fc.KindCard: {}, fc.KindAccount: {}, fc.KindStation: {}}
		for _, st := range w.ref.Stations {
			if m.Allowed(u.ID, access.StationsRead, accesstest.Object{Kind: fc.KindStation, ProviderID: st.ProviderID, ID: st.ID}) {
				want[fc.KindStation] = append(want[fc.KindStation], st.ID)
			}
		}
		for _, a := range w.ref.Accounts {
			x := accesstest.Object{Kind: fc.KindAccount, ProviderID: a.ProviderID, ID: a.ID}
			if m.Allowed(u.ID, access.CardsRead, x) {
				want[fc.KindCard] = append(want[fc.KindCard], w.card[a.ID])
			}
			if m.Allowed(u.ID, access.AccountsRead, x) {
				want[fc.KindAccount] = append(want[fc.KindAccount], a.ID)
			}
		}
		for kind := range want {
			slices.Sort(want[kind])
			if model && !slices.Equal(got[kind], want[kind]) {
				t.Errorf("%s: user %s lists %s %v, the reference model %v", what, u.ID, kind, got[kind], want[kind])
			}
		}
		out[u.ID] = got
	}
	return out
}

// diff returns what is in b and not in a.
func diff(a, b []fc.ID) []fc.ID {
	var out []fc.ID
	for _, id := range b {
		if !slices.Contains(a, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkPredicted compares what the plan said each user would gain and lose
// with what the listings show before and after.
func (w *migrationWorld) checkPredicted(t *testing.T, what string, p *fc.MigrationPlan, before, after map[fc.ID]map[string][]fc.ID) {
	t.Helper()
	for _, c := range p.Access {
		w.changes[c.Kind] += len(c.GainedIDs) + len(c.LostIDs)
	}
	for _, u := range w.users {
		for _, kind := range []string{fc.KindCard, fc.KindAccount, fc.KindStation} {
			var gained, lost []fc.ID
			for _, c := range p.Access {
				if c.UserID == u.ID && c.Kind == kind {
					gained, lost = c.GainedIDs, c.LostIDs
				}
			}
			if want := diff(before[u.ID][kind], after[u.ID][kind]); !slices.Equal(gained, want) {
				t.Errorf("%s: user %s: plan says it gains %s %v, the listings show %v", what, u.ID, kind, gained, want)
			}
			if want := diff(after[u.ID][kind], before[u.ID][kind]); !slices.Equal(lost, want) {
				t.Errorf("%s: user %s: plan says it loses %s %v, the listings show %v", what, u.ID, kind, lost, want)
			}
		}
	}
}

// TestMigrationAccessMatchesReference moves accounts between organizations
// and cards between accounts in random worlds, and checks that the access
// the plan predicts is what the scoped listings show before and after, and
// that both agree with the access property test's reference model.
func TestMigrationAccessMatchesReference(t *testing.T) {
	changes := map[string]int{}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				w := buildMigrationWorld(t, s, seed)
				r := rand.New(rand.NewPCG(seed, 99))
				for round := range 6 {
					// An account to another organization.
					ai := r.IntN(len(w.ref.Accounts))
					a := &w.ref.Accounts[ai]
					to := a.OrganizationID
					for to == a.OrganizationID {
						to = w.ref.Organizations[r.IntN(len(w.ref.Organizations))].ID
					}
					before := w.visible(t, fmt.Sprintf("round %d before account move", round))
					p, err := w.svc.Migrate(w.ctx, w.admin, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{a.ID}, TargetOrganizationID: to}, true)
					if err != nil {
						t.Fatal(err)
					}
					done, err := w.svc.Migrate(w.ctx, w.admin, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{a.ID}, TargetOrganizationID: to, Plan: p.Fingerprint}, false)
					if err != nil {
						t.Fatal(err)
					}
					a.OrganizationID = to
					after := w.visible(t, fmt.Sprintf("round %d after account move", round))
					w.checkPredicted(t, "account move", done, before, after)

					// A card to another account; the reference model places the
					// account's card where it goes.
					from := w.ref.Accounts[r.IntN(len(w.ref.Accounts))].ID
					target := from
					for target == from {
						target = w.ref.Accounts[r.IntN(len(w.ref.Accounts))].ID
					}
					card := w.card[from]
					if card == 0 {
						continue
					}
					before = after
					done, err = w.svc.Migrate(w.ctx, w.admin, fc.Migration{Kind: fc.MigrateCards, IDs: []fc.ID{card}, TargetAccountID: target}, false)
					if err != nil {
						t.Fatal(err)
					}
					w.checkPredicted(t, "card move", done, before, w.listed(t, "after a card move", false))
					before = w.listed(t, "", false)
					// The model knows one card per account: swap the two cards'
					// accounts by moving the target's card back to from.
					if other := w.card[target]; other != 0 {
						back, err := w.svc.Migrate(w.ctx, w.admin, fc.Migration{Kind: fc.MigrateCards, IDs: []fc.ID{other}, TargetAccountID: from}, false)
						if err != nil {
							t.Fatal(err)
						}
						w.checkPredicted(t, "second card move", back, before, w.listed(t, "", false))
					}
					w.card[from], w.card[target] = w.card[target], card
					w.visible(t, fmt.Sprintf("round %d after card moves", round))
				}
				for kind, n := range w.changes {
					changes[kind] += n
				}
			})
		})
	}
	for _, kind := range []string{fc.KindCard, fc.KindAccount, fc.KindStation} {
		if changes[kind] == 0 {
			t.Errorf("no migration changed anyone's sight of a %s: the worlds test nothing there", kind)
		}
	}
}

// TestMigrateNeedsProviderAdmin checks that a fleet manager of the whole
// tree may not migrate (403), and a provider admin may.
func TestMigrateNeedsProviderAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := buildMigrationWorld(t, s, 7)
		a := w.ref.Accounts[0]
		var target fc.ID
		for _, o := range w.ref.Organizations {
			if o.ID != a.OrganizationID {
				target = o.ID
				break
			}
		}
		req := fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{a.ID}, TargetOrganizationID: target}
		for _, role := range []fc.Role{fc.RoleFleetManager, fc.RoleFacilityManager, fc.RoleAccountAdmin} {
			subj := access.Subject{UserID: w.users[0].ID, ProviderID: w.ref.Providers[0],
				Assignments: []fc.Assignment{{ProviderID: w.ref.Providers[0], UserID: w.users[0].ID, Role: role, AccountID: a.ID}}}
			for _, dry := range []bool{true, false} {
				if _, err := w.svc.Migrate(w.ctx, subj, req, dry); !fc.IsCode(err, fc.EForbidden) {
					t.Errorf("%s, dry run %v: err = %v, want forbidden", role, dry, err)
				}
			}
		}
		if _, err := w.svc.Migrate(w.ctx, w.admin, req, false); err != nil {
			t.Errorf("provider admin: %v", err)
		}
	})
}
