package store_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func mustProvider(t *testing.T, s *store.Store, name string) *fc.Provider {
	t.Helper()
	p := &fc.Provider{Name: name}
	if err := s.CreateProvider(context.Background(), p); err != nil {
		t.Fatalf("create provider: %v", err)
	}
	return p
}

func mustOrg(t *testing.T, s *store.Store, providerID, parentID fc.ID, name string) *fc.Organization {
	t.Helper()
	o := &fc.Organization{ProviderID: providerID, ParentID: parentID, Name: name}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatalf("create organization %s: %v", name, err)
	}
	return o
}

func TestOrganizationTree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		all := fc.ProviderScope(p.ID)
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		ams := mustOrg(t, s, p.ID, nl.ID, "Amsterdam")
		de := mustOrg(t, s, p.ID, holding.ID, "DE")

		got, err := s.Ancestors(ctx, p.ID, ams.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []fc.ID{holding.ID, nl.ID, ams.ID}; !equalIDs(got, want) {
			t.Fatalf("ancestors = %v, want %v", got, want)
		}

		// Move NL (with Amsterdam) under DE.
		moved, err := s.UpdateOrganization(ctx, all, nl.ID, func(o *fc.Organization) error { o.ParentID = de.ID; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if moved.Depth != 2 {
			t.Errorf("depth after move = %d, want 2", moved.Depth)
		}
		got, _ = s.Ancestors(ctx, p.ID, ams.ID)
		if want := []fc.ID{holding.ID, de.ID, nl.ID, ams.ID}; !equalIDs(got, want) {
			t.Fatalf("ancestors after move = %v, want %v", got, want)
		}
		o, err := s.Organization(ctx, all, ams.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Depth != 3 || len(o.Path) != 4 || o.Path[1] != "DE" {
			t.Errorf("amsterdam after move: depth %d path %v", o.Depth, o.Path)
		}

		// A move under its own descendant is refused and changes nothing.
		_, err = s.UpdateOrganization(ctx, all, de.ID, func(o *fc.Organization) error { o.ParentID = ams.ID; return nil })
		if !fc.IsCode(err, fc.EUnprocessable) {
			t.Fatalf("move under descendant: err = %v, want %s", err, fc.EUnprocessable)
		}
		_, err = s.UpdateOrganization(ctx, all, de.ID, func(o *fc.Organization) error { o.ParentID = de.ID; return nil })
		if !fc.IsCode(err, fc.EUnprocessable) {
			t.Fatalf("move under itself: err = %v, want %s", err, fc.EUnprocessable)
		}

		// Scoped reads: a reach on DE sees DE, NL, Amsterdam, not Holding.
		de2 := fc.Scope{ProviderID: p.ID, Reach: fc.Reach{OrgIDs: []fc.ID{de.ID}}}
		list, err := s.Organizations(ctx, de2, fc.OrganizationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Errorf("organizations in DE's reach = %d, want 3", len(list))
		}
		if _, err := s.Organization(ctx, de2, holding.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("holding from DE's reach: err = %v, want not_found", err)
		}

		// Another provider sees none of it.
		other := mustProvider(t, s, "Other")
		if _, err := s.Organization(ctx, fc.ProviderScope(other.ID), holding.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("cross-provider read: err = %v, want not_found", err)
		}
		foreign := mustOrg(t, s, other.ID, 0, "X")
		if _, err := s.UpdateOrganization(ctx, all, nl.ID, func(o *fc.Organization) error { o.ParentID = foreign.ID; return nil }); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("move under another provider's organization: err = %v, want invalid", err)
		}

		// Deletes refuse organizations with children; leaves go.
		if err := s.DeleteOrganization(ctx, all, de.ID); !fc.IsCode(err, fc.EUnprocessable) {
			t.Errorf("delete with children: err = %v, want %s", err, fc.EUnprocessable)
		}
		if err := s.DeleteOrganization(ctx, all, ams.ID); err != nil {
			t.Errorf("delete leaf: %v", err)
		}
		if _, err := s.Ancestors(ctx, p.ID, ams.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("ancestors of deleted: err = %v", err)
		}
	})
}

func equalIDs(a, b []fc.ID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
