package access_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/access/accesstest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// sqlWorldOptions size the worlds that TestSQLScopesMatchReference builds
// in a database: two providers of 30 organizations each, in trees down to
// 12 levels, and a few hundred objects per provider once employees, cards,
// locations, charge groups and sessions are added.
var sqlWorldOptions = accesstest.Options{
	Providers:          2,
	Organizations:      30,
	MaxDepth:           12,
	Accounts:           20,
	Stations:           12,
	Users:              8,
	AssignmentsPerUser: 5,
}

// sqlSeeds returns the fixed seeds of the worlds built in the database.
func sqlSeeds() []uint64 {
	if testing.Short() {
		return []uint64{1}
	}
	return []uint64{1, 2, 3}
}

// TestSQLScopesMatchReference builds random worlds in the database through
// the store's public methods, rebuilds the reference model on the IDs the
// database gave, and checks for every user and every permission that:
//
//   - every scoped listing (paged through to its end) holds exactly the
//     objects the model lets the user see, no more and no less, and a
//     filter on it only narrows it;
//   - sessions are masked exactly when they are visible only from the
//     station side, and then carry no card, card account, driver or tag,
//     and the card side's filters (card, employee, card account) do not
//     find them;
//   - the audit log as each user reads it (access.AuditScopeFor) holds
//     exactly the events whose object the user may read with audit.read
//     there too, by the read permission of the object's kind, the events
//     of masked sessions masked alike;
//   - reading any object by ID is not_found exactly when the model hides it;
//   - store.Owner places every object where the model does, and
//     access.Decide on that owner agrees with the listing.
//
// It walks three worlds (one under -short) on each engine. A failure names
// the seed in the subtest's name: run it alone with
// -run 'TestSQLScopesMatchReference/seed=N'.
func TestSQLScopesMatchReference(t *testing.T) {
	for _, seed := range sqlSeeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("world seed %d on %s: rerun with -run 'TestSQLScopesMatchReference/seed=%d/%s'", seed, s.Engine(), seed, s.Engine())
					}
				})
				w := buildSQLWorld(t, s, seed)
				w.check(t)
			})
		})
	}
}

// sqlObject is an object stored in the database, with the model object
// access judges it by: an organization, an account (for accounts and
// everything an account holds), a station, or the provider (for users and
// provider-wide role assignments).
type sqlObject struct {
	kind     string
	id       fc.ID
	provider fc.ID
	as       accesstest.Object
}

// sqlSession is a stored session with what the test knows of it: its two
// sides (0 for a side outside the provider) and its card.
type sqlSession struct {
	id, provider                fc.ID
	cardAccount, stationAccount fc.ID
	card, employee              fc.ID
	idTag, externalID           string
}

// auditRow is an audit event as the database holds it: what it is about
// and where it sits.
type auditRow struct {
	id, provider, org, account fc.ID
	kind                       string
	object                     fc.ID
}

// sqlWorld is a world stored in a database, and its reference model.
type sqlWorld struct {
	s        *store.Store
	m        *accesstest.Model
	users    []fc.User
	objects  map[string][]sqlObject
	sessions []sqlSession
	audit    []auditRow
	rows     map[fc.ID][]fc.Assignment // every role assignment row, by user
	parent   map[fc.ID]fc.ID           // organization → its parent
	// stationHome is, for a station at an employee's home, that
	// employee's account.
	stationHome map[fc.ID]fc.ID
	// employeeAccount is every employee's account.
	employeeAccount map[fc.ID]fc.ID

	owners map[ownerKey]ownerResult
	lists  map[string]listed
}

type ownerKey struct {
	provider fc.ID
	kind     string
	id       fc.ID
}

type ownerResult struct {
	owner fc.Owner
	err   error
}

// listed is the result of one listing paged through to its end: the IDs,
// and for sessions the sessions themselves.
type listed struct {
	ids      map[fc.ID]bool
	sessions map[fc.ID]fc.Session
}

// sqlBuilder creates a generated world in the store and keeps the IDs the
// database gave.
type sqlBuilder struct {
	t    *testing.T
	ctx  context.Context
	s    *store.Store
	r    *rand.Rand
	w    *sqlWorld
	ref  accesstest.World // the model's world, on database IDs
	seq  int              // numbers unique names, tags and times
	base time.Time

	provider map[fc.ID]fc.ID // generated ID → database ID
	org      map[fc.ID]fc.ID
	account  map[fc.ID]fc.ID
	user     map[fc.ID]fc.User

	orgProvider     map[fc.ID]fc.ID // database IDs → their provider
	accountProvider map[fc.ID]fc.ID
	employees       map[fc.ID][]fc.ID   // account → its employees
	office          map[fc.ID]fc.ID     // account → a location that is not a home
	group           map[fc.ID]fc.ID     // account → a charge group
	cards           map[fc.ID][]fc.Card // provider → its cards
	stations        map[fc.ID][]accesstest.Station
	assigned        map[string]bool // user, role and scope of every row
	admin           map[fc.ID]bool  // providers with a provider admin
}

func (b *sqlBuilder) must(err error, what string, args ...any) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("build world: %s: %v", fmt.Sprintf(what, args...), err)
	}
}

func (b *sqlBuilder) next() int {
	b.seq++
	return b.seq
}

func (b *sqlBuilder) add(kind string, id, provider fc.ID, as accesstest.Object) {
	b.w.objects[kind] = append(b.w.objects[kind], sqlObject{kind: kind, id: id, provider: provider, as: as})
}

// buildSQLWorld generates a world from seed and creates it in s: the
// organization trees, accounts, stations, users and role assignments of
// accesstest.Generate, and around them employees, cards, office and home
// locations, charge groups and sessions of every kind.
func buildSQLWorld(t *testing.T, s *store.Store, seed uint64) *sqlWorld {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0x5c0fe))
	gen := accesstest.Generate(r, sqlWorldOptions)
	b := &sqlBuilder{
		t: t, ctx: fc.WithActor(context.Background(), fc.Actor{Label: "test"}), s: s, r: r,
		w:        &sqlWorld{s: s, objects: map[string][]sqlObject{}, rows: map[fc.ID][]fc.Assignment{}, owners: map[ownerKey]ownerResult{}, lists: map[string]listed{}},
		base:     time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC),
		provider: map[fc.ID]fc.ID{}, org: map[fc.ID]fc.ID{}, account: map[fc.ID]fc.ID{}, user: map[fc.ID]fc.User{},
		orgProvider: map[fc.ID]fc.ID{}, accountProvider: map[fc.ID]fc.ID{}, employees: map[fc.ID][]fc.ID{},
		office: map[fc.ID]fc.ID{}, group: map[fc.ID]fc.ID{}, cards: map[fc.ID][]fc.Card{},
		stations: map[fc.ID][]accesstest.Station{}, assigned: map[string]bool{}, admin: map[fc.ID]bool{},
	}
	b.structure(gen)
	for _, a := range b.ref.Accounts {
		b.assets(a)
	}
	for _, st := range gen.Stations {
		b.station(st)
	}
	for _, p := range b.ref.Providers {
		b.sessions(p)
	}
	b.assignments(gen)
	b.readAudit()
	b.w.m = accesstest.NewModel(b.ref)
	b.w.parent, b.w.stationHome, b.w.employeeAccount = map[fc.ID]fc.ID{}, map[fc.ID]fc.ID{}, map[fc.ID]fc.ID{}
	for _, e := range b.ref.Employees {
		b.w.employeeAccount[e.ID] = e.AccountID
	}
	for _, st := range b.ref.Stations {
		b.w.stationHome[st.ID] = st.HomeOfAccountID
	}
	for _, o := range b.ref.Organizations {
		b.w.parent[o.ID] = o.ParentID
	}
	return b.w
}

// structure creates the providers, organizations (parents first), accounts
// and users of the generated world.
func (b *sqlBuilder) structure(gen accesstest.World) {
	for _, pid := range gen.Providers {
		p := &fc.Provider{Name: fmt.Sprintf("CPO %d", pid)}
		b.must(b.s.CreateProvider(b.ctx, p), "provider %d", pid)
		b.provider[pid] = p.ID
		b.ref.Providers = append(b.ref.Providers, p.ID)
	}
	for _, g := range gen.Organizations {
		o := &fc.Organization{ProviderID: b.provider[g.ProviderID], ParentID: b.org[g.ParentID], Name: fmt.Sprintf("Org %d", g.ID)}
		b.must(b.s.CreateOrganization(b.ctx, o), "organization %d", g.ID)
		b.org[g.ID], b.orgProvider[o.ID] = o.ID, o.ProviderID
		b.ref.Organizations = append(b.ref.Organizations, fc.Organization{ID: o.ID, ProviderID: o.ProviderID, ParentID: o.ParentID, Depth: o.Depth})
		b.add(fc.KindOrganization, o.ID, o.ProviderID, accesstest.Object{Kind: fc.KindOrganization, ProviderID: o.ProviderID, ID: o.ID})
	}
	for _, g := range gen.Accounts {
		a := &fc.Account{ProviderID: b.provider[g.ProviderID], OrganizationID: b.org[g.OrganizationID], Name: fmt.Sprintf("Account %d", g.ID), Kind: fc.AccountCompany}
		b.must(b.s.CreateAccount(b.ctx, a), "account %d", g.ID)
		b.account[g.ID], b.accountProvider[a.ID] = a.ID, a.ProviderID
		b.ref.Accounts = append(b.ref.Accounts, fc.Account{ID: a.ID, ProviderID: a.ProviderID, OrganizationID: a.OrganizationID})
		b.add(fc.KindAccount, a.ID, a.ProviderID, accesstest.Object{Kind: fc.KindAccount, ProviderID: a.ProviderID, ID: a.ID})
	}
	for _, g := range gen.Users {
		u := &fc.User{ProviderID: b.provider[g.ProviderID], Email: fmt.Sprintf("user%d@p%d.example", g.ID, g.ProviderID), Name: fmt.Sprintf("User %d", g.ID)}
		b.must(b.s.CreateUser(b.ctx, u), "user %d", g.ID)
		b.user[g.ID] = *u
		b.w.users = append(b.w.users, *u)
		b.ref.Users = append(b.ref.Users, fc.User{ID: u.ID, ProviderID: u.ProviderID})
		b.add(fc.KindUser, u.ID, u.ProviderID, accesstest.Object{Kind: fc.KindProvider, ProviderID: u.ProviderID, ID: u.ProviderID})
	}
}

// assets gives account a up to three employees, up to four cards (most of
// them assigned to an employee) and, for some employees, a home location.
func (b *sqlBuilder) assets(a fc.Account) {
	held := accesstest.Object{Kind: fc.KindAccount, ProviderID: a.ProviderID, ID: a.ID}
	for range b.r.IntN(4) {
		b.employee(a)
	}
	statuses := []string{fc.CardActive, fc.CardActive, fc.CardInactive, fc.CardDeactivated}
	for range b.r.IntN(5) {
		n := b.next()
		c := &fc.Card{ProviderID: a.ProviderID, AccountID: a.ID, InternalID: fmt.Sprintf("TAG%06d", n),
			ExternalID: fmt.Sprintf("NL-FCX-C%06d", n), Status: statuses[b.r.IntN(len(statuses))]}
		if emps := b.employees[a.ID]; len(emps) > 0 && b.r.IntN(3) > 0 {
			c.EmployeeID = emps[b.r.IntN(len(emps))]
		}
		b.must(b.s.CreateCard(b.ctx, c), "card of account %d", a.ID)
		b.cards[a.ProviderID] = append(b.cards[a.ProviderID], *c)
		if c.EmployeeID != 0 {
			b.add(fc.KindCard, c.ID, c.ProviderID, accesstest.Object{Kind: fc.KindEmployee, ProviderID: c.ProviderID, ID: c.EmployeeID})
		} else {
			b.add(fc.KindCard, c.ID, c.ProviderID, held)
		}
	}
	for _, e := range b.employees[a.ID] {
		if b.r.IntN(4) == 0 {
			b.location(a.ID, fc.LocationHome, e)
		}
	}
}

func (b *sqlBuilder) employee(a fc.Account) fc.ID {
	n := b.next()
	e := &fc.Employee{ProviderID: a.ProviderID, AccountID: a.ID, Name: fmt.Sprintf("Employee %d", n),
		Email: fmt.Sprintf("e%d@driver.example", n), Active: b.r.IntN(5) > 0}
	b.must(b.s.CreateEmployee(b.ctx, e), "employee of account %d", a.ID)
	b.employees[a.ID] = append(b.employees[a.ID], e.ID)
	b.ref.Employees = append(b.ref.Employees, accesstest.Employee{ID: e.ID, ProviderID: e.ProviderID, AccountID: a.ID})
	b.add(fc.KindEmployee, e.ID, e.ProviderID, accesstest.Object{Kind: fc.KindEmployee, ProviderID: e.ProviderID, ID: e.ID})
	return e.ID
}

func (b *sqlBuilder) location(accountID fc.ID, kind string, employeeID fc.ID) fc.ID {
	p := b.accountProvider[accountID]
	l := &fc.Location{ProviderID: p, AccountID: accountID, Name: fmt.Sprintf("Location %d", b.next()), Kind: kind, EmployeeID: employeeID}
	b.must(b.s.CreateLocation(b.ctx, l), "%s location of account %d", kind, accountID)
	if kind == fc.LocationHome {
		b.add(fc.KindLocation, l.ID, p, accesstest.Object{Kind: fc.KindEmployee, ProviderID: p, ID: employeeID})
	} else {
		b.add(fc.KindLocation, l.ID, p, accesstest.Object{Kind: fc.KindAccount, ProviderID: p, ID: accountID})
	}
	return l.ID
}

// groupOf returns a charge group of the account, creating it the first time.
func (b *sqlBuilder) groupOf(accountID fc.ID) fc.ID {
	if id, ok := b.group[accountID]; ok {
		return id
	}
	p := b.accountProvider[accountID]
	g := &fc.ChargeGroup{ProviderID: p, AccountID: accountID, Name: fmt.Sprintf("Group %d", b.next()), Kind: fc.GroupOther,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000, StartFeeMicros: 500000}}
	b.must(b.s.CreateChargeGroup(b.ctx, g), "charge group of account %d", accountID)
	b.group[accountID] = g.ID
	b.add(fc.KindChargeGroup, g.ID, p, accesstest.Object{Kind: fc.KindAccount, ProviderID: p, ID: accountID})
	return g.ID
}

// station creates a generated station. One that is not at a home stands at
// an office or public location of its account. One at the home of an
// employee of account H is created in H, at that home; when the generated
// station belongs to another account A, the station is then moved to A in
// SQL, as an asset migration that moves a station without its location
// leaves it: the home stays H's, the station is A's.
func (b *sqlBuilder) station(g accesstest.Station) {
	owner, home := b.account[g.AccountID], b.account[g.HomeOfAccountID]
	p := b.accountProvider[owner]
	at := owner
	var loc, homeOf fc.ID
	if home == 0 {
		if loc = b.office[owner]; loc == 0 {
			kind := []string{fc.LocationOffice, fc.LocationPublic}[b.r.IntN(2)]
			loc = b.location(owner, kind, 0)
			b.office[owner] = loc
		}
	} else {
		at = home
		emps := b.employees[home]
		if len(emps) == 0 {
			b.employee(fc.Account{ID: home, ProviderID: p})
			emps = b.employees[home]
		}
		homeOf = emps[b.r.IntN(len(emps))]
		loc = b.location(home, fc.LocationHome, homeOf)
	}
	st := &fc.Station{ProviderID: p, AccountID: at, LocationID: loc, ChargeGroupID: b.groupOf(at), Identity: fmt.Sprintf("CP-%d", b.next())}
	b.must(b.s.CreateStation(b.ctx, st, 1+b.r.IntN(2)), "station of account %d", at)
	if owner != at {
		_, err := b.s.DB().ExecContext(b.ctx, `UPDATE stations SET account_id = $1 WHERE id = $2`, int64(owner), int64(st.ID))
		b.must(err, "move station %d to account %d", st.ID, owner)
	}
	ref := accesstest.Station{ID: st.ID, ProviderID: p, AccountID: owner, HomeOfAccountID: home, HomeOfEmployeeID: homeOf}
	b.ref.Stations = append(b.ref.Stations, ref)
	b.stations[p] = append(b.stations[p], ref)
	b.add(fc.KindStation, st.ID, p, accesstest.Object{Kind: fc.KindStation, ProviderID: p, ID: st.ID})
}

// sessions records sessions in provider p of four kinds: OCPP transactions
// with a card of the provider (some left running), OCPP transactions with
// an idTag no card has (no card side), imports at the provider's own
// stations, and imports at foreign locations (no station side). Cards and
// stations are drawn from the whole provider, so most sessions join two
// different accounts.
func (b *sqlBuilder) sessions(p fc.ID) {
	cards, stations := b.cards[p], b.stations[p]
	for range 3*len(stations) + 6 {
		mode := b.r.IntN(4)
		switch {
		case len(cards) == 0 && len(stations) == 0:
			return
		case len(cards) == 0:
			mode = 1
		case len(stations) == 0:
			mode = 3
		}
		// Sessions never overlap on a connector, which the store refuses
		// for imports: each starts in a slot of its own, three hours apart,
		// the transactions after base and the imports before it, so that
		// a transaction left running overlaps no import.
		n := b.next()
		slot := time.Duration(n) * 3 * time.Hour
		if mode >= 2 {
			slot = -slot
		}
		start := b.base.Add(slot)
		stop := start.Add(time.Duration(10+b.r.IntN(120)) * time.Minute)
		rec := sqlSession{provider: p}
		var card fc.Card
		if mode != 1 {
			card = cards[b.r.IntN(len(cards))]
			rec.cardAccount, rec.card, rec.employee, rec.idTag, rec.externalID = card.AccountID, card.ID, card.EmployeeID, card.InternalID, card.ExternalID
		}
		var st accesstest.Station
		if mode != 3 {
			st = stations[b.r.IntN(len(stations))]
			rec.stationAccount = st.AccountID
		}
		switch mode {
		case 0, 1:
			if mode == 1 {
				rec.idTag = fmt.Sprintf("ROAM%06d", n)
			}
			x, created, err := b.s.StartTransaction(b.ctx, fc.StartTransaction{StationID: st.ID, ConnectorID: 1, IDTag: rec.idTag, MeterStart: 1000, Timestamp: start})
			b.must(err, "start a transaction at station %d", st.ID)
			if !created {
				b.t.Fatalf("build world: transaction %d at station %d was not created", n, st.ID)
			}
			rec.id = x.ID
			if b.r.IntN(4) > 0 {
				_, err := b.s.StopTransaction(b.ctx, fc.StopTransaction{StationID: st.ID, TransactionID: x.ID, MeterStop: 1000 + b.r.Int64N(40000), Timestamp: stop})
				b.must(err, "stop transaction %d", x.ID)
			}
		case 2, 3:
			x := &fc.Session{ProviderID: p, ExternalRef: fmt.Sprintf("import-%d", n), CardID: card.ID, StartedAt: start, StoppedAt: &stop,
				EnergyWh: b.r.Int64N(50000), CostMinor: b.r.Int64N(3000), Currency: "EUR"}
			if mode == 2 {
				x.StationID, x.ConnectorID = st.ID, 1
			} else {
				x.LocationKind = []string{fc.LocationPublic, fc.LocationHome, fc.LocationOffice}[b.r.IntN(3)]
				x.LocationName = fmt.Sprintf("Roaming site %d", n)
			}
			_, err := b.s.ImportSession(b.ctx, x)
			b.must(err, "import session %s", x.ExternalRef)
			rec.id = x.ID
		}
		b.w.sessions = append(b.w.sessions, rec)
	}
}

// assignments stores the generated role assignments. Those in the user's
// own provider go through CreateAssignment, except the shapes it refuses (a
// provider admin on less than the provider, another role on the whole
// provider, a role that does not exist), which are left out. Those in the
// other provider cannot be made through the store at all: they are written
// in SQL, as a bug or a hand-edited database would leave them, with their
// scope inside that other provider, and must count for nothing. One such
// row is always added.
func (b *sqlBuilder) assignments(gen accesstest.World) {
	for _, g := range gen.Assignments {
		u := b.user[g.UserID]
		a := fc.Assignment{UserID: u.ID, Role: g.Role, OrganizationID: b.org[g.OrganizationID], AccountID: b.account[g.AccountID]}
		a.ProviderID = b.provider[g.ProviderID]
		if a.Role == fc.RoleDriver {
			// The generated worlds have no employees here: a driver's role
			// off an employee, which must count for nothing.
			if a.ProviderID == u.ProviderID {
				b.foreign(a)
			}
			continue
		}
		if !a.Role.Valid() || (a.Role == fc.RoleProviderAdmin) != (a.OrganizationID == 0 && a.AccountID == 0) {
			continue
		}
		if a.ProviderID == u.ProviderID {
			b.grant(a)
		} else if b.orgProvider[a.OrganizationID] == a.ProviderID || b.accountProvider[a.AccountID] == a.ProviderID ||
			a.OrganizationID == 0 && a.AccountID == 0 {
			b.foreign(a)
		}
	}
	// Every provider has a provider admin, so that provider-wide reaches
	// are always checked, and every other role on an organization (the
	// fleet manager's on a top-level one) and on an account.
	for _, u := range slices.Backward(b.w.users) {
		if !b.admin[u.ProviderID] {
			b.grant(fc.Assignment{UserID: u.ID, Role: fc.RoleProviderAdmin})
		}
	}
	for _, p := range b.ref.Providers {
		var users []fc.User
		var orgs, tops []fc.ID
		var accounts []fc.ID
		for _, u := range b.w.users {
			if u.ProviderID == p {
				users = append(users, u)
			}
		}
		for _, o := range b.ref.Organizations {
			if o.ProviderID == p {
				orgs = append(orgs, o.ID)
				if o.ParentID == 0 {
					tops = append(tops, o.ID)
				}
			}
		}
		for _, a := range b.ref.Accounts {
			if a.ProviderID == p {
				accounts = append(accounts, a.ID)
			}
		}
		// Drivers on a few employees (two of them for one user), and a
		// fleet manager's role on an employee written in SQL, which must
		// count for nothing.
		var emps []accesstest.Employee
		for _, e := range b.ref.Employees {
			if e.ProviderID == p {
				emps = append(emps, e)
			}
		}
		if len(emps) > 0 {
			for range 4 {
				b.grant(fc.Assignment{UserID: users[b.r.IntN(len(users))].ID, Role: fc.RoleDriver, EmployeeID: emps[b.r.IntN(len(emps))].ID})
			}
			b.foreign(fc.Assignment{ProviderID: p, UserID: users[b.r.IntN(len(users))].ID, Role: fc.RoleFleetManager, EmployeeID: emps[b.r.IntN(len(emps))].ID})
		}
		for _, role := range fc.Roles[1:] {
			if role == fc.RoleDriver {
				continue
			}
			in := orgs
			if role == fc.RoleFleetManager {
				in = tops
			}
			b.grant(fc.Assignment{UserID: users[b.r.IntN(len(users))].ID, Role: role, OrganizationID: in[b.r.IntN(len(in))]})
			b.grant(fc.Assignment{UserID: users[b.r.IntN(len(users))].ID, Role: role, AccountID: accounts[b.r.IntN(len(accounts))]})
		}
	}
	u := b.w.users[0]
	for _, o := range b.ref.Organizations {
		if o.ProviderID != u.ProviderID {
			b.foreign(fc.Assignment{ProviderID: o.ProviderID, UserID: u.ID, Role: fc.RoleFleetManager, OrganizationID: o.ID})
			break
		}
	}
}

func assignmentKey(a fc.Assignment) string {
	return fmt.Sprintf("%d/%s/%d/%d/%d", a.UserID, a.Role, a.OrganizationID, a.AccountID, a.EmployeeID)
}

func (b *sqlBuilder) grant(a fc.Assignment) {
	if b.assigned[assignmentKey(a)] {
		return
	}
	b.must(b.s.CreateAssignment(b.ctx, &a), "assignment %+v", a)
	b.admin[a.ProviderID] = b.admin[a.ProviderID] || a.Role == fc.RoleProviderAdmin
	b.record(a)
}

func (b *sqlBuilder) foreign(a fc.Assignment) {
	if b.assigned[assignmentKey(a)] {
		return
	}
	err := b.s.DB().QueryRowContext(b.ctx, `INSERT INTO role_assignments (provider_id, user_id, role, organization_id, account_id, employee_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		int64(a.ProviderID), int64(a.UserID), string(a.Role), nullable(a.OrganizationID), nullable(a.AccountID), nullable(a.EmployeeID),
		b.base.UnixMilli()).Scan(&a.ID)
	b.must(err, "assignment in another provider %+v", a)
	b.record(a)
}

func (b *sqlBuilder) record(a fc.Assignment) {
	b.assigned[assignmentKey(a)] = true
	b.ref.Assignments = append(b.ref.Assignments, a)
	b.w.rows[a.UserID] = append(b.w.rows[a.UserID], a)
	b.add(fc.KindAssignment, a.ID, a.ProviderID, scopeObject(a, b.employeeAccount))
}

// employeeAccount returns the account of an employee of the world.
func (b *sqlBuilder) employeeAccount(id fc.ID) fc.ID {
	for _, e := range b.ref.Employees {
		if e.ID == id {
			return e.AccountID
		}
	}
	return 0
}

// scopeObject returns the model object of an assignment's scope, which lies
// in the assignment's provider. An assignment on an employee sits on the
// employee's account: it is the employee's, not something a driver on that
// employee reads.
func scopeObject(a fc.Assignment, employeeAccount func(fc.ID) fc.ID) accesstest.Object {
	switch {
	case a.OrganizationID != 0:
		return accesstest.Object{Kind: fc.KindOrganization, ProviderID: a.ProviderID, ID: a.OrganizationID}
	case a.AccountID != 0:
		return accesstest.Object{Kind: fc.KindAccount, ProviderID: a.ProviderID, ID: a.AccountID}
	case a.EmployeeID != 0:
		return accesstest.Object{Kind: fc.KindAccount, ProviderID: a.ProviderID, ID: employeeAccount(a.EmployeeID)}
	}
	return accesstest.Object{Kind: fc.KindProvider, ProviderID: a.ProviderID, ID: a.ProviderID}
}

func nullable(id fc.ID) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

// readAudit reads where every audit event sits, in plain SQL rather than
// through the store method under test.
func (b *sqlBuilder) readAudit() {
	rows, err := b.s.DB().QueryContext(b.ctx, `SELECT id, provider_id, COALESCE(organization_id, 0), COALESCE(account_id, 0),
		object_type, COALESCE(object_id, 0) FROM audit_events`)
	b.must(err, "read the audit log")
	defer rows.Close()
	for rows.Next() {
		var e auditRow
		b.must(rows.Scan(&e.id, &e.provider, &e.org, &e.account, &e.kind, &e.object), "read the audit log")
		b.w.audit = append(b.w.audit, e)
	}
	b.must(rows.Err(), "read the audit log")
}

// check runs every comparison of the world with its model.
func (w *sqlWorld) check(t *testing.T) {
	ctx := context.Background()
	fail := limitErrors(t)
	w.checkOwners(fail)
	checks := 0
	for _, u := range w.users {
		as, err := w.s.UserAssignments(ctx, u.ID)
		if err != nil {
			t.Fatalf("assignments of user %d: %v", u.ID, err)
		}
		if got, want := assignmentIDs(as), assignmentIDs(w.rows[u.ID]); !slices.Equal(got, want) {
			fail("user %d: UserAssignments = %v, want %v", u.ID, got, want)
		}
		sub := access.NewSubject(&u, as)
		for _, pi := range access.Permissions() {
			checks += w.checkListings(t, fail, u, sub, pi.Permission)
		}
		checks += w.checkHomeStations(t, fail, u, sub)
		checks += w.checkSessions(t, fail, u, sub)
		checks += w.checkAudit(t, fail, u, sub)
		checks += w.checkGets(t, fail, u, sub)
	}
	if checks < 100000 {
		t.Errorf("only %d checks: the world is too small", checks)
	}
	t.Logf("%d users, %d objects, %d sessions, %d audit events: %d checks", len(w.users), w.count(), len(w.sessions), len(w.audit), checks)
}

func (w *sqlWorld) count() int {
	n := 0
	for _, objs := range w.objects {
		n += len(objs)
	}
	return n
}

func assignmentIDs(as []fc.Assignment) []fc.ID {
	ids := make([]fc.ID, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	slices.Sort(ids)
	return ids
}

// owner returns store.Owner of an object, asked in provider p.
func (w *sqlWorld) owner(p fc.ID, kind string, id fc.ID) (fc.Owner, error) {
	k := ownerKey{p, kind, id}
	if r, ok := w.owners[k]; ok {
		return r.owner, r.err
	}
	o, err := w.s.Owner(context.Background(), p, kind, id)
	w.owners[k] = ownerResult{o, err}
	return o, err
}

// checkOwners checks that store.Owner places every object and session of a
// provider where the model does, and finds none of the other provider.
func (w *sqlWorld) checkOwners(fail func(string, ...any)) {
	for _, p := range w.m.World().Providers {
		for _, objs := range w.objects {
			for _, x := range objs {
				got, err := w.owner(p, x.kind, x.id)
				if x.provider != p {
					if !fc.IsCode(err, fc.ENotFound) {
						fail("Owner(provider %d, %s %d of provider %d) = %+v, %v; want not_found", p, x.kind, x.id, x.provider, got, err)
					}
					continue
				}
				checkOwner(fail, x.kind, x.id, got, err, w.m.Owner(x.as))
			}
		}
		// A session sits at its station side, or at its card side when it
		// has none.
		for _, x := range w.sessions {
			got, err := w.s.Owner(context.Background(), p, fc.KindSession, x.id)
			if x.provider != p {
				if !fc.IsCode(err, fc.ENotFound) {
					fail("Owner(provider %d, session %d of provider %d) = %+v, %v; want not_found", p, x.id, x.provider, got, err)
				}
				continue
			}
			side := cmp.Or(x.stationAccount, x.cardAccount)
			checkOwner(fail, fc.KindSession, x.id, got, err, w.m.Owner(accesstest.Object{Kind: fc.KindAccount, ProviderID: p, ID: side}))
		}
	}
}

func checkOwner(fail func(string, ...any), kind string, id fc.ID, got fc.Owner, err error, want fc.Owner) {
	if err != nil || got.ProviderID != want.ProviderID || got.AccountID != want.AccountID ||
		got.HomeOfAccountID != want.HomeOfAccountID || got.EmployeeID != want.EmployeeID || !slices.Equal(got.OrgPath, want.OrgPath) {
		fail("Owner(%s %d) = %+v, %v; want %+v", kind, id, got, err, want)
	}
}

// reachKey names a reach, for caching listings by scope.
func reachKey(r fc.Reach) string {
	if r.All {
		return "all"
	}
	return fmt.Sprint(r.OrgIDs, r.AccountIDs, r.EmployeeIDs)
}

// pageSize returns a page size for a listing: small enough that most
// listings take several pages, varied so that cursors fall everywhere.
func pageSize(key string, max int) int {
	h := 0
	for _, c := range key {
		h = h*31 + int(c)
	}
	if h < 0 {
		h = -h
	}
	return 2 + h%max
}

// pages lists every page of a listing in turn and returns the rows. Each
// page must be sorted by ID, continue after the cursor, and hold at most
// the page size; the listing ends with a short page. Paging backward from
// past the last row, page by page before the first row of the page read
// last, must read the same rows.
func pages[T any](t *testing.T, what string, limit int, list func(fc.Page) ([]T, error), id func(*T) fc.ID) []T {
	t.Helper()
	var all []T
	var after fc.ID
	for range 100000 {
		page, err := list(fc.Page{After: after, Limit: limit})
		if err != nil {
			t.Fatalf("%s after %d: %v", what, after, err)
		}
		if len(page) > limit {
			t.Fatalf("%s after %d: %d rows on a page of %d", what, after, len(page), limit)
		}
		for i := range page {
			if next := id(&page[i]); next <= after {
				t.Fatalf("%s: ID %d comes after %d", what, next, after)
			} else {
				after = next
			}
		}
		all = append(all, page...)
		if len(page) < limit {
			backward(t, what, limit, list, id, all)
			return all
		}
	}
	t.Fatalf("%s: no end", what)
	return nil
}

// backward pages a listing from its end to its start with Page.Before and
// checks that it reads the rows all, which paging forward read.
func backward[T any](t *testing.T, what string, limit int, list func(fc.Page) ([]T, error), id func(*T) fc.ID, all []T) {
	t.Helper()
	before := fc.ID(1 << 62)
	if len(all) > 0 {
		before = id(&all[len(all)-1]) + 1
	}
	var got []fc.ID
	for range 100000 {
		page, err := list(fc.Page{Before: before, Limit: limit})
		if err != nil {
			t.Fatalf("%s before %d: %v", what, before, err)
		}
		if len(page) > limit {
			t.Fatalf("%s before %d: %d rows on a page of %d", what, before, len(page), limit)
		}
		ids := make([]fc.ID, len(page))
		for i := range page {
			ids[i] = id(&page[i])
			if ids[i] >= before || i > 0 && ids[i] <= ids[i-1] {
				t.Fatalf("%s before %d: IDs %v out of order", what, before, ids)
			}
		}
		got = append(ids, got...)
		if len(page) < limit {
			want := make([]fc.ID, len(all))
			for i := range all {
				want[i] = id(&all[i])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: paging backward read %v, forward %v", what, got, want)
			}
			return
		}
		before = ids[0]
	}
	t.Fatalf("%s: no start", what)
}

func idSet[T any](rows []T, id func(*T) fc.ID) listed {
	l := listed{ids: make(map[fc.ID]bool, len(rows))}
	for i := range rows {
		l.ids[id(&rows[i])] = true
	}
	return l
}

// list returns what a listing of kind returns in provider p under the
// reach (and, for stations, homes), paged through to its end; listings are
// cached, since many permissions of many users share a reach. A filter
// other than 0 narrows the listing: to the children of that organization
// for organizations, to that organization's subtree for accounts, to that
// account for the assets of accounts.
func (w *sqlWorld) list(t *testing.T, kind string, p fc.ID, r, homes fc.Reach, filter fc.ID) listed {
	t.Helper()
	key := fmt.Sprintf("%s %d %s %s %d", kind, p, reachKey(r), reachKey(homes), filter)
	if l, ok := w.lists[key]; ok {
		return l
	}
	ctx, s, sc := context.Background(), w.s, fc.Scope{ProviderID: p, Reach: r}
	n := pageSize(key, 25)
	var l listed
	switch kind {
	case fc.KindOrganization:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Organization, error) {
			f := fc.OrganizationFilter{Page: pg}
			if filter != 0 {
				f.ParentID = &filter
			}
			return s.Organizations(ctx, sc, f)
		}, func(x *fc.Organization) fc.ID { return x.ID }), func(x *fc.Organization) fc.ID { return x.ID })
	case fc.KindAccount:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Account, error) {
			return s.Accounts(ctx, sc, fc.AccountFilter{OrganizationID: filter, Page: pg})
		}, func(x *fc.Account) fc.ID { return x.ID }), func(x *fc.Account) fc.ID { return x.ID })
	case fc.KindEmployee:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Employee, error) {
			return s.Employees(ctx, sc, fc.EmployeeFilter{AccountID: filter, Page: pg})
		}, func(x *fc.Employee) fc.ID { return x.ID }), func(x *fc.Employee) fc.ID { return x.ID })
	case fc.KindCard:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Card, error) {
			return s.Cards(ctx, sc, fc.CardFilter{AccountID: filter, Page: pg})
		}, func(x *fc.Card) fc.ID { return x.ID }), func(x *fc.Card) fc.ID { return x.ID })
	case fc.KindLocation:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Location, error) {
			return s.Locations(ctx, sc, fc.LocationFilter{AccountID: filter, Page: pg})
		}, func(x *fc.Location) fc.ID { return x.ID }), func(x *fc.Location) fc.ID { return x.ID })
	case fc.KindChargeGroup:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.ChargeGroup, error) {
			return s.ChargeGroups(ctx, sc, fc.ChargeGroupFilter{AccountID: filter, Page: pg})
		}, func(x *fc.ChargeGroup) fc.ID { return x.ID }), func(x *fc.ChargeGroup) fc.ID { return x.ID })
	case fc.KindStation:
		ssc := fc.StationScope{ProviderID: p, Reach: r, HomesOf: homes}
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Station, error) {
			return s.Stations(ctx, ssc, fc.StationFilter{AccountID: filter, Page: pg})
		}, func(x *fc.Station) fc.ID { return x.ID }), func(x *fc.Station) fc.ID { return x.ID })
	case fc.KindUser:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.User, error) {
			return s.Users(ctx, sc, fc.UserFilter{Page: pg})
		}, func(x *fc.User) fc.ID { return x.ID }), func(x *fc.User) fc.ID { return x.ID })
	case fc.KindAssignment:
		l = idSet(pages(t, key, n, func(pg fc.Page) ([]fc.Assignment, error) {
			return s.Assignments(ctx, sc, fc.AssignmentFilter{Page: pg})
		}, func(x *fc.Assignment) fc.ID { return x.ID }), func(x *fc.Assignment) fc.ID { return x.ID })
	case "audit":
		l = idSet(pages(t, key, 20+n*4, func(pg fc.Page) ([]fc.AuditEvent, error) {
			return s.AuditEvents(ctx, sc, fc.AuditFilter{Page: pg})
		}, func(x *fc.AuditEvent) fc.ID { return x.ID }), func(x *fc.AuditEvent) fc.ID { return x.ID })
	default:
		t.Fatalf("no listing of %s", kind)
	}
	w.lists[key] = l
	return l
}

// listSessions returns what Sessions returns under sc with the filter f,
// paged through.
func (w *sqlWorld) listSessions(t *testing.T, sc fc.SessionScope, f fc.SessionFilter) listed {
	t.Helper()
	key := fmt.Sprintf("sessions %d %s %s account=%d employee=%d card=%d", sc.ProviderID, reachKey(sc.CardSide), reachKey(sc.StationSide), f.AccountID, f.EmployeeID, f.CardID)
	if l, ok := w.lists[key]; ok {
		return l
	}
	rows := pages(t, key, pageSize(key, 40), func(pg fc.Page) ([]fc.Session, error) {
		f.Page = pg
		return w.s.Sessions(context.Background(), sc, f)
	}, func(x *fc.Session) fc.ID { return x.ID })
	l := listed{ids: map[fc.ID]bool{}, sessions: map[fc.ID]fc.Session{}}
	for _, x := range rows {
		l.ids[x.ID], l.sessions[x.ID] = true, x
	}
	w.lists[key] = l
	return l
}

// visible reports whether the model lets user u see object x through
// permission p, as a listing under ScopeFor(u, p) shows it. A user is
// provider-level, seen by provider-wide reaches; a narrower reach sees
// the users that hold an assignment within it (store.Users).
func (w *sqlWorld) visible(u fc.User, p access.Permission, x sqlObject) bool {
	if w.m.Allowed(u.ID, p, x.as) {
		return true
	}
	if x.kind != fc.KindUser || x.provider != u.ProviderID {
		return false
	}
	for _, a := range w.rows[x.id] {
		if (a.OrganizationID != 0 || a.AccountID != 0 || a.EmployeeID != 0) &&
			w.m.Allowed(u.ID, p, scopeObject(a, func(id fc.ID) fc.ID { return w.employeeAccount[id] })) {
			return true
		}
	}
	return false
}

// compare reports the difference between a listing and the model's set.
func compare(fail func(string, ...any), what string, got map[fc.ID]bool, want func(id fc.ID) bool, universe []fc.ID) int {
	var extra, missing []fc.ID
	for _, id := range universe {
		switch w := want(id); {
		case got[id] && !w:
			extra = append(extra, id)
		case !got[id] && w:
			missing = append(missing, id)
		}
	}
	in := map[fc.ID]bool{}
	for _, id := range universe {
		in[id] = true
	}
	for id := range got {
		if !in[id] {
			extra = append(extra, id)
		}
	}
	if len(extra) > 0 || len(missing) > 0 {
		slices.Sort(extra)
		fail("%s: lists %v it must not, misses %v", what, extra, missing)
	}
	return len(universe)
}

// listedKinds are the objects listed under ScopeFor(u, p).
var listedKinds = []string{fc.KindOrganization, fc.KindAccount, fc.KindEmployee, fc.KindCard, fc.KindLocation,
	fc.KindChargeGroup, fc.KindStation, fc.KindUser, fc.KindAssignment}

// checkListings checks every listing under the scope of permission p
// against the model, and access.Decide on store.Owner against the
// listings. Stations are listed under StationScopeFor for stations.read
// (with the home rule) and under the bare reach for every other permission.
func (w *sqlWorld) checkListings(t *testing.T, fail func(string, ...any), u fc.User, sub access.Subject, p access.Permission) int {
	checks := 0
	reach := access.Reach(sub, p)
	for _, kind := range listedKinds {
		homes := fc.Reach{}
		if kind == fc.KindStation && p == access.StationsRead {
			homes = access.StationScopeFor(sub).HomesOf
		}
		got := w.list(t, kind, u.ProviderID, reach, homes, 0)
		objs := w.objects[kind]
		ids := make([]fc.ID, len(objs))
		want := make(map[fc.ID]bool, len(objs))
		for i, x := range objs {
			ids[i] = x.id
			want[x.id] = w.visible(u, p, x)
		}
		checks += compare(fail, fmt.Sprintf("user %d %s: %s list (reach %+v)", u.ID, p, kind, reach), got.ids,
			func(id fc.ID) bool { return want[id] }, ids)
		if kind == fc.KindUser && !reach.All && !reach.Empty() {
			continue // users seen through their assignments: no decision on a user says so
		}
		for _, x := range objs {
			if x.provider != u.ProviderID {
				continue
			}
			checks++
			o, err := w.owner(u.ProviderID, x.kind, x.id)
			if err != nil {
				continue // reported by checkOwners
			}
			var d access.Decision
			if x.kind == fc.KindStation {
				var home fc.Owner
				if o.HomeOfAccountID != 0 {
					home, _ = w.owner(u.ProviderID, fc.KindAccount, o.HomeOfAccountID)
				}
				d = access.DecideStation(sub, p, o, home)
			} else {
				d = access.Decide(sub, p, o)
			}
			if d.Allowed != got.ids[x.id] {
				fail("user %d %s on %s %d at %+v: Decide allows = %v, the listing holds it = %v (%s)", u.ID, p, x.kind, x.id, o, d.Allowed, got.ids[x.id], d.Reason)
			}
		}
		checks += w.checkFilter(t, fail, u, p, kind, reach, homes, want)
	}
	all := make([]fc.ID, len(w.audit))
	byID := map[fc.ID]auditRow{}
	for i, e := range w.audit {
		all[i], byID[e.id] = e.id, e
	}
	got := w.list(t, "audit", u.ProviderID, reach, fc.Reach{}, 0)
	checks += compare(fail, fmt.Sprintf("user %d %s: audit events (reach %+v)", u.ID, p, reach), got.ids, func(id fc.ID) bool {
		return w.auditVisible(u, p, byID[id])
	}, all)

	// Sessions under the same reach on either side alone.
	card := w.listSessions(t, fc.SessionScope{ProviderID: u.ProviderID, CardSide: reach}, fc.SessionFilter{})
	station := w.listSessions(t, fc.SessionScope{ProviderID: u.ProviderID, StationSide: reach}, fc.SessionFilter{})
	for _, x := range w.sessions {
		checks += 2
		wantCard := w.cardSide(u, p, x)
		wantStation := w.side(u, p, x.provider, x.stationAccount)
		if card.ids[x.id] != wantCard {
			fail("user %d %s: session %d (card side %d) listed under card side %+v = %v, want %v", u.ID, p, x.id, x.cardAccount, reach, card.ids[x.id], wantCard)
		} else if wantCard {
			checkMasking(fail, fmt.Sprintf("user %d %s, card side", u.ID, p), x, card.sessions[x.id], false)
		}
		if station.ids[x.id] != wantStation {
			fail("user %d %s: session %d (station side %d) listed under station side %+v = %v, want %v", u.ID, p, x.id, x.stationAccount, reach, station.ids[x.id], wantStation)
		} else if wantStation {
			checkMasking(fail, fmt.Sprintf("user %d %s, station side", u.ID, p), x, station.sessions[x.id], true)
		}
	}
	return checks
}

// checkFilter checks one filtered listing of kind under the reach: a
// filter narrows what the reach shows and never widens it. The filter value
// is drawn from both providers, so that it often names what the user may
// not see.
func (w *sqlWorld) checkFilter(t *testing.T, fail func(string, ...any), u fc.User, p access.Permission, kind string, reach, homes fc.Reach, visible map[fc.ID]bool) int {
	var match func(x sqlObject, filter fc.ID) bool
	candidates := w.objects[fc.KindAccount]
	switch kind {
	case fc.KindOrganization:
		candidates = w.objects[fc.KindOrganization]
		match = func(x sqlObject, filter fc.ID) bool { return w.parent[x.id] == filter }
	case fc.KindAccount:
		candidates = w.objects[fc.KindOrganization]
		match = func(x sqlObject, filter fc.ID) bool { return slices.Contains(w.m.Owner(x.as).OrgPath, filter) }
	case fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup, fc.KindStation:
		match = func(x sqlObject, filter fc.ID) bool { return w.m.Owner(x.as).AccountID == filter }
	default:
		return 0
	}
	key := fmt.Sprintf("%s %d %s %s", kind, u.ProviderID, reachKey(reach), reachKey(homes))
	filter := candidates[pageSize(key, 1<<20)%len(candidates)].id
	got := w.list(t, kind, u.ProviderID, reach, homes, filter)
	var ids []fc.ID
	want := map[fc.ID]bool{}
	for _, x := range w.objects[kind] {
		ids = append(ids, x.id)
		want[x.id] = visible[x.id] && match(x, filter)
	}
	return compare(fail, fmt.Sprintf("user %d %s: %s list filtered by %d (reach %+v)", u.ID, p, kind, filter, reach), got.ids,
		func(id fc.ID) bool { return want[id] }, ids)
}

// auditVisible reports whether the model lets u see event e under one
// permission p taken for every kind (store.AuditEvents): on the account the
// event names for the assets of accounts and stations, on the organization
// for organizations, on either for role assignments and users, on either
// side for sessions, and provider-wide for any other kind.
func (w *sqlWorld) auditVisible(u fc.User, p access.Permission, e auditRow) bool {
	return w.auditSits(u, p, e) || e.kind == fc.KindSession && w.sessionSide(u, p, p, p, e.object)
}

// auditSits reports whether u holds p where event e sits: the account,
// organization or provider it names, as its kind reads it. A session event
// sits on no such place: sessionSide judges it.
func (w *sqlWorld) auditSits(u fc.User, p access.Permission, e auditRow) bool {
	if e.provider != u.ProviderID {
		return false
	}
	provider := w.m.Allowed(u.ID, p, accesstest.Object{Kind: fc.KindProvider, ProviderID: e.provider, ID: e.provider})
	account := e.account != 0 && w.m.Allowed(u.ID, p, accesstest.Object{Kind: fc.KindAccount, ProviderID: e.provider, ID: e.account})
	org := e.org != 0 && w.m.Allowed(u.ID, p, accesstest.Object{Kind: fc.KindOrganization, ProviderID: e.provider, ID: e.org})
	switch e.kind {
	case fc.KindOrganization:
		return org
	case fc.KindAccount, fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup, fc.KindStation:
		return account
	case fc.KindUser, fc.KindAssignment, access.KindMigration:
		return provider || account || org
	case fc.KindSession:
		return false
	}
	return provider
}

// sessionSide reports whether u reads session id through a side on which it
// holds both that side's permission (card or station) and audit.
func (w *sqlWorld) sessionSide(u fc.User, card, station, audit access.Permission, id fc.ID) bool {
	for _, x := range w.sessions {
		if x.id == id {
			return x.provider == u.ProviderID &&
				(w.side(u, card, x.provider, x.cardAccount) && w.side(u, audit, x.provider, x.cardAccount) ||
					w.side(u, station, x.provider, x.stationAccount) && w.side(u, audit, x.provider, x.stationAccount))
		}
	}
	return false
}

// auditReadable reports whether the model lets u read event e with its
// roles: audit.read where the event sits and the read permission of its
// kind there too (access.ReadPermission); a station also at the home of an
// employee of an account where u holds stations.home.read and audit.read;
// a session through a side u reads with audit.read on it; an event of a
// kind without a read permission only with a provider-wide audit.read.
func (w *sqlWorld) auditReadable(u fc.User, e auditRow) bool {
	switch e.kind {
	case fc.KindSession:
		return w.sessionSide(u, access.SessionsCardSideRead, access.SessionsStationSideRead, access.AuditRead, e.object)
	case fc.KindStation:
		if home := w.stationHome[e.object]; home != 0 && e.provider == u.ProviderID {
			at := accesstest.Object{Kind: fc.KindAccount, ProviderID: e.provider, ID: home}
			if w.m.Allowed(u.ID, access.StationsHomeRead, at) && w.m.Allowed(u.ID, access.AuditRead, at) {
				return true
			}
		}
	}
	p, ok := access.ReadPermission(e.kind)
	if !ok {
		return w.auditSits(u, access.AuditRead, e) // provider-wide, for a kind auditSits does not know either
	}
	return w.auditSits(u, access.AuditRead, e) && w.auditSits(u, p, e)
}

// checkAudit checks the audit log as u reads it (access.AuditScopeFor):
// exactly the events the model lets u read (auditReadable), and the events
// of sessions u reads only from the station side masked as the sessions
// are: no account on the event, and no card, card account, driver, tag or
// full card number in its bodies.
func (w *sqlWorld) checkAudit(t *testing.T, fail func(string, ...any), u fc.User, sub access.Subject) int {
	sc := access.AuditScopeFor(sub)
	key := fmt.Sprintf("audit of user %d", u.ID)
	rows := pages(t, key, pageSize(key, 60), func(pg fc.Page) ([]fc.AuditEvent, error) {
		return w.s.AuditLog(context.Background(), sc, fc.AuditFilter{Page: pg})
	}, func(x *fc.AuditEvent) fc.ID { return x.ID })
	got := map[fc.ID]fc.AuditEvent{}
	listed := map[fc.ID]bool{}
	for _, e := range rows {
		got[e.ID], listed[e.ID] = e, true
	}
	all := make([]fc.ID, len(w.audit))
	byID := map[fc.ID]auditRow{}
	for i, e := range w.audit {
		all[i], byID[e.id] = e.id, e
	}
	checks := compare(fail, fmt.Sprintf("user %d: audit log", u.ID), listed, func(id fc.ID) bool { return w.auditReadable(u, byID[id]) }, all)
	for _, x := range w.sessions {
		e, ok := w.sessionEvent(got, x.id)
		if !ok {
			continue
		}
		checks++
		masked := !w.side(u, access.SessionsCardSideRead, x.provider, x.cardAccount)
		var body fc.Session
		if err := json.Unmarshal([]byte(e.After), &body); err != nil {
			fail("user %d: event %d of session %d: body %q: %v", u.ID, e.ID, x.id, e.After, err)
			continue
		}
		body.CardMasked = masked
		checkMasking(fail, fmt.Sprintf("user %d, event %d", u.ID, e.ID), x, body, masked)
		if masked && (e.AccountID != 0 || e.OrganizationID != 0 || x.idTag != "" && strings.Contains(e.After, x.idTag) ||
			len(x.externalID) > 4 && strings.Contains(e.After, x.externalID)) {
			fail("user %d: event %d of masked session %d names account %d, organization %d, or its card: %s", u.ID, e.ID, x.id, e.AccountID, e.OrganizationID, e.After)
		}
	}
	return checks
}

// sessionEvent returns the event of session id among the events read.
func (w *sqlWorld) sessionEvent(got map[fc.ID]fc.AuditEvent, id fc.ID) (fc.AuditEvent, bool) {
	for _, e := range got {
		if e.ObjectType == fc.KindSession && e.ObjectID == id {
			return e, true
		}
	}
	return fc.AuditEvent{}, false
}

// cardSide reports whether the model lets u see, through p, the card side
// of session x: on its card's account, or on the employee the session
// recorded (a driver on that employee).
func (w *sqlWorld) cardSide(u fc.User, p access.Permission, x sqlSession) bool {
	return w.side(u, p, x.provider, x.cardAccount) ||
		x.employee != 0 && x.provider == u.ProviderID && w.m.HoldsOnEmployee(u.ID, p, x.employee)
}

// side reports whether the model lets u see, through p, the side of a
// session of the provider that account holds. A side outside the provider
// (account 0: an idTag no card has, a foreign location) is reached by
// provider-wide grants only: the session itself is in the provider, and
// nothing in it is foreign to the provider's own staff.
func (w *sqlWorld) side(u fc.User, p access.Permission, provider, account fc.ID) bool {
	if account == 0 {
		return w.m.Allowed(u.ID, p, accesstest.Object{Kind: fc.KindProvider, ProviderID: provider, ID: provider})
	}
	return w.m.Allowed(u.ID, p, accesstest.Object{Kind: fc.KindAccount, ProviderID: provider, ID: account})
}

// checkMasking checks that a session shows its card exactly when it is not
// masked, and when masked carries nothing of its card side (no card, card
// account, driver or tag) but the last four characters of the card's number.
func checkMasking(fail func(string, ...any), who string, want sqlSession, got fc.Session, masked bool) {
	if got.CardMasked != masked {
		fail("%s: session %d (card side %d, station side %d): masked = %v, want %v", who, want.id, want.cardAccount, want.stationAccount, got.CardMasked, masked)
		return
	}
	if got.StationAccountID != want.stationAccount {
		fail("%s: session %d: station side %d, want %d", who, want.id, got.StationAccountID, want.stationAccount)
	}
	if !masked {
		if got.CardAccountID != want.cardAccount || got.CardID != want.card || got.IDTag != want.idTag || got.ExternalID != want.externalID || got.EmployeeID != want.employee {
			fail("%s: session %d shows card side %d, card %d, tag %q, number %q, employee %d; want %d, %d, %q, %q, %d", who, want.id,
				got.CardAccountID, got.CardID, got.IDTag, got.ExternalID, got.EmployeeID, want.cardAccount, want.card, want.idTag, want.externalID, want.employee)
		}
		return
	}
	if got.CardID != 0 || got.CardAccountID != 0 {
		fail("%s: masked session %d names card %d of account %d", who, want.id, got.CardID, got.CardAccountID)
	}
	keep := max(len(want.externalID)-4, 0)
	if len(want.externalID) <= 4 {
		keep = len(want.externalID)
	}
	wantExternal := strings.Repeat("*", keep) + want.externalID[keep:]
	if got.IDTag != "" || got.EmployeeID != 0 || got.ExternalID != wantExternal {
		fail("%s: masked session %d shows tag %q, card %q, employee %d", who, want.id, got.IDTag, got.ExternalID, got.EmployeeID)
	}
}

// checkHomeStations checks the home rule on its own: a station scope of
// nothing but HomesOf lists exactly the stations at the homes of employees
// of accounts where u holds stations.home.read.
func (w *sqlWorld) checkHomeStations(t *testing.T, fail func(string, ...any), u fc.User, sub access.Subject) int {
	homes := access.StationScopeFor(sub).HomesOf
	got := w.list(t, fc.KindStation, u.ProviderID, fc.Reach{}, homes, 0)
	want := map[fc.ID]bool{}
	var ids []fc.ID
	for _, st := range w.m.World().Stations {
		ids = append(ids, st.ID)
		want[st.ID] = st.HomeOfAccountID != 0 &&
			w.m.Allowed(u.ID, access.StationsHomeRead, accesstest.Object{Kind: fc.KindAccount, ProviderID: st.ProviderID, ID: st.HomeOfAccountID})
	}
	return compare(fail, fmt.Sprintf("user %d: stations at homes (%+v)", u.ID, homes), got.ids, func(id fc.ID) bool { return want[id] }, ids)
}

// checkSessions checks the sessions under SessionScopeFor: visible exactly
// when the model lets u see either side, masked exactly when only the
// station side, and DecideSession on the owners of both sides agrees.
func (w *sqlWorld) checkSessions(t *testing.T, fail func(string, ...any), u fc.User, sub access.Subject) int {
	sc := access.SessionScopeFor(sub)
	got := w.listSessions(t, sc, fc.SessionFilter{})
	key := fmt.Sprintf("%d %s %s", u.ProviderID, reachKey(sc.CardSide), reachKey(sc.StationSide))
	// The filters name accounts, an employee and a card of sessions the
	// user sees when there are some (the station side's account; the card's
	// account, its employee and the card itself of a masked session), so
	// that they match something, or would if masking leaked.
	accounts, employees := w.objects[fc.KindAccount], w.objects[fc.KindEmployee]
	f := fc.SessionFilter{AccountID: accounts[pageSize(key, 1<<20)%len(accounts)].id}
	maskedAccount := accounts[pageSize(key+"m", 1<<20)%len(accounts)].id
	if len(employees) > 0 {
		f.EmployeeID = employees[pageSize(key+"e", 1<<20)%len(employees)].id
	}
	if cards := w.objects[fc.KindCard]; len(cards) > 0 {
		f.CardID = cards[pageSize(key+"c", 1<<20)%len(cards)].id
	}
	for _, x := range w.sessions {
		if !got.ids[x.id] {
			continue
		}
		if x.stationAccount != 0 {
			f.AccountID = x.stationAccount
		}
		if got.sessions[x.id].CardMasked {
			f.EmployeeID, f.CardID, maskedAccount = cmp.Or(x.employee, f.EmployeeID), cmp.Or(x.card, f.CardID), cmp.Or(x.cardAccount, maskedAccount)
		}
	}
	byAccount := w.listSessions(t, sc, fc.SessionFilter{AccountID: f.AccountID})
	byMaskedAccount := w.listSessions(t, sc, fc.SessionFilter{AccountID: maskedAccount})
	byEmployee := w.listSessions(t, sc, fc.SessionFilter{EmployeeID: f.EmployeeID})
	byCard := w.listSessions(t, sc, fc.SessionFilter{CardID: f.CardID})
	checks := 0
	for _, x := range w.sessions {
		checks++
		card := w.cardSide(u, access.SessionsCardSideRead, x) && x.provider == u.ProviderID
		station := w.side(u, access.SessionsStationSideRead, x.provider, x.stationAccount) && x.provider == u.ProviderID
		if got.ids[x.id] != (card || station) {
			fail("user %d: session %d (provider %d, card side %d, station side %d) listed = %v, want %v", u.ID, x.id, x.provider, x.cardAccount, x.stationAccount, got.ids[x.id], card || station)
			continue
		}
		if card || station {
			checkMasking(fail, fmt.Sprintf("user %d", u.ID), x, got.sessions[x.id], !card)
		}
		// A filter narrows and never widens; the card side's filters (its
		// account, employee and card) only match where the card side is
		// shown, so that none picks out masked sessions.
		for _, a := range []fc.ID{f.AccountID, maskedAccount} {
			l := byAccount
			if a != f.AccountID {
				l = byMaskedAccount
			}
			if want := card && x.cardAccount == a || (card || station) && x.stationAccount == a; l.ids[x.id] != want {
				fail("user %d: session %d (card side %d, station side %d) in the list of account %d = %v, want %v", u.ID, x.id, x.cardAccount, x.stationAccount, a, l.ids[x.id], want)
			}
		}
		if want := card && x.employee == f.EmployeeID; byEmployee.ids[x.id] != want {
			fail("user %d: session %d in the list of employee %d = %v, want %v", u.ID, x.id, f.EmployeeID, byEmployee.ids[x.id], want)
		}
		if want := card && x.card == f.CardID; f.CardID != 0 && byCard.ids[x.id] != want {
			fail("user %d: session %d in the list of card %d = %v, want %v", u.ID, x.id, f.CardID, byCard.ids[x.id], want)
		}
		if x.provider != u.ProviderID {
			continue
		}
		var cardOwner, stationOwner fc.Owner
		if x.cardAccount != 0 {
			cardOwner, _ = w.owner(x.provider, fc.KindAccount, x.cardAccount)
			cardOwner.EmployeeID = x.employee // the card side is the employee's too
		}
		if x.stationAccount != 0 {
			stationOwner, _ = w.owner(x.provider, fc.KindAccount, x.stationAccount)
		}
		d := access.DecideSession(sub, cardOwner, stationOwner)
		if d.Allowed != got.ids[x.id] || d.Allowed && d.Masked != got.sessions[x.id].CardMasked {
			fail("user %d: session %d: DecideSession allows = %v, masked = %v; the listing holds it = %v, masked = %v (%s)",
				u.ID, x.id, d.Allowed, d.Masked, got.ids[x.id], got.sessions[x.id].CardMasked, d.Reason)
		}
	}
	return checks
}

// checkGets reads every object of both providers by ID under the scope of
// the permission that guards reading it, and an ID no object has: each is
// found exactly when the model lets u see it, and not_found otherwise. The
// model is asked first; the reads then run a few at a time, since each is a
// transaction of its own and waits mostly on the database.
func (w *sqlWorld) checkGets(t *testing.T, fail func(string, ...any), u fc.User, sub access.Subject) int {
	ctx := context.Background()
	s := w.s
	scope := func(p access.Permission) fc.Scope { return access.ScopeFor(sub, p) }
	gets := []struct {
		kind string
		perm access.Permission
		get  func(id fc.ID) (fc.ID, error)
	}{
		{fc.KindOrganization, access.OrganizationsRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.Organization(ctx, scope(access.OrganizationsRead), id)
			return idOf(x, err, func(x *fc.Organization) fc.ID { return x.ID })
		}},
		{fc.KindAccount, access.AccountsRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.Account(ctx, scope(access.AccountsRead), id)
			return idOf(x, err, func(x *fc.Account) fc.ID { return x.ID })
		}},
		{fc.KindEmployee, access.EmployeesRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.Employee(ctx, scope(access.EmployeesRead), id)
			return idOf(x, err, func(x *fc.Employee) fc.ID { return x.ID })
		}},
		{fc.KindCard, access.CardsRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.Card(ctx, scope(access.CardsRead), id)
			return idOf(x, err, func(x *fc.Card) fc.ID { return x.ID })
		}},
		{fc.KindLocation, access.LocationsRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.Location(ctx, scope(access.LocationsRead), id)
			return idOf(x, err, func(x *fc.Location) fc.ID { return x.ID })
		}},
		{fc.KindChargeGroup, access.ChargeGroupsRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.ChargeGroup(ctx, scope(access.ChargeGroupsRead), id)
			return idOf(x, err, func(x *fc.ChargeGroup) fc.ID { return x.ID })
		}},
		{fc.KindStation, access.StationsRead, func(id fc.ID) (fc.ID, error) {
			x, err := s.Station(ctx, access.StationScopeFor(sub), id)
			return idOf(x, err, func(x *fc.Station) fc.ID { return x.ID })
		}},
		{fc.KindUser, access.UsersManage, func(id fc.ID) (fc.ID, error) {
			x, err := s.User(ctx, scope(access.UsersManage), id)
			return idOf(x, err, func(x *fc.User) fc.ID { return x.ID })
		}},
	}
	type read struct {
		what       string
		id         fc.ID
		want       bool
		get        func() (fc.ID, error)
		session    *sqlSession // for a session read: the session, and whether it must be masked
		masked     bool
		got        fc.ID
		gotSession *fc.Session
		err        error
	}
	var reads []*read
	for _, g := range gets {
		for _, x := range append(w.objects[g.kind], sqlObject{kind: g.kind, id: 1 << 40}) {
			reads = append(reads, &read{what: fmt.Sprintf("%s %d with %s", g.kind, x.id, g.perm), id: x.id,
				want: x.provider != 0 && w.visible(u, g.perm, x), get: func() (fc.ID, error) { return g.get(x.id) }})
		}
	}
	sc := access.SessionScopeFor(sub)
	for _, x := range append(w.sessions, sqlSession{id: 1 << 40}) {
		card := x.provider == u.ProviderID && w.cardSide(u, access.SessionsCardSideRead, x)
		station := x.provider == u.ProviderID && w.side(u, access.SessionsStationSideRead, x.provider, x.stationAccount)
		rd := &read{what: fmt.Sprintf("session %d (card side %d, station side %d)", x.id, x.cardAccount, x.stationAccount),
			id: x.id, want: card || station, session: &x, masked: !card}
		rd.get = func() (fc.ID, error) {
			got, err := s.Session(ctx, sc, x.id)
			rd.gotSession = got
			return idOf(got, err, func(x *fc.Session) fc.ID { return x.ID })
		}
		reads = append(reads, rd)
	}
	var wg sync.WaitGroup
	next := make(chan *read)
	for range 4 {
		wg.Go(func() {
			for rd := range next {
				rd.got, rd.err = rd.get()
			}
		})
	}
	for _, rd := range reads {
		next <- rd
	}
	close(next)
	wg.Wait()
	for _, rd := range reads {
		switch {
		case rd.err != nil && !fc.IsCode(rd.err, fc.ENotFound):
			fail("user %d reads %s: %v", u.ID, rd.what, rd.err)
		case (rd.err == nil) != rd.want:
			fail("user %d reads %s: err = %v, want visible = %v", u.ID, rd.what, rd.err, rd.want)
		case rd.err == nil && rd.got != rd.id:
			fail("user %d reads %s: got ID %d", u.ID, rd.what, rd.got)
		case rd.err == nil && rd.session != nil:
			checkMasking(fail, fmt.Sprintf("user %d reads", u.ID), *rd.session, *rd.gotSession, rd.masked)
		}
	}
	return len(reads)
}

func idOf[T any](x *T, err error, id func(*T) fc.ID) (fc.ID, error) {
	if err != nil {
		return 0, err
	}
	return id(x), nil
}
