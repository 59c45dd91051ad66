package fleetcharge

import (
	"context"
	"time"
)

// AvailableStatuses are the connector statuses in which a charge point
// counts as available in the station reports: usable or in use (OCPP 1.6
// and 2.0.1 statuses). Every other status (Faulted, Unavailable, or one
// this list does not know) counts as unavailable, as does any status while
// connector 0 (the station as a whole) reports Unavailable or Faulted, or
// while the station is disconnected.
var AvailableStatuses = []string{"Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved", "Occupied"}

// ConnectorAvailability is, for one charge point and one bucket of a
// report's period, the time its state was known (KnownMS: from its first
// status report on) and the part of it that it was available (UpMS).
type ConnectorAvailability struct {
	StationID   ID
	ConnectorID int
	Bucket      int
	UpMS        int64
	KnownMS     int64
}

// AvailabilityStore computes the availability of charge points from their
// status history. The SQL store implements it.
type AvailabilityStore interface {
	// Availability calls fn for every charge point of the stations a
	// station report q covers (its scope and station filters), once per
	// bucket of q's period, measured up to until (the store's clock when
	// zero).
	Availability(ctx context.Context, q ReportQuery, until time.Time, fn func(ConnectorAvailability) error) error
}
