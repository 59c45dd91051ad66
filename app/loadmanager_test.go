package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/loadmgmt"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// gridStations is a Commander that answers SetChargingProfile and
// ClearChargingProfile as OCPP 1.6 stations do, keeping the profiles each
// station holds.
type gridStations struct {
	mu sync.Mutex
	st map[string]*gridStation
	// calls are the profiles the stations took, in order.
	calls []gridCall
	// taken, when set, runs under the lock after each TxProfile a station
	// took, with the limit the session held before (-1: none of its own).
	taken func(c gridCall, before int64)
	// rejected are the sessions whose profile a station rejected.
	rejected map[fc.ID]bool
}

type gridStation struct {
	online, rejects bool
	// def is the TxDefaultProfile's limit in tenths of an ampere, -1 none;
	// tx the TxProfile per connector.
	def int64
	tx  map[int]gridProfile
}

type gridProfile struct {
	session fc.ID
	tenths  int64
}

type gridCall struct {
	identity, purpose string
	connector         int
	session           fc.ID
	tenths            int64
}

func newGridStations() *gridStations {
	return &gridStations{st: map[string]*gridStation{}, rejected: map[fc.ID]bool{}}
}

func (g *gridStations) add(identity string, rejects bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.st[identity] = &gridStation{online: true, rejects: rejects, def: -1, tx: map[int]gridProfile{}}
}

func (g *gridStations) setOnline(identity string, on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.st[identity].online = on
}

// stopped drops the transaction's profile, as a station does when the
// transaction ends.
func (g *gridStations) stopped(identity string, connector int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.st[identity].tx, connector)
}

// held returns the TxProfile limit a station holds for a session.
func (g *gridStations) held(identity string, connector int, session fc.ID) (int64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.st[identity].tx[connector]
	if !ok || p.session != session {
		return 0, false
	}
	return p.tenths, true
}

func (g *gridStations) callsOf(purpose string) []gridCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []gridCall
	for _, c := range g.calls {
		if c.purpose == purpose {
			out = append(out, c)
		}
	}
	return out
}

func (g *gridStations) Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.st[identity]
	if s == nil || !s.online {
		return nil, fc.Errorf(fc.EConflict, "station %s is not connected", identity)
	}
	switch action {
	case "SetChargingProfile":
		var req struct {
			ConnectorID int `json:"connectorId"`
			Profile     struct {
				ID            int    `json:"chargingProfileId"`
				TransactionID int64  `json:"transactionId"`
				Purpose       string `json:"chargingProfilePurpose"`
				Schedule      struct {
					Unit    string `json:"chargingRateUnit"`
					Periods []struct {
						Limit json.Number `json:"limit"`
					} `json:"chargingSchedulePeriod"`
				} `json:"chargingSchedule"`
			} `json:"csChargingProfiles"`
		}
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, err
		}
		if s.rejects {
			if req.Profile.Purpose == "TxProfile" {
				g.rejected[fc.ID(req.Profile.TransactionID)] = true
			}
			return json.RawMessage(`{"status":"Rejected"}`), nil
		}
		p := req.Profile
		if p.Schedule.Unit != "A" || len(p.Schedule.Periods) != 1 {
			return nil, fmt.Errorf("unexpected schedule %s", b)
		}
		f, err := strconv.ParseFloat(string(p.Schedule.Periods[0].Limit), 64)
		if err != nil {
			return nil, err
		}
		tenths := int64(f*10 + 0.5)
		call := gridCall{identity, p.Purpose, req.ConnectorID, fc.ID(p.TransactionID), tenths}
		g.calls = append(g.calls, call)
		switch p.Purpose {
		case "TxDefaultProfile":
			s.def = tenths
		case "TxProfile":
			before := int64(-1)
			if old, ok := s.tx[req.ConnectorID]; ok && old.session == call.session {
				before = old.tenths
			}
			s.tx[req.ConnectorID] = gridProfile{call.session, tenths}
			if g.taken != nil {
				g.taken(call, before)
			}
		default:
			return nil, fmt.Errorf("unexpected purpose %s", p.Purpose)
		}
		return json.RawMessage(`{"status":"Accepted"}`), nil
	case "ClearChargingProfile":
		var req struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, err
		}
		for c := range s.tx {
			if LoadProfileTxBaseID+c == req.ID {
				delete(s.tx, c)
			}
		}
		return json.RawMessage(`{"status":"Accepted"}`), nil
	}
	return nil, fc.Errorf(fc.ENotImplemented, "%s is not implemented", action)
}

// clock is a settable clock for the store and the manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// loadWorld is a location with a limit and stations, divided by a running
// Operations over gridStations.
type loadWorld struct {
	t        *testing.T
	s        *store.Store
	ctx      context.Context
	clock    *clock
	ops      *Operations
	grid     *gridStations
	provider fc.ID
	location *fc.Location
	groups   []*fc.ChargeGroup
	stations map[string]*fc.Station
	admin    access.Subject
}

func newLoadWorld(t *testing.T, s *store.Store, limitW int64, phases int) *loadWorld {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	w := &loadWorld{t: t, s: s, ctx: ctx, grid: newGridStations(), stations: map[string]*fc.Station{},
		clock: &clock{t: time.Now().UTC().Truncate(time.Millisecond)}}
	s.Now = w.clock.Now
	p := &fc.Provider{Name: "CPO"}
	w.must(s.CreateProvider(ctx, p))
	w.provider = p.ID
	org := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
	w.must(s.CreateOrganization(ctx, org))
	acc := &fc.Account{ProviderID: p.ID, OrganizationID: org.ID, Name: "Site owner", Kind: fc.AccountCompany}
	w.must(s.CreateAccount(ctx, acc))
	for i, prio := range []int{10, 0} {
		g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: acc.ID, Name: fmt.Sprintf("Group %d", i), Kind: fc.GroupOther,
			Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}, LoadPriority: prio}
		w.must(s.CreateChargeGroup(ctx, g))
		w.groups = append(w.groups, g)
	}
	w.location = &fc.Location{ProviderID: p.ID, AccountID: acc.ID, Name: "Car park", Kind: fc.LocationOffice,
		MaxPowerW: limitW, Phases: phases, Voltage: 230}
	w.must(s.CreateLocation(ctx, w.location))
	admin := &fc.User{ProviderID: p.ID, Email: fmt.Sprintf("admin-%d@example.com", p.ID), Name: "Admin"}
	w.must(s.CreateUser(ctx, admin))
	as := &fc.Assignment{ProviderID: p.ID, UserID: admin.ID, Role: fc.RoleProviderAdmin}
	w.must(s.CreateAssignment(ctx, as))
	w.admin = access.NewSubject(admin, []fc.Assignment{*as})
	return w
}

func (w *loadWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// station adds a station at the location, online, with connectors of a
// maximum, in a charge group.
func (w *loadWorld) station(identity string, connectors int, maxW int64, group int, rejects bool) *fc.Station {
	w.t.Helper()
	st := &fc.Station{ProviderID: w.provider, AccountID: w.location.AccountID, LocationID: w.location.ID,
		ChargeGroupID: w.groups[group].ID, Identity: identity, PasswordHash: "x", ConnectorMaxW: maxW}
	w.must(w.s.CreateStation(w.ctx, st, connectors))
	w.must(w.s.SetConnection(w.ctx, st.ID, true, fc.OCPP16, w.clock.Now()))
	w.grid.add(identity, rejects)
	w.stations[identity] = st
	return st
}

// run starts the manager.
func (w *loadWorld) run() {
	w.ops = NewOperations(w.s, nil, w.clock.Now)
	w.ops.lists.debounce = time.Millisecond
	w.ops.load.debounce = time.Millisecond
	w.ops.SetCommander(w.grid)
	runCtx, cancel := context.WithCancel(w.ctx)
	done := make(chan struct{})
	go func() { w.ops.Run(runCtx); close(done) }()
	w.t.Cleanup(func() { cancel(); <-done })
}

func (w *loadWorld) event(kind, identity string, session fc.ID) {
	st := w.stations[identity]
	w.ops.StationEvent(w.ctx, fc.StationEvent{Kind: kind, StationID: st.ID, ProviderID: w.provider, Identity: identity,
		OCPPVersion: fc.OCPP16, SessionID: session, At: w.clock.Now()})
}

func (w *loadWorld) start(identity string, connector int) fc.ID {
	w.t.Helper()
	sess, _, err := w.s.StartTransaction(w.ctx, fc.StartTransaction{StationID: w.stations[identity].ID, ConnectorID: connector,
		IDTag: "GUEST", Timestamp: w.clock.Now()})
	w.must(err)
	w.clock.advance(time.Second)
	w.event(fc.EventSessionStarted, identity, sess.ID)
	return sess.ID
}

func (w *loadWorld) stop(identity string, connector int, session fc.ID) {
	w.t.Helper()
	_, err := w.s.StopTransaction(w.ctx, fc.StopTransaction{StationID: w.stations[identity].ID, TransactionID: session,
		MeterStop: 1000, Timestamp: w.clock.Now()})
	w.must(err)
	w.grid.stopped(identity, connector)
	w.clock.advance(time.Second)
	w.event(fc.EventSessionStopped, identity, session)
}

func (w *loadWorld) disconnect(identity string) {
	w.t.Helper()
	w.grid.setOnline(identity, false)
	w.must(w.s.SetConnection(w.ctx, w.stations[identity].ID, false, "", w.clock.Now()))
	w.event(fc.EventDisconnected, identity, 0)
}

func (w *loadWorld) reconnect(identity string) {
	w.t.Helper()
	w.grid.setOnline(identity, true)
	w.must(w.s.SetConnection(w.ctx, w.stations[identity].ID, true, fc.OCPP16, w.clock.Now()))
	w.event(fc.EventConnected, identity, 0)
}

// amps returns the tenths of an ampere per phase of w watts at the
// location.
func (w *loadWorld) amps(watts int64) int64 {
	return loadmgmt.Site{Phases: w.location.Phases, Voltage: w.location.Voltage}.Tenths(watts)
}

// waitHeld waits until the station holds want (tenths of an ampere) for
// the session.
func (w *loadWorld) waitHeld(identity string, connector int, session fc.ID, want int64) {
	w.t.Helper()
	waitFor(w.t, fmt.Sprintf("%s connector %d to hold %d tenths for session %d", identity, connector, want, session), func() bool {
		got, ok := w.grid.held(identity, connector, session)
		return ok && got == want
	})
}

func TestLoadManagerSharesAndRaises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newLoadWorld(t, s, 22000, 3)
		for _, id := range []string{"A", "B", "C"} {
			w.station(id, 1, 22000, 1, false)
		}
		w.run()
		a := w.start("A", 1)
		w.waitHeld("A", 1, a, w.amps(22000))
		b := w.start("B", 1)
		w.waitHeld("B", 1, b, w.amps(11000))
		w.waitHeld("A", 1, a, w.amps(11000))
		c := w.start("C", 1)
		for id, sess := range map[string]fc.ID{"A": a, "B": b, "C": c} {
			w.waitHeld(id, 1, sess, w.amps(22000/3+1)) // the odd watt to the oldest does not change the amperes
		}
		// Never above the limit on the way: A and B were lowered before C
		// got its own profile.
		calls := w.grid.callsOf("TxProfile")
		firstC := slices.IndexFunc(calls, func(c gridCall) bool { return c.identity == "C" })
		for _, c := range calls[firstC:] {
			if c.tenths > w.amps(22000/3+1) {
				t.Errorf("a raise was sent with C's profile: %+v", c)
			}
		}
		w.stop("A", 1, a)
		w.waitHeld("B", 1, b, w.amps(11000))
		w.waitHeld("C", 1, c, w.amps(11000))
		// The history keeps every limit B was given.
		waitFor(t, "B's history", func() bool {
			h, err := s.SessionAllocations(w.ctx, access.SessionScopeFor(w.admin), b)
			w.must(err)
			return len(h) == 3 && h[0].LimitW == 11000 && h[1].LimitW == 7333 && h[2].LimitW == 11000
		})
		load, err := (&Service{Store: s}).LocationLoad(w.ctx, w.admin, w.location.ID)
		w.must(err)
		if load.LimitW != 22000 || load.AllocatedW != 22000 || len(load.Sessions) != 2 {
			t.Errorf("location load = %+v, want 22 kW given over 2 sessions", load)
		}
	})
}

func TestLoadManagerRejectingStation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newLoadWorld(t, s, 30000, 3)
		w.station("OK-1", 1, 11000, 1, false)
		w.station("OK-2", 1, 11000, 1, false)
		w.station("OLD", 1, 22000, 1, true)
		w.run()
		a := w.start("OK-1", 1)
		w.waitHeld("OK-1", 1, a, w.amps(11000))
		w.start("OLD", 1)
		// OLD counts at its 22 kW maximum: 8 kW is left, so OK-1 keeps its
		// minimum... 8 kW share for the one charging session.
		w.waitHeld("OK-1", 1, a, w.amps(8000))
		b := w.start("OK-2", 1)
		// 8 kW holds one minimum (4,140 W) and not two: the newest waits.
		w.waitHeld("OK-1", 1, a, w.amps(8000))
		w.waitHeld("OK-2", 1, b, 0)
		w.stop("OK-1", 1, a)
		w.waitHeld("OK-2", 1, b, w.amps(8000))
	})
}

func TestLoadManagerOfflineStation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newLoadWorld(t, s, 22000, 3)
		w.station("A", 1, 0, 1, false)
		w.station("B", 1, 0, 1, false)
		w.station("C", 1, 0, 1, false)
		w.run()
		a := w.start("A", 1)
		b := w.start("B", 1)
		w.waitHeld("A", 1, a, w.amps(11000))
		w.waitHeld("B", 1, b, w.amps(11000))
		w.disconnect("A")
		c := w.start("C", 1)
		// A keeps its 11 kW counted: B and C share the other 11 kW.
		w.waitHeld("B", 1, b, w.amps(5500))
		w.waitHeld("C", 1, c, w.amps(5500))
		// Past the timeout its share goes to the others.
		w.clock.advance(DefaultLoadOfflineTimeout + time.Second)
		w.ops.load.poke()
		w.waitHeld("B", 1, b, w.amps(11000))
		w.waitHeld("C", 1, c, w.amps(11000))
		// Back, it is given a share again, the others lowered first.
		w.reconnect("A")
		w.waitHeld("A", 1, a, w.amps(22000/3+1))
		w.waitHeld("B", 1, b, w.amps(22000/3))
	})
}

func TestLoadManagerDefaultProfileAtBoot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newLoadWorld(t, s, 22000, 3)
		w.station("A", 2, 22000, 1, false)
		w.station("B", 2, 22000, 1, false)
		w.run()
		w.event(fc.EventBooted, "A", 0)
		waitFor(t, "A's default profile", func() bool {
			for _, c := range w.grid.callsOf("TxDefaultProfile") {
				if c.identity == "A" && c.connector == 0 && c.tenths == w.amps(22000/4) {
					return true
				}
			}
			return false
		})
	})
}

func TestLoadManagerRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newLoadWorld(t, s, 22000, 3)
		w.station("A", 1, 0, 1, false)
		w.station("B", 1, 0, 1, false)
		w.run()
		a := w.start("A", 1)
		b := w.start("B", 1)
		w.waitHeld("A", 1, a, w.amps(11000))
		w.waitHeld("B", 1, b, w.amps(11000))
		waitFor(t, "the limits recorded", func() bool {
			load, err := (&Service{Store: s}).LocationLoad(w.ctx, w.admin, w.location.ID)
			w.must(err)
			return len(load.Sessions) == 2 && load.Sessions[0].LimitW == 11000 && load.Sessions[1].LimitW == 11000
		})
		before := len(w.grid.callsOf("TxProfile"))
		// A second manager on the same database (a restart) reads what the
		// stations hold from the history and sends nothing unchanged.
		ops := NewOperations(s, nil, w.clock.Now)
		ops.load.debounce = time.Millisecond
		ops.SetCommander(w.grid)
		ops.load.round(w.ctx)
		if after := len(w.grid.callsOf("TxProfile")); after != before {
			t.Errorf("after a restart %d profiles were sent again, want none: %+v", after-before, w.grid.callsOf("TxProfile")[before:])
		}
	})
}

func TestLoadManagerLimitChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newLoadWorld(t, s, 22000, 3)
		w.station("A", 1, 0, 1, false)
		w.run()
		a := w.start("A", 1)
		w.waitHeld("A", 1, a, w.amps(22000))
		svc := &Service{Store: s, Operations: w.ops}
		_, err := svc.UpdateLocation(w.ctx, w.admin, w.location.ID, func(l *fc.Location) error {
			l.MaxPowerW = 11000
			return nil
		})
		w.must(err)
		w.waitHeld("A", 1, a, w.amps(11000))
		_, err = svc.UpdateLocation(w.ctx, w.admin, w.location.ID, func(l *fc.Location) error {
			l.MaxPowerW = 0
			return nil
		})
		w.must(err)
		waitFor(t, "A's profile cleared", func() bool {
			_, ok := w.grid.held("A", 1, a)
			return !ok
		})
	})
}
