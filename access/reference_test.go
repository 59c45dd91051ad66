package access_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/access/accesstest"
)

// worldOptions size the random worlds of the property tests: trees of a
// few hundred organizations down to 12 levels, in two providers.
var worldOptions = accesstest.Options{
	Providers:          2,
	Organizations:      150,
	MaxDepth:           12,
	Accounts:           120,
	Employees:          60,
	Stations:           40,
	Users:              8,
	AssignmentsPerUser: 6,
}

// seeds returns the number of random worlds a property test walks.
func seeds() int {
	if testing.Short() {
		return 2
	}
	return 8 // TestGeneratedWorlds checks these worlds
}

// eachWorld runs check on random worlds, one fixed seed per world, so that a
// failure names the seed that reproduces it.
func eachWorld(t *testing.T, check func(t *testing.T, r *rand.Rand, m *accesstest.Model)) {
	t.Helper()
	for seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(seed), 0xf1ee7))
			check(t, r, accesstest.NewModel(accesstest.Generate(r, worldOptions)))
		})
	}
}

// limitErrors stops a test after a screenful of failures.
func limitErrors(t *testing.T) func(format string, args ...any) {
	t.Helper()
	n := 0
	return func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
		if n++; n >= 15 {
			t.FailNow()
		}
	}
}

// inReach reports whether owner o lies within reach r, by walking o's
// chain: written apart from access so that it checks Reach, not repeats it.
func inReach(r fc.Reach, o fc.Owner) bool {
	if r.All {
		return true
	}
	if o.AccountID != 0 && slices.Contains(r.AccountIDs, o.AccountID) {
		return true
	}
	for _, id := range o.OrgPath {
		if slices.Contains(r.OrgIDs, id) {
			return true
		}
	}
	return o.EmployeeID != 0 && slices.Contains(r.EmployeeIDs, o.EmployeeID)
}

// TestDecideMatchesReference checks, for every user, permission and object
// of random worlds, that Decide (DecideStation for stations) allows exactly
// what the brute-force model allows, that its explanation is consistent,
// that Can agrees, and that the object lies in the user's reach exactly
// when Decide allows.
func TestDecideMatchesReference(t *testing.T) {
	eachWorld(t, func(t *testing.T, r *rand.Rand, m *accesstest.Model) {
		fail := limitErrors(t)
		objects := m.Objects()
		owners := make([]fc.Owner, len(objects))
		homes := make([]fc.Owner, len(objects))
		for i, x := range objects {
			owners[i], homes[i] = m.Owner(x), m.HomeOwner(x)
		}
		checks := 0
		for _, u := range m.World().Users {
			sub := m.Subject(u.ID)
			stations := access.StationScopeFor(sub)
			for _, pi := range access.Permissions() {
				p := pi.Permission
				reach := access.Reach(sub, p)
				checkNormalised(t, reach)
				for i, x := range objects {
					checks++
					o, home := owners[i], homes[i]
					want := m.Allowed(u.ID, p, x)
					var d access.Decision
					var can bool
					if x.Kind == fc.KindStation {
						d, can = access.DecideStation(sub, p, o, home), access.CanStation(sub, p, o, home)
					} else {
						d, can = access.Decide(sub, p, o), access.Can(sub, p, o)
					}
					if d.Allowed != want {
						fail("user %d %s on %s %d %+v: allowed = %v, want %v (%s)", u.ID, p, x.Kind, x.ID, o, d.Allowed, want, d.Reason)
						continue
					}
					if can != want {
						fail("user %d %s on %s %d: Can = %v, want %v", u.ID, p, x.Kind, x.ID, can, want)
					}
					if msg := decisionFault(sub, p, o, home, d); msg != "" {
						fail("user %d %s on %s %d %+v: %s (%s)", u.ID, p, x.Kind, x.ID, o, msg, d.Reason)
					}
					in := u.ProviderID == x.ProviderID && inReach(reach, o)
					if p == access.StationsRead && o.HomeOfAccountID != 0 && u.ProviderID == x.ProviderID {
						in = in || inReach(stations.HomesOf, home)
					}
					if in != want {
						fail("user %d %s on %s %d %+v: in reach %+v = %v, want %v", u.ID, p, x.Kind, x.ID, o, reach, in, want)
					}
					if x.Kind == fc.KindStation {
						checkDecideWithoutHomeChain(fail, m, sub, p, x, o)
					}
				}
			}
		}
		if checks < 1000 {
			t.Errorf("only %d checks: the world is too small", checks)
		}
	})
}

// checkDecideWithoutHomeChain checks Decide on a station when only the ID of
// its home account is known: it allows what the station's own account
// gives, plus the home rule through provider-wide and account assignments
// only, and so never more than DecideStation.
func checkDecideWithoutHomeChain(fail func(string, ...any), m *accesstest.Model, sub access.Subject, p access.Permission, x accesstest.Object, o fc.Owner) {
	want := m.Allowed(sub.UserID, p, accesstest.Object{Kind: fc.KindAccount, ProviderID: x.ProviderID, ID: o.AccountID}) ||
		x.ProviderID == sub.ProviderID && m.HoldsOnEmployee(sub.UserID, p, o.EmployeeID)
	if p == access.StationsRead && o.HomeOfAccountID != 0 && x.ProviderID == sub.ProviderID {
		for _, a := range sub.Assignments {
			if a.ProviderID == sub.ProviderID && access.Grants(a.Role, access.StationsHomeRead) && a.OrganizationID == 0 && a.EmployeeID == 0 &&
				(a.AccountID == 0 || a.AccountID == o.HomeOfAccountID) {
				want = true
			}
		}
	}
	if got := access.Decide(sub, p, o).Allowed; got != want {
		fail("user %d %s on station %d without its home chain: allowed = %v, want %v", sub.UserID, p, x.ID, got, want)
	}
}

// decisionFault returns what is wrong with the explanation of decision d,
// or "". An allowed decision names an assignment of the subject, in its
// provider, whose role grants the permission (stations.home.read for the
// home rule), that reaches the owner from where it says, with no assignment
// granting it from higher up.
func decisionFault(sub access.Subject, p access.Permission, o, home fc.Owner, d access.Decision) string {
	if d.Reason == "" {
		return "no reason"
	}
	if d.Permission != p {
		return fmt.Sprintf("permission %s, want %s", d.Permission, p)
	}
	if !d.Allowed {
		if d.Via != nil || d.AtOrganization != 0 || d.Home {
			return "a denial names a grant"
		}
		return ""
	}
	a := d.Via
	if a == nil {
		return "no assignment named"
	}
	if a.UserID != sub.UserID || a.ProviderID != sub.ProviderID || !slices.Contains(sub.Assignments, *a) {
		return fmt.Sprintf("assignment %+v is not one of the subject's", *a)
	}
	granted, target := p, o
	if d.Home {
		if p != access.StationsRead || o.HomeOfAccountID == 0 {
			return "the home rule used for another permission or object"
		}
		granted, target = access.StationsHomeRead, home
	}
	if !access.Grants(a.Role, granted) {
		return fmt.Sprintf("role %s does not grant %s", a.Role, granted)
	}
	if !counts(*a) {
		return fmt.Sprintf("assignment %+v grants nothing: the driver role holds on an employee only, and only it does", *a)
	}
	rank := scopeRank(*a, target)
	if rank < 0 {
		return fmt.Sprintf("assignment %+v does not reach %+v", *a, target)
	}
	if a.ScopeKind() == fc.ScopeOrganization {
		if d.AtOrganization != a.OrganizationID {
			return fmt.Sprintf("at organization %d, the assignment is on %d", d.AtOrganization, a.OrganizationID)
		}
	} else if d.AtOrganization != 0 {
		return fmt.Sprintf("at organization %d for a %s assignment", d.AtOrganization, a.ScopeKind())
	}
	for _, b := range sub.Assignments {
		if b.UserID == sub.UserID && b.ProviderID == sub.ProviderID && access.Grants(b.Role, granted) && counts(b) {
			if r := scopeRank(b, target); r >= 0 && r < rank {
				return fmt.Sprintf("assignment %+v grants it from higher up than %+v", b, *a)
			}
		}
	}
	return ""
}

// scopeRank returns how high up assignment a reaches owner o: 0 for the
// provider, 1+depth for an organization of its chain, 1+len(chain) for its
// account, 2+len(chain) for its employee, -1 when a does not reach o.
func scopeRank(a fc.Assignment, o fc.Owner) int {
	switch a.ScopeKind() {
	case fc.ScopeProvider:
		return 0
	case fc.ScopeOrganization:
		if i := slices.Index(o.OrgPath, a.OrganizationID); i >= 0 {
			return 1 + i
		}
	case fc.ScopeAccount:
		if a.AccountID == o.AccountID {
			return 1 + len(o.OrgPath)
		}
	case fc.ScopeEmployee:
		if o.EmployeeID != 0 && a.EmployeeID == o.EmployeeID {
			return 2 + len(o.OrgPath)
		}
	}
	return -1
}

// counts reports whether an assignment has the shape that grants: the
// driver role on an employee, any other role elsewhere.
func counts(a fc.Assignment) bool {
	return (a.Role == fc.RoleDriver) == (a.ScopeKind() == fc.ScopeEmployee)
}

func checkNormalised(t *testing.T, r fc.Reach) {
	t.Helper()
	if r.All && (len(r.OrgIDs) > 0 || len(r.AccountIDs) > 0 || len(r.EmployeeIDs) > 0) {
		t.Errorf("reach %+v: All with lists", r)
	}
	for _, ids := range [][]fc.ID{r.OrgIDs, r.AccountIDs, r.EmployeeIDs} {
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("reach %+v: lists not sorted and unique", r)
		}
	}
}

// TestDecideSessionMatchesReference checks sessions on random pairs of card
// and station sides (some outside the provider): readable exactly when the
// model allows either side, masked exactly when only the station side
// allows, and within the session scope exactly then.
func TestDecideSessionMatchesReference(t *testing.T) {
	eachWorld(t, func(t *testing.T, r *rand.Rand, m *accesstest.Model) {
		fail := limitErrors(t)
		// A side is an account, or an employee of it: a session made with
		// a card assigned to an employee belongs to that employee too.
		var accounts []accesstest.Object
		for _, x := range m.Objects() {
			if x.Kind == fc.KindAccount || x.Kind == fc.KindEmployee {
				accounts = append(accounts, x)
			}
		}
		side := func() (accesstest.Object, fc.Owner, bool) {
			if r.IntN(8) == 0 {
				return accesstest.Object{}, fc.Owner{}, false // a roaming card or a foreign station
			}
			x := accounts[r.IntN(len(accounts))]
			return x, m.Owner(x), true
		}
		for _, u := range m.World().Users {
			sub := m.Subject(u.ID)
			scope := access.SessionScopeFor(sub)
			for range 300 {
				cx, card, hasCard := side()
				sx, station, hasStation := side()
				// A side outside the provider belongs to the other side's
				// provider as a whole: only a provider-wide grant reaches it.
				if !hasCard && hasStation {
					cx = accesstest.Object{Kind: fc.KindProvider, ProviderID: sx.ProviderID}
				}
				if !hasStation && hasCard {
					sx = accesstest.Object{Kind: fc.KindProvider, ProviderID: cx.ProviderID}
				}
				wantCard := (hasCard || hasStation) && m.Allowed(u.ID, access.SessionsCardSideRead, cx)
				wantStation := (hasCard || hasStation) && m.Allowed(u.ID, access.SessionsStationSideRead, sx)
				d := access.DecideSession(sub, card, station)
				if d.CardSide.Allowed != wantCard || d.StationSide.Allowed != wantStation {
					fail("user %d session %+v / %+v: sides %v/%v, want %v/%v (%s)", u.ID, card, station,
						d.CardSide.Allowed, d.StationSide.Allowed, wantCard, wantStation, d.Reason)
				}
				if d.Allowed != (wantCard || wantStation) || d.Masked != (!wantCard && wantStation) {
					fail("user %d session %+v / %+v: allowed %v masked %v (%s)", u.ID, card, station, d.Allowed, d.Masked, d.Reason)
				}
				if d.Allowed && d.Via == nil || d.Reason == "" {
					fail("user %d session: explanation %+v", u.ID, d.Decision)
				}
				in := wantCard && scope.CardSide.All || (hasCard && card.ProviderID == u.ProviderID && inReach(scope.CardSide, card)) ||
					wantStation && scope.StationSide.All || (hasStation && station.ProviderID == u.ProviderID && inReach(scope.StationSide, station))
				if in != d.Allowed {
					fail("user %d session %+v / %+v: in session scope = %v, allowed = %v", u.ID, card, station, in, d.Allowed)
				}
			}
		}
	})
}

// TestCanGrantMatchesReference checks delegation on random grants: allowed
// exactly when the granter holds users.manage and every permission of the
// role on the whole target scope, in its own provider.
func TestCanGrantMatchesReference(t *testing.T) {
	eachWorld(t, func(t *testing.T, r *rand.Rand, m *accesstest.Model) {
		fail := limitErrors(t)
		objects := slices.DeleteFunc(m.Objects(), func(x accesstest.Object) bool { return x.Kind == fc.KindStation })
		roles := append(slices.Clone(fc.Roles), "chauffeur")
		allowed := 0
		for _, u := range m.World().Users {
			granter := m.Subject(u.ID)
			for range 400 {
				x := objects[r.IntN(len(objects))]
				a := fc.Assignment{ProviderID: x.ProviderID, UserID: 999, Role: roles[r.IntN(len(roles))]}
				switch x.Kind {
				case fc.KindOrganization:
					a.OrganizationID = x.ID
				case fc.KindAccount:
					a.AccountID = x.ID
				case fc.KindEmployee:
					a.EmployeeID = x.ID
				}
				err := access.CanGrant(granter, a, m.Owner(x))
				if !a.Role.Valid() || !counts(a) {
					if !fc.IsCode(err, fc.EInvalid) {
						fail("grant of role %q: err = %v, want %s", a.Role, err, fc.EInvalid)
					}
					continue
				}
				want := a.ProviderID == u.ProviderID
				for _, p := range append(access.RolePermissions(a.Role), access.UsersManage) {
					want = want && m.Allowed(u.ID, p, x)
				}
				if want {
					allowed++
				}
				if (err == nil) != want || (err != nil && !fc.IsCode(err, fc.EForbidden)) {
					fail("user %d grants %s on %s %d: err = %v, want allowed = %v", u.ID, a.Role, x.Kind, x.ID, err, want)
				}
				if rerr := access.CanRevoke(granter, a, m.Owner(x)); (rerr == nil) != (err == nil) {
					fail("user %d revokes %s on %s %d: err = %v, grant err = %v", u.ID, a.Role, x.Kind, x.ID, rerr, err)
				}
			}
		}
		if allowed == 0 {
			t.Error("no grant was allowed: the worlds do not exercise delegation")
		}
	})
}

// TestHeldMatchesAssignments checks the me/access summary against the
// subject's own assignments, and the reaches against the summary.
func TestHeldMatchesAssignments(t *testing.T) {
	eachWorld(t, func(t *testing.T, r *rand.Rand, m *accesstest.Model) {
		for _, u := range m.World().Users {
			sub := m.Subject(u.ID)
			held := access.Held(sub)
			want := map[string][]fc.Role{}
			for _, a := range sub.Assignments {
				if a.ProviderID != u.ProviderID || !a.Role.Valid() || !counts(a) {
					continue
				}
				k := heldKey(a.ScopeKind(), a.OrganizationID+a.AccountID+a.EmployeeID)
				if a.ScopeKind() == fc.ScopeProvider {
					k = heldKey(fc.ScopeProvider, u.ProviderID)
				}
				if !slices.Contains(want[k], a.Role) {
					want[k] = append(want[k], a.Role)
				}
			}
			if len(held) != len(want) {
				t.Errorf("user %d: %d held scopes, want %d: %+v", u.ID, len(held), len(want), held)
			}
			for _, h := range held {
				roles := want[heldKey(h.Kind, h.ID)]
				if len(roles) != len(h.Roles) {
					t.Errorf("user %d: %s %d holds %v, want %v", u.ID, h.Kind, h.ID, h.Roles, roles)
				}
				for _, r := range roles {
					if !slices.Contains(h.Roles, r) {
						t.Errorf("user %d: %s %d holds %v, want %v", u.ID, h.Kind, h.ID, h.Roles, roles)
					}
				}
			}
			for _, pi := range access.Permissions() {
				var fromHeld fc.Reach
				for _, h := range held {
					if !slices.Contains(h.Permissions, pi.Permission) {
						continue
					}
					switch h.Kind {
					case fc.ScopeProvider:
						fromHeld.All = true
					case fc.ScopeOrganization:
						fromHeld.OrgIDs = append(fromHeld.OrgIDs, h.ID)
					case fc.ScopeAccount:
						fromHeld.AccountIDs = append(fromHeld.AccountIDs, h.ID)
					case fc.ScopeEmployee:
						fromHeld.EmployeeIDs = append(fromHeld.EmployeeIDs, h.ID)
					}
				}
				if fromHeld.All {
					fromHeld = fc.Reach{All: true}
				}
				got := access.Reach(sub, pi.Permission)
				if got.All != fromHeld.All || !slices.Equal(got.OrgIDs, fromHeld.OrgIDs) || !slices.Equal(got.AccountIDs, fromHeld.AccountIDs) ||
					!slices.Equal(got.EmployeeIDs, fromHeld.EmployeeIDs) {
					t.Errorf("user %d %s: reach %+v, held scopes say %+v", u.ID, pi.Permission, got, fromHeld)
				}
			}
		}
	})
}

func heldKey(kind string, id fc.ID) string { return kind + ":" + id.String() }

// TestGeneratedWorlds checks that the random worlds of the property tests
// exercise what those tests rely on: chains down to the deepest level, every
// role on every scope kind, assignments in another provider than their
// user's, and home stations. It walks the worlds of a full run, also under
// -short.
func TestGeneratedWorlds(t *testing.T) {
	depth, foreign, homes := 0, 0, 0
	kinds := map[string]bool{}
	for seed := range 8 {
		w := accesstest.Generate(rand.New(rand.NewPCG(uint64(seed), 0xf1ee7)), worldOptions)
		for _, o := range w.Organizations {
			depth = max(depth, o.Depth)
		}
		providerOf := map[fc.ID]fc.ID{}
		for _, u := range w.Users {
			providerOf[u.ID] = u.ProviderID
		}
		for _, a := range w.Assignments {
			kinds[string(a.Role)+" on "+a.ScopeKind()] = true
			if providerOf[a.UserID] != a.ProviderID {
				foreign++
			}
		}
		for _, s := range w.Stations {
			if s.HomeOfAccountID != 0 {
				homes++
			}
		}
	}
	if depth != worldOptions.MaxDepth-1 {
		t.Errorf("deepest organization at depth %d, want %d", depth, worldOptions.MaxDepth-1)
	}
	// Every role on every scope kind but the employee, the driver on
	// employees; and the shapes that must count for nothing: a driver off
	// an employee, another role on one.
	for _, role := range fc.Roles {
		scopes := []string{fc.ScopeProvider, fc.ScopeOrganization, fc.ScopeAccount}
		if role == fc.RoleDriver {
			scopes = []string{fc.ScopeEmployee}
		}
		for _, k := range scopes {
			if !kinds[string(role)+" on "+k] {
				t.Errorf("no %s on %s in the worlds", role, k)
			}
		}
	}
	offShape, onEmployee := 0, 0
	for k := range kinds {
		if strings.HasPrefix(k, string(fc.RoleDriver)+" on ") && !strings.HasSuffix(k, " on "+fc.ScopeEmployee) {
			offShape++
		}
		if !strings.HasPrefix(k, string(fc.RoleDriver)+" on ") && strings.HasSuffix(k, " on "+fc.ScopeEmployee) {
			onEmployee++
		}
	}
	if offShape == 0 || onEmployee == 0 {
		t.Errorf("%d kinds of driver assignment off an employee, %d of other roles on one: want some of each", offShape, onEmployee)
	}
	if foreign == 0 || homes == 0 {
		t.Errorf("%d assignments in another provider, %d home stations: want some of each", foreign, homes)
	}
}
