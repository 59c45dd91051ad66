package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
)

// Sizes say how much Generate makes.
type Sizes struct {
	Orgs, Accounts, Cards, Stations, Sessions int
	// Depth is the most levels the organization tree has; 0 means 8.
	Depth int
	// Days is how far back the sessions reach from Now; 0 means 730.
	Days int
	Seed int64
	// Now is when the sessions end; zero means the present.
	Now time.Time
	// AdminEmail is the e-mail address of the provider admin Generate
	// creates; empty means admin-p{provider ID}@generated.example.
	AdminEmail string
	// AdminPassword is the admin's one-time password, to be changed at
	// the first sign-in; empty means a random one nobody knows.
	AdminPassword string
	// StationPassword, when set, is the OCPP password of every generated
	// station (identities P{provider ID}-S0000001 and on), for load tests;
	// empty means random passwords nobody knows.
	StationPassword string
}

// Generate fills the database with a new synthetic provider of the given
// sizes, for benchmarks: an organization tree of sz.Orgs nodes at most
// sz.Depth deep, accounts spread over it, about one employee per card,
// cards, office and home locations, charge groups, stations with two
// connectors, and sessions over sz.Days days ending at sz.Now with both
// sides filled in. Everything but the provider and its admin goes in through
// the bulk loader; progress, when not nil, hears how many of the total rows
// are stored.
func Generate(ctx context.Context, st *store.Store, sz Sizes, progress func(done, total int64)) error {
	sz = sz.withDefaults()
	if err := sz.check(); err != nil {
		return err
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	ctx = fc.WithActor(ctx, fc.Actor{Label: "generate"})
	g := &generator{sz: sz, rng: rand.New(rand.NewPCG(uint64(sz.Seed), 0x67656e)), now: sz.Now.UTC()} // "gen"
	g.plan()

	p := &fc.Provider{Name: fmt.Sprintf("Synthetic CPO (seed %d, %d sessions)", sz.Seed, sz.Sessions)}
	if err := st.CreateProvider(ctx, p); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if err := g.admin(ctx, st, p); err != nil {
		return fmt.Errorf("generate: %w", err)
	}

	total := g.structureRows() + int64(sz.Sessions)
	var done int64
	progress(0, total)
	err := st.BulkLoad(ctx, p.ID, func(l *store.Loader) error {
		l.Progress = func(n int64) {
			done += n
			progress(done, total)
		}
		return g.insert(l, p.ID)
	})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	base := done
	err = st.BulkSessions(ctx, p.ID, g.sessions, func(n int64) { progress(base+n, total) })
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if err := st.Analyze(ctx); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	return nil
}

func (sz Sizes) withDefaults() Sizes {
	if sz.Depth <= 0 {
		sz.Depth = 8
	}
	if sz.Days <= 0 {
		sz.Days = 730
	}
	if sz.Now.IsZero() {
		sz.Now = time.Now()
	}
	return sz
}

func (sz Sizes) check() error {
	fields := map[string]string{}
	for name, n := range map[string]int{"orgs": sz.Orgs, "accounts": sz.Accounts, "cards": sz.Cards, "stations": sz.Stations, "sessions": sz.Sessions} {
		if n < 0 {
			fields[name] = "must not be negative"
		}
	}
	switch {
	case sz.Orgs == 0 && sz.Accounts+sz.Cards+sz.Stations+sz.Sessions > 0:
		fields["orgs"] = "must be at least 1 to hold accounts"
	case sz.Accounts == 0 && sz.Cards+sz.Stations+sz.Sessions > 0:
		fields["accounts"] = "must be at least 1 to hold cards and stations"
	case sz.Cards == 0 && sz.Sessions > 0:
		fields["cards"] = "must be at least 1 to make sessions"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// Plan of the synthetic provider: every row is planned in memory first, by
// index; the rows' IDs are the reserved first ID of their table plus their
// index.
type (
	genOrg struct {
		parent int // -1 for a top-level organization
		depth  int
		root   int
		stem   string
		cc     *country
		name   string
	}
	genAccount struct {
		org  int
		name string
		kind string
	}
	genEmployee struct {
		account             int
		name, email, number string
		active              bool
		home                int // station at the employee's home, -1 if none
	}
	genCard struct {
		account, employee int // employee -1 for none
		status            string
		until             int64 // ms; 0: usable to the end
	}
	genLocation struct {
		account  int
		kind     string
		name     string
		street   string
		city     city
		cc       *country
		employee int // for a home, -1 otherwise
	}
	genGroup struct {
		account   int
		name      string
		kind      string
		access    string
		tariff    fc.Tariff
		allowOrg  int // -1: none
		allowAcct int // -1: none
	}
	genStation struct {
		account, location, group int
		serial                   string
		vendor, model, firmware  string
		kind                     string // location kind
		powerW                   int64
	}
)

type generator struct {
	sz  Sizes
	rng *rand.Rand
	now time.Time

	orgs      []genOrg
	accounts  []genAccount
	employees []genEmployee
	cards     []genCard
	locations []genLocation
	groups    []genGroup
	stations  []genStation
	closure   int64 // rows of org_closure

	// For the sessions: each account's office and public stations, the
	// stations of public charge groups, and the IDs the rows got.
	accountStations [][]int
	publicStations  []int
	first           map[string]fc.ID
	providerID      fc.ID
}

var stems = []string{"Northwind", "Bluestone", "Kestrel", "Aurora", "Vantage", "Solis", "Halcyon", "Brightwater", "Ironbridge",
	"Lumen", "Corvid", "Tidewater", "Alder", "Juniper", "Falcon", "Summit", "Beacon", "Harbour", "Evergreen", "Granite",
	"Meridian", "Polaris", "Cobalt", "Sterling", "Redwood", "Silverline", "Oakfield", "Windmill", "Zenith", "Horizon"}

var units = []string{"Operations", "Sales", "Logistics", "Services", "Engineering", "Field Service", "Regional Office", "Depot",
	"Division", "Projects", "Maintenance", "Distribution"}

var genCountries = []string{"NL", "DE", "FR", "BE", "GB", "AT", "ES", "IT"}

var officeChargers = []struct{ vendor, model, firmware string }{
	{"Alfen", "Eve Double Pro-line", "6.4.1-4200"},
	{"ABB", "Terra AC W22", "1.8.21"},
	{"Mennekes", "AMTRON Professional", "5.22.3"},
	{"Schneider Electric", "EVlink Pro AC", "3.4.0.12"},
}

// plan draws the whole provider but its sessions.
func (g *generator) plan() {
	g.planOrgs()
	g.planAccounts()
	g.planCards()
	g.planStations()
}

func (g *generator) planOrgs() {
	n := g.sz.Orgs
	roots := max(1, min(n, int(math.Sqrt(float64(n))/2)))
	var parents []int // organizations that may have children
	top := 0          // top-level organizations so far
	for i := range n {
		o := genOrg{parent: -1, root: i}
		if i < roots || len(parents) == 0 {
			o.stem = stems[top%len(stems)]
			if top >= len(stems) {
				o.stem += fmt.Sprintf(" %d", top/len(stems)+1)
			}
			top++
			o.cc = countries[pick(g.rng, genCountries)]
			o.name = o.stem + " Group"
		} else {
			o.parent = parents[g.rng.IntN(len(parents))]
			p := g.orgs[o.parent]
			o.depth, o.root, o.stem, o.cc = p.depth+1, p.root, p.stem, p.cc
			if o.depth == 1 && g.rng.IntN(10) < 3 {
				o.cc = countries[pick(g.rng, genCountries)]
			}
			switch o.depth {
			case 1:
				o.name = fmt.Sprintf("%s %s", o.stem, o.cc.code)
			default:
				o.name = fmt.Sprintf("%s %s %s", o.stem, pick(g.rng, o.cc.cities).name, pick(g.rng, units))
			}
		}
		if o.depth < g.sz.Depth-1 {
			parents = append(parents, i)
		}
		g.orgs = append(g.orgs, o)
		g.closure += int64(o.depth) + 1
	}
}

func (g *generator) planAccounts() {
	perOrg := map[int]int{}
	for i := range g.sz.Accounts {
		o := g.rng.IntN(len(g.orgs))
		if i < len(g.orgs) && i < g.sz.Accounts/2 {
			o = i // every organization has an account, as far as they go
		}
		perOrg[o]++
		org := g.orgs[o]
		a := genAccount{org: o, kind: fc.AccountCompany, name: org.name + " " + org.cc.legalForm}
		if perOrg[o] > 1 {
			a.name += fmt.Sprintf(" (%d)", perOrg[o])
		}
		if g.rng.IntN(20) == 0 {
			a.kind = fc.AccountPrivate
		}
		g.accounts = append(g.accounts, a)
	}
}

// planCards issues the cards, grouped by account as cards are issued in
// batches, nine in ten with an employee of their own.
func (g *generator) planCards() {
	owners := make([]int, g.sz.Cards)
	for i := range owners {
		owners[i] = g.rng.IntN(len(g.accounts))
	}
	slices.Sort(owners)
	span := int64(g.sz.Days) * 24 * 3600 * 1000
	now := g.now.UnixMilli()
	for i, a := range owners {
		c := genCard{account: a, employee: -1, status: fc.CardActive}
		cc := g.orgs[g.accounts[a].org].cc
		if g.rng.IntN(10) < 9 {
			c.employee = len(g.employees)
			first, last := pick(g.rng, cc.first), pick(g.rng, cc.last)
			g.employees = append(g.employees, genEmployee{account: a, name: first + " " + last, active: true, home: -1,
				email:  fmt.Sprintf("%s.%s.%d@%s.example", foldASCII(first), foldASCII(last), i+1, foldASCII(g.orgs[g.orgs[g.accounts[a].org].root].stem)),
				number: fmt.Sprintf("E%07d", i+1)})
		}
		switch r := g.rng.IntN(100); {
		case r < 3:
			c.status, c.until = fc.CardInactive, now-between(g.rng, 1, 30)*24*3600*1000
		case r < 5:
			c.status, c.until = fc.CardDeactivated, now-g.rng.Int64N(span)
			if c.employee >= 0 && g.rng.IntN(2) == 0 {
				g.employees[c.employee].active = false
			}
		}
		g.cards = append(g.cards, c)
	}
}

// planStations places the stations with half of the accounts: one in five
// at an employee's home, the others on office sites of up to eight
// stations, one site in ten a public car park.
func (g *generator) planStations() {
	g.accountStations = make([][]int, len(g.accounts))
	if g.sz.Stations == 0 {
		return
	}
	var owners []int
	for a := range g.accounts {
		if g.rng.IntN(2) == 0 {
			owners = append(owners, a)
		}
	}
	if len(owners) == 0 {
		owners = []int{g.rng.IntN(len(g.accounts))}
	}
	byAccount := map[int][]int{} // employees without a home station yet
	for e, emp := range g.employees {
		byAccount[emp.account] = append(byAccount[emp.account], e)
	}
	type site struct{ location, left int }
	sites := map[[2]int]*site{} // by account and kind
	groups := map[[2]int]int{}  // by account and group role: 0 office, 1 public, 2 home
	group := func(a, role int) int {
		k := [2]int{a, role}
		if gi, ok := groups[k]; ok {
			return gi
		}
		org := g.orgs[g.accounts[a].org]
		t := fc.Tariff{Currency: org.cc.currency, PerKWhMicros: between(g.rng, 18, 45) * 10000}
		gr := genGroup{account: a, kind: fc.GroupOther, access: fc.AccessRestricted, tariff: t, allowOrg: -1, allowAcct: -1}
		switch role {
		case 0:
			gr.name, gr.allowOrg = "Office chargers", org.root
		case 1:
			gr.name, gr.access = "Public car park", fc.AccessPublic
			gr.tariff.PerKWhMicros += 150000
			gr.tariff.StartFeeMicros = between(g.rng, 0, 5) * 100000
		case 2:
			gr.name, gr.kind, gr.allowAcct = "Home chargers", fc.GroupHome, a
		}
		groups[k] = len(g.groups)
		g.groups = append(g.groups, gr)
		return groups[k]
	}
	for i := range g.sz.Stations {
		a := owners[g.rng.IntN(len(owners))]
		cc := g.orgs[g.accounts[a].org].cc
		s := genStation{account: a}
		if free := byAccount[a]; len(free) > 0 && g.rng.IntN(5) == 0 {
			e := free[len(free)-1]
			byAccount[a] = free[:len(free)-1]
			g.employees[e].home = i
			s.location, s.kind, s.powerW = len(g.locations), fc.LocationHome, 7400
			g.locations = append(g.locations, genLocation{account: a, kind: fc.LocationHome, name: "Home of " + g.employees[e].name,
				street: pick(g.rng, cc.streets), city: pick(g.rng, cc.cities), cc: cc, employee: e})
			s.group = group(a, 2)
			hc := pick(g.rng, homeChargers)
			s.vendor, s.model, s.firmware = hc.vendor, hc.model, hc.firmware
		} else {
			kind, role := fc.LocationOffice, 0
			if g.rng.IntN(10) == 0 {
				kind, role, s.powerW = fc.LocationPublic, 1, 22000
			}
			k := [2]int{a, role}
			st := sites[k]
			if st == nil || st.left == 0 {
				c := pick(g.rng, cc.cities)
				name := fmt.Sprintf("%s %s", c.name, pick(g.rng, units))
				if kind == fc.LocationPublic {
					name = c.name + " visitor car park"
				}
				st = &site{location: len(g.locations), left: 1 + g.rng.IntN(8)}
				sites[k] = st
				g.locations = append(g.locations, genLocation{account: a, kind: kind, name: name, street: pick(g.rng, cc.streets), city: c, cc: cc, employee: -1})
			}
			st.left--
			s.location, s.kind = st.location, kind
			if s.powerW == 0 {
				s.powerW = 11000
			}
			s.group = group(a, role)
			oc := pick(g.rng, officeChargers)
			s.vendor, s.model, s.firmware = oc.vendor, oc.model, oc.firmware
			g.accountStations[a] = append(g.accountStations[a], i)
			if role == 1 {
				g.publicStations = append(g.publicStations, i)
			}
		}
		s.serial = fmt.Sprintf("%s%08d", strings.ToUpper(s.vendor[:2]), g.rng.IntN(100_000_000))
		g.stations = append(g.stations, s)
	}
}

// structureRows counts the rows insert writes.
func (g *generator) structureRows() int64 {
	access := int64(0)
	for _, gr := range g.groups {
		if gr.allowOrg >= 0 || gr.allowAcct >= 0 {
			access++
		}
	}
	return int64(len(g.orgs)) + g.closure + int64(len(g.accounts)+len(g.employees)+len(g.cards)+len(g.locations)+len(g.groups)*2) +
		access + int64(len(g.stations))*3 // a group and its tariff's first version
}

// admin creates the provider admin through the store's public methods.
func (g *generator) admin(ctx context.Context, st *store.Store, p *fc.Provider) error {
	email := g.sz.AdminEmail
	if email == "" {
		email = fmt.Sprintf("admin-p%d@generated.example", p.ID)
	}
	password := g.sz.AdminPassword
	if password == "" {
		password = secret.Password(24)
	}
	u := &fc.User{ProviderID: p.ID, Email: email, Name: "Generated admin", PasswordHash: secret.HashPassword(password), MustChangePassword: true}
	if err := st.CreateUser(ctx, u); err != nil {
		return err
	}
	return st.CreateAssignment(ctx, &fc.Assignment{ProviderID: p.ID, UserID: u.ID, Role: fc.RoleProviderAdmin})
}

// insert writes the planned rows, parents before children.
func (g *generator) insert(l *store.Loader, providerID fc.ID) error {
	g.providerID = providerID
	g.first = map[string]fc.ID{}
	for _, t := range []struct {
		table string
		n     int
	}{{"organizations", len(g.orgs)}, {"accounts", len(g.accounts)}, {"employees", len(g.employees)}, {"cards", len(g.cards)},
		{"locations", len(g.locations)}, {"charge_groups", len(g.groups)}, {"stations", len(g.stations)}} {
		first, err := l.ReserveIDs(t.table, t.n)
		if err != nil {
			return err
		}
		g.first[t.table] = first
	}
	id := func(table string, i int) int64 { return int64(g.first[table]) + int64(i) }
	optID := func(table string, i int) any {
		if i < 0 {
			return nil
		}
		return id(table, i)
	}
	p, now := int64(providerID), g.now.UnixMilli()

	err := l.Insert("organizations", []string{"id", "provider_id", "parent_id", "name", "country", "depth", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, o := range g.orgs {
				if err := yield(id("organizations", i), p, optID("organizations", o.parent), o.name, o.cc.code, o.depth, now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = l.Insert("org_closure", []string{"ancestor_id", "descendant_id", "distance"}, func(yield func(...any) error) error {
		for i := range g.orgs {
			for a, d := i, 0; a >= 0; a, d = g.orgs[a].parent, d+1 {
				if err := yield(id("organizations", a), id("organizations", i), d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = l.Insert("accounts", []string{"id", "provider_id", "organization_id", "name", "kind", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, a := range g.accounts {
				if err := yield(id("accounts", i), p, id("organizations", a.org), a.name, a.kind, now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = l.Insert("employees", []string{"id", "provider_id", "account_id", "name", "email", "employee_number", "active", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, e := range g.employees {
				if err := yield(id("employees", i), p, id("accounts", e.account), e.name, e.email, e.number, e.active, now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = l.Insert("cards", []string{"id", "provider_id", "account_id", "employee_id", "internal_id", "external_id", "status", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, c := range g.cards {
				cc := g.orgs[g.accounts[c.account].org].cc
				if err := yield(id("cards", i), p, id("accounts", c.account), optID("employees", c.employee),
					cardUID(i), fmt.Sprintf("%s-GEN-C%08d", cc.code, i+1), c.status, now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = l.Insert("locations", []string{"id", "provider_id", "account_id", "name", "kind", "address", "city", "postal_code", "country", "employee_id", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, lc := range g.locations {
				if err := yield(id("locations", i), p, id("accounts", lc.account), lc.name, lc.kind, fmt.Sprintf("%s %d", lc.street, 1+i%150),
					lc.city.name, lc.city.postalCode, lc.cc.code, optID("employees", lc.employee), now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = l.Insert("charge_groups", []string{"id", "provider_id", "account_id", "name", "kind", "access", "currency",
		"per_kwh_micros", "per_minute_micros", "start_fee_micros", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, gr := range g.groups {
				t := gr.tariff
				if err := yield(id("charge_groups", i), p, id("accounts", gr.account), gr.name, gr.kind, gr.access, t.Currency,
					t.PerKWhMicros, t.PerMinuteMicros, t.StartFeeMicros, now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	// Each group's tariff is its first version, valid from always (schema 0020).
	err = l.Insert("tariff_versions", []string{"provider_id", "charge_group_id", "valid_from", "currency",
		"per_kwh_micros", "per_minute_micros", "start_fee_micros", "created_at"},
		func(yield func(...any) error) error {
			for i, gr := range g.groups {
				t := gr.tariff
				if err := yield(p, id("charge_groups", i), 0, t.Currency, t.PerKWhMicros, t.PerMinuteMicros, t.StartFeeMicros, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = l.Insert("charge_group_access", []string{"charge_group_id", "subject_kind", "subject_id"}, func(yield func(...any) error) error {
		for i, gr := range g.groups {
			var err error
			switch {
			case gr.allowOrg >= 0:
				err = yield(id("charge_groups", i), "organization", id("organizations", gr.allowOrg))
			case gr.allowAcct >= 0:
				err = yield(id("charge_groups", i), "account", id("accounts", gr.allowAcct))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = l.Insert("stations", []string{"id", "provider_id", "account_id", "location_id", "charge_group_id", "identity", "password_hash",
		"vendor", "model", "serial_number", "firmware", "online", "created_at", "updated_at"},
		func(yield func(...any) error) error {
			for i, s := range g.stations {
				pw := g.sz.StationPassword
				if pw == "" {
					pw = secret.Password(24)
				}
				if err := yield(id("stations", i), p, id("accounts", s.account), id("locations", s.location), id("charge_groups", s.group),
					fmt.Sprintf("P%d-S%07d", providerID, i+1), secret.HashStationPassword(pw), s.vendor, s.model, s.serial, s.firmware, false, now, now); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	return l.Insert("charge_points", []string{"station_id", "connector_id", "status"}, func(yield func(...any) error) error {
		for i := range g.stations {
			for c := 1; c <= 2; c++ {
				if err := yield(id("stations", i), c, "Unknown"); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// cardUID returns the i-th card's RFID UID: 7 bytes in hex, starting with
// NXP's 04, unique because multiplying by an odd number is a bijection
// modulo 2^48.
func cardUID(i int) string {
	return fmt.Sprintf("04%012X", (uint64(i)+1)*0x9E3779B97F4B&(1<<48-1))
}

// sessions yields the sessions, in the order they started, evenly spread
// over the period: charging at home in the evening, at the office on
// weekday mornings, on public stations and other networks otherwise.
// Neither a connector nor a card holds two sessions at once as far as a few
// tries can avoid it.
func (g *generator) sessions(yield func(*fc.Session) error) error {
	n := g.sz.Sessions
	if n == 0 {
		return nil
	}
	end := g.now.UnixMilli()
	span := int64(g.sz.Days) * 24 * 3600 * 1000
	begin := end - span
	cardFree := make([]int64, len(g.cards))
	connFree := make([]int64, 2*len(g.stations))
	var sess fc.Session
	var stop time.Time
	const hourMS = 3600 * 1000
	for k := range n {
		start := begin + int64((float64(k)+g.rng.Float64())*float64(span)/float64(n))
		hour := (start/hourMS + 1) % 24 // roughly Central European Time
		weekday := (start/(24*hourMS)+3)%7 < 5
		card := g.pickCard(start, cardFree)
		c := g.cards[card]
		home := -1
		if c.employee >= 0 {
			home = g.employees[c.employee].home
		}
		station, conn := -1, 0
		kind := "" // another network's, unless a station of ours is free
		switch r := g.rng.IntN(100); {
		case home >= 0 && (hour >= 17 || hour < 1) && r < 80:
			kind = fc.LocationHome
			station, conn = g.place([]int{home}, start, connFree)
		case weekday && hour >= 6 && hour < 12 && r < 85 && len(g.accountStations[c.account]) > 0:
			kind = fc.LocationOffice
			station, conn = g.place(g.accountStations[c.account], start, connFree)
		case r < 20:
		case len(g.publicStations) > 0 && r < 55:
			kind = fc.LocationPublic
			station, conn = g.place(g.publicStations, start, connFree)
		case len(g.accountStations[c.account]) > 0:
			kind = fc.LocationOffice
			station, conn = g.place(g.accountStations[c.account], start, connFree)
		}
		var minutes, energy int64
		switch {
		case station < 0:
			minutes = between(g.rng, 20, 60)
			energy = min(between(g.rng, 15000, 60000), between(g.rng, 50000, 150000)*minutes/60)
		case kind == fc.LocationHome:
			minutes = between(g.rng, 120, 600)
			energy = min(between(g.rng, 5000, 40000), g.stations[station].powerW*minutes*9/600)
		case kind == fc.LocationOffice:
			minutes = between(g.rng, 120, 540)
			energy = min(between(g.rng, 8000, 45000), g.stations[station].powerW*minutes*9/600)
		default:
			minutes = between(g.rng, 20, 240)
			energy = min(between(g.rng, 5000, 40000), g.stations[station].powerW*minutes*9/600)
		}
		energy = max(3000, min(energy, 60000))
		stopMS := min(start+minutes*60*1000, end)
		stop = time.UnixMilli(stopMS).UTC()
		cardFree[card] = stopMS
		sess = fc.Session{CardID: g.first["cards"] + fc.ID(card), StartedAt: time.UnixMilli(start).UTC(), StoppedAt: &stop,
			EnergyWh: energy, StopReason: "EVDisconnected"}
		if station >= 0 {
			connFree[2*station+conn-1] = stopMS
			sess.StationID, sess.ConnectorID = g.first["stations"]+fc.ID(station), conn
		} else {
			cc := g.orgs[g.accounts[c.account].org].cc
			place := pick(g.rng, cc.publicPlaces)
			price := fc.Tariff{Currency: cc.currency, PerKWhMicros: place.perKWhMicros}
			sess.LocationKind, sess.LocationName, sess.Currency = fc.LocationPublic, place.name, cc.currency
			sess.CostMinor = price.Cost(energy, (stopMS-start)/1000)
			sess.ExternalRef = fmt.Sprintf("GEN-CDR-%09d", k+1)
		}
		if err := yield(&sess); err != nil {
			return err
		}
	}
	return nil
}

// pickCard draws a card that is free and usable at start, giving up after
// a few tries on the last one drawn.
func (g *generator) pickCard(start int64, cardFree []int64) int {
	var c int
	for range 20 {
		c = g.rng.IntN(len(g.cards))
		if cardFree[c] <= start && (g.cards[c].until == 0 || start < g.cards[c].until) {
			return c
		}
	}
	return c
}

// place returns a station among candidates with a connector free at start,
// and the connector, or -1 when a few tries find none.
func (g *generator) place(candidates []int, start int64, connFree []int64) (int, int) {
	for range 3 {
		s := candidates[g.rng.IntN(len(candidates))]
		for c := 0; c < 2; c++ {
			if connFree[2*s+c] <= start {
				return s, c + 1
			}
		}
	}
	return -1, 0
}
