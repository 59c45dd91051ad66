package store

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// ReportFromSessions is Report reading every session, never the roll-ups:
// the reference of the roll-ups' equivalence test.
func (s *Store) ReportFromSessions(ctx context.Context, q fc.ReportQuery, fn func(*fc.ReportRow) error) error {
	return s.report(ctx, q, fn, false)
}

// ReportFromRollups is Report reading the daily roll-ups for the whole days
// of the period, whatever readRollups says.
func (s *Store) ReportFromRollups(ctx context.Context, q fc.ReportQuery, fn func(*fc.ReportRow) error) error {
	return s.report(ctx, q, fn, true)
}
