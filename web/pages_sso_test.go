package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The identity provider pages join the page leak walk: the list (every
// scope of the switcher) and the new page as every persona. The leak world
// has no identity provider, so the pages of one are walked by
// TestIdentityProviderPageLeaks, which plants one.
func init() {
	pageCoverage["GET /identity-providers"] = wList
	pageCoverage["GET /identity-providers/new"] = wPage
	pageCoverage["POST /identity-providers"] = wCreate
	pageCoverage["GET /identity-providers/{id}"] = wGet
	pageCoverage["POST /identity-providers/{id}"] = wPost
	pageCoverage["POST /identity-providers/{id}/delete"] = wPost
	pageCoverage["POST /identity-providers/{id}/scim-token"] = wPost
}

// newBox returns a secret box with a fresh key, as serve's --secret-key-file.
func newBox(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(secret.Bytes(secret.KeyLen))
	check(t, err)
	return box
}

var scimTokenOnPage = regexp.MustCompile(`class="secret">(fcscim_[^<]+)<`)

// TestIdentityProviderPages: a provider admin configures an identity
// provider on a holding from the web (the mapping on its subsidiaries, the
// client secret sealed and never shown), fails with a mapping outside the
// holding and reads the error at its row, changes it keeping the secret,
// issues a SCIM token shown once and deletes it. A fleet manager sees no
// link and finds none of the pages. Without a secret key, the pages say
// why nothing can be configured.
func TestIdentityProviderPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		sc := fc.ProviderScope(w.res.ProviderID)
		pid := int64(w.res.ProviderID)
		holding := w.one(t, fmt.Sprintf(`SELECT p.id FROM organizations p WHERE p.provider_id = %d AND p.parent_id IS NULL
			AND EXISTS (SELECT 1 FROM organizations c WHERE c.parent_id = p.id) ORDER BY p.id`, pid))
		subsidiary := w.one(t, fmt.Sprintf(`SELECT id FROM organizations WHERE parent_id = %d ORDER BY id`, holding))
		outside := w.one(t, fmt.Sprintf(`SELECT id FROM organizations WHERE provider_id = %d AND parent_id IS NULL AND id <> %d ORDER BY id`, pid, holding))

		noKey := w.srv
		box := newBox(t)
		var err error
		w.srv, err = New(Config{Logger: slog.New(slog.DiscardHandler), Auth: w.srv.cfg.Auth, Store: st, Commander: w.cmds, Secrets: box})
		check(t, err)
		admin, fleet := w.as(t, adminEmail), w.as(t, holdingFleet)

		// The navigation links the pages for the provider admin only.
		wantIn(t, "admin's home", get(t, admin, "/", http.StatusOK), `href="/identity-providers"`)
		wantNotIn(t, "fleet manager's home", get(t, fleet, "/", http.StatusOK), `href="/identity-providers"`)
		get(t, fleet, "/identity-providers", http.StatusNotFound)
		get(t, fleet, "/identity-providers/new", http.StatusNotFound)

		page := get(t, admin, "/identity-providers/new", http.StatusOK)
		token := csrfOf(t, page)
		wantIn(t, "new page", page, `name="client_secret" type="password"`, `name="group_roles[2].organization_id"`, "/login/sso/callback")
		form := url.Values{"csrf_token": {token}, "organization_id": {holding.String()}, "issuer": {"https://login.holding.example.com/v2.0"},
			"client_id": {"fc-web-client"}, "client_secret": {"the-web-client-secret"}, "domains": {"holding.example.com\nholding-two.example.com"},
			"group_roles[0].group": {"fleet-north"}, "group_roles[0].role": {"fleet_manager"}, "group_roles[0].organization_id": {subsidiary.String()},
			"group_roles[1].group": {""}, "group_roles[1].role": {""}, "group_roles[1].organization_id": {""},
			"group_roles[2].group": {"facilities"}, "group_roles[2].role": {"facility_manager"}, "group_roles[2].organization_id": {outside.String()}}
		// The fleet manager cannot create one.
		wantStatus(t, "fleet manager's create", fleet.do("POST", "/identity-providers", withCSRF(form, fleet)), http.StatusNotFound)

		// A mapping outside the holding: the error stands at its row (the
		// third; the empty second is left out), the form keeps the input.
		rec := admin.do("POST", "/identity-providers", form)
		wantStatus(t, "create with a mapping outside", rec, http.StatusBadRequest)
		wantIn(t, "refused form", body(rec), `id="config-group-roles[2]-organization-id-error"`, `value="facilities"`, `value="fc-web-client"`)
		wantNotIn(t, "refused form", body(rec), "the-web-client-secret")
		if ps, err := st.IdentityProviders(ctx, sc, fc.Page{Limit: 10}); err != nil || len(ps) != 0 {
			t.Fatalf("after the refusal: %d identity providers, %v", len(ps), err)
		}

		form.Set("group_roles[2].organization_id", holding.String())
		path := wantCreated(t, "create", admin.do("POST", "/identity-providers", form))
		id, err := fc.ParseID(strings.TrimPrefix(path, "/identity-providers/"))
		check(t, err)
		p, err := st.IdentityProvider(ctx, sc, id)
		check(t, err)
		want := []fc.GroupRole{{Group: "fleet-north", Role: fc.RoleFleetManager, OrganizationID: subsidiary}, {Group: "facilities", Role: fc.RoleFacilityManager, OrganizationID: holding}}
		if p.OrganizationID != holding || p.Issuer != "https://login.holding.example.com/v2.0" || p.ClientID != "fc-web-client" || p.PasswordSignIn ||
			fmt.Sprint(p.Domains) != "[holding-two.example.com holding.example.com]" || fmt.Sprint(p.GroupRoles) != fmt.Sprint(want) {
			t.Errorf("stored %+v", p)
		}
		if plain, err := box.Open(app.PurposeClientSecret, p.ClientSecret); err != nil || plain != "the-web-client-secret" {
			t.Errorf("the stored secret opens to %q, %v", plain, err)
		}
		sealed := p.ClientSecret

		page = get(t, admin, path, http.StatusOK)
		wantIn(t, "identity provider page", page, "fc-web-client", "holding-two.example.com", `value="fleet-north"`, "Kept, encrypted", "Not issued",
			`name="group_roles[3].group"`, "/login/sso/backchannel-logout/"+id.String())
		wantNotIn(t, "identity provider page", page, "the-web-client-secret", sealed)
		wantIn(t, "list", get(t, admin, "/identity-providers", http.StatusOK), `href="`+path+`"`, "holding-two.example.com, holding.example.com")
		get(t, fleet, path, http.StatusNotFound)
		for _, action := range []string{"", "/scim-token", "/delete"} {
			wantStatus(t, "fleet manager's post to "+path+action, fleet.do("POST", path+action, withCSRF(form, fleet)), http.StatusNotFound)
		}

		// A change with the secret left empty keeps it; the first mapping
		// row emptied drops its entry.
		edit := url.Values{"csrf_token": {csrfOf(t, page)}, "issuer": {p.Issuer}, "client_id": {"fc-web-client-2"}, "client_secret": {""},
			"domains": {"holding.example.com"}, "password_sign_in": {"on"},
			"group_roles[0].group": {""}, "group_roles[0].role": {""}, "group_roles[0].organization_id": {""},
			"group_roles[1].group": {"facilities"}, "group_roles[1].role": {"facility_manager"}, "group_roles[1].organization_id": {holding.String()}}
		wantRedirect(t, "edit", admin.do("POST", path, edit), path+"?done=saved")
		p, err = st.IdentityProvider(ctx, sc, id)
		check(t, err)
		if p.ClientSecret != sealed || p.ClientID != "fc-web-client-2" || !p.PasswordSignIn || len(p.Domains) != 1 || fmt.Sprint(p.GroupRoles) != fmt.Sprint(want[1:]) {
			t.Errorf("after the edit: %+v (secret kept: %v)", p, p.ClientSecret == sealed)
		}
		edit.Set("domains", "holding.example.com\nnot a domain!")
		rec = admin.do("POST", path, edit)
		wantStatus(t, "edit with a bad domain", rec, http.StatusBadRequest)
		wantIn(t, "refused edit", body(rec), `id="config-domains-error"`)

		// The SCIM token: shown once, kept as its hash.
		rec = admin.do("POST", path+"/scim-token", url.Values{"csrf_token": {csrfOf(t, page)}})
		wantStatus(t, "SCIM token", rec, http.StatusCreated)
		m := scimTokenOnPage.FindStringSubmatch(body(rec))
		if m == nil {
			t.Fatalf("no SCIM token on the page:\n%s", body(rec))
		}
		if byToken, err := st.IdentityProviderBySCIMToken(ctx, secret.HashToken(m[1])); err != nil || byToken.ID != id {
			t.Errorf("the token finds %v, %v", byToken, err)
		}
		page = get(t, admin, path, http.StatusOK)
		wantIn(t, "page after the token", page, "Issued")
		wantNotIn(t, "page after the token", page, m[1])

		// Without a secret key: the list, the identity provider and the
		// new page say why nothing can be configured; a change answers 503.
		admin.h, fleet.h = noKey, noKey
		const why = "This server has no secret key to keep client secrets with: start it with --secret-key-file."
		list := get(t, admin, "/identity-providers", http.StatusOK)
		wantIn(t, "list without a key", list, why, `href="`+path+`"`)
		wantNotIn(t, "list without a key", list, `href="/identity-providers/new"`)
		wantIn(t, "new page without a key", get(t, admin, "/identity-providers/new", http.StatusServiceUnavailable), why)
		page = get(t, admin, path, http.StatusOK)
		wantIn(t, "page without a key", page, why, "facilities", "New SCIM token")
		wantNotIn(t, "page without a key", page, `id="config"`)
		rec = admin.do("POST", path, edit)
		wantStatus(t, "edit without a key", rec, http.StatusServiceUnavailable)
		wantIn(t, "edit without a key", body(rec), why)
		get(t, fleet, "/identity-providers", http.StatusNotFound)

		// Deleting needs no key.
		wantRedirect(t, "delete", admin.do("POST", path+"/delete", url.Values{"csrf_token": {csrfOf(t, page)}}), "/identity-providers?done=deleted")
		if _, err := st.IdentityProvider(ctx, sc, id); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("after the deletion: %v", err)
		}
	})
}

// withCSRF returns form with the browser's own CSRF token.
func withCSRF(form url.Values, b *browser) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("csrf_token", b.csrf("/access"))
	return out
}

// TestIdentityProviderPageLeaks plants an identity provider on North in
// the leak world, its issuer, client ID, domain and group as markers only
// the provider admin reads, and asks every page of it as every persona:
// the provider admin reads them; everyone else, another provider's admin
// included, finds nothing (404), changes nothing, and no page shows a
// marker it may not read.
func TestIdentityProviderPageLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		logger := slog.New(slog.DiscardHandler)
		w.Auth.Logger = logger
		srv, err := New(Config{Logger: logger, Auth: w.Auth, Store: st, Commander: &fakeCommander{offline: true}, Secrets: newBox(t)})
		check(t, err)
		var north fc.ID
		for _, o := range w.Of(leaktest.KindOrganization) {
			if o.Name == "N" {
				north = o.ID
			}
		}
		admins := []string{leaktest.Admin}
		mine := []leaktest.Marker{{Value: "leak-idp-issuer-7f3a", What: "an identity provider's issuer", Readers: admins},
			{Value: "LEAK-idp-client-7f3a", What: "an identity provider's client ID", Readers: admins},
			{Value: "leak-idp-domain-7f3a.example", What: "an identity provider's domain", Readers: admins},
			{Value: "LEAK-idp-group-7f3a", What: "an identity provider's group", Readers: admins}}
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		p := &fc.IdentityProvider{ProviderID: w.Provider, OrganizationID: north, Issuer: "https://leak-idp-issuer-7f3a.example.com", ClientID: mine[1].Value,
			Domains: []string{mine[2].Value}, GroupRoles: []fc.GroupRole{{Group: mine[3].Value, Role: fc.RoleFleetManager, OrganizationID: north}}, PasswordSignIn: true}
		check(t, st.CreateIdentityProvider(ctx, p))
		path := identityProviderPath(p.ID)

		for _, persona := range leaktest.Personas {
			g, err := w.Auth.SignIn(context.Background(), w.Users[persona].Email, w.Password, auth.Client{Addr: "192.0.2.31"})
			if err != nil || g.Session.Stage != auth.StageActive {
				t.Fatalf("sign in as %s: %v", persona, err)
			}
			b := &browser{t: t, h: srv, cookies: map[string]string{auth.CookieName: g.Token}}
			forbidden := w.Forbidden(persona)
			isAdmin := persona == leaktest.Admin
			if !isAdmin {
				forbidden = append(forbidden, mine...)
			}
			ask := func(method, target string, form url.Values, want int) string {
				t.Helper()
				if form != nil {
					form.Set("csrf_token", g.Session.CSRFToken)
				}
				rec := b.do(method, target, form)
				if rec.Code != want {
					t.Errorf("%s %s as %s: status %d, want %d", method, target, persona, rec.Code, want)
				}
				for _, m := range leaktest.Leaks(rec.Body.Bytes(), forbidden) {
					t.Errorf("%s %s as %s shows %s (%s)", method, target, persona, m.What, m.Value)
				}
				return body(rec)
			}
			listStatus := http.StatusNotFound
			if isAdmin || persona == leaktest.Other {
				listStatus = http.StatusOK // a provider admin: its own provider's
			}
			ask("GET", "/identity-providers", nil, listStatus)
			ask("GET", "/identity-providers/new", nil, listStatus)
			if isAdmin {
				page := ask("GET", path, nil, http.StatusOK)
				for _, m := range mine {
					wantIn(t, "the admin's page", page, m.Value)
				}
				continue
			}
			ask("GET", path, nil, http.StatusNotFound)
			ask("POST", path, url.Values{"issuer": {"https://leakwalk.example.com"}, "client_id": {"leakwalk"}}, http.StatusNotFound)
			ask("POST", path+"/scim-token", url.Values{}, http.StatusNotFound)
			ask("POST", path+"/delete", url.Values{}, http.StatusNotFound)
			rec := b.do("POST", "/identity-providers", url.Values{"csrf_token": {g.Session.CSRFToken}, "organization_id": {north.String()},
				"issuer": {"https://leakwalk.example.com"}, "client_id": {"leakwalk"}, "domains": {"leakwalk.example"}})
			if strings.Contains(rec.Header().Get("Location"), "done=created") {
				t.Errorf("%s created an identity provider on North", persona)
			}
		}
		got, err := st.IdentityProviders(ctx, fc.ProviderScope(w.Provider), fc.Page{Limit: 10})
		check(t, err)
		if len(got) != 1 || got[0].ClientID != p.ClientID || got[0].SCIMToken || got[0].Issuer != p.Issuer {
			t.Errorf("after the walk: %+v", got)
		}
	})
}
