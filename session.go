package fleetcharge

import (
	"context"
	"encoding/json"
	"time"
)

// Session sources.
const (
	SourceOCPP   = "ocpp"   // recorded from a station's transaction
	SourceImport = "import" // imported from a previous back office or a roaming network
)

// Session is one charging session. It records both owners as they were when
// it happened: the card side (the card's account) and the station side (the
// station's account). Energy is kept in Wh and duration in seconds, exactly;
// cost in the currency's minor unit.
type Session struct {
	ID               ID         `json:"id"`
	ProviderID       ID         `json:"-"`
	Source           string     `json:"source"`
	ExternalRef      string     `json:"external_ref,omitempty"`
	ExternalParty    string     `json:"-"` // whose ExternalRef it is: an OCPI CDR's CPO party ("NL*CPO"); "" for a bulk import
	CardID           ID         `json:"card_id"`
	IDTag            string     `json:"id_tag,omitempty"`
	EmployeeID       ID         `json:"employee_id"`
	CardAccountID    ID         `json:"card_account_id"`
	StationID        ID         `json:"station_id"`
	ConnectorID      int        `json:"connector_id,omitempty"`
	StationAccountID ID         `json:"station_account_id"`
	LocationID       ID         `json:"location_id"`
	LocationKind     string     `json:"location_kind"`
	LocationName     string     `json:"location_name,omitempty"`
	StartedAt        time.Time  `json:"started_at"`
	StoppedAt        *time.Time `json:"stopped_at"`
	MeterStartWh     int64      `json:"meter_start_wh"`
	MeterStopWh      *int64     `json:"meter_stop_wh"`
	EnergyWh         int64      `json:"-"`
	DurationSeconds  int64      `json:"-"`
	StopReason       string     `json:"stop_reason,omitempty"`
	// StationTxID is the transaction's ID as an OCPP 2.0.1 station named
	// it (its transactionId); empty for OCPP 1.6, where the session's ID is
	// the transaction's.
	StationTxID string `json:"station_transaction_id,omitempty" doc:"OCPP 2.0.1: the transaction's ID as its station named it"`
	// SeqGaps counts the OCPP 2.0.1 transaction events the station numbered
	// (seqNo) but the back office never received.
	SeqGaps   int    `json:"seq_gaps,omitempty" doc:"OCPP 2.0.1: the number of the transaction's events the station numbered but never delivered"`
	CostMinor int64  `json:"-"`
	Currency  string `json:"currency,omitempty"`
	// CardMasked is set when the caller sees the session only from the
	// station side and the card is foreign to it: the card's external ID is
	// masked and the employee is hidden.
	CardMasked bool   `json:"-"`
	ExternalID string `json:"card_external_id,omitempty"`
	// SignedMeterData are the signed meter readings (OCMF) the station sent
	// for the session, in order, each as received: an OCPP 1.6 SignedData
	// value as a string, an OCPP 2.0.1 signedMeterValue as its object. Nil
	// when it sent none; read with one session, not in lists.
	SignedMeterData []json.RawMessage `json:"signed_meter_data" doc:"the station's signed meter readings (OCMF), each as received, or null"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// Active reports whether the session has not stopped yet.
func (s *Session) Active() bool { return s.StoppedAt == nil }

// MaskCard hides the card side of a session read only from its station
// side (SPEC.md, privacy): nothing that names the card, its account or its
// driver is left but the last four characters of the card's number.
func (s *Session) MaskCard() {
	s.CardMasked = true
	s.CardID, s.CardAccountID, s.EmployeeID, s.IDTag = 0, 0, 0, ""
	s.ExternalID = MaskCardNumber(s.ExternalID)
}

// MaskCardNumber replaces all but the last four characters of a card's
// number with '*'. A number of four characters or fewer is masked whole:
// showing all of it would not mask it.
func MaskCardNumber(v string) string {
	r := []rune(v)
	keep := 4
	if len(r) <= keep {
		keep = 0
	}
	for i := 0; i < len(r)-keep; i++ {
		r[i] = '*'
	}
	return string(r)
}

// The measurands the session page charts; OCPP's default measurand is the
// energy register.
const (
	MeasurandEnergy = "Energy.Active.Import.Register"
	MeasurandPower  = "Power.Active.Import"
)

// MeterSample is one sampled value of a session's meter, as the station sent
// it in OCPP 1.6 MeterValues or StopTransaction or in an OCPP 2.0.1
// TransactionEvent. OCPP's defaults are filled in when stored: measurand
// MeasurandEnergy, context Sample.Periodic, unit Wh, location Outlet. An
// OCPP 2.0.1 multiplier is applied to the value.
type MeterSample struct {
	At        time.Time `json:"at"`
	Measurand string    `json:"measurand"`
	// Value is nil for an OCPP 1.6 SignedData sample, whose value is the
	// signed data.
	Value    *float64 `json:"value"`
	Unit     string   `json:"unit"`
	Phase    string   `json:"phase"`
	Context  string   `json:"context"`
	Location string   `json:"location,omitempty"`
	// Signed is the signed reading as received (JSON text), nil for a plain
	// sample.
	Signed json.RawMessage `json:"-"`
}

// MeterValueStore keeps the samples of sessions' meters (the charging
// curve).
type MeterValueStore interface {
	// MeterValues returns the samples with a value of a session within the
	// scope, by time, measurand and phase; a session out of scope is not
	// found. A masked session's samples are the station side's: returned.
	MeterValues(ctx context.Context, s SessionScope, sessionID ID) ([]MeterSample, error)
}

// StatusReport is a connector's status as a station reported it
// (StatusNotification): connector 0 is the station as a whole.
type StatusReport struct {
	StationID       ID        `json:"-"`
	ConnectorID     int       `json:"connector_id"`
	Status          string    `json:"status"`
	ErrorCode       string    `json:"error_code,omitempty"`
	VendorErrorCode string    `json:"vendor_error_code,omitempty"`
	VendorID        string    `json:"vendor_id,omitempty"`
	Info            string    `json:"info,omitempty"`
	At              time.Time `json:"at"`
}

// StatusHistoryStore keeps the history of connectors' statuses.
type StatusHistoryStore interface {
	// StatusHistory returns the station's latest status reports, newest
	// first, at most limit. The caller has checked that the station may be
	// read.
	StatusHistory(ctx context.Context, stationID ID, limit int) ([]StatusReport, error)
}
