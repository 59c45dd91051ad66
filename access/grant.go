package access

import (
	"fmt"

	fc "github.com/fleetcharge/fleetcharge"
)

// CanGrant reports whether granter may create assignment a, whose scope
// sits at owner target (the store's Owner of the organization or account
// the assignment is on; an Owner with no chain and no account for a
// provider-wide assignment; the store's Owner of the employee for a driver).
//
// Delegation never escalates: the granter must hold users.manage and every
// permission of the role on the whole target scope, that is on the target
// itself, since a right on an organization holds on its whole subtree. By
// the role table only provider admins hold users.manage, but the rule is
// general: a provider admin on one organization may grant roles inside it
// and nowhere else.
//
// The error is an *fc.Error: fc.EInvalid for an unknown role or a target
// that is not the assignment's scope, fc.EForbidden when the granter may
// not.
func CanGrant(granter Subject, a fc.Assignment, target fc.Owner) error {
	return delegate(granter, a, target, "grant")
}

// CanRevoke reports whether granter may delete assignment a, whose scope
// sits at owner target: by the same rule as CanGrant, one may revoke only
// what one could grant.
func CanRevoke(granter Subject, a fc.Assignment, target fc.Owner) error {
	return delegate(granter, a, target, "revoke")
}

func delegate(g Subject, a fc.Assignment, target fc.Owner, verb string) error {
	m := roleMask(a.Role)
	if m == 0 {
		return fc.Errorf(fc.EInvalid, "%q is not a role", string(a.Role))
	}
	if n := nonZero(a.OrganizationID) + nonZero(a.AccountID) + nonZero(a.EmployeeID); n > 1 {
		return fc.Errorf(fc.EInvalid, "a role assignment is on one organization, account or employee, not on several")
	}
	if (a.Role == fc.RoleDriver) != (a.ScopeKind() == fc.ScopeEmployee) {
		return fc.Errorf(fc.EInvalid, "the %s role is assigned on an employee, and only it is", fc.RoleDriver)
	}
	if !targets(a, target) {
		return fc.Errorf(fc.EInvalid, "the target does not match the assignment's scope, %s", scopePhrase(a))
	}
	if a.ProviderID != g.ProviderID || target.ProviderID != g.ProviderID || g.ProviderID == 0 {
		return fc.Errorf(fc.EForbidden, "user %d may not %s roles in another provider", g.UserID, verb)
	}
	for _, p := range append([]Permission{UsersManage}, m.permissions()...) {
		if !Can(g, p, target) {
			return fc.Errorf(fc.EForbidden, "user %d may not %s %s on %s: it does not hold %s there",
				g.UserID, verb, a.Role, scopePhrase(a), p)
		}
	}
	return nil
}

// targets reports whether owner o is the scope of assignment a.
func targets(a fc.Assignment, o fc.Owner) bool {
	switch a.ScopeKind() {
	case fc.ScopeOrganization:
		return o.AccountID == 0 && len(o.OrgPath) > 0 && o.OrgPath[len(o.OrgPath)-1] == a.OrganizationID
	case fc.ScopeAccount:
		return o.AccountID == a.AccountID && o.EmployeeID == 0
	case fc.ScopeEmployee:
		return o.EmployeeID == a.EmployeeID && o.AccountID != 0
	default:
		return o.AccountID == 0 && len(o.OrgPath) == 0
	}
}

func nonZero(id fc.ID) int {
	if id != 0 {
		return 1
	}
	return 0
}

func scopePhrase(a fc.Assignment) string {
	switch a.ScopeKind() {
	case fc.ScopeOrganization:
		return fmt.Sprintf("organization %d", a.OrganizationID)
	case fc.ScopeAccount:
		return fmt.Sprintf("account %d", a.AccountID)
	case fc.ScopeEmployee:
		return fmt.Sprintf("employee %d", a.EmployeeID)
	default:
		return "the whole provider"
	}
}
