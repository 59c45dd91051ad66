package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Operations runs the station work that goes on beside requests: station
// jobs (jobs.go), the stations' local authorization lists (locallist.go)
// and load management (loadmanager.go). One runs per process: the API and the web application
// reach it through Service.Operations, and the OCPP endpoint tells it what
// stations do (StationEvent). What it works on is in the database, so work
// left when a process stops goes on when one starts.
type Operations struct {
	svc   *Service
	log   *slog.Logger
	jobs  *jobRunner
	lists *listSyncer
	load  *loadManager
	// roaming is the OCPI edge (SetRoaming), nil without one.
	roaming Roaming
}

// NewOperations returns the station work on the store; it runs once Run is
// called and a Commander is set.
func NewOperations(store fc.Store, logger *slog.Logger, now func() time.Time) *Operations {
	if logger == nil {
		logger = slog.Default()
	}
	o := &Operations{log: logger.With("component", "operations")}
	o.svc = &Service{Store: store, Now: now, Operations: o}
	o.jobs = newJobRunner(o)
	o.lists = newListSyncer(o)
	o.load = newLoadManager(o)
	return o
}

// SetCommander sets what sends calls to stations: the OCPP endpoint, which
// is made after Operations, as it reports to it.
func (o *Operations) SetCommander(c Commander) { o.svc.Commander = c }

// Run does the work until ctx ends.
func (o *Operations) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { o.jobs.run(ctx) })
	wg.Go(func() { o.lists.run(ctx) })
	wg.Go(func() { o.load.run(ctx) })
	wg.Wait()
}

// StationEvent hears what a station did (fleetcharge.StationObserver). It
// only hands the event on; the work runs in Run's goroutines.
func (o *Operations) StationEvent(ctx context.Context, e fc.StationEvent) {
	o.jobs.observe(e)
	o.lists.observe(e)
	o.load.observe(e)
}
