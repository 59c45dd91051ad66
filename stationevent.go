package fleetcharge

import (
	"context"
	"time"
)

// Kinds of StationEvent.
const (
	// EventConnected: the station opened a connection (a reconnection too).
	EventConnected = "connected"
	// EventBooted: a BootNotification of the station was accepted, and the
	// answer sent.
	EventBooted = "booted"
	// EventDisconnected: the station's last connection ended.
	EventDisconnected = "disconnected"
	// EventSessionStarted: a session started (StartTransaction, or the
	// TransactionEvent that opened it) and the answer was sent.
	EventSessionStarted = "session_started"
	// EventSessionStopped: a session's stop was stored and answered.
	EventSessionStopped = "session_stopped"
	// EventFirmwareStatus: a FirmwareStatusNotification (Status; RequestID
	// on OCPP 2.0.1).
	EventFirmwareStatus = "firmware_status"
	// EventDiagnosticsStatus: an OCPP 1.6 DiagnosticsStatusNotification or
	// an OCPP 2.0.1 LogStatusNotification (Status; RequestID on 2.0.1).
	EventDiagnosticsStatus = "diagnostics_status"
)

// StationEvent is something a station did that work beside the OCPP
// endpoint follows: station jobs retry when a station reconnects and follow
// firmware campaigns; local lists are checked when a station boots; load
// management divides a location's limit again when a session starts or
// stops and when a station connects.
type StationEvent struct {
	Kind        string
	StationID   ID
	ProviderID  ID
	Identity    string
	OCPPVersion string // the connection's
	Status      string // EventFirmwareStatus, EventDiagnosticsStatus
	RequestID   int    // OCPP 2.0.1's requestId, 0 when none was sent
	SessionID   ID     // EventSessionStarted, EventSessionStopped
	At          time.Time
}

// StationObserver hears of station events. The OCPP endpoint calls it on
// the station's connection: it must return promptly and must not wait for
// a call to the station, whose answer that same connection has to read.
type StationObserver interface {
	StationEvent(ctx context.Context, e StationEvent)
}
