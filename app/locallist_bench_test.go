package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// Sizes of BenchmarkLocalListSync.
const (
	benchCards    = 10000
	benchAccounts = 100
	benchStations = 1000
	benchGroups   = 10
)

// BenchmarkLocalListSync syncs the local lists of 1,000 online stations in
// 10 restricted charge groups admitting the whole holding: each list is
// the provider's 10,000 active cards (100 accounts). A running Operations
// sends them to fake OCPP 1.6 stations (SendLocalListMaxLength 1,000, so
// ten messages each, every message mapped and encoded as for a real
// station, and decoded by the fake) and records what each acknowledged.
// It reports the time from the start to every station in sync
// (s/full-sync), then from a card blocked to every list updated again by
// a differential update and every cache cleared (s/differential).
func BenchmarkLocalListSync(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s := storetest.Open(b, engine)
				ctx := fc.WithActor(context.Background(), fc.Actor{Label: "bench"})
				w := benchListWorld(b, ctx, s)
				b.StartTimer()
				start := time.Now()
				runCtx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { w.ops.Run(runCtx); close(done) }()
				benchWaitInSync(b, ctx, s, w.provider, w.desired(b, ctx, s))
				full := time.Since(start)

				start = time.Now()
				if _, err := w.svc.UpdateCard(ctx, w.admin, w.card, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
					b.Fatal(err)
				}
				benchWaitInSync(b, ctx, s, w.provider, w.desired(b, ctx, s))
				diff := time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				b.ReportMetric(full.Seconds(), "s/full-sync")
				b.ReportMetric(diff.Seconds(), "s/differential")
			}
		})
	}
}

type benchWorld struct {
	ops      *Operations
	svc      *Service
	admin    access.Subject
	provider fc.ID
	group    fc.ID
	card     fc.ID
}

// desired returns the hash of the list every station should hold.
func (w *benchWorld) desired(b *testing.B, ctx context.Context, s *store.Store) string {
	es, err := s.DesiredLocalList(ctx, w.provider, w.group)
	if err != nil {
		b.Fatal(err)
	}
	if len(es) < benchCards-1 {
		b.Fatalf("the desired list holds %d entries", len(es))
	}
	return fc.LocalListHash(es)
}

// benchWaitInSync waits until every station of the provider acknowledged
// the list with this hash and has no cache to clear.
func benchWaitInSync(b *testing.B, ctx context.Context, s *store.Store, provider fc.ID, hash string) {
	deadline := time.Now().Add(30 * time.Minute)
	for {
		states, err := s.LocalListStates(ctx, provider, 0, false)
		if err != nil {
			b.Fatal(err)
		}
		synced := 0
		for _, st := range states {
			if st.Hash == hash && st.State == fc.LocalListSynced && !st.ClearCache {
				synced++
			}
		}
		if synced == benchStations {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d stations in sync after 30 minutes", synced, benchStations)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func benchListWorld(b *testing.B, ctx context.Context, s *store.Store) *benchWorld {
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	p := &fc.Provider{Name: "Bench CPO"}
	must(s.CreateProvider(ctx, p))
	top := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
	must(s.CreateOrganization(ctx, top))
	accounts := make([]fc.ID, benchAccounts)
	for i := range accounts {
		a := &fc.Account{ProviderID: p.ID, OrganizationID: top.ID, Name: fmt.Sprintf("Fleet %d", i), Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, a))
		accounts[i] = a.ID
	}
	groups := make([]fc.ID, benchGroups)
	for i := range groups {
		g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: accounts[0], Name: fmt.Sprintf("Depot %d", i), Kind: fc.GroupOther,
			Access: fc.AccessRestricted, AllowedOrganizationIDs: []fc.ID{top.ID}, Tariff: fc.Tariff{Currency: "EUR"}}
		must(s.CreateChargeGroup(ctx, g))
		groups[i] = g.ID
	}
	office := &fc.Location{ProviderID: p.ID, AccountID: accounts[0], Name: "Depot", Kind: fc.LocationOffice}
	must(s.CreateLocation(ctx, office))
	now := time.Now().UnixMilli()
	fake := newFakeStations()
	fake.quiet = true
	must(s.BulkLoad(ctx, p.ID, func(l *store.Loader) error {
		err := l.Insert("cards", []string{"provider_id", "account_id", "internal_id", "external_id", "status", "created_at", "updated_at"},
			func(yield func(...any) error) error {
				for i := range benchCards {
					if err := yield(int64(p.ID), int64(accounts[i%benchAccounts]), fmt.Sprintf("BENCH%08d", i), fmt.Sprintf("EXT%08d", i),
						fc.CardActive, now, now); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
		return l.Insert("stations", []string{"provider_id", "account_id", "location_id", "charge_group_id", "identity", "password_hash",
			"online", "ocpp_version", "created_at", "updated_at"},
			func(yield func(...any) error) error {
				for i := range benchStations {
					if err := yield(int64(p.ID), int64(accounts[0]), int64(office.ID), int64(groups[i%benchGroups]), fmt.Sprintf("BENCH-CP%04d", i), "x",
						true, fc.OCPP16, now, now); err != nil {
						return err
					}
				}
				return nil
			})
	}))
	for i := range benchStations {
		fake.add(fmt.Sprintf("BENCH-CP%04d", i), 1000)
	}
	admin := &fc.User{ProviderID: p.ID, Email: "bench@example.com", Name: "Bench"}
	must(s.CreateUser(ctx, admin))
	as := &fc.Assignment{ProviderID: p.ID, UserID: admin.ID, Role: fc.RoleProviderAdmin}
	must(s.CreateAssignment(ctx, as))
	cards, err := s.Cards(ctx, fc.ProviderScope(p.ID), fc.CardFilter{Page: fc.Page{Limit: 1}})
	must(err)
	ops := NewOperations(s, nil, nil)
	ops.lists.debounce = time.Millisecond
	ops.SetCommander(fake)
	return &benchWorld{ops: ops, svc: &Service{Store: s, Operations: ops, Commander: fake}, admin: access.NewSubject(admin, []fc.Assignment{*as}),
		provider: p.ID, group: groups[0], card: cards[0].ID}
}
