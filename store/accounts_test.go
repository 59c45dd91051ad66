package store_test

import (
	"context"
	"slices"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func accountID(a fc.Account) fc.ID { return a.ID }

func TestCreateAccountValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		org := mustOrg(t, s, p.ID, 0, "Holding")
		other := mustProvider(t, s, "Other")
		foreign := mustOrg(t, s, other.ID, 0, "Foreign")
		for _, tc := range []struct {
			name  string
			a     fc.Account
			field string
		}{
			{"no name", fc.Account{OrganizationID: org.ID, Name: "  ", Kind: fc.AccountCompany}, "name"},
			{"bad kind", fc.Account{OrganizationID: org.ID, Name: "A", Kind: "public"}, "kind"},
			{"no kind", fc.Account{OrganizationID: org.ID, Name: "A"}, "kind"},
			{"no organization", fc.Account{Name: "A", Kind: fc.AccountPrivate}, "organization_id"},
			{"missing organization", fc.Account{OrganizationID: 9999, Name: "A", Kind: fc.AccountPrivate}, "organization_id"},
			{"other provider's organization", fc.Account{OrganizationID: foreign.ID, Name: "A", Kind: fc.AccountPrivate}, "organization_id"},
		} {
			a := tc.a
			a.ProviderID = p.ID
			wantField(t, tc.name, s.CreateAccount(ctx, &a), tc.field)
		}
		got, err := s.Accounts(ctx, fc.ProviderScope(p.ID), fc.AccountFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("accounts after refused creates = %d, want 0", len(got))
		}
	})
}

func TestAccountLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		all := fc.ProviderScope(p.ID)
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		de := mustOrg(t, s, p.ID, holding.ID, "DE")

		a := &fc.Account{ProviderID: p.ID, OrganizationID: nl.ID, Name: "  Acme NL  ", Kind: fc.AccountCompany}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.Name != "Acme NL" {
			t.Errorf("name = %q, want it trimmed", a.Name)
		}
		got, err := s.Account(ctx, all, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme NL" || got.OrganizationID != nl.ID || got.Kind != fc.AccountCompany || got.ProviderID != p.ID ||
			!got.CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("account = %+v, want %+v", got, a)
		}
		private := mustAccount(t, s, p.ID, de.ID, "Jan Private")
		if _, err := s.UpdateAccount(ctx, all, private.ID, func(a *fc.Account) error { a.Kind = fc.AccountPrivate; return nil }); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name string
			f    fc.AccountFilter
			want []fc.ID
		}{
			{"all", fc.AccountFilter{}, []fc.ID{a.ID, private.ID}},
			{"holding subtree", fc.AccountFilter{OrganizationID: holding.ID}, []fc.ID{a.ID, private.ID}},
			{"NL", fc.AccountFilter{OrganizationID: nl.ID}, []fc.ID{a.ID}},
			{"kind", fc.AccountFilter{Kind: fc.AccountPrivate}, []fc.ID{private.ID}},
			{"search", fc.AccountFilter{Search: "acme"}, []fc.ID{a.ID}},
		} {
			list, err := s.Accounts(ctx, all, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(list, accountID); !slices.Equal(got, tc.want) {
				t.Errorf("%s: accounts = %v, want %v", tc.name, got, tc.want)
			}
		}

		updated, err := s.UpdateAccount(ctx, all, a.ID, func(a *fc.Account) error { a.Name = "Acme Netherlands"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if updated.Name != "Acme Netherlands" {
			t.Errorf("updated name = %q", updated.Name)
		}
		_, err = s.UpdateAccount(ctx, all, a.ID, func(a *fc.Account) error { a.OrganizationID = de.ID; return nil })
		wantCode(t, "update organization", err, fc.EUnprocessable)
		_, err = s.UpdateAccount(ctx, all, a.ID, func(a *fc.Account) error { a.Kind = "other"; return nil })
		wantField(t, "update to a bad kind", err, "kind")
		if got, _ := s.Account(ctx, all, a.ID); got.OrganizationID != nl.ID || got.Name != "Acme Netherlands" {
			t.Errorf("after refused updates: %+v", got)
		}

		// The audit log holds the change where the account sits, so that a
		// reach on NL reads it and one on DE does not.
		events, err := s.AuditEvents(ctx, orgScope(p.ID, nl.ID), fc.AuditFilter{ObjectType: fc.KindAccount, ObjectID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if want := []string{"account.create", "account.update"}; !slices.Equal(actions, want) {
			t.Errorf("audit actions from NL = %v, want %v", actions, want)
		}
		if events, _ := s.AuditEvents(ctx, orgScope(p.ID, de.ID), fc.AuditFilter{ObjectID: a.ID, ObjectType: fc.KindAccount}); len(events) != 0 {
			t.Errorf("audit events from DE = %d, want 0", len(events))
		}

		// An account that owns something stays; an empty one goes.
		e := mustEmployee(t, s, a, "Eva")
		wantCode(t, "delete account with an employee", s.DeleteAccount(ctx, all, a.ID), fc.EUnprocessable)
		if err := s.DeleteEmployee(ctx, all, e.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAccount(ctx, all, a.ID); err != nil {
			t.Fatalf("delete empty account: %v", err)
		}
		_, err = s.Account(ctx, all, a.ID)
		wantCode(t, "read deleted account", err, fc.ENotFound)
		wantCode(t, "delete again", s.DeleteAccount(ctx, all, a.ID), fc.ENotFound)
	})
}

func TestAccountScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		ams := mustOrg(t, s, p.ID, nl.ID, "Amsterdam")
		de := mustOrg(t, s, p.ID, holding.ID, "DE")
		top := mustAccount(t, s, p.ID, holding.ID, "Holding Services")
		nlAcc := mustAccount(t, s, p.ID, nl.ID, "NL BV")
		amsAcc := mustAccount(t, s, p.ID, ams.ID, "Amsterdam BV")
		deAcc := mustAccount(t, s, p.ID, de.ID, "DE GmbH")
		other := mustWorld(t, s, "Other")

		for _, tc := range []struct {
			name    string
			sc      fc.Scope
			visible []fc.ID
		}{
			{"NL subtree", orgScope(p.ID, nl.ID), []fc.ID{nlAcc.ID, amsAcc.ID}},
			{"NL and DE", orgScope(p.ID, nl.ID, de.ID), []fc.ID{nlAcc.ID, amsAcc.ID, deAcc.ID}},
			{"one account", accountScope(p.ID, deAcc.ID), []fc.ID{deAcc.ID}},
			{"account and org", fc.Scope{ProviderID: p.ID, Reach: fc.Reach{OrgIDs: []fc.ID{ams.ID}, AccountIDs: []fc.ID{top.ID}}}, []fc.ID{top.ID, amsAcc.ID}},
			{"whole provider", fc.ProviderScope(p.ID), []fc.ID{top.ID, nlAcc.ID, amsAcc.ID, deAcc.ID}},
			{"nothing", fc.Scope{ProviderID: p.ID}, []fc.ID{}},
			{"another provider's organization", orgScope(p.ID, other.Org.ID), []fc.ID{}},
		} {
			list, err := s.Accounts(ctx, tc.sc, fc.AccountFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(list, accountID); !slices.Equal(got, tc.visible) {
				t.Errorf("%s: accounts = %v, want %v", tc.name, got, tc.visible)
			}
			for _, id := range []fc.ID{top.ID, nlAcc.ID, amsAcc.ID, deAcc.ID, other.Account.ID} {
				_, err := s.Account(ctx, tc.sc, id)
				if slices.Contains(tc.visible, id) {
					if err != nil {
						t.Errorf("%s: read account %s: %v", tc.name, id, err)
					}
					continue
				}
				wantCode(t, tc.name+": read invisible account", err, fc.ENotFound)
				_, err = s.UpdateAccount(ctx, tc.sc, id, func(a *fc.Account) error { a.Name = "Taken"; return nil })
				wantCode(t, tc.name+": update invisible account", err, fc.ENotFound)
			}
		}
		// A filter on an organization outside the reach widens nothing.
		list, err := s.Accounts(ctx, orgScope(p.ID, ams.ID), fc.AccountFilter{OrganizationID: holding.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(list, accountID), []fc.ID{amsAcc.ID}; !slices.Equal(got, want) {
			t.Errorf("Amsterdam's reach filtered on Holding = %v, want %v", got, want)
		}
	})
}
