package store_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// BenchmarkCardAuth compares CardAuth answered from the authorization
// cache (nothing changed since it was cached) with the same decision read
// from the database: a card of an account two organizations deep, at a
// station whose restricted charge group admits the top organization.
//
//	go test ./store -run '^$' -bench CardAuth -benchtime 2000x
func BenchmarkCardAuth(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			stationID := benchAuthWorld(b, s)
			ctx := context.Background()
			for _, c := range []struct {
				name string
				auth func(context.Context, fc.ID, string) (fc.CardAuth, error)
			}{{"cached", s.CardAuth}, {"uncached", s.CardAuthFromDB}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						a, err := c.auth(ctx, stationID, "BENCH-TAG")
						if err != nil || a.Card == nil || !a.Group.Admits(a.Card, a.CardOrgs) {
							b.Fatalf("auth = %+v, %v", a, err)
						}
					}
				})
			}
		})
	}
}

// benchAuthWorld builds the benchmark's provider and returns its station.
func benchAuthWorld(b *testing.B, s *store.Store) fc.ID {
	b.Helper()
	ctx := context.Background()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	p := &fc.Provider{Name: "Bench"}
	must(s.CreateProvider(ctx, p))
	top := &fc.Organization{ProviderID: p.ID, Name: "Top"}
	must(s.CreateOrganization(ctx, top))
	sub := &fc.Organization{ProviderID: p.ID, ParentID: top.ID, Name: "Sub"}
	must(s.CreateOrganization(ctx, sub))
	owner := &fc.Account{ProviderID: p.ID, OrganizationID: top.ID, Name: "Owner", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, owner))
	driver := &fc.Account{ProviderID: p.ID, OrganizationID: sub.ID, Name: "Driver", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, driver))
	must(s.CreateCard(ctx, &fc.Card{ProviderID: p.ID, AccountID: driver.ID, InternalID: "BENCH-TAG", ExternalID: "EXT-BENCH", Status: fc.CardActive}))
	l := &fc.Location{ProviderID: p.ID, AccountID: owner.ID, Name: "Office", Kind: fc.LocationOffice, City: "Utrecht", Country: "NL"}
	must(s.CreateLocation(ctx, l))
	g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: owner.ID, Name: "Staff", Kind: fc.GroupOther, Access: fc.AccessRestricted,
		AllowedOrganizationIDs: []fc.ID{top.ID}, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 300000}}
	must(s.CreateChargeGroup(ctx, g))
	st := &fc.Station{ProviderID: p.ID, AccountID: owner.ID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: "BENCH-CP1", PasswordHash: "x"}
	must(s.CreateStation(ctx, st, 2))
	return st.ID
}
