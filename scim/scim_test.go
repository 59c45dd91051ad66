package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/scim"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// directory is a SCIM client of one identity provider, as a customer's
// directory would be.
type directory struct {
	t     *testing.T
	url   string
	token string
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (d *directory) do(method, path string, body any) answer {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		check(d.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.url+path, rd)
	check(d.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if d.token != "" {
		req.Header.Set("Authorization", "Bearer "+d.token)
	}
	resp, err := http.DefaultClient.Do(req)
	check(d.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	check(d.t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			d.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
			d.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return a
}

func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	return a
}

// wantError checks a SCIM error answer (RFC 7644 3.12).
func (a answer) wantError(t *testing.T, status int, scimType string) {
	t.Helper()
	a.want(t, status)
	schemas, _ := a.body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != scim.SchemaError || a.body["status"] != strconv.Itoa(status) {
		t.Errorf("not a SCIM error: %s", a.raw)
	}
	if scimType != "" && a.body["scimType"] != scimType {
		t.Errorf("scimType = %v, want %s", a.body["scimType"], scimType)
	}
}

func (a answer) str(key string) string { s, _ := a.body[key].(string); return s }

func (a answer) total() int { n, _ := a.body["totalResults"].(float64); return int(n) }

type rig struct {
	st                       *store.Store
	dir, other               *directory
	provider, holding, north fc.ID
	idp                      fc.ID
	authSvc                  *auth.Service
}

func newRig(t *testing.T, st *store.Store) *rig {
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	p := &fc.Provider{Name: "CPO"}
	check(t, st.CreateProvider(ctx, p))
	org := func(parent fc.ID, name string) fc.ID {
		o := &fc.Organization{ProviderID: p.ID, ParentID: parent, Name: name}
		check(t, st.CreateOrganization(ctx, o))
		return o.ID
	}
	r := &rig{st: st, provider: p.ID}
	r.holding = org(0, "Holding")
	r.north = org(r.holding, "North")
	other := org(0, "Other customer")
	srv := httptest.NewServer(scim.New(st, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	idp := func(orgID fc.ID, domain string, roles ...fc.GroupRole) (fc.ID, string) {
		x := &fc.IdentityProvider{ProviderID: p.ID, OrganizationID: orgID, Issuer: "https://login." + domain, ClientID: "fc",
			Domains: []string{domain}, PasswordSignIn: true, GroupRoles: roles}
		check(t, st.CreateIdentityProvider(ctx, x))
		token := secret.Token("fcscim_")
		check(t, st.SetSCIMToken(ctx, fc.ProviderScope(p.ID), x.ID, secret.HashToken(token)))
		return x.ID, token
	}
	var token, otherToken string
	r.idp, token = idp(r.holding, "holding.example.com", fc.GroupRole{Group: "fleet-north", Role: fc.RoleFleetManager, OrganizationID: r.north})
	_, otherToken = idp(other, "other.example.com")
	r.dir = &directory{t: t, url: srv.URL + scim.Base, token: token}
	r.other = &directory{t: t, url: srv.URL + scim.Base, token: otherToken}
	r.authSvc = auth.New(st, auth.Config{})
	r.authSvc.Logger = slog.New(slog.DiscardHandler)
	return r
}

func (r *rig) roles(t *testing.T, id string) []string {
	t.Helper()
	uid, err := fc.ParseID(id)
	check(t, err)
	as, err := r.st.UserAssignments(context.Background(), uid)
	check(t, err)
	var out []string
	for _, a := range as {
		out = append(out, string(a.Role)+"@"+a.OrganizationID.String())
	}
	slices.Sort(out)
	return out
}

func userBody(userName, externalID, given string) map[string]any {
	return map[string]any{
		"schemas": []string{scim.SchemaUser}, "userName": userName, "externalId": externalID,
		"name":   map[string]any{"givenName": given, "familyName": "Test"},
		"emails": []map[string]any{{"value": userName, "type": "work", "primary": true}}, "active": true,
	}
}

func TestSCIMDiscovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		anon := &directory{t: t, url: r.dir.url}
		anon.do("GET", "/Users", nil).wantError(t, http.StatusUnauthorized, "")
		(&directory{t: t, url: r.dir.url, token: "fcscim_not-a-token"}).do("GET", "/Users", nil).wantError(t, http.StatusUnauthorized, "")

		cfg := r.dir.do("GET", "/ServiceProviderConfig", nil).want(t, http.StatusOK)
		if patch, _ := cfg.body["patch"].(map[string]any); patch["supported"] != true {
			t.Errorf("PATCH not announced: %s", cfg.raw)
		}
		if filter, _ := cfg.body["filter"].(map[string]any); filter["supported"] != true {
			t.Errorf("filter not announced: %s", cfg.raw)
		}
		types := r.dir.do("GET", "/ResourceTypes", nil).want(t, http.StatusOK)
		if types.total() != 2 || !strings.Contains(types.raw, `"endpoint":"/Users"`) || !strings.Contains(types.raw, `"endpoint":"/Groups"`) {
			t.Errorf("resource types: %s", types.raw)
		}
		r.dir.do("GET", "/ResourceTypes/User", nil).want(t, http.StatusOK)
		schemas := r.dir.do("GET", "/Schemas", nil).want(t, http.StatusOK)
		if schemas.total() != 2 || !strings.Contains(schemas.raw, `"name":"userName"`) || !strings.Contains(schemas.raw, `"name":"members"`) {
			t.Errorf("schemas: %s", schemas.raw)
		}
		r.dir.do("GET", "/Schemas/"+scim.SchemaGroup, nil).want(t, http.StatusOK)
		r.dir.do("GET", "/Schemas/urn:nothing", nil).wantError(t, http.StatusNotFound, "")
	})
}

func TestSCIMProvisioning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)

		// Create, with the RFC's answer: 201, Location, the resource.
		ann := r.dir.do("POST", "/Users", userBody("ann@holding.example.com", "e-ann", "Ann")).want(t, http.StatusCreated)
		annID := ann.str("id")
		if meta, _ := ann.body["meta"].(map[string]any); meta["resourceType"] != "User" || ann.header.Get("Location") != meta["location"] {
			t.Errorf("meta %v, Location %q", ann.body["meta"], ann.header.Get("Location"))
		}
		if ann.body["active"] != true || ann.str("userName") != "ann@holding.example.com" || ann.str("externalId") != "e-ann" {
			t.Errorf("created: %s", ann.raw)
		}
		r.dir.do("POST", "/Users", userBody("ANN@holding.example.com", "e-ann2", "Ann")).wantError(t, http.StatusConflict, "uniqueness")
		r.dir.do("POST", "/Users", userBody("eve@elsewhere.example.com", "e-eve", "Eve")).wantError(t, http.StatusBadRequest, "invalidValue")
		bob := r.dir.do("POST", "/Users", userBody("bob@holding.example.com", "e-bob", "Bob")).want(t, http.StatusCreated)
		bobID := bob.str("id")

		// Filters: eq on userName (without case), externalId, displayName.
		for _, f := range []string{`userName eq "Ann@Holding.example.com"`, `externalId eq "e-ann"`, `displayName eq "Ann Test"`} {
			got := r.dir.do("GET", "/Users?filter="+url.QueryEscape(f), nil).want(t, http.StatusOK)
			if got.total() != 1 || !strings.Contains(got.raw, `"id":"`+annID+`"`) {
				t.Errorf("filter %s: %s", f, got.raw)
			}
		}
		if got := r.dir.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "nobody@holding.example.com"`), nil); got.total() != 0 {
			t.Errorf("a filter matching nobody: %s", got.raw)
		}
		r.dir.do("GET", "/Users?filter="+url.QueryEscape(`userName co "ann"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		r.dir.do("GET", "/Users?filter="+url.QueryEscape(`title eq "x"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		page := r.dir.do("GET", "/Users?startIndex=2&count=1", nil).want(t, http.StatusOK)
		if page.total() != 2 || page.body["startIndex"] != float64(2) || page.body["itemsPerPage"] != float64(1) || !strings.Contains(page.raw, `"id":"`+bobID+`"`) {
			t.Errorf("the second page: %s", page.raw)
		}
		// Another identity provider's directory sees none of them.
		if got := r.other.do("GET", "/Users", nil).want(t, http.StatusOK); got.total() != 0 {
			t.Errorf("another directory lists %s", got.raw)
		}
		r.other.do("GET", "/Users/"+annID, nil).wantError(t, http.StatusNotFound, "")
		r.other.do("PATCH", "/Users/"+annID, map[string]any{"schemas": []string{scim.SchemaPatchOp},
			"Operations": []map[string]any{{"op": "replace", "path": "active", "value": false}}}).wantError(t, http.StatusNotFound, "")

		// Groups: members give the mapped roles; PATCH add, remove and
		// replace change them at once.
		grp := r.dir.do("POST", "/Groups", map[string]any{"schemas": []string{scim.SchemaGroup}, "displayName": "fleet-north",
			"members": []map[string]any{{"value": annID}}}).want(t, http.StatusCreated)
		grpID := grp.str("id")
		fleet := []string{"fleet_manager@" + r.north.String()}
		if got := r.roles(t, annID); !slices.Equal(got, fleet) {
			t.Errorf("Ann's roles as a member = %v, want %v", got, fleet)
		}
		patch := func(path string, ops ...map[string]any) answer {
			return r.dir.do("PATCH", path, map[string]any{"schemas": []string{scim.SchemaPatchOp}, "Operations": ops})
		}
		patch("/Groups/"+grpID, map[string]any{"op": "add", "path": "members", "value": []map[string]any{{"value": bobID}}}).want(t, http.StatusOK)
		if got := r.roles(t, bobID); !slices.Equal(got, fleet) {
			t.Errorf("Bob's roles once added = %v", got)
		}
		after := patch("/Groups/"+grpID, map[string]any{"op": "remove", "path": `members[value eq "` + annID + `"]`}).want(t, http.StatusOK)
		if strings.Contains(after.raw, `"value":"`+annID+`"`) || len(r.roles(t, annID)) != 0 {
			t.Errorf("Ann removed: %s, roles %v", after.raw, r.roles(t, annID))
		}
		user := r.dir.do("GET", "/Users/"+bobID, nil).want(t, http.StatusOK)
		if !strings.Contains(user.raw, `"display":"fleet-north"`) {
			t.Errorf("Bob's groups: %s", user.raw)
		}
		patch("/Groups/"+grpID, map[string]any{"op": "replace", "path": "displayName", "value": "renamed"}).want(t, http.StatusOK)
		if got := r.roles(t, bobID); len(got) != 0 {
			t.Errorf("Bob keeps %v after his group's name no longer maps", got)
		}
		patch("/Groups/"+grpID, map[string]any{"op": "replace", "value": map[string]any{"displayName": "fleet-north",
			"members": []map[string]any{{"value": annID}, {"value": bobID}}}}).want(t, http.StatusOK)
		if !slices.Equal(r.roles(t, annID), fleet) || !slices.Equal(r.roles(t, bobID), fleet) {
			t.Errorf("after a replace without path: %v, %v", r.roles(t, annID), r.roles(t, bobID))
		}
		patch("/Groups/"+grpID, map[string]any{"op": "add", "path": "members", "value": []map[string]any{{"value": "999999"}}}).
			wantError(t, http.StatusBadRequest, "invalidValue")
		patch("/Groups/"+grpID, map[string]any{"op": "move", "path": "members"}).wantError(t, http.StatusBadRequest, "invalidSyntax")
		if got := r.dir.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "fleet-north"`), nil); got.total() != 1 {
			t.Errorf("group filter: %s", got.raw)
		}

		// Deactivation: the user's web session and API token stop at once.
		uid, err := fc.ParseID(annID)
		check(t, err)
		u, err := st.AuthUser(context.Background(), uid)
		check(t, err)
		g, err := r.authSvc.SignInExternal(context.Background(), u, "sso", time.Now().Add(time.Hour), auth.Client{Addr: "192.0.2.1"})
		check(t, err)
		token, _, err := r.authSvc.CreateAPIToken(context.Background(), u, "script")
		check(t, err)
		works := func() (web, api bool) {
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
			_, werr := r.authSvc.Authenticate(req)
			req = httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			_, aerr := r.authSvc.Authenticate(req)
			return werr == nil, aerr == nil
		}
		if web, api := works(); !web || !api {
			t.Fatalf("before the deactivation: web %v, api %v", web, api)
		}
		off := patch("/Users/"+annID, map[string]any{"op": "Replace", "path": "active", "value": "False"}).want(t, http.StatusOK)
		if off.body["active"] != false {
			t.Errorf("after the deactivation: %s", off.raw)
		}
		if web, api := works(); web || api {
			t.Errorf("after the deactivation: web %v, api %v", web, api)
		}
		u, err = st.AuthUser(context.Background(), uid)
		check(t, err)
		if _, err := r.authSvc.SignInExternal(context.Background(), u, "sso", time.Now().Add(time.Hour), auth.Client{}); err == nil {
			t.Error("a deactivated user signs in")
		}

		// PUT replaces; DELETE deactivates and unlinks: 204, then 404.
		put := r.dir.do("PUT", "/Users/"+bobID, userBody("bob@holding.example.com", "e-bob-2", "Robert")).want(t, http.StatusOK)
		if put.str("externalId") != "e-bob-2" || put.str("displayName") != "Robert Test" {
			t.Errorf("after PUT: %s", put.raw)
		}
		r.dir.do("DELETE", "/Users/"+bobID, nil).want(t, http.StatusNoContent)
		r.dir.do("GET", "/Users/"+bobID, nil).wantError(t, http.StatusNotFound, "")
		bu, err := st.UserByEmail(context.Background(), "bob@holding.example.com")
		if err != nil || !bu.Disabled || len(r.roles(t, bobID)) != 0 {
			t.Errorf("Bob after DELETE: %+v, %v, roles %v", bu, err, r.roles(t, bobID))
		}
		r.dir.do("DELETE", "/Groups/"+grpID, nil).want(t, http.StatusNoContent)
		r.dir.do("GET", "/Groups/"+grpID, nil).wantError(t, http.StatusNotFound, "")
	})
}
