package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestServeSSO checks the wiring of single sign-on in the served program:
// identity providers need the secret key, their SCIM token opens /scim/v2,
// and /login/sso reaches the identity provider (here unreachable: 503).
func TestServeSSO(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			box, err := secret.NewBox(secret.Bytes(secret.KeyLen))
			if err != nil {
				t.Fatal(err)
			}
			m := bootWith(t, storetest.URL(t, engine), Config{Secrets: box})
			base := "http://" + m.Addr()
			ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
			p := &fc.Provider{Name: "CPO"}
			check := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			check(m.Store.CreateProvider(ctx, p))
			org := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
			check(m.Store.CreateOrganization(ctx, org))
			admin := &fc.User{ProviderID: p.ID, Email: "admin@cpo.example.com", PasswordHash: "x"}
			check(m.Store.CreateUser(ctx, admin))
			check(m.Store.CreateAssignment(ctx, &fc.Assignment{UserID: admin.ID, Role: fc.RoleProviderAdmin}))
			token, _, err := auth.New(m.Store, auth.Config{}).CreateAPIToken(ctx, admin, "test")
			check(err)

			call := func(method, path, bearer string, body any) (int, map[string]any) {
				t.Helper()
				var b []byte
				if body != nil {
					b, _ = json.Marshal(body)
				}
				req, err := http.NewRequest(method, base+path, bytes.NewReader(b))
				check(err)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				resp, err := http.DefaultClient.Do(req)
				check(err)
				defer resp.Body.Close()
				var out map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out
			}
			code, idp := call("POST", "/api/v1/identity-providers", token, map[string]any{
				"organization_id": org.ID.String(), "issuer": "http://127.0.0.1:1/unreachable", "client_id": "fc",
				"client_secret": "s3cret", "domains": []string{"holding.example.com"}})
			if code != http.StatusCreated {
				t.Fatalf("create identity provider: %d %v", code, idp)
			}
			code, tok := call("POST", "/api/v1/identity-providers/"+idp["id"].(string)+"/scim-token", token, nil)
			if code != http.StatusCreated {
				t.Fatalf("SCIM token: %d %v", code, tok)
			}
			if code, _ := call("GET", "/scim/v2/ServiceProviderConfig", "", nil); code != http.StatusUnauthorized {
				t.Errorf("SCIM without token: %d", code)
			}
			if code, _ := call("GET", "/scim/v2/ServiceProviderConfig", tok["token"].(string), nil); code != http.StatusOK {
				t.Errorf("SCIM with the token: %d", code)
			}
			if code, _ := get(t, base+"/login/sso?email=ann@holding.example.com"); code != http.StatusServiceUnavailable {
				t.Errorf("single sign-on with an unreachable identity provider: %d", code)
			}
		})
	}
}

func TestServeRefusesABadSecretKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "fc.db"), "--addr", "127.0.0.1:0", "--secret-key-file", path}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "32") {
		t.Errorf("serve with a 5-byte key: %v", err)
	}
}
