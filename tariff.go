package fleetcharge

import (
	"context"
	"math/big"
	"slices"
	"sort"
	"time"
)

// TariffBand is a time-of-day energy price: energy delivered from From to
// To on the local clock (minutes after midnight, To up to 1440 for 24:00)
// costs PerKWhMicros instead of the tariff's base price. A band whose To is
// not after its From crosses midnight (22:00 to 06:00).
type TariffBand struct {
	FromMinute   int   `json:"from_minute"`
	ToMinute     int   `json:"to_minute"`
	PerKWhMicros int64 `json:"per_kwh_micros"`
}

// contains reports whether the band holds the local time of day sec
// (seconds after midnight).
func (b TariffBand) contains(sec int) bool {
	from, to := b.FromMinute*60, b.ToMinute*60
	if from < to {
		return sec >= from && sec < to
	}
	return sec >= from || sec < to
}

// TariffVersion is one version of a charge group's tariff: it prices the
// sessions that start from ValidFrom until the next version's ValidFrom.
type TariffVersion struct {
	ID            ID        `json:"id"`
	ChargeGroupID ID        `json:"charge_group_id"`
	ValidFrom     time.Time `json:"valid_from"`
	Tariff        Tariff    `json:"tariff"`
	CreatedAt     time.Time `json:"created_at"`
}

// TariffStore keeps the versions of charge groups' tariffs.
type TariffStore interface {
	// TariffVersions returns the versions of the tariff of a charge group
	// within the scope, oldest first; a group out of scope is not found.
	TariffVersions(ctx context.Context, sc Scope, groupID ID) ([]TariffVersion, error)
}

// SamePrices reports whether two tariffs price every session alike.
func (t Tariff) SamePrices(u Tariff) bool {
	return t.Currency == u.Currency && t.PerKWhMicros == u.PerKWhMicros && t.PerMinuteMicros == u.PerMinuteMicros &&
		t.StartFeeMicros == u.StartFeeMicros && t.IdleFeePerMinuteMicros == u.IdleFeePerMinuteMicros &&
		t.IdleGraceMinutes == u.IdleGraceMinutes && t.MinPriceMicros == u.MinPriceMicros && t.MaxPriceMicros == u.MaxPriceMicros &&
		slices.Equal(t.Bands, u.Bands)
}

// BandsOverlap reports whether two of the tariff's bands share a minute of
// the day, or a band is empty or out of the day.
func (t Tariff) BandsOverlap() bool {
	var used [1440]bool
	for _, b := range t.Bands {
		if b.FromMinute < 0 || b.FromMinute >= 1440 || b.ToMinute < 0 || b.ToMinute > 1440 || b.FromMinute == b.ToMinute%1440 {
			return true
		}
		for m := b.FromMinute; m != b.ToMinute; m = (m + 1) % 1440 {
			if used[m] {
				return true
			}
			used[m] = true
			if b.ToMinute == 1440 && m == 1439 {
				break
			}
		}
	}
	return false
}

// MeterReading is one reading of a session's energy register.
type MeterReading struct {
	At time.Time
	Wh int64
}

// ConnectorStatus is a status a station reported for the session's
// connector (OCPP 1.6 StatusNotification), such as Charging, SuspendedEV
// or Finishing.
type ConnectorStatus struct {
	At     time.Time
	Status string
}

// PricingInput is what pricing a session needs: its start and stop, the
// register at both, the readings of the register in between (any order,
// readings out of the session are ignored), the statuses of its connector
// during the session, and the time zone the tariff's bands are read in
// (UTC when nil).
type PricingInput struct {
	Started, Stopped          time.Time
	MeterStartWh, MeterStopWh int64
	Readings                  []MeterReading
	Statuses                  []ConnectorStatus
	Location                  *time.Location
}

// Price is a priced session: its total in the currency's minor unit and
// how it came about. Each part is rounded half up on its own; the total is
// the exact sum of the parts, bounded by the minimum and maximum, rounded
// half up once, and Adjustment is the total less the rounded parts (the
// minimum or maximum, and any rounding difference).
type Price struct {
	TotalMinor      int64 `json:"total"`
	EnergyMinor     int64 `json:"energy"`
	TimeMinor       int64 `json:"time"`
	StartFeeMinor   int64 `json:"start_fee"`
	IdleMinor       int64 `json:"idle_fee"`
	AdjustmentMinor int64 `json:"adjustment"`
	EnergyWh        int64 `json:"energy_wh"`
	DurationSeconds int64 `json:"duration_s"`
	// IdleSeconds is the time from the end of charging to the stop; the
	// idle fee is charged for the part after the grace period.
	IdleSeconds int64 `json:"idle_s"`
}

// Price prices a session under the tariff (see docs/TARIFFS.md). It is
// exact: every part is a rational number of millionths until the rounding
// to the minor unit. For a tariff without bands, idle fee, minimum or
// maximum it equals Cost.
func (t Tariff) Price(in PricingInput) Price {
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	stopped := in.Stopped
	if stopped.Before(in.Started) {
		stopped = in.Started
	}
	p := Price{
		EnergyWh:        max(0, in.MeterStopWh-in.MeterStartWh),
		DurationSeconds: int64(stopped.Sub(in.Started) / time.Second),
	}
	readings := sessionReadings(in, stopped)

	// Energy: each interval between successive readings at the price of
	// the bands it falls in, split in proportion to time at the bands'
	// boundaries.
	energy := new(big.Rat)
	for i := 1; i < len(readings); i++ {
		a, b := readings[i-1], readings[i]
		wh := b.Wh - a.Wh
		if wh == 0 {
			continue
		}
		energy.Add(energy, t.intervalCost(a.At, b.At, wh, loc))
	}
	start := ratOf(t.StartFeeMicros, 1)
	// Time: per minute, prorated by the second, as Cost.
	timeCost := new(big.Rat).Mul(ratOf(t.PerMinuteMicros, 1), ratOf(p.DurationSeconds, 60))

	idle := new(big.Rat)
	if end, ok := chargingEnd(readings, in.Statuses, in.Started, stopped); ok {
		p.IdleSeconds = int64(stopped.Sub(end) / time.Second)
		if billable := p.IdleSeconds - int64(t.IdleGraceMinutes)*60; billable > 0 && t.IdleFeePerMinuteMicros > 0 {
			idle.Mul(ratOf(t.IdleFeePerMinuteMicros, 1), ratOf(billable, 60))
		}
	}

	sum := new(big.Rat).Add(energy, start)
	sum.Add(sum, timeCost)
	sum.Add(sum, idle)
	if t.MinPriceMicros > 0 && p.EnergyWh > 0 && sum.Cmp(ratOf(t.MinPriceMicros, 1)) < 0 {
		sum = ratOf(t.MinPriceMicros, 1)
	}
	if t.MaxPriceMicros > 0 && sum.Cmp(ratOf(t.MaxPriceMicros, 1)) > 0 {
		sum = ratOf(t.MaxPriceMicros, 1)
	}
	d := MinorDigits(t.Currency)
	p.EnergyMinor, p.TimeMinor = toMinor(energy, d), toMinor(timeCost, d)
	p.StartFeeMinor, p.IdleMinor = toMinor(start, d), toMinor(idle, d)
	p.TotalMinor = toMinor(sum, d)
	p.AdjustmentMinor = p.TotalMinor - p.EnergyMinor - p.TimeMinor - p.StartFeeMinor - p.IdleMinor
	return p
}

// sessionReadings returns the register from start to stop as a series:
// the start, the readings within the session by time, and the stop, each
// held between the meter start and stop and never below the one before,
// so that the series' steps add up to the session's energy exactly.
func sessionReadings(in PricingInput, stopped time.Time) []MeterReading {
	lo, hi := in.MeterStartWh, max(in.MeterStartWh, in.MeterStopWh)
	rs := make([]MeterReading, 0, len(in.Readings)+2)
	for _, r := range in.Readings {
		if r.At.After(in.Started) && r.At.Before(stopped) {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].At.Before(rs[j].At) })
	out := make([]MeterReading, 0, len(rs)+2)
	out = append(out, MeterReading{At: in.Started, Wh: lo})
	for _, r := range rs {
		out = append(out, MeterReading{At: r.At, Wh: min(hi, max(out[len(out)-1].Wh, r.Wh))})
	}
	return append(out, MeterReading{At: stopped, Wh: hi})
}

// chargingEnd returns when charging ended: the first reading that shows
// the final register, or, when the connector reported SuspendedEV or
// Finishing after the last reading below it (and no Charging after), that
// report. It reports false when no reading or status tells (a session
// whose register last rose at its stop, or with no readings and no such
// status).
func chargingEnd(readings []MeterReading, statuses []ConnectorStatus, started, stopped time.Time) (time.Time, bool) {
	final := readings[len(readings)-1].Wh
	end, lastBelow := stopped, started
	for _, r := range readings {
		if r.Wh == final {
			end = r.At
			break
		}
		lastBelow = r.At
	}
	ok := end.Before(stopped)
	if final == readings[0].Wh {
		// No energy: the readings tell nothing of when charging ended.
		ok, end, lastBelow = false, stopped, started
	}
	ss := slices.Clone(statuses)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].At.Before(ss[j].At) })
	var idleAt time.Time
	for _, s := range ss {
		if s.At.Before(started) || s.At.After(stopped) {
			continue
		}
		switch s.Status {
		case "SuspendedEV", "Finishing":
			if idleAt.IsZero() {
				idleAt = s.At
			}
		case "Charging":
			idleAt = time.Time{}
		}
	}
	if !idleAt.IsZero() && idleAt.After(lastBelow) && idleAt.Before(end) {
		return idleAt, true
	}
	return end, ok
}

// intervalCost prices wh delivered evenly from a to b under the bands, in
// millionths: the interval is cut at every band boundary within it, and
// each piece gets the energy in proportion to its length.
func (t Tariff) intervalCost(a, b time.Time, wh int64, loc *time.Location) *big.Rat {
	if len(t.Bands) == 0 || !b.After(a) {
		return new(big.Rat).Mul(ratOf(t.perKWhAt(a, loc), 1), ratOf(wh, 1000))
	}
	cuts := []time.Time{a}
	la := a.In(loc)
	lb := b.In(loc)
	day := time.Date(la.Year(), la.Month(), la.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -1)
	last := time.Date(lb.Year(), lb.Month(), lb.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	for ; !day.After(last); day = day.AddDate(0, 0, 1) {
		for _, band := range t.Bands {
			for _, m := range []int{band.FromMinute, band.ToMinute} {
				c := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
				if c.After(a) && c.Before(b) {
					cuts = append(cuts, c)
				}
			}
		}
	}
	cuts = append(cuts, b)
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].Before(cuts[j]) })
	total := b.Sub(a).Nanoseconds()
	sum := new(big.Rat)
	for i := 1; i < len(cuts); i++ {
		piece := cuts[i].Sub(cuts[i-1]).Nanoseconds()
		if piece == 0 {
			continue
		}
		// price * wh/1000 * piece/total
		share := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(wh), big.NewInt(piece)),
			new(big.Int).Mul(big.NewInt(1000), big.NewInt(total)))
		sum.Add(sum, share.Mul(share, ratOf(t.perKWhAt(cuts[i-1], loc), 1)))
	}
	return sum
}

// perKWhAt returns the energy price at the instant: that of the band
// holding its local time of day, else the base price.
func (t Tariff) perKWhAt(at time.Time, loc *time.Location) int64 {
	if len(t.Bands) == 0 {
		return t.PerKWhMicros
	}
	l := at.In(loc)
	sec := l.Hour()*3600 + l.Minute()*60 + l.Second()
	for _, b := range t.Bands {
		if b.contains(sec) {
			return b.PerKWhMicros
		}
	}
	return t.PerKWhMicros
}

func ratOf(a, b int64) *big.Rat { return new(big.Rat).SetFrac(big.NewInt(a), big.NewInt(b)) }

// toMinor rounds millionths to the minor unit of d decimals, half up
// (amounts are never negative), saturating at the largest int64.
func toMinor(micros *big.Rat, d int) int64 {
	if micros.Sign() <= 0 {
		return 0
	}
	unit := int64(1000000)
	for i := 0; i < d; i++ {
		unit /= 10
	}
	// floor((num*2 + den*unit) / (2*den*unit))
	num := new(big.Int).Mul(micros.Num(), big.NewInt(2))
	den := new(big.Int).Mul(micros.Denom(), big.NewInt(2*unit))
	num.Add(num, new(big.Int).Mul(micros.Denom(), big.NewInt(unit)))
	num.Quo(num, den)
	if !num.IsInt64() {
		return 1<<63 - 1
	}
	return num.Int64()
}
