package fleetcharge

import (
	"context"
	"time"
)

// Single sign-on (issue 24): an organization's users sign in through their
// company's OpenID Connect provider, and its directory provisions them over
// SCIM 2.0.

// KindIdentityProvider is the object kind of an identity provider, as the
// audit log and not-found errors name it.
const KindIdentityProvider = "identity_provider"

// IdentityProvider is an OpenID Connect provider configured on an
// organization: the users of its e-mail domains sign in through it, and
// the groups it says they are in give them roles (GroupRoles) inside that
// organization's subtree.
type IdentityProvider struct {
	ID             ID     `json:"id"`
	ProviderID     ID     `json:"-"`
	OrganizationID ID     `json:"organization_id"`
	Issuer         string `json:"issuer"`
	ClientID       string `json:"client_id"`
	// ClientSecret is the client secret sealed by the server's secret.Box;
	// it is never shown.
	ClientSecret   string      `json:"-"`
	Domains        []string    `json:"domains"`
	GroupRoles     []GroupRole `json:"group_roles"`
	PasswordSignIn bool        `json:"password_sign_in"`
	// SCIMToken tells whether a SCIM token was issued; its hash is never
	// shown.
	SCIMToken bool      `json:"scim_token"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// GroupRole maps one value of the identity provider's groups claim to a
// role on an organization.
type GroupRole struct {
	Group          string `json:"group"`
	Role           Role   `json:"role"`
	OrganizationID ID     `json:"organization_id"`
}

// SSOState is a sign-in on its way through an identity provider: what the
// callback needs to finish it. It is stored under the hash of its state
// parameter and works once.
type SSOState struct {
	StateHash          string
	IdentityProviderID ID
	Nonce              string
	Verifier           string // the PKCE code verifier
	BrowserHash        string // the hash of the cookie of the browser that began it
	Next               string // where to go once signed in
	ExpiresAt          time.Time
}

// SSOLogin is what a verified ID token says of a user.
type SSOLogin struct {
	IdentityProviderID ID
	Subject            string
	Email              string
	Name               string
	Groups             []string
}

// SSOOutcome is what a sign-in through an identity provider did: the user
// (created just now when Created), the role assignments its groups gained
// and lost, and how many roles it holds in all now.
type SSOOutcome struct {
	User    *User
	Created bool
	Granted []Assignment
	Revoked []Assignment
	Roles   int
}

// SSOSession ties a web session to the identity provider session it came
// from.
type SSOSession struct {
	WebSessionID       string
	IdentityProviderID ID
	Subject            string
	SID                string
	IDToken            string // sealed, for the logout's id_token_hint
}

// SSOStore keeps identity providers and the state of sign-ins through them.
type SSOStore interface {
	CreateIdentityProvider(ctx context.Context, p *IdentityProvider) error
	IdentityProvider(ctx context.Context, s Scope, id ID) (*IdentityProvider, error)
	IdentityProviders(ctx context.Context, s Scope, f Page) ([]IdentityProvider, error)
	UpdateIdentityProvider(ctx context.Context, s Scope, id ID, fn func(*IdentityProvider) error) (*IdentityProvider, error)
	DeleteIdentityProvider(ctx context.Context, s Scope, id ID) error
	// IdentityProviderForDomain returns the identity provider an e-mail
	// domain routes to, in any provider: it serves sign-in.
	IdentityProviderForDomain(ctx context.Context, domain string) (*IdentityProvider, error)
	// IdentityProviderByID returns an identity provider in any provider:
	// it serves the sign-in callback, which names it by its state.
	IdentityProviderByID(ctx context.Context, id ID) (*IdentityProvider, error)

	// SetSCIMToken keeps the hash of an identity provider's new SCIM
	// token, replacing the old one.
	SetSCIMToken(ctx context.Context, s Scope, id ID, hash string) error
	// IdentityProviderBySCIMToken returns the identity provider whose SCIM
	// token has the hash.
	IdentityProviderBySCIMToken(ctx context.Context, hash string) (*IdentityProvider, error)

	CreateSSOState(ctx context.Context, st *SSOState) error
	// UseSSOState returns the live state with the hash and marks it used:
	// a state works once.
	UseSSOState(ctx context.Context, stateHash string) (*SSOState, error)
	// SSOSignIn finds or creates the user of a verified login and applies
	// the identity provider's group mapping to its roles, in one
	// transaction, audited with the claims.
	SSOSignIn(ctx context.Context, l SSOLogin) (*SSOOutcome, error)
	CreateSSOSession(ctx context.Context, s *SSOSession) error
	SSOSession(ctx context.Context, webSessionID string) (*SSOSession, error)
	// EndSSOSessions revokes the web sessions of an identity provider's
	// session (sid) or, with sid empty, of its subject; it returns how many.
	EndSSOSessions(ctx context.Context, idpID ID, subject, sid string) (int64, error)
}

// SCIMUser is a user as an identity provider's directory provisions it
// over SCIM: the user, its userName and externalId at the directory, and
// the SCIM groups it is a member of (read-only).
type SCIMUser struct {
	User       User
	UserName   string
	ExternalID string
	Groups     []SCIMGroupRef
}

// SCIMGroupRef names a group of a SCIM user.
type SCIMGroupRef struct {
	ID          ID
	DisplayName string
}

// SCIMGroup is a group of an identity provider's directory: its members
// are users of that identity provider, and its display name is the group
// name its mapping reads.
type SCIMGroup struct {
	ID                 ID
	IdentityProviderID ID
	DisplayName        string
	ExternalID         string
	Members            []ID
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// SCIMFilter selects resources by one attribute: userName, externalId or
// displayName, compared for equality; an empty Attr selects all.
type SCIMFilter struct {
	Attr, Value string
	// Start is the offset of the first resource (0-based), Count the most
	// to return.
	Start, Count int
}

// SCIMStore keeps what identity providers' directories provision, each
// within its identity provider.
type SCIMStore interface {
	SCIMUsers(ctx context.Context, idpID ID, f SCIMFilter) ([]SCIMUser, int, error)
	SCIMUser(ctx context.Context, idpID, userID ID) (*SCIMUser, error)
	// CreateSCIMUser creates the user, or links the unlinked user of the
	// identity provider's provider with that address.
	CreateSCIMUser(ctx context.Context, idpID ID, u *SCIMUser) error
	// UpdateSCIMUser applies fn to the user's userName, externalId, name,
	// e-mail and active state; a deactivation ends its web sessions and
	// revokes its API tokens in the same transaction.
	UpdateSCIMUser(ctx context.Context, idpID, userID ID, fn func(*SCIMUser) error) (*SCIMUser, error)
	// DeleteSCIMUser deactivates the user and unlinks it from the identity
	// provider, with the roles its mapping gave: users are never deleted.
	DeleteSCIMUser(ctx context.Context, idpID, userID ID) error
	SCIMGroups(ctx context.Context, idpID ID, f SCIMFilter) ([]SCIMGroup, int, error)
	SCIMGroup(ctx context.Context, idpID, id ID) (*SCIMGroup, error)
	// CreateSCIMGroup, UpdateSCIMGroup and DeleteSCIMGroup re-apply the
	// identity provider's mapping to every user whose memberships change.
	CreateSCIMGroup(ctx context.Context, g *SCIMGroup) error
	UpdateSCIMGroup(ctx context.Context, idpID, id ID, fn func(*SCIMGroup) error) (*SCIMGroup, error)
	DeleteSCIMGroup(ctx context.Context, idpID, id ID) error
}
