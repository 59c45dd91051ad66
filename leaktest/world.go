// Package leaktest builds, for tests, a world whose secrets are planted as
// marker strings: every driver's name and e-mail, every card's internal and
// printed IDs, every tariff, every station password and every password hash
// is a value that occurs nowhere else, each with the personas that may read
// it by the access rules (docs/ROLES.md). A test that walks every route as
// every persona then searches each response for the markers its persona
// may not read: a substring search over the raw body finds a leak in JSON,
// CSV, XLSX and HTML alike, wherever the value went.
package leaktest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
)

// The personas, each a user with an API token and a web password.
const (
	Admin         = "admin"          // provider admin on the whole provider
	Holding       = "holding"        // fleet and facility manager on the holding
	NorthFleet    = "north-fleet"    // fleet manager on North
	NorthFacility = "north-facility" // facility manager on North
	NorthAdmin    = "north-admin"    // account admin of North's company account
	SouthFleet    = "south-fleet"    // fleet manager on South
	SouthFacility = "south-facility" // facility manager on South
	NorthDriver   = "north-driver"   // driver on North's employee
	Other         = "other"          // provider admin of another provider
	Nobody        = "nobody"         // a user of the provider without roles
)

// Personas lists every persona.
var Personas = []string{Admin, Holding, NorthFleet, NorthFacility, NorthAdmin, SouthFleet, SouthFacility, NorthDriver, Other, Nobody}

// Object kinds, as the audit log names them.
const (
	KindOrganization   = "organization"
	KindAccount        = "account"
	KindEmployee       = "employee"
	KindCard           = "card"
	KindLocation       = "location"
	KindChargeGroup    = "charge_group"
	KindStation        = "station"
	KindSession        = "session"
	KindUser           = "user"
	KindRoleAssignment = "role_assignment"
	KindAuditEvent     = "audit_event"
	KindInvoice        = "invoice"
)

// Object is a stored object with the personas that may read it.
type Object struct {
	Kind, Name string
	ID         fc.ID
	Readers    []string
}

// Marker is a planted value with the personas that may read it.
type Marker struct {
	Value, What string
	Readers     []string
}

// World is the data: a holding with two subsidiaries, North and South, each
// with a company account holding an employee, a card, an office location, a
// charge group and a station; North's employee also has a home with a
// station in a home charge group, a reimbursement rate and a statement, and
// signs in as North's driver. A colleague of the same account (N2) has all
// of that too but the sign-in: the driver reads its own employee's things
// and nothing of the colleague's. Sessions run with each card at its own
// station and at the other subsidiary's, so that each side sees sessions
// only from the station side. The provider invoices March 2025: each
// subsidiary pays for its card's session at the other's station and is
// paid, by self-billing, for the other's session at its own; three are
// issued, South's self-billing invoice is a draft. A second provider has
// the same assets. Every
// object is created and then changed once, so that the audit log holds a
// body before and after of every kind.
type World struct {
	Store    *store.Store
	Auth     *auth.Service
	Provider fc.ID
	Foreign  fc.ID // the other provider
	// Password signs every persona in on the web.
	Password string
	Users    map[string]*fc.User // by persona
	Objects  []Object
	Markers  []Marker

	renumbered int64
}

// Period is a period covering every session of the world, as a query.
const Period = "from=2025-01-01&to=2026-01-01"

const password = "leaktest correct horse"

// everyone of the provider with a role.
var staff = []string{Admin, Holding, NorthFleet, NorthFacility, NorthAdmin, SouthFleet, SouthFacility}

// New builds the world on a fresh store.
func New(t testing.TB, st *store.Store) *World {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "leaktest"})
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w := &World{Store: st, Password: password, Users: map[string]*fc.User{}}
	w.Auth = auth.New(st, auth.Config{})
	p, q := &fc.Provider{Name: "Logistics CPO"}, &fc.Provider{Name: "Other CPO"}
	check(st.CreateProvider(ctx, p))
	check(st.CreateProvider(ctx, q))
	w.Provider, w.Foreign = p.ID, q.ID
	sc := fc.ProviderScope(p.ID)

	// Who reads what, by the table of docs/ROLES.md.
	var (
		northOrgs  = []string{Admin, Holding, NorthFleet, NorthFacility, NorthAdmin}
		southOrgs  = []string{Admin, Holding, SouthFleet, SouthFacility}
		northFleet = []string{Admin, Holding, NorthFleet, NorthAdmin}
		// what is North's employee's own: its fleet's, and its driver's
		northOwn    = union(northFleet, []string{NorthDriver})
		southFleet  = []string{Admin, Holding, SouthFleet}
		northFacil  = []string{Admin, Holding, NorthFacility, NorthAdmin}
		southFacil  = []string{Admin, Holding, SouthFacility}
		holdingOnly = []string{Admin, Holding}
		foreign     = []string{Other}
	)
	// The IDs of accounts, employees and cards are distinctive too, and
	// read by more than read the objects: an account's ID by the card side
	// of the sessions on its stations (as station_account_id), an
	// employee's by the readers of its home (as its employee_id).
	idReaders := map[string][]string{
		"H account": holdingOnly, "N account": union(northOrgs, []string{SouthFleet, NorthDriver}),
		"S account": union(southOrgs, []string{NorthFleet, NorthAdmin, NorthDriver}), "O account": foreign,
		"N employee": union(northOwn, northFacil), "S employee": southFleet, "O employee": foreign,
		"N2 employee": union(northFleet, northFacil),
	}
	mark := func(what, value string, readers []string) string {
		w.Markers = append(w.Markers, Marker{Value: value, What: what, Readers: readers})
		return value
	}
	object := func(kind, name string, id fc.ID, readers ...[]string) fc.ID {
		w.Objects = append(w.Objects, Object{Kind: kind, Name: name, ID: id, Readers: union(readers...)})
		return id
	}

	// An organization's name shows in the organization path of what is in
	// it, so more read the name than the organization.
	org := func(providerID, parent fc.ID, name string, nameReaders, readers []string) fc.ID {
		o := &fc.Organization{ProviderID: providerID, ParentID: parent, Name: mark(name+" organization's name", "LEAK-"+name+"-orgname-7f3a", nameReaders)}
		check(st.CreateOrganization(ctx, o))
		_, err := st.UpdateOrganization(ctx, fc.ProviderScope(providerID), o.ID, func(o *fc.Organization) error {
			o.Country = "NL"
			return nil
		})
		check(err)
		return object(KindOrganization, name, o.ID, readers)
	}
	// North's driver reads its employer's name on its statements.
	account := func(providerID, orgID fc.ID, name string, readers []string) fc.ID {
		nameReaders := readers
		if name == "N" {
			nameReaders = union(readers, []string{NorthDriver})
		}
		a := &fc.Account{ProviderID: providerID, OrganizationID: orgID, Kind: fc.AccountCompany,
			Name:         mark(name+" account's name", "LEAK-"+name+"-accname-7f3a", nameReaders),
			BillingEmail: mark(name+" account's billing e-mail", "leak-"+name+"-billing-7f3a@mail.example", readers),
			Country:      "NL", IBAN: "NL91ABNA0417164300"}
		check(st.CreateAccount(ctx, a))
		a.ID = w.renumber(t, "accounts", KindAccount, name, a.ID, idReaders[name+" account"])
		return object(KindAccount, name, a.ID, readers)
	}
	holding := org(p.ID, 0, "H", staff, holdingOnly)
	north := org(p.ID, holding, "N", northOrgs, []string{Admin, Holding, NorthFleet, NorthFacility})
	south := org(p.ID, holding, "S", southOrgs, southOrgs)
	account(p.ID, holding, "H", holdingOnly)
	northAcc := account(p.ID, north, "N", northOrgs)
	southAcc := account(p.ID, south, "S", southOrgs)
	otherOrg := org(q.ID, 0, "O", foreign, foreign)
	otherAcc := account(q.ID, otherOrg, "O", foreign)

	// assets plants the assets of one account.
	type assets struct{ employee, card, office, group, station fc.ID }
	tariffs := map[string][3]int64{
		"N": {417293, 31927, 1290371}, "S": {582931, 47183, 2610947},
		"NH": {391827, 18263, 3104729}, "O": {273645, 61529, 4718293},
	}
	// A session shows where it was, its location's name and its station's
	// identity, to both sides: they are read by the readers of the place
	// and the card side of the sessions there (see below).
	sites := map[string][]string{
		"N":   union(northFacil, northOwn, southFleet),
		"S":   union(southFacil, southFleet, northOwn),
		"NH":  union(northFacil, northOwn),
		"N2H": union(northFacil, northFleet),
		"O":   foreign,
	}
	group := func(providerID, accountID fc.ID, name, kind string, readers []string) fc.ID {
		tf := tariffs[name]
		mark(name+" tariff per kWh", micros(tf[0]), readers)
		mark(name+" tariff per minute", micros(tf[1]), readers)
		mark(name+" tariff start fee", micros(tf[2]), readers)
		g := &fc.ChargeGroup{ProviderID: providerID, AccountID: accountID, Kind: kind, Access: fc.AccessPublic,
			Name:   mark(name+" charge group's name", "LEAK-"+name+"-groupname-7f3a", readers),
			Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: tf[0], PerMinuteMicros: tf[1], StartFeeMicros: 1}}
		check(st.CreateChargeGroup(ctx, g))
		_, err := st.UpdateChargeGroup(ctx, fc.ProviderScope(providerID), g.ID, func(g *fc.ChargeGroup) error {
			g.Tariff.StartFeeMicros = tf[2]
			return nil
		})
		check(err)
		return object(KindChargeGroup, name, g.ID, readers)
	}
	station := func(providerID, accountID, locationID, groupID fc.ID, name string, readers []string) fc.ID {
		s := &fc.Station{ProviderID: providerID, AccountID: accountID, LocationID: locationID, ChargeGroupID: groupID,
			Identity:     mark(name+" station's identity", "LEAK-"+name+"-identity-7f3a", sites[name]),
			SerialNumber: mark(name+" station's serial number", "LEAK-"+name+"-serial-7f3a", readers),
			PasswordHash: mark(name+" station's first password hash", secret.HashPassword("LEAK-"+name+"-stationpw1-7f3a"), nil)}
		check(st.CreateStation(ctx, s, 2))
		_, err := st.UpdateStation(ctx, fc.ProviderScope(providerID), s.ID, func(s *fc.Station) error {
			s.PasswordHash = mark(name+" station's password hash", secret.HashPassword("LEAK-"+name+"-stationpw2-7f3a"), nil)
			s.Firmware = "1.2.3"
			return nil
		})
		check(err)
		return object(KindStation, name, s.ID, readers)
	}
	plant := func(providerID, accountID fc.ID, name string, fleet, facility []string) assets {
		var a assets
		e := &fc.Employee{ProviderID: providerID, AccountID: accountID, Active: true,
			Name:           mark(name+" employee's name", "LEAK-"+name+"-empname-7f3a", fleet),
			Email:          mark(name+" employee's e-mail", "leak-"+name+"-empmail-7f3a@mail.example", fleet),
			EmployeeNumber: mark(name+" employee's first number", "LEAK-"+name+"-empno1-7f3a", fleet)}
		check(st.CreateEmployee(ctx, e))
		e.ID = w.renumber(t, "employees", KindEmployee, name, e.ID, idReaders[name+" employee"])
		_, err := st.UpdateEmployee(ctx, fc.ProviderScope(providerID), e.ID, func(e *fc.Employee) error {
			e.EmployeeNumber = mark(name+" employee's number", "LEAK-"+name+"-empno2-7f3a", fleet)
			return nil
		})
		check(err)
		a.employee = object(KindEmployee, name, e.ID, fleet)
		// The printed ID keeps its last four characters when masked: the
		// marker is the rest.
		c := &fc.Card{ProviderID: providerID, AccountID: accountID, EmployeeID: e.ID, Status: fc.CardActive,
			InternalID: mark(name+" card's internal ID", "LEAK-"+name+"-int-7f3a", fleet),
			ExternalID: mark(name+" card's printed ID", "LEAK-"+name+"-ext-7f3a", fleet) + "-0001"}
		check(st.CreateCard(ctx, c))
		c.ID = w.renumber(t, "cards", KindCard, name, c.ID, fleet)
		_, err = st.UpdateCard(ctx, fc.ProviderScope(providerID), c.ID, func(c *fc.Card) error {
			c.Status = fc.CardInactive
			return nil
		})
		check(err)
		_, err = st.UpdateCard(ctx, fc.ProviderScope(providerID), c.ID, func(c *fc.Card) error {
			c.Status = fc.CardActive
			return nil
		})
		check(err)
		a.card = object(KindCard, name, c.ID, fleet)
		l := &fc.Location{ProviderID: providerID, AccountID: accountID, Kind: fc.LocationOffice,
			Name:    mark(name+" office's name", "LEAK-"+name+"-office-7f3a", sites[name]),
			Address: mark(name+" office's address", "LEAK-"+name+"-officeaddr-7f3a", facility)}
		check(st.CreateLocation(ctx, l))
		_, err = st.UpdateLocation(ctx, fc.ProviderScope(providerID), l.ID, func(l *fc.Location) error {
			l.City = "Springfield"
			l.MaxPowerW = 22000 // load management: the office's page shows its division
			return nil
		})
		check(err)
		a.office = object(KindLocation, name+" office", l.ID, facility)
		a.group = group(providerID, accountID, name, fc.GroupOther, facility)
		a.station = station(providerID, accountID, l.ID, a.group, name, facility)
		return a
	}
	n := plant(p.ID, northAcc, "N", northOwn, northFacil)
	s := plant(p.ID, southAcc, "S", southFleet, southFacil)
	o := plant(q.ID, otherAcc, "O", foreign, foreign)

	// North's employee lives at a home with a station: North's fleet
	// manager reads that station (stations.home.read), not its charge
	// group, its tariff nor its location.
	home := &fc.Location{ProviderID: p.ID, AccountID: northAcc, Kind: fc.LocationHome, EmployeeID: n.employee,
		Name:    mark("N home's name", "LEAK-NH-home-7f3a", sites["NH"]),
		Address: mark("N home's address", "LEAK-NH-homeaddr-7f3a", union(northFacil, []string{NorthDriver}))}
	check(st.CreateLocation(ctx, home))
	object(KindLocation, "NH", home.ID, union(northFacil, []string{NorthDriver}))
	homeGroup := group(p.ID, northAcc, "NH", fc.GroupHome, northFacil)
	homeStation := station(p.ID, northAcc, home.ID, homeGroup, "NH", union(northFacil, []string{NorthFleet, NorthDriver}))

	// North's other employee, N2: its own card and home with a station in
	// the same home group, none of which North's driver reads.
	n2 := &fc.Employee{ProviderID: p.ID, AccountID: northAcc, Active: true,
		Name:           mark("N2 employee's name", "LEAK-N2-empname-7f3a", northFleet),
		Email:          mark("N2 employee's e-mail", "leak-n2-empmail-7f3a@mail.example", northFleet),
		EmployeeNumber: mark("N2 employee's number", "LEAK-N2-empno-7f3a", northFleet)}
	check(st.CreateEmployee(ctx, n2))
	n2.ID = w.renumber(t, "employees", KindEmployee, "N2", n2.ID, idReaders["N2 employee"])
	object(KindEmployee, "N2", n2.ID, northFleet)
	n2card := &fc.Card{ProviderID: p.ID, AccountID: northAcc, EmployeeID: n2.ID, Status: fc.CardActive,
		InternalID: mark("N2 card's internal ID", "LEAK-N2-int-7f3a", northFleet),
		ExternalID: mark("N2 card's printed ID", "LEAK-N2-ext-7f3a", northFleet) + "-0002"}
	check(st.CreateCard(ctx, n2card))
	n2card.ID = w.renumber(t, "cards", KindCard, "N2", n2card.ID, northFleet)
	object(KindCard, "N2", n2card.ID, northFleet)
	home2 := &fc.Location{ProviderID: p.ID, AccountID: northAcc, Kind: fc.LocationHome, EmployeeID: n2.ID,
		Name:    mark("N2 home's name", "LEAK-N2H-home-7f3a", sites["N2H"]),
		Address: mark("N2 home's address", "LEAK-N2H-homeaddr-7f3a", northFacil)}
	check(st.CreateLocation(ctx, home2))
	object(KindLocation, "N2H", home2.ID, northFacil)
	home2Station := station(p.ID, northAcc, home2.ID, homeGroup, "N2H", union(northFacil, []string{NorthFleet}))

	// Sessions: each card at its own station, at the other subsidiary's,
	// and North's at the home. The id_tag is the card's internal ID.
	day := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	session := func(providerID fc.ID, name string, card, station fc.ID, readers ...[]string) {
		start := day
		day = day.Add(24 * time.Hour)
		stop := start.Add(90 * time.Minute)
		x := &fc.Session{ProviderID: providerID, ExternalRef: "leaktest-" + name, CardID: card, StationID: station, ConnectorID: 1,
			StartedAt: start, StoppedAt: &stop, EnergyWh: 12345, CostMinor: 432, Currency: "EUR"}
		_, err := st.ImportSession(ctx, x)
		check(err)
		object(KindSession, name, x.ID, readers...)
	}
	session(p.ID, "N@N", n.card, n.station, northOwn, northFacil)
	session(p.ID, "N@S", n.card, s.station, northOwn, southFacil)
	session(p.ID, "S@N", s.card, n.station, southFleet, northFacil)
	session(p.ID, "S@S", s.card, s.station, southFleet, southFacil)
	session(p.ID, "N@NH", n.card, homeStation, northOwn, northFacil)
	session(p.ID, "N2@N", n2card.ID, n.station, northFleet, northFacil)
	session(p.ID, "N2@N2H", n2card.ID, home2Station, northFleet, northFacil)
	// A colleague's card at the driver's home: the station side's, and the
	// colleague's fleet's, not the driver's.
	session(p.ID, "N2@NH", n2card.ID, homeStation, northFleet, northFacil)

	// Both employees are reimbursed for their home charging: a rate each,
	// and the statements of March 2025.
	for _, r := range []struct {
		employee fc.ID
		per      int64
		readers  []string
	}{{n.employee, 271937, northOwn}, {n2.ID, 318463, northFleet}} {
		rate := &fc.ReimbursementRate{ProviderID: p.ID, EmployeeID: r.employee, PerKWhMicros: r.per, Currency: "EUR", ValidFrom: "2025-01-01"}
		check(st.CreateReimbursementRate(ctx, rate))
		mark("a reimbursement rate", micros(r.per), r.readers)
	}
	_, err := st.GenerateReimbursementStatements(ctx, sc, "2025-03")
	check(err)

	// The invoices of March 2025: read with invoices.read on the account,
	// the self-billing ones also with invoices.self_billing.read, drafts
	// only by provider admins.
	_, err = st.UpdateProvider(ctx, p.ID, func(p *fc.Provider) error {
		p.Billing = fc.ProviderBilling{LegalName: "Logistics CPO B.V.", VATID: "NL123456789B01", Address: "Stationsplein 1",
			PostalCode: "3511 AA", City: "Utrecht", Country: "NL", IBAN: "NL91ABNA0417164300", VATRateBP: 2100, InvoicePrefix: "LEAKINV",
			SelfBillingFeeBP: 1000}
		return nil
	})
	check(err)
	invs, err := st.RunInvoices(ctx, sc, "2025-03", false)
	check(err)
	invoiceReaders := map[string][]string{
		fc.InvoiceKindInvoice + "/" + northAcc.String():     northFleet,
		fc.InvoiceKindInvoice + "/" + southAcc.String():     southFleet,
		fc.InvoiceKindSelfBilling + "/" + northAcc.String(): union(northFleet, northFacil),
		fc.InvoiceKindSelfBilling + "/" + southAcc.String(): union(southFleet, southFacil),
	}
	if len(invs) != len(invoiceReaders) {
		t.Fatalf("leaktest: %d invoices of March 2025, want %d", len(invs), len(invoiceReaders))
	}
	for _, inv := range invs {
		name := inv.Kind + "/" + inv.AccountID.String()
		readers, ok := invoiceReaders[name]
		if !ok {
			t.Fatalf("leaktest: an unexpected invoice %s", name)
		}
		if inv.Kind == fc.InvoiceKindSelfBilling && inv.AccountID == southAcc {
			object(KindInvoice, name+" draft", inv.ID, []string{Admin})
			continue
		}
		issued, err := st.IssueInvoice(ctx, sc, inv.ID)
		check(err)
		mark(name+" invoice's number", issued.Number, readers)
		object(KindInvoice, name, issued.ID, readers)
	}
	session(q.ID, "O@O", o.card, o.station, foreign)

	// A running session of South's card at North's office, with the limit
	// load management gave it: North's facility managers see it on the
	// office's load, masked as a foreign card's.
	live, _, liveErr := st.StartTransaction(ctx, fc.StartTransaction{StationID: n.station, ConnectorID: 1,
		IDTag: "LEAK-S-int-7f3a", Timestamp: time.Now().Add(-time.Hour)})
	check(liveErr)
	check(st.RecordAllocations(ctx, p.ID, []fc.SessionAllocation{{SessionID: live.ID, At: time.Now().Add(-time.Hour), LimitW: 11000, Reason: "share"}}))
	object(KindSession, "S@N live", live.ID, southFleet, northFacil)

	// Users: the personas, and a bystander whose name, e-mail and secrets
	// only provider admins may read (and nobody its secrets).
	hash := secret.HashPassword(password)
	mark("the personas' password hash", hash, nil)
	onOrg := func(r fc.Role, id fc.ID) fc.Assignment { return fc.Assignment{Role: r, OrganizationID: id} }
	user := func(name string, providerID fc.ID, u *fc.User, as ...fc.Assignment) *fc.User {
		u.ProviderID, u.PasswordHash = providerID, hash
		check(st.CreateUser(ctx, u))
		for _, a := range as {
			a.UserID = u.ID
			check(st.CreateAssignment(ctx, &a))
			readers := []string{Admin}
			if providerID == q.ID {
				readers = foreign
			}
			object(KindRoleAssignment, name, a.ID, readers)
		}
		return u
	}
	persona := func(name string, providerID fc.ID, as ...fc.Assignment) {
		w.Users[name] = user(name, providerID, &fc.User{Email: name + "@leaktest.example", Name: name}, as...)
	}
	persona(Admin, p.ID, fc.Assignment{Role: fc.RoleProviderAdmin})
	persona(Holding, p.ID, onOrg(fc.RoleFleetManager, holding), onOrg(fc.RoleFacilityManager, holding))
	persona(NorthFleet, p.ID, onOrg(fc.RoleFleetManager, north))
	persona(NorthFacility, p.ID, onOrg(fc.RoleFacilityManager, north))
	persona(NorthAdmin, p.ID, fc.Assignment{Role: fc.RoleAccountAdmin, AccountID: northAcc})
	persona(SouthFleet, p.ID, onOrg(fc.RoleFleetManager, south))
	persona(SouthFacility, p.ID, onOrg(fc.RoleFacilityManager, south))
	persona(NorthDriver, p.ID, fc.Assignment{Role: fc.RoleDriver, EmployeeID: n.employee})
	persona(Other, q.ID, fc.Assignment{Role: fc.RoleProviderAdmin})
	persona(Nobody, p.ID)
	bystander := user("bystander", p.ID, &fc.User{
		Email:      mark("a bystander's e-mail", "leak-user-mail-7f3a@leaktest.example", []string{Admin}),
		Name:       mark("a bystander's name", "LEAK-user-name-7f3a", []string{Admin}),
		TOTPSecret: mark("a bystander's TOTP secret", "LEAKTOTPSECRETSEVENFTHREEA", nil)},
		onOrg(fc.RoleFleetManager, north))
	_, err = st.UpdateUser(ctx, sc, bystander.ID, func(u *fc.User) error {
		u.Name = mark("a bystander's new name", "LEAK-user-newname-7f3a", []string{Admin})
		return nil
	})
	check(err)
	object(KindUser, "bystander", bystander.ID, []string{Admin})
	object(KindUser, "other", w.Users[Other].ID, foreign)
	w.auditObjects(t)
	return w
}

// renumber gives a new object an ID that occurs nowhere else, so that a
// search finds it as it finds the planted values, and plants it as a
// marker: base + ten times the objects renumbered so far, so that SQLite's
// next ID in the table (the largest plus one) is never another's marker.
// Its audit event follows it.
func (w *World) renumber(t testing.TB, table, kind, name string, old fc.ID, readers []string) fc.ID {
	t.Helper()
	w.renumbered++
	id := fc.ID(idBase + 10*w.renumbered)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE ` + table + ` SET id = $1 WHERE id = $2`,
		`UPDATE audit_events SET object_id = $1 WHERE object_id = $2 AND object_type = '` + kind + `'`,
		`UPDATE audit_events SET account_id = $1 WHERE account_id = $2 AND object_type = '` + kind + `' AND '` + kind + `' = 'account'`,
	} {
		if _, err := w.Store.DB().ExecContext(ctx, q, int64(id), int64(old)); err != nil {
			t.Fatalf("renumber %s %d: %v", kind, old, err)
		}
	}
	w.Markers = append(w.Markers, Marker{Value: id.String(), What: name + " " + kind + "'s ID", Readers: readers})
	return id
}

// idBase starts the distinctive IDs: ten digits, below 2^31.
const idBase = 1_730_000_000

// auditObjects adds every audit event about an object of the world: it is
// read by the object's readers that hold audit.read.
func (w *World) auditObjects(t testing.TB) {
	t.Helper()
	rows, err := w.Store.DB().QueryContext(context.Background(),
		`SELECT id, object_type, COALESCE(object_id, 0) FROM audit_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	auditors := []string{Admin, Holding, NorthFleet, NorthFacility, SouthFleet, SouthFacility, Other}
	var events []Object
	for rows.Next() {
		var id, objectID fc.ID
		var kind string
		if err := rows.Scan(&id, &kind, &objectID); err != nil {
			t.Fatal(err)
		}
		for _, o := range w.Objects {
			if o.Kind == kind && o.ID == objectID {
				var readers []string
				for _, r := range o.Readers {
					if slices.Contains(auditors, r) {
						readers = append(readers, r)
					}
				}
				events = append(events, Object{Kind: KindAuditEvent, Name: kind + " " + o.Name, ID: id, Readers: readers})
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	w.Objects = append(w.Objects, events...)
}

// micros renders millionths as a decimal, as the API and the pages do.
func micros(v int64) string {
	return strings.TrimRight(fmt.Sprintf("%d.%06d", v/1e6, v%1e6), "0")
}

func union(sets ...[]string) []string {
	var out []string
	for _, s := range sets {
		for _, x := range s {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// Reads reports whether the persona may read the object.
func (o Object) Reads(persona string) bool { return slices.Contains(o.Readers, persona) }

// Of returns the objects of a kind.
func (w *World) Of(kind string) []Object {
	var out []Object
	for _, o := range w.Objects {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// Forbidden returns the markers the persona may not read.
func (w *World) Forbidden(persona string) []Marker {
	var out []Marker
	for _, m := range w.Markers {
		if !slices.Contains(m.Readers, persona) {
			out = append(out, m)
		}
	}
	return out
}

// Leaks returns the markers found in a response body, without case. A body
// that is a ZIP archive (XLSX) is searched in every file it holds.
func Leaks(body []byte, forbidden []Marker) []Marker {
	text := strings.ToLower(string(body))
	if zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err == nil {
		var b strings.Builder
		for _, f := range zr.File {
			if rc, err := f.Open(); err == nil {
				data, _ := io.ReadAll(rc)
				rc.Close()
				b.Write(data)
				b.WriteByte('\n')
			}
		}
		text = strings.ToLower(b.String())
	}
	var out []Marker
	for _, m := range forbidden {
		if strings.Contains(text, strings.ToLower(m.Value)) {
			out = append(out, m)
		}
	}
	return out
}

// APIToken returns a new API token of the persona.
func (w *World) APIToken(t testing.TB, persona string) string {
	t.Helper()
	token, _, err := w.Auth.CreateAPIToken(context.Background(), w.Users[persona], "leaktest")
	if err != nil {
		t.Fatal(err)
	}
	return token
}
