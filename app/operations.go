package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// The station operations (issue 19): the rest of what a central system
// sends, each on OCPP 1.6 and, mapped, on OCPP 2.0.1 (GetTransactionStatus
// is 2.0.1's alone).
const (
	CommandGetConfiguration     = "get-configuration"
	CommandChangeConfiguration  = "change-configuration"
	CommandClearCache           = "clear-cache"
	CommandTriggerMessage       = "trigger-message"
	CommandUpdateFirmware       = "update-firmware"
	CommandGetDiagnostics       = "get-diagnostics"
	CommandReserveNow           = "reserve-now"
	CommandCancelReservation    = "cancel-reservation"
	CommandSendLocalList        = "send-local-list"
	CommandGetLocalListVersion  = "get-local-list-version"
	CommandSetChargingProfile   = "set-charging-profile"
	CommandClearChargingProfile = "clear-charging-profile"
	CommandGetCompositeSchedule = "get-composite-schedule"
	CommandGetTransactionStatus = "get-transaction-status"
	CommandDataTransfer         = "data-transfer"
)

// Bounds of the operations' arguments, within the OCPP schemas' limits (the
// lower of 1.6's and 2.0.1's where they differ).
const (
	MaxConfigurationKeys = 50       // keys per get-configuration
	MaxConfigurationKey  = 50       // characters of a key (CiString50)
	MaxConfigurationVal  = 500      // characters of a value (1.6 CiString500)
	MaxLocation          = 512      // characters of a firmware or log URL (2.0.1)
	MaxRetries           = 100      // firmware and diagnostics retries
	MaxRetryInterval     = 86400    // seconds between retries
	MaxIDTag             = 20       // characters of an ID tag (1.6 IdToken)
	MaxLocalListEntries  = 1000     // entries per send-local-list
	MaxStackLevel        = 1000     // a charging profile's stack level
	MaxSchedulePeriods   = 1024     // periods per schedule (2.0.1)
	MaxScheduleSeconds   = 31622400 // a year: schedule and composite durations
	MaxLimitTenths       = 10000000 // 1,000,000.0 A or W
	MaxVendorID          = 255
	MaxMessageID         = 50
	MaxTransferData      = 65536 // characters of DataTransfer data
)

// The names the operations take, as the API gives them.
var (
	// TriggerMessages are trigger-message's messages. DiagnosticsStatusNotification
	// (1.6) and LogStatusNotification (2.0.1) are one message, sent as the
	// station's version names it; TransactionEvent and
	// SignChargingStationCertificate are 2.0.1's alone.
	TriggerMessages = []string{"BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "FirmwareStatusNotification",
		"DiagnosticsStatusNotification", "LogStatusNotification", "TransactionEvent", "SignChargingStationCertificate"}
	// LocalListStatuses are the statuses of a local list entry (1.6
	// AuthorizationStatus, which 2.0.1 has too).
	LocalListStatuses = []string{"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"}
	// ProfilePurposes are the charging profile purposes a back office sets:
	// the station-wide maximum under either version's name, the default
	// and the transaction's profile.
	ProfilePurposes = []string{"ChargePointMaxProfile", "ChargingStationMaxProfile", "TxDefaultProfile", "TxProfile"}
	// ProfileKinds and Recurrencies are OCPP's, the same in both versions.
	ProfileKinds = []string{"Absolute", "Recurring", "Relative"}
	Recurrencies = []string{"Daily", "Weekly"}
	// RateUnits are the units of a charging schedule: amperes or watts.
	RateUnits = []string{"A", "W"}
)

// ConfigurationVariables maps the OCPP 1.6 configuration keys that OCPP
// 2.0.1 kept, under another name, to their 2.0.1 component and variable
// (OCPP 2.0.1 part 2, the device model's standardized variables). On a
// 2.0.1 station get-configuration and change-configuration take such a key
// or one written Component.Variable.
var ConfigurationVariables = map[string]Variable{
	"HeartbeatInterval":                 {Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval"},
	"WebSocketPingInterval":             {Component: "OCPPCommCtrlr", Variable: "WebSocketPingInterval"},
	"ResetRetries":                      {Component: "OCPPCommCtrlr", Variable: "ResetRetries"},
	"UnlockConnectorOnEVSideDisconnect": {Component: "OCPPCommCtrlr", Variable: "UnlockOnEVSideDisconnect"},
	"MeterValueSampleInterval":          {Component: "SampledDataCtrlr", Variable: "TxUpdatedInterval"},
	"MeterValuesSampledData":            {Component: "SampledDataCtrlr", Variable: "TxUpdatedMeasurands"},
	"StopTxnSampledData":                {Component: "SampledDataCtrlr", Variable: "TxEndedMeasurands"},
	"ClockAlignedDataInterval":          {Component: "AlignedDataCtrlr", Variable: "Interval"},
	"MeterValuesAlignedData":            {Component: "AlignedDataCtrlr", Variable: "Measurands"},
	"StopTxnAlignedData":                {Component: "AlignedDataCtrlr", Variable: "TxEndedMeasurands"},
	"ConnectionTimeOut":                 {Component: "TxCtrlr", Variable: "EVConnectionTimeOut"},
	"StopTransactionOnEVSideDisconnect": {Component: "TxCtrlr", Variable: "StopTxOnEVSideDisconnect"},
	"StopTransactionOnInvalidId":        {Component: "TxCtrlr", Variable: "StopTxOnInvalidId"},
	"LocalAuthorizeOffline":             {Component: "AuthCtrlr", Variable: "LocalAuthorizeOffline"},
	"LocalPreAuthorize":                 {Component: "AuthCtrlr", Variable: "LocalPreAuthorize"},
	"AuthorizeRemoteTxRequests":         {Component: "AuthCtrlr", Variable: "AuthorizeRemoteStart"},
	"AuthorizationCacheEnabled":         {Component: "AuthCacheCtrlr", Variable: "Enabled"},
	"LocalAuthListEnabled":              {Component: "LocalAuthListCtrlr", Variable: "Enabled"},
	"SendLocalListMaxLength":            {Component: "LocalAuthListCtrlr", Variable: "ItemsPerMessage"},
	"ChargeProfileMaxStackLevel":        {Component: "SmartChargingCtrlr", Variable: "ProfileStackLevel"},
	"ChargingScheduleMaxPeriods":        {Component: "SmartChargingCtrlr", Variable: "PeriodsPerSchedule"},
}

// variableOfKey returns the OCPP 2.0.1 variable a configuration key names:
// a key of ConfigurationVariables, or Component.Variable.
func variableOfKey(key string) (Variable, bool) {
	if v, ok := ConfigurationVariables[key]; ok {
		return v, true
	}
	c, v, ok := strings.Cut(key, ".")
	if !ok || c == "" || v == "" || strings.Contains(v, ".") {
		return Variable{}, false
	}
	return Variable{Component: c, Variable: v}, true
}

// LocalListEntry is one entry of send-local-list: an ID tag with, unless
// a differential update removes it, its status, expiry and parent tag.
type LocalListEntry struct {
	IDTag       string
	Status      string // "" removes the tag (differential updates only)
	ExpiryDate  *time.Time
	ParentIDTag string
}

// ChargingProfile is a charging profile as set-charging-profile sends it
// (OCPP 1.6 ChargingProfile, 2.0.1 ChargingProfileType with one schedule).
type ChargingProfile struct {
	ID            int
	StackLevel    int
	Purpose       string // of ProfilePurposes
	Kind          string // of ProfileKinds
	Recurrency    string // of Recurrencies, for a Recurring profile only
	ValidFrom     *time.Time
	ValidTo       *time.Time
	TransactionID fc.ID // a TxProfile's session; required on OCPP 2.0.1
	Schedule      ChargingSchedule
}

// ChargingSchedule is a profile's schedule; rates are in tenths of the unit,
// the precision OCPP 1.6 allows.
type ChargingSchedule struct {
	Unit            string // of RateUnits
	Periods         []ChargingPeriod
	DurationSeconds int // 0: none
	StartSchedule   *time.Time
	MinRateTenths   *int64 // nil: none
}

// ChargingPeriod is one period of a schedule: from StartPeriod seconds
// after the schedule's start, at most LimitTenths/10 of the unit, on
// NumberPhases phases (0: the station's default).
type ChargingPeriod struct {
	StartPeriod  int
	LimitTenths  int64
	NumberPhases int
}

// ClearProfile selects the charging profiles clear-charging-profile
// clears: those matching every criterion given (nil or "": any).
type ClearProfile struct {
	ID          *int
	ConnectorID *int
	Purpose     string
	StackLevel  *int
}

// Operation holds the arguments of the station operations; each command
// reads its own (see the fields' comments), and some Command's:
// ConnectorID, IDTag (reserve-now), TransactionID (get-transaction-status,
// a session; 0 for none).
type Operation struct {
	Keys          []string  // get-configuration: none for every key (1.6 only)
	Key, Value    string    // change-configuration
	Message       string    // trigger-message, of TriggerMessages (Command.ConnectorID)
	Location      string    // update-firmware, get-diagnostics: a URL
	RetrieveAt    time.Time // update-firmware
	Retries       *int      // update-firmware
	RetryInterval *int      // update-firmware, seconds
	StartTime     *time.Time
	StopTime      *time.Time // get-diagnostics: the period of the log
	ExpiresAt     time.Time  // reserve-now (Command.ConnectorID, Command.IDTag)
	ReservationID int        // reserve-now (0: generated), cancel-reservation
	ListVersion   int        // send-local-list
	UpdateType    string     // send-local-list: Full or Differential
	Entries       []LocalListEntry
	Profile       ChargingProfile // set-charging-profile (Command.ConnectorID)
	Clear         ClearProfile    // clear-charging-profile
	Seconds       int             // get-composite-schedule's duration (Command.ConnectorID)
	Unit          string          // get-composite-schedule: A, W or "" (the station's)
	VendorID      string          // data-transfer
	MessageID     string
	Data          string
	// RequestID numbers update-firmware and get-diagnostics on OCPP 2.0.1
	// (requestId, which the station's status notifications carry); 0:
	// generated.
	RequestID int
}

// requestID returns the operation's RequestID, or a new one.
func (op Operation) requestID() int {
	if op.RequestID > 0 {
		return op.RequestID
	}
	return requestID()
}

// numbered reports whether a command sends a requestId that the station's
// later notifications carry.
func numbered(name, version string) bool {
	return version == fc.OCPP201 && (name == CommandUpdateFirmware || name == CommandGetDiagnostics)
}

// transactionOf returns the session an operation names, 0 for none.
func (cmd Command) transactionOf() fc.ID {
	switch cmd.Name {
	case CommandGetTransactionStatus:
		return cmd.TransactionID
	case CommandSetChargingProfile:
		return cmd.Profile.TransactionID
	}
	return 0
}

// checkOperation checks what an operation names against the station and
// the subject, once its arguments hold, and returns the station's own ID
// of the transaction it names (OCPP 2.0.1), if any: a session of this
// station (not found otherwise) started over the station's version
// (unprocessable otherwise); the cards an Accepted local list entry names,
// which the subject must be allowed to start with (as remote-start's); a
// reservation's expiry in the future.
func (s *Service) checkOperation(ctx context.Context, subj access.Subject, st *fc.Station, cmd Command) (string, error) {
	switch cmd.Name {
	case CommandReserveNow:
		if !cmd.ExpiresAt.After(s.now()) {
			return "", fc.Invalid(map[string]string{"expires_at": "must be in the future"})
		}
	case CommandSendLocalList:
		for _, e := range cmd.Entries {
			if e.Status != "Accepted" && e.Status != "ConcurrentTx" {
				continue
			}
			ok, err := s.mayStartWith(ctx, subj, st, e.IDTag)
			if err != nil {
				return "", err
			}
			if !ok {
				return "", fc.Errorf(fc.ENotFound, "no card with the ID tag %q", e.IDTag)
			}
		}
	}
	id := cmd.transactionOf()
	if id == 0 {
		return "", nil
	}
	txID, err := s.Store.StationTransactionID(ctx, st.ID, id)
	if err != nil {
		return "", err
	}
	if (txID != "") != (st.OCPPVersion == fc.OCPP201) {
		return "", fc.Errorf(fc.EUnprocessable, "session %s started over another OCPP version than station %s speaks now", id, st.ID)
	}
	return txID, nil
}

// operationCall checks the arguments of a station operation, adding what
// is wrong to fields, and returns its request in the version the station
// speaks. connectorIs checks that a connector ID is the station's (with
// min 0, 0 too).
func operationCall(cmd Command, v201 bool, stationTxID string, fields map[string]string, connectorIs func(id, min int)) any {
	op := cmd.Operation
	connector := func(min int) { connectorIs(cmd.ConnectorID, min) }
	oneOf := func(field, v string, allowed []string) {
		if !slices.Contains(allowed, v) {
			fields[field] = "must be one of " + joinQuoted(allowed)
		}
	}
	text := func(field, v string, min, max int) {
		if n := len([]rune(v)); n < min || n > max || strings.ContainsRune(v, 0) {
			fields[field] = fmt.Sprintf("must be %d to %d characters", min, max)
		}
	}
	between := func(field string, v *int, min, max int) {
		if v != nil && (*v < min || *v > max) {
			fields[field] = fmt.Sprintf("must be %d to %d", min, max)
		}
	}
	location := func() {
		u, err := url.Parse(op.Location)
		if err != nil || u.Scheme == "" || u.Host == "" || len([]rune(op.Location)) > MaxLocation {
			fields["location"] = fmt.Sprintf("must be an absolute URL (such as https://… or ftp://…) of at most %d characters", MaxLocation)
		}
	}
	switch cmd.Name {
	case CommandGetConfiguration:
		if len(op.Keys) > MaxConfigurationKeys || v201 && len(op.Keys) == 0 {
			fields["keys"] = fmt.Sprintf("must name 1 to %d keys (none: every key, on OCPP 1.6 only; get-base-report reads an OCPP 2.0.1 station's)", MaxConfigurationKeys)
		}
		for i, k := range op.Keys {
			text(fmt.Sprintf("keys[%d]", i), k, 1, MaxConfigurationKey)
		}
		if !v201 {
			return struct {
				Key []string `json:"key,omitempty"`
			}{op.Keys}
		}
		data := make([]variableData201, 0, len(op.Keys))
		for i, k := range op.Keys {
			v, ok := variableOfKey(k)
			if !ok {
				fields[fmt.Sprintf("keys[%d]", i)] = keyProblem
			}
			data = append(data, variableData201{Component: named201{Name: v.Component}, Variable: named201{Name: v.Variable}})
		}
		return struct {
			GetVariableData []variableData201 `json:"getVariableData"`
		}{data}
	case CommandChangeConfiguration:
		text("key", op.Key, 1, MaxConfigurationKey)
		text("value", op.Value, 0, MaxConfigurationVal)
		if !v201 {
			return struct {
				Key   string `json:"key"`
				Value string `json:"value"`
			}{op.Key, op.Value}
		}
		v, ok := variableOfKey(op.Key)
		if !ok {
			fields["key"] = keyProblem
		}
		value := op.Value
		return struct {
			SetVariableData []variableData201 `json:"setVariableData"`
		}{[]variableData201{{AttributeValue: &value, Component: named201{Name: v.Component}, Variable: named201{Name: v.Variable}}}}
	case CommandClearCache, CommandGetLocalListVersion:
		return struct{}{}
	case CommandTriggerMessage:
		connector(0)
		oneOf("message", op.Message, TriggerMessages)
		msg := op.Message
		if v201 {
			if msg == "DiagnosticsStatusNotification" {
				msg = "LogStatusNotification"
			}
			type evse struct {
				ID          int `json:"id"`
				ConnectorID int `json:"connectorId,omitempty"`
			}
			var at *evse
			if cmd.ConnectorID > 0 {
				at = &evse{ID: cmd.ConnectorID}
			}
			if msg == "StatusNotification" {
				// OCPP 2.0.1 reports status per connector, and the CSMS
				// names one (F06.FR.13): charge point n is EVSE n's
				// connector 1, as for unlock.
				if at == nil {
					fields["connector_id"] = "is required for StatusNotification on OCPP 2.0.1"
				} else {
					at.ConnectorID = 1
				}
			}
			return struct {
				RequestedMessage string `json:"requestedMessage"`
				EVSE             *evse  `json:"evse,omitempty"`
			}{msg, at}
		}
		switch msg {
		case "LogStatusNotification":
			msg = "DiagnosticsStatusNotification"
		case "TransactionEvent", "SignChargingStationCertificate":
			fields["message"] = msg + " is an OCPP 2.0.1 message, and the station speaks OCPP 1.6"
		}
		return struct {
			RequestedMessage string `json:"requestedMessage"`
			ConnectorID      int    `json:"connectorId,omitempty"`
		}{msg, cmd.ConnectorID}
	case CommandUpdateFirmware:
		location()
		if op.RetrieveAt.IsZero() {
			fields["retrieve_at"] = "is required: when the station is to download the firmware"
		}
		between("retries", op.Retries, 0, MaxRetries)
		between("retry_interval", op.RetryInterval, 0, MaxRetryInterval)
		if v201 {
			type firmware struct {
				Location         string `json:"location"`
				RetrieveDateTime string `json:"retrieveDateTime"`
			}
			return struct {
				Retries       *int     `json:"retries,omitempty"`
				RetryInterval *int     `json:"retryInterval,omitempty"`
				RequestID     int      `json:"requestId"`
				Firmware      firmware `json:"firmware"`
			}{op.Retries, op.RetryInterval, op.requestID(), firmware{op.Location, ocppTime(op.RetrieveAt)}}
		}
		return struct {
			Location      string `json:"location"`
			Retries       *int   `json:"retries,omitempty"`
			RetrieveDate  string `json:"retrieveDate"`
			RetryInterval *int   `json:"retryInterval,omitempty"`
		}{op.Location, op.Retries, ocppTime(op.RetrieveAt), op.RetryInterval}
	case CommandGetDiagnostics:
		location()
		if op.StartTime != nil && op.StopTime != nil && !op.StopTime.After(*op.StartTime) {
			fields["stop_time"] = "must be after start_time"
		}
		if v201 {
			type logParameters struct {
				RemoteLocation  string `json:"remoteLocation"`
				OldestTimestamp string `json:"oldestTimestamp,omitempty"`
				LatestTimestamp string `json:"latestTimestamp,omitempty"`
			}
			return struct {
				LogType   string        `json:"logType"`
				RequestID int           `json:"requestId"`
				Log       logParameters `json:"log"`
			}{"DiagnosticsLog", op.requestID(), logParameters{op.Location, ocppTimeOrNone(op.StartTime), ocppTimeOrNone(op.StopTime)}}
		}
		return struct {
			Location  string `json:"location"`
			StartTime string `json:"startTime,omitempty"`
			StopTime  string `json:"stopTime,omitempty"`
		}{op.Location, ocppTimeOrNone(op.StartTime), ocppTimeOrNone(op.StopTime)}
	case CommandReserveNow:
		connector(0)
		text("id_tag", cmd.IDTag, 1, MaxIDTag)
		if op.ExpiresAt.IsZero() {
			fields["expires_at"] = "is required: when the reservation ends"
		}
		if op.ReservationID < 0 || op.ReservationID > 1<<31-1 {
			fields["reservation_id"] = "must be 1 to 2147483647, or absent"
		}
		id := op.ReservationID
		if id == 0 {
			id = requestID()
		}
		if v201 {
			return struct {
				ID             int        `json:"id"`
				ExpiryDateTime string     `json:"expiryDateTime"`
				IDToken        idToken201 `json:"idToken"`
				EVSEID         int        `json:"evseId,omitempty"`
			}{id, ocppTime(op.ExpiresAt), idToken201{IDToken: cmd.IDTag, Type: "ISO14443"}, cmd.ConnectorID}
		}
		return struct {
			ConnectorID   int    `json:"connectorId"`
			ExpiryDate    string `json:"expiryDate"`
			IDTag         string `json:"idTag"`
			ReservationID int    `json:"reservationId"`
		}{cmd.ConnectorID, ocppTime(op.ExpiresAt), cmd.IDTag, id}
	case CommandCancelReservation:
		if op.ReservationID <= 0 || op.ReservationID > 1<<31-1 {
			fields["reservation_id"] = "is required: 1 to 2147483647"
		}
		return struct {
			ReservationID int `json:"reservationId"`
		}{op.ReservationID}
	case CommandSendLocalList:
		return localListCall(op, v201, fields)
	case CommandSetChargingProfile:
		return profileCall(cmd, v201, stationTxID, fields, connector)
	case CommandClearChargingProfile:
		c := op.Clear
		between("id", c.ID, 1, 1<<31-1)
		between("stack_level", c.StackLevel, 0, MaxStackLevel)
		if c.ConnectorID != nil {
			connectorIs(*c.ConnectorID, 0)
		}
		if c.Purpose != "" {
			oneOf("purpose", c.Purpose, ProfilePurposes)
		}
		purpose := purposeFor(c.Purpose, v201)
		if v201 {
			type criteria struct {
				EVSEID                 *int   `json:"evseId,omitempty"`
				ChargingProfilePurpose string `json:"chargingProfilePurpose,omitempty"`
				StackLevel             *int   `json:"stackLevel,omitempty"`
			}
			var crit *criteria
			if c.ConnectorID != nil || purpose != "" || c.StackLevel != nil {
				crit = &criteria{c.ConnectorID, purpose, c.StackLevel}
			}
			return struct {
				ChargingProfileID       *int      `json:"chargingProfileId,omitempty"`
				ChargingProfileCriteria *criteria `json:"chargingProfileCriteria,omitempty"`
			}{c.ID, crit}
		}
		return struct {
			ID                     *int   `json:"id,omitempty"`
			ConnectorID            *int   `json:"connectorId,omitempty"`
			ChargingProfilePurpose string `json:"chargingProfilePurpose,omitempty"`
			StackLevel             *int   `json:"stackLevel,omitempty"`
		}{c.ID, c.ConnectorID, purpose, c.StackLevel}
	case CommandGetCompositeSchedule:
		connector(0)
		if op.Seconds < 1 || op.Seconds > MaxScheduleSeconds {
			fields["duration_seconds"] = fmt.Sprintf("is required: 1 to %d", MaxScheduleSeconds)
		}
		if op.Unit != "" {
			oneOf("unit", op.Unit, RateUnits)
		}
		if v201 {
			return struct {
				Duration         int    `json:"duration"`
				ChargingRateUnit string `json:"chargingRateUnit,omitempty"`
				EVSEID           int    `json:"evseId"`
			}{op.Seconds, op.Unit, cmd.ConnectorID}
		}
		return struct {
			ConnectorID      int    `json:"connectorId"`
			Duration         int    `json:"duration"`
			ChargingRateUnit string `json:"chargingRateUnit,omitempty"`
		}{cmd.ConnectorID, op.Seconds, op.Unit}
	case CommandGetTransactionStatus:
		if cmd.TransactionID < 0 || cmd.TransactionID > 1<<31-1 {
			fields["transaction_id"] = "must be the ID of a session"
		}
		return struct {
			TransactionID string `json:"transactionId,omitempty"`
		}{stationTxID}
	case CommandDataTransfer:
		text("vendor_id", op.VendorID, 1, MaxVendorID)
		text("message_id", op.MessageID, 0, MaxMessageID)
		text("data", op.Data, 0, MaxTransferData)
		return struct {
			VendorID  string `json:"vendorId"`
			MessageID string `json:"messageId,omitempty"`
			Data      string `json:"data,omitempty"`
		}{op.VendorID, op.MessageID, op.Data}
	}
	return nil
}

const keyProblem = "on OCPP 2.0.1 must be a 1.6 key OCPP 2.0.1 kept (app.ConfigurationVariables) or Component.Variable"

// localListCall checks and maps send-local-list.
func localListCall(op Operation, v201 bool, fields map[string]string) any {
	if op.ListVersion < 1 || op.ListVersion > 1<<31-1 {
		fields["version"] = "is required: a positive integer"
	}
	if op.UpdateType != "Full" && op.UpdateType != "Differential" {
		fields["update_type"] = `must be one of "Full", "Differential"`
	}
	if len(op.Entries) > MaxLocalListEntries {
		fields["entries"] = fmt.Sprintf("must hold at most %d entries", MaxLocalListEntries)
	}
	seen := map[string]bool{}
	for i, e := range op.Entries {
		at := fmt.Sprintf("entries[%d]", i)
		switch {
		case e.IDTag == "" || len([]rune(e.IDTag)) > MaxIDTag || strings.ContainsRune(e.IDTag, 0):
			fields[at+".id_tag"] = fmt.Sprintf("is required: 1 to %d characters", MaxIDTag)
		case seen[e.IDTag]:
			fields[at+".id_tag"] = "is given more than once"
		}
		seen[e.IDTag] = true
		switch {
		case e.Status == "" && op.UpdateType == "Full":
			fields[at+".status"] = "is required in a full list (an entry without one removes its tag in a differential update)"
		case e.Status != "" && !slices.Contains(LocalListStatuses, e.Status):
			fields[at+".status"] = "must be one of " + joinQuoted(LocalListStatuses)
		case e.Status == "" && (e.ExpiryDate != nil || e.ParentIDTag != ""):
			fields[at+".status"] = "is required with an expiry date or a parent ID tag"
		}
		if len([]rune(e.ParentIDTag)) > MaxIDTag || strings.ContainsRune(e.ParentIDTag, 0) {
			fields[at+".parent_id_tag"] = fmt.Sprintf("must be at most %d characters", MaxIDTag)
		}
	}
	if v201 {
		type info struct {
			Status              string      `json:"status"`
			CacheExpiryDateTime string      `json:"cacheExpiryDateTime,omitempty"`
			GroupIDToken        *idToken201 `json:"groupIdToken,omitempty"`
		}
		type data struct {
			IDToken     idToken201 `json:"idToken"`
			IDTokenInfo *info      `json:"idTokenInfo,omitempty"`
		}
		list := make([]data, len(op.Entries))
		for i, e := range op.Entries {
			list[i].IDToken = idToken201{IDToken: e.IDTag, Type: "ISO14443"}
			if e.Status != "" {
				list[i].IDTokenInfo = &info{Status: e.Status, CacheExpiryDateTime: ocppTimeOrNone(e.ExpiryDate)}
				if e.ParentIDTag != "" {
					list[i].IDTokenInfo.GroupIDToken = &idToken201{IDToken: e.ParentIDTag, Type: "Central"}
				}
			}
		}
		return struct {
			LocalAuthorizationList []data `json:"localAuthorizationList,omitempty"`
			VersionNumber          int    `json:"versionNumber"`
			UpdateType             string `json:"updateType"`
		}{list, op.ListVersion, op.UpdateType}
	}
	type info struct {
		Status      string `json:"status"`
		ExpiryDate  string `json:"expiryDate,omitempty"`
		ParentIDTag string `json:"parentIdTag,omitempty"`
	}
	type data struct {
		IDTag     string `json:"idTag"`
		IDTagInfo *info  `json:"idTagInfo,omitempty"`
	}
	list := make([]data, len(op.Entries))
	for i, e := range op.Entries {
		list[i].IDTag = e.IDTag
		if e.Status != "" {
			list[i].IDTagInfo = &info{e.Status, ocppTimeOrNone(e.ExpiryDate), e.ParentIDTag}
		}
	}
	return struct {
		ListVersion            int    `json:"listVersion"`
		LocalAuthorizationList []data `json:"localAuthorizationList,omitempty"`
		UpdateType             string `json:"updateType"`
	}{op.ListVersion, list, op.UpdateType}
}

// profileCall checks and maps set-charging-profile.
func profileCall(cmd Command, v201 bool, stationTxID string, fields map[string]string, connector func(min int)) any {
	p := cmd.Profile
	connector(0)
	if p.ID < 1 || p.ID > 1<<31-1 {
		fields["profile.id"] = "is required: a positive integer"
	}
	if p.StackLevel < 0 || p.StackLevel > MaxStackLevel {
		fields["profile.stack_level"] = fmt.Sprintf("must be 0 to %d", MaxStackLevel)
	}
	if !slices.Contains(ProfilePurposes, p.Purpose) {
		fields["profile.purpose"] = "must be one of " + joinQuoted(ProfilePurposes)
	}
	switch {
	case strings.HasSuffix(p.Purpose, "MaxProfile") && cmd.ConnectorID != 0:
		fields["connector_id"] = "must be 0 for a station's maximum profile"
	case p.Purpose == "TxProfile" && cmd.ConnectorID == 0:
		fields["connector_id"] = "must name the connector of the transaction"
	case p.Purpose != "TxProfile" && p.TransactionID != 0:
		fields["profile.transaction_id"] = "is for a TxProfile only"
	case p.Purpose == "TxProfile" && v201 && p.TransactionID == 0:
		fields["profile.transaction_id"] = "is required for a TxProfile on OCPP 2.0.1"
	}
	if !slices.Contains(ProfileKinds, p.Kind) {
		fields["profile.kind"] = "must be one of " + joinQuoted(ProfileKinds)
	}
	s := p.Schedule
	switch {
	case p.Kind == "Recurring" && !slices.Contains(Recurrencies, p.Recurrency):
		fields["profile.recurrency"] = "is required for a Recurring profile: one of " + joinQuoted(Recurrencies)
	case p.Kind != "Recurring" && p.Recurrency != "":
		fields["profile.recurrency"] = "is for a Recurring profile only"
	case p.Kind == "Recurring" && s.StartSchedule == nil:
		fields["profile.schedule.start_schedule"] = "is required for a Recurring profile"
	case p.Kind == "Relative" && s.StartSchedule != nil:
		fields["profile.schedule.start_schedule"] = "is not for a Relative profile"
	}
	if p.ValidFrom != nil && p.ValidTo != nil && !p.ValidTo.After(*p.ValidFrom) {
		fields["profile.valid_to"] = "must be after valid_from"
	}
	if !slices.Contains(RateUnits, s.Unit) {
		fields["profile.schedule.unit"] = "must be one of " + joinQuoted(RateUnits)
	}
	if s.DurationSeconds < 0 || s.DurationSeconds > MaxScheduleSeconds {
		fields["profile.schedule.duration"] = fmt.Sprintf("must be 1 to %d seconds, or absent", MaxScheduleSeconds)
	}
	if m := s.MinRateTenths; m != nil && (*m < 0 || *m > MaxLimitTenths) {
		fields["profile.schedule.min_charging_rate"] = "must be 0 to 1000000.0"
	}
	if len(s.Periods) == 0 || len(s.Periods) > MaxSchedulePeriods {
		fields["profile.schedule.periods"] = fmt.Sprintf("must hold 1 to %d periods", MaxSchedulePeriods)
	}
	for i, pd := range s.Periods {
		at := fmt.Sprintf("profile.schedule.periods[%d]", i)
		switch {
		case i == 0 && pd.StartPeriod != 0:
			fields[at+".start_period"] = "must be 0: the first period starts the schedule"
		case i > 0 && pd.StartPeriod <= s.Periods[i-1].StartPeriod, pd.StartPeriod > MaxScheduleSeconds:
			fields[at+".start_period"] = "must be after the previous period's, within a year"
		}
		if pd.LimitTenths < 0 || pd.LimitTenths > MaxLimitTenths {
			fields[at+".limit"] = "must be 0 to 1000000.0"
		}
		if pd.NumberPhases < 0 || pd.NumberPhases > 3 {
			fields[at+".number_phases"] = "must be 1 to 3, or absent"
		}
	}
	type period struct {
		StartPeriod  int         `json:"startPeriod"`
		Limit        json.Number `json:"limit"`
		NumberPhases int         `json:"numberPhases,omitempty"`
	}
	periods := make([]period, len(s.Periods))
	for i, pd := range s.Periods {
		periods[i] = period{pd.StartPeriod, tenths(pd.LimitTenths), pd.NumberPhases}
	}
	var minRate json.Number
	if s.MinRateTenths != nil {
		minRate = tenths(*s.MinRateTenths)
	}
	purpose := purposeFor(p.Purpose, v201)
	if v201 {
		type schedule struct {
			ID                     int         `json:"id"`
			StartSchedule          string      `json:"startSchedule,omitempty"`
			Duration               int         `json:"duration,omitempty"`
			ChargingRateUnit       string      `json:"chargingRateUnit"`
			ChargingSchedulePeriod []period    `json:"chargingSchedulePeriod"`
			MinChargingRate        json.Number `json:"minChargingRate,omitempty"`
		}
		type profile struct {
			ID                     int        `json:"id"`
			StackLevel             int        `json:"stackLevel"`
			ChargingProfilePurpose string     `json:"chargingProfilePurpose"`
			ChargingProfileKind    string     `json:"chargingProfileKind"`
			RecurrencyKind         string     `json:"recurrencyKind,omitempty"`
			ValidFrom              string     `json:"validFrom,omitempty"`
			ValidTo                string     `json:"validTo,omitempty"`
			ChargingSchedule       []schedule `json:"chargingSchedule"`
			TransactionID          string     `json:"transactionId,omitempty"`
		}
		return struct {
			EVSEID          int     `json:"evseId"`
			ChargingProfile profile `json:"chargingProfile"`
		}{cmd.ConnectorID, profile{p.ID, p.StackLevel, purpose, p.Kind, p.Recurrency, ocppTimeOrNone(p.ValidFrom), ocppTimeOrNone(p.ValidTo),
			[]schedule{{p.ID, ocppTimeOrNone(s.StartSchedule), s.DurationSeconds, s.Unit, periods, minRate}}, stationTxID}}
	}
	type schedule struct {
		Duration               int         `json:"duration,omitempty"`
		StartSchedule          string      `json:"startSchedule,omitempty"`
		ChargingRateUnit       string      `json:"chargingRateUnit"`
		ChargingSchedulePeriod []period    `json:"chargingSchedulePeriod"`
		MinChargingRate        json.Number `json:"minChargingRate,omitempty"`
	}
	type profile struct {
		ChargingProfileID      int      `json:"chargingProfileId"`
		TransactionID          int64    `json:"transactionId,omitempty"`
		StackLevel             int      `json:"stackLevel"`
		ChargingProfilePurpose string   `json:"chargingProfilePurpose"`
		ChargingProfileKind    string   `json:"chargingProfileKind"`
		RecurrencyKind         string   `json:"recurrencyKind,omitempty"`
		ValidFrom              string   `json:"validFrom,omitempty"`
		ValidTo                string   `json:"validTo,omitempty"`
		ChargingSchedule       schedule `json:"chargingSchedule"`
	}
	return struct {
		ConnectorID        int     `json:"connectorId"`
		CSChargingProfiles profile `json:"csChargingProfiles"`
	}{cmd.ConnectorID, profile{p.ID, int64(p.TransactionID), p.StackLevel, purpose, p.Kind, p.Recurrency, ocppTimeOrNone(p.ValidFrom), ocppTimeOrNone(p.ValidTo),
		schedule{s.DurationSeconds, ocppTimeOrNone(s.StartSchedule), s.Unit, periods, minRate}}}
}

// purposeFor names a profile purpose as the version does: the station-wide
// maximum is ChargePointMaxProfile on 1.6, ChargingStationMaxProfile on
// 2.0.1.
func purposeFor(purpose string, v201 bool) string {
	switch {
	case !strings.HasSuffix(purpose, "MaxProfile"):
		return purpose
	case v201:
		return "ChargingStationMaxProfile"
	}
	return "ChargePointMaxProfile"
}

// tenths renders v/10 as a JSON number with at most one decimal, a
// multiple of 0.1 as OCPP 1.6's schema wants it.
func tenths(v int64) json.Number {
	s := strconv.FormatInt(v/10, 10)
	if r := v % 10; r != 0 {
		s += "." + strconv.FormatInt(r, 10)
	}
	return json.Number(s)
}

// ocppTime renders a time as OCPP dateTimes are sent: RFC 3339 in UTC,
// to the second.
func ocppTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func ocppTimeOrNone(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ocppTime(*t)
}

// operationStatus returns the status of a station's answer to an
// operation where it is not the answer's status field: for
// change-configuration on OCPP 2.0.1, the SetVariables result's
// attributeStatus as ChangeConfiguration would say it (Accepted, Rejected,
// RebootRequired, NotSupported).
func operationStatus(name string, v201 bool, reply json.RawMessage) (string, bool) {
	if name != CommandChangeConfiguration || !v201 {
		return "", false
	}
	var res struct {
		SetVariableResult []struct {
			AttributeStatus string `json:"attributeStatus"`
		} `json:"setVariableResult"`
	}
	if json.Unmarshal(reply, &res) != nil || len(res.SetVariableResult) != 1 {
		return "", true
	}
	switch s := res.SetVariableResult[0].AttributeStatus; s {
	case "Accepted", "Rejected", "RebootRequired":
		return s, true
	}
	return "NotSupported", true
}
