package access

import (
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
)

// Narrow limits s to one scope the user chose (the scope switcher of the
// web application): an organization (kind fc.ScopeOrganization) or an
// account (fc.ScopeAccount) whose owner is scope. A role held on the
// provider or on an organization above the scope becomes the same role on
// the scope alone; a role on an account inside an organization scope stays
// as it is; every other role is dropped, drivers' roles on employees too. The result never reaches anything
// s does not. accountPath returns the organization chain of an account (the
// store's Owner). ok is false when no role of s reaches the scope: the
// scope is then not found, the same as one that does not exist.
func Narrow(s Subject, kind string, scope fc.Owner, scopeID fc.ID, accountPath func(accountID fc.ID) ([]fc.ID, error)) (out Subject, ok bool, err error) {
	out = Subject{UserID: s.UserID, ProviderID: s.ProviderID}
	if scope.ProviderID != s.ProviderID {
		return out, false, nil
	}
	for _, a := range s.Assignments {
		if a.ProviderID != s.ProviderID {
			continue
		}
		over := false
		switch a.ScopeKind() {
		case fc.ScopeProvider:
			over = true
		case fc.ScopeOrganization:
			over = slices.Contains(scope.OrgPath, a.OrganizationID)
		case fc.ScopeAccount:
			if kind == fc.ScopeAccount {
				over = a.AccountID == scopeID
				break
			}
			path, err := accountPath(a.AccountID)
			if err != nil {
				return Subject{}, false, err
			}
			if slices.Contains(path, scopeID) {
				out.Assignments = append(out.Assignments, a)
			}
			continue
		case fc.ScopeEmployee:
			continue
		}
		if !over {
			continue
		}
		if kind == fc.ScopeOrganization {
			a.OrganizationID, a.AccountID = scopeID, 0
		} else {
			a.OrganizationID, a.AccountID = 0, scopeID
		}
		out.Assignments = append(out.Assignments, a)
	}
	return out, len(out.Assignments) > 0, nil
}
