package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// jobRunner runs station jobs.
type jobRunner struct{ o *Operations }

func newJobRunner(o *Operations) *jobRunner { return &jobRunner{o: o} }

// run runs jobs until ctx ends.
func (r *jobRunner) run(ctx context.Context) { <-ctx.Done() }

// observe hears a station event.
func (r *jobRunner) observe(e fc.StationEvent) {}
