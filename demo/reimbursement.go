package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Home-charging reimbursement in the demo (docs/REIMBURSEMENT.md): both
// customers have employees who charge company cars at home, with a year of
// home sessions, rates that changed half a year ago, and a statement for
// every month of that year: the older months paid, the month before last
// approved, the last month a draft to approve.
//
// It draws from its own random source, seeded from the demo's seed, so
// that the rest of the demo stays as it is without it.

// homeDriver is an employee whose card the demo may give a home charger.
type homeDriver struct {
	employee *fc.Employee
	account  *fc.Account
	country  *country
	card     *simCard
	tariff   fc.Tariff // the home charge group's, or the account's office tariff
	fresh    bool      // given a home here, after the simulation ran
}

// logisticsHomes is how many employees of each of the logistics holding's
// subsidiaries get a home charger here (the consultancy's have theirs from
// the scenario).
const logisticsHomes = 2

// reimbursementMonths is how many months before the present one have
// statements.
const reimbursementMonths = 12

func (b *builder) homeCharging() error {
	rng := rand.New(rand.NewPCG(uint64(b.seed), 0x7265_696d)) // "reim"
	loc := zone(b.provider.TimeZone)
	now := b.now.In(loc)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	first := thisMonth.AddDate(0, -reimbursementMonths, 0)
	window := b.now.AddDate(0, 0, -sessionDays)

	var homes []*homeDriver
	given := map[fc.ID]int{}
	groups := map[fc.ID]fc.ID{}
	for _, d := range b.drivers {
		switch {
		case d.card.home != nil:
			homes = append(homes, d)
		case strings.HasPrefix(d.account.Name, "Van Dijk") && d.card.until.IsZero() && d.card.from.IsZero() && given[d.account.ID] < logisticsHomes:
			given[d.account.ID]++
			if err := b.giveHome(rng, d, groups); err != nil {
				return err
			}
			d.fresh = true
			homes = append(homes, d)
		}
	}

	// The home sessions: a year back for the new homes, and before the
	// simulation's window for the consultancy's, which it charged in.
	var sessions []fc.Session
	for _, d := range homes {
		until := window
		if d.fresh {
			until = b.now
		}
		for day := first; day.Before(until); day = day.AddDate(0, 0, 1) {
			if rng.Float64() >= 0.4 {
				continue
			}
			start := day.Add(17*time.Hour + 30*time.Minute + time.Duration(rng.Int64N(240))*time.Minute)
			dur := time.Duration(between(rng, 150, 600)) * time.Minute
			energy := acEnergy(rng, 5000, 40000, d.card.home.powerW, dur)
			stop := start.Add(dur)
			s := span{start.UnixMilli(), stop.UnixMilli()}
			if !stop.Before(until) || !d.card.usable(b.now, start, stop) || overlaps(d.card.busy, s) {
				continue
			}
			d.card.busy = append(d.card.busy, s)
			sessions = append(sessions, fc.Session{CardID: d.card.id, StationID: d.card.home.id, ConnectorID: 1,
				StartedAt: start, StoppedAt: &stop, EnergyWh: energy, StopReason: "EVDisconnected"})
		}
	}
	if err := b.st.BulkSessions(b.ctx, b.provider.ID, func(yield func(*fc.Session) error) error {
		for i := range sessions {
			if err := yield(&sessions[i]); err != nil {
				return err
			}
		}
		return nil
	}, nil); err != nil {
		return fmt.Errorf("home sessions: %w", err)
	}
	b.res.Counts.Sessions += len(sessions)

	// Rates: the employee's energy price, which rose half a year ago.
	change := thisMonth.AddDate(0, -reimbursementMonths/2, 0).Format(fc.DateLayout)
	for _, d := range homes {
		price := d.tariff.PerKWhMicros
		for _, r := range []fc.ReimbursementRate{
			{PerKWhMicros: price - 20000, ValidFrom: first.Format(fc.DateLayout), ValidTo: change},
			{PerKWhMicros: price, ValidFrom: change},
		} {
			r.ProviderID, r.EmployeeID, r.Currency = b.provider.ID, d.employee.ID, d.tariff.Currency
			if err := b.st.CreateReimbursementRate(b.ctx, &r); err != nil {
				return fmt.Errorf("rate of %s: %w", d.employee.Name, err)
			}
		}
	}

	// A statement for every month of the year: paid, then approved, the
	// last one a draft.
	all := fc.ProviderScope(b.provider.ID)
	for m := first; m.Before(thisMonth); m = m.AddDate(0, 1, 0) {
		xs, err := b.st.GenerateReimbursementStatements(b.ctx, all, m.Format(fc.PeriodLayout))
		if err != nil {
			return fmt.Errorf("statements of %s: %w", m.Format(fc.PeriodLayout), err)
		}
		age := monthsBetween(m, thisMonth)
		for _, x := range xs {
			if age >= 2 {
				if _, err := b.st.ApproveReimbursementStatement(b.ctx, all, x.ID); err != nil {
					return err
				}
			}
			if age >= 3 {
				if _, err := b.st.PayReimbursementStatement(b.ctx, all, x.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// giveHome gives the driver a home location and a home charger in its
// account's home charge group (made once per account, at the office
// tariff).
func (b *builder) giveHome(rng *rand.Rand, d *homeDriver, groups map[fc.ID]fc.ID) error {
	cc := d.country
	g, ok := groups[d.account.ID]
	if !ok {
		var err error
		if g, err = b.group(d.account, "Home chargers", fc.GroupHome, d.tariff, 0, nil, d.account.ID); err != nil {
			return err
		}
		groups[d.account.ID] = g
	}
	c := cc.cities[1+rng.IntN(len(cc.cities)-1)]
	l := &fc.Location{ProviderID: b.provider.ID, AccountID: d.account.ID, Name: "Home of " + d.employee.Name, Kind: fc.LocationHome,
		Address: fmt.Sprintf("%s %d", cc.streets[rng.IntN(len(cc.streets))], 1+rng.IntN(120)), City: c.name, PostalCode: c.postalCode,
		Country: cc.code, EmployeeID: d.employee.ID}
	if err := b.st.CreateLocation(b.ctx, l); err != nil {
		return fmt.Errorf("location %s: %w", l.Name, err)
	}
	b.res.Counts.Locations++
	hc := homeChargers[rng.IntN(len(homeChargers))]
	password := secret.Password(24)
	identity := fmt.Sprintf("%s-HOME-%s", codeOf(d.employee.EmployeeNumber), d.employee.EmployeeNumber[strings.LastIndexByte(d.employee.EmployeeNumber, '-')+1:])
	s := &fc.Station{ProviderID: b.provider.ID, AccountID: d.account.ID, LocationID: l.ID, ChargeGroupID: g, Identity: identity,
		PasswordHash: secret.HashStationPassword(password), Vendor: hc.vendor, Model: hc.model, Firmware: hc.firmware, ConnectorMaxW: 7400,
		SerialNumber: fmt.Sprintf("%s%08d", strings.ToUpper(hc.vendor[:2]), rng.IntN(100_000_000))}
	if err := b.st.CreateStation(b.ctx, s, 1); err != nil {
		return fmt.Errorf("station %s: %w", identity, err)
	}
	b.res.Counts.Stations++
	b.res.Stations = append(b.res.Stations, StationLogin{StationID: s.ID, Identity: identity, Password: password,
		Location: l.Name + " (" + d.account.Name + ")", Connectors: 1})
	d.card.home = &simStation{id: s.ID, connectors: 1, powerW: 7400, kind: fc.LocationHome}
	return nil
}

// codeOf returns the account code of an employee number ("VDT-1003": VDT).
func codeOf(number string) string {
	code, _, _ := strings.Cut(number, "-")
	return code
}
