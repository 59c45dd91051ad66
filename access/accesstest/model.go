package accesstest

import (
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Object is something a permission is decided on, named by what it is
// rather than by where it sits: the provider itself (standing for every
// provider-level object: users, role assignments), an organization, an
// account (standing for any object of that account: employees, cards,
// locations, charge groups), an employee (standing for what belongs to that
// employee: itself, its cards, sessions, home locations, rates, statements)
// or a station.
type Object struct {
	Kind       string // fc.KindProvider, fc.KindOrganization, fc.KindAccount, fc.KindEmployee or fc.KindStation
	ProviderID fc.ID
	ID         fc.ID
}

// Model is the brute-force reference of the access rules over a World. It
// works the other way round from package access: it expands every
// assignment down the tree into the explicit sets of organizations and
// accounts it covers, and looks objects up in them. It relies on package
// access only for the role table, which is tested against SPEC.md on its
// own. A Model is not safe for concurrent use.
type Model struct {
	w          World
	orgs       map[fc.ID]fc.Organization
	accounts   map[fc.ID]fc.Account
	employees  map[fc.ID]Employee
	stations   map[fc.ID]Station
	users      map[fc.ID]fc.User
	children   map[fc.ID][]fc.ID // organization → child organizations
	accountsIn map[fc.ID][]fc.ID // organization → its own accounts
	cache      map[coverageKey]*coverage
}

type coverageKey struct {
	user fc.ID
	perm access.Permission
}

// coverage is everything one user holds one permission on.
type coverage struct {
	all       bool // every object of the user's provider
	orgs      map[fc.ID]bool
	accounts  map[fc.ID]bool
	employees map[fc.ID]bool // what belongs to these employees only
}

// NewModel returns the reference model of w. The world's IDs may be any
// (generated, or those a database gave): the model only needs them
// consistent.
func NewModel(w World) *Model {
	m := &Model{
		w:          w,
		orgs:       map[fc.ID]fc.Organization{},
		accounts:   map[fc.ID]fc.Account{},
		employees:  map[fc.ID]Employee{},
		stations:   map[fc.ID]Station{},
		users:      map[fc.ID]fc.User{},
		children:   map[fc.ID][]fc.ID{},
		accountsIn: map[fc.ID][]fc.ID{},
		cache:      map[coverageKey]*coverage{},
	}
	for _, o := range w.Organizations {
		m.orgs[o.ID] = o
		if o.ParentID != 0 {
			m.children[o.ParentID] = append(m.children[o.ParentID], o.ID)
		}
	}
	for _, a := range w.Accounts {
		m.accounts[a.ID] = a
		m.accountsIn[a.OrganizationID] = append(m.accountsIn[a.OrganizationID], a.ID)
	}
	for _, e := range w.Employees {
		m.employees[e.ID] = e
	}
	for _, s := range w.Stations {
		m.stations[s.ID] = s
	}
	for _, u := range w.Users {
		m.users[u.ID] = u
	}
	return m
}

// World returns the world the model judges.
func (m *Model) World() World { return m.w }

// Objects returns every object of the world: each provider, organization,
// account, employee and station.
func (m *Model) Objects() []Object {
	var out []Object
	for _, p := range m.w.Providers {
		out = append(out, Object{Kind: fc.KindProvider, ProviderID: p, ID: p})
	}
	for _, o := range m.w.Organizations {
		out = append(out, Object{Kind: fc.KindOrganization, ProviderID: o.ProviderID, ID: o.ID})
	}
	for _, a := range m.w.Accounts {
		out = append(out, Object{Kind: fc.KindAccount, ProviderID: a.ProviderID, ID: a.ID})
	}
	for _, e := range m.w.Employees {
		out = append(out, Object{Kind: fc.KindEmployee, ProviderID: e.ProviderID, ID: e.ID})
	}
	for _, s := range m.w.Stations {
		out = append(out, Object{Kind: fc.KindStation, ProviderID: s.ProviderID, ID: s.ID})
	}
	return out
}

// Subject returns the subject of a user: its provider and every assignment
// that names it, including those in another provider (which must count for
// nothing).
func (m *Model) Subject(userID fc.ID) access.Subject {
	s := access.Subject{UserID: userID, ProviderID: m.users[userID].ProviderID}
	for _, a := range m.w.Assignments {
		if a.UserID == userID {
			s.Assignments = append(s.Assignments, a)
		}
	}
	return s
}

// Allowed reports whether the user holds permission p on object x. For a
// station, stations.read is also held through stations.home.read on the
// account of the employee at whose home it stands. What belongs to an
// employee (the employee itself, a station at its home) is also reached by
// an assignment on that employee.
func (m *Model) Allowed(userID fc.ID, p access.Permission, x Object) bool {
	u, ok := m.users[userID]
	if !ok || x.ProviderID != u.ProviderID {
		return false
	}
	c := m.coverage(userID, p)
	switch x.Kind {
	case fc.KindProvider:
		return c.all
	case fc.KindOrganization:
		return c.all || c.orgs[x.ID]
	case fc.KindAccount:
		return c.all || c.accounts[x.ID]
	case fc.KindEmployee:
		e := m.employees[x.ID]
		return c.all || c.accounts[e.AccountID] || c.employees[e.ID]
	case fc.KindStation:
		st := m.stations[x.ID]
		if c.all || c.accounts[st.AccountID] || st.HomeOfEmployeeID != 0 && c.employees[st.HomeOfEmployeeID] {
			return true
		}
		if p != access.StationsRead || st.HomeOfAccountID == 0 {
			return false
		}
		h := m.coverage(userID, access.StationsHomeRead)
		return h.all || h.accounts[st.HomeOfAccountID]
	}
	return false
}

// coverage expands every assignment of the user that grants p, in the
// user's own provider, into the organizations and accounts it covers.
func (m *Model) coverage(userID fc.ID, p access.Permission) *coverage {
	k := coverageKey{userID, p}
	if c, ok := m.cache[k]; ok {
		return c
	}
	c := &coverage{orgs: map[fc.ID]bool{}, accounts: map[fc.ID]bool{}, employees: map[fc.ID]bool{}}
	provider := m.users[userID].ProviderID
	for _, a := range m.w.Assignments {
		if a.UserID != userID || a.ProviderID != provider || !slices.Contains(access.RolePermissions(a.Role), p) {
			continue
		}
		onEmployee := a.EmployeeID != 0 && a.OrganizationID == 0 && a.AccountID == 0
		if onEmployee != (a.Role == fc.RoleDriver) {
			continue // a driver holds on an employee only, nobody else does
		}
		switch {
		case onEmployee:
			c.employees[a.EmployeeID] = true
		case a.OrganizationID != 0:
			m.cover(c, a.OrganizationID)
		case a.AccountID != 0:
			c.accounts[a.AccountID] = true
		default:
			c.all = true
		}
	}
	m.cache[k] = c
	return c
}

// cover marks organization id, its whole subtree and all their accounts.
func (m *Model) cover(c *coverage, id fc.ID) {
	c.orgs[id] = true
	for _, a := range m.accountsIn[id] {
		c.accounts[a] = true
	}
	for _, child := range m.children[id] {
		m.cover(c, child)
	}
}

// HoldsOnEmployee reports whether the user holds p through an assignment
// on the employee itself (a driver).
func (m *Model) HoldsOnEmployee(userID fc.ID, p access.Permission, employeeID fc.ID) bool {
	return employeeID != 0 && m.coverage(userID, p).employees[employeeID]
}

// Owner returns where object x sits, as the store's Owner tells it: the
// chain of organizations from the top down to the one holding it, and its
// account. A station's HomeOfAccountID is set too, and the employee of an
// employee and of a home station.
func (m *Model) Owner(x Object) fc.Owner {
	o := fc.Owner{ProviderID: x.ProviderID}
	switch x.Kind {
	case fc.KindOrganization:
		o.OrgPath = m.chain(x.ID)
	case fc.KindAccount:
		o.AccountID = x.ID
		o.OrgPath = m.chain(m.accounts[x.ID].OrganizationID)
	case fc.KindEmployee:
		e := m.employees[x.ID]
		o.AccountID, o.EmployeeID = e.AccountID, e.ID
		o.OrgPath = m.chain(m.accounts[e.AccountID].OrganizationID)
	case fc.KindStation:
		st := m.stations[x.ID]
		o.AccountID = st.AccountID
		o.OrgPath = m.chain(m.accounts[st.AccountID].OrganizationID)
		o.HomeOfAccountID, o.EmployeeID = st.HomeOfAccountID, st.HomeOfEmployeeID
	}
	return o
}

// HomeOwner returns the owner of the account at whose employee's home
// station x stands, or the zero Owner.
func (m *Model) HomeOwner(x Object) fc.Owner {
	st, ok := m.stations[x.ID]
	if x.Kind != fc.KindStation || !ok || st.HomeOfAccountID == 0 {
		return fc.Owner{}
	}
	return m.Owner(Object{Kind: fc.KindAccount, ProviderID: st.ProviderID, ID: st.HomeOfAccountID})
}

// chain returns the organizations from the top down to id.
func (m *Model) chain(id fc.ID) []fc.ID {
	var up []fc.ID
	for id != 0 {
		up = append(up, id)
		id = m.orgs[id].ParentID
	}
	slices.Reverse(up)
	return up
}
