// Package loadmgmt divides a site's grid connection over its charging
// sessions. It is arithmetic over values, without I/O: the caller gathers a
// location's running sessions, calls Allocate at every session start and
// stop, station reconnection and answer to a charging profile, and sends each
// changed limit to its station.
//
// Power is in watts, as exact integers. A site has a limit (LimitW; 0: no
// limit), a number of phases (1 or 3; 0 means 3) and a voltage per phase
// (0 means 230 V). The minimum a car accepts is 6 A on every phase, so a
// session's minimum is 6 × phases × voltage watts (4,140 W on three phases
// at 230 V), or its connector's maximum when that is lower.
//
// Allocate applies these rules, in this order:
//
//  1. Reserved first. A session whose station rejected a charging profile
//     is counted at its connector's maximum (at the site's limit when the
//     maximum is unknown), even above the site's limit: it may draw that
//     much whatever the server says.
//     A session whose station is offline keeps the limit it was last given
//     (LastW) counted, since the station keeps its last profile, until it
//     has been offline for the site's OfflineTimeout (10 minutes by
//     default); from then on its share is freed and it counts 0.
//  2. Admission. The charging sessions are ordered by start time, oldest
//     first (with ByPriority: by charge-group priority, highest first, then
//     by start time; ties by session ID). Walking that order, each session
//     is admitted while what the limit leaves after the reserved sessions
//     still holds its minimum; from the first session that does not fit,
//     it and every session after it wait at 0. So the newest sessions (the
//     lowest priority ones) wait first, and start when room frees up.
//  3. Share. Every admitted session gets at least its minimum and at most
//     its connector's maximum. The limit left after the reserved sessions
//     is shared equally: every session gets one common level, or its
//     maximum when that is lower, or its minimum when that is higher; the
//     few watts that do not divide go one each to the oldest sessions. With ByPriority the remainder goes to the
//     highest priority group first (equal shares within it), and a lower
//     group gets more than its minimums only when every session of the
//     groups above is at its connector's maximum.
//
// The allocation never sums above the limit: the admitted sessions share
// the limit less the reserved sessions, and nothing else is added. Only
// reserved sessions can overcommit a site (three rejecting 22 kW stations on
// a 50 kW connection): then every other session waits at 0 and
// Result.OvercommitW tells by how much the site is over.
//
// Each limit is also given in tenths of an ampere per phase, for the
// ampere-based charging profiles of OCPP, rounded down so that the amperes
// never sum above the watts. The result is a function of its arguments
// only: the order of the sessions given does not matter, and the sessions
// come back sorted by ID.
package loadmgmt

import (
	"cmp"
	"slices"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

const (
	// MinAmps is the current per phase below which a car does not charge.
	MinAmps = 6
	// DefaultPhases is the number of phases of a site that gives none.
	DefaultPhases = fc.DefaultPhases
	// DefaultVoltage is the voltage per phase of a site that gives none.
	DefaultVoltage = fc.DefaultVoltage
	// DefaultOfflineTimeout is how long an offline station's share stays
	// reserved when the site gives no timeout.
	DefaultOfflineTimeout = 10 * time.Minute
	// MaxW bounds every power given in watts (a site's limit, a
	// connector's maximum, a last limit), so that sums stay exact.
	MaxW = 1_000_000_000_000
)

// Site is the grid connection the sessions share.
type Site struct {
	// LimitW is what all sessions together may draw; 0: no limit.
	LimitW int64
	// Phases is 1 or 3; 0 means DefaultPhases.
	Phases int
	// Voltage is the voltage per phase; 0 means DefaultVoltage.
	Voltage int
	// ByPriority serves the sessions by their charge group's priority
	// instead of equally.
	ByPriority bool
	// OfflineTimeout is how long an offline station's last limit stays
	// counted; 0 means DefaultOfflineTimeout.
	OfflineTimeout time.Duration
}

// State is what the server knows of a session's station.
type State int

// The states of a session.
const (
	// Charging: the station is online and takes the profiles it is sent.
	Charging State = iota
	// Offline: the station is disconnected since Session.OfflineSince.
	Offline
	// Rejected: the station rejected the session's charging profile.
	Rejected
)

// Session is one running session at the site.
type Session struct {
	ID          fc.ID
	StationID   fc.ID
	ConnectorID int
	// MaxW is the connector's maximum; 0 when unknown (the site's limit).
	MaxW int64
	// Priority is the session's charge-group priority, higher first; it
	// counts only with Site.ByPriority.
	Priority  int
	StartedAt time.Time
	State     State
	// OfflineSince is when the station went offline (State Offline).
	OfflineSince time.Time
	// LastW is the limit the station last holds: what it was last given
	// (while a change is on its way, the higher of the old and the new).
	// It is what an offline station stays counted at.
	LastW int64
}

// Reason tells why a session has its limit.
type Reason string

// The reasons of an allocation.
const (
	// ReasonShare: a share of the site, from the minimum to the
	// connector's maximum.
	ReasonShare Reason = "share"
	// ReasonWaiting: no room for the minimum; the limit is 0.
	ReasonWaiting Reason = "waiting"
	// ReasonOffline: the station is offline; its last limit is reserved.
	ReasonOffline Reason = "offline"
	// ReasonOfflineFreed: offline past the timeout; its share is freed
	// and the limit is 0.
	ReasonOfflineFreed Reason = "offline_freed"
	// ReasonRejected: the station rejected its profile; it is counted at
	// its connector's maximum.
	ReasonRejected Reason = "rejected"
	// ReasonUnlimited: the site has no limit; the limit is the
	// connector's maximum (0 when unknown: no profile needed).
	ReasonUnlimited Reason = "unlimited"
)

// Allocation is one session's limit.
type Allocation struct {
	SessionID   fc.ID
	StationID   fc.ID
	ConnectorID int
	// LimitW is what the session is counted at: the limit to send to a
	// charging session's station, the reserved power of an offline or
	// rejecting one.
	LimitW int64
	// LimitTenths is LimitW in tenths of an ampere per phase, rounded
	// down (as app.ChargingPeriod.LimitTenths takes it).
	LimitTenths int64
	Reason      Reason
}

// Result is a site's allocation.
type Result struct {
	LimitW int64
	// AllocatedW is the sum of the sessions' LimitW: at most LimitW,
	// unless reserved sessions alone exceed it (OvercommitW).
	AllocatedW int64
	// MinW is a session's minimum at the site (6 A on every phase).
	MinW int64
	// OvercommitW is by how much the reserved sessions (offline within
	// the timeout, rejecting) alone exceed the limit; 0 normally.
	OvercommitW int64
	// Sessions has one allocation per session, by session ID.
	Sessions []Allocation
}

// SiteOf returns the site of a location's grid connection, dividing its
// sessions equally with the default offline timeout.
func SiteOf(l *fc.Location) Site {
	return Site{LimitW: l.MaxPowerW, Phases: l.Phases, Voltage: l.Voltage}
}

// MinW returns the minimum a car accepts at a site: MinAmps on each phase.
func (s Site) MinW() int64 { return int64(MinAmps * s.phases() * s.voltage()) }

// Tenths converts watts to tenths of an ampere per phase at the site,
// rounded down.
func (s Site) Tenths(w int64) int64 {
	if w <= 0 {
		return 0
	}
	return w * 10 / int64(s.phases()*s.voltage())
}

func (s Site) phases() int {
	if s.Phases == 0 {
		return DefaultPhases
	}
	return s.Phases
}

func (s Site) voltage() int {
	if s.Voltage == 0 {
		return DefaultVoltage
	}
	return s.Voltage
}

func (s Site) offlineTimeout() time.Duration {
	if s.OfflineTimeout == 0 {
		return DefaultOfflineTimeout
	}
	return s.OfflineTimeout
}

// check refuses a site or sessions the rules cannot apply to.
func check(site Site, sessions []Session) error {
	switch {
	case site.LimitW < 0 || site.LimitW > MaxW:
		return fc.Errorf(fc.EInvalid, "load management: site limit %d W is out of range", site.LimitW)
	case site.Phases != 0 && site.Phases != 1 && site.Phases != 3:
		return fc.Errorf(fc.EInvalid, "load management: a site has 1 or 3 phases, not %d", site.Phases)
	case site.Voltage < 0 || site.Voltage > 1000:
		return fc.Errorf(fc.EInvalid, "load management: site voltage %d V is out of range", site.Voltage)
	case site.OfflineTimeout < 0:
		return fc.Errorf(fc.EInvalid, "load management: negative offline timeout")
	}
	for _, s := range sessions {
		switch {
		case s.MaxW < 0 || s.MaxW > MaxW || s.LastW < 0 || s.LastW > MaxW:
			return fc.Errorf(fc.EInvalid, "load management: session %s has a power out of range", s.ID)
		case s.State != Charging && s.State != Offline && s.State != Rejected:
			return fc.Errorf(fc.EInvalid, "load management: session %s has an unknown state %d", s.ID, s.State)
		}
	}
	return nil
}

// slot is a charging session taking part in the share.
type slot struct {
	i          int // index in the allocations
	priority   int
	startedAt  time.Time
	id         fc.ID
	floor, cap int64
}

// Allocate divides site over sessions at time now (which decides whether
// an offline station is past its timeout), by the rules of the package
// documentation. It fails only on values out of range or a session ID
// given twice.
func Allocate(site Site, sessions []Session, now time.Time) (Result, error) {
	if err := check(site, sessions); err != nil {
		return Result{}, err
	}
	minW := site.MinW()
	res := Result{LimitW: site.LimitW, MinW: minW, Sessions: make([]Allocation, len(sessions))}
	var reserved int64
	live := make([]slot, 0, len(sessions))
	for i, s := range sessions {
		a := &res.Sessions[i]
		a.SessionID, a.StationID, a.ConnectorID = s.ID, s.StationID, s.ConnectorID
		capW := s.MaxW
		if site.LimitW > 0 && (capW == 0 || capW > site.LimitW) {
			capW = site.LimitW
		}
		switch {
		case site.LimitW == 0:
			a.LimitW, a.Reason = s.MaxW, ReasonUnlimited
		case s.State == Rejected:
			// Its connector's maximum even above the site's limit: the
			// overcommit must show what it may really draw.
			a.LimitW, a.Reason = cmp.Or(s.MaxW, site.LimitW), ReasonRejected
			reserved += a.LimitW
		case s.State == Offline && now.Before(s.OfflineSince.Add(site.offlineTimeout())):
			a.LimitW, a.Reason = s.LastW, ReasonOffline
			reserved += s.LastW
		case s.State == Offline:
			a.LimitW, a.Reason = 0, ReasonOfflineFreed
		default:
			live = append(live, slot{i: i, priority: s.Priority, startedAt: s.StartedAt, id: s.ID, floor: min(minW, capW), cap: capW})
		}
	}
	if site.LimitW > 0 {
		avail := site.LimitW - reserved
		if avail < 0 {
			res.OvercommitW, avail = -avail, 0
		}
		share(site.ByPriority, live, avail, res.Sessions)
	}
	for i := range res.Sessions {
		a := &res.Sessions[i]
		a.LimitTenths = site.Tenths(a.LimitW)
		res.AllocatedW += a.LimitW
	}
	slices.SortFunc(res.Sessions, func(a, b Allocation) int { return cmp.Compare(a.SessionID, b.SessionID) })
	for i := 1; i < len(res.Sessions); i++ {
		if res.Sessions[i].SessionID == res.Sessions[i-1].SessionID {
			return Result{}, fc.Errorf(fc.EInvalid, "load management: session %s given twice", res.Sessions[i].SessionID)
		}
	}
	return res, nil
}

// share admits the charging sessions in order while their minimums fit in
// avail, then shares avail over the admitted ones, writing each session's
// limit into out.
func share(byPriority bool, live []slot, avail int64, out []Allocation) {
	slices.SortFunc(live, func(a, b slot) int {
		if byPriority && a.priority != b.priority {
			return cmp.Compare(b.priority, a.priority)
		}
		if c := a.startedAt.Compare(b.startedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	n := 0
	extra := avail
	for n < len(live) && live[n].floor <= extra {
		extra -= live[n].floor
		n++
	}
	for _, s := range live[n:] {
		out[s.i].LimitW, out[s.i].Reason = 0, ReasonWaiting
	}
	admitted := live[:n]
	if !byPriority {
		fill(admitted, avail, out)
		return
	}
	for len(admitted) > 0 {
		k := 1
		for k < len(admitted) && admitted[k].priority == admitted[0].priority {
			k++
		}
		group := admitted[:k]
		var floors int64
		for _, s := range group {
			floors += s.floor
		}
		extra -= fill(group, floors+extra, out) - floors
		admitted = admitted[k:]
	}
}

// fill shares budget (at least the sum of the slots' floors) over the
// slots: the highest level L such that every slot at max(floor, min(L, cap))
// fits, then one watt more to each of the first slots at L below their cap
// until the budget is spent. It returns what it gave.
func fill(slots []slot, budget int64, out []Allocation) int64 {
	at := func(s slot, level int64) int64 { return max(s.floor, min(level, s.cap)) }
	sum := func(level int64) int64 {
		var t int64
		for _, s := range slots {
			t += at(s, level)
		}
		return t
	}
	var top int64
	for _, s := range slots {
		top = max(top, s.cap)
	}
	level := top
	if sum(top) > budget {
		lo, hi := int64(0), top // sum(lo) <= budget < sum(hi)
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if sum(mid) <= budget {
				lo = mid
			} else {
				hi = mid
			}
		}
		level = lo
	}
	rest := budget - sum(level)
	var given int64
	for _, s := range slots {
		w := at(s, level)
		if rest > 0 && w == level && level < s.cap {
			w++
			rest--
		}
		out[s.i].LimitW, out[s.i].Reason = w, ReasonShare
		given += w
	}
	return given
}

// Change is a session whose limit a new allocation changes.
type Change struct {
	Allocation
	// FromW is the limit before; New marks a session the previous
	// allocation did not have (FromW 0).
	FromW int64
	New   bool
}

// Changes lists what goes to the stations when an allocation follows
// another: first the lowered limits and the new sessions' limits (a new
// session draws what its station's default profile allows until it has
// its own), then the raised ones. The caller sends the raises only once
// the stations took the others (or are counted as rejecting), so that the
// site is never over its limit in between. Sessions offline or rejecting
// in next are left out: their stations are not sent anything. Sessions are
// matched by ID.
func Changes(prev, next Result) (first, then []Change) {
	was := make(map[fc.ID]int64, len(prev.Sessions))
	for _, a := range prev.Sessions {
		was[a.SessionID] = a.LimitW
	}
	for _, a := range next.Sessions {
		if a.Reason != ReasonShare && a.Reason != ReasonWaiting {
			continue
		}
		from, ok := was[a.SessionID]
		switch {
		case !ok:
			first = append(first, Change{Allocation: a, New: true})
		case a.LimitW < from:
			first = append(first, Change{Allocation: a, FromW: from})
		case a.LimitW > from:
			then = append(then, Change{Allocation: a, FromW: from})
		}
	}
	return first, then
}
