package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Names on the wire.
const (
	CookieName     = "fc_session" // the web session cookie
	FormCookieName = "fc_csrf"    // the CSRF cookie of forms shown before sign-in
	CSRFHeader     = "X-CSRF-Token"
	CSRFField      = "csrf_token"
	TokenPrefix    = "fct_" // every API token starts with it
)

// touchEvery is how stale a session's last-seen time may get before a
// request writes it again, so that most requests are pure reads. The idle
// expiry is therefore exact to within this much.
const touchEvery = time.Minute

// Identity is who makes a request: a user, through either a web session or
// an API token.
type Identity struct {
	User    *fc.User
	Session *fc.WebSession // for cookie requests
	Token   *fc.APIToken   // for bearer requests
}

type identityKey struct{}

// NewContext returns ctx carrying the identity, and its user as the actor
// of the changes made with it.
func NewContext(ctx context.Context, id *Identity, c Client) context.Context {
	ctx = context.WithValue(ctx, identityKey{}, id)
	return asUser(ctx, id.User, c)
}

// IdentityFrom returns the identity carried by ctx.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok && id != nil && id.User != nil
}

// FromContext returns the signed-in user carried by ctx.
func FromContext(ctx context.Context) (*fc.User, bool) {
	id, ok := IdentityFrom(ctx)
	if !ok {
		return nil, false
	}
	return id.User, true
}

// RequireUser returns the signed-in user carried by ctx, or an
// fc.EUnauthorized error for handlers that return errors.
func RequireUser(ctx context.Context) (*fc.User, error) {
	if u, ok := FromContext(ctx); ok {
		return u, nil
	}
	return nil, errNotSignedIn()
}

// bearer returns the token of an Authorization: Bearer header and whether
// the request has an Authorization header at all.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}

// Authenticate returns who makes the request: the owner of the API token in
// its Authorization header, or else the user of its active web session. A
// request with neither, with a revoked or unknown token, or whose session
// is expired, revoked or still at an earlier stage, gets fc.EUnauthorized.
func (s *Service) Authenticate(r *http.Request) (*Identity, error) {
	ctx := r.Context()
	if token, ok := bearer(r); ok {
		if !strings.HasPrefix(token, TokenPrefix) {
			return nil, fc.Errorf(fc.EUnauthorized, "the Authorization header must hold Bearer and an API token")
		}
		t, err := s.Store.APITokenByHash(ctx, secret.HashToken(token))
		if fc.IsCode(err, fc.ENotFound) {
			return nil, fc.Errorf(fc.EUnauthorized, "the API token is unknown or revoked")
		}
		if err != nil {
			return nil, err
		}
		u, err := s.Store.AuthUser(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, fc.Errorf(fc.EUnauthorized, "the API token is unknown or revoked")
		}
		return &Identity{User: u, Token: t}, nil
	}
	ws, u, err := s.Session(r)
	if err != nil {
		return nil, err
	}
	if ws.Stage != StageActive {
		return nil, fc.Errorf(fc.EUnauthorized, "finish signing in first")
	}
	return &Identity{User: u, Session: ws}, nil
}

// Session returns the request's web session, at any stage, and its user.
// It refuses sessions that are revoked, past their absolute expiry, idle
// for longer than Config.SessionIdle, or of a disabled user, and records
// the use of the others.
func (s *Service) Session(r *http.Request) (*fc.WebSession, *fc.User, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, nil, errNotSignedIn()
	}
	ctx := r.Context()
	ws, err := s.Store.WebSession(ctx, secret.HashToken(c.Value))
	if fc.IsCode(err, fc.ENotFound) {
		return nil, nil, errNotSignedIn()
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	switch {
	case ws.RevokedAt != nil:
		return nil, nil, fc.Errorf(fc.EUnauthorized, "you signed out or your session was ended: sign in again")
	case !now.Before(ws.ExpiresAt), now.Sub(ws.LastSeenAt) > s.Config.SessionIdle:
		return nil, nil, fc.Errorf(fc.EUnauthorized, "your session expired: sign in again")
	}
	u, err := s.Store.AuthUser(ctx, ws.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, errNotSignedIn()
	}
	if now.Sub(ws.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchWebSession(ctx, ws.ID, now); err != nil {
			return nil, nil, err
		}
		ws.LastSeenAt = now
	}
	return ws, u, nil
}

// SetCookie gives the browser the grant's session.
func (s *Service) SetCookie(w http.ResponseWriter, g *Grant) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    g.Token,
		Path:     "/",
		Expires:  g.Session.ExpiresAt,
		HttpOnly: true,
		Secure:   s.Config.Secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// ClearCookie removes the session cookie from the browser.
func (s *Service) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.Config.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// safeMethod reports whether the method changes nothing, so needs no CSRF
// token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// sentCSRF returns the CSRF token a request carries: the X-CSRF-Token header
// (fetch), or else the csrf_token field of a form body.
func sentCSRF(r *http.Request) string {
	if t := r.Header.Get(CSRFHeader); t != "" {
		return t
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
		return r.PostFormValue(CSRFField)
	}
	return ""
}

func errCSRF() error {
	return fc.Errorf(fc.EForbidden, "the form has expired or did not come from this site: reload the page and try again")
}

// CheckCSRF checks that a state-changing request made with the session
// carries the session's CSRF token.
func CheckCSRF(r *http.Request, ws *fc.WebSession) error {
	if safeMethod(r.Method) {
		return nil
	}
	got := sentCSRF(r)
	if ws == nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ws.CSRFToken)) != 1 {
		return errCSRF()
	}
	return nil
}

// Middleware authenticates every request and passes it on with its
// identity in the context (see FromContext), or without one when it
// carries no valid credentials; handlers that need a user refuse those.
// It calls fail instead, and stops, for a request whose Authorization
// header holds a bad token, for a cookie-authenticated state-changing
// request without the session's CSRF token (fc.EForbidden), and when
// storage fails. Bearer requests need no CSRF token: a browser never sends
// one by itself.
func (s *Service) Middleware(fail func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := s.Authenticate(r)
			if err != nil {
				_, hasAuth := bearer(r)
				if hasAuth || !fc.IsCode(err, fc.EUnauthorized) {
					fail(w, r, err)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			if id.Session != nil {
				if err := CheckCSRF(r, id.Session); err != nil {
					fail(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id, ClientOf(r))))
		})
	}
}

// FormToken returns the CSRF token for a form shown before sign-in (the
// sign-in and password reset forms), giving the browser its cookie when it
// has none yet. The form's post must carry it back (CheckFormToken): a
// cross-site form cannot, so nobody can sign a victim's browser in to an
// attacker's account.
func FormToken(w http.ResponseWriter, r *http.Request, secure bool) string {
	if c, err := r.Cookie(FormCookieName); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	token := secret.Token("")
	http.SetCookie(w, &http.Cookie{
		Name: FormCookieName, Value: token, Path: "/",
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
	return token
}

// CheckFormToken checks that a form post made before sign-in carries the
// token of its browser's CSRF cookie. A post that carries neither the
// cookie nor a token, and none of the headers every current browser adds
// to a form post (Origin, Sec-Fetch-Site), comes from a script, not from a
// page another site could make a browser submit: it passes, so that
// `curl -d email=… -d password=… /login` signs in as CONTRACT.md promises.
func CheckFormToken(r *http.Request) error {
	c, err := r.Cookie(FormCookieName)
	got := sentCSRF(r)
	if err != nil && got == "" && r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		return nil
	}
	if err != nil || c.Value == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) != 1 {
		return errCSRF()
	}
	return nil
}

// Proxies are the networks of the reverse proxies trusted to say, in
// X-Forwarded-For, for whom they forward a request. The zero value trusts
// none: the client is the peer.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of networks (10.0.0.0/8) or
// single addresses (192.0.2.7), as --trusted-proxies takes them.
func ParseProxies(list string) (Proxies, error) {
	var ps Proxies
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: not a network (10.0.0.0/8) nor an address", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

// trusts reports whether a is the address of a trusted proxy.
func (ps Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one address of RemoteAddr or X-Forwarded-For: an IP
// address, with or without a port, IPv6 with or without brackets.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	return a.Unmap(), err == nil
}

// ClientAddr returns the address of the client that sent r, without port:
// the peer's, unless the peer is a trusted proxy; then the right-most
// X-Forwarded-For entry that is not itself a trusted proxy. Entries to its
// left were written by the client and prove nothing. When every hop is
// trusted, or the first untrusted one does not read as an address, the
// client is the last hop that reads as one.
func (ps Proxies) ClientAddr(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return ClientOf(r).Addr
	}
	if !ps.trusts(peer) {
		return peer.String()
	}
	client := peer
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		if strings.TrimSpace(hops[i]) == "" {
			continue
		}
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !ps.trusts(a) {
			break
		}
	}
	return client.String()
}

// Middleware sets every request's RemoteAddr to its client's address
// (ClientAddr), so that rate limits, logs and the audit log, which all read
// the client through ClientOf or RemoteAddr, name the client and not the
// proxy. Without trusted proxies it passes requests on untouched.
func (ps Proxies) Middleware(next http.Handler) http.Handler {
	if len(ps) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := ps.ClientAddr(r)
		r = r.WithContext(r.Context()) // a shallow copy, not the caller's request
		r.RemoteAddr = client
		next.ServeHTTP(w, r)
	})
}
