// Package accesstest holds what property tests of access rules share: a
// generator of random worlds (providers with organization trees, accounts,
// home stations, users and their role assignments) and Model, a brute-force
// reference of who may do what in them, written independently of package
// access's decision code. Package access tests Decide and Reach against it;
// storage tests can create a World in a database and check its scoped
// listings against the same Model.
package accesstest

import (
	"math/rand/v2"

	fc "github.com/fleetcharge/fleetcharge"
)

// Station is a charge station as access sees it: the account it belongs to
// and, for a station at an employee's home, that employee and its account.
type Station struct {
	ID               fc.ID
	ProviderID       fc.ID
	AccountID        fc.ID
	HomeOfAccountID  fc.ID
	HomeOfEmployeeID fc.ID
}

// Employee is an employee as access sees it: the account it belongs to. It
// stands for everything of that employee that a driver on it reads (its
// cards, sessions, home locations, rates and statements).
type Employee struct {
	ID         fc.ID
	ProviderID fc.ID
	AccountID  fc.ID
}

// World is a set of providers with their organization trees, accounts,
// stations, users and role assignments. Only the fields access depends on
// are set: IDs, providers, parents, organizations of accounts, users and
// scopes of assignments. Organizations come parents first, so that a store
// test can create them in order. Organization, account, station and user IDs
// are separate sequences and overlap, as in the database, so that mixing an
// organization ID with an account ID shows.
type World struct {
	Providers     []fc.ID
	Organizations []fc.Organization
	Accounts      []fc.Account
	Employees     []Employee
	Stations      []Station
	Users         []fc.User
	Assignments   []fc.Assignment
}

// Options size a generated world.
type Options struct {
	Providers          int // providers, at least 1
	Organizations      int // organizations per provider
	MaxDepth           int // levels of the organization trees, at least 1 (top level is depth 0)
	Accounts           int // accounts per provider
	Employees          int // employees per provider, each in a random account
	Stations           int // stations per provider, about half of them at an employee's home
	Users              int // users per provider
	AssignmentsPerUser int // at most this many assignments per user
}

// Generate returns a random world drawn from r. Trees mix wide fans and
// long chains down to MaxDepth levels. Assignments cover every role and
// every scope kind; one in eight sits in another provider than its user's
// (its scope drawn from either provider's tree), and about one in forty names
// a role that does not exist. Most driver roles sit on an employee, and a
// few on another scope, as a few other roles sit on an employee: such
// assignments must count for nothing.
func Generate(r *rand.Rand, o Options) World {
	var w World
	var orgSeq, accSeq, empSeq, stSeq, userSeq, asgSeq fc.ID
	orgsOf := map[fc.ID][]fc.Organization{}
	accountsOf := map[fc.ID][]fc.Account{}
	employeesOf := map[fc.ID][]Employee{}
	for p := range max(o.Providers, 1) {
		pid := fc.ID(p + 1)
		w.Providers = append(w.Providers, pid)
		var orgs []fc.Organization
		for range o.Organizations {
			orgSeq++
			org := fc.Organization{ID: orgSeq, ProviderID: pid}
			if len(orgs) > 0 && r.IntN(10) > 0 {
				parent := orgs[r.IntN(len(orgs))]
				if r.IntN(5) < 2 {
					parent = orgs[len(orgs)-1] // grow a chain
				}
				if parent.Depth+1 < o.MaxDepth {
					org.ParentID, org.Depth = parent.ID, parent.Depth+1
				}
			}
			orgs = append(orgs, org)
		}
		orgsOf[pid] = orgs
		w.Organizations = append(w.Organizations, orgs...)
		if len(orgs) == 0 {
			continue
		}
		for range o.Accounts {
			accSeq++
			a := fc.Account{ID: accSeq, ProviderID: pid, OrganizationID: orgs[r.IntN(len(orgs))].ID, Kind: fc.AccountCompany}
			accountsOf[pid] = append(accountsOf[pid], a)
			w.Accounts = append(w.Accounts, a)
		}
		accs := accountsOf[pid]
		for range o.Employees {
			if len(accs) == 0 {
				break
			}
			empSeq++
			e := Employee{ID: empSeq, ProviderID: pid, AccountID: accs[r.IntN(len(accs))].ID}
			employeesOf[pid] = append(employeesOf[pid], e)
			w.Employees = append(w.Employees, e)
		}
		emps := employeesOf[pid]
		for range o.Stations {
			if len(accs) == 0 {
				break
			}
			stSeq++
			st := Station{ID: stSeq, ProviderID: pid, AccountID: accs[r.IntN(len(accs))].ID}
			if r.IntN(2) == 0 {
				if len(emps) > 0 {
					e := emps[r.IntN(len(emps))]
					st.HomeOfAccountID, st.HomeOfEmployeeID = e.AccountID, e.ID
				} else {
					st.HomeOfAccountID = accs[r.IntN(len(accs))].ID
				}
			}
			w.Stations = append(w.Stations, st)
		}
		for range o.Users {
			userSeq++
			w.Users = append(w.Users, fc.User{ID: userSeq, ProviderID: pid})
		}
	}
	for _, u := range w.Users {
		for range r.IntN(o.AssignmentsPerUser + 1) {
			// scopes is the provider whose tree the scope is drawn from.
			pid, scopes := u.ProviderID, u.ProviderID
			if len(w.Providers) > 1 && r.IntN(8) == 0 {
				for pid == u.ProviderID {
					pid = w.Providers[r.IntN(len(w.Providers))]
				}
				// A row of another provider naming an organization or account
				// of the user's own: it must count for nothing either.
				if r.IntN(2) == 0 {
					scopes = pid
				}
			}
			if len(orgsOf[scopes]) == 0 {
				continue
			}
			asgSeq++
			a := fc.Assignment{ID: asgSeq, ProviderID: pid, UserID: u.ID, Role: fc.Roles[r.IntN(len(fc.Roles))]}
			if r.IntN(40) == 0 {
				a.Role = "chauffeur"
			}
			if emps := employeesOf[scopes]; len(emps) > 0 && (a.Role == fc.RoleDriver && r.IntN(8) > 0 || r.IntN(30) == 0) {
				a.EmployeeID = emps[r.IntN(len(emps))].ID
				w.Assignments = append(w.Assignments, a)
				continue
			}
			switch n := r.IntN(20); {
			case n < 2 || pid != u.ProviderID && n < 6:
				// provider-wide
			case n < 13 || len(accountsOf[scopes]) == 0:
				orgs := orgsOf[scopes]
				a.OrganizationID = orgs[r.IntN(len(orgs))].ID
			default:
				accs := accountsOf[scopes]
				a.AccountID = accs[r.IntN(len(accs))].ID
			}
			w.Assignments = append(w.Assignments, a)
		}
	}
	return w
}
