package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/sso"
)

// Single sign-on pages (package sso; docs/SSO.md).

// ssoRoutes registers the browser flow through identity providers.
func (s *Server) ssoRoutes() {
	s.mux.HandleFunc("GET "+sso.StartPath, s.ssoStart)
	s.mux.HandleFunc("GET "+sso.CallbackPath, s.ssoCallback)
	s.mux.HandleFunc("POST "+sso.BackChannelPath, s.ssoBackChannel)
}

// ssoAvailable answers a request for single sign-on when the server runs
// without it.
func (s *Server) ssoAvailable(w http.ResponseWriter) bool {
	if s.cfg.SSO != nil && s.cfg.Auth != nil {
		return true
	}
	http.Error(w, "single sign-on is not available on this server", http.StatusServiceUnavailable)
	return false
}

// ssoStart sends the browser to the identity provider of the e-mail
// address's domain: GET /login/sso?email=...&next=...
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	if !s.ssoAvailable(w) {
		return
	}
	// The state's cookie and the provider's address: nothing to tell others.
	w.Header().Set("Referrer-Policy", "no-referrer")
	data := &authForm{
		CSRF:  auth.FormToken(w, r, s.cfg.Auth.Config.Secure),
		Next:  localPath(r.URL.Query().Get("next")),
		Email: strings.TrimSpace(r.URL.Query().Get("email")),
	}
	if data.Email == "" {
		s.renderAuth(w, r, "login", data, fc.Invalid(map[string]string{"email": "is required"}))
		return
	}
	to, err := s.cfg.SSO.Begin(w, r, data.Email, data.Next)
	if err != nil {
		s.renderAuth(w, r, "login", data, err)
		return
	}
	s.ssoRedirect(w, r, to, "Signing in", "Your company's identity provider signs you in.")
}

// ssoRedirect sends the browser on to an identity provider from a page
// that refreshes to it, not by a redirect: the sign-in and sign-out forms
// that lead here may only submit to this site (form-action 'self'), which
// browsers enforce on a form's redirects too.
func (s *Server) ssoRedirect(w http.ResponseWriter, r *http.Request, to, title, text string) {
	if !strings.HasPrefix(to, "https://") && !strings.HasPrefix(to, "http://") {
		s.cfg.Logger.Error("sso redirect to a strange address", "url", to)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, "sso_redirect", &ssoRedirectPage{URL: template.URL(to), Title: title, Text: text})
}

// ssoRedirectPage is the data of the page that moves on to an identity
// provider.
type ssoRedirectPage struct {
	Chrome *chrome
	URL    template.URL // an http(s) address of the identity provider, checked by ssoRedirect
	Title  string
	Text   string
}

// ssoCallback finishes a sign-in at the identity provider's redirect.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	if !s.ssoAvailable(w) {
		return
	}
	// The code and state are in the URL: no other site may see them.
	w.Header().Set("Referrer-Policy", "no-referrer")
	res, err := s.cfg.SSO.Callback(r)
	if err != nil {
		data := &authForm{CSRF: auth.FormToken(w, r, s.cfg.Auth.Config.Secure), Next: "/"}
		s.renderAuth(w, r, "login", data, err)
		return
	}
	s.cfg.Auth.SetCookie(w, res.Grant)
	seeOther(w, r, stagePath(res.Grant.Session.Stage, res.Next))
}

// ssoBackChannel ends the sessions an identity provider's logout token
// names (OpenID Connect Back-Channel Logout 1.0): 200 when done, 400 for a
// token that does not verify.
func (s *Server) ssoBackChannel(w http.ResponseWriter, r *http.Request) {
	if !s.ssoAvailable(w) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		http.Error(w, "unknown identity provider", http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := s.cfg.SSO.BackChannelLogout(r.Context(), id, r.PostFormValue("logout_token")); err != nil {
		status := authStatus(err)
		if status == http.StatusInternalServerError {
			s.cfg.Logger.Error("back-channel logout", "err", err)
		}
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// ssoLogoutURL is where a signing-out browser goes next: the identity
// provider's end-session endpoint for a session that came through one,
// else the sign-in page.
func (s *Server) ssoLogoutURL(r *http.Request, ws *fc.WebSession) string {
	if s.cfg.SSO == nil {
		return "/login"
	}
	if u := s.cfg.SSO.LogoutURL(r.Context(), ws); u != "" {
		return u
	}
	return "/login"
}

// ssoRoute returns the address that starts single sign-on for the e-mail
// address, or "" when its domain routes to no identity provider.
func (s *Server) ssoRoute(r *http.Request, email, next string) string {
	if s.cfg.SSO == nil || email == "" {
		return ""
	}
	if _, err := s.cfg.SSO.ProviderFor(r.Context(), email); err != nil {
		return ""
	}
	v := url.Values{"email": {email}}
	if next != "" && next != "/" {
		v.Set("next", next)
	}
	return sso.StartPath + "?" + v.Encode()
}
