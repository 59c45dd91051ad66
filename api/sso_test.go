package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
)

func init() {
	for _, k := range []string{
		"GET /api/v1/identity-providers", "GET /api/v1/identity-providers/{id}", "POST /api/v1/identity-providers",
		"PATCH /api/v1/identity-providers/{id}", "DELETE /api/v1/identity-providers/{id}", "POST /api/v1/identity-providers/{id}/scim-token",
	} {
		coverage[k] = exPlain
	}
}

// identityProvider stores an identity provider on North and returns its ID.
func (w *world) identityProvider(t *testing.T) fc.ID {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	p := &fc.IdentityProvider{ProviderID: w.provider, OrganizationID: w.north, Issuer: "https://login.north.example.com",
		ClientID: "fleetcharge", Domains: []string{"north.example.com"}}
	check(t, w.st.CreateIdentityProvider(ctx, p))
	return p.ID
}

// withSecrets serves the world's API with a secret key, as serve does with
// --secret-key-file.
func (w *world) withSecrets(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(secret.Bytes(secret.KeyLen))
	check(t, err)
	w.srv = api.New(api.Config{Store: w.st, Auth: auth.New(w.st, auth.Config{}), Commander: w.cmd, Logger: slog.New(slog.DiscardHandler), Secrets: box})
	return box
}

func TestIdentityProvidersAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		body := map[string]any{
			"organization_id": w.holding.String(), "issuer": "https://login.holding.example.com/v2.0", "client_id": "fc-client",
			"client_secret": "the-very-secret-client-secret", "domains": []string{"holding.example.com"},
			"group_roles": []map[string]any{{"group": "fleet-managers", "role": "fleet_manager", "organization_id": w.north.String()}},
		}
		// Without a secret key nothing is configured.
		w.do(admin, "POST", "/api/v1/identity-providers", body).want(t, http.StatusServiceUnavailable)
		box := w.withSecrets(t)

		for _, who := range []string{holdingMgr, northFleet, northAdmin, nobody} {
			w.do(who, "POST", "/api/v1/identity-providers", body).want(t, http.StatusForbidden)
			w.do(who, "GET", "/api/v1/identity-providers", nil).want(t, http.StatusForbidden)
		}
		r := w.do(admin, "POST", "/api/v1/identity-providers", body).want(t, http.StatusCreated)
		var created struct {
			ID              fc.ID `json:"id"`
			PasswordSignIn  bool  `json:"password_sign_in"`
			ClientSecretSet bool  `json:"client_secret_set"`
		}
		r.json(t, &created)
		if !created.PasswordSignIn || !created.ClientSecretSet {
			t.Errorf("created = %+v: want password_sign_in and client_secret_set true", created)
		}
		id := created.ID.String()
		got := w.do(admin, "GET", "/api/v1/identity-providers/"+id, nil).want(t, http.StatusOK)
		list := w.do(admin, "GET", "/api/v1/identity-providers", nil).want(t, http.StatusOK)
		audit := w.do(admin, "GET", "/api/v1/audit-events?object_type=identity_provider", nil).want(t, http.StatusOK)
		for what, b := range map[string][]byte{"create": r.body, "get": got.body, "list": list.body, "audit": audit.body} {
			if strings.Contains(string(b), "very-secret") || strings.Contains(string(b), "v1:") {
				t.Errorf("the %s answer shows the client secret: %s", what, b)
			}
		}
		if !strings.Contains(string(audit.body), "identity_provider.create") {
			t.Errorf("the creation is not audited: %s", audit.body)
		}
		// The secret is stored sealed, and opens with the server's key.
		var stored string
		check(t, w.st.DB().QueryRow(`SELECT client_secret FROM identity_providers WHERE id = $1`, int64(created.ID)).Scan(&stored))
		if strings.Contains(stored, "very-secret") {
			t.Fatalf("the client secret is stored in clear: %s", stored)
		}
		if plain, err := box.Open("identity_provider.client_secret", stored); err != nil || plain != "the-very-secret-client-secret" {
			t.Errorf("the stored secret opens to %q, %v", plain, err)
		}

		// A mapping outside the organization's subtree is refused.
		other := w.do(admin, "POST", "/api/v1/organizations", map[string]any{"name": "Another customer"}).want(t, http.StatusCreated)
		var org struct {
			ID fc.ID `json:"id"`
		}
		other.json(t, &org)
		bad := w.do(admin, "PATCH", "/api/v1/identity-providers/"+id, map[string]any{
			"group_roles": []map[string]any{{"group": "x", "role": "facility_manager", "organization_id": org.ID.String()}},
		}).want(t, http.StatusBadRequest)
		if f := bad.fields(); f["group_roles[0].organization_id"] == "" {
			t.Errorf("fields = %v: want group_roles[0].organization_id", f)
		}
		w.do(admin, "PATCH", "/api/v1/identity-providers/"+id, map[string]any{
			"group_roles": []map[string]any{{"group": "x", "role": "fleet_manager", "organization_id": w.north.String(), "extra": 1}},
		}).want(t, http.StatusBadRequest)
		w.do(admin, "PATCH", "/api/v1/identity-providers/"+id, map[string]any{"organization_id": w.north.String()}).want(t, http.StatusBadRequest)
		upd := w.do(admin, "PATCH", "/api/v1/identity-providers/"+id, map[string]any{"password_sign_in": false}).want(t, http.StatusOK)
		if !strings.Contains(string(upd.body), `"password_sign_in":false`) || !strings.Contains(string(upd.body), "fleet-managers") {
			t.Errorf("after the update: %s", upd.body)
		}
		// Another provider's admin sees nothing of it.
		w.do(otherAdmin, "GET", "/api/v1/identity-providers/"+id, nil).want(t, http.StatusNotFound)

		// The SCIM token is shown once and kept as a hash.
		tok := w.do(admin, "POST", "/api/v1/identity-providers/"+id+"/scim-token", nil).want(t, http.StatusCreated)
		var scim struct {
			Token string `json:"token"`
		}
		tok.json(t, &scim)
		if !strings.HasPrefix(scim.Token, "fcscim_") {
			t.Fatalf("token = %q", scim.Token)
		}
		p, err := w.st.IdentityProviderBySCIMToken(context.Background(), secret.HashToken(scim.Token))
		if err != nil || p.ID != created.ID {
			t.Fatalf("by SCIM token = %v, %v", p, err)
		}
		if g := w.do(admin, "GET", "/api/v1/identity-providers/"+id, nil); strings.Contains(string(g.body), scim.Token) || !strings.Contains(string(g.body), `"scim_token":true`) {
			t.Errorf("the read shows the SCIM token or not that one is set: %s", g.body)
		}
		w.do(admin, "DELETE", "/api/v1/identity-providers/"+id, nil).want(t, http.StatusNoContent)
		w.do(admin, "GET", "/api/v1/identity-providers/"+id, nil).want(t, http.StatusNotFound)
	})
}
