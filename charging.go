package fleetcharge

import (
	"context"
	"math/big"
	"time"
)

// OCPP authorization statuses (IdTagInfo.status in OCPP 1.6).
const (
	AuthAccepted     = "Accepted"
	AuthBlocked      = "Blocked"
	AuthExpired      = "Expired"
	AuthInvalid      = "Invalid"
	AuthConcurrentTx = "ConcurrentTx"
)

// BootInfo is what a station says of itself in BootNotification.
type BootInfo struct {
	Vendor, Model, SerialNumber, Firmware string
}

// StartTransaction is a station's StartTransaction request, resolved to the station.
type StartTransaction struct {
	StationID   ID
	ConnectorID int
	IDTag       string
	MeterStart  int64 // Wh
	Timestamp   time.Time
	// ReservationID is the reservationId the start names, if any: that
	// reservation is used by the session (ReservationStore).
	ReservationID *int
}

// StopTransaction is a station's StopTransaction request, resolved to the station.
type StopTransaction struct {
	StationID     ID
	TransactionID ID
	IDTag         string
	MeterStop     int64 // Wh
	Timestamp     time.Time
	Reason        string
	Samples       []MeterSample // its transactionData, kept as the session's curve
}

// TransactionEvent is an OCPP 2.0.1 TransactionEventRequest resolved to the
// station. A transaction is named by the station (TransactionID); its events
// are numbered by SeqNo.
type TransactionEvent struct {
	StationID     ID
	TransactionID string // the station's transactionId
	EventType     string // TxStarted, TxUpdated or TxEnded
	SeqNo         int64
	Offline       bool // the event happened while the station was offline
	TriggerReason string
	Timestamp     time.Time
	ConnectorID   int    // the charge point (the EVSE's id); 0 when the event names none
	IDTag         string // the idToken; "" when the event carries none
	// MeterWh is the latest energy register reading the event carries, read
	// at MeterAt; nil when it carries none.
	MeterWh       *int64
	MeterAt       time.Time
	StoppedReason string        // of an Ended event; "" for Local
	Samples       []MeterSample // its meter values, kept as the session's curve
	// ReservationID is the reservationId the event names, if any: that
	// reservation is used by the session (ReservationStore).
	ReservationID *int
}

// The OCPP 2.0.1 transaction event types.
const (
	TxStarted = "Started"
	TxUpdated = "Updated"
	TxEnded   = "Ended"
)

// TransactionEventResult is what storing a TransactionEvent did.
type TransactionEventResult struct {
	Session *Session
	// Created is set when the event opened the session (the first event of
	// the transaction that reached the back office).
	Created bool
	// Repeated is set when an event with the same seqNo was stored before:
	// nothing changed.
	Repeated bool
}

// DeviceVariable is one attribute of one variable of one component of an
// OCPP 2.0.1 station's device model, as its NotifyReport last gave it.
type DeviceVariable struct {
	Component         string    `json:"component"`
	ComponentInstance string    `json:"component_instance,omitempty"`
	EVSEID            int       `json:"evse_id,omitempty"`
	ConnectorID       int       `json:"connector_id,omitempty"`
	Variable          string    `json:"variable"`
	VariableInstance  string    `json:"variable_instance,omitempty"`
	AttributeType     string    `json:"attribute_type"` // Actual, Target, MinSet, MaxSet
	Value             *string   `json:"value"`
	Mutability        string    `json:"mutability,omitempty"`
	DataType          string    `json:"data_type,omitempty"`
	Unit              string    `json:"unit,omitempty"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// SecurityEvent is a station's SecurityEventNotification.
type SecurityEvent struct {
	ID         ID        `json:"id"`
	StationID  ID        `json:"station_id"`
	Type       string    `json:"type"`
	TechInfo   string    `json:"tech_info,omitempty"`
	At         time.Time `json:"at"`          // when it happened, by the station's clock
	ReceivedAt time.Time `json:"received_at"` // when the back office stored it
}

// CardAuth is what deciding on an idTag at a station needs: the card (nil
// when the idTag is unknown in the station's provider), the organization
// chain of the card's account, and the station's charge group with its
// access lists. The store may answer it from a cache that any change to
// what it holds invalidates at once, so it leaves out what changes without
// deciding anything: the group's tariff and the card's last use are zero.
type CardAuth struct {
	Card       *Card
	CardOrgs   []ID
	Group      *ChargeGroup
	ActiveTxID ID // a running session of this card, 0 if none
	// Roaming is the token of a connected OCPI partner with the idTag, when
	// no card of the provider has it and the station's charge group roams.
	Roaming *OCPIToken
}

// ChargingStore is what the OCPP endpoint needs from storage. Every call is
// one transaction; a call returns only once its change is durably stored.
type ChargingStore interface {
	// StationByIdentity returns the station with its password hash, across
	// providers (the identity is unique on the platform).
	StationByIdentity(ctx context.Context, identity string) (*Station, error)
	RecordBoot(ctx context.Context, stationID ID, info BootInfo, at time.Time) error
	// SetConnection records whether the station is connected, and the
	// OCPP version of its connection (kept as it is when version is "").
	SetConnection(ctx context.Context, stationID ID, online bool, version string, at time.Time) error
	RecordHeartbeat(ctx context.Context, stationID ID, at time.Time) error
	RecordStatus(ctx context.Context, stationID ID, connectorID int, status, errorCode string, at time.Time) error
	// RecordStatusReport stores a connector's status as RecordStatus does,
	// and adds the report, with its vendor error code, to the connector's
	// status history (connector 0's too).
	RecordStatusReport(ctx context.Context, r StatusReport) error
	// CardAuth loads what deciding on idTag at the station needs.
	CardAuth(ctx context.Context, stationID ID, idTag string) (CardAuth, error)
	// StartTransaction opens a session. A repeat of the same request (same
	// station, connector, idTag, timestamp and meter start) returns the
	// session it opened, with created=false.
	StartTransaction(ctx context.Context, t StartTransaction) (sess *Session, created bool, err error)
	// RecordMeter keeps the latest energy reading of a running session.
	RecordMeter(ctx context.Context, stationID, transactionID ID, meterWh int64, at time.Time) error
	// RecordMeterValues keeps the samples of a session of the station
	// (once each, whatever the session's state) and, when meterWh is not
	// nil, its latest energy reading as RecordMeter does, in one write.
	RecordMeterValues(ctx context.Context, stationID, transactionID ID, meterWh *int64, at time.Time, samples []MeterSample) error
	// StopTransaction closes a session, computing energy, duration and cost.
	// A repeat returns the stored session unchanged.
	StopTransaction(ctx context.Context, t StopTransaction) (*Session, error)
	// TransactionEvent stores an OCPP 2.0.1 transaction event in the session
	// of the station's transaction, opening it on the transaction's first
	// event and closing it on Ended. A repeat (same transaction and seqNo)
	// changes nothing.
	TransactionEvent(ctx context.Context, e TransactionEvent) (TransactionEventResult, error)
	// EndReservation ends the station's active reservation with that
	// reservationId as status (ReservationCancelled or ReservationExpired)
	// at at: an OCPP 2.0.1 ReservationStatusUpdate, or an accepted
	// cancel-reservation. None active is no error: it reports false.
	EndReservation(ctx context.Context, stationID ID, ocppID int, status string, at time.Time) (bool, error)
	// StationTransactionID returns the station's own ID of the session's
	// transaction ("" for an OCPP 1.6 one); a session of another station is
	// not found.
	StationTransactionID(ctx context.Context, stationID, sessionID ID) (string, error)
	// RecordDeviceModel stores variables of the station's device model,
	// replacing the stored attribute of each.
	RecordDeviceModel(ctx context.Context, stationID ID, vars []DeviceVariable, at time.Time) error
	// RecordSecurityEvent stores a station's security event.
	RecordSecurityEvent(ctx context.Context, e SecurityEvent) error
	// DeviceModel returns the station's stored device model, by component
	// and variable. The caller has checked that the station may be read.
	DeviceModel(ctx context.Context, stationID ID) ([]DeviceVariable, error)
	// SecurityEvents returns the station's latest security events, newest
	// first, at most limit. The caller has checked that the station may be
	// read.
	SecurityEvents(ctx context.Context, stationID ID, limit int) ([]SecurityEvent, error)
	// SeqGapSessions returns the station's latest sessions with OCPP 2.0.1
	// transaction events missing (SeqGaps > 0), newest first, at most
	// limit, with their ID, StationTxID, SeqGaps, ConnectorID and StartedAt.
	// The caller has checked that the station may be read.
	SeqGapSessions(ctx context.Context, stationID ID, limit int) ([]Session, error)
}

// Admits reports whether the charge group lets the card charge: a public
// group admits every card; a restricted one the cards it lists, the cards of
// the accounts it lists, and the cards of accounts in the organizations it
// lists (with their subtrees). cardOrgs is the organization chain of the
// card's account.
func (g *ChargeGroup) Admits(c *Card, cardOrgs []ID) bool {
	if g.Access == AccessPublic {
		return true
	}
	for _, id := range g.AllowedCardIDs {
		if id == c.ID {
			return true
		}
	}
	for _, id := range g.AllowedAccountIDs {
		if id == c.AccountID {
			return true
		}
	}
	for _, want := range g.AllowedOrganizationIDs {
		for _, have := range cardOrgs {
			if want == have {
				return true
			}
		}
	}
	return false
}

// minorDigits lists the ISO 4217 currencies whose minor unit is not the cent.
var minorDigits = map[string]int{"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "HUF": 2, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}

// MinorDigits returns the number of decimals of the currency's minor unit.
func MinorDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// Cost prices a session under the tariff: start fee plus energy plus time,
// computed exactly in millionths and rounded half up to the minor unit. The
// arithmetic is exact at any size (a station may report absurd meter values).
func (t Tariff) Cost(energyWh, durationSeconds int64) int64 {
	// micros * Wh / 1000 and micros * s / 60, over the common denominator 60000.
	num := new(big.Int).Mul(big.NewInt(t.StartFeeMicros), big.NewInt(60000))
	num.Add(num, new(big.Int).Mul(big.NewInt(t.PerKWhMicros), new(big.Int).Mul(big.NewInt(energyWh), big.NewInt(60))))
	num.Add(num, new(big.Int).Mul(big.NewInt(t.PerMinuteMicros), new(big.Int).Mul(big.NewInt(durationSeconds), big.NewInt(1000))))
	if num.Sign() <= 0 {
		return 0
	}
	unit := int64(1000000)
	for i := 0; i < MinorDigits(t.Currency); i++ {
		unit /= 10
	}
	den := big.NewInt(unit * 60000)
	num.Add(num, new(big.Int).Rsh(den, 1))
	num.Quo(num, den)
	if !num.IsInt64() {
		return 1<<63 - 1
	}
	return num.Int64()
}
