package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Bounds of a station password: OCPP 1.6 security profile 1 asks for 16 to
// 40 characters.
const (
	MinStationPassword = 16
	MaxStationPassword = 40
	// generatedStationPassword is the length of the passwords made for
	// stations registered without one.
	generatedStationPassword = 24
)

// Stations lists the stations the subject may read, the home stations of
// its employees included.
func (s *Service) Stations(ctx context.Context, subj access.Subject, f fc.StationFilter) ([]fc.Station, error) {
	return s.Store.Stations(ctx, access.StationScopeFor(subj), f)
}

// Station returns one station the subject may read.
func (s *Service) Station(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Station, error) {
	return s.Store.Station(ctx, access.StationScopeFor(subj), id)
}

// StationDeviceModel returns the device model an OCPP 2.0.1 station last
// reported (NotifyReport), when the subject may read the station.
func (s *Service) StationDeviceModel(ctx context.Context, subj access.Subject, id fc.ID) ([]fc.DeviceVariable, error) {
	if _, err := s.Station(ctx, subj, id); err != nil {
		return nil, err
	}
	return s.Store.DeviceModel(ctx, id)
}

// StationSecurityEvents returns the latest security events a station
// reported, newest first, at most limit, when the subject may read the
// station.
func (s *Service) StationSecurityEvents(ctx context.Context, subj access.Subject, id fc.ID, limit int) ([]fc.SecurityEvent, error) {
	if _, err := s.Station(ctx, subj, id); err != nil {
		return nil, err
	}
	return s.Store.SecurityEvents(ctx, id, limit)
}

// StationSeqGaps returns the station's latest sessions with OCPP 2.0.1
// transaction events that never arrived, when the subject may read the
// station.
func (s *Service) StationSeqGaps(ctx context.Context, subj access.Subject, id fc.ID) ([]fc.Session, error) {
	if _, err := s.Station(ctx, subj, id); err != nil {
		return nil, err
	}
	return s.Store.SeqGapSessions(ctx, id, 20)
}

// StationPasswordHash checks a station password given by a user and returns
// its hash; the error names field.
func StationPasswordHash(field, password string) (string, error) {
	if len(password) < MinStationPassword || len(password) > MaxStationPassword {
		return "", fc.Invalid(map[string]string{field: "must be 16 to 40 characters"})
	}
	for i := 0; i < len(password); i++ {
		if c := password[i]; c <= ' ' || c > '~' {
			return "", fc.Invalid(map[string]string{field: "must be printable ASCII characters without spaces"})
		}
	}
	return secret.HashStationPassword(password), nil
}

// CreateStation registers a station of an account the subject manages
// stations of, at a location and in a charge group of that account, with
// connectors charge points. Without a password it makes one and returns
// it: the only time it is shown. The station keeps only its hash.
func (s *Service) CreateStation(ctx context.Context, subj access.Subject, st *fc.Station, password string, connectors int) (generated string, err error) {
	if err := s.mayCreate(ctx, subj, fc.KindAccount, st.AccountID, access.AccountsRead, access.StationsManage, "account_id"); err != nil {
		return "", err
	}
	if err := s.checkStationRefs(ctx, subj, &fc.Station{}, st); err != nil {
		return "", err
	}
	if password == "" {
		generated = secret.Password(generatedStationPassword)
		password = generated
	}
	if st.PasswordHash, err = StationPasswordHash("password", password); err != nil {
		return "", err
	}
	st.ProviderID = subj.ProviderID
	if err := s.Store.CreateStation(ctx, st, connectors); err != nil {
		return "", err
	}
	return generated, nil
}

// checkStationRefs checks that a location or charge group the station
// newly names is one the subject sees, so that they cannot be used to probe
// for objects elsewhere; the store checks that they belong to the
// station's account.
func (s *Service) checkStationRefs(ctx context.Context, subj access.Subject, before, after *fc.Station) error {
	fields := map[string]string{}
	for _, ref := range []struct {
		field, kind string
		read        access.Permission
		was, now    fc.ID
	}{
		{"location_id", fc.KindLocation, access.LocationsRead, before.LocationID, after.LocationID},
		{"charge_group_id", fc.KindChargeGroup, access.ChargeGroupsRead, before.ChargeGroupID, after.ChargeGroupID},
	} {
		if ref.now == ref.was || ref.now <= 0 {
			continue
		}
		ok, err := s.sees(ctx, subj, ref.kind, ref.now, ref.read)
		if err != nil {
			return err
		}
		if !ok {
			fields[ref.field] = "no such " + kindNoun(ref.kind)
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// UpdateStation applies fn to a station: its identity, location, charge
// group, password hash (see StationPasswordHash) and description.
func (s *Service) UpdateStation(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Station) error) (*fc.Station, error) {
	before, err := s.Station(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindStation, id, access.StationsManage); err != nil {
		return nil, err
	}
	probe := *before
	if err := fn(&probe); err != nil {
		return nil, err
	}
	if err := s.checkStationRefs(ctx, subj, before, &probe); err != nil {
		return nil, err
	}
	defer s.Operations.listsChanged(subj.ProviderID)
	defer s.Operations.loadChanged(subj.ProviderID, 0)
	return s.Store.UpdateStation(ctx, access.ScopeFor(subj, access.StationsManage), id, func(st *fc.Station) error {
		location, group := st.LocationID, st.ChargeGroupID
		if err := fn(st); err != nil {
			return err
		}
		if st.LocationID != location && st.LocationID != probe.LocationID ||
			st.ChargeGroupID != group && st.ChargeGroupID != probe.ChargeGroupID {
			return fc.Errorf(fc.EConflict, "station %s changed meanwhile: try again", id)
		}
		return nil
	})
}

// DeleteStation deletes a station that never recorded a session.
func (s *Service) DeleteStation(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.Station(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindStation, id, access.StationsManage); err != nil {
		return err
	}
	return s.Store.DeleteStation(ctx, access.ScopeFor(subj, access.StationsManage), id)
}

// The remote commands, by the names of the API.
const (
	CommandRemoteStart        = "remote-start"
	CommandRemoteStop         = "remote-stop"
	CommandReset              = "reset"
	CommandUnlock             = "unlock"
	CommandChangeAvailability = "change-availability"
	CommandGetBaseReport      = "get-base-report"
	CommandGetVariables       = "get-variables"
	CommandSetVariables       = "set-variables"
)

// Commands lists the remote commands with the action each sends to a
// station of each OCPP version. Every command has both but the certificate
// commands (certificates.go), which are OCPP 2.0.1's alone: one that OCPP
// 2.0.1 added (the device model's variables) maps to the 1.6 configuration
// keys, the variable's name being the key.
var Commands = []struct{ Name, Action16, Action201 string }{
	{CommandRemoteStart, "RemoteStartTransaction", "RequestStartTransaction"},
	{CommandRemoteStop, "RemoteStopTransaction", "RequestStopTransaction"},
	{CommandReset, "Reset", "Reset"},
	{CommandUnlock, "UnlockConnector", "UnlockConnector"},
	{CommandChangeAvailability, "ChangeAvailability", "ChangeAvailability"},
	{CommandGetBaseReport, "GetConfiguration", "GetBaseReport"},
	{CommandGetVariables, "GetConfiguration", "GetVariables"},
	{CommandSetVariables, "ChangeConfiguration", "SetVariables"},
	{CommandGetInstalledCertificateIDs, "", "GetInstalledCertificateIds"},
	{CommandInstallCertificate, "", "InstallCertificate"},
	{CommandDeleteCertificate, "", "DeleteCertificate"},
	{CommandGetConfiguration, "GetConfiguration", "GetVariables"},
	{CommandChangeConfiguration, "ChangeConfiguration", "SetVariables"},
	{CommandClearCache, "ClearCache", "ClearCache"},
	{CommandTriggerMessage, "TriggerMessage", "TriggerMessage"},
	{CommandUpdateFirmware, "UpdateFirmware", "UpdateFirmware"},
	{CommandGetDiagnostics, "GetDiagnostics", "GetLog"},
	{CommandReserveNow, "ReserveNow", "ReserveNow"},
	{CommandCancelReservation, "CancelReservation", "CancelReservation"},
	{CommandSendLocalList, "SendLocalList", "SendLocalList"},
	{CommandGetLocalListVersion, "GetLocalListVersion", "GetLocalListVersion"},
	{CommandSetChargingProfile, "SetChargingProfile", "SetChargingProfile"},
	{CommandClearChargingProfile, "ClearChargingProfile", "ClearChargingProfile"},
	{CommandGetCompositeSchedule, "GetCompositeSchedule", "GetCompositeSchedule"},
	{CommandGetTransactionStatus, "", "GetTransactionStatus"},
	{CommandDataTransfer, "DataTransfer", "DataTransfer"},
}

// Command is a remote command to a station with its arguments; each
// command reads only its own: remote-start ConnectorID (0 lets the station
// choose) and IDTag; remote-stop TransactionID; reset Type (Soft or Hard);
// unlock ConnectorID; change-availability ConnectorID (0 for the whole
// station) and Type (Operative or Inoperative); get-base-report Type
// (FullInventory, ConfigurationInventory or SummaryInventory; empty for
// FullInventory); get-variables and set-variables Variables (with their
// Value for set-variables; on an OCPP 1.6 station the Variable is the
// configuration key, and ChangeConfiguration sets one at a time).
type Command struct {
	Name          string
	ConnectorID   int
	IDTag         string
	TransactionID fc.ID
	Type          string
	Variables     []Variable
	// The certificate commands' (certificates.go): get-installed-certificate-ids
	// CertificateTypes (none for all), install-certificate Type and
	// Certificate (PEM), delete-certificate CertificateHash.
	CertificateTypes []string
	Certificate      string
	CertificateHash  CertificateHash
	// The station operations' (operations.go).
	Operation
}

// Variable names a variable of a station's device model (OCPP 2.0.1: a
// component's variable; OCPP 1.6: a configuration key, Variable alone).
type Variable struct {
	Component string `json:"component,omitempty"`
	Variable  string `json:"variable"`
	Value     string `json:"value,omitempty"`
}

// actionOf returns the action the command sends to a station speaking
// version, or "" for no such command.
func actionOf(name, version string) string {
	for _, c := range Commands {
		if c.Name == name {
			if version == fc.OCPP201 {
				return c.Action201
			}
			return c.Action16
		}
	}
	return ""
}

// CommandResult is what the station answered to a command.
type CommandResult struct {
	StationID fc.ID           `json:"station_id"`
	Command   string          `json:"command"`
	Action    string          `json:"action"`
	Status    string          `json:"status,omitempty"` // the answer's status field, when it has one
	Reply     json.RawMessage `json:"reply"`            // the station's answer as it sent it
	// ReservationID is the ID of the reservation reserve-now made, given
	// or generated: what cancel-reservation names.
	ReservationID int `json:"reservation_id,omitempty"`
	// RequestID is the requestId update-firmware and get-diagnostics sent
	// to an OCPP 2.0.1 station, which its FirmwareStatusNotification and
	// LogStatusNotification carry.
	RequestID int `json:"request_id,omitempty"`
}

// CommandPermission is the permission a command needs on its station:
// stations.charge for a remote start or stop (which a driver holds on its
// home station), stations.command for every other.
func CommandPermission(name string) access.Permission {
	if name == CommandRemoteStart || name == CommandRemoteStop {
		return access.StationsCharge
	}
	return access.StationsCommand
}

// SendCommand sends a remote command to a station the subject may command
// (stations.command; stations.charge for remote-start and remote-stop) and returns the station's answer. An offline station
// is fleetcharge.EConflict. What a command names is checked against the
// station before anything is sent: a connector of the station; for
// remote-stop a session running at this station; for remote-start and
// reserve-now (and the Accepted entries of send-local-list) a card of the
// station's provider that the subject may read (cards.read); for
// get-transaction-status and a TxProfile a session of this station
// (checkOperation). A
// session or card that does not pass is not_found, exactly as one that does
// not exist, so that commands cannot probe other stations' transactions or
// other accounts' cards. What the station accepts of a reserve-now or a
// cancel-reservation is recorded (recordReservation, reservations.go).
func (s *Service) SendCommand(ctx context.Context, subj access.Subject, stationID fc.ID, cmd Command) (*CommandResult, error) {
	if actionOf(cmd.Name, fc.OCPP201) == "" {
		return nil, fc.Errorf(fc.ENotFound, "no such command: %q", cmd.Name)
	}
	st, err := s.Station(ctx, subj, stationID)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindStation, stationID, CommandPermission(cmd.Name)); err != nil {
		return nil, err
	}
	if cmd.Name == CommandReserveNow && cmd.ReservationID == 0 {
		cmd.ReservationID = requestID()
	}
	if numbered(cmd.Name, st.OCPPVersion) && cmd.RequestID == 0 {
		cmd.RequestID = requestID()
	}
	// The arguments first (invalid), then what they name (not found).
	if _, _, err := CommandCall(cmd, st, ""); err != nil {
		return nil, err
	}
	if err := s.checkCommandTarget(ctx, subj, st, cmd); err != nil {
		return nil, err
	}
	txID, err := s.checkOperation(ctx, subj, st, cmd)
	if err != nil {
		return nil, err
	}
	if cmd.Name == CommandRemoteStop && st.OCPPVersion == fc.OCPP201 {
		if txID, err = s.Store.StationTransactionID(ctx, st.ID, cmd.TransactionID); err != nil {
			return nil, err
		}
		if txID == "" {
			return nil, fc.Errorf(fc.EUnprocessable, "session %s started over OCPP 1.6, and station %s speaks OCPP 2.0.1 now", cmd.TransactionID, st.ID)
		}
	}
	action, req, err := CommandCall(cmd, st, txID)
	if err != nil {
		return nil, err
	}
	if s.Commander == nil {
		return nil, fc.Errorf(fc.EUnavailable, "remote commands are not available on this server")
	}
	reply, err := s.Commander.Call(ctx, st.Identity, action, req)
	if err != nil {
		return nil, err
	}
	res := &CommandResult{StationID: st.ID, Command: cmd.Name, Action: action, Reply: reply}
	if err := s.recordConfiguration(ctx, st.ID, action, reply); err != nil {
		return nil, err
	}
	if cmd.Name == CommandReserveNow {
		res.ReservationID = cmd.ReservationID
	}
	if numbered(cmd.Name, st.OCPPVersion) {
		res.RequestID = cmd.RequestID
	}
	var status struct {
		Status string `json:"status"`
	}
	if mapped, ok := operationStatus(cmd.Name, st.OCPPVersion == fc.OCPP201, reply); ok {
		res.Status = mapped
	} else if json.Unmarshal(reply, &status) == nil {
		res.Status = status.Status
	}
	if err := s.recordReservation(ctx, st, cmd, res.Status); err != nil {
		return nil, err
	}
	return res, nil
}

// checkCommandTarget checks the session a remote-stop names and the card a
// remote-start or reserve-now names, against the station and the subject.
func (s *Service) checkCommandTarget(ctx context.Context, subj access.Subject, st *fc.Station, cmd Command) error {
	switch cmd.Name {
	case CommandRemoteStop:
		// The subject commands this station, so what runs on it is its
		// business; a session elsewhere, running or not, is not found.
		sess, err := s.Store.Session(ctx, fc.SessionScope{ProviderID: subj.ProviderID, StationSide: fc.Everything}, cmd.TransactionID)
		if err != nil && !fc.IsCode(err, fc.ENotFound) {
			return err
		}
		if err != nil || sess.StationID != st.ID || !sess.Active() {
			return fc.Errorf(fc.ENotFound, "no session %s is running at station %s", cmd.TransactionID, st.ID)
		}
	case CommandRemoteStart, CommandReserveNow:
		ok, err := s.mayStartWith(ctx, subj, st, cmd.IDTag)
		if err != nil {
			return err
		}
		if !ok {
			return fc.Errorf(fc.ENotFound, "no card with the ID tag %q", cmd.IDTag)
		}
	}
	return nil
}

// mayStartWith reports whether the subject may have the station start a
// transaction for the card with internal ID tag: a card of the station's
// provider (as the station would match it) that the subject may read
// (cards.read), or, for a subject who manages the station without reading
// cards (a facility manager, who sends remote commands too), one that the
// station's charge group admits, which is to say a card the station serves
// anyway. A tag of another provider, or of a card neither read nor
// admitted, is never forwarded.
func (s *Service) mayStartWith(ctx context.Context, subj access.Subject, st *fc.Station, tag string) (bool, error) {
	auth, err := s.Store.CardAuth(ctx, st.ID, tag)
	if err != nil || auth.Card == nil {
		return false, err
	}
	ok, err := s.sees(ctx, subj, fc.KindCard, auth.Card.ID, access.CardsRead)
	if err != nil || ok {
		return ok, err
	}
	return auth.Group != nil && auth.Group.Admits(auth.Card, auth.CardOrgs), nil
}

// CommandCall checks a command's arguments against the station's
// connectors and returns the OCPP action and request payload it sends to
// the station, in the OCPP version the station speaks (OCPPVersion; 1.6
// until it first connects). stationTxID is, for a remote-stop on an OCPP
// 2.0.1 station, the station's own ID of the transaction (ignored
// otherwise), and likewise of the session a get-transaction-status or a
// TxProfile names. Charge point n is OCPP 2.0.1's EVSE n.
func CommandCall(cmd Command, st *fc.Station, stationTxID string) (action string, req any, err error) {
	v201 := st.OCPPVersion == fc.OCPP201
	if v201 {
		action = Commands201(cmd.Name)
	} else {
		action = Commands16(cmd.Name)
	}
	if action == "" && Commands201(cmd.Name) != "" {
		return "", nil, fc.Errorf(fc.EUnprocessable, "%s is an OCPP 2.0.1 command, and the station speaks OCPP 1.6", cmd.Name)
	}
	if action == "" {
		return "", nil, fc.Errorf(fc.ENotFound, "no such command: %q", cmd.Name)
	}
	points := st.ChargePoints
	fields := map[string]string{}
	// connectorIs checks that id is a connector of the station (or 0,
	// when min is 0).
	connectorIs := func(id, min int) {
		if id == 0 && min == 0 {
			return
		}
		for _, p := range points {
			if p.ConnectorID == id {
				return
			}
		}
		ids := make([]string, 0, len(points)+1)
		if min == 0 {
			ids = append(ids, "0")
		}
		for _, p := range points {
			ids = append(ids, strconv.Itoa(p.ConnectorID))
		}
		fields["connector_id"] = "must be one of the station's connectors: " + strings.Join(ids, ", ")
	}
	connector := func(min int) { connectorIs(cmd.ConnectorID, min) }
	oneOf := func(field, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		fields[field] = "must be one of " + joinQuoted(allowed)
	}
	variables := func(max int) {
		if len(cmd.Variables) == 0 || len(cmd.Variables) > max {
			fields["variables"] = fmt.Sprintf("must name 1 to %d variables", max)
			return
		}
		for i, v := range cmd.Variables {
			bad := v.Variable == "" || len(v.Variable) > 50 || len(v.Component) > 50 || len(v.Value) > 1000 ||
				strings.ContainsRune(v.Variable+v.Component+v.Value, 0)
			if v201 && v.Component == "" {
				bad = true
			}
			if bad {
				fields[fmt.Sprintf("variables[%d]", i)] = "needs a variable of 1 to 50 characters (and its component on OCPP 2.0.1), a value of at most 1000"
			}
		}
	}
	switch cmd.Name {
	case CommandRemoteStart:
		connector(0)
		if cmd.IDTag == "" || len(cmd.IDTag) > 20 || strings.IndexByte(cmd.IDTag, 0) >= 0 {
			fields["id_tag"] = "is required: 1 to 20 characters"
		}
		if v201 {
			req = requestStart201{EVSEID: cmd.ConnectorID, RemoteStartID: requestID(), IDToken: idToken201{IDToken: cmd.IDTag, Type: "ISO14443"}}
			break
		}
		req = struct {
			ConnectorID int    `json:"connectorId,omitempty"`
			IDTag       string `json:"idTag"`
		}{cmd.ConnectorID, cmd.IDTag}
	case CommandRemoteStop:
		if cmd.TransactionID <= 0 || cmd.TransactionID > 1<<31-1 {
			fields["transaction_id"] = "is required: the ID of the session to stop"
		}
		if v201 {
			req = struct {
				TransactionID string `json:"transactionId"`
			}{stationTxID}
			break
		}
		req = struct {
			TransactionID int64 `json:"transactionId"`
		}{int64(cmd.TransactionID)}
	case CommandReset:
		oneOf("type", cmd.Type, "Soft", "Hard")
		if v201 {
			// OCPP 2.0.1 resets at once or once idle; a soft reset is the
			// one that waits for the transactions to end.
			typ := "Immediate"
			if cmd.Type == "Soft" {
				typ = "OnIdle"
			}
			req = struct {
				Type string `json:"type"`
			}{typ}
			break
		}
		req = struct {
			Type string `json:"type"`
		}{cmd.Type}
	case CommandUnlock:
		connector(1)
		if v201 {
			req = struct {
				EVSEID      int `json:"evseId"`
				ConnectorID int `json:"connectorId"`
			}{cmd.ConnectorID, 1}
			break
		}
		req = struct {
			ConnectorID int `json:"connectorId"`
		}{cmd.ConnectorID}
	case CommandChangeAvailability:
		connector(0)
		oneOf("type", cmd.Type, "Operative", "Inoperative")
		if v201 {
			var evse *evse201
			if cmd.ConnectorID > 0 {
				evse = &evse201{ID: cmd.ConnectorID}
			}
			req = struct {
				OperationalStatus string   `json:"operationalStatus"`
				EVSE              *evse201 `json:"evse,omitempty"`
			}{cmd.Type, evse}
			break
		}
		req = struct {
			ConnectorID int    `json:"connectorId"`
			Type        string `json:"type"`
		}{cmd.ConnectorID, cmd.Type}
	case CommandGetBaseReport:
		if cmd.Type == "" {
			cmd.Type = "FullInventory"
		}
		oneOf("type", cmd.Type, "FullInventory", "ConfigurationInventory", "SummaryInventory")
		if v201 {
			req = struct {
				RequestID  int    `json:"requestId"`
				ReportBase string `json:"reportBase"`
			}{requestID(), cmd.Type}
			break
		}
		req = struct{}{} // GetConfiguration without keys: every key
	case CommandGetVariables:
		variables(50)
		if v201 {
			data := make([]variableData201, len(cmd.Variables))
			for i, v := range cmd.Variables {
				data[i] = variableData201{Component: named201{Name: v.Component}, Variable: named201{Name: v.Variable}}
			}
			req = struct {
				GetVariableData []variableData201 `json:"getVariableData"`
			}{data}
			break
		}
		keys := make([]string, len(cmd.Variables))
		for i, v := range cmd.Variables {
			keys[i] = v.Variable
		}
		req = struct {
			Key []string `json:"key"`
		}{keys}
	case CommandSetVariables:
		if !v201 {
			variables(1)
			if len(fields) == 0 {
				req = struct {
					Key   string `json:"key"`
					Value string `json:"value"`
				}{cmd.Variables[0].Variable, cmd.Variables[0].Value}
			}
			break
		}
		variables(50)
		data := make([]variableData201, len(cmd.Variables))
		for i, v := range cmd.Variables {
			value := v.Value
			data[i] = variableData201{AttributeValue: &value, Component: named201{Name: v.Component}, Variable: named201{Name: v.Variable}}
		}
		req = struct {
			SetVariableData []variableData201 `json:"setVariableData"`
		}{data}
	case CommandGetInstalledCertificateIDs, CommandInstallCertificate, CommandDeleteCertificate:
		req = certificateCall(cmd, fields)
	default:
		req = operationCall(cmd, v201, stationTxID, fields, connectorIs)
	}
	if len(fields) > 0 {
		return "", nil, fc.Invalid(fields)
	}
	return action, req, nil
}

// Commands16 returns the OCPP 1.6 action of a command, or "".
func Commands16(name string) string { return actionOf(name, fc.OCPP16) }

// Commands201 returns the OCPP 2.0.1 action of a command, or "".
func Commands201(name string) string { return actionOf(name, fc.OCPP201) }

// The OCPP 2.0.1 request parts the commands send.
type (
	idToken201 struct {
		IDToken string `json:"idToken"`
		Type    string `json:"type"`
	}
	requestStart201 struct {
		EVSEID        int        `json:"evseId,omitempty"`
		RemoteStartID int        `json:"remoteStartId"`
		IDToken       idToken201 `json:"idToken"`
	}
	evse201 struct {
		ID int `json:"id"`
	}
	named201 struct {
		Name string `json:"name"`
	}
	variableData201 struct {
		AttributeValue *string  `json:"attributeValue,omitempty"`
		Component      named201 `json:"component"`
		Variable       named201 `json:"variable"`
	}
)

// requestID returns an ID for a request whose answers the station numbers
// (remoteStartId, requestId): random, positive, within 31 bits.
func requestID() int {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return int(binary.BigEndian.Uint32(b[:])>>1) | 1
}

func joinQuoted(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ", "
		}
		out += strconv.Quote(s)
	}
	return out
}
