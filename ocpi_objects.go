package fleetcharge

import (
	"context"
	"encoding/json"
	"time"
)

// Objects partners publish to us as an eMSP (issue 17): a CPO partner's
// locations and tariffs, and the sessions of our cards on its network.

// Modules whose objects a partner pushes to us and we keep as sent.
const (
	OCPIModuleLocations = "locations"
	OCPIModuleTariffs   = "tariffs"
	OCPIModuleSessions  = "sessions"
)

// OCPIObject is an object a partner pushed, kept as sent.
type OCPIObject struct {
	PartnerID   ID              `json:"partner_id"`
	Module      string          `json:"module"`
	CountryCode string          `json:"country_code"`
	PartyID     string          `json:"party_id"`
	ObjectID    string          `json:"id"`
	LastUpdated time.Time       `json:"last_updated"`
	Object      json.RawMessage `json:"object"`
}

// OCPIObjectStore keeps the objects partners push.
type OCPIObjectStore interface {
	// PutOCPIObject stores an object, replacing the one with the same
	// partner, module, party and ID.
	PutOCPIObject(ctx context.Context, o OCPIObject) error
	// UpdateOCPIObject applies fn to a stored object in one write (a
	// PATCH); not found when there is none.
	UpdateOCPIObject(ctx context.Context, partnerID ID, module, countryCode, partyID, objectID string, fn func(*OCPIObject) error) (*OCPIObject, error)
	// OCPIObject reads one.
	OCPIObject(ctx context.Context, partnerID ID, module, countryCode, partyID, objectID string) (*OCPIObject, error)
	// OCPIObjects lists a page of the provider's partners' objects of a
	// module (of one partner when partnerID is not zero), newest first,
	// with the count of all.
	OCPIObjects(ctx context.Context, providerID, partnerID ID, module string, offset, limit int) ([]OCPIObject, int, error)
}
