package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// roleSet returns the user's assignments as "role@org" strings, sorted.
func roleSet(t *testing.T, s *store.Store, userID fc.ID) []string {
	t.Helper()
	as, err := s.UserAssignments(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, string(a.Role)+"@"+a.OrganizationID.String())
	}
	slices.Sort(out)
	return out
}

func TestIdentityProviders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		p := mustProvider(t, s, "CPO")
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		depot := mustOrg(t, s, p.ID, holding.ID, "Depot")
		outside := mustOrg(t, s, p.ID, 0, "Other customer")
		all := fc.ProviderScope(p.ID)

		idp := &fc.IdentityProvider{ProviderID: p.ID, OrganizationID: holding.ID, Issuer: "https://login.example.com/tenant",
			ClientID: "fleetcharge", ClientSecret: "v1:sealed", Domains: []string{"Holding.Example.com"}, PasswordSignIn: true,
			GroupRoles: []fc.GroupRole{{Group: "fleet", Role: fc.RoleFleetManager, OrganizationID: depot.ID}}}
		if err := s.CreateIdentityProvider(ctx, idp); err != nil {
			t.Fatal(err)
		}
		got, err := s.IdentityProviderForDomain(ctx, "holding.example.com")
		if err != nil || got.ID != idp.ID || got.ClientSecret != "v1:sealed" || len(got.GroupRoles) != 1 {
			t.Fatalf("by domain = %+v, %v", got, err)
		}

		// A mapping outside the configuring organization's subtree is refused,
		// on create and on update, and nothing changes.
		bad := &fc.IdentityProvider{ProviderID: p.ID, OrganizationID: depot.ID, Issuer: "https://login.example.com/b", ClientID: "x",
			GroupRoles: []fc.GroupRole{{Group: "g", Role: fc.RoleFleetManager, OrganizationID: holding.ID}}}
		wantField(t, "a mapping above the organization", s.CreateIdentityProvider(ctx, bad), "group_roles[0].organization_id")
		_, err = s.UpdateIdentityProvider(ctx, all, idp.ID, func(x *fc.IdentityProvider) error {
			x.GroupRoles = append(x.GroupRoles, fc.GroupRole{Group: "other", Role: fc.RoleFacilityManager, OrganizationID: outside.ID})
			return nil
		})
		wantField(t, "a mapping in another subtree", err, "group_roles[1].organization_id")
		for _, r := range []fc.Role{fc.RoleProviderAdmin, fc.RoleAccountAdmin, "driver", "root"} {
			bad := &fc.IdentityProvider{ProviderID: p.ID, OrganizationID: holding.ID, Issuer: "https://login.example.com/c", ClientID: "x",
				GroupRoles: []fc.GroupRole{{Group: "g", Role: r, OrganizationID: depot.ID}}}
			wantField(t, "role "+string(r), s.CreateIdentityProvider(ctx, bad), "group_roles[0].role")
		}
		wantField(t, "an http issuer off loopback", s.CreateIdentityProvider(ctx, &fc.IdentityProvider{ProviderID: p.ID,
			OrganizationID: holding.ID, Issuer: "http://login.example.com", ClientID: "x"}), "issuer")
		dup := &fc.IdentityProvider{ProviderID: p.ID, OrganizationID: outside.ID, Issuer: "https://other.example.com", ClientID: "x",
			Domains: []string{"holding.example.com"}}
		wantCode(t, "a domain routed elsewhere", s.CreateIdentityProvider(ctx, dup), fc.EConflict)
		got, err = s.IdentityProvider(ctx, all, idp.ID)
		if err != nil || len(got.GroupRoles) != 1 || got.GroupRoles[0].OrganizationID != depot.ID {
			t.Fatalf("after refused changes: %+v, %v", got, err)
		}
		// A reach on another subtree does not see it.
		if _, err := s.IdentityProvider(ctx, orgScope(p.ID, outside.ID), idp.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("read from another subtree: %v", err)
		}

		// Sign-ins: JIT creation with the mapped role, a group change at
		// the next sign-in, no role at all.
		login := fc.SSOLogin{IdentityProviderID: idp.ID, Subject: "sub-1", Email: "ann@holding.example.com", Name: "Ann", Groups: []string{"fleet"}}
		out, err := s.SSOSignIn(ctx, login)
		if err != nil || !out.Created || out.User == nil || len(out.Granted) != 1 || out.Roles != 1 {
			t.Fatalf("first sign-in = %+v, %v", out, err)
		}
		ann := out.User.ID
		if got, want := roleSet(t, s, ann), []string{"fleet_manager@" + depot.ID.String()}; !slices.Equal(got, want) {
			t.Errorf("roles = %v, want %v", got, want)
		}
		if _, err := s.UpdateIdentityProvider(ctx, all, idp.ID, func(x *fc.IdentityProvider) error {
			x.GroupRoles = append(x.GroupRoles, fc.GroupRole{Group: "sites", Role: fc.RoleFacilityManager, OrganizationID: holding.ID})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		login.Groups = []string{"sites", "unmapped"}
		out, err = s.SSOSignIn(ctx, login)
		if err != nil || out.Created || out.User.ID != ann || len(out.Granted) != 1 || len(out.Revoked) != 1 {
			t.Fatalf("second sign-in = %+v, %v", out, err)
		}
		if got, want := roleSet(t, s, ann), []string{"facility_manager@" + holding.ID.String()}; !slices.Equal(got, want) {
			t.Errorf("roles after the group change = %v, want %v", got, want)
		}
		// A role granted by hand stays when the groups change.
		mustGrant(t, s, ann, fc.RoleFleetManager, outside.ID, 0)
		login.Groups = nil
		out, err = s.SSOSignIn(ctx, login)
		if err != nil || len(out.Revoked) != 1 || out.Roles != 1 {
			t.Fatalf("sign-in without groups = %+v, %v", out, err)
		}
		events, err := s.AuditEvents(ctx, all, fc.AuditFilter{ObjectType: fc.KindAssignment})
		if err != nil {
			t.Fatal(err)
		}
		withClaims := 0
		for _, e := range events {
			if (e.Action == "role.grant" || e.Action == "role.revoke") && (containsAll(e.After, `"claims"`, `"sub-1"`) || containsAll(e.Before, `"claims"`, `"sub-1"`)) {
				withClaims++
			}
		}
		if withClaims != 4 { // granted fleet, revoked fleet, granted sites, revoked sites
			t.Errorf("%d role changes audited with their claims, want 4", withClaims)
		}

		// An existing user with a role outside the subtree is not taken over.
		dave := mustUser(t, s, p.ID, "dave@holding.example.com")
		mustGrant(t, s, dave.ID, fc.RoleProviderAdmin, 0, 0)
		_, err = s.SSOSignIn(ctx, fc.SSOLogin{IdentityProviderID: idp.ID, Subject: "sub-5", Email: "dave@holding.example.com", Groups: []string{"fleet"}})
		wantCode(t, "a provider admin's address", err, fc.EForbidden)

		// Nobody is created without a mapped role.
		out, err = s.SSOSignIn(ctx, fc.SSOLogin{IdentityProviderID: idp.ID, Subject: "sub-2", Email: "bob@holding.example.com", Groups: []string{"x"}})
		if err != nil || out.User != nil {
			t.Fatalf("sign-in without role = %+v, %v", out, err)
		}
		// An address of another domain, and one of a user of another provider.
		_, err = s.SSOSignIn(ctx, fc.SSOLogin{IdentityProviderID: idp.ID, Subject: "sub-3", Email: "eve@elsewhere.example.com", Groups: []string{"fleet"}})
		wantCode(t, "another domain", err, fc.EForbidden)
		other := mustProvider(t, s, "Other CPO")
		mustUser(t, s, other.ID, "carl@holding.example.com")
		_, err = s.SSOSignIn(ctx, fc.SSOLogin{IdentityProviderID: idp.ID, Subject: "sub-4", Email: "carl@holding.example.com", Groups: []string{"fleet"}})
		wantCode(t, "a user of another provider", err, fc.EForbidden)

		// States work once and expire.
		st := &fc.SSOState{StateHash: "h1", IdentityProviderID: idp.ID, Nonce: "n", Verifier: "v", BrowserHash: "b", Next: "/x",
			ExpiresAt: time.Now().Add(time.Minute)}
		if err := s.CreateSSOState(ctx, st); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UseSSOState(ctx, "h1"); err != nil || got.Nonce != "n" || got.Next != "/x" {
			t.Fatalf("use = %+v, %v", got, err)
		}
		_, err = s.UseSSOState(ctx, "h1")
		wantCode(t, "a state used twice", err, fc.EUnauthorized)
		old := &fc.SSOState{StateHash: "h2", IdentityProviderID: idp.ID, Nonce: "n", Verifier: "v", BrowserHash: "b", ExpiresAt: time.Now().Add(-time.Second)}
		if err := s.CreateSSOState(ctx, old); err != nil {
			t.Fatal(err)
		}
		_, err = s.UseSSOState(ctx, "h2")
		wantCode(t, "an expired state", err, fc.EUnauthorized)

		// Deleting the identity provider takes the roles it mapped.
		login.Groups = []string{"sites"}
		if _, err := s.SSOSignIn(ctx, login); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIdentityProvider(ctx, all, idp.ID); err != nil {
			t.Fatal(err)
		}
		if got, want := roleSet(t, s, ann), []string{"fleet_manager@" + outside.ID.String()}; !slices.Equal(got, want) {
			t.Errorf("roles after the deletion = %v, want %v", got, want)
		}
	})
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
