package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// A real OpenID Provider for the tests: zitadel's op package with its
// example storage and login page, extended by testIdP with a groups claim
// per user, signing keys the test rotates, the registered client's logout
// redirect, and a hook that rewrites the ID tokens its token endpoint
// hands out (forged, expired, wrong audience, replayed).

// idpUser is a user of the test provider.
type idpUser struct {
	id, username, email string
	groups              []string
}

const idpPassword = "verysecure"

// rsaKey is a signing key of the provider.
type rsaKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *rsaKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *rsaKey) Key() any                                    { return k.key }
func (k *rsaKey) ID() string                                  { return k.id }

// publicKey is the public half of a signing key, as the JWKS shows it.
type publicKey struct{ k *rsaKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

func newRSAKey(t *testing.T, id string) *rsaKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &rsaKey{id: id, key: k}
}

// testIdP is the provider's storage: the example storage with groups and
// rotating keys.
type testIdP struct {
	*storage.Storage
	postLogout string

	mu      sync.Mutex
	groups  map[string][]string // by user ID
	signing *rsaKey
	keys    []*rsaKey // published
	// tamper, when set, rewrites the claims of the next ID tokens the
	// token endpoint answers with; sign, when set, signs them instead of
	// the current key.
	tamper func(claims map[string]any)
	sign   *rsaKey
	// replace, when set, is handed out instead of the next ID token.
	replace string
	// issued are the ID tokens handed out, oldest first.
	issued []string
}

func (p *testIdP) SigningKey(context.Context) (op.SigningKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.signing, nil
}

func (p *testIdP) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (p *testIdP) KeySet(context.Context) ([]op.Key, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []op.Key
	for _, k := range p.keys {
		out = append(out, publicKey{k})
	}
	return out, nil
}

// rotate signs with a new key from now on and publishes only it.
func (p *testIdP) rotate(t *testing.T, id string) {
	k := newRSAKey(t, id)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signing, p.keys = k, []*rsaKey{k}
}

func (p *testIdP) setGroups(userID string, groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.groups[userID] = groups
}

// SetUserinfoFromRequest adds the user's groups to what the example
// asserts, in the ID token.
func (p *testIdP) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := p.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	info.AppendClaims("groups", p.groups[req.GetSubject()])
	info.AppendClaims("sid", "sid-"+req.GetSubject())
	return nil
}

// assertingClient puts the e-mail and profile claims in the ID token, as
// identity providers commonly do for web clients, and allows our logout
// redirect.
type assertingClient struct {
	op.Client
	postLogout string
}

func (c assertingClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c assertingClient) PostLogoutRedirectURIs() []string     { return []string{c.postLogout} }

func (p *testIdP) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := p.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return assertingClient{Client: c, postLogout: p.postLogout}, nil
}

// idpServer is the running provider.
type idpServer struct {
	*testIdP
	URL string
}

// startIdP starts the provider on loopback with the client registered for
// the redirect URI and its users.
func startIdP(t *testing.T, clientID, clientSecret, redirectURI, postLogout string, users ...idpUser) *idpServer {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)

	type fileUser struct {
		ID, Username, Password, FirstName, LastName, Email string
		EmailVerified                                      bool
	}
	file := map[string]fileUser{}
	groups := map[string][]string{}
	for _, u := range users {
		file[u.id] = fileUser{ID: u.id, Username: u.username, Password: idpPassword, FirstName: u.username, LastName: "Test", Email: u.email, EmailVerified: true}
		groups[u.id] = u.groups
	}
	b, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	us, err := storage.StoreFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	client := storage.WebClient(clientID, clientSecret, redirectURI)
	first := newRSAKey(t, "key-1")
	idp := &testIdP{
		Storage:    storage.NewStorageWithClients(us, map[string]*storage.Client{clientID: client}),
		postLogout: postLogout, groups: groups, signing: first, keys: []*rsaKey{first},
	}
	opHandler := exampleop.SetupServer(srv.URL, idp, nil, false)
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth/token") {
			idp.tokenEndpoint(t, opHandler, w, r)
			return
		}
		opHandler.ServeHTTP(w, r)
	})
	return &idpServer{testIdP: idp, URL: srv.URL}
}

// tokenEndpoint answers a token request through the provider, then
// applies the test's rewrites of the ID token.
func (p *testIdP) tokenEndpoint(t *testing.T, next http.Handler, w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var body map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	raw, _ := body["id_token"].(string)
	p.mu.Lock()
	switch {
	case p.replace != "":
		raw, p.replace = p.replace, ""
	case p.tamper != nil:
		raw = p.resign(t, raw)
	}
	p.issued = append(p.issued, raw)
	p.mu.Unlock()
	body["id_token"] = raw
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(body)
}

// resign rewrites the claims of an ID token and signs it again, with the
// provider's key or the test's.
func (p *testIdP) resign(t *testing.T, raw string) string {
	parts := strings.Split(raw, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Error(err)
		return raw
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Error(err)
		return raw
	}
	p.tamper(claims)
	key := p.signing
	if p.sign != nil {
		key = &rsaKey{id: p.signing.id, key: p.sign.key} // another key under the published key's ID
	}
	return signClaims(t, key, claims)
}

// signClaims signs claims as a JWT with the key.
func signClaims(t *testing.T, key *rsaKey, claims map[string]any) string {
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.id))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sig.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setTamper sets the rewrite of the next ID tokens (nil: none).
func (p *testIdP) setTamper(fn func(map[string]any), sign *rsaKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper, p.sign = fn, sign
}

func (p *testIdP) lastIssued() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issued[len(p.issued)-1]
}

func (p *testIdP) setReplace(raw string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replace = raw
}

// logoutToken signs a back-channel logout token for the client.
func (p *testIdP) logoutToken(t *testing.T, issuer, clientID, sid string, events bool) string {
	p.mu.Lock()
	key := p.signing
	p.mu.Unlock()
	claims := map[string]any{"iss": issuer, "aud": clientID, "iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Minute).Unix(),
		"jti": "logout-" + sid, "sid": sid}
	if events {
		claims["events"] = map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}
	}
	return signClaims(t, key, claims)
}
