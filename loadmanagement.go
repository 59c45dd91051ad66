package fleetcharge

import (
	"context"
	"time"
)

// How a location shares its limit over its charging sessions
// (Location.LoadSharing).
const (
	// LoadShareEqual gives every charging session an equal share.
	LoadShareEqual = "equal"
	// LoadSharePriority serves the sessions of the charge groups with the
	// highest LoadPriority first.
	LoadSharePriority = "priority"
)

// Bounds of a charge group's load priority.
const (
	MinLoadPriority = -1000
	MaxLoadPriority = 1000
)

// MaxRunningSessionAge is how long a session without a stop counts as
// running for load management: a session open longer is taken as one
// whose station never reported its end, and draws nothing.
const MaxRunningSessionAge = 72 * time.Hour

// SessionAllocation is one limit load management gave a running session:
// what its station may draw from At on, and why (the allocator's reason,
// such as share or waiting; package loadmgmt).
type SessionAllocation struct {
	SessionID ID        `json:"session_id"`
	At        time.Time `json:"at"`
	LimitW    int64     `json:"-"` // watts
	Reason    string    `json:"reason"`
}

// LoadSite is a location with a power limit and its running sessions, as
// load management divides it and its page shows it.
type LoadSite struct {
	Location Location
	// Connectors counts the connectors of the location's stations: the
	// default profile a station gets at boot is the limit divided by it.
	Connectors int
	// Sessions are the running sessions at the location's stations, by
	// session ID.
	Sessions []LoadSession
}

// LoadSession is a running session at a location, with what load
// management needs of its station and what it last gave it.
type LoadSession struct {
	SessionID   ID
	StationID   ID
	Identity    string
	OCPPVersion string // of the station's last connection
	// StationTxID is the station's own transaction ID (OCPP 2.0.1).
	StationTxID string
	ConnectorID int
	// ConnectorMaxW is the station's connector maximum, 0 when unknown.
	ConnectorMaxW int64
	// Priority is the load priority of the station's charge group.
	Priority  int
	StartedAt time.Time
	// Online tells whether the station is connected; Since is when its
	// connection state last changed, as far as the store knows.
	Online bool
	Since  time.Time
	// Last is the latest limit recorded for the session, nil when none.
	Last *SessionAllocation
	// MeasuredW is the latest active power the station reported for the
	// session (Power.Active.Import), at MeasuredAt; nil when none.
	MeasuredW  *int64
	MeasuredAt *time.Time
}

// SiteRef names a location of a provider.
type SiteRef struct {
	ProviderID ID
	LocationID ID
}

// LoadStore keeps what load management reads and writes.
type LoadStore interface {
	// LoadSite returns a location of the provider with all its running
	// sessions (started within MaxRunningSessionAge, not stopped).
	LoadSite(ctx context.Context, providerID, locationID ID) (*LoadSite, error)
	// LocationLoad returns the same for a reader: the location within
	// locations, and only the sessions at stations within stations.
	LocationLoad(ctx context.Context, locations Scope, stations StationScope, locationID ID) (*LoadSite, error)
	// LoadSiteOf returns the location of the station when it has a power
	// limit; ok is false when the station has no location or its location
	// no limit.
	LoadSiteOf(ctx context.Context, stationID ID) (ref SiteRef, ok bool, err error)
	// LimitedSites returns the locations with a power limit and at least
	// one running session, of every provider.
	LimitedSites(ctx context.Context) ([]SiteRef, error)
	// RecordAllocations keeps the limits given to sessions of the
	// provider; SessionAllocations returns a session's, by time;
	// PruneSessionAllocations drops those made before a time.
	RecordAllocations(ctx context.Context, providerID ID, allocs []SessionAllocation) error
	SessionAllocations(ctx context.Context, sc SessionScope, sessionID ID) ([]SessionAllocation, error)
	PruneSessionAllocations(ctx context.Context, before time.Time) (int64, error)
}
