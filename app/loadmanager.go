package app

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/loadmgmt"
)

// Load management (issue 20): a location's power limit divided over the
// sessions charging there (package loadmgmt does the arithmetic). The
// manager divides a location again when one of its sessions starts or
// stops, when one of its stations connects or disconnects, when an offline
// station's timeout runs out and when the location's settings change, and
// sends every changed limit to its station as the transaction's charging
// profile (TxProfile, in amperes per phase), the lowered ones and the new
// sessions' first and the raised ones only once those were taken, so that
// what the stations may draw never sums above the limit on the way.
//
// A station that rejects a profile, or does not answer, is counted at its
// connector's maximum from then on, and the location is divided again
// without it (its other sessions lowered first); it is tried again when it
// boots or reconnects. A station that is not connected keeps the profile it
// holds, and counts at it, until it has been offline for the offline
// timeout.
//
// At boot a station of a limited location gets a default profile
// (TxDefaultProfile on every connector): the limit divided by the
// location's connectors. It bounds what a session draws before the server
// speaks: while the server cannot reach the stations, the location stays
// within its limit even when every connector charges. A session that
// starts while the others hold their shares draws its default on top of
// them until they are lowered, a moment the division cannot avoid.
//
// Every limit given is kept per session (session_allocations); what the
// stations hold is also kept in memory per location, and read back from
// that history after a restart.

// Load management's charging profiles: the IDs and stack levels it uses on
// the stations, the transaction's profile one per connector.
const (
	LoadProfileDefaultID = 900 // TxDefaultProfile, connector 0
	LoadProfileTxBaseID  = 900 // TxProfile: this plus the connector ID
	LoadStackLevel       = 1   // TxProfile above the station's defaults
)

// DefaultLoadOfflineTimeout is how long an offline station's limit stays
// counted before its share goes to the others.
const DefaultLoadOfflineTimeout = loadmgmt.DefaultOfflineTimeout

// loadManager divides the limited locations' power over their sessions.
type loadManager struct {
	o *Operations
	// debounce gathers the events of a boot storm into one division per
	// location; every is the interval of the sweep over every limited
	// location (it also catches changes made by another process); workers
	// bounds the locations divided at once; timeout is the offline timeout.
	debounce time.Duration
	every    time.Duration
	workers  int
	timeout  time.Duration

	wake chan struct{}

	mu      sync.Mutex
	all     bool
	sites   map[fc.SiteRef]bool
	booted  map[fc.ID]bool      // stations that booted: default profile, retry
	resend  map[fc.ID]bool      // stations that reconnected: profiles again
	offline map[fc.ID]time.Time // station → disconnected at
	due     map[fc.SiteRef]time.Time

	smu   sync.Mutex
	state map[fc.SiteRef]*siteState

	stats struct {
		divisions, taken, rejected, unreachable atomic.Int64
	}
}

// LoadStats counts what load management did since the process started.
type LoadStats struct {
	// Divisions counts the locations divided; Taken the charging profiles
	// stations took; Rejected those rejected or unanswered (the session
	// then counts at its connector's maximum); Unreachable those not sent
	// as the station was not connected.
	Divisions, Taken, Rejected, Unreachable int64
}

// LoadStats returns load management's counts, for the metrics.
func (o *Operations) LoadStats() LoadStats {
	st := &o.load.stats
	return LoadStats{st.divisions.Load(), st.taken.Load(), st.rejected.Load(), st.unreachable.Load()}
}

// siteState is what the stations of one location hold, as far as the
// manager knows; its mutex makes one division of a location at a time.
type siteState struct {
	mu       sync.Mutex
	known    bool
	held     loadmgmt.Result // the limits the stations took, per session
	rejected map[fc.ID]bool  // sessions whose station rejected a profile
	// unreachable are the stations found not connected to this process
	// during the division under way, with when: offline for it only, as
	// the station may connect again while it runs (its events say so).
	unreachable map[fc.ID]time.Time
}

func newLoadManager(o *Operations) *loadManager {
	return &loadManager{o: o, debounce: 20 * time.Millisecond, every: 5 * time.Minute, workers: 16,
		timeout: DefaultLoadOfflineTimeout, wake: make(chan struct{}, 1), all: true,
		sites: map[fc.SiteRef]bool{}, booted: map[fc.ID]bool{}, resend: map[fc.ID]bool{},
		offline: map[fc.ID]time.Time{}, due: map[fc.SiteRef]time.Time{}, state: map[fc.SiteRef]*siteState{}}
}

// SetLoadOfflineTimeout sets how long an offline station's limit stays
// counted (DefaultLoadOfflineTimeout unless set); call before Run.
func (o *Operations) SetLoadOfflineTimeout(d time.Duration) {
	if d > 0 {
		o.load.timeout = d
	}
}

func (m *loadManager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// observe hears a station event: a session that starts or stops, a
// station that boots, connects or disconnects makes its location divided
// again (the station's location is looked up in the round).
func (m *loadManager) observe(e fc.StationEvent) {
	m.mu.Lock()
	switch e.Kind {
	case fc.EventSessionStarted, fc.EventSessionStopped:
		m.resend[e.StationID] = m.resend[e.StationID] || false
	case fc.EventBooted:
		m.booted[e.StationID] = true
		delete(m.offline, e.StationID)
	case fc.EventConnected:
		m.resend[e.StationID] = true
		delete(m.offline, e.StationID)
	case fc.EventDisconnected:
		m.offline[e.StationID] = e.At
		m.resend[e.StationID] = m.resend[e.StationID] || false
	default:
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	m.poke()
}

// loadChanged tells the manager that a location's limit or sharing, or
// the priorities or connector maximums of a provider's stations, may have
// changed: every limited location of the provider (one, when locationID is
// not 0) is divided again. Nil-safe.
func (o *Operations) loadChanged(providerID, locationID fc.ID) {
	if o == nil || providerID == 0 {
		return
	}
	m := o.load
	m.mu.Lock()
	if locationID != 0 {
		m.sites[fc.SiteRef{ProviderID: providerID, LocationID: locationID}] = true
	} else {
		m.all = true
	}
	m.mu.Unlock()
	m.poke()
}

// run divides locations until ctx ends.
func (m *loadManager) run(ctx context.Context) {
	tick := time.NewTicker(m.every)
	defer tick.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	m.poke()
	for {
		timer.Reset(m.nextDue())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			m.mu.Lock()
			m.all = true
			m.mu.Unlock()
		case <-timer.C:
		case <-m.wake:
		}
		if m.debounce > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(m.debounce):
			}
		}
		m.round(ctx)
	}
}

// nextDue returns how long until the earliest offline timeout of a
// divided location runs out.
func (m *loadManager) nextDue() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := time.Hour
	now := m.o.svc.now()
	for ref, at := range m.due {
		d := at.Sub(now)
		if d <= 0 {
			m.sites[ref] = true
			delete(m.due, ref)
			d = 0
		}
		next = min(next, d)
	}
	return max(next, time.Millisecond)
}

// round takes what is pending and divides the locations it concerns.
func (m *loadManager) round(ctx context.Context) {
	m.mu.Lock()
	all, sites, booted, resend := m.all, m.sites, m.booted, m.resend
	m.all, m.sites, m.booted, m.resend = false, map[fc.SiteRef]bool{}, map[fc.ID]bool{}, map[fc.ID]bool{}
	now := m.o.svc.now()
	for ref, at := range m.due {
		if !at.After(now) {
			sites[ref] = true
			delete(m.due, ref)
		}
	}
	m.mu.Unlock()
	store := m.o.svc.Store
	if all {
		refs, err := store.LimitedSites(ctx)
		if err != nil {
			m.o.log.Warn("load management: limited locations", "err", err)
		}
		for _, r := range refs {
			sites[r] = true
		}
		// Locations divided before that lost their limit or sessions.
		m.smu.Lock()
		for r := range m.state {
			sites[r] = true
		}
		m.smu.Unlock()
	}
	stationSite := map[fc.ID]fc.SiteRef{}
	for _, ids := range []map[fc.ID]bool{booted, resend} {
		for id := range ids {
			if _, ok := stationSite[id]; ok {
				continue
			}
			ref, ok, err := store.LoadSiteOf(ctx, id)
			if err != nil {
				m.o.log.Warn("load management: location of a station", "station", id, "err", err)
				continue
			}
			if ok {
				stationSite[id] = ref
				sites[ref] = true
			}
		}
	}
	queue := make(chan fc.SiteRef)
	var wg sync.WaitGroup
	for range max(1, min(m.workers, len(sites))) {
		wg.Go(func() {
			for ref := range queue {
				var b, r []fc.ID
				for id, at := range stationSite {
					if at == ref && booted[id] {
						b = append(b, id)
					}
					if at == ref && (resend[id] || booted[id]) {
						r = append(r, id)
					}
				}
				m.divide(ctx, ref, b, r)
			}
		})
	}
	for ref := range sites {
		queue <- ref
	}
	close(queue)
	wg.Wait()
}

// stateOf returns the location's state, made on first use.
func (m *loadManager) stateOf(ref fc.SiteRef) *siteState {
	m.smu.Lock()
	defer m.smu.Unlock()
	st := m.state[ref]
	if st == nil {
		st = &siteState{rejected: map[fc.ID]bool{}}
		m.state[ref] = st
	}
	return st
}

// divide divides one location and sends the stations what changed. booted
// are its stations that booted (they get the default profile, and their
// rejections are forgotten); resend those whose sessions get their
// profiles again though unchanged (reconnected, booted).
func (m *loadManager) divide(ctx context.Context, ref fc.SiteRef, booted, resend []fc.ID) {
	st := m.stateOf(ref)
	st.mu.Lock()
	defer st.mu.Unlock()
	log := m.o.log.With("location", ref.LocationID)
	// The time of the division is taken before the state is read: a
	// station read as offline was offline at least until now, so it is
	// never taken as offline for longer than it was (which would free its
	// share while it is back).
	now := m.o.svc.now()
	site, err := m.o.svc.Store.LoadSite(ctx, ref.ProviderID, ref.LocationID)
	if fc.IsCode(err, fc.ENotFound) {
		m.forget(ref)
		return
	}
	if err != nil {
		log.Warn("load management: read the location", "err", err)
		return
	}
	grid := loadmgmt.SiteOf(&site.Location)
	grid.ByPriority = site.Location.LoadSharing == fc.LoadSharePriority
	grid.OfflineTimeout = m.timeout
	for _, id := range booted {
		for sid := range st.rejected {
			if stationOfSession(site, sid) == id {
				delete(st.rejected, sid)
			}
		}
		m.sendDefault(ctx, site, grid, id, log)
	}
	if !st.known {
		st.held = heldFromHistory(site)
		for _, x := range site.Sessions {
			if x.Last != nil && x.Last.Reason == string(loadmgmt.ReasonRejected) && !slices.Contains(booted, x.StationID) {
				st.rejected[x.SessionID] = true
			}
		}
		st.known = true
	}
	byID := make(map[fc.ID]*fc.LoadSession, len(site.Sessions))
	for i := range site.Sessions {
		byID[site.Sessions[i].SessionID] = &site.Sessions[i]
	}
	if grid.LimitW == 0 {
		m.unlimit(ctx, ref, site, st, log)
		return
	}
	st.unreachable = map[fc.ID]time.Time{}
	resending := map[fc.ID]bool{}
	for _, id := range resend {
		resending[id] = true
	}
	var res loadmgmt.Result
	// Each pass either ends or finds a station that did not take its
	// profile, which is then counted at its maximum: at most one pass per
	// session, and one more.
	for pass := 0; pass <= len(site.Sessions); pass++ {
		in := m.sessionsOf(site, st, grid, now)
		res, err = loadmgmt.Allocate(grid, in, now)
		if err != nil {
			log.Error("load management: divide", "err", err)
			return
		}
		first, then := loadmgmt.Changes(st.held, res)
		first, fresh := newAsRaises(first, defaultShare(site))
		first = withResent(first, append(slices.Clip(fresh), then...), res, resending)
		// The lowered limits first; then the new sessions' raises, as a
		// station not heard yet may reject its profile, which would take
		// more than the others' raises assumed; then the others' raises.
		failed := false
		for _, changes := range [][]loadmgmt.Change{first, fresh, then} {
			if failed = m.apply(ctx, site, byID, st, changes, log); failed {
				break
			}
		}
		if !failed {
			break
		}
	}
	m.stats.divisions.Add(1)
	m.record(ctx, ref, site, st, res, now, log)
	// What the stations hold changed only by the profiles they took
	// (apply); the sessions that ended are dropped.
	st.held.Sessions = slices.DeleteFunc(st.held.Sessions, func(a loadmgmt.Allocation) bool { return byID[a.SessionID] == nil })
	for sid := range st.rejected {
		if byID[sid] == nil {
			delete(st.rejected, sid)
		}
	}
	m.schedule(ref, site, grid, res, now)
}

// stationOfSession returns the station of a running session, 0 if none.
func stationOfSession(site *fc.LoadSite, sessionID fc.ID) fc.ID {
	for _, x := range site.Sessions {
		if x.SessionID == sessionID {
			return x.StationID
		}
	}
	return 0
}

// heldFromHistory rebuilds what the stations hold from the sessions'
// latest recorded limits (after a restart).
func heldFromHistory(site *fc.LoadSite) loadmgmt.Result {
	var r loadmgmt.Result
	for _, x := range site.Sessions {
		if x.Last != nil {
			r.Sessions = append(r.Sessions, loadmgmt.Allocation{SessionID: x.SessionID, StationID: x.StationID,
				ConnectorID: x.ConnectorID, LimitW: x.Last.LimitW, Reason: loadmgmt.Reason(x.Last.Reason)})
		}
	}
	return r
}

// defaultShare is the limit of the default profile: the location's limit
// divided by its connectors.
func defaultShare(site *fc.LoadSite) int64 {
	return site.Location.MaxPowerW / int64(max(1, site.Connectors))
}

// sessionsOf turns the location's running sessions into the allocator's.
func (m *loadManager) sessionsOf(site *fc.LoadSite, st *siteState, grid loadmgmt.Site, now time.Time) []loadmgmt.Session {
	held := make(map[fc.ID]int64, len(st.held.Sessions))
	for _, a := range st.held.Sessions {
		held[a.SessionID] = a.LimitW
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]loadmgmt.Session, len(site.Sessions))
	for i, x := range site.Sessions {
		s := loadmgmt.Session{ID: x.SessionID, StationID: x.StationID, ConnectorID: x.ConnectorID,
			MaxW: x.ConnectorMaxW, Priority: x.Priority, StartedAt: x.StartedAt}
		last, ok := held[x.SessionID]
		if !ok {
			// Given nothing yet: it draws what its default profile allows.
			last = defaultShare(site)
		}
		s.LastW = last
		off, gone := m.offline[x.StationID]
		if at, ok := st.unreachable[x.StationID]; ok && !gone {
			off, gone = at, true
		}
		switch {
		case st.rejected[x.SessionID]:
			s.State = loadmgmt.Rejected
		case gone || !x.Online:
			s.State = loadmgmt.Offline
			switch {
			case gone:
				s.OfflineSince = off
			case !x.Since.IsZero():
				s.OfflineSince = x.Since
			default:
				s.OfflineSince = now
			}
		}
		out[i] = s
	}
	return out
}

// newAsRaises takes out of first the new sessions given more than the
// default profile they draw on until they have their own: for the station
// that is a raise, which waits until the others are lowered.
func newAsRaises(first []loadmgmt.Change, defaultW int64) (keep, raised []loadmgmt.Change) {
	for _, c := range first {
		if c.New && c.LimitW > defaultW {
			raised = append(raised, c)
		} else {
			keep = append(keep, c)
		}
	}
	return keep, raised
}

// withResent adds to first the sessions of stations that get their
// profiles again, unchanged.
func withResent(first, then []loadmgmt.Change, res loadmgmt.Result, resending map[fc.ID]bool) []loadmgmt.Change {
	if len(resending) == 0 {
		return first
	}
	listed := map[fc.ID]bool{}
	for _, c := range append(slices.Clip(first), then...) {
		listed[c.SessionID] = true
	}
	for _, a := range res.Sessions {
		if resending[a.StationID] && !listed[a.SessionID] && (a.Reason == loadmgmt.ReasonShare || a.Reason == loadmgmt.ReasonWaiting) {
			first = append(first, loadmgmt.Change{Allocation: a, FromW: a.LimitW})
		}
	}
	return first
}

// apply sends the changes, the stations in parallel and each station's in
// turn, and updates what the stations hold: a change taken holds its new
// limit, one not taken marks its session rejected (counted at its
// connector's maximum) or, when the station is not connected to this
// process, its station offline. It reports whether any was not taken.
func (m *loadManager) apply(ctx context.Context, site *fc.LoadSite, byID map[fc.ID]*fc.LoadSession, st *siteState, changes []loadmgmt.Change, log interface {
	Info(string, ...any)
}) bool {
	if len(changes) == 0 {
		return false
	}
	perStation := map[fc.ID][]loadmgmt.Change{}
	for _, c := range changes {
		perStation[c.StationID] = append(perStation[c.StationID], c)
	}
	type outcome struct {
		change loadmgmt.Change
		err    error
		status string
	}
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	for _, cs := range perStation {
		wg.Go(func() {
			for _, c := range cs {
				x := byID[c.SessionID]
				if x == nil {
					continue
				}
				status, err := m.sendTxProfile(ctx, site, x, c.LimitTenths)
				mu.Lock()
				outcomes = append(outcomes, outcome{c, err, status})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	held := map[fc.ID]int{}
	for i, a := range st.held.Sessions {
		held[a.SessionID] = i
	}
	failed := false
	for _, out := range outcomes {
		c := out.change
		switch {
		case out.err == nil && out.status == "Accepted":
			m.stats.taken.Add(1)
			if i, ok := held[c.SessionID]; ok {
				st.held.Sessions[i] = c.Allocation
			} else {
				held[c.SessionID] = len(st.held.Sessions)
				st.held.Sessions = append(st.held.Sessions, c.Allocation)
			}
			continue
		case fc.IsCode(out.err, fc.EConflict):
			// Not connected here: it keeps what it holds, as offline.
			m.stats.unreachable.Add(1)
			if _, ok := st.unreachable[c.StationID]; !ok {
				st.unreachable[c.StationID] = m.o.svc.now()
			}
			log.Info("load management: station not connected", "station", c.StationID, "session", c.SessionID)
		default:
			m.stats.rejected.Add(1)
			st.rejected[c.SessionID] = true
			log.Info("load management: profile not taken; counted at its connector maximum",
				"station", c.StationID, "session", c.SessionID, "status", out.status, "err", out.err)
		}
		failed = true
	}
	return failed
}

// sendTxProfile sends a session's limit to its station as the
// transaction's charging profile and returns the station's status.
func (m *loadManager) sendTxProfile(ctx context.Context, site *fc.LoadSite, x *fc.LoadSession, tenths int64) (string, error) {
	station := &fc.Station{ID: x.StationID, ProviderID: site.Location.ProviderID, Identity: x.Identity, OCPPVersion: x.OCPPVersion,
		ChargePoints: []fc.ChargePoint{{StationID: x.StationID, ConnectorID: x.ConnectorID}}}
	cmd := Command{Name: CommandSetChargingProfile, ConnectorID: x.ConnectorID, Operation: Operation{Profile: ChargingProfile{
		ID: LoadProfileTxBaseID + x.ConnectorID, StackLevel: LoadStackLevel, Purpose: "TxProfile", Kind: "Relative",
		TransactionID: x.SessionID, Schedule: m.schedule1(site, tenths)}}}
	status, _, err := m.o.svc.callStationTx(ctx, station, cmd, x.StationTxID)
	return status, err
}

// schedule1 is a one-period schedule at tenths of an ampere per phase.
func (m *loadManager) schedule1(site *fc.LoadSite, tenths int64) ChargingSchedule {
	phases := site.Location.Phases
	if phases == 0 {
		phases = fc.DefaultPhases
	}
	return ChargingSchedule{Unit: "A", Periods: []ChargingPeriod{{StartPeriod: 0, LimitTenths: min(tenths, MaxLimitTenths), NumberPhases: phases}}}
}

// sendDefault sends a booted station the location's default profile.
func (m *loadManager) sendDefault(ctx context.Context, site *fc.LoadSite, grid loadmgmt.Site, stationID fc.ID, log interface {
	Info(string, ...any)
}) {
	if grid.LimitW == 0 {
		return
	}
	st, err := m.o.svc.Store.Station(ctx, fc.StationScope{ProviderID: site.Location.ProviderID, Reach: fc.Everything}, stationID)
	if err != nil {
		log.Info("load management: station for its default profile", "station", stationID, "err", err)
		return
	}
	cmd := Command{Name: CommandSetChargingProfile, ConnectorID: 0, Operation: Operation{Profile: ChargingProfile{
		ID: LoadProfileDefaultID, StackLevel: 0, Purpose: "TxDefaultProfile", Kind: "Relative",
		Schedule: m.schedule1(site, grid.Tenths(defaultShare(site)))}}}
	status, _, err := m.o.svc.callStation(ctx, st, cmd)
	if err != nil || status != "Accepted" {
		log.Info("load management: default profile not taken", "station", stationID, "status", status, "err", err)
	}
}

// unlimit handles a location without a limit: sessions that had one get
// their transaction's profile cleared.
func (m *loadManager) unlimit(ctx context.Context, ref fc.SiteRef, site *fc.LoadSite, st *siteState, log interface {
	Info(string, ...any)
}) {
	limited := map[fc.ID]bool{}
	for _, a := range st.held.Sessions {
		if a.Reason != loadmgmt.ReasonUnlimited {
			limited[a.SessionID] = true
		}
	}
	var recs []fc.SessionAllocation
	now := m.o.svc.now()
	for _, x := range site.Sessions {
		if !limited[x.SessionID] {
			continue
		}
		station := &fc.Station{ID: x.StationID, ProviderID: site.Location.ProviderID, Identity: x.Identity, OCPPVersion: x.OCPPVersion}
		id := LoadProfileTxBaseID + x.ConnectorID
		if _, _, err := m.o.svc.callStation(ctx, station, Command{Name: CommandClearChargingProfile,
			Operation: Operation{Clear: ClearProfile{ID: &id}}}); err != nil {
			log.Info("load management: clear a profile", "station", x.StationID, "err", err)
		}
		recs = append(recs, fc.SessionAllocation{SessionID: x.SessionID, At: now, LimitW: x.ConnectorMaxW, Reason: string(loadmgmt.ReasonUnlimited)})
	}
	if len(recs) > 0 {
		if err := m.o.svc.Store.RecordAllocations(ctx, ref.ProviderID, recs); err != nil {
			log.Info("load management: record", "err", err)
		}
	}
	m.forget(ref)
}

// forget drops what the manager keeps of a location.
func (m *loadManager) forget(ref fc.SiteRef) {
	m.smu.Lock()
	delete(m.state, ref)
	m.smu.Unlock()
	m.mu.Lock()
	delete(m.due, ref)
	m.mu.Unlock()
}

// record keeps the limits that changed since the last recorded ones.
func (m *loadManager) record(ctx context.Context, ref fc.SiteRef, site *fc.LoadSite, st *siteState, res loadmgmt.Result, now time.Time, log interface {
	Info(string, ...any)
}) {
	last := map[fc.ID]fc.SessionAllocation{}
	for _, x := range site.Sessions {
		if x.Last != nil {
			last[x.SessionID] = *x.Last
		}
	}
	var recs []fc.SessionAllocation
	for _, a := range res.Sessions {
		l, ok := last[a.SessionID]
		if ok && l.LimitW == a.LimitW && l.Reason == string(a.Reason) {
			continue
		}
		recs = append(recs, fc.SessionAllocation{SessionID: a.SessionID, At: now, LimitW: a.LimitW, Reason: string(a.Reason)})
	}
	if len(recs) == 0 {
		return
	}
	if err := m.o.svc.Store.RecordAllocations(ctx, ref.ProviderID, recs); err != nil && !fc.IsCode(err, fc.ENotFound) {
		log.Info("load management: record", "err", err)
	}
}

// schedule notes when the earliest offline timeout of the location runs
// out, to divide it again then.
func (m *loadManager) schedule(ref fc.SiteRef, site *fc.LoadSite, grid loadmgmt.Site, res loadmgmt.Result, now time.Time) {
	var due time.Time
	in := m.sessionsOf(site, m.stateOf(ref), grid, now)
	for _, s := range in {
		if s.State != loadmgmt.Offline {
			continue
		}
		at := s.OfflineSince.Add(m.timeout)
		if at.After(now) && (due.IsZero() || at.Before(due)) {
			due = at
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if due.IsZero() {
		delete(m.due, ref)
		return
	}
	m.due[ref] = due
}

// LocationLoad is a location's division as a reader sees it: the sessions
// at its stations the reader may read, with their limits and measured
// power.
type LocationLoad struct {
	Location *fc.Location
	// LimitW is the location's limit; AllocatedW and MeasuredW sum the
	// sessions shown.
	LimitW, AllocatedW, MeasuredW int64
	Sessions                      []SessionLoad
}

// SessionLoad is one running session's share of its location.
type SessionLoad struct {
	SessionID, StationID fc.ID
	Identity             string
	ConnectorID          int
	StartedAt            time.Time
	// LimitW and Reason are the latest limit given and why; Since is when
	// it was given (zero, with Reason "", before the first).
	LimitW     int64
	Reason     string
	Since      time.Time
	MeasuredW  *int64
	MeasuredAt *time.Time
}

// LocationLoad returns the division of a location the subject may read.
func (s *Service) LocationLoad(ctx context.Context, subj access.Subject, id fc.ID) (*LocationLoad, error) {
	site, err := s.Store.LocationLoad(ctx, access.ScopeFor(subj, access.LocationsRead), access.StationScopeFor(subj), id)
	if err != nil {
		return nil, err
	}
	out := &LocationLoad{Location: &site.Location, LimitW: site.Location.MaxPowerW, Sessions: []SessionLoad{}}
	for _, x := range site.Sessions {
		sl := SessionLoad{SessionID: x.SessionID, StationID: x.StationID, Identity: x.Identity, ConnectorID: x.ConnectorID,
			StartedAt: x.StartedAt, MeasuredW: x.MeasuredW, MeasuredAt: x.MeasuredAt}
		if x.Last != nil {
			sl.LimitW, sl.Reason, sl.Since = x.Last.LimitW, x.Last.Reason, x.Last.At
		}
		out.AllocatedW += sl.LimitW
		if x.MeasuredW != nil {
			out.MeasuredW += *x.MeasuredW
		}
		out.Sessions = append(out.Sessions, sl)
	}
	return out, nil
}

// SessionAllocations returns the limits load management gave a session
// the subject may read, by time.
func (s *Service) SessionAllocations(ctx context.Context, subj access.Subject, sessionID fc.ID) ([]fc.SessionAllocation, error) {
	return s.Store.SessionAllocations(ctx, access.SessionScopeFor(subj), sessionID)
}
