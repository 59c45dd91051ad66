package store_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// authClock sets the store's clock to a fixed time that the test moves.
func authClock(s *store.Store) *time.Time {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	return &now
}

func authTestUser(t *testing.T, s *store.Store, providerID fc.ID, email string) *fc.User {
	t.Helper()
	u := &fc.User{ProviderID: providerID, Email: email, PasswordHash: "old-hash", MustChangePassword: true}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func authTestSession(t *testing.T, s *store.Store, userID fc.ID, id string, now time.Time) *fc.WebSession {
	t.Helper()
	ws := &fc.WebSession{ID: id, UserID: userID, Stage: "active", CSRFToken: "csrf-" + id,
		CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour), RemoteAddr: "192.0.2.1", UserAgent: "test"}
	if err := s.CreateWebSession(context.Background(), ws); err != nil {
		t.Fatalf("create web session %s: %v", id, err)
	}
	return ws
}

func mustCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !fc.IsCode(err, code) {
		t.Errorf("%s: err = %v, want code %s", what, err, code)
	}
}

func revoked(t *testing.T, s *store.Store, id string) bool {
	t.Helper()
	ws, err := s.WebSession(context.Background(), id)
	if err != nil {
		t.Fatalf("web session %s: %v", id, err)
	}
	return ws.RevokedAt != nil
}

// auditActions returns the actions of the audit events about a user, oldest first.
func auditActions(t *testing.T, s *store.Store, providerID, userID fc.ID) []string {
	t.Helper()
	events, err := s.AuditEvents(context.Background(), fc.ProviderScope(providerID), fc.AuditFilter{ObjectType: fc.KindUser, ObjectID: userID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

func hasAction(actions []string, want string) bool {
	for _, a := range actions {
		if a == want {
			return true
		}
	}
	return false
}

func TestWebSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := authClock(s)
		p := mustProvider(t, s, "CPO")
		ann := authTestUser(t, s, p.ID, "ann@example.com")
		bob := authTestUser(t, s, p.ID, "bob@example.com")

		want := authTestSession(t, s, ann.ID, "s1", *now)
		got, err := s.WebSession(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != ann.ID || got.Stage != "active" || got.CSRFToken != "csrf-s1" || !got.ExpiresAt.Equal(want.ExpiresAt) ||
			!got.LastSeenAt.Equal(*now) || got.RevokedAt != nil || got.RemoteAddr != "192.0.2.1" || got.UserAgent != "test" {
			t.Errorf("stored session = %+v, want %+v", got, want)
		}
		_, err = s.WebSession(ctx, "nope")
		mustCode(t, "unknown session", err, fc.ENotFound)
		err = s.CreateWebSession(ctx, &fc.WebSession{ID: "s1", UserID: ann.ID, Stage: "active", CSRFToken: "x", ExpiresAt: now.Add(time.Hour)})
		mustCode(t, "duplicate session ID", err, fc.EConflict)

		// Touch moves last-seen forward, never back.
		later := now.Add(10 * time.Minute)
		if err := s.TouchWebSession(ctx, "s1", later); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchWebSession(ctx, "s1", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.WebSession(ctx, "s1"); !got.LastSeenAt.Equal(later) {
			t.Errorf("last seen = %v, want %v", got.LastSeenAt, later)
		}

		// Replace moves a live session on once; the old one is revoked.
		next := &fc.WebSession{ID: "s2", UserID: ann.ID, Stage: "active", CSRFToken: "c2", ExpiresAt: now.Add(time.Hour)}
		if err := s.ReplaceWebSession(ctx, "s1", next); err != nil {
			t.Fatal(err)
		}
		if !revoked(t, s, "s1") || revoked(t, s, "s2") {
			t.Errorf("after replace: s1 revoked %v, s2 revoked %v; want true, false", revoked(t, s, "s1"), revoked(t, s, "s2"))
		}
		again := &fc.WebSession{ID: "s3", UserID: ann.ID, Stage: "active", CSRFToken: "c3", ExpiresAt: now.Add(time.Hour)}
		mustCode(t, "replace a revoked session", s.ReplaceWebSession(ctx, "s1", again), fc.ENotFound)
		if _, err := s.WebSession(ctx, "s3"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("a failed replace created its new session: err = %v", err)
		}

		// An expired session cannot be replaced either.
		short := &fc.WebSession{ID: "s4", UserID: ann.ID, Stage: "totp", CSRFToken: "c4", ExpiresAt: now.Add(5 * time.Minute)}
		if err := s.CreateWebSession(ctx, short); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(6 * time.Minute)
		mustCode(t, "replace an expired session", s.ReplaceWebSession(ctx, "s4", again), fc.ENotFound)

		// Revoking all of Ann's sessions leaves Bob's alone.
		authTestSession(t, s, bob.ID, "b1", *now)
		authTestSession(t, s, ann.ID, "s5", *now)
		if err := s.RevokeUserSessions(ctx, ann.ID); err != nil {
			t.Fatal(err)
		}
		if !revoked(t, s, "s2") || !revoked(t, s, "s5") || revoked(t, s, "b1") {
			t.Errorf("revoke user sessions: s2 %v s5 %v b1 %v, want true true false", revoked(t, s, "s2"), revoked(t, s, "s5"), revoked(t, s, "b1"))
		}
		if err := s.RevokeWebSession(ctx, "b1"); err != nil || !revoked(t, s, "b1") {
			t.Errorf("revoke b1: err %v, revoked %v", err, revoked(t, s, "b1"))
		}

		// Expired sessions are deleted.
		if err := s.DeleteExpiredAuth(ctx, now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, err = s.WebSession(ctx, "s5")
		mustCode(t, "expired session after cleanup", err, fc.ENotFound)
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := authClock(s)
		p := mustProvider(t, s, "CPO")
		u := authTestUser(t, s, p.ID, "ann@example.com")
		authTestSession(t, s, u.ID, "old1", *now)
		authTestSession(t, s, u.ID, "old2", *now)
		reset := &fc.PasswordReset{TokenHash: "r1", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreatePasswordReset(ctx, reset); err != nil {
			t.Fatal(err)
		}

		next := &fc.WebSession{ID: "new", UserID: u.ID, Stage: "active", CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}
		if err := s.ChangePassword(ctx, u.ID, "new-hash", next); err != nil {
			t.Fatal(err)
		}
		if !revoked(t, s, "old1") || !revoked(t, s, "old2") || revoked(t, s, "new") {
			t.Errorf("sessions after change: old1 %v old2 %v new %v, want revoked, revoked, live",
				revoked(t, s, "old1"), revoked(t, s, "old2"), revoked(t, s, "new"))
		}
		got, err := s.AuthUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != "new-hash" || got.MustChangePassword {
			t.Errorf("user after change: hash %q, must change %v", got.PasswordHash, got.MustChangePassword)
		}
		_, err = s.UsePasswordReset(ctx, "r1", "other-hash")
		mustCode(t, "a reset issued before the change", err, fc.EUnauthorized)
		if actions := auditActions(t, s, p.ID, u.ID); !hasAction(actions, store.ActionPasswordChange) {
			t.Errorf("audit actions %v lack %s", actions, store.ActionPasswordChange)
		}
		mustCode(t, "change for an unknown user", s.ChangePassword(ctx, 999999, "h", nil), fc.ENotFound)
		mustCode(t, "empty hash", s.ChangePassword(ctx, u.ID, "", nil), fc.EInvalid)
	})
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := authClock(s)
		p := mustProvider(t, s, "CPO")
		u := authTestUser(t, s, p.ID, "ann@example.com")
		authTestSession(t, s, u.ID, "live", *now)
		for _, h := range []string{"once", "late"} {
			if err := s.CreatePasswordReset(ctx, &fc.PasswordReset{TokenHash: h, UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}

		*now = now.Add(59 * time.Minute)
		got, err := s.UsePasswordReset(ctx, "once", "reset-hash")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.PasswordHash != "reset-hash" || got.MustChangePassword {
			t.Errorf("user after reset = %+v", got)
		}
		if !revoked(t, s, "live") {
			t.Error("a reset left a web session live")
		}
		_, err = s.UsePasswordReset(ctx, "once", "again-hash")
		mustCode(t, "second use", err, fc.EUnauthorized)
		_, err = s.UsePasswordReset(ctx, "late", "again-hash")
		mustCode(t, "a reset made before the last one was used", err, fc.EUnauthorized)
		_, err = s.UsePasswordReset(ctx, "unknown", "again-hash")
		mustCode(t, "unknown token", err, fc.EUnauthorized)

		// Expiry, and a disabled user.
		if err := s.CreatePasswordReset(ctx, &fc.PasswordReset{TokenHash: "expiring", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(time.Hour)
		_, err = s.UsePasswordReset(ctx, "expiring", "late-hash")
		mustCode(t, "expired token", err, fc.EUnauthorized)
		if err := s.CreatePasswordReset(ctx, &fc.PasswordReset{TokenHash: "disabled", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, fc.ProviderScope(p.ID), u.ID, func(u *fc.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		_, err = s.UsePasswordReset(ctx, "disabled", "late-hash")
		mustCode(t, "disabled user", err, fc.EUnauthorized)
		if got, _ := s.AuthUser(ctx, u.ID); got.PasswordHash != "reset-hash" {
			t.Errorf("password hash = %q, want the one set by the single valid reset", got.PasswordHash)
		}
		actions := auditActions(t, s, p.ID, u.ID)
		for _, want := range []string{store.ActionPasswordResetIssue, store.ActionPasswordReset} {
			if !hasAction(actions, want) {
				t.Errorf("audit actions %v lack %s", actions, want)
			}
		}
		mustCode(t, "reset for an unknown user",
			s.CreatePasswordReset(ctx, &fc.PasswordReset{TokenHash: "x", UserID: 999999, ExpiresAt: now.Add(time.Hour)}), fc.ENotFound)
	})
}

func TestUseTOTPStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		u := authTestUser(t, s, p.ID, "ann@example.com")
		tests := []struct {
			step int64
			ok   bool
		}{{100, true}, {100, false}, {99, false}, {101, true}, {50, false}}
		for _, tt := range tests {
			err := s.UseTOTPStep(ctx, u.ID, tt.step)
			if tt.ok && err != nil {
				t.Errorf("step %d: %v, want accepted", tt.step, err)
			}
			if !tt.ok {
				mustCode(t, "reused step", err, fc.EUnauthorized)
			}
		}
		if got, _ := s.AuthUser(ctx, u.ID); got.TOTPLastStep != 101 {
			t.Errorf("last step = %d, want 101", got.TOTPLastStep)
		}
	})
}

func TestRecordSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := authClock(s)
		p := mustProvider(t, s, "CPO")
		u := authTestUser(t, s, p.ID, "ann@example.com")
		if err := s.RecordSignInFailure(ctx, u.ID, "password"); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordSignIn(ctx, u.ID, "password"); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuthUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastSignInAt == nil || !got.LastSignInAt.Equal(*now) {
			t.Errorf("last sign-in = %v, want %v", got.LastSignInAt, *now)
		}
		actions := auditActions(t, s, p.ID, u.ID)
		for _, want := range []string{store.ActionSignInFailed, store.ActionSignIn} {
			if !hasAction(actions, want) {
				t.Errorf("audit actions %v lack %s", actions, want)
			}
		}
		_, err = s.AuthUser(ctx, 999999)
		mustCode(t, "unknown user", err, fc.ENotFound)
	})
}
