package ocpi

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The Commands module (OCPI 2.2.1, 13), both roles. As a CPO we receive
// commands for our roaming stations (receiver interface): each is checked
// and answered at once with a CommandResponse, then sent to the station
// over OCPP in the background, and the station's result is queued in the
// outbox as a CommandResult to the partner's response_url. As an eMSP we
// send commands for our cards to a CPO partner's receiver with a
// response_url of ours that names the stored command, where the partner
// posts the result (sender interface).

// Paths of our commands endpoints, below BaseURL.
const (
	cpoCommandsPath  = "/ocpi/cpo/" + fc.OCPIVersion + "/commands"
	emspCommandsPath = "/ocpi/emsp/" + fc.OCPIVersion + "/commands"
)

// commandKeyPrefix starts the outbox key of a command's result.
const commandKeyPrefix = "command:"

// CommandTimeout is what we tell an eMSP its command's result may take:
// the station's answer (an OCPP call waits at most 30 seconds) and the
// result's first delivery.
const CommandTimeout = 60 * time.Second

// StationCommander sends partners' commands to our stations over OCPP,
// whichever version the station speaks, and returns the status the station
// answered ("Accepted", "Rejected", "Unlocked", "Occupied", …). It fails
// with fc.EConflict when the station is offline, fc.EUnavailable when it
// did not answer in time, fc.EInvalid or fc.EUnprocessable when the
// station cannot take the command's arguments (an idTag too long for OCPP
// 1.6). The app package implements it (app.RoamingStations); the OCPI edge
// has checked the partner's rights before it calls.
type StationCommander interface {
	// RemoteStart starts a transaction for idTag on the connector.
	RemoteStart(ctx context.Context, providerID, stationID fc.ID, connectorID int, idTag string) (string, error)
	// RemoteStop stops the session's transaction.
	RemoteStop(ctx context.Context, providerID, stationID, sessionID fc.ID) (string, error)
	// UnlockConnector unlocks the connector.
	UnlockConnector(ctx context.Context, providerID, stationID fc.ID, connectorID int) (string, error)
	// ReserveNow reserves the connector (0: any) for idTag until expires,
	// under the station's reservation ID.
	ReserveNow(ctx context.Context, providerID, stationID fc.ID, connectorID int, idTag string, reservationID int, expires time.Time) (string, error)
	// CancelReservation cancels a reservation by its ID at the station.
	CancelReservation(ctx context.Context, providerID, stationID fc.ID, reservationID int) (string, error)
}

// initCommands adds the Commands routes and endpoints.
func (s *Server) initCommands() {
	s.route("POST "+cpoCommandsPath+"/{command}", ModuleCommands, s.postCommand)
	s.route("POST "+emspCommandsPath+"/{command}/{id}", ModuleCommands, s.postCommandResult)
	s.module(ModuleCommands, RoleReceiver, cpoCommandsPath)
	s.module(ModuleCommands, RoleSender, emspCommandsPath)
}

// refusal is a command we answer without sending it to a station: a
// CommandResponse other than ACCEPTED.
type refusal struct {
	result, message string
}

func (r *refusal) Error() string { return r.result + ": " + r.message }

func refuse(result, message string) error { return &refusal{result: result, message: message} }

// stationTask is an accepted command: the station and connector it acts
// on, the connector's status when it was checked, and the OCPP call.
type stationTask struct {
	stationID fc.ID
	connector int
	status    string // the connector's status, "" when none is named
	run       func(ctx context.Context, sc StationCommander) (string, error)
	// auth is the eMSP's authorization of a token that the command
	// carries (START_SESSION, RESERVE_NOW), kept when it is accepted.
	auth *fc.OCPIAuthorization
}

// commandAuth is the authorization a START_SESSION or RESERVE_NOW gives
// its token at the station.
func commandAuth(c *caller, stationID fc.ID, t *Token, reference string) *fc.OCPIAuthorization {
	return &fc.OCPIAuthorization{PartnerID: c.partner.ID, StationID: stationID, CountryCode: t.CountryCode, PartyID: t.PartyID,
		UID: t.UID, Type: t.Type, Method: fc.OCPIAuthCommand, Reference: reference}
}

// postCommand receives a partner's command for one of our stations.
func (s *Server) postCommand(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	command := r.PathValue("command")
	if !IsCommandType(command) {
		return Invalid(FieldErrors{{Path: "command", Message: "must be one of " + strings.Join(commandTypes, ", ")}})
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return Errorf(http.StatusBadRequest, StatusInvalidParameters, "the body could not be read")
	}
	var responseURL string
	var task *stationTask
	switch command {
	case CommandStartSession:
		var o StartSession
		if err := decodeCommand(raw, &o); err != nil {
			return err
		}
		responseURL = o.ResponseURL
		task, err = s.startSession(ctx, c, &o, raw)
	case CommandStopSession:
		var o StopSession
		if err := decodeCommand(raw, &o); err != nil {
			return err
		}
		responseURL = o.ResponseURL
		task, err = s.stopSession(ctx, c, &o)
	case CommandUnlockConnector:
		var o UnlockConnector
		if err := decodeCommand(raw, &o); err != nil {
			return err
		}
		responseURL = o.ResponseURL
		task, err = s.unlockConnector(ctx, c, &o)
	case CommandReserveNow:
		var o ReserveNow
		if err := decodeCommand(raw, &o); err != nil {
			return err
		}
		responseURL = o.ResponseURL
		task, err = s.reserveNow(ctx, c, &o, raw)
	case CommandCancelReservation:
		var o CancelReservation
		if err := decodeCommand(raw, &o); err != nil {
			return err
		}
		responseURL = o.ResponseURL
		task, err = s.cancelReservation(ctx, c, &o)
	}
	if err == nil && !c.partnerURL(responseURL) {
		// We post the result there: only to the partner itself, never to
		// an address it would have us call on its behalf.
		return Invalid(FieldErrors{{Path: "response_url", Message: "must be an address of the partner (the host of its versions URL or of one of its endpoints)"}})
	}
	var ref *refusal
	if errors.As(err, &ref) {
		WriteSuccess(w, http.StatusOK, CommandResponse{Result: ref.result, Timeout: 0, Message: english(ref.message)})
		return nil
	}
	if err != nil {
		return err
	}
	if s.cfg.Stations == nil {
		WriteSuccess(w, http.StatusOK, CommandResponse{Result: ResponseNotSupported,
			Message: english("remote commands are not available on this platform")})
		return nil
	}
	cmd := &fc.OCPICommand{PartnerID: c.partner.ID, Direction: fc.OCPICommandIn, Command: command, ResponseURL: responseURL,
		StationID: task.stationID, ConnectorID: task.connector, Request: json.RawMessage(raw)}
	if err := s.store.CreateOCPICommand(ctx, cmd); err != nil {
		return storeError(err)
	}
	if task.auth != nil {
		// The eMSP authorized the token with its command: the session that
		// follows names it and its reference.
		if err := s.store.RecordOCPIAuthorization(ctx, *task.auth); err != nil {
			return storeError(err)
		}
	}
	WriteSuccess(w, http.StatusOK, CommandResponse{Result: ResponseAccepted, Timeout: int(CommandTimeout / time.Second)})
	go s.runCommand(c.partner.ID, cmd, task)
	return nil
}

// decodeCommand decodes and validates a command object.
func decodeCommand(raw []byte, v Validator) error {
	if err := DecodeBytes(raw, v); err != nil {
		return err
	}
	if fe := v.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	return nil
}

// runCommand sends an accepted command to the station and queues its
// result for the partner, with the command's result, in one write.
func (s *Server) runCommand(partnerID fc.ID, cmd *fc.OCPICommand, task *stationTask) {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	status, err := task.run(ctx, s.cfg.Stations)
	result, message := commandResult(cmd.Command, task.status, status, err)
	if err != nil {
		s.log.Info("an OCPI command failed at the station", "partner", partnerID, "command", cmd.Command, "station", task.stationID, "err", err)
	}
	body, err := json.Marshal(CommandResult{Result: result, Message: english(message)})
	if err != nil {
		s.log.Error("encoding a command result", "err", err)
		return
	}
	msg := fc.OCPIMessage{PartnerID: partnerID, Module: ModuleCommands, Key: commandKeyPrefix + cmd.ID.String(),
		Method: http.MethodPost, Path: cmd.ResponseURL, Body: body}
	// The result is written even when the command's request has ended.
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := s.store.UpdateOCPICommand(wctx, partnerID, cmd.ID, func(c *fc.OCPICommand) error {
		c.Result, c.Message = result, cutText(message, 500)
		return nil
	}, msg); err != nil {
		s.log.Error("storing an OCPI command's result", "partner", partnerID, "command", cmd.ID, "err", err)
		return
	}
	s.poke()
}

// cutText cuts a text to at most n bytes of valid UTF-8.
func cutText(v string, n int) string {
	if len(v) <= n {
		return v
	}
	return strings.ToValidUTF8(v[:n], "")
}

// commandResult maps what a station answered to a command (its status, or
// the error of the call) to an OCPI CommandResultType and a message. A
// refusal of a connector that is in use or out of order says so.
func commandResult(command, connectorStatus, status string, err error) (string, string) {
	switch {
	case fc.IsCode(err, fc.EConflict):
		return ResultFailed, "the charge point is offline"
	case fc.IsCode(err, fc.EUnavailable):
		return ResultTimeout, "the charge point did not answer in time"
	case fc.IsCode(err, fc.EInvalid), fc.IsCode(err, fc.EUnprocessable), fc.IsCode(err, fc.ENotFound):
		return ResultRejected, fc.ErrorMessage(err)
	case err != nil:
		return ResultFailed, "the command could not be sent to the charge point"
	}
	occupiedOrInoperative := func() (string, string) {
		switch connectorStatus {
		case "Charging", "Occupied", "Preparing", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved":
			return ResultEVSEOccupied, "the EVSE is occupied (" + connectorStatus + ")"
		case "Faulted", "Unavailable":
			return ResultEVSEInoperative, "the EVSE is out of order (" + connectorStatus + ")"
		}
		return ResultRejected, "the charge point rejected the command"
	}
	switch command {
	case CommandUnlockConnector:
		switch status {
		case "Unlocked":
			return ResultAccepted, ""
		case "UnlockFailed":
			return ResultFailed, "the connector did not unlock"
		case "NotSupported", "UnknownConnector":
			return ResultNotSupported, "the charge point cannot unlock this connector"
		case "OngoingAuthorizedTransaction":
			return ResultRejected, "a transaction is going on at the connector"
		}
	case CommandReserveNow:
		switch status {
		case "Accepted":
			return ResultAccepted, ""
		case "Occupied":
			return ResultEVSEOccupied, "the EVSE is occupied"
		case "Faulted", "Unavailable":
			return ResultEVSEInoperative, "the EVSE is out of order (" + status + ")"
		case "Rejected":
			return ResultRejected, "the charge point rejected the reservation"
		}
	case CommandCancelReservation:
		switch status {
		case "Accepted":
			return ResultAccepted, ""
		case "Rejected":
			return ResultUnknownReservation, "the charge point has no such reservation"
		}
	default:
		switch status {
		case "Accepted":
			return ResultAccepted, ""
		case "Rejected":
			if command == CommandStartSession {
				return occupiedOrInoperative()
			}
			return ResultRejected, "the charge point rejected the command"
		}
	}
	return ResultFailed, "the charge point answered " + strconv.Quote(status)
}

// evse finds the station and connector of one of our EVSEs that the
// partner may command: a location of the provider, the EVSE one of its
// stations' connectors (EVSEUID), the station in a roaming charge group.
// connectorID, when given, must be the EVSE's connector. Anything else is
// an unknown location (2003), as for a location never published.
func (s *Server) evse(ctx context.Context, c *caller, locationID, evseUID, connectorID string) (*fc.Station, *fc.ChargePoint, error) {
	unknown := Errorf(http.StatusOK, StatusUnknownLocation, "unknown location or EVSE")
	at := strings.LastIndexByte(evseUID, '-')
	if at < 0 {
		return nil, nil, unknown
	}
	stationID, err := fc.ParseID(evseUID[:at])
	if err != nil {
		return nil, nil, unknown
	}
	n, err := strconv.Atoi(evseUID[at+1:])
	if err != nil || strconv.Itoa(n) != evseUID[at+1:] || (connectorID != "" && connectorID != evseUID[at+1:]) {
		return nil, nil, unknown
	}
	st, err := s.store.Station(ctx, fc.StationScope{ProviderID: c.partner.ProviderID, Reach: fc.Everything}, stationID)
	if fc.IsCode(err, fc.ENotFound) {
		return nil, nil, unknown
	}
	if err != nil {
		return nil, nil, err
	}
	if st.LocationID.String() != locationID {
		return nil, nil, unknown
	}
	g, err := s.store.ChargeGroup(ctx, fc.ProviderScope(c.partner.ProviderID), st.ChargeGroupID)
	if fc.IsCode(err, fc.ENotFound) {
		return nil, nil, unknown
	}
	if err != nil {
		return nil, nil, err
	}
	if !g.Roaming {
		return nil, nil, unknown
	}
	for i := range st.ChargePoints {
		if st.ChargePoints[i].ConnectorID == n {
			return st, &st.ChargePoints[i], nil
		}
	}
	return nil, nil, unknown
}

// errOffline refuses a command for a charge point that is not connected:
// it cannot be sent (OCPI 2.2.1, 13.1: the CPO answers whether it can send
// the command to the charge point).
var errOffline = refuse(ResponseRejected, "the charge point is offline")

// checkOnline refuses a command for a station that is not connected.
func checkOnline(st *fc.Station) error {
	if st.Connection != fc.StationOnline {
		return errOffline
	}
	return nil
}

// onlineStation refuses a command for a station of the provider that is
// not connected.
func (s *Server) onlineStation(ctx context.Context, providerID, stationID fc.ID) error {
	st, err := s.store.Station(ctx, fc.StationScope{ProviderID: providerID, Reach: fc.Everything}, stationID)
	if fc.IsCode(err, fc.ENotFound) {
		return errOffline
	}
	if err != nil {
		return err
	}
	return checkOnline(st)
}

// commandToken checks the token of a START_SESSION or RESERVE_NOW: one of
// the partner's parties (an eMSP uses its own tokens only), valid. The
// eMSP authorized it, so we do not ask again (OCPI 2.2.1, 13.3.5); but our
// stations admit, and our sessions and CDRs name, tokens we hold, so one
// we do not know yet, or hold in an older version, is stored as sent.
func (s *Server) commandToken(ctx context.Context, c *caller, t *Token, raw []byte) error {
	if err := c.checkParty(t.CountryCode, t.PartyID); err != nil {
		return err
	}
	if !*t.Valid {
		return refuse(ResponseRejected, "the token is not valid")
	}
	held, err := s.store.OCPIToken(ctx, c.partner.ID, t.CountryCode, t.PartyID, t.UID, t.Type)
	switch {
	case fc.IsCode(err, fc.ENotFound):
	case err != nil:
		return err
	case !held.Valid && !t.LastUpdated.After(held.LastUpdated):
		return refuse(ResponseRejected, "the token is not valid")
	case !t.LastUpdated.After(held.LastUpdated):
		return nil
	}
	var obj struct {
		Token json.RawMessage `json:"token"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return err
	}
	return storeError(s.store.PutOCPIToken(ctx, received(c.partner.ID, t, obj.Token)))
}

// startSession checks a START_SESSION: an EVSE of ours (one is required:
// a charge point of ours does not choose one), the partner's valid token.
func (s *Server) startSession(ctx context.Context, c *caller, o *StartSession, raw []byte) (*stationTask, error) {
	if o.EVSEUID == "" {
		return nil, refuse(ResponseNotSupported, "name the EVSE (evse_uid): our charge points do not choose one")
	}
	st, cp, err := s.evse(ctx, c, o.LocationID, o.EVSEUID, o.ConnectorID)
	if err != nil {
		return nil, err
	}
	if err := checkOnline(st); err != nil {
		return nil, err
	}
	if err := s.commandToken(ctx, c, o.Token, raw); err != nil {
		return nil, err
	}
	provider, uid := c.partner.ProviderID, o.Token.UID
	return &stationTask{stationID: st.ID, connector: cp.ConnectorID, status: cp.Status,
		auth: commandAuth(c, st.ID, o.Token, o.AuthorizationReference),
		run: func(ctx context.Context, sc StationCommander) (string, error) {
			return sc.RemoteStart(ctx, provider, st.ID, cp.ConnectorID, uid)
		}}, nil
}

// stopSession checks a STOP_SESSION: a session of ours (its ID is the
// OCPI Session.id) charged with a token of the partner, still running.
// Another partner's session is unknown, as one that does not exist.
func (s *Server) stopSession(ctx context.Context, c *caller, o *StopSession) (*stationTask, error) {
	unknown := refuse(ResponseUnknownSession, "unknown session")
	id, err := fc.ParseID(o.SessionID)
	if err != nil {
		return nil, unknown
	}
	// The session is the partner's when its token is (the store's
	// RoamingSession): the one the partner authorized for it, or else the
	// partner's token of the idTag.
	rs, err := s.store.RoamingSession(ctx, c.partner.ID, id)
	if fc.IsCode(err, fc.ENotFound) {
		return nil, unknown
	}
	if err != nil {
		return nil, err
	}
	sess := &rs.Session
	if sess.StationID == 0 || sess.CardID != 0 || sess.IDTag == "" {
		return nil, unknown
	}
	if !sess.Active() {
		return nil, refuse(ResponseRejected, "the session has ended")
	}
	if err := s.onlineStation(ctx, c.partner.ProviderID, sess.StationID); err != nil {
		return nil, err
	}
	provider := c.partner.ProviderID
	return &stationTask{stationID: sess.StationID, connector: sess.ConnectorID,
		run: func(ctx context.Context, sc StationCommander) (string, error) {
			return sc.RemoteStop(ctx, provider, sess.StationID, sess.ID)
		}}, nil
}

// unlockConnector checks an UNLOCK_CONNECTOR: an EVSE and connector of
// ours.
func (s *Server) unlockConnector(ctx context.Context, c *caller, o *UnlockConnector) (*stationTask, error) {
	st, cp, err := s.evse(ctx, c, o.LocationID, o.EVSEUID, o.ConnectorID)
	if err != nil {
		return nil, err
	}
	if err := checkOnline(st); err != nil {
		return nil, err
	}
	provider := c.partner.ProviderID
	return &stationTask{stationID: st.ID, connector: cp.ConnectorID, status: cp.Status,
		run: func(ctx context.Context, sc StationCommander) (string, error) {
			return sc.UnlockConnector(ctx, provider, st.ID, cp.ConnectorID)
		}}, nil
}

// reservationID is the station's reservation ID of a partner's
// reservation: the partner's reservation_id is never sent to a station
// (OCPI 2.2.1, 13.3.4), but one of its own made from the partner and that
// ID, so that one partner cannot replace or cancel another's reservation
// and the same reservation_id again replaces the reservation.
func reservationID(partnerID fc.ID, id string) int {
	h := fnv.New32a()
	h.Write([]byte(partnerID.String() + "/" + id))
	return int(h.Sum32()>>1) | 1
}

// reserveNow checks a RESERVE_NOW: an EVSE of ours (required, as for a
// start), the partner's valid token, an expiry in the future.
func (s *Server) reserveNow(ctx context.Context, c *caller, o *ReserveNow, raw []byte) (*stationTask, error) {
	if o.EVSEUID == "" {
		return nil, refuse(ResponseNotSupported, "name the EVSE (evse_uid): our charge points reserve one EVSE")
	}
	if !o.ExpiryDate.After(s.now()) {
		return nil, refuse(ResponseRejected, "expiry_date has passed")
	}
	st, cp, err := s.evse(ctx, c, o.LocationID, o.EVSEUID, "")
	if err != nil {
		return nil, err
	}
	if err := checkOnline(st); err != nil {
		return nil, err
	}
	if err := s.commandToken(ctx, c, o.Token, raw); err != nil {
		return nil, err
	}
	provider, uid, expires, rid := c.partner.ProviderID, o.Token.UID, o.ExpiryDate.Time, reservationID(c.partner.ID, o.ReservationID)
	return &stationTask{stationID: st.ID, connector: cp.ConnectorID, status: cp.Status,
		auth: commandAuth(c, st.ID, o.Token, o.AuthorizationReference),
		run: func(ctx context.Context, sc StationCommander) (string, error) {
			return sc.ReserveNow(ctx, provider, st.ID, cp.ConnectorID, uid, rid, expires)
		}}, nil
}

// cancelReservation checks a CANCEL_RESERVATION: the station is the one
// of the partner's newest accepted RESERVE_NOW with the reservation_id.
func (s *Server) cancelReservation(ctx context.Context, c *caller, o *CancelReservation) (*stationTask, error) {
	reserved, err := s.store.OCPICommands(ctx, c.partner.ID, fc.OCPICommandIn, fc.OCPIReserveNow, maxReservationsLooked)
	if err != nil {
		return nil, err
	}
	for _, r := range reserved {
		var rn ReserveNow
		if r.Result != ResultAccepted || r.StationID == 0 || json.Unmarshal(r.Request, &rn) != nil || rn.ReservationID != o.ReservationID {
			continue
		}
		provider, stationID, rid := c.partner.ProviderID, r.StationID, reservationID(c.partner.ID, o.ReservationID)
		if err := s.onlineStation(ctx, provider, stationID); err != nil {
			return nil, err
		}
		return &stationTask{stationID: stationID, connector: r.ConnectorID,
			run: func(ctx context.Context, sc StationCommander) (string, error) {
				return sc.CancelReservation(ctx, provider, stationID, rid)
			}}, nil
	}
	return nil, refuse(ResponseRejected, "unknown reservation")
}

// CommandGrace is how long after a START_SESSION or RESERVE_NOW a CPO
// does not ask the eMSP about the command's token at that charge point in
// real time (OCPI 2.2.1, 13.3.4 and 13.3.5): the eMSP authorized it when
// it sent the command.
const CommandGrace = 15 * time.Minute

// maxCommandsLooked bounds the partner's commands CommandedRecently looks
// through, newest first.
const maxCommandsLooked = 200

// CommandedRecently reports whether the token's partner sent a
// START_SESSION or RESERVE_NOW for it to the station within CommandGrace,
// which the station accepted or has not answered yet: the token is then admitted there without a real-time
// authorization (an APP_USER token never is asked about).
func (s *Server) CommandedRecently(ctx context.Context, stationID fc.ID, token *fc.OCPIToken) (bool, error) {
	since := s.now().Add(-CommandGrace)
	for _, command := range []string{fc.OCPIStartSession, fc.OCPIReserveNow} {
		cmds, err := s.store.OCPICommands(ctx, token.PartnerID, fc.OCPICommandIn, command, maxCommandsLooked)
		if err != nil {
			return false, err
		}
		for _, c := range cmds {
			if c.CreatedAt.Before(since) {
				break
			}
			// A station may start the transaction before its answer to the
			// command is stored: a command still waiting counts.
			if c.StationID != stationID || (c.Result != "" && c.Result != ResultAccepted) {
				continue
			}
			var o struct {
				Token *Token `json:"token"`
			}
			if json.Unmarshal(c.Request, &o) == nil && o.Token != nil && o.Token.UID == token.UID &&
				o.Token.CountryCode == token.CountryCode && o.Token.PartyID == token.PartyID && o.Token.Type == token.Type {
				return true, nil
			}
		}
	}
	return false, nil
}

// maxReservationsLooked bounds the partner's RESERVE_NOW commands a
// cancellation looks through, newest first.
const maxReservationsLooked = 1000

// postCommandResult receives a partner's result of a command we sent: the
// URL names the command, which must be one we sent this partner.
func (s *Server) postCommandResult(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	var res CommandResult
	if err := Decode(r.Body, &res); err != nil {
		return err
	}
	if fe := res.Validate(); len(fe) > 0 {
		return Invalid(fe)
	}
	unknown := Errorf(http.StatusNotFound, StatusClientError, "unknown command")
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return unknown
	}
	command := r.PathValue("command")
	_, err = s.store.UpdateOCPICommand(ctx, c.partner.ID, id, func(cmd *fc.OCPICommand) error {
		if cmd.Direction != fc.OCPICommandOut || cmd.Command != command {
			return fc.Errorf(fc.ENotFound, "no such command")
		}
		cmd.Result, cmd.Message = res.Result, cutText(text(res.Message), 500)
		return nil
	})
	if fc.IsCode(err, fc.ENotFound) {
		return unknown
	}
	if err != nil {
		return storeError(err)
	}
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// StartSession asks a CPO partner to start a session for one of our cards
// at its EVSE (location_id, evse_uid and, when given, connector_id as the
// partner publishes them), and returns the command as stored: waiting for
// the partner's result when the partner accepted it, with the partner's
// answer (REJECTED, NOT_SUPPORTED, …) or FAILED when it did not.
func (s *Server) StartSession(ctx context.Context, p *fc.OCPIPartner, card *fc.Card, locationID, evseUID, connectorID string) (*fc.OCPICommand, error) {
	us, issuer, err := s.ourParty(ctx, p.ProviderID)
	if err != nil {
		return nil, err
	}
	tok := cardToken(us, issuer, card.InternalID, card, s.now())
	cmd := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandOut, Command: fc.OCPIStartSession, CardID: card.ID}
	return s.sendCommand(ctx, p, cmd, func(responseURL string) Validator {
		return &StartSession{ResponseURL: responseURL, Token: &tok, LocationID: locationID, EVSEUID: evseUID, ConnectorID: connectorID}
	})
}

// StopSession asks a CPO partner to stop a session (its Session.id) of
// one of our cards (cardID, 0 when not known).
func (s *Server) StopSession(ctx context.Context, p *fc.OCPIPartner, cardID fc.ID, sessionID string) (*fc.OCPICommand, error) {
	cmd := &fc.OCPICommand{PartnerID: p.ID, Direction: fc.OCPICommandOut, Command: fc.OCPIStopSession, CardID: cardID}
	return s.sendCommand(ctx, p, cmd, func(responseURL string) Validator {
		return &StopSession{ResponseURL: responseURL, SessionID: sessionID}
	})
}

// sendCommand stores a command, builds its object with our response_url
// (which names the stored command), checks it and sends it to the
// partner's commands receiver. The partner's answer is stored with the
// command.
func (s *Server) sendCommand(ctx context.Context, p *fc.OCPIPartner, cmd *fc.OCPICommand, build func(responseURL string) Validator) (*fc.OCPICommand, error) {
	if p.Status != fc.PartnerConnected {
		return nil, fc.Errorf(fc.EConflict, "partner %s is not connected", p.ID)
	}
	base := p.EndpointURL(ModuleCommands, RoleReceiver)
	if base == "" {
		return nil, fc.Errorf(fc.EUnprocessable, "partner %s takes no commands (it has no commands receiver)", p.ID)
	}
	// The object is checked before anything is stored, with a stand-in
	// for the URL that names the stored command.
	if fe := build(s.cfg.BaseURL + emspCommandsPath + "/" + cmd.Command + "/1").Validate(); len(fe) > 0 {
		m := map[string]string{}
		for k, v := range fe.Map() {
			m[k] = v
		}
		return nil, fc.Invalid(m)
	}
	cmd.Request = json.RawMessage(`{}`)
	if err := s.store.CreateOCPICommand(ctx, cmd); err != nil {
		return nil, err
	}
	responseURL := s.cfg.BaseURL + emspCommandsPath + "/" + cmd.Command + "/" + cmd.ID.String()
	obj := build(responseURL)
	request, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	result, message := "", ""
	resp, _, err := s.clientFor(ctx, p, p.OutgoingToken).Do(ctx, ModuleCommands, http.MethodPost, strings.TrimRight(base, "/")+"/"+cmd.Command, obj)
	if err != nil {
		s.log.Info("an OCPI command was not taken by the partner", "partner", p.ID, "command", cmd.Command, "err", err)
		result, message = ResultFailed, "the partner did not take the command"
		var ce *CallError
		if errors.As(err, &ce) && ce.OCPIStatus != 0 {
			message += ": status " + strconv.Itoa(ce.OCPIStatus) + " " + ce.Message
		}
	} else {
		var cr CommandResponse
		switch {
		case json.Unmarshal(resp.Data, &cr) != nil || len(cr.Validate()) > 0:
			result, message = ResultFailed, "the partner's answer is not a CommandResponse"
		case cr.Result != ResponseAccepted:
			result, message = cr.Result, text(cr.Message)
		default:
			message = text(cr.Message)
		}
	}
	return s.store.UpdateOCPICommand(ctx, p.ID, cmd.ID, func(c *fc.OCPICommand) error {
		c.ResponseURL, c.Request = responseURL, request
		// A result the partner posted meanwhile is kept.
		if c.Result == "" {
			c.Result, c.Message = result, cutText(message, 500)
		}
		return nil
	})
}

// partnerURL reports whether u is on a host of the partner: that of its
// versions URL or of one of its endpoints (any port: a partner may take
// results on another port of its host).
func (c *caller) partnerURL(u string) bool {
	target, err := url.Parse(u)
	if err != nil || target.Hostname() == "" {
		return false
	}
	hosts := []string{c.partner.VersionsURL}
	for _, e := range c.partner.Endpoints {
		hosts = append(hosts, e.URL)
	}
	for _, h := range hosts {
		if p, err := url.Parse(h); err == nil && strings.EqualFold(p.Hostname(), target.Hostname()) {
			return true
		}
	}
	return false
}
