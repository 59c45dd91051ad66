// Package auth signs users in and tells who makes each request: e-mail and
// password (argon2id), a TOTP second factor (RFC 6238), forced password
// changes, single-use password resets, rate limits on failures, server-side
// web sessions with CSRF tokens, and API tokens. The JSON API and the web
// application both use it.
package auth

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Stages of a web session. Only an active session authenticates requests;
// the others open nothing but the page of their next step.
const (
	StageTOTP      = "totp"       // the password was right; a TOTP code is due
	StagePassword  = "password"   // signed in with a one-time password; a new password is due
	StageTOTPSetup = "totp_setup" // the provider requires a second factor the user has not set up
	StageActive    = "active"     // signed in
)

// Store is the storage auth needs.
type Store interface {
	fc.AuthStore
	UserByEmail(ctx context.Context, email string) (*fc.User, error)
	UpdateUser(ctx context.Context, s fc.Scope, id fc.ID, fn func(*fc.User) error) (*fc.User, error)
	UserAssignments(ctx context.Context, userID fc.ID) ([]fc.Assignment, error)
	Provider(ctx context.Context, id fc.ID) (*fc.Provider, error)
	CreateAPIToken(ctx context.Context, t *fc.APIToken) error
	APITokenByHash(ctx context.Context, hash string) (*fc.APIToken, error)
	IdentityProviderForDomain(ctx context.Context, domain string) (*fc.IdentityProvider, error)
}

// Mailer sends password reset links. Without one (or without
// Config.BaseURL), reset links are issued by the command line only.
type Mailer interface {
	SendPasswordReset(ctx context.Context, to, link string, expires time.Time) error
}

// Config tunes sign-in. Zero fields take the defaults of New.
type Config struct {
	SessionIdle     time.Duration // a session unused this long ends: 30 minutes
	SessionAbsolute time.Duration // a session ends this long after sign-in: 12 hours
	PendingTTL      time.Duration // how long a sign-in may wait for its TOTP code: 5 minutes
	ResetTTL        time.Duration // how long a password reset token works: 1 hour
	// ExpiredKeep is how long ended web sessions and used or expired
	// password resets are kept before they are deleted: 24 hours.
	ExpiredKeep time.Duration
	Secure      bool // cookies only over HTTPS (serving TLS)
	// RequireTOTPFor lists the roles that need a second factor when their
	// provider requires it: fleet and facility managers.
	RequireTOTPFor  []fc.Role
	AccountFailures int           // failures per account in the window before refusing: 5
	AddressFailures int           // failures per remote address in the window: 20
	FailureWindow   time.Duration // 15 minutes
	Issuer          string        // the name authenticator apps show: "fleetcharge"
	// BaseURL is the public address of the web application
	// (https://charge.example.com), for links in mails.
	BaseURL string
}

// Service signs users in and authenticates requests. Make it with New.
type Service struct {
	Store  Store
	Now    func() time.Time // the clock; tests replace it
	Logger *slog.Logger
	Config Config
	Mailer Mailer // optional

	limits    *limiter
	dummyHash string

	pruneMu  sync.Mutex
	prunedAt time.Time
}

// New returns a service on the store with the defaults filled in.
func New(st Store, cfg Config) *Service {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.SessionIdle, 30*time.Minute)
	def(&cfg.SessionAbsolute, 12*time.Hour)
	def(&cfg.PendingTTL, 5*time.Minute)
	def(&cfg.ResetTTL, time.Hour)
	def(&cfg.ExpiredKeep, 24*time.Hour)
	def(&cfg.FailureWindow, 15*time.Minute)
	if cfg.RequireTOTPFor == nil {
		cfg.RequireTOTPFor = []fc.Role{fc.RoleFleetManager, fc.RoleFacilityManager}
	}
	if cfg.AccountFailures <= 0 {
		cfg.AccountFailures = 5
	}
	if cfg.AddressFailures <= 0 {
		cfg.AddressFailures = 20
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "fleetcharge"
	}
	s := &Service{
		Store:  st,
		Now:    time.Now,
		Logger: slog.Default(),
		Config: cfg,
		// An unknown e-mail address is checked against this hash, so that
		// it costs the same argon2 work as a known one.
		dummyHash: secret.HashPassword(secret.Password(24)),
	}
	// Counted in the database when the store can, so that every node
	// sharing it refuses at the same count.
	shared, _ := st.(FailureStore)
	s.limits = newLimiter(cfg.FailureWindow, shared, func() *slog.Logger { return s.Logger })
	return s
}

// Client is who sends a request: its remote address (without port) and user
// agent.
type Client struct {
	Addr      string
	UserAgent string
}

// ClientOf returns the client of a request. The address is RemoteAddr's,
// which Proxies.Middleware sets to the client's behind trusted proxies.
func ClientOf(r *http.Request) Client {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return Client{Addr: host, UserAgent: r.UserAgent()}
}

// Grant is a web session just made: the token for the cookie (shown only
// here; the store keeps its hash), the stored session, whose Stage says what
// the user must do next, and the user.
type Grant struct {
	Token   string
	Session *fc.WebSession
	User    *fc.User
}

// Errors shown to clients. Sign-in failures never say whether the e-mail
// address exists.
func errSignIn() error {
	return fc.Errorf(fc.EUnauthorized, "the e-mail address or the password is wrong")
}

func errRateLimited() error {
	return fc.Errorf(fc.ERateLimited, "too many failed attempts: wait a few minutes and try again")
}

func errTOTP() error {
	return fc.Errorf(fc.EUnauthorized, "the code is wrong or was used already")
}

func errNotSignedIn() error { return fc.Errorf(fc.EUnauthorized, "sign in first") }

// asUser returns ctx carrying the user as the actor of the changes made
// with it, for the audit log.
func asUser(ctx context.Context, u *fc.User, c Client) context.Context {
	return fc.WithActor(ctx, fc.Actor{UserID: u.ID, Label: u.Email, RemoteAddr: c.Addr})
}

// asAnonymous returns ctx with an unauthenticated actor from c.
func asAnonymous(ctx context.Context, c Client) context.Context {
	return fc.WithActor(ctx, fc.Actor{Label: "anonymous", RemoteAddr: c.Addr})
}

// limited reports whether the account or the address has used up its
// failures.
func (s *Service) limited(ctx context.Context, accountKey, addrKey string, now time.Time) bool {
	return s.limits.blocked(ctx, now, limit{accountKey, s.Config.AccountFailures}, limit{addrKey, s.Config.AddressFailures})
}

// SignIn checks an e-mail address and password. On success it returns a new
// session: at stage TOTP when the user has a second factor, else at the
// first step the user still owes (password change, TOTP setup), else
// active. An unknown address, a wrong password and a disabled user get the
// same answer after the same work; repeated failures per account or per
// address get fc.ERateLimited.
func (s *Service) SignIn(ctx context.Context, email, password string, c Client) (*Grant, error) {
	now := s.Now()
	s.prune(ctx, now)
	acct, addr := accountKey(email), addressKey(c.Addr)
	if s.limited(ctx, acct, addr, now) {
		s.Logger.Warn("sign-in refused: rate limited", "remote", c.Addr)
		return nil, errRateLimited()
	}
	if err := s.passwordRefused(ctx, email); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil && !fc.IsCode(err, fc.ENotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok := secret.CheckPassword(hash, password)
	if u == nil || u.PasswordHash == "" || !ok || u.Disabled {
		s.limits.fail(ctx, now, acct, addr)
		if u == nil {
			s.Logger.Info("sign-in failed", "reason", "unknown e-mail address", "remote", c.Addr)
			return nil, errSignIn()
		}
		reason := "password"
		if ok && u.Disabled {
			reason = "disabled"
		}
		s.Logger.Info("sign-in failed", "reason", reason, "user_id", u.ID, "remote", c.Addr)
		if err := s.Store.RecordSignInFailure(asAnonymous(ctx, c), u.ID, reason); err != nil {
			return nil, err
		}
		return nil, errSignIn()
	}
	s.limits.reset(ctx, acct)
	if u.TOTPEnabled {
		return s.create(ctx, u, StageTOTP, now.Add(s.Config.PendingTTL), c, "")
	}
	return s.complete(ctx, u, "password", c, "")
}

// VerifyTOTP checks the second factor of a sign-in at stage TOTP and, when
// the code is right and not used before, moves the sign-in on.
func (s *Service) VerifyTOTP(ctx context.Context, pending *fc.WebSession, code string, c Client) (*Grant, error) {
	if pending == nil || pending.Stage != StageTOTP {
		return nil, errNotSignedIn()
	}
	now := s.Now()
	u, err := s.Store.AuthUser(ctx, pending.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled || !u.TOTPEnabled {
		return nil, errNotSignedIn()
	}
	acct, addr := accountKey(u.Email), addressKey(c.Addr)
	if s.limited(ctx, acct, addr, now) {
		return nil, errRateLimited()
	}
	if err := s.useTOTP(ctx, u, code, now); err != nil {
		if !fc.IsCode(err, fc.EUnauthorized) {
			return nil, err
		}
		s.limits.fail(ctx, now, acct, addr)
		s.Logger.Info("sign-in failed", "reason", "totp", "user_id", u.ID, "remote", c.Addr)
		if err := s.Store.RecordSignInFailure(asAnonymous(ctx, c), u.ID, "totp"); err != nil {
			return nil, err
		}
		return nil, errTOTP()
	}
	s.limits.reset(ctx, acct)
	return s.complete(ctx, u, "password+totp", c, pending.ID)
}

// useTOTP checks code against the user's secret and records its step as
// used; a wrong or reused code is fc.EUnauthorized.
func (s *Service) useTOTP(ctx context.Context, u *fc.User, code string, now time.Time) error {
	step, ok := matchTOTP(u.TOTPSecret, code, now, u.TOTPLastStep)
	if !ok {
		return errTOTP()
	}
	return s.Store.UseTOTPStep(ctx, u.ID, step)
}

// complete finishes a sign-in whose factors are verified: it records it and
// makes the session of the user's next stage, replacing the pending session
// when there is one.
func (s *Service) complete(ctx context.Context, u *fc.User, method string, c Client, pendingID string) (*Grant, error) {
	stage, err := s.nextStage(ctx, u)
	if err != nil {
		return nil, err
	}
	g, err := s.create(ctx, u, stage, s.Now().Add(s.Config.SessionAbsolute), c, pendingID)
	if err != nil {
		return nil, err
	}
	if err := s.Store.RecordSignIn(asUser(ctx, u, c), u.ID, method); err != nil {
		return nil, err
	}
	s.Logger.Info("signed in", "user_id", u.ID, "method", method, "stage", stage, "remote", c.Addr)
	return g, nil
}

// nextStage returns what a user with verified factors still owes: a new
// password, then a TOTP setup, else nothing (active).
func (s *Service) nextStage(ctx context.Context, u *fc.User) (string, error) {
	if u.MustChangePassword {
		return StagePassword, nil
	}
	if u.TOTPEnabled {
		return StageActive, nil
	}
	required, err := s.TOTPRequired(ctx, u)
	if err != nil {
		return "", err
	}
	if required {
		return StageTOTPSetup, nil
	}
	return StageActive, nil
}

// TOTPRequired reports whether the user must have a second factor: its
// provider requires one and the user holds one of the roles that need it.
func (s *Service) TOTPRequired(ctx context.Context, u *fc.User) (bool, error) {
	p, err := s.Store.Provider(ctx, u.ProviderID)
	if err != nil {
		return false, err
	}
	if !p.RequireTOTP {
		return false, nil
	}
	as, err := s.Store.UserAssignments(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		for _, r := range s.Config.RequireTOTPFor {
			if a.Role == r {
				return true, nil
			}
		}
	}
	return false, nil
}

// newSession returns a session of the user at the stage, with its token.
func (s *Service) newSession(u *fc.User, stage string, expires time.Time, c Client) (string, *fc.WebSession) {
	token := secret.Token("")
	now := s.Now()
	return token, &fc.WebSession{
		ID:         secret.HashToken(token),
		UserID:     u.ID,
		Stage:      stage,
		CSRFToken:  secret.Token(""),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  expires,
		RemoteAddr: c.Addr,
		UserAgent:  c.UserAgent,
	}
}

// create stores a new session of the user at the stage, replacing the
// session replaceID when it is not empty: a session changes its token
// whenever it moves to another stage.
func (s *Service) create(ctx context.Context, u *fc.User, stage string, expires time.Time, c Client, replaceID string) (*Grant, error) {
	token, ws := s.newSession(u, stage, expires, c)
	var err error
	if replaceID != "" {
		err = s.Store.ReplaceWebSession(ctx, replaceID, ws)
		if fc.IsCode(err, fc.ENotFound) {
			return nil, errNotSignedIn()
		}
	} else {
		err = s.Store.CreateWebSession(ctx, ws)
	}
	if err != nil {
		return nil, err
	}
	return &Grant{Token: token, Session: ws, User: u}, nil
}

// advance moves a session at a finished step to the user's next stage,
// keeping its absolute expiry.
func (s *Service) advance(ctx context.Context, u *fc.User, current *fc.WebSession, c Client) (*Grant, error) {
	stage, err := s.nextStage(ctx, u)
	if err != nil {
		return nil, err
	}
	return s.create(ctx, u, stage, current.ExpiresAt, c, current.ID)
}

// SignOut ends a web session.
func (s *Service) SignOut(ctx context.Context, ws *fc.WebSession) error {
	if ws == nil {
		return nil
	}
	return s.Store.RevokeWebSession(ctx, ws.ID)
}

// prune deletes long-expired sessions and resets, at most once an hour.
// Failures are logged: pruning must never stop a sign-in.
func (s *Service) prune(ctx context.Context, now time.Time) {
	s.pruneMu.Lock()
	due := now.Sub(s.prunedAt) >= time.Hour
	if due {
		s.prunedAt = now
	}
	s.pruneMu.Unlock()
	if !due {
		return
	}
	if err := s.Store.DeleteExpiredAuth(ctx, now.Add(-s.Config.ExpiredKeep)); err != nil {
		s.Logger.Warn("prune expired sessions", "err", err)
	}
}

// CreateAPIToken makes a named API token for the user and returns it: the
// token is shown this once, and only its hash is stored.
func (s *Service) CreateAPIToken(ctx context.Context, u *fc.User, name string) (string, *fc.APIToken, error) {
	token := secret.Token(TokenPrefix)
	t := &fc.APIToken{UserID: u.ID, Name: name, Hash: secret.HashToken(token)}
	if err := s.Store.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	return token, t, nil
}
