package loadmgmt_test

import (
	"fmt"
	"time"

	"github.com/fleetcharge/fleetcharge/loadmgmt"
)

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func show(res loadmgmt.Result, err error) {
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Sessions {
		fmt.Printf("session %s: %d W (%d.%d A) %s\n", a.SessionID, a.LimitW, a.LimitTenths/10, a.LimitTenths%10, a.Reason)
	}
	fmt.Printf("allocated %d W of %d W\n", res.AllocatedW, res.LimitW)
	if res.OvercommitW > 0 {
		fmt.Printf("overcommitted by %d W\n", res.OvercommitW)
	}
}

// Three 22 kW chargers on a 22 kW connection share it equally; the watt
// that does not divide goes to the oldest session.
func ExampleAllocate_equalShare() {
	site := loadmgmt.Site{LimitW: 22000, Phases: 3, Voltage: 230}
	show(loadmgmt.Allocate(site, []loadmgmt.Session{
		{ID: 1, StationID: 10, ConnectorID: 1, MaxW: 22000, StartedAt: t0},
		{ID: 2, StationID: 11, ConnectorID: 1, MaxW: 22000, StartedAt: t0.Add(time.Minute)},
		{ID: 3, StationID: 12, ConnectorID: 1, MaxW: 22000, StartedAt: t0.Add(2 * time.Minute)},
	}, t0.Add(3*time.Minute)))
	// Output:
	// session 1: 7334 W (10.6 A) share
	// session 2: 7333 W (10.6 A) share
	// session 3: 7333 W (10.6 A) share
	// allocated 22000 W of 22000 W
}

// A connector below the equal share keeps its maximum; the others share
// the rest.
func ExampleAllocate_connectorMaximum() {
	site := loadmgmt.Site{LimitW: 30000}
	show(loadmgmt.Allocate(site, []loadmgmt.Session{
		{ID: 1, MaxW: 22000, StartedAt: t0},
		{ID: 2, MaxW: 5000, StartedAt: t0.Add(time.Minute)},
		{ID: 3, MaxW: 22000, StartedAt: t0.Add(2 * time.Minute)},
	}, t0.Add(3*time.Minute)))
	// Output:
	// session 1: 12500 W (18.1 A) share
	// session 2: 5000 W (7.2 A) share
	// session 3: 12500 W (18.1 A) share
	// allocated 30000 W of 30000 W
}

// 11 kW holds two minimums of 4,140 W (6 A on three phases), not three:
// the newest session waits at 0 until room frees up.
func ExampleAllocate_newestWaits() {
	site := loadmgmt.Site{LimitW: 11000}
	sessions := []loadmgmt.Session{
		{ID: 1, MaxW: 22000, StartedAt: t0},
		{ID: 2, MaxW: 22000, StartedAt: t0.Add(time.Minute)},
		{ID: 3, MaxW: 22000, StartedAt: t0.Add(2 * time.Minute)},
	}
	show(loadmgmt.Allocate(site, sessions, t0.Add(3*time.Minute)))
	fmt.Println("session 1 stops:")
	show(loadmgmt.Allocate(site, sessions[1:], t0.Add(4*time.Minute)))
	// Output:
	// session 1: 5500 W (7.9 A) share
	// session 2: 5500 W (7.9 A) share
	// session 3: 0 W (0.0 A) waiting
	// allocated 11000 W of 11000 W
	// session 1 stops:
	// session 2: 5500 W (7.9 A) share
	// session 3: 5500 W (7.9 A) share
	// allocated 11000 W of 11000 W
}

// An offline station keeps its last limit counted until the timeout;
// then its share goes to the others.
func ExampleAllocate_offline() {
	site := loadmgmt.Site{LimitW: 22000, OfflineTimeout: 10 * time.Minute}
	sessions := []loadmgmt.Session{
		{ID: 1, MaxW: 22000, StartedAt: t0, State: loadmgmt.Offline, OfflineSince: t0.Add(time.Hour), LastW: 11000},
		{ID: 2, MaxW: 22000, StartedAt: t0},
	}
	fmt.Println("offline for 9 minutes:")
	show(loadmgmt.Allocate(site, sessions, t0.Add(time.Hour+9*time.Minute)))
	fmt.Println("offline for 10 minutes:")
	show(loadmgmt.Allocate(site, sessions, t0.Add(time.Hour+10*time.Minute)))
	// Output:
	// offline for 9 minutes:
	// session 1: 11000 W (15.9 A) offline
	// session 2: 11000 W (15.9 A) share
	// allocated 22000 W of 22000 W
	// offline for 10 minutes:
	// session 1: 0 W (0.0 A) offline_freed
	// session 2: 22000 W (31.8 A) share
	// allocated 22000 W of 22000 W
}

// A station that rejected its profile is counted at its connector's
// maximum; when such stations alone exceed the limit, the others wait and
// the site reports the excess.
func ExampleAllocate_rejected() {
	site := loadmgmt.Site{LimitW: 40000}
	show(loadmgmt.Allocate(site, []loadmgmt.Session{
		{ID: 1, MaxW: 22000, StartedAt: t0, State: loadmgmt.Rejected},
		{ID: 2, MaxW: 22000, StartedAt: t0},
	}, t0))
	show(loadmgmt.Allocate(site, []loadmgmt.Session{
		{ID: 1, MaxW: 22000, StartedAt: t0, State: loadmgmt.Rejected},
		{ID: 2, MaxW: 22000, StartedAt: t0, State: loadmgmt.Rejected},
		{ID: 3, MaxW: 22000, StartedAt: t0},
	}, t0))
	// Output:
	// session 1: 22000 W (31.8 A) rejected
	// session 2: 18000 W (26.0 A) share
	// allocated 40000 W of 40000 W
	// session 1: 22000 W (31.8 A) rejected
	// session 2: 22000 W (31.8 A) rejected
	// session 3: 0 W (0.0 A) waiting
	// allocated 44000 W of 40000 W
	// overcommitted by 4000 W
}

// With priorities, the higher group is served up to its connectors'
// maximums before the lower one gets more than its minimums, and a new
// high-priority session goes before older low-priority ones.
func ExampleAllocate_priority() {
	sessions := []loadmgmt.Session{
		{ID: 1, MaxW: 11000, Priority: 1, StartedAt: t0},
		{ID: 2, MaxW: 22000, Priority: 1, StartedAt: t0},
		{ID: 3, MaxW: 22000, Priority: 2, StartedAt: t0.Add(time.Hour)},
	}
	show(loadmgmt.Allocate(loadmgmt.Site{LimitW: 30000, ByPriority: true}, sessions, t0.Add(time.Hour)))
	show(loadmgmt.Allocate(loadmgmt.Site{LimitW: 40000, ByPriority: true}, sessions, t0.Add(time.Hour)))
	// Output:
	// session 1: 4140 W (6.0 A) share
	// session 2: 4140 W (6.0 A) share
	// session 3: 21720 W (31.4 A) share
	// allocated 30000 W of 30000 W
	// session 1: 9000 W (13.0 A) share
	// session 2: 9000 W (13.0 A) share
	// session 3: 22000 W (31.8 A) share
	// allocated 40000 W of 40000 W
}

// On one phase the minimum is 6 A at 230 V, 1,380 W, and a profile in
// amperes is rounded down.
func ExampleAllocate_singlePhase() {
	site := loadmgmt.Site{LimitW: 7000, Phases: 1}
	show(loadmgmt.Allocate(site, []loadmgmt.Session{
		{ID: 1, MaxW: 7400, StartedAt: t0},
		{ID: 2, MaxW: 7400, StartedAt: t0.Add(time.Second)},
		{ID: 3, MaxW: 7400, StartedAt: t0.Add(2 * time.Second)},
	}, t0))
	// Output:
	// session 1: 2334 W (10.1 A) share
	// session 2: 2333 W (10.1 A) share
	// session 3: 2333 W (10.1 A) share
	// allocated 7000 W of 7000 W
}

// The limits to send when session 1 stops at a 22 kW site: nothing to
// lower first, then both others raised.
func ExampleChanges() {
	site := loadmgmt.Site{LimitW: 22000}
	sessions := []loadmgmt.Session{
		{ID: 1, MaxW: 22000, StartedAt: t0},
		{ID: 2, MaxW: 22000, StartedAt: t0.Add(time.Minute)},
		{ID: 3, MaxW: 22000, StartedAt: t0.Add(2 * time.Minute)},
	}
	before, _ := loadmgmt.Allocate(site, sessions, t0)
	after, _ := loadmgmt.Allocate(site, sessions[1:], t0)
	first, then := loadmgmt.Changes(before, after)
	fmt.Println("first:", len(first))
	for _, c := range then {
		fmt.Printf("then session %s: %d W -> %d W\n", c.SessionID, c.FromW, c.LimitW)
	}
	// Output:
	// first: 0
	// then session 2: 7333 W -> 11000 W
	// then session 3: 7333 W -> 11000 W
}
