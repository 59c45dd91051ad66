package auth

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/i18n"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Password rules: long enough to resist guessing, short enough to bound the
// work of hashing it.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// ResetPrefix starts every password reset token.
const ResetPrefix = "fcr_"

// checkNewPassword applies the password rules to a new password, reporting
// under the form field name.
func checkNewPassword(field, password, email string) error {
	n := utf8.RuneCountInString(password)
	msg := ""
	switch {
	case n < MinPasswordLength:
		msg = "must have at least 12 characters"
	case n > MaxPasswordLength:
		msg = "must have at most 256 characters"
	case strings.TrimSpace(password) == "":
		msg = "must not be blank"
	case email != "" && strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		msg = "must not be your e-mail address"
	}
	if msg != "" {
		return fc.Invalid(map[string]string{field: msg})
	}
	return nil
}

// ChangePassword sets a new password after checking the current one, and
// revokes every web session of the user. When the change is made from a web
// session (current not nil), the caller gets a fresh session at its next
// stage, with the same absolute expiry; from an API token it gets none.
// Wrong current passwords count as sign-in failures.
func (s *Service) ChangePassword(ctx context.Context, u *fc.User, current *fc.WebSession, oldPassword, newPassword string, c Client) (*Grant, error) {
	now := s.Now()
	acct, addr := accountKey(u.Email), addressKey(c.Addr)
	if s.limited(ctx, acct, addr, now) {
		return nil, errRateLimited()
	}
	if !secret.CheckPassword(u.PasswordHash, oldPassword) {
		s.limits.fail(ctx, now, acct, addr)
		return nil, fc.Invalid(map[string]string{"current_password": "is wrong"})
	}
	if err := checkNewPassword("new_password", newPassword, u.Email); err != nil {
		return nil, err
	}
	if newPassword == oldPassword {
		return nil, fc.Invalid(map[string]string{"new_password": "must differ from the current password"})
	}
	hash := secret.HashPassword(newPassword)
	changed := *u
	changed.PasswordHash, changed.MustChangePassword = hash, false
	var token string
	var next *fc.WebSession
	if current != nil {
		stage, err := s.nextStage(ctx, &changed)
		if err != nil {
			return nil, err
		}
		token, next = s.newSession(&changed, stage, current.ExpiresAt, c)
	}
	if err := s.Store.ChangePassword(asUser(ctx, u, c), u.ID, hash, next); err != nil {
		return nil, err
	}
	s.Logger.Info("password changed", "user_id", u.ID, "remote", c.Addr)
	if next == nil {
		return nil, nil
	}
	return &Grant{Token: token, Session: next, User: &changed}, nil
}

// CreatePasswordReset issues a reset token for the user with the address,
// for the command line to print or a mailer to send. Only its hash is
// stored; it works once, within Config.ResetTTL.
func (s *Service) CreatePasswordReset(ctx context.Context, email string) (string, *fc.User, error) {
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil {
		return "", nil, err
	}
	token := secret.Token(ResetPrefix)
	r := &fc.PasswordReset{TokenHash: secret.HashToken(token), UserID: u.ID, ExpiresAt: s.Now().Add(s.Config.ResetTTL)}
	if err := s.Store.CreatePasswordReset(ctx, r); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// RequestPasswordReset mails a reset link to the address when a user who
// is not disabled has it. It answers the same whether or not one has, and
// counts every request against the address and the account, so that it
// can be used neither to probe addresses nor to flood a mailbox. The link
// is built on Config.BaseURL, never on the request's Host header, which a
// client chooses.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, c Client) error {
	if !s.MailsResets() {
		return fc.Errorf(fc.ENotImplemented, "password resets by e-mail are not set up: ask your administrator")
	}
	now := s.Now()
	acct, addr := accountKey(email), addressKey(c.Addr)
	if s.limited(ctx, acct, addr, now) {
		return errRateLimited()
	}
	s.limits.fail(ctx, now, acct, addr)
	token, u, err := s.CreatePasswordReset(asAnonymous(ctx, c), email)
	switch {
	case fc.IsCode(err, fc.ENotFound):
		s.Logger.Info("password reset requested for an unknown address", "remote", c.Addr)
		return nil
	case err != nil:
		s.Logger.Error("password reset", "err", err)
		return nil
	case u.Disabled:
		return nil
	}
	// In the language the user chose on the pages, if it chose one;
	// else in the request's.
	if tag, ok := i18n.Parse(u.Language); ok {
		ctx = i18n.WithLanguage(ctx, tag)
	}
	// Sending in the background keeps the answer as quick as for an
	// unknown address.
	go func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := s.Mailer.SendPasswordReset(ctx, u.Email, s.ResetLink(token), now.Add(s.Config.ResetTTL)); err != nil {
			s.Logger.Error("send password reset", "user_id", u.ID, "err", err)
		}
	}(context.WithoutCancel(ctx))
	return nil
}

// ResetPassword sets a new password with a reset token, which then never
// works again, and revokes every web session of the user. Invalid tokens
// count against the remote address, before any password hashing.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string, c Client) (*fc.User, error) {
	now := s.Now()
	addr := addressKey(c.Addr)
	if s.limits.blocked(ctx, now, limit{addr, s.Config.AddressFailures}) {
		return nil, errRateLimited()
	}
	if !strings.HasPrefix(token, ResetPrefix) {
		s.limits.fail(ctx, now, addr)
		return nil, fc.Errorf(fc.EUnauthorized, "this password reset link is invalid, used already or expired")
	}
	if err := checkNewPassword("new_password", newPassword, ""); err != nil {
		return nil, err
	}
	ctx = fc.WithActor(ctx, fc.Actor{Label: "password reset", RemoteAddr: c.Addr})
	u, err := s.Store.UsePasswordReset(ctx, secret.HashToken(token), secret.HashPassword(newPassword))
	if err != nil {
		if fc.IsCode(err, fc.EUnauthorized) {
			s.limits.fail(ctx, now, addr)
		}
		return nil, err
	}
	s.limits.reset(ctx, accountKey(u.Email))
	s.Logger.Info("password reset", "user_id", u.ID, "remote", c.Addr)
	return u, nil
}

// MailsResets reports whether users can ask for a reset link by e-mail: a
// mailer and the public base URL are configured.
func (s *Service) MailsResets() bool { return s.Mailer != nil && s.Config.BaseURL != "" }

// ResetLink returns the web address that uses a reset token.
func (s *Service) ResetLink(token string) string {
	return strings.TrimRight(s.Config.BaseURL, "/") + "/reset?token=" + url.QueryEscape(token)
}
