// Package demo fills a database with data to look at and to measure: Load
// brings the two use cases of the seed (a logistics holding in one country,
// an international consultancy) with logins for every role, and Generate
// builds a synthetic provider at scale for benchmarks.
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
)

// Options tune Load.
type Options struct {
	// Seed makes the data: the same seed gives the same names, IDs, places,
	// energies and costs (passwords are random every time).
	Seed int64
	// Now is the end of the 90 days of sessions; zero means the present.
	Now time.Time
}

// Result is what Load created, with the secrets needed to use it.
type Result struct {
	ProviderID fc.ID
	Provider   string
	Logins     []Login
	Stations   []StationLogin
	Counts     Counts
}

// Login is a demo user with its password and a description of its roles.
type Login struct {
	UserID   fc.ID
	Name     string
	Email    string
	Password string
	Provider string
	Role     string // in plain English, e.g. "fleet + facility manager on …"
}

// StationLogin is what an OCPP simulator needs to connect as a demo station.
type StationLogin struct {
	StationID  fc.ID
	Identity   string
	Password   string
	Location   string
	Connectors int
	OCPP       string // the version the station last spoke (fc.OCPP16, fc.OCPP201), "" for none yet
}

// Counts are the numbers of objects Load created.
type Counts struct {
	Organizations, Accounts, Employees, Cards, Locations, ChargeGroups, Stations, Users, Sessions int
}

// sessionDays is how far back the demo's sessions reach.
const sessionDays = 90

// Load loads the demo data into an empty database: one provider with both
// use cases of the seed as its customers, logins for every role, and 90 days
// of sessions ending at opt.Now. It refuses (fc.EConflict) a database that
// holds any provider. It writes through many transactions: when it fails,
// what it wrote stays, so load into a fresh database again.
//
// Both customers belong to one provider because that is the seed's point of
// view: one CPO/MSP offering Fleet Roles to its business customers. It shows
// the boundary that matters to them, between customers and between
// subsidiaries of one customer, which organization scopes draw (a provider
// boundary is plainer: nothing crosses it); and it lets a consultancy card
// charge at the logistics holding's public car park, a session whose card
// side and station side belong to different customers.
func Load(ctx context.Context, st *store.Store, opt Options) (Result, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	providers, err := st.Providers(ctx)
	if err != nil {
		return Result{}, err
	}
	if len(providers) > 0 {
		return Result{}, fc.Errorf(fc.EConflict, "the database holds %d providers already; demo data loads only into an empty database", len(providers))
	}
	ctx = fc.WithActor(ctx, fc.Actor{Label: "demo"})
	b := &builder{
		ctx:      ctx,
		st:       st,
		rng:      rand.New(rand.NewPCG(uint64(opt.Seed), 0x6465_6d6f)), // "demo"
		now:      opt.Now.UTC().Truncate(time.Second),
		orgs:     map[string]fc.ID{},
		accounts: map[string]fc.ID{},
		used:     map[string]bool{},
		seed:     opt.Seed,
	}
	// Password hashing is the slow part (argon2id); it runs beside the
	// database work.
	hashes := hashPasswords(len(personas))
	if err := b.load(hashes); err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	if err := st.Analyze(ctx); err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	return b.res, nil
}

// hashed is a new random password and its hash.
type hashed struct{ password, hash string }

// hashPasswords makes n random passwords and hashes them on every core; the
// i-th result arrives on the i-th channel.
func hashPasswords(n int) []chan hashed {
	out := make([]chan hashed, n)
	for i := range out {
		out[i] = make(chan hashed, 1)
	}
	work := make(chan int)
	for range max(1, runtime.GOMAXPROCS(0)) {
		go func() {
			for i := range work {
				pw := secret.Password(14)
				out[i] <- hashed{pw, secret.HashPassword(pw)}
			}
		}()
	}
	go func() {
		for i := range n {
			work <- i
		}
		close(work)
	}()
	return out
}

// builder creates the demo through the store's public methods, so that the
// demo data passes every check and leaves an audit trail like real data.
type builder struct {
	ctx context.Context
	st  *store.Store
	rng *rand.Rand
	now time.Time

	provider *fc.Provider
	res      Result
	orgs     map[string]fc.ID // by name
	accounts map[string]fc.ID // by name
	used     map[string]bool  // names, card numbers, e-mail addresses taken

	sim  simulation
	grid loadPlan

	seed    int64
	drivers []*homeDriver // every employee's card, for home charging
}

func (b *builder) load(hashes []chan hashed) error {
	// The provider's OCPI identity, so that roaming partners can be added
	// from the Roaming page at once (docs/OCPI.md).
	b.provider = &fc.Provider{Name: providerName, TimeZone: providerZone, OCPICountryCode: "NL", OCPIPartyID: providerCode}
	if _, err := time.LoadLocation(providerZone); err != nil {
		b.provider.TimeZone = "UTC" // a system without a time zone database
	}
	if err := b.st.CreateProvider(b.ctx, b.provider); err != nil {
		return err
	}
	b.res.ProviderID, b.res.Provider = b.provider.ID, b.provider.Name
	for _, c := range []*customerSpec{&logistics, &consultancy} {
		if err := b.customer(c); err != nil {
			return fmt.Errorf("%s: %w", c.holding, err)
		}
	}
	if err := b.logins(hashes); err != nil {
		return err
	}
	if err := b.ocpp201(); err != nil {
		return err
	}
	if err := b.stationJob(); err != nil {
		return err
	}
	if err := b.roamingPartner(); err != nil {
		return err
	}
	if err := b.alerts(); err != nil {
		return err
	}
	sessions := b.sim.run(b.rng, b.now)
	b.res.Counts.Sessions = len(sessions)
	err := b.st.BulkSessions(b.ctx, b.provider.ID, func(yield func(*fc.Session) error) error {
		for i := range sessions {
			if err := yield(&sessions[i]); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	if err := b.allocationHistory(); err != nil {
		return err
	}
	if err := b.homeCharging(); err != nil {
		return err
	}
	return b.invoicing()
}

func (b *builder) customer(c *customerSpec) error {
	holding, err := b.org(c.holding, 0, c.country)
	if err != nil {
		return err
	}
	cust := &simCustomer{}
	b.sim.customers = append(b.sim.customers, cust)
	if c.fleetAccount != nil {
		sub := &simSubsidiary{customer: cust, country: countries[c.country], management: true}
		if err := b.account(c.fleetAccount, holding, holding, sub); err != nil {
			return err
		}
		cust.subsidiaries = append(cust.subsidiaries, sub)
	}
	for _, s := range c.subsidiaries {
		org, err := b.org(s.org, holding, s.country)
		if err != nil {
			return err
		}
		sub := &simSubsidiary{customer: cust, country: countries[s.country]}
		for i := range s.accounts {
			if err := b.account(&s.accounts[i], org, holding, sub); err != nil {
				return fmt.Errorf("%s: %w", s.accounts[i].name, err)
			}
		}
		cust.subsidiaries = append(cust.subsidiaries, sub)
	}
	return nil
}

func (b *builder) org(name string, parent fc.ID, country string) (fc.ID, error) {
	o := &fc.Organization{ProviderID: b.provider.ID, ParentID: parent, Name: name, Country: country}
	if err := b.st.CreateOrganization(b.ctx, o); err != nil {
		return 0, fmt.Errorf("organization %s: %w", name, err)
	}
	b.orgs[name] = o.ID
	b.res.Counts.Organizations++
	return o.ID, nil
}

// account creates an account of org with its charge groups, sites and
// stations, employees, cards and home stations. Office charge groups admit
// the cards of the whole customer (the holding's organization).
func (b *builder) account(spec *accountSpec, org, holding fc.ID, sub *simSubsidiary) error {
	a := &fc.Account{ProviderID: b.provider.ID, OrganizationID: org, Name: spec.name, Kind: fc.AccountCompany}
	if err := b.st.CreateAccount(b.ctx, a); err != nil {
		return err
	}
	b.accounts[spec.name] = a.ID
	b.res.Counts.Accounts++
	cc := sub.country

	var officeGroup, publicGroup fc.ID
	for _, o := range spec.offices {
		var err error
		switch {
		case o.public && publicGroup == 0:
			publicGroup, err = b.group(a, o.name, fc.GroupOther, spec.publicTariff, 0, nil)
			if err == nil && spec.code == "VDE" {
				err = b.nightTariff(publicGroup)
			}
		case !o.public && officeGroup == 0:
			officeGroup, err = b.group(a, "Office chargers", fc.GroupOther, spec.officeTariff, officePriority(spec), []fc.ID{holding})
		}
		if err != nil {
			return err
		}
	}
	for _, o := range spec.offices {
		kind, group, priority, powerW := fc.LocationOffice, officeGroup, officePriority(spec), int64(officePowerW)
		if o.public {
			kind, group, priority, powerW = fc.LocationPublic, publicGroup, 0, publicPowerW
		}
		loc := &fc.Location{ProviderID: b.provider.ID, AccountID: a.ID, Name: o.name, Kind: kind,
			Address: o.street, City: o.city, PostalCode: o.postalCode, Country: cc.code}
		if c, ok := cityCoordinates[o.city]; ok {
			loc.Latitude, loc.Longitude = c[0], c[1]
		}
		if !o.public {
			officeLoad(loc, &o)
		}
		if err := b.location(loc); err != nil {
			return err
		}
		for i := range o.stations {
			identity := fmt.Sprintf("%s-%s-%02d", spec.code, o.code, i+1)
			s, err := b.station(a, loc, group, identity, o.vendor, o.model, o.firmwareVer, 2, powerW)
			if err != nil {
				return err
			}
			b.grid.station(s, powerW, priority)
			ss := &simStation{id: s, connectors: 2, powerW: powerW, kind: kind}
			if o.public {
				sub.customer.public = append(sub.customer.public, ss)
				b.sim.public = append(b.sim.public, ss)
			} else {
				sub.offices = append(sub.offices, ss)
			}
		}
	}

	var homeGroup fc.ID
	if spec.homes > 0 {
		var err error
		if homeGroup, err = b.group(a, "Home chargers", fc.GroupHome, spec.homeTariff, 0, nil, a.ID); err != nil {
			return err
		}
	}
	for i := range spec.employees {
		if err := b.employee(spec, a, i, homeGroup, sub); err != nil {
			return err
		}
	}
	for i := range spec.poolCards {
		c := &simCard{pool: true}
		status := fc.CardActive
		if spec.retiredPool && i == 0 {
			status, c.until = fc.CardDeactivated, b.now.AddDate(0, 0, -35)
		}
		var err error
		if c.id, err = b.card(a, 0, cc, status, ""); err != nil {
			return err
		}
		sub.cards = append(sub.cards, c)
	}
	return nil
}

// employee creates the i-th employee of the account with a card, and a home
// station for the first spec.homes of them.
func (b *builder) employee(spec *accountSpec, a *fc.Account, i int, homeGroup fc.ID, sub *simSubsidiary) error {
	cc := sub.country
	var first, last string
	for {
		first, last = pick(b.rng, cc.first), pick(b.rng, cc.last)
		if !b.used[first+" "+last] {
			break
		}
	}
	name := first + " " + last
	b.used[name] = true
	email := foldASCII(first) + "." + foldASCII(last) + "@" + spec.domain
	leaver := slices.Contains(spec.leavers, i)
	e := &fc.Employee{ProviderID: b.provider.ID, AccountID: a.ID, Name: name, Email: email,
		EmployeeNumber: fmt.Sprintf("%s-%04d", spec.code, 1001+i), Active: !leaver}
	if err := b.st.CreateEmployee(b.ctx, e); err != nil {
		return fmt.Errorf("employee %s: %w", name, err)
	}
	d := &homeDriver{employee: e, account: a, country: cc, tariff: spec.homeTariff}
	if d.tariff.Currency == "" {
		d.tariff = spec.officeTariff
	}
	if d.tariff.Currency == "" {
		d.tariff = fc.Tariff{Currency: cc.currency, PerKWhMicros: 250000}
	}
	b.res.Counts.Employees++

	var home *simStation
	if i < spec.homes {
		c := pick(b.rng, cc.cities[1:])
		loc := &fc.Location{ProviderID: b.provider.ID, AccountID: a.ID, Name: "Home of " + name, Kind: fc.LocationHome,
			Address: fmt.Sprintf("%s %d", pick(b.rng, cc.streets), 1+b.rng.IntN(120)), City: c.name, PostalCode: c.postalCode,
			Country: cc.code, EmployeeID: e.ID}
		if cc.code == "FR" || cc.code == "GB" {
			loc.Address = fmt.Sprintf("%d %s", 1+b.rng.IntN(120), pick(b.rng, cc.streets))
		}
		if err := b.location(loc); err != nil {
			return err
		}
		hc := pick(b.rng, homeChargers)
		powerW := int64(7400)
		if cc.code == "GB" {
			powerW = 7000
		}
		id, err := b.station(a, loc, homeGroup, fmt.Sprintf("%s-HOME-%02d", spec.code, i+1), hc.vendor, hc.model, hc.firmware, 1, powerW)
		if err != nil {
			return err
		}
		home = &simStation{id: id, connectors: 1, powerW: powerW, kind: fc.LocationHome}
	}

	card := &simCard{home: home}
	status := fc.CardActive
	switch {
	case leaver:
		status, card.until = fc.CardDeactivated, b.now.AddDate(0, 0, -20)
	case slices.Contains(spec.blocked, i):
		status, card.until = fc.CardInactive, b.now.AddDate(0, 0, -8-i)
	case slices.Contains(spec.replaced, i):
		old := &simCard{home: home, until: b.now.AddDate(0, 0, -45)}
		var err error
		if old.id, err = b.card(a, e.ID, cc, fc.CardDeactivated, ""); err != nil {
			return err
		}
		sub.cards = append(sub.cards, old)
		card.from = old.until
	}
	validUntil := ""
	if k := slices.Index(spec.expiring, i); k >= 0 && status == fc.CardActive {
		validUntil = b.day(b.now.AddDate(0, 0, 6+11*k))
	}
	if slices.Contains(spec.expired, i) && status == fc.CardActive {
		// The 15th of last month: its sessions end then.
		now := b.now.In(b.zone())
		validUntil = b.day(time.Date(now.Year(), now.Month()-1, 15, 12, 0, 0, 0, b.zone()))
		end, err := fc.DayEnd(validUntil, b.zone())
		if err != nil {
			return err
		}
		card.until = end
	}
	var err error
	if card.id, err = b.card(a, e.ID, cc, status, validUntil); err != nil {
		return err
	}
	sub.cards = append(sub.cards, card)
	d.card = card
	b.drivers = append(b.drivers, d)
	return nil
}

// zone is the provider's time zone.
func (b *builder) zone() *time.Location {
	if loc, err := time.LoadLocation(b.provider.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// day is the calendar day of t in the provider's time zone (DateLayout).
func (b *builder) day(t time.Time) string { return t.In(b.zone()).Format(fc.DateLayout) }

// card issues a card with a random UID (the idTag) and printed number,
// valid until the end of validUntil ("": no end).
func (b *builder) card(a *fc.Account, employee fc.ID, cc *country, status, validUntil string) (fc.ID, error) {
	var internal, external string
	for internal == "" || b.used[internal] {
		internal = fmt.Sprintf("04%012X", b.rng.Uint64()&0xFFFF_FFFF_FFFF)
	}
	for external == "" || b.used[external] {
		external = fmt.Sprintf("%s-%s-C%08d", cc.code, providerCode, b.rng.IntN(100_000_000))
	}
	b.used[internal], b.used[external] = true, true
	c := &fc.Card{ProviderID: b.provider.ID, AccountID: a.ID, EmployeeID: employee, InternalID: internal, ExternalID: external, Status: status,
		ValidUntil: validUntil}
	if err := b.st.CreateCard(b.ctx, c); err != nil {
		return 0, fmt.Errorf("card %s: %w", external, err)
	}
	b.res.Counts.Cards++
	return c.ID, nil
}

// group creates a charge group with its load priority: public when it
// admits no one in particular, restricted to the listed organizations and
// accounts otherwise.
func (b *builder) group(a *fc.Account, name, kind string, t fc.Tariff, priority int, orgs []fc.ID, accounts ...fc.ID) (fc.ID, error) {
	g := &fc.ChargeGroup{ProviderID: b.provider.ID, AccountID: a.ID, Name: name, Kind: kind, Access: fc.AccessPublic, Tariff: t,
		LoadPriority: priority, AllowedOrganizationIDs: orgs, AllowedAccountIDs: accounts}
	if len(orgs)+len(accounts) > 0 {
		g.Access = fc.AccessRestricted
	}
	// Public car parks roam: published to partners, admitting their drivers.
	g.Roaming = g.Access == fc.AccessPublic && kind == fc.GroupOther
	if err := b.st.CreateChargeGroup(b.ctx, g); err != nil {
		return 0, fmt.Errorf("charge group %s: %w", name, err)
	}
	b.res.Counts.ChargeGroups++
	return g.ID, nil
}

// nightTariff gives the group a second tariff version from the end of the
// demo's sessions (which keep the first): cheaper energy at night and an
// idle fee for cars left on the charger (docs/TARIFFS.md).
func (b *builder) nightTariff(groupID fc.ID) error {
	_, err := b.st.UpdateChargeGroup(b.ctx, fc.ProviderScope(b.provider.ID), groupID, func(g *fc.ChargeGroup) error {
		g.Tariff.Bands = []fc.TariffBand{{FromMinute: 23 * 60, ToMinute: 7 * 60, PerKWhMicros: 320000}}
		g.Tariff.IdleFeePerMinuteMicros, g.Tariff.IdleGraceMinutes = 100000, 30
		g.Tariff.MaxPriceMicros = 60_000000
		g.Tariff.ValidFrom = b.now
		return nil
	})
	if err != nil {
		return fmt.Errorf("night tariff: %w", err)
	}
	return nil
}

// cityCoordinates are the WGS84 coordinates (latitude, longitude) of the
// centres of the cities the demo's offices and public car parks stand in,
// as OCPI writes them. Homes have none.
var cityCoordinates = map[string][2]string{
	"Brussel":           {"50.8466000", "4.3528000"},
	"Frankfurt am Main": {"50.1109221", "8.6821267"},
	"London":            {"51.5072178", "-0.1275862"},
	"Moerdijk":          {"51.7017636", "4.6261434"},
	"München":           {"48.1351253", "11.5819805"},
	"Puteaux":           {"48.8918771", "2.2383282"},
	"Rotterdam":         {"51.9244201", "4.4777325"},
	"Tilburg":           {"51.5555000", "5.0913000"},
	"Utrecht":           {"52.0907374", "5.1214201"},
	"Venlo":             {"51.3703748", "6.1724031"},
}

func (b *builder) location(l *fc.Location) error {
	if err := b.st.CreateLocation(b.ctx, l); err != nil {
		return fmt.Errorf("location %s: %w", l.Name, err)
	}
	b.grid.location(l)
	b.res.Counts.Locations++
	return nil
}

// station creates a station with a random password, listed in the result,
// whose connectors give at most maxW each.
func (b *builder) station(a *fc.Account, loc *fc.Location, group fc.ID, identity, vendor, model, firmware string, connectors int, maxW int64) (fc.ID, error) {
	password := secret.Password(24)
	s := &fc.Station{ProviderID: b.provider.ID, AccountID: a.ID, LocationID: loc.ID, ChargeGroupID: group, Identity: identity,
		PasswordHash: secret.HashStationPassword(password), Vendor: vendor, Model: model, Firmware: firmware, ConnectorMaxW: maxW,
		SerialNumber: fmt.Sprintf("%s%08d", strings.ToUpper(vendor[:2]), b.rng.IntN(100_000_000))}
	if err := b.st.CreateStation(b.ctx, s, connectors); err != nil {
		return 0, fmt.Errorf("station %s: %w", identity, err)
	}
	b.res.Counts.Stations++
	b.res.Stations = append(b.res.Stations, StationLogin{StationID: s.ID, Identity: identity, Password: password,
		Location: loc.Name + " (" + a.Name + ")", Connectors: connectors})
	return s.ID, nil
}

// logins creates the personas' users and role assignments.
func (b *builder) logins(hashes []chan hashed) error {
	for i, p := range personas {
		h := <-hashes[i]
		u := &fc.User{ProviderID: b.provider.ID, Email: p.email, Name: p.name, PasswordHash: h.hash}
		if err := b.st.CreateUser(b.ctx, u); err != nil {
			return fmt.Errorf("user %s: %w", p.email, err)
		}
		b.res.Counts.Users++
		for _, g := range p.grants {
			a := &fc.Assignment{ProviderID: b.provider.ID, UserID: u.ID, Role: g.role}
			var ok bool
			switch {
			case g.organization != "":
				a.OrganizationID, ok = b.orgs[g.organization]
			case g.account != "":
				a.AccountID, ok = b.accounts[g.account]
			default:
				ok = true
			}
			if !ok {
				return fmt.Errorf("user %s: no organization or account named %q%q", p.email, g.organization, g.account)
			}
			if err := b.st.CreateAssignment(b.ctx, a); err != nil {
				return fmt.Errorf("user %s: %s: %w", p.email, g.role, err)
			}
		}
		b.res.Logins = append(b.res.Logins, Login{UserID: u.ID, Name: p.name, Email: p.email, Password: h.password,
			Provider: b.provider.Name, Role: p.describe})
	}
	return nil
}

// PrintLogins writes the demo's logins and station credentials for people
// to read: what the command line shows after loading the demo.
func PrintLogins(w io.Writer, r Result) {
	c := r.Counts
	fmt.Fprintf(w, "Demo data loaded for provider %q: %d organizations, %d accounts, %d employees, %d cards, %d stations, %d sessions.\n\n",
		r.Provider, c.Organizations, c.Accounts, c.Employees, c.Cards, c.Stations, c.Sessions)
	fmt.Fprintln(w, "Demo logins (random passwords, shown only now):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  EMAIL\tPASSWORD\tPROVIDER\tROLE")
	for _, l := range r.Logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Email, l.Password, l.Provider, l.Role)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Demo charge stations (OCPP 1.6J or 2.0.1 at /ocpp/{identity}, HTTP Basic with identity and password):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  IDENTITY\tPASSWORD\tCONNECTORS\tOCPP\tLOCATION")
	for _, s := range r.Stations {
		version := s.OCPP
		if version == "" {
			version = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", s.Identity, s.Password, s.Connectors, version, s.Location)
	}
	tw.Flush()
}

// IsDemo reports whether p is the demo's provider.
func IsDemo(p fc.Provider) bool { return p.Name == providerName }

// PrintUsers writes the demo's users without their passwords, which were
// shown only when the demo was loaded, and how to set a new one: what
// `serve --demo` shows on a database that has the demo already.
func PrintUsers(w io.Writer) {
	fmt.Fprintf(w, "The demo data is loaded already (provider %q). Its logins:\n", providerName)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  EMAIL\tROLE")
	for _, p := range personas {
		fmt.Fprintf(tw, "  %s\t%s\n", p.email, p.describe)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nTheir passwords were shown once, when the demo was loaded. To sign in, reset one:")
	fmt.Fprintln(w, "  fleetcharge password reset --email EMAIL [--db URL]")
	fmt.Fprintln(w, "and open /reset?token=TOKEN with the token it prints (or the link, given --base-url).")
}
