package auth

import (
	"context"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// SignInExternal makes an active session for a user whose identity another
// party verified (an OpenID Connect provider, package sso): no password,
// no local second factor, which are the identity provider's business. The
// session ends at expires when that comes before the absolute expiry, so
// that it lasts no longer than the identity provider's word. A disabled
// user is refused.
func (s *Service) SignInExternal(ctx context.Context, u *fc.User, method string, expires time.Time, c Client) (*Grant, error) {
	if u == nil || u.Disabled {
		return nil, fc.Errorf(fc.EUnauthorized, "this account is disabled")
	}
	now := s.Now()
	s.prune(ctx, now)
	if limit := now.Add(s.Config.SessionAbsolute); expires.IsZero() || expires.After(limit) {
		expires = limit
	}
	if !expires.After(now) {
		return nil, fc.Errorf(fc.EUnauthorized, "the identity provider's sign-in has expired already: sign in again")
	}
	g, err := s.create(ctx, u, StageActive, expires, c, "")
	if err != nil {
		return nil, err
	}
	if err := s.Store.RecordSignIn(asUser(ctx, u, c), u.ID, method); err != nil {
		return nil, err
	}
	s.Logger.Info("signed in", "user_id", u.ID, "method", method, "stage", StageActive, "remote", c.Addr)
	return g, nil
}

// passwordRefused reports the error of a password sign-in with an e-mail
// address whose domain routes to an identity provider that does not let
// its users use local passwords. It depends on the domain alone, which
// GET /login/sso tells anybody, so it gives nothing away about accounts.
func (s *Service) passwordRefused(ctx context.Context, email string) error {
	_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok {
		return nil
	}
	p, err := s.Store.IdentityProviderForDomain(ctx, domain)
	if fc.IsCode(err, fc.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.PasswordSignIn {
		return nil
	}
	return ErrUseSSO
}

// ErrUseSSO is the answer to a password sign-in of a user whose
// organization signs in through its identity provider only.
var ErrUseSSO = fc.Errorf(fc.EForbidden, "users of this e-mail domain sign in with their company account, not a password")
