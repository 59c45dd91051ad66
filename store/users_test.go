package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func mustUser(t *testing.T, s *store.Store, providerID fc.ID, email string) *fc.User {
	t.Helper()
	u := &fc.User{ProviderID: providerID, Email: email, Name: "User " + email, PasswordHash: "hash-of-" + email}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func mustGrant(t *testing.T, s *store.Store, userID fc.ID, role fc.Role, orgID, accountID fc.ID) *fc.Assignment {
	t.Helper()
	a := &fc.Assignment{UserID: userID, Role: role, OrganizationID: orgID, AccountID: accountID}
	if err := s.CreateAssignment(context.Background(), a); err != nil {
		t.Fatalf("grant %s: %v", role, err)
	}
	return a
}

func userIDs(us []fc.User) []fc.ID {
	var out []fc.ID
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func TestUserEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		other := mustProvider(t, s, "Other")

		u := mustUser(t, s, p.ID, "  Ann.Smith@Example.COM ")
		if got, want := u.Email, "ann.smith@example.com"; got != want {
			t.Errorf("stored email = %q, want %q", got, want)
		}
		got, err := s.UserByEmail(ctx, "ANN.smith@example.com ")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.PasswordHash != u.PasswordHash {
			t.Errorf("UserByEmail = %+v, want user %s with its hash", got, u.ID)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.com"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown email: err = %v, want not_found", err)
		}

		// One login per address on the whole platform, whatever the case.
		dup := &fc.User{ProviderID: other.ID, Email: "ann.smith@EXAMPLE.com"}
		if err := s.CreateUser(ctx, dup); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("duplicate email: err = %v, want conflict", err)
		}

		if err := s.CreateUser(ctx, &fc.User{ProviderID: 999999, Email: "lost@example.com"}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("unknown provider: err = %v, want invalid", err)
		}

		for _, tc := range []struct {
			name, email, userName string
		}{
			{"empty", "", ""},
			{"no at", "ann.example.com", ""},
			{"two ats", "ann@x@example.com", ""},
			{"no dot in domain", "ann@example", ""},
			{"dot last", "ann@example.", ""},
			{"dot first", "ann@.example", ""},
			{"no local part", "@example.com", ""},
			{"space inside", "ann smith@example.com", ""},
			{"too long", strings.Repeat("a", 250) + "@example.com", ""},
			{"name too long", "long@example.com", strings.Repeat("n", 201)},
		} {
			err := s.CreateUser(ctx, &fc.User{ProviderID: p.ID, Email: tc.email, Name: tc.userName})
			if !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s: err = %v, want invalid", tc.name, err)
			}
		}

		// Updates keep the rules and never audit secrets.
		bob := mustUser(t, s, p.ID, "bob@example.com")
		all := fc.ProviderScope(p.ID)
		if _, err := s.UpdateUser(ctx, all, bob.ID, func(u *fc.User) error { u.Email = "ANN.SMITH@example.com"; return nil }); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("update to a taken email: err = %v, want conflict", err)
		}
		signIn := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
		updated, err := s.UpdateUser(ctx, all, bob.ID, func(u *fc.User) error {
			u.Email = " Robert@Example.com"
			u.PasswordHash = "new-secret-hash"
			u.TOTPSecret = "TOTPSECRETVALUE"
			u.TOTPEnabled = true
			u.TOTPLastStep = 42
			u.MustChangePassword = true
			u.LastSignInAt = &signIn
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		reread, err := s.User(ctx, all, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if reread.Email != "robert@example.com" || reread.PasswordHash != "new-secret-hash" || reread.TOTPSecret != "TOTPSECRETVALUE" ||
			!reread.TOTPEnabled || reread.TOTPLastStep != 42 || !reread.MustChangePassword ||
			reread.LastSignInAt == nil || !reread.LastSignInAt.Equal(signIn) || !reread.UpdatedAt.Equal(updated.UpdatedAt) {
			t.Errorf("after update = %+v", reread)
		}
		events, err := s.AuditEvents(ctx, all, fc.AuditFilter{ObjectType: fc.KindUser})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 { // two creates and one update; the refused ones left nothing
			t.Errorf("user audit events = %d, want 3", len(events))
		}
		for _, e := range events {
			for _, secret := range []string{"hash-of-", "new-secret-hash", "TOTPSECRETVALUE"} {
				if strings.Contains(e.Before+e.After, secret) {
					t.Errorf("audit event %s %s shows a secret: %s %s", e.Action, e.ObjectID, e.Before, e.After)
				}
			}
		}
	})
}

func TestUserVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		de := mustOrg(t, s, p.ID, holding.ID, "DE")
		acmeNL := mustAccount(t, s, p.ID, nl.ID, "Acme NL")
		acmeDE := mustAccount(t, s, p.ID, de.ID, "Acme DE")

		fleet := mustUser(t, s, p.ID, "fleet@example.com")
		mustGrant(t, s, fleet.ID, fc.RoleFleetManager, nl.ID, 0)
		accAdmin := mustUser(t, s, p.ID, "admin@acme-de.example.com")
		mustGrant(t, s, accAdmin.ID, fc.RoleAccountAdmin, 0, acmeDE.ID)
		staff := mustUser(t, s, p.ID, "staff@cpo.example.com")
		mustGrant(t, s, staff.ID, fc.RoleProviderAdmin, 0, 0)
		idle := mustUser(t, s, p.ID, "idle@example.com")

		for _, tc := range []struct {
			name  string
			reach fc.Reach
			want  []fc.ID
		}{
			{"provider", fc.Everything, []fc.ID{fleet.ID, accAdmin.ID, staff.ID, idle.ID}},
			{"holding subtree", fc.Reach{OrgIDs: []fc.ID{holding.ID}}, []fc.ID{fleet.ID, accAdmin.ID}},
			{"NL subtree", fc.Reach{OrgIDs: []fc.ID{nl.ID}}, []fc.ID{fleet.ID}},
			{"DE account", fc.Reach{AccountIDs: []fc.ID{acmeDE.ID}}, []fc.ID{accAdmin.ID}},
			{"NL account", fc.Reach{AccountIDs: []fc.ID{acmeNL.ID}}, nil},
			{"nothing", fc.Reach{}, nil},
		} {
			sc := fc.Scope{ProviderID: p.ID, Reach: tc.reach}
			list, err := s.Users(ctx, sc, fc.UserFilter{})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := userIDs(list); !equalIDs(got, tc.want) {
				t.Errorf("%s: users = %v, want %v", tc.name, got, tc.want)
			}
			for _, id := range []fc.ID{fleet.ID, accAdmin.ID, staff.ID, idle.ID} {
				_, err := s.User(ctx, sc, id)
				visible := containsID(tc.want, id)
				if visible && err != nil || !visible && !fc.IsCode(err, fc.ENotFound) {
					t.Errorf("%s: User(%s) err = %v, visible %v", tc.name, id, err, visible)
				}
			}
		}

		all := fc.ProviderScope(p.ID)
		found, err := s.Users(ctx, all, fc.UserFilter{Search: "ACME"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := userIDs(found), []fc.ID{accAdmin.ID}; !equalIDs(got, want) {
			t.Errorf("search ACME = %v, want %v", got, want)
		}
		page, err := s.Users(ctx, all, fc.UserFilter{Page: fc.Page{After: fleet.ID, Limit: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := userIDs(page), []fc.ID{accAdmin.ID, staff.ID}; !equalIDs(got, want) {
			t.Errorf("page after %s = %v, want %v", fleet.ID, got, want)
		}

		other := mustProvider(t, s, "Other")
		if _, err := s.User(ctx, fc.ProviderScope(other.ID), fleet.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("cross-provider read: err = %v, want not_found", err)
		}
		if _, err := s.UpdateUser(ctx, fc.ProviderScope(other.ID), fleet.ID, func(u *fc.User) error { u.Disabled = true; return nil }); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("cross-provider update: err = %v, want not_found", err)
		}
	})
}

func TestAssignments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		holding := mustOrg(t, s, p.ID, 0, "Holding")
		nl := mustOrg(t, s, p.ID, holding.ID, "NL")
		de := mustOrg(t, s, p.ID, holding.ID, "DE")
		acme := mustAccount(t, s, p.ID, de.ID, "Acme DE")
		u := mustUser(t, s, p.ID, "manager@example.com")

		other := mustProvider(t, s, "Other")
		foreignOrg := mustOrg(t, s, other.ID, 0, "Foreign")
		foreignAcc := mustAccount(t, s, other.ID, foreignOrg.ID, "Foreign account")
		foreignUser := mustUser(t, s, other.ID, "foreign@example.com")

		for _, tc := range []struct {
			name string
			a    fc.Assignment
		}{
			{"unknown role", fc.Assignment{UserID: u.ID, Role: "owner", OrganizationID: nl.ID}},
			{"provider admin on an organization", fc.Assignment{UserID: u.ID, Role: fc.RoleProviderAdmin, OrganizationID: nl.ID}},
			{"provider admin on an account", fc.Assignment{UserID: u.ID, Role: fc.RoleProviderAdmin, AccountID: acme.ID}},
			{"fleet manager without scope", fc.Assignment{UserID: u.ID, Role: fc.RoleFleetManager}},
			{"fleet manager on both", fc.Assignment{UserID: u.ID, Role: fc.RoleFleetManager, OrganizationID: nl.ID, AccountID: acme.ID}},
			{"unknown user", fc.Assignment{UserID: 999999, Role: fc.RoleFleetManager, OrganizationID: nl.ID}},
			{"user of another provider", fc.Assignment{ProviderID: p.ID, UserID: foreignUser.ID, Role: fc.RoleFleetManager, OrganizationID: foreignOrg.ID}},
			{"organization of another provider", fc.Assignment{UserID: u.ID, Role: fc.RoleFleetManager, OrganizationID: foreignOrg.ID}},
			{"account of another provider", fc.Assignment{UserID: u.ID, Role: fc.RoleAccountAdmin, AccountID: foreignAcc.ID}},
			{"foreign user on our organization", fc.Assignment{UserID: foreignUser.ID, Role: fc.RoleFleetManager, OrganizationID: nl.ID}},
		} {
			a := tc.a
			if err := s.CreateAssignment(ctx, &a); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s: err = %v, want invalid", tc.name, err)
			}
		}

		onNL := mustGrant(t, s, u.ID, fc.RoleFleetManager, nl.ID, 0)
		facilityNL := mustGrant(t, s, u.ID, fc.RoleFacilityManager, nl.ID, 0)
		onAcme := mustGrant(t, s, u.ID, fc.RoleAccountAdmin, 0, acme.ID)
		admin := mustGrant(t, s, u.ID, fc.RoleProviderAdmin, 0, 0)
		if onNL.ProviderID != p.ID {
			t.Errorf("assignment provider = %s, want %s", onNL.ProviderID, p.ID)
		}
		if err := s.CreateAssignment(ctx, &fc.Assignment{UserID: u.ID, Role: fc.RoleFleetManager, OrganizationID: nl.ID}); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("duplicate: err = %v, want conflict", err)
		}
		if err := s.CreateAssignment(ctx, &fc.Assignment{UserID: u.ID, Role: fc.RoleProviderAdmin}); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("duplicate provider admin: err = %v, want conflict", err)
		}

		got, err := s.UserAssignments(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []fc.ID{onNL.ID, facilityNL.ID, onAcme.ID, admin.ID}; !equalIDs(assignmentIDs(got), want) {
			t.Errorf("user assignments = %v, want %v", assignmentIDs(got), want)
		}

		for _, tc := range []struct {
			name  string
			reach fc.Reach
			want  []fc.ID
		}{
			{"provider", fc.Everything, []fc.ID{onNL.ID, facilityNL.ID, onAcme.ID, admin.ID}},
			{"holding", fc.Reach{OrgIDs: []fc.ID{holding.ID}}, []fc.ID{onNL.ID, facilityNL.ID, onAcme.ID}},
			{"DE", fc.Reach{OrgIDs: []fc.ID{de.ID}}, []fc.ID{onAcme.ID}},
			{"account", fc.Reach{AccountIDs: []fc.ID{acme.ID}}, []fc.ID{onAcme.ID}},
		} {
			list, err := s.Assignments(ctx, fc.Scope{ProviderID: p.ID, Reach: tc.reach}, fc.AssignmentFilter{UserID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			if got := assignmentIDs(list); !equalIDs(got, tc.want) {
				t.Errorf("%s: assignments = %v, want %v", tc.name, got, tc.want)
			}
		}
		if list, _ := s.Assignments(ctx, fc.ProviderScope(other.ID), fc.AssignmentFilter{}); len(list) != 0 {
			t.Errorf("another provider sees %d assignments", len(list))
		}

		// Revoking needs the assignment in reach.
		deScope := fc.Scope{ProviderID: p.ID, Reach: fc.Reach{OrgIDs: []fc.ID{de.ID}}}
		if err := s.DeleteAssignment(ctx, deScope, onNL.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("revoke outside reach: err = %v, want not_found", err)
		}
		if err := s.DeleteAssignment(ctx, deScope, onAcme.ID); err != nil {
			t.Errorf("revoke in reach: %v", err)
		}
		if err := s.DeleteAssignment(ctx, deScope, onAcme.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("revoke twice: err = %v, want not_found", err)
		}
		got, _ = s.UserAssignments(ctx, u.ID)
		if want := []fc.ID{onNL.ID, facilityNL.ID, admin.ID}; !equalIDs(assignmentIDs(got), want) {
			t.Errorf("after revoke = %v, want %v", assignmentIDs(got), want)
		}

		// Grants and revokes are audited where they sit.
		events, err := s.AuditEvents(ctx, deScope, fc.AuditFilter{ObjectType: fc.KindAssignment})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			if e.ObjectID != onAcme.ID || e.AccountID != acme.ID {
				t.Errorf("DE sees audit event %s of %s on account %s", e.Action, e.ObjectID, e.AccountID)
			}
			actions = append(actions, e.Action)
		}
		if got, want := strings.Join(actions, ","), "role.grant,role.revoke"; got != want {
			t.Errorf("audited actions = %s, want %s", got, want)
		}
	})
}

func assignmentIDs(as []fc.Assignment) []fc.ID {
	var out []fc.ID
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func containsID(ids []fc.ID, id fc.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clock := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return clock }
		p := mustProvider(t, s, "CPO")
		u := mustUser(t, s, p.ID, "api@example.com")
		other := mustUser(t, s, p.ID, "other@example.com")

		for _, name := range []string{"", "   ", strings.Repeat("x", 101)} {
			if err := s.CreateAPIToken(ctx, &fc.APIToken{UserID: u.ID, Name: name, Hash: "h0"}); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("name %q: err = %v, want invalid", name, err)
			}
		}
		if err := s.CreateAPIToken(ctx, &fc.APIToken{UserID: u.ID, Name: "ci", Hash: ""}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("empty hash: err = %v, want invalid", err)
		}
		if err := s.CreateAPIToken(ctx, &fc.APIToken{UserID: 999999, Name: "ci", Hash: "h0"}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("unknown user: err = %v, want invalid", err)
		}

		tok := &fc.APIToken{UserID: u.ID, Name: " ci ", Hash: "h1"}
		if err := s.CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if tok.Name != "ci" {
			t.Errorf("name = %q, want trimmed", tok.Name)
		}

		// The first use marks the token; uses within a minute do not move the mark.
		uses := []struct {
			after time.Duration
			want  time.Duration // since the first use
		}{
			{0, 0},
			{30 * time.Second, 0},
			{60 * time.Second, 0},
			{61 * time.Second, 61 * time.Second},
			{100 * time.Second, 61 * time.Second},
		}
		first := clock
		for _, use := range uses {
			clock = first.Add(use.after)
			got, err := s.APITokenByHash(ctx, "h1")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tok.ID || got.UserID != u.ID {
				t.Fatalf("token = %+v, want %s of user %s", got, tok.ID, u.ID)
			}
			stored := storedLastUsed(t, s, tok.ID)
			if want := first.Add(use.want); !stored.Equal(want) || got.LastUsedAt == nil || !got.LastUsedAt.Equal(want) {
				t.Errorf("use at +%s: stored last used %s, returned %v, want %s", use.after, stored, got.LastUsedAt, want)
			}
		}

		// Only the owner revokes; a revoked token and a disabled user's
		// token no longer authenticate.
		if err := s.RevokeAPIToken(ctx, other.ID, tok.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("revoke by another user: err = %v, want not_found", err)
		}
		if err := s.RevokeAPIToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAPIToken(ctx, u.ID, tok.ID); err != nil {
			t.Errorf("revoke again: %v", err)
		}
		if _, err := s.APITokenByHash(ctx, "h1"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("revoked token: err = %v, want not_found", err)
		}
		if _, err := s.APITokenByHash(ctx, "nope"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("unknown token: err = %v, want not_found", err)
		}
		tok2 := &fc.APIToken{UserID: other.ID, Name: "script", Hash: "h2"}
		if err := s.CreateAPIToken(ctx, tok2); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, &fc.APIToken{UserID: u.ID, Name: "again", Hash: "h2"}); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("duplicate hash: err = %v, want conflict", err)
		}
		if _, err := s.UpdateUser(ctx, fc.ProviderScope(p.ID), other.ID, func(u *fc.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.APITokenByHash(ctx, "h2"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("disabled user's token: err = %v, want not_found", err)
		}

		events, err := s.AuditEvents(ctx, fc.ProviderScope(p.ID), fc.AuditFilter{ObjectType: "api_token"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
			if strings.Contains(e.Before+e.After, `"h1"`) || strings.Contains(e.Before+e.After, `"h2"`) {
				t.Errorf("audit %s shows a token hash: %s", e.Action, e.After)
			}
		}
		if got, want := strings.Join(actions, ","), "token.create,token.revoke,token.create"; got != want {
			t.Errorf("token audit = %s, want %s", got, want)
		}
	})
}

func storedLastUsed(t *testing.T, s *store.Store, id fc.ID) time.Time {
	t.Helper()
	var v int64
	if err := s.DB().QueryRow(`SELECT last_used_at FROM api_tokens WHERE id = $1`, int64(id)).Scan(&v); err != nil {
		t.Fatalf("read last_used_at: %v", err)
	}
	return time.UnixMilli(v).UTC()
}
