package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

const testPassword = "correct horse battery"

var testHash = secret.HashPassword(testPassword)

// browser keeps cookies between requests to the web application.
type browser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
}

func (b *browser) do(method, target string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "192.0.2.20:5000"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, r)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return rec
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the form on the page at target.
func (b *browser) csrf(target string) string {
	b.t.Helper()
	rec := b.do("GET", target, nil)
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: status %d, no CSRF field in\n%s", target, rec.Code, rec.Body)
	}
	return m[1]
}

// signIn posts the sign-in form and returns the response.
func (b *browser) signIn(email, password string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.do("POST", "/login", url.Values{"csrf_token": {b.csrf("/login")}, "email": {email}, "password": {password}})
}

func wantRedirect(t *testing.T, what string, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
		t.Fatalf("%s: status %d to %q, want 303 to %q\n%s", what, rec.Code, rec.Header().Get("Location"), want, rec.Body)
	}
}

func wantStatus(t *testing.T, what string, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, rec.Code, want, rec.Body)
	}
}

type authWorld struct {
	st  *store.Store
	svc *auth.Service
	srv *Server
	h   http.Handler // srv, with a signed-in page at /private for the tests
	now time.Time
	pid fc.ID
}

func newAuthWorld(t *testing.T, st *store.Store) *authWorld {
	t.Helper()
	w := &authWorld{st: st, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	st.Now = func() time.Time { return w.now }
	w.svc = auth.New(st, auth.Config{Secure: true})
	w.svc.Now = st.Now
	logger := slog.New(slog.DiscardHandler)
	w.svc.Logger = logger
	srv, err := New(Config{Logger: logger, Auth: w.svc})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = srv
	srv.mux.HandleFunc("/private", srv.signedIn(func(rw http.ResponseWriter, r *http.Request) {
		u, _ := auth.FromContext(r.Context())
		io.WriteString(rw, "hello "+u.Email+" "+csrfToken(r))
	}))
	w.h = srv
	p := &fc.Provider{Name: "CPO"}
	if err := st.CreateProvider(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	return w
}

func (w *authWorld) user(t *testing.T, email string, edit func(*fc.User)) *fc.User {
	t.Helper()
	u := &fc.User{ProviderID: w.pid, Email: email, PasswordHash: testHash}
	if edit != nil {
		edit(u)
	}
	if err := w.st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *authWorld) browser(t *testing.T) *browser {
	return &browser{t: t, h: w.h, cookies: map[string]string{}}
}

var formError = regexp.MustCompile(`<p class="form-error"[^>]*>([^<]*)</p>`)

func TestLoginPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		w.user(t, "ann@example.com", nil)

		b := w.browser(t)
		rec := b.do("GET", "/login", nil)
		for _, want := range []string{`<label for="email">`, `<label for="password">`, `name="email"`, `name="password"`, `name="csrf_token"`} {
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("sign-in page lacks %s", want)
			}
		}
		wantStatus(t, "sign-in without the form's CSRF token",
			b.do("POST", "/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}}), http.StatusForbidden)

		// A wrong password and an unknown address read the same.
		wrong := b.signIn("ann@example.com", "not the password")
		unknown := b.signIn("nobody@example.com", testPassword)
		wantStatus(t, "wrong password", wrong, http.StatusUnauthorized)
		wantStatus(t, "unknown address", unknown, http.StatusUnauthorized)
		m1, m2 := formError.FindStringSubmatch(wrong.Body.String()), formError.FindStringSubmatch(unknown.Body.String())
		if m1 == nil || m2 == nil || m1[1] != m2[1] {
			t.Errorf("messages differ or are missing: %q and %q", m1, m2)
		}
		empty := b.do("POST", "/login", url.Values{"csrf_token": {b.csrf("/login")}, "email": {""}, "password": {""}})
		wantStatus(t, "empty form", empty, http.StatusBadRequest)
		if !strings.Contains(empty.Body.String(), `id="email-error"`) || !strings.Contains(empty.Body.String(), `aria-invalid="true"`) {
			t.Errorf("empty form shows no field errors:\n%s", empty.Body)
		}

		rec = b.signIn("ann@example.com", testPassword)
		wantRedirect(t, "sign-in", rec, "/")
		var session *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == auth.CookieName {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax", session)
		}
		if got := b.do("GET", "/private", nil); !strings.HasPrefix(got.Body.String(), "hello ann@example.com") {
			t.Errorf("signed-in page: %d %s", got.Code, got.Body)
		}
		wantRedirect(t, "the sign-in page when signed in", b.do("GET", "/login?next=/private", nil), "/private")

		// Signing out needs the session's CSRF token, then ends the session.
		wantStatus(t, "sign-out without CSRF", b.do("POST", "/logout", url.Values{}), http.StatusForbidden)
		token := strings.TrimPrefix(b.do("GET", "/private", nil).Body.String(), "hello ann@example.com ")
		wantRedirect(t, "sign-out", b.do("POST", "/logout", url.Values{"csrf_token": {token}}), "/login")
		wantRedirect(t, "after sign-out", b.do("GET", "/private", nil), "/login?next=%2Fprivate")
	})
}

func TestSignedInPageCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		w.user(t, "ann@example.com", nil)
		b := w.browser(t)
		wantRedirect(t, "sign-in", b.signIn("ann@example.com", testPassword), "/")
		token := strings.TrimPrefix(b.do("GET", "/private", nil).Body.String(), "hello ann@example.com ")
		wantStatus(t, "POST without CSRF", b.do("POST", "/private", url.Values{"x": {"1"}}), http.StatusForbidden)
		wantStatus(t, "POST with a wrong CSRF token", b.do("POST", "/private", url.Values{"csrf_token": {"nope"}}), http.StatusForbidden)
		wantStatus(t, "POST with the CSRF token", b.do("POST", "/private", url.Values{"csrf_token": {token}}), http.StatusOK)

		// Idle for longer than 30 minutes: signed out.
		w.now = w.now.Add(31 * time.Minute)
		wantRedirect(t, "idle session", b.do("GET", "/private", nil), "/login?next=%2Fprivate")
	})
}

func TestForcedPasswordChangePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		w.user(t, "ann@example.com", func(u *fc.User) { u.MustChangePassword = true })
		b := w.browser(t)
		wantRedirect(t, "sign-in with a one-time password", b.signIn("ann@example.com", testPassword), "/account/password")
		wantRedirect(t, "any other page first", b.do("GET", "/private", nil), "/account/password?next=%2Fprivate")

		token := b.csrf("/account/password")
		form := url.Values{"current_password": {testPassword}, "new_password": {"my own long password"}, "confirm_password": {"my own long password"}}
		wantStatus(t, "change without CSRF", b.do("POST", "/account/password", form), http.StatusForbidden)
		form.Set("csrf_token", token)
		form.Set("confirm_password", "something else entirely")
		rec := b.do("POST", "/account/password", form)
		wantStatus(t, "mismatched confirmation", rec, http.StatusBadRequest)
		if !strings.Contains(rec.Body.String(), `id="confirm_password-error"`) {
			t.Errorf("no field error for the confirmation:\n%s", rec.Body)
		}
		form.Set("confirm_password", "my own long password")
		wantRedirect(t, "change", b.do("POST", "/account/password", form), "/")
		wantStatus(t, "after the change", b.do("GET", "/private", nil), http.StatusOK)
	})
}

func TestTOTPStepPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		sec := auth.NewTOTPSecret()
		w.user(t, "ann@example.com", func(u *fc.User) { u.TOTPSecret, u.TOTPEnabled = sec, true })
		b := w.browser(t)
		wantRedirect(t, "sign-in", b.signIn("ann@example.com", testPassword), "/login/totp")
		wantRedirect(t, "any other page first", b.do("GET", "/private", nil), "/login/totp?next=%2Fprivate")

		token := b.csrf("/login/totp")
		rec := b.do("POST", "/login/totp", url.Values{"csrf_token": {token}, "code": {"000000"}})
		wantStatus(t, "wrong code", rec, http.StatusBadRequest)
		if !strings.Contains(rec.Body.String(), `id="code-error"`) {
			t.Errorf("no field error for the code:\n%s", rec.Body)
		}
		code, _ := auth.TOTPCode(sec, w.now)
		wantStatus(t, "code without CSRF", b.do("POST", "/login/totp", url.Values{"code": {code}}), http.StatusForbidden)
		wantRedirect(t, "right code", b.do("POST", "/login/totp", url.Values{"csrf_token": {token}, "code": {code}}), "/")
		wantStatus(t, "after the code", b.do("GET", "/private", nil), http.StatusOK)
	})
}

func TestTOTPSetupPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		u := w.user(t, "ann@example.com", nil)
		b := w.browser(t)
		wantRedirect(t, "sign-in", b.signIn("ann@example.com", testPassword), "/")
		rec := b.do("GET", "/account/totp", nil)
		wantStatus(t, "setup page", rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `href="otpauth://totp/`) {
			t.Errorf("setup page has no otpauth link:\n%s", rec.Body)
		}
		stored, err := st.AuthUser(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(stored.TOTPSecret, w.now)
		token := csrfField.FindStringSubmatch(rec.Body.String())[1]
		wantRedirect(t, "confirm", b.do("POST", "/account/totp", url.Values{"csrf_token": {token}, "action": {"confirm"}, "code": {code}}), "/account/totp?done=on")
		if stored, _ := st.AuthUser(context.Background(), u.ID); !stored.TOTPEnabled {
			t.Error("the second factor is not in force")
		}
	})
}

func TestResetPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		w.user(t, "ann@example.com", nil)
		token, _, err := w.svc.CreatePasswordReset(context.Background(), "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		b := w.browser(t)
		page := "/reset?token=" + url.QueryEscape(token)
		rec := b.do("GET", page, nil)
		if rec.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Error("the reset page may leak its token in a Referer")
		}
		csrf := b.csrf(page)
		form := url.Values{"csrf_token": {csrf}, "token": {token}, "new_password": {"a fresh long password"}, "confirm_password": {"a fresh long password"}}
		wantRedirect(t, "reset", b.do("POST", "/reset", form), "/reset?done=set")
		wantStatus(t, "the same link again", b.do("POST", "/reset", form), http.StatusUnauthorized)
		wantRedirect(t, "sign in with the new password", b.signIn("ann@example.com", "a fresh long password"), "/")
	})
}

// TestLocalPath feeds the "next" parameter what attackers send to leave the
// site: only paths on this site pass, everything else is "/".
func TestLocalPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/cards?page=2", "/cards?page=2"},
		{"/cards/7#history", "/cards/7#history"},
		{"/reports/sessions?from=2024-05-01&to=2024-06-01", "/reports/sessions?from=2024-05-01&to=2024-06-01"},
		{"/a%20b", "/a%20b"},
		{"/", "/"},
		{"", "/"},
		{"cards", "/"},
		{"./cards", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example/x", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/%09/evil.example/x", "/"},
		{"/%0a/evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%2f/evil.example", "/"},
		{"/%5C/evil.example", "/"},
		{"/%5c%5cevil.example", "/"},
		{"%2F%2Fevil.example", "/"},
		{"/%00", "/"},
		{"/x%7F", "/"},
		{"https://evil.example", "/"},
		{"https:/evil.example", "/"},
		{"https:evil.example", "/"},
		{"HTTPS://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"java\tscript:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"//user@evil.example/", "/"},
		{"/%zz", "/"},
	}
	for _, tt := range tests {
		if got := localPath(tt.in); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSignInNext signs in with the "next" of an attack and with a local
// one: the first lands on the home page, the second where it asked.
func TestSignInNext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		w.user(t, "ann@example.com", nil)
		for _, tt := range []struct{ next, want string }{
			{"/%09/evil.example/x", "/"},
			{"/\\evil.example", "/"},
			{"/private?x=1", "/private?x=1"},
		} {
			b := w.browser(t)
			form := url.Values{"csrf_token": {b.csrf("/login")}, "email": {"ann@example.com"}, "password": {testPassword}, "next": {tt.next}}
			wantRedirect(t, "sign-in with next "+tt.next, b.do("POST", "/login", form), tt.want)
			wantRedirect(t, "the sign-in page with next "+tt.next, b.do("GET", "/login?next="+url.QueryEscape(tt.next), nil), tt.want)
			// The attack as reported: the query decodes to "/\t/evil.example/x".
			wantRedirect(t, "the sign-in page with a tab in next", b.do("GET", "/login?next=/%09/evil.example/x", nil), "/")
		}
	})
}

// TestSignInUnavailable signs in while the database refuses writes: the
// page says to try again, with 503 and Retry-After, not 500.
func TestSignInUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newAuthWorld(t, st)
		w.user(t, "ann@example.com", nil)
		b := w.browser(t)
		csrf := b.csrf("/login")
		db := st.DB()
		stmt := `PRAGMA query_only = 1` // the writer is one connection, which keeps it
		if st.Engine() == "postgres" {
			db.SetMaxOpenConns(1)
			stmt = `SET SESSION default_transaction_read_only = on`
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		rec := b.do("POST", "/login", url.Values{"csrf_token": {csrf}, "email": {"ann@example.com"}, "password": {testPassword}})
		wantStatus(t, "sign-in on a read-only database", rec, http.StatusServiceUnavailable)
		if rec.Header().Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		if m := formError.FindStringSubmatch(rec.Body.String()); m == nil || !strings.Contains(m[1], "try again") {
			t.Errorf("form message %q, want it to say to try again", m)
		}
	})
}
