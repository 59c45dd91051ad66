package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// The bodies of the station operations (app/operations.go): each maps to
// its OCPP 1.6 message and, on an OCPP 2.0.1 station, to 2.0.1's. Times
// are RFC 3339 and sent to the station in UTC to the second; rates and
// limits are decimals with at most one decimal (OCPP 1.6's precision).

type getConfigurationInput struct {
	Keys []string `json:"keys" doc:"the configuration keys to read, at most 50 of at most 50 characters; absent for every key (OCPP 1.6 only). On an OCPP 2.0.1 station (GetVariables) a key is a 1.6 key 2.0.1 kept (HeartbeatInterval, MeterValueSampleInterval, ConnectionTimeOut, LocalAuthorizeOffline, …: mapped to their component and variable) or Component.Variable, such as OCPPCommCtrlr.HeartbeatInterval"`
}

type changeConfigurationInput struct {
	Key   string `json:"key" required:"true" max:"50" doc:"the configuration key; on OCPP 2.0.1 (SetVariables) mapped as get-configuration maps keys"`
	Value string `json:"value" required:"true" max:"500" doc:"its new value"`
}

type clearCacheInput struct{}

type triggerMessageInput struct {
	Message     string `json:"message" required:"true" enum:"BootNotification,Heartbeat,StatusNotification,MeterValues,FirmwareStatusNotification,DiagnosticsStatusNotification,LogStatusNotification,TransactionEvent,SignChargingStationCertificate" doc:"the message the station is to send now; DiagnosticsStatusNotification and LogStatusNotification are one, named as the station's version names it; TransactionEvent and SignChargingStationCertificate are OCPP 2.0.1's alone (400 on 1.6)"`
	ConnectorID int    `json:"connector_id" doc:"the connector (OCPP 2.0.1: EVSE) it is about; 0 or absent for the station. Required for StatusNotification on OCPP 2.0.1, which reports per connector"`
}

type updateFirmwareInput struct {
	Location      string    `json:"location" required:"true" max:"512" doc:"the absolute URL the station downloads the firmware from"`
	RetrieveAt    time.Time `json:"retrieve_at" required:"true" doc:"when the station is to download it"`
	Retries       *int      `json:"retries" doc:"how often to retry a failed download, 0 to 100"`
	RetryInterval *int      `json:"retry_interval" doc:"seconds between retries, 0 to 86400"`
}

type getDiagnosticsInput struct {
	Location  string     `json:"location" required:"true" max:"512" doc:"the absolute URL the station uploads its diagnostics to (OCPP 2.0.1: GetLog with logType DiagnosticsLog)"`
	StartTime *time.Time `json:"start_time" doc:"the oldest time the diagnostics are to cover"`
	StopTime  *time.Time `json:"stop_time" doc:"the latest time the diagnostics are to cover"`
}

type reserveNowInput struct {
	ConnectorID   int       `json:"connector_id" doc:"the connector (OCPP 2.0.1: EVSE) to reserve; 0 or absent for any"`
	IDTag         string    `json:"id_tag" required:"true" max:"20" doc:"the idTag of the card the reservation is for: one the caller may start with, as for remote-start"`
	ExpiresAt     time.Time `json:"expires_at" required:"true" doc:"when the reservation ends; in the future"`
	ReservationID int       `json:"reservation_id" doc:"the reservation's ID, a positive integer; generated when absent. The answer's reservation_id gives it"`
}

type cancelReservationInput struct {
	ReservationID int `json:"reservation_id" required:"true" doc:"the ID reserve-now answered"`
}

type sendLocalListInput struct {
	Version    int                   `json:"version" required:"true" doc:"the list's new version, a positive integer"`
	UpdateType string                `json:"update_type" required:"true" enum:"Full,Differential" doc:"Full replaces the station's list; Differential changes the entries given"`
	Entries    []localListEntryInput `json:"entries" doc:"at most 1000 entries; a Full update without entries empties the list"`
}

type localListEntryInput struct {
	IDTag       string     `json:"id_tag" required:"true" max:"20" doc:"the idTag; an Accepted (or ConcurrentTx) one must be a card the caller may start with"`
	Status      string     `json:"status" enum:"Accepted,Blocked,Expired,Invalid,ConcurrentTx" doc:"the tag's status; absent in a Differential update removes the tag"`
	ExpiryDate  *time.Time `json:"expiry_date" doc:"when the entry expires"`
	ParentIDTag string     `json:"parent_id_tag" max:"20" doc:"the tag's parent (OCPP 2.0.1: groupIdToken)"`
}

type getLocalListVersionInput struct{}

type setChargingProfileInput struct {
	ConnectorID int                  `json:"connector_id" required:"true" doc:"the connector (OCPP 2.0.1: EVSE); 0 for the whole station (a station maximum profile must have 0, a TxProfile a connector)"`
	Profile     chargingProfileInput `json:"profile" required:"true" doc:"the charging profile"`
}

// chargingProfileInput is a charging profile in the API's words: OCPP 1.6's
// csChargingProfiles, OCPP 2.0.1's chargingProfile with one schedule.
type chargingProfileInput struct {
	ID            int                   `json:"id" required:"true" doc:"the profile's ID, a positive integer"`
	StackLevel    int                   `json:"stack_level" required:"true" doc:"its stack level, 0 to 1000"`
	Purpose       string                `json:"purpose" required:"true" enum:"ChargePointMaxProfile,ChargingStationMaxProfile,TxDefaultProfile,TxProfile" doc:"ChargePointMaxProfile and ChargingStationMaxProfile are one (the station's maximum), sent as the station's version names it"`
	Kind          string                `json:"kind" required:"true" enum:"Absolute,Recurring,Relative" doc:"how the schedule's start is read"`
	Recurrency    string                `json:"recurrency" enum:"Daily,Weekly" doc:"for a Recurring profile, required there"`
	ValidFrom     *time.Time            `json:"valid_from" doc:"when the profile starts to apply"`
	ValidTo       *time.Time            `json:"valid_to" doc:"when it stops"`
	TransactionID fc.ID                 `json:"transaction_id" doc:"a TxProfile's session, running at this station; required for a TxProfile on OCPP 2.0.1"`
	Schedule      chargingScheduleInput `json:"schedule" required:"true" doc:"the schedule"`
}

type chargingScheduleInput struct {
	Unit            string                `json:"unit" required:"true" enum:"A,W" doc:"amperes or watts"`
	Periods         []chargingPeriodInput `json:"periods" required:"true" doc:"1 to 1024 periods, the first at 0, in increasing start_period"`
	Duration        int                   `json:"duration" doc:"the schedule's length in seconds; absent: until the profile ends"`
	StartSchedule   *time.Time            `json:"start_schedule" doc:"when the schedule starts: required for Recurring, not for Relative"`
	MinChargingRate *Decimal              `json:"min_charging_rate" doc:"the lowest rate the car charges at efficiently, in the unit"`
}

type chargingPeriodInput struct {
	StartPeriod  int     `json:"start_period" required:"true" doc:"seconds from the schedule's start"`
	Limit        Decimal `json:"limit" required:"true" doc:"the limit in the schedule's unit, at most one decimal"`
	NumberPhases int     `json:"number_phases" doc:"1 to 3; absent: the station's default"`
}

type clearChargingProfileInput struct {
	ID          *int   `json:"id" doc:"the profile's ID; absent: any"`
	ConnectorID *int   `json:"connector_id" doc:"the connector (OCPP 2.0.1: EVSE), 0 for the station's own; absent: any"`
	Purpose     string `json:"purpose" enum:"ChargePointMaxProfile,ChargingStationMaxProfile,TxDefaultProfile,TxProfile" doc:"absent: any"`
	StackLevel  *int   `json:"stack_level" doc:"absent: any"`
}

type getCompositeScheduleInput struct {
	ConnectorID     int    `json:"connector_id" required:"true" doc:"the connector (OCPP 2.0.1: EVSE); 0 for the station's grid connection"`
	DurationSeconds int    `json:"duration_seconds" required:"true" doc:"the period asked for, 1 to 31622400 seconds"`
	Unit            string `json:"unit" enum:"A,W" doc:"the unit of the answer; absent: the station's"`
}

type getTransactionStatusInput struct {
	TransactionID fc.ID `json:"transaction_id" doc:"a session of this station, sent as the station's transaction ID; absent: whether the station has queued transaction messages at all"`
}

type dataTransferInput struct {
	VendorID  string `json:"vendor_id" required:"true" max:"255" doc:"the vendor the message is for"`
	MessageID string `json:"message_id" max:"50" doc:"the vendor's message"`
	Data      string `json:"data" max:"65536" doc:"the message's data, as text"`
}

// operationRoutes are the command rows of the station operations.
var operationRoutes = []struct {
	name string
	body reflect.Type
	doc  string
}{
	{app.CommandGetConfiguration, typ[getConfigurationInput](), "reads configuration keys (GetConfiguration; GetVariables on 2.0.1)"},
	{app.CommandChangeConfiguration, typ[changeConfigurationInput](), "sets a configuration key (ChangeConfiguration; SetVariables on 2.0.1); the answer's status is Accepted, Rejected, RebootRequired or NotSupported on either version"},
	{app.CommandClearCache, typ[clearCacheInput](), "clears the station's authorization cache (ClearCache)"},
	{app.CommandTriggerMessage, typ[triggerMessageInput](), "asks the station to send a message now (TriggerMessage)"},
	{app.CommandUpdateFirmware, typ[updateFirmwareInput](), "asks the station to download and install firmware (UpdateFirmware); on 2.0.1 the answer's request_id is the one its FirmwareStatusNotification carries"},
	{app.CommandGetDiagnostics, typ[getDiagnosticsInput](), "asks the station to upload its diagnostics (GetDiagnostics; GetLog on 2.0.1, whose LogStatusNotification carries the answer's request_id)"},
	{app.CommandReserveNow, typ[reserveNowInput](), "reserves a connector for a card until a time (ReserveNow)"},
	{app.CommandCancelReservation, typ[cancelReservationInput](), "cancels a reservation (CancelReservation)"},
	{app.CommandSendLocalList, typ[sendLocalListInput](), "sends the station's local authorization list (SendLocalList)"},
	{app.CommandGetLocalListVersion, typ[getLocalListVersionInput](), "asks the version of the station's local authorization list (GetLocalListVersion)"},
	{app.CommandSetChargingProfile, typ[setChargingProfileInput](), "sets a charging profile (SetChargingProfile)"},
	{app.CommandClearChargingProfile, typ[clearChargingProfileInput](), "clears the charging profiles matching every criterion given (ClearChargingProfile)"},
	{app.CommandGetCompositeSchedule, typ[getCompositeScheduleInput](), "asks the schedule a connector will follow (GetCompositeSchedule)"},
	{app.CommandGetTransactionStatus, typ[getTransactionStatusInput](), "asks whether the station still holds messages of a transaction (GetTransactionStatus; OCPP 2.0.1 stations, 422 on 1.6)"},
	{app.CommandDataTransfer, typ[dataTransferInput](), "sends a vendor's message (DataTransfer)"},
}

// decodeOperation reads the body of a station operation into cmd.
func (s *Server) decodeOperation(w http.ResponseWriter, r *http.Request, cmd *app.Command) error {
	op := &cmd.Operation
	switch cmd.Name {
	case app.CommandGetConfiguration:
		var in getConfigurationInput
		return s.decodeStrict(w, r, &in, func() error { op.Keys = in.Keys; return nil })
	case app.CommandChangeConfiguration:
		var in changeConfigurationInput
		return s.decodeStrict(w, r, &in, func() error { op.Key, op.Value = in.Key, in.Value; return nil })
	case app.CommandClearCache:
		return s.decodeStrict(w, r, &clearCacheInput{}, nil)
	case app.CommandGetLocalListVersion:
		return s.decodeStrict(w, r, &getLocalListVersionInput{}, nil)
	case app.CommandTriggerMessage:
		var in triggerMessageInput
		return s.decodeStrict(w, r, &in, func() error { op.Message, cmd.ConnectorID = in.Message, in.ConnectorID; return nil })
	case app.CommandUpdateFirmware:
		var in updateFirmwareInput
		return s.decodeStrict(w, r, &in, func() error {
			op.Location, op.RetrieveAt, op.Retries, op.RetryInterval = in.Location, in.RetrieveAt, in.Retries, in.RetryInterval
			return nil
		})
	case app.CommandGetDiagnostics:
		var in getDiagnosticsInput
		return s.decodeStrict(w, r, &in, func() error {
			op.Location, op.StartTime, op.StopTime = in.Location, in.StartTime, in.StopTime
			return nil
		})
	case app.CommandReserveNow:
		var in reserveNowInput
		return s.decodeStrict(w, r, &in, func() error {
			cmd.ConnectorID, cmd.IDTag, op.ExpiresAt, op.ReservationID = in.ConnectorID, in.IDTag, in.ExpiresAt, in.ReservationID
			return nil
		})
	case app.CommandCancelReservation:
		var in cancelReservationInput
		return s.decodeStrict(w, r, &in, func() error { op.ReservationID = in.ReservationID; return nil })
	case app.CommandSendLocalList:
		var in sendLocalListInput
		return s.decodeStrict(w, r, &in, func() error {
			op.ListVersion, op.UpdateType = in.Version, in.UpdateType
			for _, e := range in.Entries {
				op.Entries = append(op.Entries, app.LocalListEntry{IDTag: e.IDTag, Status: e.Status, ExpiryDate: e.ExpiryDate, ParentIDTag: e.ParentIDTag})
			}
			return nil
		})
	case app.CommandSetChargingProfile:
		var in setChargingProfileInput
		return s.decodeStrict(w, r, &in, func() error {
			cmd.ConnectorID = in.ConnectorID
			var err error
			op.Profile, err = chargingProfile(&in.Profile)
			return err
		})
	case app.CommandClearChargingProfile:
		var in clearChargingProfileInput
		return s.decodeStrict(w, r, &in, func() error {
			op.Clear = app.ClearProfile{ID: in.ID, ConnectorID: in.ConnectorID, Purpose: in.Purpose, StackLevel: in.StackLevel}
			return nil
		})
	case app.CommandGetCompositeSchedule:
		var in getCompositeScheduleInput
		return s.decodeStrict(w, r, &in, func() error {
			cmd.ConnectorID, op.Seconds, op.Unit = in.ConnectorID, in.DurationSeconds, in.Unit
			return nil
		})
	case app.CommandGetTransactionStatus:
		var in getTransactionStatusInput
		return s.decodeStrict(w, r, &in, func() error { cmd.TransactionID = in.TransactionID; return nil })
	case app.CommandDataTransfer:
		var in dataTransferInput
		return s.decodeStrict(w, r, &in, func() error {
			op.VendorID, op.MessageID, op.Data = in.VendorID, in.MessageID, in.Data
			return nil
		})
	}
	return nil
}

// chargingProfile converts a profile body, its rates to tenths.
func chargingProfile(in *chargingProfileInput) (app.ChargingProfile, error) {
	p := app.ChargingProfile{ID: in.ID, StackLevel: in.StackLevel, Purpose: in.Purpose, Kind: in.Kind, Recurrency: in.Recurrency,
		ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, TransactionID: in.TransactionID,
		Schedule: app.ChargingSchedule{Unit: in.Schedule.Unit, DurationSeconds: in.Schedule.Duration, StartSchedule: in.Schedule.StartSchedule}}
	if m := in.Schedule.MinChargingRate; m != nil {
		v, err := m.Scaled("profile.schedule.min_charging_rate", 1)
		if err != nil {
			return p, err
		}
		p.Schedule.MinRateTenths = &v
	}
	for i, pd := range in.Schedule.Periods {
		v, err := pd.Limit.Scaled(fmt.Sprintf("profile.schedule.periods[%d].limit", i), 1)
		if err != nil {
			return p, err
		}
		p.Schedule.Periods = append(p.Schedule.Periods, app.ChargingPeriod{StartPeriod: pd.StartPeriod, LimitTenths: v, NumberPhases: pd.NumberPhases})
	}
	return p, nil
}

// decodeStrict reads a command body into dst as decode does, and binds
// each element of its arrays of objects (at any depth) as strictly as the
// body itself: unknown fields, wrong types, enums, lengths and required
// fields are 400 naming the element (entries[2].status), where
// encoding/json alone would let them pass. Then it runs then, if any.
func (s *Server) decodeStrict(w http.ResponseWriter, r *http.Request, dst any, then func() error) error {
	rt := s.byKey[r.Pattern]
	if rt == nil || rt.body != reflect.TypeOf(dst).Elem() {
		panic("api: " + r.Pattern + " decodes a body the route table does not declare")
	}
	body, _, err := readBody(w, r, maxBody, "application/json")
	if err != nil {
		return err
	}
	if len(body) == 0 {
		body = []byte("{}") // a command without arguments may come without a body
	}
	if _, err := bindJSON(body, dst, rt.create); err != nil {
		return err
	}
	fields := map[string]string{}
	bindElements(body, reflect.ValueOf(dst).Elem(), "", fields)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	if then == nil {
		return nil
	}
	return then()
}

// bindElements binds anew, strictly, each element of the arrays of objects
// in the JSON object raw, bound to the struct v; prefix is the dotted path
// of v. What is wrong goes to fields.
func bindElements(raw json.RawMessage, v reflect.Value, prefix string, fields map[string]string) {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return
	}
	for _, f := range fieldsOf(v.Type()) {
		m, ok := members[f.name]
		if !ok || isNull(m) {
			continue
		}
		fv := v.FieldByIndex(f.index)
		name := prefix + f.name
		if f.nested {
			bindElements(m, fv, name+".", fields)
			continue
		}
		if f.typ.Kind() != reflect.Slice || f.typ.Elem().Kind() != reflect.Struct || isScalarStruct(f.typ.Elem()) {
			continue
		}
		var elems []json.RawMessage
		if json.Unmarshal(m, &elems) != nil || len(elems) != fv.Len() {
			continue
		}
		for i, e := range elems {
			at := fmt.Sprintf("%s[%d]", name, i)
			if _, err := bind(e, fv.Index(i).Addr().Interface(), true); err != nil {
				bad := fc.ErrorFields(err)
				if len(bad) == 0 {
					fields[at] = "must be a JSON object"
				}
				for k, msg := range bad {
					fields[at+"."+k] = msg
				}
				continue
			}
			bindElements(e, fv.Index(i), at+".", fields)
		}
	}
}
