package access

import (
	"cmp"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
)

// Subject is a user as access decisions see it: who, in which provider, and
// with which role assignments. Only assignments of the same user in the same
// provider count; any other in Assignments is ignored, as are unknown roles.
type Subject struct {
	UserID      fc.ID
	ProviderID  fc.ID
	Assignments []fc.Assignment
}

// NewSubject returns the subject of user u holding the assignments as (the
// result of the store's UserAssignments).
func NewSubject(u *fc.User, as []fc.Assignment) Subject {
	return Subject{UserID: u.ID, ProviderID: u.ProviderID, Assignments: as}
}

// owns reports whether a is one of the subject's own assignments and
// counts: the driver role holds on an employee and nothing else, and no
// other role holds on an employee, so that a row out of that shape grants
// nothing.
func (s *Subject) owns(a *fc.Assignment) bool {
	return a.ProviderID == s.ProviderID && a.UserID == s.UserID && s.ProviderID != 0 &&
		(a.Role == fc.RoleDriver) == (a.ScopeKind() == fc.ScopeEmployee)
}

// Reach returns where s holds permission p: the union of the scopes of its
// assignments whose role grants p. A provider-wide assignment reaches All;
// organization assignments reach their subtrees (OrgIDs), account
// assignments their accounts (AccountIDs). The lists are sorted and without
// duplicates; an organization inside another reached one is kept, since the
// tree is not known here. An unknown permission reaches nothing.
func Reach(s Subject, p Permission) fc.Reach {
	b, ok := bits[p]
	if !ok {
		return fc.Reach{}
	}
	var r fc.Reach
	for i := range s.Assignments {
		a := &s.Assignments[i]
		if !s.owns(a) || roleMask(a.Role)&b == 0 {
			continue
		}
		switch a.ScopeKind() {
		case fc.ScopeProvider:
			return fc.Reach{All: true}
		case fc.ScopeOrganization:
			r.OrgIDs = append(r.OrgIDs, a.OrganizationID)
		case fc.ScopeAccount:
			r.AccountIDs = append(r.AccountIDs, a.AccountID)
		case fc.ScopeEmployee:
			r.EmployeeIDs = append(r.EmployeeIDs, a.EmployeeID)
		}
	}
	slices.Sort(r.OrgIDs)
	slices.Sort(r.AccountIDs)
	slices.Sort(r.EmployeeIDs)
	r.OrgIDs = slices.Compact(r.OrgIDs)
	r.AccountIDs = slices.Compact(r.AccountIDs)
	r.EmployeeIDs = slices.Compact(r.EmployeeIDs)
	return r
}

// ScopeFor returns the store scope of s for permission p: its provider and
// Reach(s, p). Every list, report and export of objects guarded by p runs
// in it.
func ScopeFor(s Subject, p Permission) fc.Scope {
	return fc.Scope{ProviderID: s.ProviderID, Reach: Reach(s, p)}
}

// SessionScopeFor returns the scope of s's session reads: sessions made with
// cards in Reach(sessions.card_side.read), and sessions on stations in
// Reach(sessions.station_side.read).
func SessionScopeFor(s Subject) fc.SessionScope {
	return fc.SessionScope{
		ProviderID:  s.ProviderID,
		CardSide:    Reach(s, SessionsCardSideRead),
		StationSide: Reach(s, SessionsStationSideRead),
	}
}

// StationScopeFor returns the scope of s's station reads: the stations of
// accounts in Reach(stations.read), and the stations at the homes of the
// employees of accounts in Reach(stations.home.read). The second is how a
// fleet manager reads the home stations of its employees: HomesOf is where
// it holds stations.home.read, which for a fleet manager is exactly where it
// reads employees.
func StationScopeFor(s Subject) fc.StationScope {
	return fc.StationScope{
		ProviderID: s.ProviderID,
		Reach:      Reach(s, StationsRead),
		HomesOf:    Reach(s, StationsHomeRead),
	}
}

// HeldScope is one scope a user holds roles on, for GET /api/v1/me/access:
// the user can switch to it, or view the union of all of them.
type HeldScope struct {
	Kind        string       `json:"kind"` // fc.ScopeProvider, fc.ScopeOrganization, fc.ScopeAccount or fc.ScopeEmployee
	ID          fc.ID        `json:"id"`   // the provider, organization, account or employee
	Roles       []fc.Role    `json:"roles"`
	Permissions []Permission `json:"permissions"`
}

// Held returns the scopes s holds roles on: the provider first, then
// organizations, then accounts, then employees, each by ID; roles in fc.Roles order and the
// union of their permissions in the documented order.
func Held(s Subject) []HeldScope {
	type key struct {
		kind string
		id   fc.ID
	}
	held := map[key]uint64{} // bit i: the role of table row i
	for i := range s.Assignments {
		a := &s.Assignments[i]
		m := roleMask(a.Role)
		if !s.owns(a) || m == 0 {
			continue
		}
		k := key{kind: a.ScopeKind()}
		switch k.kind {
		case fc.ScopeProvider:
			k.id = s.ProviderID
		case fc.ScopeOrganization:
			k.id = a.OrganizationID
		case fc.ScopeAccount:
			k.id = a.AccountID
		case fc.ScopeEmployee:
			k.id = a.EmployeeID
		}
		held[k] |= 1 << roleIndex(a.Role)
	}
	order := map[string]int{fc.ScopeProvider: 0, fc.ScopeOrganization: 1, fc.ScopeAccount: 2, fc.ScopeEmployee: 3}
	out := make([]HeldScope, 0, len(held))
	for k, roles := range held {
		h := HeldScope{Kind: k.kind, ID: k.id}
		var perms mask
		for i, r := range table {
			if roles&(1<<i) != 0 {
				h.Roles = append(h.Roles, r.Role)
				perms |= roleMasks[i]
			}
		}
		h.Permissions = perms.permissions()
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b HeldScope) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(a.ID, b.ID))
	})
	return out
}
