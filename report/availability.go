package report

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
)

// Availability, on station reports, is the share of the time a charge
// point's state was known in which it was available (fc.AvailableStatuses,
// the station as a whole not Unavailable or Faulted, and connected): the
// station's is the sum over its charge points of the available time over
// the sum of the known time. The time before a charge point's first status
// report is not known and counts for nothing, so a station that never
// reported has no availability (an empty cell) rather than 0. It is
// measured over the period (or the row's bucket) up to now, from the status
// history (fc.AvailabilityStore), in integer milliseconds; the share is
// given with four decimals like utilization.

// span is the available and known time of a charge point or a station in
// one bucket.
type span struct{ up, known int64 }

func (s *span) add(o span) { s.up += o.up; s.known += o.known }

// loadAvailability reads the availability of the report's charge points,
// by charge point and by station (capKey with connector 0), per bucket; nil
// when the report has none or the store cannot tell.
func (j *job) loadAvailability(ctx context.Context, st fc.ReportStore) (map[capKey][]span, error) {
	as, ok := st.(fc.AvailabilityStore)
	if !ok || j.d.points == nil {
		return nil, nil
	}
	out := map[capKey][]span{}
	n := len(j.bounds) - 1
	at := func(k capKey) []span {
		s, ok := out[k]
		if !ok {
			s = make([]span, n)
			out[k] = s
		}
		return s
	}
	q := j.q
	q.Limit, q.After, q.TotalsOnly, q.ByAccount = 0, nil, false, false
	err := as.Availability(ctx, q, j.p.Now, func(a fc.ConnectorAvailability) error {
		if a.Bucket < 0 || a.Bucket >= n {
			return nil
		}
		s := span{a.UpMS, a.KnownMS}
		at(capKey{station: a.StationID, connector: a.ConnectorID})[a.Bucket].add(s)
		at(capKey{station: a.StationID})[a.Bucket].add(s)
		return nil
	})
	return out, err
}

// availability returns the availability of what key measures in bucket i
// (-1: the whole period).
func (j *job) availability(k capKey, i int) span {
	var s span
	for b, x := range j.avail[k] {
		if i < 0 || b == i {
			s.add(x)
		}
	}
	return s
}
