// Package sso signs users in through their organization's OpenID Connect
// provider (issue 24; docs/SSO.md): the authorization code flow with PKCE,
// state and nonce, the provider's discovery document and its JSON Web Key
// Set (refetched when a token names a key it does not hold, so that key
// rotation needs nothing), ID token validation by github.com/coreos/go-oidc,
// just-in-time users whose roles follow their groups at every sign-in,
// RP-initiated and back-channel logout. Package scim is its provisioning
// side.
package sso

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Paths of the browser flow, as CONTRACT.md names them.
const (
	StartPath       = "/login/sso"
	CallbackPath    = "/login/sso/callback"
	BackChannelPath = "/login/sso/backchannel-logout/{id}"
	// BrowserCookie binds a sign-in to the browser that began it: the
	// callback is refused in any other.
	BrowserCookie = "fc_sso"
)

// purposeVerifier and purposeIDToken are what the PKCE verifier and the ID
// token kept for logout are sealed for.
const (
	purposeVerifier = "sso.pkce_verifier"
	purposeIDToken  = "sso.id_token"
)

// Store is the storage single sign-on needs.
type Store interface {
	IdentityProviderForDomain(ctx context.Context, domain string) (*fc.IdentityProvider, error)
	IdentityProviderByID(ctx context.Context, id fc.ID) (*fc.IdentityProvider, error)
	CreateSSOState(ctx context.Context, st *fc.SSOState) error
	UseSSOState(ctx context.Context, stateHash string) (*fc.SSOState, error)
	SSOSignIn(ctx context.Context, l fc.SSOLogin) (*fc.SSOOutcome, error)
	CreateSSOSession(ctx context.Context, s *fc.SSOSession) error
	SSOSession(ctx context.Context, webSessionID string) (*fc.SSOSession, error)
	EndSSOSessions(ctx context.Context, idpID fc.ID, subject, sid string) (int64, error)
}

// Config is what the service needs; Store, Auth, Secrets and BaseURL are
// required.
type Config struct {
	Store   Store
	Auth    *auth.Service
	Secrets *secret.Box
	// BaseURL is the public address of the web application; the redirect
	// URI registered at every identity provider is BaseURL + CallbackPath.
	BaseURL string
	// HTTPClient reaches the identity providers (discovery, keys, token);
	// nil: one with a 15 second timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock of the ID token checks; nil: time.Now.
	Now func() time.Time
	// StateTTL is how long a sign-in may take at the identity provider:
	// 10 minutes.
	StateTTL time.Duration
	// StartsPerAddress is how many sign-ins one client address may begin
	// in 10 minutes: 30.
	StartsPerAddress int
}

// Service runs sign-ins through identity providers. Make it with New.
type Service struct {
	cfg Config

	mu        sync.Mutex
	providers map[string]*oidc.Provider // by issuer: discovery and the remote key set, kept
	starts    *starts
}

// New returns the service with the defaults filled in.
func New(cfg Config) *Service {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 10 * time.Minute
	}
	if cfg.StartsPerAddress <= 0 {
		cfg.StartsPerAddress = 30
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	return &Service{cfg: cfg, providers: map[string]*oidc.Provider{}, starts: newStarts(cfg.StartsPerAddress, 10*time.Minute)}
}

// SetBaseURL sets the public address once it is known (a server on port 0).
func (s *Service) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.BaseURL = strings.TrimSuffix(u, "/")
}

func (s *Service) baseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.BaseURL
}

// RedirectURI is the callback address to register at identity providers.
func (s *Service) RedirectURI() string { return s.baseURL() + CallbackPath }

func (s *Service) clientContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, s.cfg.HTTPClient)
}

// provider returns the issuer's discovered provider, discovering it once.
// A provider's key set refetches the issuer's keys when a token is signed
// with a key it does not know: a rotated key is picked up by itself.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	p := s.providers[issuer]
	s.mu.Unlock()
	if p != nil {
		return p, nil
	}
	// The provider keeps the context for its key fetches: not the request's.
	p, err := oidc.NewProvider(s.clientContext(context.WithoutCancel(ctx)), issuer)
	if err != nil {
		s.cfg.Logger.Warn("sso discovery failed", "issuer", issuer, "err", err)
		return nil, fc.Errorf(fc.EUnavailable, "the identity provider cannot be reached: try again in a while")
	}
	s.mu.Lock()
	s.providers[issuer] = p
	s.mu.Unlock()
	return p, nil
}

func (s *Service) oauthConfig(ctx context.Context, idp *fc.IdentityProvider, p *oidc.Provider) (*oauth2.Config, error) {
	clientSecret := ""
	if idp.ClientSecret != "" {
		if s.cfg.Secrets == nil {
			return nil, fc.Errorf(fc.EUnavailable, "this server has no secret key: single sign-on is not available")
		}
		var err error
		clientSecret, err = s.cfg.Secrets.Open(app.PurposeClientSecret, idp.ClientSecret)
		if err != nil {
			return nil, fmt.Errorf("identity provider %s: client secret: %w", idp.ID, err)
		}
	}
	return &oauth2.Config{
		ClientID: idp.ClientID, ClientSecret: clientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.RedirectURI(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}, nil
}

// ErrNoProvider is the answer for an address whose domain routes to no
// identity provider.
var ErrNoProvider = fc.Errorf(fc.EInvalid, "single sign-on is not set up for this e-mail address: sign in with your password")

// ProviderFor returns the identity provider an e-mail address routes to,
// or ErrNoProvider.
func (s *Service) ProviderFor(ctx context.Context, email string) (*fc.IdentityProvider, error) {
	_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok || domain == "" {
		return nil, ErrNoProvider
	}
	p, err := s.cfg.Store.IdentityProviderForDomain(ctx, domain)
	if fc.IsCode(err, fc.ENotFound) {
		return nil, ErrNoProvider
	}
	return p, err
}

// Begin starts a sign-in of the e-mail address at its identity provider:
// it stores the state (with its nonce and PKCE verifier, bound to the
// browser by the BrowserCookie it sets) and returns the address to send
// the browser to.
func (s *Service) Begin(w http.ResponseWriter, r *http.Request, email, next string) (string, error) {
	ctx := r.Context()
	if s.baseURL() == "" {
		return "", fc.Errorf(fc.EUnavailable, "single sign-on needs the server's public address (--base-url)")
	}
	idp, err := s.ProviderFor(ctx, email)
	if err != nil {
		return "", err
	}
	if err := s.starts.allow(auth.ClientOf(r).Addr, s.cfg.Now()); err != nil {
		s.cfg.Logger.Warn("sso sign-in refused: rate limited", "remote", auth.ClientOf(r).Addr)
		return "", err
	}
	p, err := s.provider(ctx, idp.Issuer)
	if err != nil {
		return "", err
	}
	cfg, err := s.oauthConfig(ctx, idp, p)
	if err != nil {
		return "", err
	}
	browser := ""
	if c, err := r.Cookie(BrowserCookie); err == nil && len(c.Value) >= 40 {
		browser = c.Value
	} else {
		browser = secret.Token("")
		http.SetCookie(w, &http.Cookie{Name: BrowserCookie, Value: browser, Path: "/login/sso", HttpOnly: true,
			Secure: strings.HasPrefix(s.baseURL(), "https://"), SameSite: http.SameSiteLaxMode})
	}
	state, nonce, verifier := secret.Token(""), secret.Token(""), oauth2.GenerateVerifier()
	sealed := verifier
	if s.cfg.Secrets != nil {
		sealed = s.cfg.Secrets.Seal(purposeVerifier, verifier)
	}
	st := &fc.SSOState{StateHash: secret.HashToken(state), IdentityProviderID: idp.ID, Nonce: nonce, Verifier: sealed,
		BrowserHash: secret.HashToken(browser), Next: next, ExpiresAt: s.cfg.Now().Add(s.cfg.StateTTL)}
	if err := s.cfg.Store.CreateSSOState(ctx, st); err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", strings.TrimSpace(email))), nil
}

// claims are the ID token claims a sign-in reads.
type claims struct {
	Email         string          `json:"email"`
	EmailVerified *bool           `json:"email_verified"`
	Name          string          `json:"name"`
	Groups        json.RawMessage `json:"groups"`
	SID           string          `json:"sid"`
}

// groups reads the groups claim: an array of strings, or one string.
func (c claims) groups() []string {
	var list []string
	if json.Unmarshal(c.Groups, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(c.Groups, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

// errRefused is what the browser is told of a callback that fails a
// check: the reason goes to the log, not to whoever may have forged it.
func errRefused() error {
	return fc.Errorf(fc.EUnauthorized, "the sign-in through your identity provider could not be verified: sign in again")
}

// noRole is the answer to a user whose groups give it no role: signed in
// to nothing, and told why.
func noRole(groups []string) error {
	if len(groups) == 0 {
		return fc.Errorf(fc.EForbidden, "your identity provider names no group of yours that gives a role in fleetcharge: ask your administrator to add you to one")
	}
	return fc.Errorf(fc.EForbidden, "your groups at your identity provider (%s) give you no role in fleetcharge: ask your administrator to add you to a group that does",
		strings.Join(groups, ", "))
}

// Result is a finished sign-in.
type Result struct {
	Grant   *auth.Grant
	Next    string
	Outcome *fc.SSOOutcome
}

// Callback finishes a sign-in at CallbackPath: the state must be one this
// browser began and unused; the code is exchanged with its PKCE verifier;
// the ID token must be signed by the issuer's keys, for our client ID,
// unexpired, and carry the state's nonce. Then the user is found or made,
// its roles follow its groups, and a session bounded by the ID token's
// expiry begins.
func (s *Service) Callback(r *http.Request) (*Result, error) {
	ctx := r.Context()
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		s.cfg.Logger.Info("sso sign-in refused by the identity provider", "error", e, "description", q.Get("error_description"))
		return nil, fc.Errorf(fc.EUnauthorized, "your identity provider did not sign you in: sign in again")
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" {
		return nil, errRefused()
	}
	st, err := s.cfg.Store.UseSSOState(ctx, secret.HashToken(state))
	if err != nil {
		if fc.IsCode(err, fc.EUnauthorized) {
			s.cfg.Logger.Warn("sso callback refused", "reason", "unknown, used or expired state", "remote", auth.ClientOf(r).Addr)
		}
		return nil, err
	}
	c, err := r.Cookie(BrowserCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(secret.HashToken(c.Value)), []byte(st.BrowserHash)) != 1 {
		s.cfg.Logger.Warn("sso callback refused", "reason", "another browser", "remote", auth.ClientOf(r).Addr)
		return nil, errRefused()
	}
	idp, err := s.cfg.Store.IdentityProviderByID(ctx, st.IdentityProviderID)
	if err != nil {
		return nil, err
	}
	p, err := s.provider(ctx, idp.Issuer)
	if err != nil {
		return nil, err
	}
	cfg, err := s.oauthConfig(ctx, idp, p)
	if err != nil {
		return nil, err
	}
	verifier := st.Verifier
	if s.cfg.Secrets != nil {
		if verifier, err = s.cfg.Secrets.Open(purposeVerifier, st.Verifier); err != nil {
			return nil, err
		}
	}
	tok, err := cfg.Exchange(s.clientContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		s.cfg.Logger.Warn("sso code exchange failed", "identity_provider", idp.ID, "err", err)
		return nil, errRefused()
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.cfg.Logger.Warn("sso callback refused", "reason", "no ID token", "identity_provider", idp.ID)
		return nil, errRefused()
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: idp.ClientID, Now: s.cfg.Now}).Verify(s.clientContext(ctx), raw)
	if err != nil {
		s.cfg.Logger.Warn("sso callback refused", "reason", "ID token", "identity_provider", idp.ID, "err", err)
		return nil, errRefused()
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		s.cfg.Logger.Warn("sso callback refused", "reason", "nonce", "identity_provider", idp.ID)
		return nil, errRefused()
	}
	var cl claims
	if err := idt.Claims(&cl); err != nil {
		s.cfg.Logger.Warn("sso callback refused", "reason", "claims", "identity_provider", idp.ID, "err", err)
		return nil, errRefused()
	}
	if cl.Email == "" || cl.EmailVerified != nil && !*cl.EmailVerified {
		return nil, fc.Errorf(fc.EForbidden, "your identity provider gave no verified e-mail address")
	}
	_, domain, _ := strings.Cut(strings.ToLower(cl.Email), "@")
	if !slices.Contains(idp.Domains, domain) {
		s.cfg.Logger.Warn("sso callback refused", "reason", "domain", "identity_provider", idp.ID, "domain", domain)
		return nil, fc.Errorf(fc.EForbidden, "your identity provider signed you in as %s, an address of a domain it does not sign in here", cl.Email)
	}
	client := auth.ClientOf(r)
	actx := fc.WithActor(ctx, fc.Actor{Label: "sso:" + idp.Issuer, RemoteAddr: client.Addr})
	groups := cl.groups()
	out, err := s.cfg.Store.SSOSignIn(actx, fc.SSOLogin{IdentityProviderID: idp.ID, Subject: idt.Subject, Email: cl.Email, Name: cl.Name, Groups: groups})
	if err != nil {
		return nil, err
	}
	if out.User != nil && out.User.Disabled {
		return nil, fc.Errorf(fc.EForbidden, "your fleetcharge account is disabled: ask your administrator")
	}
	if out.User == nil || out.Roles == 0 {
		s.cfg.Logger.Info("sso sign-in without role", "identity_provider", idp.ID, "groups", groups)
		return nil, noRole(groups)
	}
	g, err := s.cfg.Auth.SignInExternal(ctx, out.User, "sso", idt.Expiry, client)
	if err != nil {
		return nil, err
	}
	hint := ""
	if s.cfg.Secrets != nil {
		hint = s.cfg.Secrets.Seal(purposeIDToken, raw)
	}
	if err := s.cfg.Store.CreateSSOSession(ctx, &fc.SSOSession{WebSessionID: g.Session.ID, IdentityProviderID: idp.ID,
		Subject: idt.Subject, SID: cl.SID, IDToken: hint}); err != nil {
		return nil, err
	}
	return &Result{Grant: g, Next: st.Next, Outcome: out}, nil
}

// LogoutURL returns where to send the browser after the web session ws
// ended, so that the identity provider ends its session too (OpenID Connect
// RP-Initiated Logout): its end_session_endpoint with the ID token as hint
// and the sign-in page as post-logout redirect. It returns "" for a
// session that did not come through an identity provider, or one whose
// provider has no such endpoint.
func (s *Service) LogoutURL(ctx context.Context, ws *fc.WebSession) string {
	if ws == nil {
		return ""
	}
	ss, err := s.cfg.Store.SSOSession(ctx, ws.ID)
	if err != nil {
		return ""
	}
	idp, err := s.cfg.Store.IdentityProviderByID(ctx, ss.IdentityProviderID)
	if err != nil {
		return ""
	}
	p, err := s.provider(ctx, idp.Issuer)
	if err != nil {
		return ""
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil || meta.EndSession == "" {
		return ""
	}
	u, err := url.Parse(meta.EndSession)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	v := u.Query()
	if s.cfg.Secrets != nil && ss.IDToken != "" {
		if raw, err := s.cfg.Secrets.Open(purposeIDToken, ss.IDToken); err == nil {
			v.Set("id_token_hint", raw)
		}
	}
	v.Set("client_id", idp.ClientID)
	v.Set("post_logout_redirect_uri", s.baseURL()+"/login")
	u.RawQuery = v.Encode()
	return u.String()
}

// backChannelEvent is the event a logout token carries (OpenID Connect
// Back-Channel Logout 1.0, 2.4).
const backChannelEvent = "http://schemas.openid.net/event/backchannel-logout"

func errLogoutToken() error {
	return fc.Errorf(fc.EInvalid, "the logout token does not verify")
}

// BackChannelLogout ends the web sessions a logout token of the identity
// provider names: those of its session (sid), else all of its subject's.
// The token must be signed by the issuer's keys for our client ID,
// unexpired, carry the back-channel logout event and a sid or sub, and no
// nonce.
func (s *Service) BackChannelLogout(ctx context.Context, idpID fc.ID, raw string) error {
	if raw == "" {
		return errLogoutToken()
	}
	idp, err := s.cfg.Store.IdentityProviderByID(ctx, idpID)
	if fc.IsCode(err, fc.ENotFound) {
		return errLogoutToken()
	}
	if err != nil {
		return err
	}
	p, err := s.provider(ctx, idp.Issuer)
	if err != nil {
		return err
	}
	tok, err := p.Verifier(&oidc.Config{ClientID: idp.ClientID, Now: s.cfg.Now}).Verify(s.clientContext(ctx), raw)
	if err != nil {
		s.cfg.Logger.Warn("back-channel logout refused", "identity_provider", idp.ID, "err", err)
		return errLogoutToken()
	}
	var c struct {
		Events map[string]json.RawMessage `json:"events"`
		SID    string                     `json:"sid"`
		Nonce  *string                    `json:"nonce"`
	}
	if err := tok.Claims(&c); err != nil || c.Nonce != nil || (tok.Subject == "" && c.SID == "") {
		return errLogoutToken()
	}
	if _, ok := c.Events[backChannelEvent]; !ok {
		return errLogoutToken()
	}
	n, err := s.cfg.Store.EndSSOSessions(ctx, idp.ID, tok.Subject, c.SID)
	if err != nil {
		return err
	}
	s.cfg.Logger.Info("back-channel logout", "identity_provider", idp.ID, "sessions_ended", n)
	return nil
}
