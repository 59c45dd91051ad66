package demo

import (
	"fmt"
	"maps"
	"slices"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/loadmgmt"
)

// Load management in the demo: every station has its connectors' maximum,
// every office location a grid limit of about half of what its connectors
// could draw together (so that busy mornings are shared), and one office
// shares by charge-group priority. Homes and public car parks have no
// limit: a car park's 22 kW connectors are what the visitors pay for.
//
// The sessions' history of limits is what the load manager would have
// recorded: the finished sessions of the last loadHistoryDays days at the
// limited locations, replayed start by start and stop by stop through
// loadmgmt.Allocate. The simulation does not know the limits, so a session
// may hold more energy than its limits would have let it draw; the demo
// accepts that rather than change the simulated sessions.

const (
	// loadHistoryDays is how far back the allocation history reaches.
	loadHistoryDays = 14
	// officePowerW and publicPowerW are the connector maximums of the
	// office and car park stations, in watts.
	officePowerW = 11000
	publicPowerW = 22000
	// prioritySite is the office location that shares its limit by
	// charge-group priority; its account's office charge group has
	// officeLoadPriority. Its stations are all of that group, so the
	// division comes out as the equal one: the demo shows the settings.
	prioritySite       = "Rotterdam Waalhaven"
	officeLoadPriority = 10
	// allocationsPerWrite bounds the allocations recorded in one write.
	allocationsPerWrite = 500
)

// officeLimitW returns the grid limit of an office whose connectors give
// powerW each: half of what they could draw together, rounded to a whole
// kilowatt.
func officeLimitW(connectors int, powerW int64) int64 {
	return (int64(connectors)*powerW/2 + 500) / 1000 * 1000
}

// officeLoad sets an office location's grid connection: its limit, three
// phases at 230 V, and how it is shared.
func officeLoad(l *fc.Location, o *officeSpec) {
	l.MaxPowerW = officeLimitW(2*o.stations, officePowerW)
	l.Phases, l.Voltage, l.LoadSharing = 3, 230, fc.LoadShareEqual
	if o.name == prioritySite {
		l.LoadSharing = fc.LoadSharePriority
	}
}

// officePriority returns the load priority of the account's office charge
// group: officeLoadPriority where one of its offices shares by priority.
func officePriority(spec *accountSpec) int {
	for _, o := range spec.offices {
		if !o.public && o.name == prioritySite {
			return officeLoadPriority
		}
	}
	return 0
}

// loadPlan is what the allocation history needs to know of the demo's
// assets: the limited locations and each station's connector maximum and
// charge-group priority.
type loadPlan struct {
	sites    map[fc.ID]loadmgmt.Site // limited locations
	maxW     map[fc.ID]int64         // by station
	priority map[fc.ID]int           // by station
}

func (p *loadPlan) location(l *fc.Location) {
	if l.MaxPowerW == 0 {
		return
	}
	if p.sites == nil {
		p.sites = map[fc.ID]loadmgmt.Site{}
	}
	site := loadmgmt.SiteOf(l)
	site.ByPriority = l.LoadSharing == fc.LoadSharePriority
	p.sites[l.ID] = site
}

func (p *loadPlan) station(id fc.ID, maxW int64, priority int) {
	if p.maxW == nil {
		p.maxW, p.priority = map[fc.ID]int64{}, map[fc.ID]int{}
	}
	p.maxW[id], p.priority[id] = maxW, priority
}

// allocationHistory records the limits of the recent sessions at the
// limited locations, read back from the store for their IDs.
func (b *builder) allocationHistory() error {
	from := b.now.AddDate(0, 0, -loadHistoryDays).Truncate(24 * time.Hour)
	sc := fc.SessionScope{ProviderID: b.provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
	// A session that started the day before may still run at from.
	f := fc.SessionFilter{From: from.AddDate(0, 0, -1), LocationKind: fc.LocationOffice, Page: fc.Page{Limit: fc.MaxPageSize}}
	byLocation := map[fc.ID][]fc.Session{}
	for {
		page, err := b.st.Sessions(b.ctx, sc, f)
		if err != nil {
			return fmt.Errorf("allocation history: %w", err)
		}
		for _, s := range page {
			if _, ok := b.grid.sites[s.LocationID]; ok && s.StoppedAt != nil && s.StoppedAt.After(from) {
				byLocation[s.LocationID] = append(byLocation[s.LocationID], s)
			}
		}
		if len(page) < f.Page.Limit {
			break
		}
		f.Page.After = page[len(page)-1].ID
	}
	var rows []fc.SessionAllocation
	for _, id := range slices.Sorted(maps.Keys(byLocation)) {
		r, err := replay(b.grid.sites[id], byLocation[id], b.grid.maxW, b.grid.priority)
		if err != nil {
			return fmt.Errorf("allocation history of location %s: %w", id, err)
		}
		rows = append(rows, r...)
	}
	for chunk := range slices.Chunk(rows, allocationsPerWrite) {
		if err := b.st.RecordAllocations(b.ctx, b.provider.ID, chunk); err != nil {
			return fmt.Errorf("allocation history: %w", err)
		}
	}
	return nil
}

// replay divides site over the finished sessions at every instant one of
// them starts or stops, as the load manager does, and returns each
// session's limits as they changed: its first limit at its start, then one
// row at every instant that changed its limit or reason.
func replay(site loadmgmt.Site, sessions []fc.Session, maxW map[fc.ID]int64, priority map[fc.ID]int) ([]fc.SessionAllocation, error) {
	var instants []time.Time
	for _, s := range sessions {
		instants = append(instants, s.StartedAt, *s.StoppedAt)
	}
	slices.SortFunc(instants, time.Time.Compare)
	instants = slices.CompactFunc(instants, time.Time.Equal)

	type limit struct {
		w      int64
		reason loadmgmt.Reason
	}
	last := map[fc.ID]limit{}
	var out []fc.SessionAllocation
	var running []loadmgmt.Session
	for _, at := range instants {
		running = running[:0]
		for _, s := range sessions {
			if !s.StartedAt.After(at) && s.StoppedAt.After(at) {
				running = append(running, loadmgmt.Session{ID: s.ID, StationID: s.StationID, ConnectorID: s.ConnectorID,
					MaxW: maxW[s.StationID], Priority: priority[s.StationID], StartedAt: s.StartedAt})
			}
		}
		res, err := loadmgmt.Allocate(site, running, at)
		if err != nil {
			return nil, err
		}
		for _, a := range res.Sessions {
			l := limit{a.LimitW, a.Reason}
			if was, ok := last[a.SessionID]; ok && was == l {
				continue
			}
			last[a.SessionID] = l
			out = append(out, fc.SessionAllocation{SessionID: a.SessionID, At: at, LimitW: a.LimitW, Reason: string(a.Reason)})
		}
	}
	return out, nil
}
