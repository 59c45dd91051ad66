package fleetcharge

import (
	"context"
	"time"
)

// WebSession is a signed-in browser. Its ID is the SHA-256 of the cookie
// value; the value itself is never stored. Stage says how far the sign-in
// has come (package auth names the stages): a session that still awaits a
// second factor, a password change or a TOTP enrollment opens nothing else.
type WebSession struct {
	ID         string     `json:"-"`
	UserID     ID         `json:"user_id"`
	Stage      string     `json:"stage"`
	CSRFToken  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	ExpiresAt  time.Time  `json:"expires_at"` // absolute expiry
	RevokedAt  *time.Time `json:"revoked_at"`
	RemoteAddr string     `json:"remote_addr"`
	UserAgent  string     `json:"user_agent"`
}

// PasswordReset is a single-use, expiring permission to set a user's
// password. Only the token's hash is stored.
type PasswordReset struct {
	TokenHash string
	UserID    ID
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// AuthStore keeps what sign-in needs beyond users: web sessions, password
// resets, used TOTP steps and the sign-in audit events.
type AuthStore interface {
	// AuthUser returns the user with the ID in any provider, for
	// authenticating a session or a token that names it.
	AuthUser(ctx context.Context, id ID) (*User, error)

	CreateWebSession(ctx context.Context, ws *WebSession) error
	// WebSession returns the stored session, revoked or expired ones too:
	// the caller judges them.
	WebSession(ctx context.Context, id string) (*WebSession, error)
	// TouchWebSession moves the session's last-seen time forward to at.
	TouchWebSession(ctx context.Context, id string, at time.Time) error
	// ReplaceWebSession revokes the live session oldID and creates next in
	// one transaction; a session that is not live any more is not found.
	ReplaceWebSession(ctx context.Context, oldID string, next *WebSession) error
	RevokeWebSession(ctx context.Context, id string) error
	RevokeUserSessions(ctx context.Context, userID ID) error

	// ChangePassword sets the user's password hash, clears its forced
	// change, revokes every web session and pending reset of the user and,
	// when next is not nil, creates next: all in one transaction.
	ChangePassword(ctx context.Context, userID ID, passwordHash string, next *WebSession) error
	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	// UsePasswordReset consumes the live reset with the token hash and sets
	// the password, revoking every web session of the user.
	UsePasswordReset(ctx context.Context, tokenHash, passwordHash string) (*User, error)

	// UseTOTPStep records a TOTP time step as used, refusing a step that is
	// not newer than the last used one.
	UseTOTPStep(ctx context.Context, userID ID, step int64) error
	// RecordSignIn stores the time of a completed sign-in and audits it.
	RecordSignIn(ctx context.Context, userID ID, method string) error
	// RecordSignInFailure audits a failed sign-in of a known user.
	RecordSignInFailure(ctx context.Context, userID ID, reason string) error
	// DeleteExpiredAuth deletes web sessions and password resets that
	// expired before the time.
	DeleteExpiredAuth(ctx context.Context, before time.Time) error
}
