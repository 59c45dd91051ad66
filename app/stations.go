package app

import (
	"context"
	"encoding/json"
	"strconv"

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
)

// Commands lists the remote commands with the OCPP 1.6 action each sends.
var Commands = []struct{ Name, Action string }{
	{CommandRemoteStart, "RemoteStartTransaction"},
	{CommandRemoteStop, "RemoteStopTransaction"},
	{CommandReset, "Reset"},
	{CommandUnlock, "UnlockConnector"},
	{CommandChangeAvailability, "ChangeAvailability"},
}

// Command is a remote command to a station with its arguments; each
// command reads only its own: remote-start ConnectorID (0 lets the station
// choose) and IDTag; remote-stop TransactionID; reset Type (Soft or Hard);
// unlock ConnectorID; change-availability ConnectorID (0 for the whole
// station) and Type (Operative or Inoperative).
type Command struct {
	Name          string
	ConnectorID   int
	IDTag         string
	TransactionID fc.ID
	Type          string
}

// CommandResult is what the station answered to a command.
type CommandResult struct {
	StationID fc.ID           `json:"station_id"`
	Command   string          `json:"command"`
	Action    string          `json:"action"`
	Status    string          `json:"status,omitempty"` // the answer's status field, when it has one
	Reply     json.RawMessage `json:"reply"`            // the station's answer as it sent it
}

// SendCommand sends a remote command to a station the subject may command
// (stations.command) and returns the station's answer. An offline station
// is fleetcharge.EConflict.
func (s *Service) SendCommand(ctx context.Context, subj access.Subject, stationID fc.ID, cmd Command) (*CommandResult, error) {
	action := ""
	for _, c := range Commands {
		if c.Name == cmd.Name {
			action = c.Action
		}
	}
	if action == "" {
		return nil, fc.Errorf(fc.ENotFound, "no such command: %q", cmd.Name)
	}
	st, err := s.Station(ctx, subj, stationID)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindStation, stationID, access.StationsCommand); err != nil {
		return nil, err
	}
	req, err := commandRequest(cmd, len(st.ChargePoints))
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
	var status struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(reply, &status) == nil {
		res.Status = status.Status
	}
	return res, nil
}

// commandRequest checks a command's arguments against the station's
// connectors and returns the OCPP request payload.
func commandRequest(cmd Command, connectors int) (any, error) {
	fields := map[string]string{}
	connector := func(min int) {
		if cmd.ConnectorID < min || cmd.ConnectorID > connectors {
			fields["connector_id"] = "must be between " + strconv.Itoa(min) + " and " + strconv.Itoa(connectors) + ", the station's connectors"
		}
	}
	oneOf := func(field, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		fields[field] = "must be one of " + joinQuoted(allowed)
	}
	var req any
	switch cmd.Name {
	case CommandRemoteStart:
		connector(0)
		if cmd.IDTag == "" || len(cmd.IDTag) > 20 {
			fields["id_tag"] = "is required: 1 to 20 characters"
		}
		req = struct {
			ConnectorID int    `json:"connectorId,omitempty"`
			IDTag       string `json:"idTag"`
		}{cmd.ConnectorID, cmd.IDTag}
	case CommandRemoteStop:
		if cmd.TransactionID <= 0 || cmd.TransactionID > 1<<31-1 {
			fields["transaction_id"] = "is required: the ID of the session to stop"
		}
		req = struct {
			TransactionID int64 `json:"transactionId"`
		}{int64(cmd.TransactionID)}
	case CommandReset:
		oneOf("type", cmd.Type, "Soft", "Hard")
		req = struct {
			Type string `json:"type"`
		}{cmd.Type}
	case CommandUnlock:
		connector(1)
		req = struct {
			ConnectorID int `json:"connectorId"`
		}{cmd.ConnectorID}
	case CommandChangeAvailability:
		connector(0)
		oneOf("type", cmd.Type, "Operative", "Inoperative")
		req = struct {
			ConnectorID int    `json:"connectorId"`
			Type        string `json:"type"`
		}{cmd.ConnectorID, cmd.Type}
	}
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	return req, nil
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
