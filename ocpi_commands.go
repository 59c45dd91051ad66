package fleetcharge

import (
	"context"
	"encoding/json"
	"time"
)

// OCPI commands (OCPI 2.2.1, 13): remote start, stop, unlock and
// reservations, asked by an eMSP of a CPO, answered at once (a
// CommandResponse) and later with the station's result (a CommandResult
// posted to the eMSP's response_url).

// KindOCPICommand is the object kind of an OCPI command, as not-found
// errors name it.
const KindOCPICommand = "ocpi_command"

// Directions of an OCPI command.
const (
	// OCPICommandIn: a partner (an eMSP) asked us, the CPO, to act on one
	// of our stations.
	OCPICommandIn = "in"
	// OCPICommandOut: we asked a partner (a CPO) to act for one of our
	// cards.
	OCPICommandOut = "out"
)

// OCPI command types (OCPI 2.2.1, 13.4.3 CommandType).
const (
	OCPICancelReservation = "CANCEL_RESERVATION"
	OCPIReserveNow        = "RESERVE_NOW"
	OCPIStartSession      = "START_SESSION"
	OCPIStopSession       = "STOP_SESSION"
	OCPIUnlockConnector   = "UNLOCK_CONNECTOR"
)

// OCPICommand is one command, received or sent.
type OCPICommand struct {
	ID        ID     `json:"id"`
	PartnerID ID     `json:"partner_id"`
	Direction string `json:"direction"` // OCPICommandIn or OCPICommandOut
	Command   string `json:"command"`   // START_SESSION, …
	// ResponseURL is where the result goes: the partner's URL for a
	// command in, ours for one out.
	ResponseURL string `json:"-"`
	// CardID is our card a command out is for; StationID and ConnectorID
	// our station a command in acts on (zero when none).
	CardID      ID  `json:"card_id,omitempty"`
	StationID   ID  `json:"station_id,omitempty"`
	ConnectorID int `json:"connector_id,omitempty"`
	// Request is the OCPI command object as sent or received.
	Request json.RawMessage `json:"request"`
	// Result is empty while waiting for the station, then an OCPI
	// CommandResultType (ACCEPTED, REJECTED, FAILED, TIMEOUT, …); for a
	// command out that the partner did not accept, its CommandResponseType
	// (REJECTED, NOT_SUPPORTED, UNKNOWN_SESSION). Message says why.
	Result    string    `json:"result"`
	Message   string    `json:"message,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OCPICommandStore keeps the OCPI commands, received and sent.
type OCPICommandStore interface {
	// CreateOCPICommand stores a new command (its ID, CreatedAt and
	// UpdatedAt set).
	CreateOCPICommand(ctx context.Context, c *OCPICommand) error
	// OCPICommand reads a command of a partner of the provider.
	OCPICommand(ctx context.Context, providerID, id ID) (*OCPICommand, error)
	// OCPICommands lists up to limit of a partner's commands of one
	// direction and type, newest first.
	OCPICommands(ctx context.Context, partnerID ID, direction, command string, limit int) ([]OCPICommand, error)
	// OCPIPartnerCommands lists up to limit of the commands sent to and
	// received from a partner of the provider, newest first.
	OCPIPartnerCommands(ctx context.Context, providerID, partnerID ID, limit int) ([]OCPICommand, error)
	// UpdateOCPICommand applies fn to a command of the partner in one
	// write, and queues msgs (its result for the partner) in the same
	// write. A command of another partner is not found.
	UpdateOCPICommand(ctx context.Context, partnerID, id ID, fn func(*OCPICommand) error, msgs ...OCPIMessage) (*OCPICommand, error)
}
