package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// authForm is the data of the sign-in pages.
type authForm struct {
	Chrome *chrome // nil: the sign-in pages show no navigation

	CSRF   string
	Next   string            // where to go once signed in
	Error  string            // the form's message
	Fields map[string]string // per-field messages
	Notice string            // a confirmation

	Email string // sign-in, reset request

	Forced bool // password: a change is due before anything else

	SetupPage    bool            // totp: the setup page, not the sign-in step
	Setup        *auth.TOTPSetup // totp: the secret to add to an app
	SecretGroups string          // the setup secret, grouped for typing
	SetupURI     template.URL    // the otpauth:// link, which html/template would refuse as a string
	SetupQR      template.HTML   // the same link as a QR code (SVG)
	Enabled      bool            // totp: the second factor is in force
	Required     bool            // totp: the provider requires it

	Token      string // reset: the token of the link
	CanRequest bool   // reset: links can be mailed
	Done       bool   // reset: nothing more to do on the page
}

// authRoutes registers the sign-in pages.
func (s *Server) authRoutes() {
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.HandleFunc("GET /login/totp", s.totpStepPage)
	s.mux.HandleFunc("POST /login/totp", s.totpStep)
	s.mux.HandleFunc("GET /account/totp", s.totpSetupPage)
	s.mux.HandleFunc("POST /account/totp", s.totpSetup)
	s.mux.HandleFunc("GET /account/password", s.passwordPage)
	s.mux.HandleFunc("POST /account/password", s.changePassword)
	s.mux.HandleFunc("POST /logout", s.logout)
	s.mux.HandleFunc("GET /reset", s.resetPage)
	s.mux.HandleFunc("POST /reset", s.reset)
	s.ssoRoutes()
}

// localPath returns p, re-encoded, when it is a path on this site, else
// "/": a "next" parameter must never send a user to another site. p is
// parsed, not searched for bad characters: it must have no scheme, no host
// and no user, and its path, both as sent and decoded, must start with one
// "/" followed by neither "/" nor a backslash (browsers read "/\host" as
// "//host", and so "/\t/host" once they drop the tab), and hold no control
// character.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	for _, path := range []string{p, u.Path} {
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") ||
			strings.ContainsFunc(path, unicode.IsControl) {
			return "/"
		}
	}
	return u.String()
}

// stagePath is the page of a session's stage; next is where an active
// session goes.
func stagePath(stage, next string) string {
	path := ""
	switch stage {
	case auth.StageActive:
		return localPath(next)
	case auth.StageTOTP:
		path = "/login/totp"
	case auth.StagePassword:
		path = "/account/password"
	case auth.StageTOTPSetup:
		path = "/account/totp"
	default:
		return "/login"
	}
	if next = localPath(next); next != "/" {
		path += "?next=" + url.QueryEscape(next)
	}
	return path
}

func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// authStatus is the HTTP status of a sign-in page's error.
func authStatus(err error) int {
	switch fc.ErrorCode(err) {
	case fc.EInvalid:
		return http.StatusBadRequest
	case fc.EUnauthorized:
		return http.StatusUnauthorized
	case fc.EForbidden:
		return http.StatusForbidden
	case fc.ERateLimited:
		return http.StatusTooManyRequests
	case fc.EConflict:
		return http.StatusConflict
	case fc.EUnprocessable:
		return http.StatusUnprocessableEntity
	case fc.ENotImplemented:
		return http.StatusNotImplemented
	case fc.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// renderAuth renders a sign-in page with err's message on the form (the
// fields' messages for invalid input), at err's status. Internal errors are
// logged and shown as a generic message.
func (s *Server) renderAuth(w http.ResponseWriter, r *http.Request, page string, data *authForm, err error) {
	status := http.StatusOK
	if err != nil {
		status = authStatus(err)
		data.Fields = fc.ErrorFields(err)
		switch {
		case status == http.StatusInternalServerError:
			s.cfg.Logger.Error("sign-in page failed", "page", page, "err", err)
			data.Error = "Something went wrong on our side. Please try again."
		case status == http.StatusServiceUnavailable:
			s.cfg.Logger.Warn("sign-in page unavailable", "page", page, "err", err)
			w.Header().Set("Retry-After", retryAfter)
			data.Error = sentence(fc.ErrorMessage(err))
		case len(data.Fields) == 0:
			data.Error = sentence(fc.ErrorMessage(err))
		default:
			data.Error = "Please correct the marked fields."
		}
	}
	if status != http.StatusOK {
		// A header set after WriteHeader is lost: set the type first.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
	}
	s.render(w, r, page, data)
}

// sentence capitalizes a message and ends it with a full stop, for a page.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = capitalize(msg) // by rune: a message may start with “
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// unavailable answers a sign-in request when the server runs without the
// auth service.
func (s *Server) unavailable(w http.ResponseWriter) bool {
	if s.cfg.Auth != nil {
		return false
	}
	http.Error(w, "sign-in is not available", http.StatusServiceUnavailable)
	return true
}

// pending returns the request's session at any stage and its user, or
// sends the browser to the sign-in page and returns false.
func (s *Server) pending(w http.ResponseWriter, r *http.Request) (*fc.WebSession, *fc.User, bool) {
	if s.unavailable(w) {
		return nil, nil, false
	}
	ws, u, err := s.cfg.Auth.Session(r)
	if err != nil {
		switch {
		case fc.IsCode(err, fc.EUnavailable):
			s.cfg.Logger.Warn("read web session", "err", err)
			w.Header().Set("Retry-After", retryAfter)
			http.Error(w, sentence(fc.ErrorMessage(err)), http.StatusServiceUnavailable)
			return nil, nil, false
		case !fc.IsCode(err, fc.EUnauthorized):
			s.cfg.Logger.Error("read web session", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return nil, nil, false
		}
		s.cfg.Auth.ClearCookie(w)
		seeOther(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
		return nil, nil, false
	}
	return ws, u, true
}

// signedIn wraps a page that needs a signed-in user. Anonymous visitors go
// to the sign-in page and users with a step still due (a code, a new
// password, a second factor to set up) to that step's page: nothing else
// opens before. A state-changing request must carry the session's CSRF
// token. The handler finds the user with auth.FromContext and the token for
// its forms with csrfToken.
func (s *Server) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ws, u, ok := s.pending(w, r)
		if !ok {
			return
		}
		if ws.Stage != auth.StageActive {
			seeOther(w, r, stagePath(ws.Stage, r.URL.RequestURI()))
			return
		}
		if err := auth.CheckCSRF(r, ws); err != nil {
			http.Error(w, fc.ErrorMessage(err), http.StatusForbidden)
			return
		}
		r = s.userLanguage(r, u)
		id := &auth.Identity{User: u, Session: ws}
		h(w, r.WithContext(auth.NewContext(r.Context(), id, auth.ClientOf(r))))
	}
}

// csrfToken returns the CSRF token of the signed-in session of the
// request, for its forms (field csrf_token) and scripts (header
// X-CSRF-Token).
func csrfToken(r *http.Request) string {
	if id, ok := auth.IdentityFrom(r.Context()); ok && id.Session != nil {
		return id.Session.CSRFToken
	}
	return ""
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if s.cfg.Auth != nil {
		if ws, _, err := s.cfg.Auth.Session(r); err == nil {
			seeOther(w, r, stagePath(ws.Stage, next))
			return
		}
	}
	secure := s.cfg.Auth != nil && s.cfg.Auth.Config.Secure
	s.render(w, r, "login", &authForm{CSRF: auth.FormToken(w, r, secure), Next: next})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.unavailable(w) {
		return
	}
	data := &authForm{
		CSRF:  auth.FormToken(w, r, s.cfg.Auth.Config.Secure),
		Next:  localPath(r.PostFormValue("next")),
		Email: strings.TrimSpace(r.PostFormValue("email")),
	}
	if err := auth.CheckFormToken(r); err != nil {
		s.renderAuth(w, r, "login", data, err)
		return
	}
	password := r.PostFormValue("password")
	if password == "" || r.PostFormValue("sso") != "" {
		if to := s.ssoRoute(r, data.Email, data.Next); to != "" {
			seeOther(w, r, to)
			return
		}
	}
	fields := map[string]string{}
	if data.Email == "" {
		fields["email"] = "is required"
	}
	if password == "" {
		fields["password"] = "is required"
	}
	if len(fields) > 0 {
		s.renderAuth(w, r, "login", data, fc.Invalid(fields))
		return
	}
	g, err := s.cfg.Auth.SignIn(r.Context(), data.Email, password, auth.ClientOf(r))
	if errors.Is(err, auth.ErrUseSSO) {
		if to := s.ssoRoute(r, data.Email, data.Next); to != "" {
			seeOther(w, r, to)
			return
		}
	}
	if err != nil {
		s.renderAuth(w, r, "login", data, err)
		return
	}
	s.cfg.Auth.SetCookie(w, g)
	seeOther(w, r, stagePath(g.Session.Stage, data.Next))
}

func (s *Server) totpStepPage(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := s.pending(w, r)
	if !ok {
		return
	}
	next := r.URL.Query().Get("next")
	if ws.Stage != auth.StageTOTP {
		seeOther(w, r, stagePath(ws.Stage, next))
		return
	}
	s.render(w, r, "totp", &authForm{CSRF: ws.CSRFToken, Next: localPath(next)})
}

func (s *Server) totpStep(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := s.pending(w, r)
	if !ok {
		return
	}
	data := &authForm{CSRF: ws.CSRFToken, Next: localPath(r.PostFormValue("next"))}
	if err := auth.CheckCSRF(r, ws); err != nil {
		s.renderAuth(w, r, "totp", data, err)
		return
	}
	if ws.Stage != auth.StageTOTP {
		seeOther(w, r, stagePath(ws.Stage, data.Next))
		return
	}
	g, err := s.cfg.Auth.VerifyTOTP(r.Context(), ws, r.PostFormValue("code"), auth.ClientOf(r))
	if err != nil {
		if fc.IsCode(err, fc.EUnauthorized) {
			err = fc.Invalid(map[string]string{"code": "is wrong or was used already"})
		}
		s.renderAuth(w, r, "totp", data, err)
		return
	}
	s.cfg.Auth.SetCookie(w, g)
	seeOther(w, r, stagePath(g.Session.Stage, data.Next))
}

// totpSetupForm fills the setup page for the user: the secret to add while
// the second factor is not in force.
func (s *Server) totpSetupForm(w http.ResponseWriter, r *http.Request, ws *fc.WebSession, u *fc.User, data *authForm) error {
	data.CSRF = ws.CSRFToken
	data.Enabled = u.TOTPEnabled
	if data.Chrome == nil {
		data.Chrome = s.signedInChrome(w, r, ws, u)
	}
	required, err := s.cfg.Auth.TOTPRequired(r.Context(), u)
	if err != nil {
		return err
	}
	data.Required = required
	if u.TOTPEnabled {
		return nil
	}
	setup, err := s.cfg.Auth.BeginTOTP(r.Context(), u)
	if err != nil {
		return err
	}
	data.Setup, data.SecretGroups = setup, auth.GroupSecret(setup.Secret)
	data.SetupURI = template.URL(setup.URI) // built by auth.TOTPURI from our own values
	data.SetupQR = qrSVG(setup.URI, i18n.T(i18n.FromContext(r.Context()), "QR code of the key for your authenticator app"))
	return nil
}

func (s *Server) totpSetupPage(w http.ResponseWriter, r *http.Request) {
	ws, u, ok := s.pending(w, r)
	if !ok {
		return
	}
	next := r.URL.Query().Get("next")
	if ws.Stage != auth.StageTOTPSetup && ws.Stage != auth.StageActive {
		seeOther(w, r, stagePath(ws.Stage, next))
		return
	}
	data := &authForm{Next: localPath(next), SetupPage: true}
	switch r.URL.Query().Get("done") {
	case "on":
		data.Notice = "The second factor is set up: sign-ins now ask for a code."
	case "off":
		data.Notice = "The second factor is removed."
	}
	err := s.totpSetupForm(w, r, ws, u, data)
	s.renderAuth(w, r, "totp", data, err)
}

func (s *Server) totpSetup(w http.ResponseWriter, r *http.Request) {
	ws, u, ok := s.pending(w, r)
	if !ok {
		return
	}
	data := &authForm{CSRF: ws.CSRFToken, Next: localPath(r.PostFormValue("next")), SetupPage: true}
	if err := auth.CheckCSRF(r, ws); err != nil {
		s.renderAuth(w, r, "totp", data, err)
		return
	}
	if ws.Stage != auth.StageTOTPSetup && ws.Stage != auth.StageActive {
		seeOther(w, r, stagePath(ws.Stage, data.Next))
		return
	}
	c := auth.ClientOf(r)
	var err error
	if r.PostFormValue("action") == "disable" {
		if err = s.cfg.Auth.DisableTOTP(r.Context(), u, r.PostFormValue("current_password"), c); err == nil {
			seeOther(w, r, "/account/totp?done=off")
			return
		}
	} else {
		var g *auth.Grant
		g, err = s.cfg.Auth.ConfirmTOTP(r.Context(), u, ws, r.PostFormValue("code"), c)
		if err == nil && g != nil {
			s.cfg.Auth.SetCookie(w, g)
			seeOther(w, r, stagePath(g.Session.Stage, data.Next))
			return
		}
		if err == nil {
			seeOther(w, r, "/account/totp?done=on")
			return
		}
	}
	if ferr := s.totpSetupForm(w, r, ws, u, data); err == nil {
		err = ferr
	}
	s.renderAuth(w, r, "totp", data, err)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	ws, _, ok := s.pending(w, r)
	if !ok {
		return
	}
	next := r.URL.Query().Get("next")
	if ws.Stage != auth.StagePassword && ws.Stage != auth.StageActive {
		seeOther(w, r, stagePath(ws.Stage, next))
		return
	}
	data := &authForm{CSRF: ws.CSRFToken, Next: localPath(next), Forced: ws.Stage == auth.StagePassword}
	if r.URL.Query().Get("done") != "" && !data.Forced {
		data.Notice = "Your password is changed. Every other session is signed out."
	}
	s.render(w, r, "password", data)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	ws, u, ok := s.pending(w, r)
	if !ok {
		return
	}
	data := &authForm{CSRF: ws.CSRFToken, Next: localPath(r.PostFormValue("next")), Forced: ws.Stage == auth.StagePassword}
	if err := auth.CheckCSRF(r, ws); err != nil {
		s.renderAuth(w, r, "password", data, err)
		return
	}
	if ws.Stage != auth.StagePassword && ws.Stage != auth.StageActive {
		seeOther(w, r, stagePath(ws.Stage, data.Next))
		return
	}
	newPassword := r.PostFormValue("new_password")
	if newPassword != r.PostFormValue("confirm_password") {
		s.renderAuth(w, r, "password", data, fc.Invalid(map[string]string{"confirm_password": "does not match the new password"}))
		return
	}
	g, err := s.cfg.Auth.ChangePassword(r.Context(), u, ws, r.PostFormValue("current_password"), newPassword, auth.ClientOf(r))
	if err != nil {
		s.renderAuth(w, r, "password", data, err)
		return
	}
	s.cfg.Auth.SetCookie(w, g)
	if g.Session.Stage == auth.StageActive && !data.Forced {
		seeOther(w, r, "/account/password?done=1")
		return
	}
	seeOther(w, r, stagePath(g.Session.Stage, data.Next))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if s.unavailable(w) {
		return
	}
	next := "/login"
	if ws, _, err := s.cfg.Auth.Session(r); err == nil {
		if err := auth.CheckCSRF(r, ws); err != nil {
			http.Error(w, fc.ErrorMessage(err), http.StatusForbidden)
			return
		}
		next = s.ssoLogoutURL(r, ws)
		if err := s.cfg.Auth.SignOut(r.Context(), ws); err != nil {
			s.cfg.Logger.Error("sign out", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	s.cfg.Auth.ClearCookie(w)
	if next != "/login" {
		s.ssoRedirect(w, r, next, "Signing out", "You are signed out here; your company's identity provider signs you out too.")
		return
	}
	seeOther(w, r, next)
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	// The token is in the URL: no other site may see it in a Referer.
	w.Header().Set("Referrer-Policy", "no-referrer")
	secure := s.cfg.Auth != nil && s.cfg.Auth.Config.Secure
	data := &authForm{
		CSRF:       auth.FormToken(w, r, secure),
		Token:      r.URL.Query().Get("token"),
		CanRequest: s.cfg.Auth != nil && s.cfg.Auth.MailsResets(),
	}
	switch r.URL.Query().Get("done") {
	case "sent":
		data.Done, data.Notice = true, "If an account has this address, a reset link is on its way to it. The link works once, within an hour."
	case "set":
		data.Done, data.Notice = true, "Your password is set, and every session of your account is signed out. Sign in with the new password."
	}
	s.render(w, r, "reset", data)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if s.unavailable(w) {
		return
	}
	data := &authForm{
		CSRF:       auth.FormToken(w, r, s.cfg.Auth.Config.Secure),
		Token:      r.PostFormValue("token"),
		Email:      strings.TrimSpace(r.PostFormValue("email")),
		CanRequest: s.cfg.Auth.MailsResets(),
	}
	if err := auth.CheckFormToken(r); err != nil {
		s.renderAuth(w, r, "reset", data, err)
		return
	}
	c := auth.ClientOf(r)
	if data.Token == "" {
		if data.Email == "" {
			s.renderAuth(w, r, "reset", data, fc.Invalid(map[string]string{"email": "is required"}))
			return
		}
		if err := s.cfg.Auth.RequestPasswordReset(r.Context(), data.Email, c); err != nil {
			s.renderAuth(w, r, "reset", data, err)
			return
		}
		seeOther(w, r, "/reset?done=sent")
		return
	}
	newPassword := r.PostFormValue("new_password")
	if newPassword != r.PostFormValue("confirm_password") {
		s.renderAuth(w, r, "reset", data, fc.Invalid(map[string]string{"confirm_password": "does not match the new password"}))
		return
	}
	if _, err := s.cfg.Auth.ResetPassword(r.Context(), data.Token, newPassword, c); err != nil {
		s.renderAuth(w, r, "reset", data, err)
		return
	}
	seeOther(w, r, "/reset?done=set")
}
