package app

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/loadmgmt"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestLoadManagerProperty drives the manager with random sequences of
// session starts and stops, disconnections, reconnections, passing time
// and stations that reject profiles, over random sites, against fake
// stations that keep the profiles they take. It checks:
//
//   - whenever a station takes a profile that raises a session's limit
//     (above its last one, or above the default profile it drew on), what
//     the stations hold for their running sessions (a session without a
//     profile of its own at its station's default profile) sums to at most
//     the limit, less what the sessions of stations that rejected a
//     profile are counted at (their connector's maximum): the lowered
//     limits go out before the raised ones. The sessions of a station back
//     after its offline timeout are not counted until it takes a new
//     profile: the rules let them draw beside the others for that moment;
//   - after every event, the division (loadmgmt.Allocate over the state
//     the model keeps: sessions, connections, the limits each offline
//     station holds, rejecting stations) sums to at most the limit unless
//     rejecting or offline stations alone take more, and gives every
//     charging session with room at least its minimum;
//   - after every event the stations come to hold exactly that division:
//     no limit is older than the event that changed it.
func TestLoadManagerProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seeds := 30
		if testing.Short() {
			seeds = 8
		}
		for seed := range seeds {
			t.Run(fmt.Sprint(seed), func(t *testing.T) { loadProperty(t, s, uint64(seed)) })
		}
	})
}

// loadModel is what the test knows of the site.
type loadModel struct {
	w        *loadWorld
	grid     loadmgmt.Site
	stations []modelStation
	running  map[fc.ID]*modelSession
	offline  map[string]time.Time // station → offline since
	lastW    map[fc.ID]int64      // session → the limit its station holds, in watts
	// stale are sessions of stations back after the offline timeout, until
	// their station takes a new profile for them.
	stale map[fc.ID]bool
	// events are what happened, for a failure's message.
	events []string
}

type modelStation struct {
	identity   string
	connectors int
	maxW       int64
	rejects    bool
}

type modelSession struct {
	id        fc.ID
	station   *modelStation
	connector int
}

func loadProperty(t *testing.T, s *store.Store, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 20))
	limits := []int64{7400, 11000, 22000, 50000}
	phases := []int{1, 3}[r.IntN(2)]
	w := newLoadWorld(t, s, limits[r.IntN(len(limits))], phases)
	if r.IntN(2) == 0 {
		w.location.LoadSharing = fc.LoadSharePriority
		_, err := s.UpdateLocation(w.ctx, fc.ProviderScope(w.provider), w.location.ID, func(l *fc.Location) error {
			l.LoadSharing = fc.LoadSharePriority
			return nil
		})
		w.must(err)
	}
	m := &loadModel{w: w, running: map[fc.ID]*modelSession{}, offline: map[string]time.Time{}, lastW: map[fc.ID]int64{},
		stale: map[fc.ID]bool{}}
	m.grid = loadmgmt.SiteOf(w.location)
	m.grid.ByPriority = w.location.LoadSharing == fc.LoadSharePriority
	maxes := []int64{0, 3700, 7400, 11000, 22000}
	for i := range 2 + r.IntN(3) {
		ms := modelStation{identity: fmt.Sprintf("P%d-S%d", seed, i), connectors: 1 + r.IntN(2), maxW: maxes[r.IntN(len(maxes))], rejects: r.IntN(6) == 0}
		w.station(ms.identity, ms.connectors, ms.maxW, r.IntN(2), ms.rejects)
		m.stations = append(m.stations, ms)
	}
	var failures []string
	w.grid.taken = func(c gridCall, before int64) { // under the fake's lock
		if before < 0 {
			before = w.grid.st[c.identity].def
		}
		if c.tenths <= before {
			return // a lowering
		}
		if msg := m.heldWithinLimit(); msg != "" && len(failures) < 5 {
			failures = append(failures, fmt.Sprintf("%s raised from %d to %d tenths: %s", c.identity, before, c.tenths, msg))
		}
	}
	w.run()
	// Every station boots first and holds the location's default profile.
	for _, st := range m.stations {
		w.event(fc.EventBooted, st.identity, 0)
	}
	waitFor(t, "the default profiles", func() bool {
		w.grid.mu.Lock()
		defer w.grid.mu.Unlock()
		for _, st := range m.stations {
			if gs := w.grid.st[st.identity]; gs.def < 0 && !gs.rejects {
				return false
			}
		}
		return true
	})
	for step := range 30 {
		m.randomEvent(r)
		m.settle(fmt.Sprintf("seed %d step %d", seed, step))
		w.grid.mu.Lock()
		f := append([]string(nil), failures...)
		w.grid.mu.Unlock()
		if len(f) > 0 {
			w.grid.mu.Lock()
			calls := w.grid.calls[max(0, len(w.grid.calls)-20):]
			w.grid.mu.Unlock()
			t.Fatalf("seed %d step %d: %v\nevents: %v\nlast profiles taken: %+v", seed, step, f, m.events, calls)
		}
	}
}

// heldWithinLimit checks what the stations hold when one was raised; it
// runs under the fake's lock.
func (m *loadModel) heldWithinLimit() string {
	var held, reserved int64
	watts := func(tenths int64) int64 { return tenths * int64(m.grid.Phases) * 230 / 10 }
	for _, x := range m.running {
		if m.w.grid.rejected[x.id] {
			reserved += cmpOr(x.station.maxW, m.grid.LimitW)
			continue
		}
		if m.stale[x.id] {
			continue
		}
		gs := m.w.grid.st[x.station.identity]
		if p, ok := gs.tx[x.connector]; ok && p.session == x.id {
			held += watts(p.tenths)
		} else {
			held += watts(gs.def)
		}
	}
	if bound := max(0, m.grid.LimitW-reserved); held > bound {
		return fmt.Sprintf("stations hold %d W for their sessions, over %d W (limit %d W, %d W counted for rejecting stations)",
			held, bound, m.grid.LimitW, reserved)
	}
	return ""
}

func cmpOr(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

// randomEvent makes one event happen.
func (m *loadModel) randomEvent(r *rand.Rand) {
	w := m.w
	st := &m.stations[r.IntN(len(m.stations))]
	_, off := m.offline[st.identity]
	k := r.IntN(10)
	m.events = append(m.events, fmt.Sprintf("%d@%s", k, st.identity))
	switch {
	case k < 4 && !off: // a start on a free connector
		for c := 1; c <= st.connectors; c++ {
			if m.sessionOn(st, c) == nil {
				id := w.start(st.identity, c)
				m.running[id] = &modelSession{id: id, station: st, connector: c}
				return
			}
		}
	case k < 6 && !off: // a stop
		for c := 1; c <= st.connectors; c++ {
			if x := m.sessionOn(st, c); x != nil {
				w.grid.mu.Lock()
				delete(m.running, x.id)
				w.grid.mu.Unlock()
				w.stop(st.identity, c, x.id)
				return
			}
		}
	case k < 7 && !off:
		m.offline[st.identity] = w.clock.Now()
		w.disconnect(st.identity)
	case k < 8 && off:
		delete(m.offline, st.identity)
		w.reconnect(st.identity)
	case k < 10:
		d := time.Duration(r.IntN(8)) * time.Minute
		w.clock.advance(d)
		for id, since := range m.offline {
			if !w.clock.Now().Before(since.Add(DefaultLoadOfflineTimeout)) {
				w.grid.mu.Lock()
				for _, x := range m.running {
					if x.station.identity == id {
						m.stale[x.id] = true
					}
				}
				w.grid.mu.Unlock()
			}
		}
		w.ops.load.poke()
	}
}

func (m *loadModel) sessionOn(st *modelStation, connector int) *modelSession {
	for _, x := range m.running {
		if x.station == st && x.connector == connector {
			return x
		}
	}
	return nil
}

// expected divides the site as the model sees it.
func (m *loadModel) expected() loadmgmt.Result {
	w := m.w
	var in []loadmgmt.Session
	site, err := w.s.LoadSite(w.ctx, w.provider, w.location.ID)
	w.must(err)
	for _, x := range site.Sessions {
		ms := m.running[x.SessionID]
		if ms == nil {
			w.t.Fatalf("the store runs session %d, the model does not", x.SessionID)
		}
		s := loadmgmt.Session{ID: x.SessionID, StationID: x.StationID, ConnectorID: x.ConnectorID, MaxW: ms.station.maxW,
			Priority: x.Priority, StartedAt: x.StartedAt}
		last, ok := m.lastW[x.SessionID]
		if !ok {
			last = defaultShare(site)
		}
		s.LastW = last
		since, off := m.offline[ms.station.identity]
		switch {
		case ms.station.rejects:
			s.State = loadmgmt.Rejected
		case off:
			s.State, s.OfflineSince = loadmgmt.Offline, since
		}
		in = append(in, s)
	}
	if len(in) != len(m.running) {
		w.t.Fatalf("the store runs %d sessions, the model %d", len(in), len(m.running))
	}
	res, err := loadmgmt.Allocate(m.grid, in, w.clock.Now())
	w.must(err)
	return res
}

// settle waits until the stations hold the division of the current state,
// and checks the division itself.
func (m *loadModel) settle(at string) {
	w := m.w
	w.t.Helper()
	res := m.expected()
	if res.AllocatedW > res.LimitW+res.OvercommitW {
		w.t.Fatalf("%s: %d W allocated over the limit of %d W", at, res.AllocatedW, res.LimitW)
	}
	var reserved int64
	for _, a := range res.Sessions {
		if a.Reason == loadmgmt.ReasonRejected || a.Reason == loadmgmt.ReasonOffline {
			reserved += a.LimitW
		}
	}
	room := res.LimitW - reserved
	for _, a := range res.Sessions {
		if a.Reason == loadmgmt.ReasonShare && a.LimitW < min(res.MinW, cmpOr(m.running[a.SessionID].station.maxW, res.LimitW)) {
			w.t.Fatalf("%s: session %d given %d W, under the minimum", at, a.SessionID, a.LimitW)
		}
		if a.Reason == loadmgmt.ReasonWaiting && room >= res.MinW*int64(len(res.Sessions)) {
			w.t.Fatalf("%s: session %d waits though the site has room for every session's minimum", at, a.SessionID)
		}
	}
	for _, a := range res.Sessions {
		x := m.running[a.SessionID]
		if a.Reason != loadmgmt.ReasonShare && a.Reason != loadmgmt.ReasonWaiting {
			continue
		}
		w.waitHeld(x.station.identity, x.connector, a.SessionID, a.LimitTenths)
	}
	w.grid.mu.Lock()
	defer w.grid.mu.Unlock()
	for _, a := range res.Sessions {
		if a.Reason == loadmgmt.ReasonShare || a.Reason == loadmgmt.ReasonWaiting {
			m.lastW[a.SessionID] = a.LimitW
			delete(m.stale, a.SessionID)
		}
	}
	for id := range m.lastW {
		if m.running[id] == nil {
			delete(m.lastW, id)
			delete(m.stale, id)
		}
	}
}
