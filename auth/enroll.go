package auth

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// TOTPSetup is what a user needs to add its second factor to an
// authenticator app.
type TOTPSetup struct {
	Secret string // base32
	URI    string // otpauth://
}

// BeginTOTP starts setting up the user's second factor: it stores a new
// secret, not yet in force, and returns it. Until confirmed, asking again
// returns the same secret, so that reloading the page does not invalidate
// what the user scanned.
func (s *Service) BeginTOTP(ctx context.Context, u *fc.User) (*TOTPSetup, error) {
	if u.TOTPEnabled {
		return nil, fc.Errorf(fc.EConflict, "the second factor is set up already")
	}
	sec := u.TOTPSecret
	if sec == "" {
		sec = NewTOTPSecret()
		updated, err := s.Store.UpdateUser(ctx, fc.ProviderScope(u.ProviderID), u.ID, func(x *fc.User) error {
			if x.TOTPEnabled {
				return fc.Errorf(fc.EConflict, "the second factor is set up already")
			}
			if x.TOTPSecret != "" {
				sec = x.TOTPSecret
				return nil
			}
			x.TOTPSecret = sec
			return nil
		})
		if err != nil {
			return nil, err
		}
		*u = *updated
	}
	return &TOTPSetup{Secret: sec, URI: TOTPURI(s.Config.Issuer, u.Email, sec)}, nil
}

// ConfirmTOTP puts the second factor begun with BeginTOTP in force once the
// user shows a code from its app. A session at stage TOTP setup (current)
// moves on to active; the caller then gets the new session.
func (s *Service) ConfirmTOTP(ctx context.Context, u *fc.User, current *fc.WebSession, code string, c Client) (*Grant, error) {
	now := s.Now()
	acct, addr := accountKey(u.Email), addressKey(c.Addr)
	if s.limited(ctx, acct, addr, now) {
		return nil, errRateLimited()
	}
	wrong := false
	updated, err := s.Store.UpdateUser(asUser(ctx, u, c), fc.ProviderScope(u.ProviderID), u.ID, func(x *fc.User) error {
		wrong = false
		switch {
		case x.TOTPEnabled:
			return fc.Errorf(fc.EConflict, "the second factor is set up already")
		case x.TOTPSecret == "":
			return fc.Errorf(fc.EUnprocessable, "start setting up the second factor first")
		}
		step, ok := matchTOTP(x.TOTPSecret, code, now, x.TOTPLastStep)
		if !ok {
			wrong = true
			return fc.Invalid(map[string]string{"code": "is wrong: check your app's clock and type the code it shows now"})
		}
		x.TOTPEnabled, x.TOTPLastStep = true, step
		return nil
	})
	if err != nil {
		if wrong {
			s.limits.fail(ctx, now, acct, addr)
		}
		return nil, err
	}
	*u = *updated
	s.Logger.Info("second factor set up", "user_id", u.ID)
	if current == nil || current.Stage != StageTOTPSetup {
		return nil, nil
	}
	return s.advance(ctx, u, current, c)
}

// DisableTOTP removes the user's second factor after checking its
// password; a user who must have one cannot remove it.
func (s *Service) DisableTOTP(ctx context.Context, u *fc.User, password string, c Client) error {
	now := s.Now()
	acct, addr := accountKey(u.Email), addressKey(c.Addr)
	if s.limited(ctx, acct, addr, now) {
		return errRateLimited()
	}
	if !secret.CheckPassword(u.PasswordHash, password) {
		s.limits.fail(ctx, now, acct, addr)
		return fc.Invalid(map[string]string{"current_password": "is wrong"})
	}
	required, err := s.TOTPRequired(ctx, u)
	if err != nil {
		return err
	}
	if required {
		return fc.Errorf(fc.EUnprocessable, "your provider requires a second factor for your roles")
	}
	updated, err := s.Store.UpdateUser(asUser(ctx, u, c), fc.ProviderScope(u.ProviderID), u.ID, func(x *fc.User) error {
		x.TOTPEnabled, x.TOTPSecret = false, ""
		return nil
	})
	if err != nil {
		return err
	}
	*u = *updated
	return nil
}
