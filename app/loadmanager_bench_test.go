package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/loadmgmt"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// Sizes of the load management benchmarks.
const (
	benchSiteSessions   = 500  // BenchmarkLoadDivideSite500: sessions at the one site
	benchStormSites     = 1000 // BenchmarkLoadBootStorm1000Sites: limited sites
	benchStormStations  = 2    // stations per site, two connectors each, both charging
	benchStormLimitW    = 22000
	benchStormCallDelay = 5 * time.Millisecond // a station's answer over a network
)

// benchGrid is a Commander over gridStations that counts the calls and
// answers each after a fixed delay, as a station over a network does.
type benchGrid struct {
	*gridStations
	delay time.Duration
	calls atomic.Int64
}

func (g *benchGrid) Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error) {
	if g.delay > 0 {
		time.Sleep(g.delay)
	}
	g.calls.Add(1)
	return g.gridStations.Call(ctx, identity, action, request)
}

// benchLoadWorld is a provider with limited locations, their stations
// online with two connectors each and a session running on every
// connector, seeded in bulk, and an Operations (not running) whose
// manager divides them over benchGrid.
type benchLoadWorld struct {
	s        *store.Store
	ctx      context.Context
	clock    *clock
	grid     *benchGrid
	ops      *Operations
	provider fc.ID
	sites    []fc.SiteRef
	stations []benchLoadStation
}

type benchLoadStation struct {
	id       fc.ID
	identity string
	site     fc.SiteRef
}

func newBenchLoadWorld(b *testing.B, s *store.Store, sites, stationsPerSite int, limitW int64, delay time.Duration) *benchLoadWorld {
	b.Helper()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "bench"})
	w := &benchLoadWorld{s: s, ctx: ctx, clock: &clock{t: time.Now().UTC().Truncate(time.Millisecond)},
		grid: &benchGrid{gridStations: newGridStations(), delay: delay}}
	s.Now = w.clock.Now
	p := &fc.Provider{Name: "Bench CPO"}
	must(s.CreateProvider(ctx, p))
	w.provider = p.ID
	org := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
	must(s.CreateOrganization(ctx, org))
	acc := &fc.Account{ProviderID: p.ID, OrganizationID: org.ID, Name: "Site owner", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, acc))
	g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: acc.ID, Name: "Car parks", Kind: fc.GroupOther,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}
	must(s.CreateChargeGroup(ctx, g))
	now := w.clock.Now()
	started := now.Add(-time.Hour).UnixMilli()
	ms := now.UnixMilli()
	must(s.BulkLoad(ctx, p.ID, func(l *store.Loader) error {
		firstLoc, err := l.ReserveIDs("locations", sites)
		if err != nil {
			return err
		}
		err = l.Insert("locations", []string{"id", "provider_id", "account_id", "name", "kind", "max_power_w", "phases", "voltage",
			"created_at", "updated_at"}, func(yield func(...any) error) error {
			for i := range sites {
				if err := yield(int64(firstLoc)+int64(i), int64(p.ID), int64(acc.ID), fmt.Sprintf("Car park %d", i), fc.LocationOffice,
					limitW, 3, 230, ms, ms); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		n := sites * stationsPerSite
		firstSt, err := l.ReserveIDs("stations", n)
		if err != nil {
			return err
		}
		for i := range n {
			loc := firstLoc + fc.ID(i/stationsPerSite)
			w.stations = append(w.stations, benchLoadStation{id: firstSt + fc.ID(i), identity: fmt.Sprintf("LOAD-CP%05d", i),
				site: fc.SiteRef{ProviderID: p.ID, LocationID: loc}})
		}
		err = l.Insert("stations", []string{"id", "provider_id", "account_id", "location_id", "charge_group_id", "identity",
			"password_hash", "online", "ocpp_version", "connector_max_power_w", "created_at", "updated_at"},
			func(yield func(...any) error) error {
				for _, st := range w.stations {
					if err := yield(int64(st.id), int64(p.ID), int64(acc.ID), int64(st.site.LocationID), int64(g.ID), st.identity,
						"x", true, fc.OCPP16, int64(22000), ms, ms); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
		err = l.Insert("charge_points", []string{"station_id", "connector_id", "status"}, func(yield func(...any) error) error {
			for _, st := range w.stations {
				for c := 1; c <= 2; c++ {
					if err := yield(int64(st.id), c, "Charging"); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return l.Insert("sessions", []string{"provider_id", "source", "id_tag", "station_id", "connector_id", "station_account_id",
			"location_id", "location_kind", "started_at", "currency", "created_at", "updated_at"},
			func(yield func(...any) error) error {
				for i, st := range w.stations {
					for c := 1; c <= 2; c++ {
						// A millisecond apart, so that the admission order
						// is the start order.
						if err := yield(int64(p.ID), "ocpp", "GUEST", int64(st.id), c, int64(acc.ID), int64(st.site.LocationID),
							fc.LocationOffice, started+int64(2*i+c), "EUR", ms, ms); err != nil {
							return err
						}
					}
				}
				return nil
			})
	}))
	for _, st := range w.stations {
		w.grid.add(st.identity, false)
	}
	for i := range sites {
		w.sites = append(w.sites, w.stations[i*stationsPerSite].site)
	}
	w.restart()
	return w
}

// restart makes a new Operations over the same store and stations, as
// after a restart of the server.
func (w *benchLoadWorld) restart() {
	w.ops = NewOperations(w.s, slog.New(slog.DiscardHandler), w.clock.Now)
	w.ops.SetCommander(w.grid)
}

// BenchmarkLoadDivideSite500 divides one location again after a session
// stopped or started, as the manager does for the event: a location
// limited to 3.5 MW with 250 two-connector stations of 22 kW and 500
// running sessions (then 499, then 500 again), the site read from the
// store, divided, every changed limit sent to fake OCPP 1.6 stations
// that answer at once (each profile encoded and decoded) and recorded.
// The stop or start itself is written outside the timer. It reports the
// profiles sent per division.
func BenchmarkLoadDivideSite500(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			w := newBenchLoadWorld(b, s, 1, benchSiteSessions/2, 3_500_000, 0)
			ref := w.sites[0]
			m := w.ops.load
			m.divide(w.ctx, ref, nil, nil) // the first division: every session given its share
			site, err := s.LoadSite(w.ctx, ref.ProviderID, ref.LocationID)
			if err != nil {
				b.Fatal(err)
			}
			if len(site.Sessions) != benchSiteSessions {
				b.Fatalf("%d sessions running, want %d", len(site.Sessions), benchSiteSessions)
			}
			toggled := site.Sessions[0]
			calls := w.grid.calls.Load()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				w.clock.advance(time.Second)
				if i%2 == 0 {
					_, err = s.StopTransaction(w.ctx, fc.StopTransaction{StationID: toggled.StationID, TransactionID: toggled.SessionID,
						MeterStop: 1000, Timestamp: w.clock.Now()})
					w.grid.stopped(toggled.Identity, toggled.ConnectorID)
				} else {
					var sess *fc.Session
					sess, _, err = s.StartTransaction(w.ctx, fc.StartTransaction{StationID: toggled.StationID,
						ConnectorID: toggled.ConnectorID, IDTag: "GUEST", Timestamp: w.clock.Now()})
					if err == nil {
						toggled.SessionID = sess.ID
					}
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				m.divide(w.ctx, ref, nil, nil)
			}
			b.StopTimer()
			b.ReportMetric(float64(w.grid.calls.Load()-calls)/float64(b.N), "profiles/op")
		})
	}
}

// BenchmarkLoadBootStorm1000Sites restarts the server's manager while
// every station of a provider boots at once: 1,000 locations limited to
// 22 kW, each with 2 two-connector stations of 22 kW and a session on
// every connector (2,000 stations, 4,000 sessions). Every station's
// EventBooted is heard, then one round divides every location (16 at
// once): each station gets its default profile and each session its
// TxProfile from fake stations that answer after 5 ms, as stations over
// a network do, and every limit is recorded. Each iteration is a fresh
// database, seeded in bulk outside the timer. It reports the profiles
// sent per round and the time of the round (s/storm).
func BenchmarkLoadBootStorm1000Sites(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			b.StopTimer()
			var total time.Duration
			var profiles int64
			for range b.N {
				s := storetest.Open(b, engine)
				w := newBenchLoadWorld(b, s, benchStormSites, benchStormStations, benchStormLimitW, benchStormCallDelay)
				m := w.ops.load
				b.StartTimer()
				start := time.Now()
				for _, st := range w.stations {
					m.observe(fc.StationEvent{Kind: fc.EventBooted, StationID: st.id, ProviderID: w.provider, Identity: st.identity,
						OCPPVersion: fc.OCPP16, At: w.clock.Now()})
				}
				m.round(w.ctx)
				total += time.Since(start)
				b.StopTimer()
				profiles += w.grid.calls.Load()
				w.checkStorm(b)
			}
			b.ReportMetric(float64(profiles)/float64(b.N), "profiles/op")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/storm")
		})
	}
}

// checkStorm fails unless every station holds its default profile and
// every session its share.
func (w *benchLoadWorld) checkStorm(b *testing.B) {
	b.Helper()
	share := loadmgmt.Site{Phases: 3, Voltage: 230}.Tenths(benchStormLimitW / (2 * benchStormStations))
	w.grid.mu.Lock()
	defer w.grid.mu.Unlock()
	for _, st := range w.stations {
		g := w.grid.st[st.identity]
		if g.def != share || len(g.tx) != 2 || g.tx[1].tenths != share || g.tx[2].tenths != share {
			b.Fatalf("station %s holds default %d and %+v, want %d tenths each", st.identity, g.def, g.tx, share)
		}
	}
}
