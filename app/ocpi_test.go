package app_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestChargeGroupRoamingNeedsTheWholeProvider: a facility manager manages
// its charge groups but does not publish them to roaming partners, nor
// withdraw them: that is for who manages roaming (stations and cards of
// the whole provider). Other changes of a roaming group stay the facility
// manager's.
func TestChargeGroupRoamingNeedsTheWholeProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		svc := &app.Service{Store: s}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		p := &fc.Provider{Name: "P"}
		must(s.CreateProvider(ctx, p))
		site := &fc.Organization{ProviderID: p.ID, Name: "Site"}
		must(s.CreateOrganization(ctx, site))
		acc := &fc.Account{ProviderID: p.ID, OrganizationID: site.ID, Name: "Site BV", Kind: fc.AccountCompany}
		must(s.CreateAccount(ctx, acc))
		subject := func(email string, role fc.Role, orgID fc.ID) access.Subject {
			t.Helper()
			u := &fc.User{ProviderID: p.ID, Email: email, Name: email, PasswordHash: "x"}
			must(s.CreateUser(ctx, u))
			must(s.CreateAssignment(ctx, &fc.Assignment{ProviderID: p.ID, UserID: u.ID, Role: role, OrganizationID: orgID}))
			subj, err := svc.Subject(ctx, u)
			must(err)
			return subj
		}
		admin := subject("admin@p.test", fc.RoleProviderAdmin, 0)
		facility := subject("facility@p.test", fc.RoleFacilityManager, site.ID)

		newGroup := func(roaming bool) *fc.ChargeGroup {
			return &fc.ChargeGroup{AccountID: acc.ID, Name: "Car park", Kind: fc.GroupOther, Access: fc.AccessPublic, Roaming: roaming,
				Tariff: fc.Tariff{Currency: "EUR"}}
		}
		if err := svc.CreateChargeGroup(ctx, facility, newGroup(true)); !fc.IsCode(err, fc.EForbidden) {
			t.Fatalf("a facility manager creates a roaming group: %v", err)
		}
		local := newGroup(false)
		must(svc.CreateChargeGroup(ctx, facility, local))
		if _, err := svc.UpdateChargeGroup(ctx, facility, local.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = true
			return nil
		}); !fc.IsCode(err, fc.EForbidden) {
			t.Fatalf("a facility manager turns roaming on: %v", err)
		}
		g, err := svc.UpdateChargeGroup(ctx, admin, local.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = true
			return nil
		})
		if err != nil || !g.Roaming {
			t.Fatalf("the admin turns roaming on: %+v %v", g, err)
		}
		g, err = svc.UpdateChargeGroup(ctx, facility, local.ID, func(g *fc.ChargeGroup) error {
			g.Name = "Car park north"
			return nil
		})
		if err != nil || !g.Roaming || g.Name != "Car park north" {
			t.Fatalf("the facility manager renames the roaming group: %+v %v", g, err)
		}
		if _, err := svc.UpdateChargeGroup(ctx, facility, local.ID, func(g *fc.ChargeGroup) error {
			g.Roaming = false
			return nil
		}); !fc.IsCode(err, fc.EForbidden) {
			t.Fatalf("a facility manager turns roaming off: %v", err)
		}
		if got, err := s.ChargeGroup(ctx, fc.ProviderScope(p.ID), local.ID); err != nil || !got.Roaming {
			t.Fatalf("the group after refusals: %+v %v", got, err)
		}
		must(svc.CreateChargeGroup(ctx, admin, newGroup(true)))
	})
}
