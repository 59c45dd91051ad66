package loadmgmt

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The property test drives random sites through random sequences of
// session starts and stops, station disconnects and reconnects (before and
// after the offline timeout), rejected and later accepted profiles, and
// checks every allocation against the rules, computed again here the plain
// way. LOADMGMT_SEED=n repeats a failed run.

func TestAllocateProperties(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOADMGMT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LOADMGMT_SEED: %v", err)
		}
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	runs, events := 300, 150
	if testing.Short() {
		runs = 50
	}
	for run := range runs {
		m := newModel(rng)
		for ev := range events {
			what := m.step(rng)
			if err := m.check(rng); err != nil {
				t.Fatalf("seed %d (LOADMGMT_SEED=%d), run %d, event %d (%s) on %+v:\n%v\nsessions: %+v",
					seed, seed, run, ev, what, m.site, err, m.sessions)
			}
		}
	}
}

// model is a site's state as the wiring would keep it.
type model struct {
	site     Site
	now      time.Time
	nextID   fc.ID
	sessions []Session
	last     Result
}

var connectorMaxes = []int64{0, 3680, 7400, 11000, 22000, 50000, 150000}

func newModel(rng *rand.Rand) *model {
	m := &model{now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), nextID: 1}
	m.site.Phases = []int{0, 1, 3}[rng.IntN(3)]
	m.site.Voltage = []int{0, 120, 230, 240}[rng.IntN(4)]
	m.site.ByPriority = rng.IntN(2) == 0
	m.site.OfflineTimeout = time.Duration(rng.IntN(3)) * 5 * time.Minute // 0: the default
	switch rng.IntN(4) {
	case 0: // a small site, often too small for everyone
		m.site.LimitW = 1 + rng.Int64N(15000)
	case 1: // a limit in whole kW, as most sites give it
		m.site.LimitW = 1000 * (1 + rng.Int64N(200))
	default:
		m.site.LimitW = 1 + rng.Int64N(300000)
	}
	return m
}

// step applies one random event and allocates again.
func (m *model) step(rng *rand.Rand) string {
	pick := func(st State) int {
		var idx []int
		for i, s := range m.sessions {
			if s.State == st {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return -1
		}
		return idx[rng.IntN(len(idx))]
	}
	what := ""
	switch e := rng.IntN(10); {
	case e < 3 || len(m.sessions) == 0:
		m.now = m.now.Add(time.Duration(rng.IntN(3)) * time.Second) // starts at the same time happen
		s := Session{ID: m.nextID, StationID: fc.ID(1 + rng.IntN(20)), ConnectorID: 1 + rng.IntN(2),
			MaxW: connectorMaxes[rng.IntN(len(connectorMaxes))], Priority: rng.IntN(3), StartedAt: m.now}
		if rng.IntN(5) == 0 {
			s.MaxW = 1 + rng.Int64N(30000)
		}
		m.nextID++
		m.sessions = append(m.sessions, s)
		what = fmt.Sprintf("start %s", s.ID)
	case e < 5:
		i := rng.IntN(len(m.sessions))
		what = fmt.Sprintf("stop %s", m.sessions[i].ID)
		m.sessions = slices.Delete(m.sessions, i, i+1)
	case e == 5:
		if i := pick(Charging); i >= 0 {
			m.sessions[i].State, m.sessions[i].OfflineSince = Offline, m.now
			what = fmt.Sprintf("disconnect %s", m.sessions[i].ID)
		}
	case e == 6:
		if i := pick(Offline); i >= 0 {
			m.sessions[i].State = Charging
			what = fmt.Sprintf("reconnect %s", m.sessions[i].ID)
		}
	case e == 7:
		if i := pick(Charging); i >= 0 {
			m.sessions[i].State = Rejected
			what = fmt.Sprintf("reject %s", m.sessions[i].ID)
		}
	case e == 8:
		if i := pick(Rejected); i >= 0 {
			m.sessions[i].State = Charging
			what = fmt.Sprintf("accept %s", m.sessions[i].ID)
		}
	default: // time passes: within the timeout or past it
		d := time.Duration(rng.IntN(20)) * time.Minute
		m.now = m.now.Add(d)
		what = fmt.Sprintf("wait %s", d)
	}
	return what
}

// check allocates for the current state, checks the result, and records
// what the stations now hold.
func (m *model) check(rng *rand.Rand) error {
	res, err := Allocate(m.site, m.sessions, m.now)
	if err != nil {
		return err
	}
	if err := checkResult(m.site, m.sessions, m.now, res); err != nil {
		return err
	}
	// A pure function of the state: the same for the sessions in any order.
	shuffled := slices.Clone(m.sessions)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again, err := Allocate(m.site, shuffled, m.now)
	if err != nil || !reflect.DeepEqual(again, res) {
		return fmt.Errorf("not a function of the state: %+v then %+v (%v)", res, again, err)
	}
	if err := checkChanges(m.last, res); err != nil {
		return err
	}
	m.last = res
	byID := map[fc.ID]Allocation{}
	for _, a := range res.Sessions {
		byID[a.SessionID] = a
	}
	for i := range m.sessions {
		if s := &m.sessions[i]; s.State == Charging {
			s.LastW = byID[s.ID].LimitW // the station took its new limit
		}
	}
	return nil
}

// checkResult checks res against the rules, computed again here.
func checkResult(site Site, sessions []Session, now time.Time, res Result) error {
	phases, volts := int64(cmp.Or(site.Phases, 3)), int64(cmp.Or(site.Voltage, 230))
	minW := 6 * phases * volts
	timeout := cmp.Or(site.OfflineTimeout, 10*time.Minute)
	if res.MinW != minW || res.LimitW != site.LimitW {
		return fmt.Errorf("minimum %d W, limit %d W; want %d W, %d W", res.MinW, res.LimitW, minW, site.LimitW)
	}
	if len(res.Sessions) != len(sessions) {
		return fmt.Errorf("%d allocations for %d sessions", len(res.Sessions), len(sessions))
	}
	if !slices.IsSortedFunc(res.Sessions, func(a, b Allocation) int { return cmp.Compare(a.SessionID, b.SessionID) }) {
		return fmt.Errorf("allocations not sorted by session ID")
	}
	got := map[fc.ID]Allocation{}
	var sum int64
	for _, a := range res.Sessions {
		got[a.SessionID] = a
		sum += a.LimitW
		if a.LimitTenths*phases*volts > a.LimitW*10 || (a.LimitTenths+1)*phases*volts <= a.LimitW*10 {
			return fmt.Errorf("session %s: %d W is not %d tenths of an ampere rounded down", a.SessionID, a.LimitW, a.LimitTenths)
		}
	}
	if sum != res.AllocatedW {
		return fmt.Errorf("allocated %d W, but the sessions sum to %d W", res.AllocatedW, sum)
	}

	capOf := func(s Session) int64 {
		if s.MaxW == 0 || s.MaxW > site.LimitW {
			return site.LimitW
		}
		return s.MaxW
	}
	var reserved int64
	var live []Session
	for _, s := range sessions {
		a, ok := got[s.ID]
		if !ok || a.StationID != s.StationID || a.ConnectorID != s.ConnectorID {
			return fmt.Errorf("session %s: allocation %+v", s.ID, a)
		}
		switch {
		case s.State == Rejected:
			if want := cmp.Or(s.MaxW, site.LimitW); a.LimitW != want || a.Reason != ReasonRejected {
				return fmt.Errorf("rejecting session %s counted at %d W (%s), want its maximum %d W", s.ID, a.LimitW, a.Reason, want)
			}
			reserved += a.LimitW
		case s.State == Offline && now.Sub(s.OfflineSince) < timeout:
			if a.LimitW != s.LastW || a.Reason != ReasonOffline {
				return fmt.Errorf("offline session %s counted at %d W (%s), want its last %d W", s.ID, a.LimitW, a.Reason, s.LastW)
			}
			reserved += a.LimitW
		case s.State == Offline:
			if a.LimitW != 0 || a.Reason != ReasonOfflineFreed {
				return fmt.Errorf("session %s offline past the timeout still counts %d W (%s)", s.ID, a.LimitW, a.Reason)
			}
		default:
			live = append(live, s)
		}
	}

	// The sum: never above the limit, unless the reserved sessions alone are.
	avail := site.LimitW - reserved
	if avail < 0 {
		if res.OvercommitW != -avail {
			return fmt.Errorf("reserved %d W over a %d W limit, but overcommit %d W", reserved, site.LimitW, res.OvercommitW)
		}
		avail = 0
	} else if res.OvercommitW != 0 || res.AllocatedW > site.LimitW {
		return fmt.Errorf("allocated %d W over the %d W limit (overcommit %d W)", res.AllocatedW, site.LimitW, res.OvercommitW)
	}
	var ampsW int64
	for _, a := range res.Sessions {
		ampsW += a.LimitTenths * phases * volts
	}
	if ampsW > max(site.LimitW, reserved)*10 {
		return fmt.Errorf("the ampere limits sum to %d/10 W, over the limit", ampsW)
	}

	// Admission order: priority (when it counts), then the oldest first.
	slices.SortFunc(live, func(a, b Session) int {
		if site.ByPriority && a.Priority != b.Priority {
			return b.Priority - a.Priority
		}
		return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.ID, b.ID))
	})
	var floors, given int64
	waiting := false
	var admitted []Session
	for _, s := range live {
		a, floor := got[s.ID], min(minW, capOf(s))
		if a.Reason == ReasonWaiting {
			if a.LimitW != 0 {
				return fmt.Errorf("waiting session %s has %d W", s.ID, a.LimitW)
			}
			if !waiting && floors+floor <= avail {
				return fmt.Errorf("session %s waits though its minimum %d W fits (%d W of %d W taken)", s.ID, floor, floors, avail)
			}
			waiting = true
			continue
		}
		if a.Reason != ReasonShare {
			return fmt.Errorf("charging session %s: reason %s", s.ID, a.Reason)
		}
		if waiting {
			return fmt.Errorf("session %s charges while an earlier one waits", s.ID)
		}
		if a.LimitW < floor || a.LimitW > capOf(s) {
			return fmt.Errorf("session %s: %d W outside its minimum %d W and maximum %d W", s.ID, a.LimitW, floor, capOf(s))
		}
		floors += floor
		given += a.LimitW
		admitted = append(admitted, s)
	}
	if given > avail {
		return fmt.Errorf("the charging sessions have %d W of the %d W left", given, avail)
	}

	// The share: nothing left over while a session could take more, equal
	// levels within a priority group, and a lower group above its minimums
	// only when the groups above are full.
	for _, s := range admitted {
		a := got[s.ID]
		if a.LimitW >= capOf(s) {
			continue
		}
		if given != avail {
			return fmt.Errorf("session %s is below its maximum, yet %d W of %d W are left", s.ID, avail-given, avail)
		}
		for _, o := range admitted {
			b, bFloor := got[o.ID], min(minW, capOf(o))
			sameLevel := !site.ByPriority || o.Priority == s.Priority
			switch {
			case sameLevel && b.LimitW > a.LimitW+1 && b.LimitW != bFloor:
				return fmt.Errorf("unequal shares: session %s has %d W, session %s %d W", s.ID, a.LimitW, o.ID, b.LimitW)
			case site.ByPriority && o.Priority < s.Priority && b.LimitW != bFloor:
				return fmt.Errorf("priority %d session %s is below its maximum while priority %d session %s has %d W over its minimum",
					s.Priority, s.ID, o.Priority, o.ID, b.LimitW-bFloor)
			}
		}
	}
	return nil
}

// checkChanges checks that Changes leads from prev to next and that the
// limits after the first step are nowhere above next's.
func checkChanges(prev, next Result) error {
	first, then := Changes(prev, next)
	held := map[fc.ID]int64{}
	for _, a := range prev.Sessions {
		held[a.SessionID] = a.LimitW
	}
	for _, c := range first {
		if !c.New && c.LimitW >= c.FromW {
			return fmt.Errorf("change %+v is not a lowering", c)
		}
		held[c.SessionID] = c.LimitW
	}
	for _, a := range next.Sessions {
		if (a.Reason == ReasonShare || a.Reason == ReasonWaiting) && held[a.SessionID] > a.LimitW {
			return fmt.Errorf("after the first step session %s holds %d W, above its new %d W", a.SessionID, held[a.SessionID], a.LimitW)
		}
	}
	for _, c := range then {
		if c.LimitW <= c.FromW {
			return fmt.Errorf("change %+v is not a raise", c)
		}
		held[c.SessionID] = c.LimitW
	}
	for _, a := range next.Sessions {
		if (a.Reason == ReasonShare || a.Reason == ReasonWaiting) && held[a.SessionID] != a.LimitW {
			return fmt.Errorf("after both steps session %s holds %d W, not %d W", a.SessionID, held[a.SessionID], a.LimitW)
		}
	}
	return nil
}

// The checks above must be able to fail: a few broken results.
func TestCheckResultCatches(t *testing.T) {
	site := Site{LimitW: 22000}
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	sessions := []Session{
		{ID: 1, StationID: 1, MaxW: 22000, StartedAt: now},
		{ID: 2, StationID: 2, MaxW: 22000, StartedAt: now.Add(time.Minute)},
		{ID: 3, StationID: 3, MaxW: 22000, StartedAt: now.Add(2 * time.Minute)},
	}
	good, err := Allocate(site, sessions, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkResult(site, sessions, now, good); err != nil {
		t.Fatalf("a correct result fails the check: %v", err)
	}
	for name, spoil := range map[string]func(r *Result){
		"over the limit":  func(r *Result) { r.Sessions[0].LimitW += 1; r.AllocatedW++ },
		"unequal":         func(r *Result) { r.Sessions[0].LimitW += 100; r.Sessions[1].LimitW -= 100 },
		"newest charges":  func(r *Result) { r.Sessions[0].LimitW, r.Sessions[0].Reason = 0, ReasonWaiting },
		"rounded up":      func(r *Result) { r.Sessions[2].LimitTenths++ },
		"sum misreported": func(r *Result) { r.AllocatedW-- },
	} {
		bad := good
		bad.Sessions = slices.Clone(good.Sessions)
		spoil(&bad)
		if err := checkResult(site, sessions, now, bad); err == nil {
			t.Errorf("%s: the check passes %+v", name, bad)
		}
	}
}
