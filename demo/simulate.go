package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The demo's sessions come from a day-by-day simulation of every card's
// driver: office charging on weekday mornings, home charging in the
// evenings, fast charging on other networks on the road, and now and then a
// visit to a public car park. Connectors and cards never hold two sessions
// at once.

// simStation is a station as the simulation sees it.
type simStation struct {
	id         fc.ID
	connectors int
	powerW     int64
	kind       string   // location kind
	busy       [][]span // per connector
}

// simCard is a card and how its driver charges.
type simCard struct {
	id          fc.ID
	pool        bool        // a pool car's card, without an employee
	home        *simStation // the driver's home station, if any
	from, until time.Time   // when the card could be used; zero: unbounded
	busy        []span
}

type simSubsidiary struct {
	customer   *simCustomer
	country    *country
	management bool // the holding's own management: charges at every office
	offices    []*simStation
	cards      []*simCard
}

type simCustomer struct {
	subsidiaries []*simSubsidiary
	public       []*simStation
}

type simulation struct {
	customers []*simCustomer
	public    []*simStation // every public station of the provider
	sessions  []fc.Session
	refs      int
}

// span is a busy time, in Unix milliseconds.
type span struct{ from, to int64 }

func overlaps(list []span, s span) bool {
	for _, b := range list {
		if b.from < s.to && s.from < b.to {
			return true
		}
	}
	return false
}

// run simulates sessionDays days up to now and returns the sessions in the
// order they started.
func (sim *simulation) run(rng *rand.Rand, now time.Time) []fc.Session {
	begin := now.AddDate(0, 0, -sessionDays)
	zones := map[string]*time.Location{}
	for day := 0; day <= sessionDays; day++ {
		for _, cust := range sim.customers {
			var allOffices []*simStation
			for _, sub := range cust.subsidiaries {
				allOffices = append(allOffices, sub.offices...)
			}
			for _, sub := range cust.subsidiaries {
				loc := zones[sub.country.code]
				if loc == nil {
					loc = zone(sub.country.zone)
					zones[sub.country.code] = loc
				}
				b := begin.In(loc)
				date := time.Date(b.Year(), b.Month(), b.Day()+day, 0, 0, 0, 0, loc)
				weekday := date.Weekday() != time.Saturday && date.Weekday() != time.Sunday
				offices, elsewhere := sub.offices, otherOffices(cust, sub)
				if sub.management {
					offices = allOffices
				}
				for _, c := range sub.cards {
					sim.day(rng, now, c, sub.country, date, weekday, offices, elsewhere)
				}
			}
		}
	}
	slices.SortStableFunc(sim.sessions, func(a, b fc.Session) int {
		return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.CardID, b.CardID))
	})
	sim.meters(rng)
	return sim.sessions
}

// day draws what one card's driver charges on one day.
func (sim *simulation) day(rng *rand.Rand, now time.Time, c *simCard, cc *country, date time.Time, weekday bool, offices, elsewhere []*simStation) {
	at := func(hour, minute int, spreadMin int64) time.Time {
		return date.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute + time.Duration(rng.Int64N(spreadMin))*time.Minute)
	}
	minutes := func(lo, hi int64) time.Duration { return time.Duration(between(rng, lo, hi)) * time.Minute }

	pOffice, pHome, pRoam, pVisit := 0.5, 0.0, 0.07, 0.012
	switch {
	case c.pool:
		pOffice, pRoam, pVisit = 0.4, 0, 0
	case c.home != nil:
		pOffice, pHome = 0.15, 0.45
	case len(offices) == 0:
		pOffice = 0
	}
	if weekday && rng.Float64() < pOffice {
		where := offices
		if len(elsewhere) > 0 && rng.Float64() < 0.1 {
			where = elsewhere
		}
		d := minutes(180, 540)
		sim.charge(rng, now, c, where, at(7, 0, 150), d, acEnergy(rng, 8000, 45000, 11000, d))
	}
	if c.home != nil && rng.Float64() < pHome {
		d := minutes(150, 600)
		sim.charge(rng, now, c, []*simStation{c.home}, at(17, 30, 240), d, acEnergy(rng, 5000, 40000, c.home.powerW, d))
	}
	if rng.Float64() < pRoam {
		sim.roam(rng, now, c, cc, at(7, 0, 720), minutes(20, 60))
	}
	if weekday && len(sim.public) > 0 && rng.Float64() < pVisit {
		d := minutes(45, 240)
		sim.charge(rng, now, c, sim.public, at(9, 0, 480), d, acEnergy(rng, 5000, 35000, 22000, d))
	}
}

// acEnergy draws what a car takes in d at an AC charger of powerW: what it
// wants, at most what the charger gives, within the demo's 3 to 60 kWh.
func acEnergy(rng *rand.Rand, loWh, hiWh, powerW int64, d time.Duration) int64 {
	e := min(between(rng, loWh, hiWh), powerW*int64(d/time.Minute)*9/(10*60))
	return max(3000, min(e, 60000))
}

// usable reports whether the card may charge over s.
func (c *simCard) usable(now time.Time, start, stop time.Time) bool {
	return stop.Before(now) && (c.from.IsZero() || !start.Before(c.from)) && (c.until.IsZero() || start.Before(c.until))
}

// charge records a session of the card at the first free connector of the
// stations, tried from a random one on; it records nothing when all are
// taken or the card is busy.
func (sim *simulation) charge(rng *rand.Rand, now time.Time, c *simCard, stations []*simStation, start time.Time, d time.Duration, energyWh int64) {
	stop := start.Add(d)
	if len(stations) == 0 || !c.usable(now, start, stop) {
		return
	}
	s := span{start.UnixMilli(), stop.UnixMilli()}
	if overlaps(c.busy, s) {
		return
	}
	first := rng.IntN(len(stations))
	for i := range stations {
		st := stations[(first+i)%len(stations)]
		if st.busy == nil {
			st.busy = make([][]span, st.connectors)
		}
		for conn := range st.connectors {
			if overlaps(st.busy[conn], s) {
				continue
			}
			st.busy[conn] = append(st.busy[conn], s)
			c.busy = append(c.busy, s)
			sim.sessions = append(sim.sessions, fc.Session{CardID: c.id, StationID: st.id, ConnectorID: conn + 1,
				StartedAt: start, StoppedAt: &stop, EnergyWh: energyWh, StopReason: stopReason(rng)})
			return
		}
	}
}

// roam records a fast-charging session on another network, as a roaming
// record imports it: a named place, priced in the country's currency.
func (sim *simulation) roam(rng *rand.Rand, now time.Time, c *simCard, cc *country, start time.Time, d time.Duration) {
	stop := start.Add(d)
	s := span{start.UnixMilli(), stop.UnixMilli()}
	if !c.usable(now, start, stop) || overlaps(c.busy, s) {
		return
	}
	place := pick(rng, cc.publicPlaces)
	// A fast charger gives 50 to 150 kW; the car takes 15 to 60 kWh of it.
	energy := max(3000, min(between(rng, 15000, 60000), between(rng, 50000, 150000)*int64(d/time.Minute)/60))
	price := fc.Tariff{Currency: cc.currency, PerKWhMicros: place.perKWhMicros}
	c.busy = append(c.busy, s)
	sim.refs++
	sim.sessions = append(sim.sessions, fc.Session{CardID: c.id, Source: fc.SourceImport, ExternalRef: fmt.Sprintf("DEMO-CDR-%05d", sim.refs),
		LocationKind: fc.LocationPublic, LocationName: place.name, StartedAt: start, StoppedAt: &stop, EnergyWh: energy,
		CostMinor: price.Cost(energy, int64(d/time.Second)), Currency: cc.currency, StopReason: "EVDisconnected"})
}

func stopReason(rng *rand.Rand) string {
	switch r := rng.IntN(20); {
	case r < 15:
		return "EVDisconnected"
	case r < 19:
		return "Local"
	default:
		return "Remote"
	}
}

// meters numbers the meter readings of each connector's sessions in the
// order they happened, from a random reading at the start.
func (sim *simulation) meters(rng *rand.Rand) {
	type connector struct {
		station fc.ID
		id      int
	}
	reading := map[connector]int64{}
	for i := range sim.sessions {
		s := &sim.sessions[i]
		if s.StationID == 0 {
			continue
		}
		k := connector{s.StationID, s.ConnectorID}
		if _, ok := reading[k]; !ok {
			reading[k] = between(rng, 100_000, 4_000_000)
		}
		s.MeterStartWh = reading[k]
		reading[k] += s.EnergyWh
	}
}

// otherOffices returns the office stations of the customer's other
// subsidiaries, where its office charge groups admit the card too.
func otherOffices(cust *simCustomer, own *simSubsidiary) []*simStation {
	var out []*simStation
	for _, sub := range cust.subsidiaries {
		if sub != own {
			out = append(out, sub.offices...)
		}
	}
	return out
}

// zone returns the named time zone, or Central European Time when the
// system has no time zone database.
func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}
