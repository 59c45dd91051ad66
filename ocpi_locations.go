package fleetcharge

import (
	"context"
	"time"
)

// RoamingLocation is a location of the provider as the OCPI Locations
// module publishes it (the CPO role): a location with coordinates and at
// least one station in a roaming charge group, with those stations only.
type RoamingLocation struct {
	Location Location
	// Stations are the location's stations in roaming charge groups, with
	// their charge points, by ID.
	Stations []RoamingStation
	// LastUpdated is the latest change of the location, its roaming
	// stations, their groups, connections and connector statuses.
	LastUpdated time.Time
}

// RoamingStation is a published station: its connectors are the EVSEs.
type RoamingStation struct {
	Station Station
	// LastUpdated is the latest change of the station, its charge group
	// and its connection; a connector's own is the later of this and its
	// status time.
	LastUpdated time.Time
}

// OCPILocationStore is what the OCPI Locations and Tariffs modules read
// of the provider's roaming stations (the CPO role), and the removal of a
// received object (the eMSP role).
type OCPILocationStore interface {
	// RoamingLocations lists a page of the provider's published locations
	// last updated in [from, to) (a zero bound is open), oldest change
	// first, with the count of all that match.
	RoamingLocations(ctx context.Context, providerID ID, from, to time.Time, offset, limit int) ([]RoamingLocation, int, error)
	// RoamingLocation reads one published location; not found when the
	// location is not published.
	RoamingLocation(ctx context.Context, providerID, locationID ID) (*RoamingLocation, error)
	// RoamingGroups lists a page of the provider's roaming charge groups
	// (their tariffs are published) updated in [from, to), oldest change
	// first, with the count of all that match.
	RoamingGroups(ctx context.Context, providerID ID, from, to time.Time, offset, limit int) ([]ChargeGroup, int, error)
	// QueueOCPILocations queues, for one partner, a push of every
	// published location and every roaming group's tariff, and returns how
	// many.
	QueueOCPILocations(ctx context.Context, providerID, partnerID ID) (int, error)
	// DeleteOCPIObject removes an object a partner pushed; not found when
	// there is none.
	DeleteOCPIObject(ctx context.Context, partnerID ID, module, countryCode, partyID, objectID string) error
}
