package store_test

import (
	"context"
	"sync"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// activeAdmins returns the IDs of the provider's users who hold
// provider_admin and can sign in, read the way a reader of the store would.
func activeAdmins(t *testing.T, s *store.Store, providerID fc.ID) []fc.ID {
	t.Helper()
	ctx := context.Background()
	users, err := s.Users(ctx, fc.ProviderScope(providerID), fc.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []fc.ID
	for _, u := range users {
		if u.Disabled || u.PasswordHash == "" {
			continue
		}
		as, err := s.UserAssignments(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Role == fc.RoleProviderAdmin {
				out = append(out, u.ID)
			}
		}
	}
	return out
}

func disable(s *store.Store, providerID, id fc.ID) error {
	_, err := s.UpdateUser(context.Background(), fc.ProviderScope(providerID), id, func(u *fc.User) error {
		u.Disabled = true
		return nil
	})
	return err
}

func TestLastProviderAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other CPO")
		org := mustOrg(t, s, p.ID, 0, "Holding")
		admin := mustUser(t, s, p.ID, "admin@cpo.example.com")
		adminGrant := mustGrant(t, s, admin.ID, fc.RoleProviderAdmin, 0, 0)
		fleetGrant := mustGrant(t, s, admin.ID, fc.RoleFleetManager, org.ID, 0)
		foreign := mustUser(t, s, other.ID, "admin@other.example.com")
		mustGrant(t, s, foreign.ID, fc.RoleProviderAdmin, 0, 0)
		all := fc.ProviderScope(p.ID)

		// The last admin: every way out is refused, and nothing changes.
		wantCode(t, "revoke the last admin's provider_admin", s.DeleteAssignment(ctx, all, adminGrant.ID), fc.EUnprocessable)
		wantCode(t, "disable the last admin", disable(s, p.ID, admin.ID), fc.EUnprocessable)
		_, err := s.UpdateUser(ctx, all, admin.ID, func(u *fc.User) error {
			u.PasswordHash = ""
			return nil
		})
		wantCode(t, "clear the last admin's password", err, fc.EUnprocessable)
		if got := activeAdmins(t, s, p.ID); !equalIDs(got, []fc.ID{admin.ID}) {
			t.Errorf("active admins after refused changes = %v, want %v", got, []fc.ID{admin.ID})
		}
		// What does not touch the admin role passes.
		if err := s.DeleteAssignment(ctx, all, fleetGrant.ID); err != nil {
			t.Errorf("revoke the last admin's other role: %v", err)
		}
		if _, err := s.UpdateUser(ctx, all, admin.ID, func(u *fc.User) error {
			u.Name = "Renamed"
			return nil
		}); err != nil {
			t.Errorf("rename the last admin: %v", err)
		}

		// A disabled admin is no admin: it does not make the active one
		// removable, and its own role can go.
		dormant := mustUser(t, s, p.ID, "dormant@cpo.example.com")
		dormantGrant := mustGrant(t, s, dormant.ID, fc.RoleProviderAdmin, 0, 0)
		if err := disable(s, p.ID, dormant.ID); err != nil {
			t.Fatalf("disable one of two admins: %v", err)
		}
		wantCode(t, "disable the last active admin beside a disabled one", disable(s, p.ID, admin.ID), fc.EUnprocessable)
		if err := s.DeleteAssignment(ctx, all, dormantGrant.ID); err != nil {
			t.Errorf("revoke a disabled admin's role: %v", err)
		}

		// With a second active admin the first may go, and then the second
		// is the last.
		second := mustUser(t, s, p.ID, "second@cpo.example.com")
		secondGrant := mustGrant(t, s, second.ID, fc.RoleProviderAdmin, 0, 0)
		if err := s.DeleteAssignment(ctx, all, adminGrant.ID); err != nil {
			t.Fatalf("revoke one of two admins: %v", err)
		}
		wantCode(t, "revoke the new last admin", s.DeleteAssignment(ctx, all, secondGrant.ID), fc.EUnprocessable)
		wantCode(t, "disable the new last admin", disable(s, p.ID, second.ID), fc.EUnprocessable)

		// Another provider's admin counts for its own provider only.
		wantCode(t, "disable the other provider's last admin", disable(s, other.ID, foreign.ID), fc.EUnprocessable)
	})
}

// TestLastProviderAdminConcurrent removes the two admins of a provider at
// the same time, by every pair of paths: one removal must win and the other
// be refused, never both pass.
func TestLastProviderAdminConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			a, b string // "revoke" or "disable"
		}{
			{"revoke both", "revoke", "revoke"},
			{"disable both", "disable", "disable"},
			{"revoke one, disable the other", "revoke", "disable"},
		} {
			p := mustProvider(t, s, tc.name)
			one := mustUser(t, s, p.ID, "one-"+p.ID.String()+"@cpo.example.com")
			two := mustUser(t, s, p.ID, "two-"+p.ID.String()+"@cpo.example.com")
			grants := map[fc.ID]*fc.Assignment{
				one.ID: mustGrant(t, s, one.ID, fc.RoleProviderAdmin, 0, 0),
				two.ID: mustGrant(t, s, two.ID, fc.RoleProviderAdmin, 0, 0),
			}
			remove := func(how string, id fc.ID) error {
				if how == "revoke" {
					return s.DeleteAssignment(ctx, fc.ProviderScope(p.ID), grants[id].ID)
				}
				return disable(s, p.ID, id)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i, step := range []struct {
				how string
				id  fc.ID
			}{{tc.a, one.ID}, {tc.b, two.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = remove(step.how, step.id)
				}()
			}
			close(start)
			wg.Wait()
			passed, refused := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					passed++
				case fc.IsCode(err, fc.EUnprocessable):
					refused++
				default:
					t.Errorf("%s: unexpected error %v", tc.name, err)
				}
			}
			if passed != 1 || refused != 1 {
				t.Errorf("%s: %d passed and %d refused (%v), want one of each", tc.name, passed, refused, errs)
			}
			if got := activeAdmins(t, s, p.ID); len(got) != 1 {
				t.Errorf("%s: active admins = %v, want one", tc.name, got)
			}
		}
	})
}
