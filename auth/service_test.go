package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var _ auth.Store = (*store.Store)(nil)

const (
	password = "correct horse battery"
	addr     = "192.0.2.10"
)

// hashed is the argon2id hash of password, made once: hashing is slow on
// purpose.
var hashed = secret.HashPassword(password)

// fixture is a service on a fresh store, with one clock for both.
type fixture struct {
	t        *testing.T
	st       *store.Store
	svc      *auth.Service
	now      time.Time
	provider *fc.Provider
}

func newFixture(t *testing.T, st *store.Store, requireTOTP bool) *fixture {
	t.Helper()
	f := &fixture{t: t, st: st, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	st.Now = func() time.Time { return f.now }
	f.svc = auth.New(st, auth.Config{})
	f.svc.Now = st.Now
	f.svc.Logger = slog.New(slog.DiscardHandler)
	f.provider = &fc.Provider{Name: "CPO", RequireTOTP: requireTOTP}
	if err := st.CreateProvider(context.Background(), f.provider); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) advance(d time.Duration) { f.now = f.now.Add(d) }

// user creates a user with the test password; edit adjusts it first.
func (f *fixture) user(email string, edit func(*fc.User)) *fc.User {
	f.t.Helper()
	u := &fc.User{ProviderID: f.provider.ID, Email: email, PasswordHash: hashed}
	if edit != nil {
		edit(u)
	}
	if err := f.st.CreateUser(context.Background(), u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) signIn(email, pw string) (*auth.Grant, error) {
	return f.svc.SignIn(context.Background(), email, pw, auth.Client{Addr: addr, UserAgent: "test"})
}

func (f *fixture) mustSignIn(email string) *auth.Grant {
	f.t.Helper()
	g, err := f.signIn(email, password)
	if err != nil {
		f.t.Fatalf("sign in %s: %v", email, err)
	}
	return g
}

// request returns a request carrying the session token as its cookie.
func request(method, target, token string, body url.Values) *http.Request {
	var r *http.Request
	if body != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(body.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.RemoteAddr = addr + ":40000"
	if token != "" {
		r.AddCookie(&http.Cookie{Name: auth.CookieName, Value: token})
	}
	return r
}

// authenticated returns the user a request with the session token
// authenticates as, or the error.
func (f *fixture) authenticated(token string) (*fc.User, error) {
	id, err := f.svc.Authenticate(request("GET", "/", token, nil))
	if err != nil {
		return nil, err
	}
	return id.User, nil
}

func (f *fixture) totpCode(u *fc.User, at time.Time) string {
	f.t.Helper()
	got, err := f.st.AuthUser(context.Background(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	code, err := auth.TOTPCode(got.TOTPSecret, at)
	if err != nil {
		f.t.Fatal(err)
	}
	return code
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !fc.IsCode(err, code) {
		t.Fatalf("%s: err = %v, want code %s", what, err, code)
	}
}

func auditCount(t *testing.T, st *store.Store, providerID, userID fc.ID, action string) int {
	t.Helper()
	events, err := st.AuditEvents(context.Background(), fc.ProviderScope(providerID), fc.AuditFilter{ObjectType: fc.KindUser, ObjectID: userID})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Action == action {
			n++
		}
	}
	return n
}

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ann := f.user("ann@example.com", nil)
		f.user("gone@example.com", func(u *fc.User) { u.Disabled = true })

		g := f.mustSignIn(" ANN@example.com")
		if g.Session.Stage != auth.StageActive || g.User.ID != ann.ID {
			t.Fatalf("grant stage %s user %d, want active for %d", g.Session.Stage, g.User.ID, ann.ID)
		}
		if g.Session.ID != secret.HashToken(g.Token) {
			t.Error("the session is not stored under the hash of its token")
		}
		u, err := f.authenticated(g.Token)
		if err != nil || u.ID != ann.ID {
			t.Fatalf("authenticate: %v, %v", u, err)
		}
		if auditCount(t, st, f.provider.ID, ann.ID, store.ActionSignIn) != 1 {
			t.Error("the sign-in is not audited")
		}

		// Wrong password, unknown address and disabled user: one answer.
		_, wrong := f.signIn("ann@example.com", "not the password")
		wantCode(t, "wrong password", wrong, fc.EUnauthorized)
		for _, tt := range []struct{ name, email, pw string }{
			{"unknown address", "nobody@example.com", password},
			{"disabled user", "gone@example.com", password},
		} {
			_, err := f.signIn(tt.email, tt.pw)
			if fc.ErrorCode(err) != fc.ErrorCode(wrong) || fc.ErrorMessage(err) != fc.ErrorMessage(wrong) {
				t.Errorf("%s: %v; want the same answer as a wrong password (%v)", tt.name, err, wrong)
			}
			if strings.Contains(fc.ErrorMessage(err), tt.email) {
				t.Errorf("%s: the message names the address", tt.name)
			}
		}
		if auditCount(t, st, f.provider.ID, ann.ID, store.ActionSignInFailed) != 1 {
			t.Error("the failed sign-in is not audited")
		}

		// Signing out revokes the session.
		if err := f.svc.SignOut(context.Background(), g.Session); err != nil {
			t.Fatal(err)
		}
		_, err = f.authenticated(g.Token)
		wantCode(t, "after sign-out", err, fc.EUnauthorized)
		_, err = f.authenticated("")
		wantCode(t, "without a cookie", err, fc.EUnauthorized)
		_, err = f.authenticated("forged")
		wantCode(t, "unknown cookie", err, fc.EUnauthorized)
	})
}

func TestSignInRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		f.user("ann@example.com", nil)
		for _, email := range []string{"ann@example.com", "nobody@example.com"} {
			for i := range 5 {
				_, err := f.signIn(email, "wrong")
				wantCode(t, "failure "+string(rune('1'+i)), err, fc.EUnauthorized)
			}
			// The sixth try is refused, even with the right password, and an
			// unknown address is limited just the same.
			_, err := f.signIn(email, password)
			wantCode(t, email+": sixth try", err, fc.ERateLimited)
		}
		f.advance(15 * time.Minute)
		f.mustSignIn("ann@example.com")

		// Per address: 20 failures over many accounts block that address.
		for i := range 20 {
			f.svc.SignIn(context.Background(), "probe"+string(rune('a'+i))+"@example.com", "x", auth.Client{Addr: "198.51.100.7"})
		}
		_, err := f.svc.SignIn(context.Background(), "ann@example.com", password, auth.Client{Addr: "198.51.100.7"})
		wantCode(t, "blocked address", err, fc.ERateLimited)
		if _, err := f.svc.SignIn(context.Background(), "ann@example.com", password, auth.Client{Addr: "198.51.100.8"}); err != nil {
			t.Errorf("another address: %v", err)
		}
	})
}

func TestTOTPSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ctx := context.Background()
		c := auth.Client{Addr: addr}
		sec := auth.NewTOTPSecret()
		ann := f.user("ann@example.com", func(u *fc.User) { u.TOTPSecret, u.TOTPEnabled = sec, true })

		pending := f.mustSignIn("ann@example.com")
		if pending.Session.Stage != auth.StageTOTP {
			t.Fatalf("stage %s, want totp", pending.Session.Stage)
		}
		if !pending.Session.ExpiresAt.Equal(f.now.Add(5 * time.Minute)) {
			t.Errorf("a pending sign-in expires at %v, want in 5 minutes", pending.Session.ExpiresAt)
		}
		_, err := f.authenticated(pending.Token)
		wantCode(t, "a session awaiting its code", err, fc.EUnauthorized)

		_, err = f.svc.VerifyTOTP(ctx, pending.Session, "000000", c)
		wantCode(t, "wrong code", err, fc.EUnauthorized)
		if auditCount(t, st, f.provider.ID, ann.ID, store.ActionSignInFailed) != 1 {
			t.Error("the wrong code is not audited")
		}

		code := f.totpCode(ann, f.now)
		g, err := f.svc.VerifyTOTP(ctx, pending.Session, code, c)
		if err != nil {
			t.Fatal(err)
		}
		if g.Session.Stage != auth.StageActive || g.Token == pending.Token {
			t.Fatalf("after the code: stage %s, new token %v", g.Session.Stage, g.Token != pending.Token)
		}
		if _, err := f.authenticated(g.Token); err != nil {
			t.Errorf("the completed session: %v", err)
		}
		_, err = f.svc.VerifyTOTP(ctx, pending.Session, code, c)
		wantCode(t, "the pending session again", err, fc.EUnauthorized)

		// The same code in a new sign-in within its step is refused.
		again := f.mustSignIn("ann@example.com")
		_, err = f.svc.VerifyTOTP(ctx, again.Session, code, c)
		wantCode(t, "reused code", err, fc.EUnauthorized)

		// The next step's code works (window +1 step), once.
		next := f.totpCode(ann, f.now.Add(30*time.Second))
		if _, err := f.svc.VerifyTOTP(ctx, again.Session, next, c); err != nil {
			t.Errorf("code of the next step: %v", err)
		}

		// A pending sign-in lasts five minutes.
		late := f.mustSignIn("ann@example.com")
		f.advance(5 * time.Minute)
		_, _, err = f.svc.Session(request("GET", "/", late.Token, nil))
		wantCode(t, "expired pending sign-in", err, fc.EUnauthorized)
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		f.user("ann@example.com", nil)

		// Idle: each use restarts the 30 minutes.
		g := f.mustSignIn("ann@example.com")
		for range 3 {
			f.advance(29 * time.Minute)
			if _, err := f.authenticated(g.Token); err != nil {
				t.Fatalf("used within 30 minutes: %v", err)
			}
		}
		f.advance(31 * time.Minute)
		_, err := f.authenticated(g.Token)
		wantCode(t, "idle for 31 minutes", err, fc.EUnauthorized)

		// Absolute: 12 hours after sign-in, however busy.
		g = f.mustSignIn("ann@example.com")
		for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
			f.advance(20 * time.Minute)
			if _, err := f.authenticated(g.Token); err != nil {
				t.Fatalf("busy session after %v: %v", elapsed+20*time.Minute, err)
			}
		}
		f.advance(20 * time.Minute)
		_, err = f.authenticated(g.Token)
		wantCode(t, "12 hours after sign-in", err, fc.EUnauthorized)
	})
}

// TestExpiredSessionsDeleted checks that expired web sessions are deleted
// once they have been over for Config.ExpiredKeep, and not before.
func TestExpiredSessionsDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		f.svc.Config.ExpiredKeep = 2 * time.Hour
		f.user("ann@example.com", nil)
		sessions := func() (n int) {
			if err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM web_sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		f.mustSignIn("ann@example.com") // expires 12 hours after sign-in
		f.advance(13 * time.Hour)       // over for an hour: kept
		f.mustSignIn("ann@example.com")
		if n := sessions(); n != 2 {
			t.Errorf("%d web sessions an hour after the first ended, want both kept", n)
		}
		f.advance(90 * time.Minute) // the first over for 2.5 hours, the second for 1
		f.mustSignIn("ann@example.com")
		if n := sessions(); n != 2 {
			t.Errorf("%d web sessions, want 2: the first deleted, the second and the new one kept", n)
		}
	})
}

func TestChangePasswordRevokesSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ctx := context.Background()
		c := auth.Client{Addr: addr}
		ann := f.user("ann@example.com", nil)
		here, there := f.mustSignIn("ann@example.com"), f.mustSignIn("ann@example.com")

		tests := []struct {
			name, old, new, field string
		}{
			{"wrong current password", "nope", "a brand new password", "current_password"},
			{"too short", password, "short", "new_password"},
			{"unchanged", password, password, "new_password"},
			{"the e-mail address", password, "ann@example.com", "new_password"},
		}
		for _, tt := range tests {
			_, err := f.svc.ChangePassword(ctx, ann, here.Session, tt.old, tt.new, c)
			if _, ok := fc.ErrorFields(err)[tt.field]; !ok {
				t.Errorf("%s: err = %v, want a message on %s", tt.name, err, tt.field)
			}
		}

		g, err := f.svc.ChangePassword(ctx, ann, here.Session, password, "a brand new password", c)
		if err != nil {
			t.Fatal(err)
		}
		for name, token := range map[string]string{"this session's old token": here.Token, "another session": there.Token} {
			_, err := f.authenticated(token)
			wantCode(t, name, err, fc.EUnauthorized)
		}
		if u, err := f.authenticated(g.Token); err != nil || u.ID != ann.ID {
			t.Errorf("the new session: %v, %v", u, err)
		}
		if !g.Session.ExpiresAt.Equal(here.Session.ExpiresAt) {
			t.Errorf("the new session expires at %v, want the old one's %v", g.Session.ExpiresAt, here.Session.ExpiresAt)
		}
		_, err = f.signIn("ann@example.com", password)
		wantCode(t, "the old password", err, fc.EUnauthorized)
		if _, err := f.signIn("ann@example.com", "a brand new password"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if auditCount(t, st, f.provider.ID, ann.ID, store.ActionPasswordChange) != 1 {
			t.Error("the change is not audited")
		}
	})
}

func TestForcedPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ctx := context.Background()
		ann := f.user("ann@example.com", func(u *fc.User) { u.MustChangePassword = true })

		g := f.mustSignIn("ann@example.com")
		if g.Session.Stage != auth.StagePassword {
			t.Fatalf("stage %s, want password", g.Session.Stage)
		}
		_, err := f.authenticated(g.Token)
		wantCode(t, "before the change", err, fc.EUnauthorized)
		ws, u, err := f.svc.Session(request("GET", "/", g.Token, nil))
		if err != nil || ws.Stage != auth.StagePassword || u.ID != ann.ID {
			t.Fatalf("the pending session: %v, %v, %v", ws, u, err)
		}
		next, err := f.svc.ChangePassword(ctx, u, ws, password, "my own long password", auth.Client{Addr: addr})
		if err != nil {
			t.Fatal(err)
		}
		if next.Session.Stage != auth.StageActive {
			t.Errorf("after the change: stage %s, want active", next.Session.Stage)
		}
		if _, err := f.authenticated(next.Token); err != nil {
			t.Errorf("after the change: %v", err)
		}
		if got, _ := st.AuthUser(ctx, ann.ID); got.MustChangePassword {
			t.Error("the forced change is still due")
		}
	})
}

func TestRequiredTOTPSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, true)
		ctx := context.Background()
		c := auth.Client{Addr: addr}
		org := &fc.Organization{ProviderID: f.provider.ID, Name: "Fleet"}
		if err := st.CreateOrganization(ctx, org); err != nil {
			t.Fatal(err)
		}
		fm := f.user("fm@example.com", nil)
		if err := st.CreateAssignment(ctx, &fc.Assignment{UserID: fm.ID, Role: fc.RoleFleetManager, OrganizationID: org.ID}); err != nil {
			t.Fatal(err)
		}
		f.user("admin@example.com", nil) // no fleet or facility role

		if g := f.mustSignIn("admin@example.com"); g.Session.Stage != auth.StageActive {
			t.Errorf("a user without a fleet or facility role: stage %s, want active", g.Session.Stage)
		}
		g := f.mustSignIn("fm@example.com")
		if g.Session.Stage != auth.StageTOTPSetup {
			t.Fatalf("fleet manager: stage %s, want totp_setup", g.Session.Stage)
		}
		_, err := f.authenticated(g.Token)
		wantCode(t, "before the setup", err, fc.EUnauthorized)

		setup, err := f.svc.BeginTOTP(ctx, g.User)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := f.svc.BeginTOTP(ctx, g.User); err != nil || again.Secret != setup.Secret {
			t.Errorf("a second begin: %v, %v; want the same secret", again, err)
		}
		if !strings.HasPrefix(setup.URI, "otpauth://totp/") {
			t.Errorf("URI %s", setup.URI)
		}
		_, err = f.svc.ConfirmTOTP(ctx, g.User, g.Session, "000000", c)
		if _, ok := fc.ErrorFields(err)["code"]; !ok {
			t.Fatalf("wrong confirmation code: err = %v, want a message on code", err)
		}
		code, _ := auth.TOTPCode(setup.Secret, f.now)
		next, err := f.svc.ConfirmTOTP(ctx, g.User, g.Session, code, c)
		if err != nil {
			t.Fatal(err)
		}
		if next.Session.Stage != auth.StageActive {
			t.Errorf("after the setup: stage %s, want active", next.Session.Stage)
		}
		err = f.svc.DisableTOTP(ctx, g.User, password, c)
		wantCode(t, "removing a required second factor", err, fc.EUnprocessable)

		// The next sign-in asks for the code; the setup's code is spent.
		pending := f.mustSignIn("fm@example.com")
		if pending.Session.Stage != auth.StageTOTP {
			t.Fatalf("next sign-in: stage %s, want totp", pending.Session.Stage)
		}
		_, err = f.svc.VerifyTOTP(ctx, pending.Session, code, c)
		wantCode(t, "the setup's code reused", err, fc.EUnauthorized)
	})
}

func TestPasswordResetFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ctx := context.Background()
		c := auth.Client{Addr: addr}
		f.user("ann@example.com", func(u *fc.User) { u.MustChangePassword = true })
		live := f.mustSignIn("ann@example.com")

		token, u, err := f.svc.CreatePasswordReset(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, auth.ResetPrefix) || u.Email != "ann@example.com" {
			t.Fatalf("reset token %q for %s", token, u.Email)
		}
		_, err = f.svc.ResetPassword(ctx, token, "short", c)
		if _, ok := fc.ErrorFields(err)["new_password"]; !ok {
			t.Errorf("short password: err = %v, want a message on new_password", err)
		}
		if _, err := f.svc.ResetPassword(ctx, token, "reset to something long", c); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ResetPassword(ctx, token, "and once more, long", c)
		wantCode(t, "second use", err, fc.EUnauthorized)
		_, _, err = f.svc.Session(request("GET", "/", live.Token, nil))
		wantCode(t, "a session from before the reset", err, fc.EUnauthorized)
		g, err := f.signIn("ann@example.com", "reset to something long")
		if err != nil || g.Session.Stage != auth.StageActive {
			t.Fatalf("sign in with the new password: %v (a reset also ends a forced change)", err)
		}

		expiring, _, err := f.svc.CreatePasswordReset(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		f.advance(time.Hour)
		_, err = f.svc.ResetPassword(ctx, expiring, "reset to something else", c)
		wantCode(t, "expired token", err, fc.EUnauthorized)
		_, err = f.svc.ResetPassword(ctx, "garbage", "reset to something else", c)
		wantCode(t, "malformed token", err, fc.EUnauthorized)
		_, _, err = f.svc.CreatePasswordReset(ctx, "nobody@example.com")
		wantCode(t, "reset for an unknown address", err, fc.ENotFound)
	})
}

// statusOf is the tests' error adapter for the middleware.
func statusOf(err error) int {
	switch fc.ErrorCode(err) {
	case fc.EUnauthorized:
		return http.StatusUnauthorized
	case fc.EForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func TestMiddleware(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ctx := context.Background()
		ann := f.user("ann@example.com", nil)
		g := f.mustSignIn("ann@example.com")
		token, tok, err := f.svc.CreateAPIToken(ctx, ann, "script")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, auth.TokenPrefix) || tok.Hash != secret.HashToken(token) {
			t.Fatalf("API token %q stored as %q", token, tok.Hash)
		}

		h := f.svc.Middleware(func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, fc.ErrorMessage(err), statusOf(err))
		})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := auth.RequireUser(r.Context()); err != nil {
				http.Error(w, err.Error(), statusOf(err))
				return
			}
			if fc.ActorFrom(r.Context()).UserID != ann.ID {
				http.Error(w, "no actor", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		withHeader := func(r *http.Request, k, v string) *http.Request { r.Header.Set(k, v); return r }
		form := func(csrf string) url.Values { return url.Values{"name": {"x"}, auth.CSRFField: {csrf}} }
		csrf := g.Session.CSRFToken

		tests := []struct {
			name string
			req  *http.Request
			want int
		}{
			{"GET with the cookie", request("GET", "/x", g.Token, nil), 204},
			{"GET anonymous", request("GET", "/x", "", nil), 401},
			{"POST without a CSRF token", request("POST", "/x", g.Token, nil), 403},
			{"POST form without a CSRF token", request("POST", "/x", g.Token, url.Values{"name": {"x"}}), 403},
			{"POST form with a wrong CSRF token", request("POST", "/x", g.Token, form("wrong")), 403},
			{"POST form with the CSRF token", request("POST", "/x", g.Token, form(csrf)), 204},
			{"DELETE with the CSRF header", withHeader(request("DELETE", "/x", g.Token, nil), auth.CSRFHeader, csrf), 204},
			{"PATCH with a wrong CSRF header", withHeader(request("PATCH", "/x", g.Token, nil), auth.CSRFHeader, "x"), 403},
			{"POST with the API token, no CSRF", withHeader(request("POST", "/x", "", nil), "Authorization", "Bearer "+token), 204},
			{"unknown API token", withHeader(request("GET", "/x", "", nil), "Authorization", "Bearer fct_unknown"), 401},
			{"not a bearer token", withHeader(request("GET", "/x", g.Token, nil), "Authorization", "Basic eDp5"), 401},
		}
		for _, tt := range tests {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req)
			if rec.Code != tt.want {
				t.Errorf("%s: status %d, want %d (%s)", tt.name, rec.Code, tt.want, strings.TrimSpace(rec.Body.String()))
			}
		}

		// A revoked token stops working at once.
		if err := st.RevokeAPIToken(ctx, ann.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, withHeader(request("GET", "/x", "", nil), "Authorization", "Bearer "+token))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("revoked API token: status %d, want 401", rec.Code)
		}
	})
}

func TestFormToken(t *testing.T) {
	rec := httptest.NewRecorder()
	token := auth.FormToken(rec, httptest.NewRequest("GET", "/login", nil), true)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value != token || !cookies[0].HttpOnly || !cookies[0].Secure || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("form cookie %+v for token %q", cookies, token)
	}
	post := func(cookie, field string) *http.Request {
		r := request("POST", "/login", "", url.Values{auth.CSRFField: {field}})
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: auth.FormCookieName, Value: cookie})
		}
		return r
	}
	if err := auth.CheckFormToken(post(token, token)); err != nil {
		t.Errorf("matching token: %v", err)
	}
	wantCode(t, "no cookie", auth.CheckFormToken(post("", token)), fc.EForbidden)
	wantCode(t, "no field", auth.CheckFormToken(post(token, "")), fc.EForbidden)
	wantCode(t, "other field", auth.CheckFormToken(post(token, token+"x")), fc.EForbidden)

	// A script posts with neither cookie nor token nor browser headers.
	if err := auth.CheckFormToken(post("", "")); err != nil {
		t.Errorf("a script's post: %v", err)
	}
	// A browser always adds Origin or Sec-Fetch-Site: it needs the token.
	for _, h := range []struct{ name, value string }{{"Origin", "https://evil.example"}, {"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-origin"}} {
		r := post("", "")
		r.Header.Set(h.name, h.value)
		wantCode(t, "browser post without a token, "+h.name+": "+h.value, auth.CheckFormToken(r), fc.EForbidden)
	}
}

// mailbox is a Mailer that hands each mail to the test.
type mailbox chan string

func (m mailbox) SendPasswordReset(ctx context.Context, to, link string, expires time.Time) error {
	m <- to + " " + link
	return nil
}

func TestRequestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		ctx := context.Background()
		c := auth.Client{Addr: addr}
		f.user("ann@example.com", nil)
		wantCode(t, "without a mailer", f.svc.RequestPasswordReset(ctx, "ann@example.com", c), fc.ENotImplemented)

		mails := make(mailbox, 10)
		f.svc.Mailer = mails
		f.svc.Config.BaseURL = "https://charge.example.com/"
		if err := f.svc.RequestPasswordReset(ctx, "nobody@example.com", c); err != nil {
			t.Errorf("unknown address: %v, want the same answer as a known one", err)
		}
		if err := f.svc.RequestPasswordReset(ctx, "ann@example.com", c); err != nil {
			t.Fatal(err)
		}
		var mail string
		select {
		case mail = <-mails:
		case <-time.After(10 * time.Second):
			t.Fatal("no mail sent")
		}
		to, link, _ := strings.Cut(mail, " ")
		if to != "ann@example.com" || !strings.HasPrefix(link, "https://charge.example.com/reset?token="+auth.ResetPrefix) {
			t.Fatalf("mail to %s with link %s", to, link)
		}
		if len(mails) != 0 {
			t.Error("the unknown address got a mail")
		}
		u, _ := url.Parse(link)
		if _, err := f.svc.ResetPassword(ctx, u.Query().Get("token"), "a mailed new password", c); err != nil {
			t.Errorf("the mailed link: %v", err)
		}
		// The reset cleared the account's count: five more requests pass.
		for range 5 {
			if err := f.svc.RequestPasswordReset(ctx, "ann@example.com", c); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, "flooding one mailbox", f.svc.RequestPasswordReset(ctx, "ann@example.com", c), fc.ERateLimited)
	})
}
