package sso_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/sso"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
	"github.com/fleetcharge/fleetcharge/web"
)

// rig is fleetcharge's web application and a real OpenID provider, both
// on loopback, with an identity provider configured for the Holding's
// domain.
type rig struct {
	t        *testing.T
	st       *store.Store
	fcURL    string
	idp      *idpServer
	idpID    fc.ID
	provider fc.ID
	holding  fc.ID
	north    fc.ID
	south    fc.ID
	outside  fc.ID
	// wrap, when set before the first request, wraps the web application
	// (the browser test adds the server's Content-Security-Policy).
	wrap func(http.Handler) http.Handler
}

const (
	clientID     = "fleetcharge-web"
	clientSecret = "a-client-secret-of-the-test"
)

func newRig(t *testing.T, st *store.Store) *rig {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	r := &rig{t: t, st: st}
	p := &fc.Provider{Name: "CPO"}
	check(t, st.CreateProvider(ctx, p))
	r.provider = p.ID
	org := func(parent fc.ID, name string) fc.ID {
		o := &fc.Organization{ProviderID: p.ID, ParentID: parent, Name: name}
		check(t, st.CreateOrganization(ctx, o))
		return o.ID
	}
	r.holding = org(0, "Logistics Holding")
	r.north, r.south = org(r.holding, "North"), org(r.holding, "South")
	r.outside = org(0, "Another customer")

	box, err := secret.NewBox(secret.Bytes(secret.KeyLen))
	check(t, err)
	quiet := slog.New(slog.DiscardHandler)
	authSvc := auth.New(st, auth.Config{})
	authSvc.Logger = quiet
	ssoSvc := sso.New(sso.Config{Store: st, Auth: authSvc, Secrets: box, Logger: quiet, StartsPerAddress: 25})
	webApp, err := web.New(web.Config{Logger: quiet, Auth: authSvc, Store: st, SSO: ssoSvc})
	check(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.wrap != nil {
			r.wrap(webApp).ServeHTTP(w, req)
			return
		}
		webApp.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.fcURL = srv.URL
	ssoSvc.SetBaseURL(srv.URL)

	r.idp = startIdP(t, clientID, clientSecret, srv.URL+sso.CallbackPath, srv.URL+"/login",
		idpUser{id: "u-ann", username: "ann", email: "ann@holding.example.com", groups: []string{"fleet-north"}},
		idpUser{id: "u-bob", username: "bob", email: "bob@holding.example.com", groups: []string{"canteen"}},
		idpUser{id: "u-eve", username: "eve", email: "eve@elsewhere.example.com", groups: []string{"fleet-north"}},
	)
	idp := &fc.IdentityProvider{ProviderID: p.ID, OrganizationID: r.holding, Issuer: r.idp.URL, ClientID: clientID,
		ClientSecret: box.Seal("identity_provider.client_secret", clientSecret), Domains: []string{"holding.example.com"}, PasswordSignIn: false,
		GroupRoles: []fc.GroupRole{
			{Group: "fleet-north", Role: fc.RoleFleetManager, OrganizationID: r.north},
			{Group: "sites-south", Role: fc.RoleFacilityManager, OrganizationID: r.south},
		}}
	check(t, st.CreateIdentityProvider(ctx, idp))
	r.idpID = idp.ID
	return r
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with its own cookies that follows redirects,
// as a browser would, and the meta refresh of the page that moves on to
// the identity provider.
type browser struct {
	t *testing.T
	c *http.Client
	// stopAt, when set, stops redirects before a request to that path and
	// keeps its URL in stopped.
	stopAt  string
	stopped string
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	check(t, err)
	b := &browser{t: t}
	b.c = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if b.stopAt != "" && req.URL.Path == b.stopAt {
			b.stopped = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// page is an answer as the browser ends up with it.
type page struct {
	status int
	url    *url.URL
	body   string
}

func (b *browser) get(u string) page {
	b.t.Helper()
	resp, err := b.c.Get(u)
	check(b.t, err)
	return b.read(resp)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	resp, err := b.c.PostForm(u, form)
	check(b.t, err)
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) page {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	check(b.t, err)
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(body)}
}

var refreshURL = regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]+)">`)

// follow moves on from the page that refreshes to the identity provider.
func (b *browser) follow(p page) page {
	b.t.Helper()
	m := refreshURL.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("the page at %s (%d) does not move on to the identity provider: %s", p.url, p.status, p.body)
	}
	return b.get(html.UnescapeString(m[1]))
}

// signIn runs the browser through the sign-in of the address at the
// identity provider as the user, and returns the last page.
func (r *rig) signIn(b *browser, email, username string) page {
	r.t.Helper()
	login := b.follow(b.get(r.fcURL + "/login/sso?email=" + url.QueryEscape(email)))
	if login.status != http.StatusOK || !strings.Contains(login.body, `name="username"`) {
		r.t.Fatalf("the identity provider's sign-in page: %d %s", login.status, login.body)
	}
	id := login.url.Query().Get("authRequestID")
	return b.post(r.idp.URL+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {idpPassword}})
}

// signedIn reports whether the browser holds a live session of
// fleetcharge: its home page opens.
func (r *rig) signedIn(b *browser) bool {
	r.t.Helper()
	p := b.get(r.fcURL + "/")
	return p.status == http.StatusOK && strings.Contains(p.body, `action="/logout"`)
}

func (r *rig) roles(email string) []string {
	r.t.Helper()
	u, err := r.st.UserByEmail(context.Background(), email)
	check(r.t, err)
	as, err := r.st.UserAssignments(context.Background(), u.ID)
	check(r.t, err)
	var out []string
	for _, a := range as {
		out = append(out, string(a.Role)+"@"+a.OrganizationID.String())
	}
	slices.Sort(out)
	return out
}

func TestSSOSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)

		// JIT creation with the role of the user's group.
		ann := newBrowser(t)
		end := r.signIn(ann, "ann@holding.example.com", "ann")
		if end.url.Host != strings.TrimPrefix(r.fcURL, "http://") || end.url.Path != "/" || end.status != http.StatusOK {
			t.Fatalf("after the sign-in: %d %s %s", end.status, end.url, end.body)
		}
		if got, want := r.roles("ann@holding.example.com"), []string{"fleet_manager@" + r.north.String()}; !slices.Equal(got, want) {
			t.Errorf("Ann's roles = %v, want %v", got, want)
		}
		if !r.signedIn(ann) {
			t.Fatal("Ann is not signed in")
		}
		// The session ends with the ID token (the provider's one hour), not
		// after fleetcharge's twelve.
		var expires int64
		check(t, st.DB().QueryRow(`SELECT MAX(w.expires_at) FROM web_sessions w JOIN sso_sessions s ON s.web_session_id = w.id`).Scan(&expires))
		if until := time.Until(time.UnixMilli(expires)); until > time.Hour+time.Minute || until < 50*time.Minute {
			t.Errorf("the SSO session ends in %v, want the ID token's hour", until)
		}

		// A group change at the next sign-in; the provider's keys rotated
		// meanwhile, which the key set picks up by itself.
		r.idp.setGroups("u-ann", "sites-south")
		r.idp.rotate(t, "key-2")
		again := newBrowser(t)
		if end := r.signIn(again, "ann@holding.example.com", "ann"); end.url.Path != "/" || end.status != http.StatusOK {
			t.Fatalf("the second sign-in: %d %s %s", end.status, end.url, end.body)
		}
		if got, want := r.roles("ann@holding.example.com"), []string{"facility_manager@" + r.south.String()}; !slices.Equal(got, want) {
			t.Errorf("Ann's roles after the group change = %v, want %v", got, want)
		}

		// Groups that map to no role: signed in to nothing, told why.
		r.idp.setGroups("u-ann", "canteen")
		none := newBrowser(t)
		end = r.signIn(none, "ann@holding.example.com", "ann")
		if end.status != http.StatusForbidden || !strings.Contains(end.body, "canteen") || !strings.Contains(end.body, "no role") {
			t.Errorf("a sign-in without mapped group: %d %s", end.status, end.body)
		}
		if r.signedIn(none) {
			t.Error("a user without role is signed in")
		}
		if got := r.roles("ann@holding.example.com"); len(got) != 0 {
			t.Errorf("Ann keeps roles without a mapped group: %v", got)
		}
		// Bob's groups map to nothing: he is not even created.
		if end := r.signIn(newBrowser(t), "bob@holding.example.com", "bob"); end.status != http.StatusForbidden {
			t.Errorf("Bob's sign-in: %d", end.status)
		}
		if _, err := st.UserByEmail(context.Background(), "bob@holding.example.com"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("Bob was created: %v", err)
		}

		// A user the provider signs in with an address of another domain.
		if end := r.signIn(newBrowser(t), "ann@holding.example.com", "eve"); end.status != http.StatusForbidden || r.signedIn(newBrowser(t)) {
			t.Errorf("a user of another domain: %d %s", end.status, end.body)
		}
		if _, err := st.UserByEmail(context.Background(), "eve@elsewhere.example.com"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("Eve was created: %v", err)
		}
		// An address of a domain with no identity provider.
		if p := newBrowser(t).get(r.fcURL + "/login/sso?email=eve@elsewhere.example.com"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "not set up") {
			t.Errorf("single sign-on for another domain: %d", p.status)
		}

		// A disabled user is refused and told so, whatever its groups.
		r.idp.setGroups("u-ann", "fleet-north")
		annUser, err := st.UserByEmail(context.Background(), "ann@holding.example.com")
		check(t, err)
		disable := func(off bool) {
			_, err := st.UpdateUser(fc.WithActor(context.Background(), fc.Actor{Label: "test"}), fc.ProviderScope(r.provider), annUser.ID,
				func(u *fc.User) error { u.Disabled = off; return nil })
			check(t, err)
		}
		disable(true)
		off := newBrowser(t)
		if end := r.signIn(off, "ann@holding.example.com", "ann"); end.status != http.StatusForbidden || !strings.Contains(end.body, "disabled") || r.signedIn(off) {
			t.Errorf("a disabled user's sign-in: %d %s", end.status, end.body)
		}
		disable(false)

		// Local passwords are refused for the domain's users; the sign-in
		// form sends them to their identity provider.
		r.idp.setGroups("u-ann", "fleet-north")
		form := newBrowser(t)
		form.stopAt = "/login/sso"
		form.post(r.fcURL+"/login", url.Values{"email": {"ann@holding.example.com"}, "password": {"a-local-password"}})
		if !strings.Contains(form.stopped, "/login/sso?email=ann%40holding.example.com") {
			t.Errorf("a password sign-in of the domain goes to %q, not to single sign-on", form.stopped)
		}
	})
}

func TestSSORefusesBadTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		good := newBrowser(t)
		if end := r.signIn(good, "ann@holding.example.com", "ann"); end.status != http.StatusOK {
			t.Fatalf("a good sign-in: %d %s", end.status, end.body)
		}
		earlier := r.idp.lastIssued()

		cases := []struct {
			name   string
			tamper func(map[string]any)
			forged bool
			reuse  bool
		}{
			{name: "forged", tamper: func(map[string]any) {}, forged: true},
			{name: "expired", tamper: func(c map[string]any) {
				c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
			}},
			{name: "wrong audience", tamper: func(c map[string]any) { c["aud"] = []string{"another-client"}; c["azp"] = "another-client" }},
			{name: "wrong issuer", tamper: func(c map[string]any) { c["iss"] = "https://evil.example.com" }},
			{name: "another nonce", tamper: func(c map[string]any) { c["nonce"] = "a-nonce-of-another-sign-in" }},
			{name: "replayed ID token", reuse: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var key *rsaKey
				if tc.forged {
					key = newRSAKey(t, "forger")
				}
				if tc.reuse {
					r.idp.setReplace(earlier)
				} else {
					r.idp.setTamper(tc.tamper, key)
				}
				defer r.idp.setTamper(nil, nil)
				b := newBrowser(t)
				end := r.signIn(b, "ann@holding.example.com", "ann")
				if end.status != http.StatusUnauthorized || !strings.Contains(end.body, "could not be verified") {
					t.Errorf("the callback answered %d %s", end.status, end.body)
				}
				if r.signedIn(b) {
					t.Error("signed in")
				}
			})
		}

		// A callback replayed (state used) or opened in another browser
		// (not bound to it) is refused.
		b := newBrowser(t)
		b.stopAt = sso.CallbackPath
		r.signIn(b, "ann@holding.example.com", "ann")
		if b.stopped == "" {
			t.Fatal("no callback")
		}
		if p := newBrowser(t).get(b.stopped); p.status != http.StatusUnauthorized {
			t.Errorf("the callback in another browser: %d", p.status)
		}
		b.stopAt = ""
		if p := b.get(b.stopped); p.status != http.StatusUnauthorized || r.signedIn(b) {
			t.Errorf("the callback after another browser used its state: %d", p.status)
		}
		c := newBrowser(t)
		c.stopAt = sso.CallbackPath
		r.signIn(c, "ann@holding.example.com", "ann")
		c.stopAt = ""
		if p := c.get(c.stopped); p.status != http.StatusOK || !r.signedIn(c) {
			t.Fatalf("the callback: %d %s", p.status, p.body)
		}
		if p := newBrowser(t).get(c.stopped); p.status != http.StatusUnauthorized {
			t.Errorf("the callback replayed: %d", p.status)
		}
	})
}

func TestSSOLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)

		// RP-initiated logout: signing out here sends the browser to the
		// provider's end-session endpoint, which comes back to the sign-in
		// page.
		b := newBrowser(t)
		r.signIn(b, "ann@holding.example.com", "ann")
		csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(b.get(r.fcURL + "/").body)
		if csrf == nil {
			t.Fatal("no sign-out form")
		}
		out := b.post(r.fcURL+"/logout", url.Values{"csrf_token": {csrf[1]}})
		m := refreshURL.FindStringSubmatch(out.body)
		if m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), r.idp.URL) {
			t.Fatalf("the sign-out does not go to the identity provider: %s", out.body)
		}
		end := b.get(html.UnescapeString(m[1]))
		if end.url.String() != r.fcURL+"/login" {
			t.Errorf("after the provider's sign-out the browser is at %s (%d)", end.url, end.status)
		}
		if r.signedIn(b) {
			t.Error("still signed in")
		}

		// Back-channel logout ends the sessions of the provider's session,
		// once the token verifies.
		b = newBrowser(t)
		r.signIn(b, "ann@holding.example.com", "ann")
		path := r.fcURL + "/login/sso/backchannel-logout/" + r.idpID.String()
		post := func(token string) int {
			resp, err := http.PostForm(path, url.Values{"logout_token": {token}})
			check(t, err)
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := post(r.idp.logoutToken(t, r.idp.URL, clientID, "sid-u-ann", false)); code != http.StatusBadRequest || !r.signedIn(b) {
			t.Errorf("a logout token without its event: %d", code)
		}
		if code := post(r.idp.logoutToken(t, r.idp.URL, "another-client", "sid-u-ann", true)); code != http.StatusBadRequest || !r.signedIn(b) {
			t.Errorf("a logout token for another client: %d", code)
		}
		if code := post(r.idp.logoutToken(t, r.idp.URL, clientID, "sid-u-ann", true)); code != http.StatusOK {
			t.Errorf("a logout token: %d", code)
		}
		if r.signedIn(b) {
			t.Error("still signed in after the back-channel logout")
		}
	})
}

func TestSSOPasswordSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		u := &fc.User{ProviderID: r.provider, Email: "carl@holding.example.com", PasswordHash: secret.HashPassword("a local password")}
		check(t, st.CreateUser(ctx, u))
		svc := auth.New(st, auth.Config{})
		svc.Logger = slog.New(slog.DiscardHandler)
		if _, err := svc.SignIn(ctx, "Carl@Holding.example.com", "a local password", auth.Client{Addr: "192.0.2.1"}); !fc.IsCode(err, fc.EForbidden) {
			t.Errorf("a local password of the domain while password_sign_in is false: %v", err)
		}
		_, err := st.UpdateIdentityProvider(ctx, fc.ProviderScope(r.provider), r.idpID, func(p *fc.IdentityProvider) error {
			p.PasswordSignIn = true
			return nil
		})
		check(t, err)
		if _, err := svc.SignIn(ctx, "carl@holding.example.com", "a local password", auth.Client{Addr: "192.0.2.1"}); err != nil {
			t.Errorf("a local password of the domain while password_sign_in is true: %v", err)
		}
	})
}

func TestSSOStartsRateLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		b := newBrowser(t)
		start := r.fcURL + "/login/sso?email=ann@holding.example.com"
		for i := range 25 {
			if p := b.get(start); p.status != http.StatusOK || !strings.Contains(p.body, "http-equiv=\"refresh\"") {
				t.Fatalf("start %d: %d", i+1, p.status)
			}
		}
		if p := b.get(start); p.status != http.StatusTooManyRequests {
			t.Errorf("the 26th start from one address: %d", p.status)
		}
	})
}
