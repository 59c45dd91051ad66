package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Audit actions of sign-in. Client messages never say whether an e-mail
// address exists; the audit log, read by provider admins, records what
// happened to which user.
const (
	ActionSignIn             = "user.sign_in"
	ActionSignInFailed       = "user.sign_in_failed"
	ActionPasswordChange     = "user.password_change"
	ActionPasswordReset      = "user.password_reset"
	ActionPasswordResetIssue = "user.password_reset_issue"
)

// errResetInvalid is the one answer for a reset token that is unknown,
// used, expired or of a disabled user.
var errResetInvalid = fc.Errorf(fc.EUnauthorized, "this password reset link is invalid, used already or expired")

const webSessionColumns = `id, user_id, stage, csrf_token, created_at, last_seen_at, expires_at, revoked_at, remote_addr, user_agent`

func scanWebSession(row rowScanner, ws *fc.WebSession) error {
	var created, seen, expires int64
	var revoked sql.NullInt64
	if err := row.Scan(&ws.ID, &ws.UserID, &ws.Stage, &ws.CSRFToken, &created, &seen, &expires, &revoked,
		&ws.RemoteAddr, &ws.UserAgent); err != nil {
		return err
	}
	ws.CreatedAt, ws.LastSeenAt, ws.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	ws.RevokedAt = fromNullMS(revoked)
	return nil
}

// AuthUser returns the user with the ID in any provider: it serves the
// authentication of sessions and tokens, which name a user but no provider.
func (s *Store) AuthUser(ctx context.Context, id fc.ID) (*fc.User, error) {
	var u fc.User
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, int64(id)), &u)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(fc.KindUser, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// userProvider returns the provider of a user, or not_found.
func userProvider(ctx context.Context, tx *sql.Tx, userID fc.ID) (fc.ID, error) {
	var p fc.ID
	err := tx.QueryRowContext(ctx, `SELECT provider_id FROM users WHERE id = $1`, int64(userID)).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(fc.KindUser, userID)
	}
	return p, err
}

// clientText cuts client-supplied text such as a user agent to at most n
// bytes, on a rune boundary.
func clientText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// insertWebSession stores ws; zero times default to now.
func (s *Store) insertWebSession(ctx context.Context, tx *sql.Tx, ws *fc.WebSession) error {
	if ws.ID == "" || ws.UserID == 0 || ws.Stage == "" || ws.CSRFToken == "" || ws.ExpiresAt.IsZero() {
		return fc.Errorf(fc.EInvalid, "a web session needs an ID, a user, a stage, a CSRF token and an expiry")
	}
	now := s.now()
	if ws.CreatedAt.IsZero() {
		ws.CreatedAt = now
	}
	if ws.LastSeenAt.IsZero() {
		ws.LastSeenAt = ws.CreatedAt
	}
	ws.CreatedAt = ws.CreatedAt.UTC().Truncate(time.Millisecond)
	ws.LastSeenAt = ws.LastSeenAt.UTC().Truncate(time.Millisecond)
	ws.ExpiresAt = ws.ExpiresAt.UTC().Truncate(time.Millisecond)
	ws.RevokedAt = nil
	ws.RemoteAddr, ws.UserAgent = clientText(ws.RemoteAddr, 100), clientText(ws.UserAgent, 300)
	if _, err := userProvider(ctx, tx, ws.UserID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (`+webSessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)`,
		ws.ID, int64(ws.UserID), ws.Stage, ws.CSRFToken, ms(ws.CreatedAt), ms(ws.LastSeenAt), ms(ws.ExpiresAt),
		ws.RemoteAddr, ws.UserAgent)
	return err
}

// CreateWebSession stores a new web session.
func (s *Store) CreateWebSession(ctx context.Context, ws *fc.WebSession) error {
	return s.write(ctx, func(tx *sql.Tx) error { return s.insertWebSession(ctx, tx, ws) })
}

// WebSession returns the session stored under id, whatever its state; the
// caller checks revocation and expiry.
func (s *Store) WebSession(ctx context.Context, id string) (*fc.WebSession, error) {
	var ws fc.WebSession
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := scanWebSession(tx.QueryRowContext(ctx, `SELECT `+webSessionColumns+` FROM web_sessions WHERE id = $1`, id), &ws)
		if errors.Is(err, sql.ErrNoRows) {
			return fc.Errorf(fc.ENotFound, "web session not found")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ws, nil
}

// TouchWebSession moves the session's last-seen time forward to at; it
// never moves it back.
func (s *Store) TouchWebSession(ctx context.Context, id string, at time.Time) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3`,
			ms(at), id, ms(at))
		return err
	})
}

// ReplaceWebSession revokes the live session oldID and creates next, in one
// transaction, so that one session moves to its next stage at most once.
func (s *Store) ReplaceWebSession(ctx context.Context, oldID string, next *fc.WebSession) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE web_sessions SET revoked_at = $1
			WHERE id = $2 AND revoked_at IS NULL AND expires_at > $3`, now, oldID, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return fc.Errorf(fc.ENotFound, "web session not found")
		}
		return s.insertWebSession(ctx, tx, next)
	})
}

// RevokeWebSession revokes one session (signing out). Revoking a revoked or
// unknown session changes nothing.
func (s *Store) RevokeWebSession(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE web_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ms(s.now()), id)
		return err
	})
}

// RevokeUserSessions revokes every web session of the user.
func (s *Store) RevokeUserSessions(ctx context.Context, userID fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := revokeUserSessions(ctx, tx, userID, s.now())
		return err
	})
}

func revokeUserSessions(ctx context.Context, tx *sql.Tx, userID fc.ID, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE web_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
		ms(now), int64(userID))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// setPassword stores a new password hash, clears the forced change, and
// revokes every web session and unused reset of the user. It returns how
// many sessions it revoked.
func setPassword(ctx context.Context, tx *sql.Tx, userID fc.ID, hash string, now time.Time) (int64, error) {
	if hash == "" {
		return 0, fc.Errorf(fc.EInvalid, "a password hash is required")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = FALSE,
		password_changed_at = $2, updated_at = $3 WHERE id = $4`, hash, ms(now), ms(now), int64(userID)); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`,
		ms(now), int64(userID)); err != nil {
		return 0, err
	}
	return revokeUserSessions(ctx, tx, userID, now)
}

// passwordEvent is what the audit log shows of a password change: never a
// hash.
type passwordEvent struct {
	SessionsRevoked int64 `json:"sessions_revoked"`
}

// ChangePassword sets the user's password hash, clears its forced change,
// revokes every web session and unused reset of the user, and creates next
// (the caller's fresh session) when it is not nil: all in one transaction.
func (s *Store) ChangePassword(ctx context.Context, userID fc.ID, passwordHash string, next *fc.WebSession) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		providerID, err := userProvider(ctx, tx, userID)
		if err != nil {
			return err
		}
		n, err := setPassword(ctx, tx, userID, passwordHash, s.now())
		if err != nil {
			return err
		}
		if next != nil {
			if err := s.insertWebSession(ctx, tx, next); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: ActionPasswordChange, kind: fc.KindUser, id: userID,
			after: passwordEvent{SessionsRevoked: n}})
	})
}

// CreatePasswordReset stores a reset for r.UserID; r.TokenHash is the hash
// of the token, which itself is never stored.
func (s *Store) CreatePasswordReset(ctx context.Context, r *fc.PasswordReset) error {
	if r.TokenHash == "" || r.UserID == 0 || r.ExpiresAt.IsZero() {
		return fc.Errorf(fc.EInvalid, "a password reset needs a token hash, a user and an expiry")
	}
	r.CreatedAt = s.now()
	r.ExpiresAt = r.ExpiresAt.UTC().Truncate(time.Millisecond)
	r.UsedAt = nil
	return s.write(ctx, func(tx *sql.Tx) error {
		providerID, err := userProvider(ctx, tx, r.UserID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4)`, r.TokenHash, int64(r.UserID), ms(r.CreatedAt), ms(r.ExpiresAt)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: ActionPasswordResetIssue, kind: fc.KindUser, id: r.UserID,
			after: struct {
				ExpiresAt time.Time `json:"expires_at"`
			}{r.ExpiresAt}})
	})
}

// UsePasswordReset consumes the live reset with the token hash (unused, not
// expired, of a user who is not disabled) and sets the user's password,
// revoking every web session of the user. A token works once: of two
// concurrent uses, one fails.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash, passwordHash string) (*fc.User, error) {
	var u fc.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var userID fc.ID
		err := tx.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $1
			WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`,
			ms(now), tokenHash, ms(now)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return errResetInvalid
		}
		if err != nil {
			return err
		}
		if err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, int64(userID)), &u); err != nil {
			return err
		}
		if u.Disabled {
			return errResetInvalid
		}
		n, err := setPassword(ctx, tx, u.ID, passwordHash, now)
		if err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword, u.UpdatedAt = passwordHash, false, now
		return s.audit(ctx, tx, change{providerID: u.ProviderID, action: ActionPasswordReset, kind: fc.KindUser, id: u.ID,
			after: passwordEvent{SessionsRevoked: n}})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// UseTOTPStep records step as the user's last used TOTP time step, in one
// conditional update: a step that is not newer than the stored one is
// refused, so a code works once even when two requests race with it.
func (s *Store) UseTOTPStep(ctx context.Context, userID fc.ID, step int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $3`,
			step, int64(userID), step)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n != 1 {
			return fc.Errorf(fc.EUnauthorized, "the code was used already")
		}
		return nil
	})
}

// signInEvent is what the audit log shows of a sign-in.
type signInEvent struct {
	Method string `json:"method,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// RecordSignIn stores the time of the user's completed sign-in and audits
// it ("user.sign_in"), with the method ("password", "password+totp").
func (s *Store) RecordSignIn(ctx context.Context, userID fc.ID, method string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		providerID, err := userProvider(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_sign_in_at = $1 WHERE id = $2`, ms(s.now()), int64(userID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: ActionSignIn, kind: fc.KindUser, id: userID,
			after: signInEvent{Method: method}})
	})
}

// RecordSignInFailure audits a failed sign-in of a known user
// ("user.sign_in_failed") with the reason ("password", "totp", "disabled").
func (s *Store) RecordSignInFailure(ctx context.Context, userID fc.ID, reason string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		providerID, err := userProvider(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: ActionSignInFailed, kind: fc.KindUser, id: userID,
			after: signInEvent{Reason: reason}})
	})
}

// DeleteExpiredAuth deletes the web sessions and password resets that
// expired before the time.
func (s *Store) DeleteExpiredAuth(ctx context.Context, before time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at < $1`, ms(before)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE expires_at < $1`, ms(before))
		return err
	})
}
