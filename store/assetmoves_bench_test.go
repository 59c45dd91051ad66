package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The migration benchmarks build large data sets, so they run only with
// FLEETCHARGE_BENCH=1:
//
//	FLEETCHARGE_BENCH=1 FLEETCHARGE_TEST_POSTGRES=postgres://… \
//	  go test ./store/ -run '^$' -bench Migrate -benchtime 3x
//
// Each iteration is one complete migration as an operator makes it: a dry
// run (plan, links, access of every user) and the real run holding it to
// the dry run's fingerprint. Iterations move the assets back and forth.

func benchGate(b *testing.B) {
	if os.Getenv("FLEETCHARGE_BENCH") != "1" {
		b.Skip("set FLEETCHARGE_BENCH=1 to run the migration benchmarks")
	}
}

// benchBase is a provider with two organizations, an account in each, 40
// users holding fleet and facility roles on them, and a provider admin.
type benchBase struct {
	s            *store.Store
	ctx          context.Context
	svc          *app.Service
	admin        access.Subject
	provider     fc.ID
	north, south fc.ID
	from, to     fc.ID
}

func newBenchBase(b *testing.B, s *store.Store) *benchBase {
	b.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "bench"})
	x := &benchBase{s: s, ctx: ctx, svc: &app.Service{Store: s}}
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	p := &fc.Provider{Name: "Bench CPO"}
	must(s.CreateProvider(ctx, p))
	x.provider = p.ID
	var orgs [2]fc.ID
	for i, name := range []string{"North", "South"} {
		o := &fc.Organization{ProviderID: p.ID, Name: name}
		must(s.CreateOrganization(ctx, o))
		orgs[i] = o.ID
	}
	x.north, x.south = orgs[0], orgs[1]
	var accs [2]fc.ID
	for i, org := range orgs {
		a := &fc.Account{ProviderID: p.ID, OrganizationID: org, Name: fmt.Sprintf("Account %d", i), Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, a))
		accs[i] = a.ID
	}
	x.from, x.to = accs[0], accs[1]
	for i := range 40 {
		u := &fc.User{ProviderID: p.ID, Email: fmt.Sprintf("manager%d@bench.example", i), Name: "Manager"}
		must(s.CreateUser(ctx, u))
		a := &fc.Assignment{ProviderID: p.ID, UserID: u.ID, Role: []fc.Role{fc.RoleFleetManager, fc.RoleFacilityManager}[i%2]}
		switch i % 4 {
		case 0, 1:
			a.OrganizationID = orgs[i/4%2]
		default:
			a.AccountID = accs[i/4%2]
		}
		must(s.CreateAssignment(ctx, a))
	}
	admin := &fc.User{ProviderID: p.ID, Email: "admin@bench.example", Name: "Admin"}
	must(s.CreateUser(ctx, admin))
	as := &fc.Assignment{ProviderID: p.ID, UserID: admin.ID, Role: fc.RoleProviderAdmin}
	must(s.CreateAssignment(ctx, as))
	x.admin = access.NewSubject(admin, []fc.Assignment{*as})
	return x
}

// migrate makes one dry run and the real run after it.
func (x *benchBase) migrate(b *testing.B, m fc.Migration) *fc.MigrationPlan {
	b.Helper()
	p, err := x.svc.Migrate(x.ctx, x.admin, m, true)
	if err != nil {
		b.Fatalf("dry run: %v", err)
	}
	m.Plan = p.Fingerprint
	done, err := x.svc.Migrate(x.ctx, x.admin, m, false)
	if err != nil {
		b.Fatalf("run: %v", err)
	}
	return done
}

// BenchmarkMigrateCards moves 10,000 cards, half of them assigned to one of
// 500 employees (so 5,000 links break), between two accounts.
func BenchmarkMigrateCards(b *testing.B) {
	benchGate(b)
	const cards, employees = 10_000, 500
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			x := newBenchBase(b, s)
			now := time.Now().UnixMilli()
			var ids []fc.ID
			err := s.BulkLoad(x.ctx, x.provider, func(l *store.Loader) error {
				firstEmp, err := l.ReserveIDs("employees", employees)
				if err != nil {
					return err
				}
				err = l.Insert("employees", []string{"id", "provider_id", "account_id", "name", "active", "created_at", "updated_at"},
					func(yield func(values ...any) error) error {
						for i := range employees {
							if err := yield(int64(firstEmp)+int64(i), int64(x.provider), int64(x.from), fmt.Sprintf("Driver %d", i), true, now, now); err != nil {
								return err
							}
						}
						return nil
					})
				if err != nil {
					return err
				}
				first, err := l.ReserveIDs("cards", cards)
				if err != nil {
					return err
				}
				return l.Insert("cards", []string{"id", "provider_id", "account_id", "employee_id", "internal_id", "external_id", "status", "created_at", "updated_at"},
					func(yield func(values ...any) error) error {
						for i := range cards {
							var emp any
							if i%2 == 0 {
								emp = int64(firstEmp) + int64(i/2%employees)
							}
							id := first + fc.ID(i)
							ids = append(ids, id)
							if err := yield(int64(id), int64(x.provider), int64(x.from), emp, fmt.Sprintf("B%08d", i), fmt.Sprintf("BENCH-%08d", i),
								fc.CardActive, now, now); err != nil {
								return err
							}
						}
						return nil
					})
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				from, to := x.from, x.to
				if i%2 == 1 {
					from, to = to, from
				}
				p := x.migrate(b, fc.Migration{Kind: fc.MigrateCards, IDs: ids, TargetAccountID: to})
				if len(p.Moves) != cards || p.Moves[0].FromAccount != from {
					b.Fatalf("moved %d cards from %s", len(p.Moves), p.Moves[0].FromAccount)
				}
			}
		})
	}
}

// BenchmarkMigrateAccount moves an account with 1,000,000 sessions (on 200
// cards and 20 stations of its own) between two organizations.
func BenchmarkMigrateAccount(b *testing.B) {
	benchGate(b)
	const sessions, cards, stations = 1_000_000, 200, 20
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			x := newBenchBase(b, s)
			a := &fc.Account{ID: x.from, ProviderID: x.provider}
			var cardIDs, stationIDs []fc.ID
			for i := range cards {
				c := &fc.Card{ProviderID: x.provider, AccountID: a.ID, InternalID: fmt.Sprintf("A%06d", i), ExternalID: fmt.Sprintf("ACC-%06d", i), Status: fc.CardActive}
				if err := s.CreateCard(x.ctx, c); err != nil {
					b.Fatal(err)
				}
				cardIDs = append(cardIDs, c.ID)
			}
			l := &fc.Location{ProviderID: x.provider, AccountID: a.ID, Name: "Depot", Kind: fc.LocationOffice}
			g := &fc.ChargeGroup{ProviderID: x.provider, AccountID: a.ID, Name: "Depot", Kind: fc.GroupOther, Access: fc.AccessPublic,
				Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 300000}}
			if err := s.CreateLocation(x.ctx, l); err != nil {
				b.Fatal(err)
			}
			if err := s.CreateChargeGroup(x.ctx, g); err != nil {
				b.Fatal(err)
			}
			for i := range stations {
				st := &fc.Station{ProviderID: x.provider, AccountID: a.ID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: fmt.Sprintf("BENCH-%s-%d", engine, i)}
				if err := s.CreateStation(x.ctx, st, 2); err != nil {
					b.Fatal(err)
				}
				stationIDs = append(stationIDs, st.ID)
			}
			start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			err := s.BulkSessions(x.ctx, x.provider, func(yield func(*fc.Session) error) error {
				for i := range sessions {
					at := start.Add(time.Duration(i) * time.Minute)
					stop := at.Add(40 * time.Minute)
					if err := yield(&fc.Session{CardID: cardIDs[i%cards], StationID: stationIDs[i%stations], ConnectorID: 1 + i%2,
						StartedAt: at, StoppedAt: &stop, EnergyWh: 12000}); err != nil {
						return err
					}
				}
				return nil
			}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				to := x.south
				if i%2 == 1 {
					to = x.north
				}
				p := x.migrate(b, fc.Migration{Kind: fc.MigrateAccounts, IDs: []fc.ID{a.ID}, TargetOrganizationID: to})
				if p.SessionsCardSide != sessions {
					b.Fatalf("history on the card side = %d, want %d", p.SessionsCardSide, sessions)
				}
			}
		})
	}
}
