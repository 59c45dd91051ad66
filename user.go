package fleetcharge

import "time"

// Role names a set of permissions; the sets are defined in package access.
type Role string

// The roles of the product.
const (
	RoleProviderAdmin   Role = "provider_admin"
	RoleFleetManager    Role = "fleet_manager"
	RoleFacilityManager Role = "facility_manager"
	RoleAccountAdmin    Role = "account_admin"
	// RoleDriver is an employee's own role, assigned on that employee
	// (Assignment.EmployeeID) and on nothing else.
	RoleDriver Role = "driver"
)

// Roles lists every role, in the order they are documented.
var Roles = []Role{RoleProviderAdmin, RoleFleetManager, RoleFacilityManager, RoleAccountAdmin, RoleDriver}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a login. A user belongs to one provider and holds any number of
// role assignments within it.
type User struct {
	ID                 ID         `json:"id"`
	ProviderID         ID         `json:"-"`
	Email              string     `json:"email"`
	Name               string     `json:"name"`
	PasswordHash       string     `json:"-"`
	MustChangePassword bool       `json:"must_change_password"`
	TOTPSecret         string     `json:"-"`
	TOTPEnabled        bool       `json:"totp_enabled"`
	TOTPLastStep       int64      `json:"-"`
	Disabled           bool       `json:"disabled"`
	LastSignInAt       *time.Time `json:"last_sign_in_at"`
	// Language is the language the user chose on the pages (en, nl, de,
	// fr), in which mails reach it; "" until it chooses one: English.
	Language  string    `json:"language"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Scope kinds of a role assignment.
const (
	ScopeProvider     = "provider"
	ScopeOrganization = "organization"
	ScopeAccount      = "account"
	ScopeEmployee     = "employee"
)

// Assignment gives a user a role on a scope: the whole provider, an
// organization (and so its whole subtree and every account in it), one
// account, or one employee (the driver role: that employee's own cards,
// sessions, home and statements).
type Assignment struct {
	ID             ID        `json:"id"`
	ProviderID     ID        `json:"-"`
	UserID         ID        `json:"user_id"`
	Role           Role      `json:"role"`
	OrganizationID ID        `json:"organization_id"`
	AccountID      ID        `json:"account_id"`
	EmployeeID     ID        `json:"employee_id"`
	CreatedBy      ID        `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// ScopeKind returns which kind of scope the assignment is on.
func (a Assignment) ScopeKind() string {
	switch {
	case a.OrganizationID != 0:
		return ScopeOrganization
	case a.AccountID != 0:
		return ScopeAccount
	case a.EmployeeID != 0:
		return ScopeEmployee
	default:
		return ScopeProvider
	}
}

// APIToken is a named bearer token of a user. Only its hash is stored.
type APIToken struct {
	ID         ID         `json:"id"`
	UserID     ID         `json:"user_id"`
	Name       string     `json:"name"`
	Hash       string     `json:"-"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// AuditEvent is one entry of the append-only audit log.
type AuditEvent struct {
	ID             ID        `json:"id"`
	ProviderID     ID        `json:"-"`
	At             time.Time `json:"at"`
	ActorUserID    ID        `json:"actor_user_id"`
	Actor          string    `json:"actor"`  // the user's email, or "system", "cli", "station:ID"
	Action         string    `json:"action"` // e.g. "card.update", "role.grant", "user.sign_in"
	ObjectType     string    `json:"object_type"`
	ObjectID       ID        `json:"object_id"`
	OrganizationID ID        `json:"organization_id"` // where the object sits, for scoped reading
	AccountID      ID        `json:"account_id"`
	Before         string    `json:"before,omitempty"` // JSON
	After          string    `json:"after,omitempty"`  // JSON
	RemoteAddr     string    `json:"remote_addr,omitempty"`
}
