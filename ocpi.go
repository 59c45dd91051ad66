package fleetcharge

import (
	"context"
	"encoding/json"
	"time"
)

// Roaming over OCPI 2.2.1 (issue 17): the provider's partners, the
// messages it pushes to them and the tokens they push to it.

// OCPIVersion is the OCPI version fleetcharge speaks.
const OCPIVersion = "2.2.1"

// KindOCPIPartner is the object kind of an OCPI partner, as not-found
// errors and the audit log name it.
const KindOCPIPartner = "ocpi_partner"

// Statuses of an OCPI partner.
const (
	// PartnerPending: token A issued, the partner has not registered yet.
	PartnerPending = "pending"
	// PartnerConnected: registered both ways; the modules are in use.
	PartnerConnected = "connected"
	// PartnerSuspended: registered, but its requests are refused (401) and
	// nothing is pushed to it until it is resumed.
	PartnerSuspended = "suspended"
)

// OCPI roles of a party (OCPI 2.2.1, 16.5 Role).
const (
	OCPIRoleCPO   = "CPO"
	OCPIRoleEMSP  = "EMSP"
	OCPIRoleHub   = "HUB"
	OCPIRoleNAP   = "NAP"
	OCPIRoleNSP   = "NSP"
	OCPIRoleSCSP  = "SCSP"
	OCPIRoleOther = "OTHER"
)

// Kinds of the token a partner authenticates with (OCPI 2.2.1, 7.1): token
// A, issued by us, opens the credentials module only; token C, issued by
// us at registration, opens every module.
const (
	OCPITokenA = "A"
	OCPITokenC = "C"
)

// OCPIRole is one role a party plays (OCPI CredentialsRole).
type OCPIRole struct {
	Role        string `json:"role"`
	CountryCode string `json:"country_code"`
	PartyID     string `json:"party_id"`
	// Name is the business name the party gave (business_details.name).
	Name    string `json:"name,omitempty"`
	Website string `json:"website,omitempty"`
}

// OCPIEndpoint is a module endpoint of a party's version details.
type OCPIEndpoint struct {
	Identifier string `json:"identifier"` // credentials, tokens, cdrs, …
	Role       string `json:"role"`       // SENDER or RECEIVER
	URL        string `json:"url"`
}

// OCPIPartner is another platform the provider roams with, peer to peer or
// through a hub.
type OCPIPartner struct {
	ID         ID     `json:"id"`
	ProviderID ID     `json:"-"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	// Roles are the partner's, from its credentials (empty while pending).
	Roles []OCPIRole `json:"roles"`
	// VersionsURL is the partner's versions endpoint; Version the version
	// both speak; Endpoints the partner's modules in that version.
	VersionsURL string         `json:"versions_url,omitempty"`
	Version     string         `json:"version,omitempty"`
	Endpoints   []OCPIEndpoint `json:"endpoints"`
	// OutgoingToken is the token we authenticate with at the partner (its
	// token B or C). A secret: never shown, never logged.
	OutgoingToken string    `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// EndpointURL returns the URL of the partner's module in a role, "" when
// it has none.
func (p *OCPIPartner) EndpointURL(identifier, role string) string {
	for _, e := range p.Endpoints {
		if e.Identifier == identifier && e.Role == role {
			return e.URL
		}
	}
	return ""
}

// OCPIMessage is a push to a partner waiting in the outbox. The messages of
// one object (Key: the module and the object's ID) go out in the order
// they were queued, each only once the one before it was delivered.
type OCPIMessage struct {
	ID        ID
	PartnerID ID
	Module    string // tokens, locations, sessions, cdrs, …
	Key       string // the object: messages with the same key keep their order
	Method    string // PUT, PATCH, POST
	// Path is appended to the partner's module URL (e.g. /NL/ABC/012345678
	// for a token).
	Path      string
	Body      json.RawMessage
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
}

// OCPIExchange is one request to or from a partner, kept so that provider
// admins see the last exchange per module and the failures with their
// payloads.
type OCPIExchange struct {
	PartnerID ID        `json:"partner_id"`
	Module    string    `json:"module"`
	Direction string    `json:"direction"` // "in" or "out"
	Method    string    `json:"method"`
	URL       string    `json:"url"`
	At        time.Time `json:"at"`
	// HTTPStatus and OCPIStatus are the answer's (0 when none came).
	HTTPStatus int    `json:"http_status"`
	OCPIStatus int    `json:"ocpi_status"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	// Request and Response are the bodies, cut to a few KiB; kept for
	// failures only.
	Request  string `json:"request,omitempty"`
	Response string `json:"response,omitempty"`
}

// OCPIToken is a token a partner (an eMSP) pushed to us, the CPO: its
// drivers' RFID cards and app IDs, which our roaming stations admit while
// valid.
type OCPIToken struct {
	PartnerID    ID        `json:"partner_id"`
	CountryCode  string    `json:"country_code"`
	PartyID      string    `json:"party_id"`
	UID          string    `json:"uid"`
	Type         string    `json:"type"` // AD_HOC_USER, APP_USER, OTHER, RFID
	ContractID   string    `json:"contract_id"`
	VisualNumber string    `json:"visual_number,omitempty"`
	Issuer       string    `json:"issuer"`
	GroupID      string    `json:"group_id,omitempty"`
	Valid        bool      `json:"valid"`
	Whitelist    string    `json:"whitelist"` // ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER
	Language     string    `json:"language,omitempty"`
	LastUpdated  time.Time `json:"last_updated"`
	// Object is the token as the partner sent it (OCPI Token object).
	Object json.RawMessage `json:"-"`
}

// OCPIStore keeps the partners, the outbox, the exchanges and the tokens
// partners pushed.
type OCPIStore interface {
	// CreateOCPIPartner stores a new partner of p.ProviderID whose requests
	// authenticate with the token hashing to incomingHash, of kind (A or C).
	CreateOCPIPartner(ctx context.Context, p *OCPIPartner, incomingHash, kind string) error
	// OCPIPartners lists the provider's partners by ID; OCPIPartner reads
	// one (not found across providers).
	OCPIPartners(ctx context.Context, providerID ID) ([]OCPIPartner, error)
	OCPIPartner(ctx context.Context, providerID, id ID) (*OCPIPartner, error)
	// OCPIPartnerByID reads a partner of any provider, for the outbox
	// worker, which serves them all.
	OCPIPartnerByID(ctx context.Context, id ID) (*OCPIPartner, error)
	// OCPIPartnerByToken finds the partner, of any provider, whose incoming
	// token hashes to hash, with the token's kind. Not found otherwise.
	OCPIPartnerByToken(ctx context.Context, hash string) (*OCPIPartner, string, error)
	// UpdateOCPIPartner applies fn to a partner in one write; a non-empty
	// incomingHash replaces its incoming token (and kind).
	UpdateOCPIPartner(ctx context.Context, providerID, id ID, incomingHash, kind string, fn func(*OCPIPartner) error) (*OCPIPartner, error)
	// DeleteOCPIPartner removes a partner with its outbox and tokens.
	DeleteOCPIPartner(ctx context.Context, providerID, id ID) error

	// EnqueueOCPI adds messages to the outbox.
	EnqueueOCPI(ctx context.Context, msgs []OCPIMessage) error
	// DueOCPI returns up to limit messages due at now, of connected
	// partners, each the oldest waiting message of its partner and key.
	DueOCPI(ctx context.Context, now time.Time, limit int) ([]OCPIMessage, error)
	// OCPIDelivered removes a delivered message; OCPIRetry notes a failed
	// attempt and when to try again.
	OCPIDelivered(ctx context.Context, id ID) error
	OCPIRetry(ctx context.Context, id ID, lastError string, next time.Time) error
	// OCPIOutbox lists a partner's waiting messages, oldest first.
	OCPIOutbox(ctx context.Context, providerID, partnerID ID, limit int) ([]OCPIMessage, error)
	// OCPIRetryNow makes every message waiting for the partner due at now
	// (an admin's "retry now" after the partner came back) and returns how
	// many there are.
	OCPIRetryNow(ctx context.Context, providerID, partnerID ID, now time.Time) (int64, error)

	// RecordOCPIExchange keeps an exchange; OCPIExchanges returns a
	// partner's newest first.
	RecordOCPIExchange(ctx context.Context, e OCPIExchange) error
	OCPIExchanges(ctx context.Context, providerID, partnerID ID, limit int) ([]OCPIExchange, error)

	// PutOCPIToken stores a token a partner pushed, replacing the one with
	// the same country code, party ID, UID and type; OCPIToken reads one;
	// OCPITokenByUID finds the valid token of a partner of the provider
	// with the UID (an OCPP idTag), for authorization.
	PutOCPIToken(ctx context.Context, t OCPIToken) error
	OCPIToken(ctx context.Context, partnerID ID, countryCode, partyID, uid, typ string) (*OCPIToken, error)
	OCPITokenByUID(ctx context.Context, providerID ID, uid string) (*OCPIToken, error)

	// QueueOCPITokens queues a push of every card's token of the provider
	// to the partner (a sync) and returns how many; a card's change queues
	// its own push to every connected or suspended partner in the same
	// write (outbox key "token:" + the card's internal ID, no body: the
	// token is built from the card when sent).
	QueueOCPITokens(ctx context.Context, providerID, partnerID ID) (int64, error)
	// OCPICard returns the provider's card whose internal ID is the UID;
	// OCPICards a page of its cards last updated in [from, to), with the
	// count of all of them.
	OCPICard(ctx context.Context, providerID ID, uid string) (*Card, error)
	OCPICards(ctx context.Context, providerID ID, from, to time.Time, offset, limit int) ([]Card, int, error)
}
