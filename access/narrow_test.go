package access_test

import (
	"math/rand/v2"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/access/accesstest"
)

// TestNarrowMatchesReference narrows every user to every organization and
// account of random worlds and checks, against the reference model, that a
// narrowed user never reaches what the user does not, reaches nothing
// outside the scope, and keeps, inside the scope, every right it held on
// the scope itself or above it.
func TestNarrowMatchesReference(t *testing.T) {
	eachWorld(t, func(t *testing.T, r *rand.Rand, m *accesstest.Model) {
		fail := limitErrors(t)
		objects := m.Objects()
		path := func(accountID fc.ID) ([]fc.ID, error) {
			for _, x := range objects {
				if x.Kind == fc.KindAccount && x.ID == accountID {
					return m.Owner(x).OrgPath, nil
				}
			}
			return nil, nil
		}
		var scopes []accesstest.Object
		for _, x := range objects {
			if x.Kind == fc.KindOrganization || x.Kind == fc.KindAccount {
				scopes = append(scopes, x)
			}
		}
		var perms []access.Permission
		for _, pi := range access.Permissions() {
			perms = append(perms, pi.Permission)
		}
		for _, u := range m.World().Users {
			full := m.Subject(u.ID)
			for range 4 {
				sc := scopes[r.IntN(len(scopes))]
				kind := fc.ScopeOrganization
				if sc.Kind == fc.KindAccount {
					kind = fc.ScopeAccount
				}
				so := m.Owner(sc)
				narrowed, ok, err := access.Narrow(full, kind, so, sc.ID, path)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range objects {
					xo := m.Owner(x)
					within := func(accountID fc.ID, orgPath []fc.ID) bool {
						return kind == fc.ScopeAccount && accountID == sc.ID || kind == fc.ScopeOrganization && contains(orgPath, sc.ID)
					}
					owned := x.ProviderID == sc.ProviderID && within(xo.AccountID, xo.OrgPath)
					inside := owned
					if x.Kind == fc.KindStation && xo.HomeOfAccountID != 0 {
						// A station at the home of an employee of an account in
						// the scope is read through that account (stations.home.read).
						homePath, _ := path(xo.HomeOfAccountID)
						inside = inside || within(xo.HomeOfAccountID, homePath)
					}
					for _, p := range perms {
						got := ok && access.Can(narrowed, p, xo)
						had := m.Allowed(u.ID, p, x)
						if got && !had {
							fail("user %d narrowed to %s %d reaches %s on %s %d, which it does not hold", u.ID, kind, sc.ID, p, x.Kind, x.ID)
						}
						if got && !inside {
							fail("user %d narrowed to %s %d reaches %s on %s %d outside the scope", u.ID, kind, sc.ID, p, x.Kind, x.ID)
						}
						if owned && x.Kind == fc.KindAccount && holdsOnAccount(full, p, x.ID) && !got {
							fail("user %d narrowed to %s %d loses %s held on account %d inside it", u.ID, kind, sc.ID, p, x.ID)
						}
						if owned && m.Allowed(u.ID, p, sc) && !got {
							fail("user %d narrowed to %s %d loses %s on %s %d, held on the scope itself", u.ID, kind, sc.ID, p, x.Kind, x.ID)
						}
					}
				}
				if !ok && heldOnScope(m, u.ID, sc, perms) {
					fail("user %d: scope %s %d refused though a role reaches it", u.ID, kind, sc.ID)
				}
			}
		}
	})
}

func heldOnScope(m *accesstest.Model, userID fc.ID, sc accesstest.Object, perms []access.Permission) bool {
	for _, p := range perms {
		if m.Allowed(userID, p, sc) {
			return true
		}
	}
	return false
}

func contains(ids []fc.ID, id fc.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// holdsOnAccount reports whether s holds p through a role assigned on the
// account itself.
func holdsOnAccount(s access.Subject, p access.Permission, accountID fc.ID) bool {
	for _, a := range s.Assignments {
		if a.ProviderID == s.ProviderID && a.AccountID == accountID && a.OrganizationID == 0 {
			for _, q := range access.RolePermissions(a.Role) {
				if q == p {
					return true
				}
			}
		}
	}
	return false
}
