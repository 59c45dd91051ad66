package app

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// OCPI commands (OCPI 2.2.1, 13), both roles. As an eMSP, who manages a
// card has a CPO partner start (and stop) a session for it on the
// partner's EVSE; the partner's result arrives later at the OCPI edge and
// is read here. As a CPO, partners' commands reach our stations through
// RoamingStations, which the OCPI edge calls once it has checked the
// partner's rights.

// RoamingCommander is the OCPI edge's side of the commands we send: the
// ocpi package's Server implements it beside Roaming.
type RoamingCommander interface {
	// StartSession asks the partner to start a session for the card at
	// its EVSE and returns the command as stored.
	StartSession(ctx context.Context, p *fc.OCPIPartner, card *fc.Card, locationID, evseUID, connectorID string) (*fc.OCPICommand, error)
	// StopSession asks the partner to stop its session (its Session.id)
	// of the card (0 when unknown) and returns the command as stored.
	StopSession(ctx context.Context, p *fc.OCPIPartner, cardID fc.ID, sessionID string) (*fc.OCPICommand, error)
}

// RoamingStart is a remote start of one of our cards on a partner's EVSE,
// named as the partner publishes it.
type RoamingStart struct {
	CardID      fc.ID
	LocationID  string
	EVSEUID     string
	ConnectorID string // optional
}

// roamingCommander returns the OCPI edge's commands.
func (s *Service) roamingCommander() (RoamingCommander, error) {
	r, err := s.roaming()
	if err != nil {
		return nil, err
	}
	rc, ok := r.(RoamingCommander)
	if !ok {
		return nil, fc.Errorf(fc.EUnavailable, "roaming commands are not available on this server")
	}
	return rc, nil
}

// commandPartner returns a connected partner of the subject's provider
// that takes commands.
func (s *Service) commandPartner(ctx context.Context, subj access.Subject, partnerID fc.ID) (*fc.OCPIPartner, error) {
	p, err := s.Store.OCPIPartner(ctx, subj.ProviderID, partnerID)
	if err != nil {
		return nil, err
	}
	if p.Status != fc.PartnerConnected {
		return nil, fc.Errorf(fc.EConflict, "partner %s is %s, not connected", p.ID, p.Status)
	}
	return p, nil
}

// checkOCPIRef checks an OCPI identifier the user gives: required or not,
// printable ASCII of at most 36 characters (CiString(36)).
func checkOCPIRef(fields map[string]string, name, v string, required bool) {
	if v == "" {
		if required {
			fields[name] = "is required"
		}
		return
	}
	if len(v) > 36 {
		fields[name] = "must be at most 36 characters"
		return
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			fields[name] = "must be printable ASCII without spaces"
			return
		}
	}
}

// StartRoamingSession has a CPO partner start a session for one of our
// cards on its EVSE. The subject manages the card (cards.manage); the card
// is active; the partner is connected. The answer is the command as
// stored: waiting for the partner's result, or refused by the partner.
func (s *Service) StartRoamingSession(ctx context.Context, subj access.Subject, partnerID fc.ID, in RoamingStart) (*fc.OCPICommand, error) {
	fields := map[string]string{}
	if in.CardID <= 0 {
		fields["card_id"] = "is required"
	}
	checkOCPIRef(fields, "location_id", in.LocationID, true)
	checkOCPIRef(fields, "evse_uid", in.EVSEUID, true)
	checkOCPIRef(fields, "connector_id", in.ConnectorID, false)
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	card, err := s.Card(ctx, subj, in.CardID)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindCard, card.ID, access.CardsManage); err != nil {
		return nil, err
	}
	if card.Status != fc.CardActive {
		return nil, fc.Errorf(fc.EConflict, "card %s is %s: only an active card starts a session", card.ID, card.Status)
	}
	p, err := s.commandPartner(ctx, subj, partnerID)
	if err != nil {
		return nil, err
	}
	rc, err := s.roamingCommander()
	if err != nil {
		return nil, err
	}
	return rc.StartSession(ctx, p, card, in.LocationID, in.EVSEUID, in.ConnectorID)
}

// StopRoamingSession has a CPO partner stop one of its sessions (its
// Session.id). When the partner sent us the session, the subject manages
// its card (cards.manage); a session we do not hold is stopped only by who
// manages every card of the provider.
func (s *Service) StopRoamingSession(ctx context.Context, subj access.Subject, partnerID fc.ID, sessionID string) (*fc.OCPICommand, error) {
	fields := map[string]string{}
	checkOCPIRef(fields, "session_id", sessionID, true)
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	p, err := s.commandPartner(ctx, subj, partnerID)
	if err != nil {
		return nil, err
	}
	cardID, err := s.partnerSessionCard(ctx, p, sessionID)
	if err != nil {
		return nil, err
	}
	if cardID != 0 {
		if _, err := s.Card(ctx, subj, cardID); err != nil {
			return nil, err
		}
		if err := s.mayChange(ctx, subj, fc.KindCard, cardID, access.CardsManage); err != nil {
			return nil, err
		}
	} else if !access.Reach(subj, access.CardsManage).All {
		return nil, fc.Errorf(fc.EForbidden, "a session the partner has not sent us is stopped by who manages every card of the provider (%s)", access.CardsManage)
	}
	rc, err := s.roamingCommander()
	if err != nil {
		return nil, err
	}
	return rc.StopSession(ctx, p, cardID, sessionID)
}

// partnerSessionCard returns our card of a session the partner (under one
// of its parties) sent us, 0 when we hold no such session or its token is
// no card of ours.
func (s *Service) partnerSessionCard(ctx context.Context, p *fc.OCPIPartner, sessionID string) (fc.ID, error) {
	for _, r := range p.Roles {
		o, err := s.Store.OCPIObject(ctx, p.ID, fc.OCPIModuleSessions, r.CountryCode, r.PartyID, sessionID)
		if fc.IsCode(err, fc.ENotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		var sess struct {
			CdrToken struct {
				UID string `json:"uid"`
			} `json:"cdr_token"`
		}
		if json.Unmarshal(o.Object, &sess) != nil || sess.CdrToken.UID == "" {
			return 0, nil
		}
		card, err := s.Store.OCPICard(ctx, p.ProviderID, sess.CdrToken.UID)
		if fc.IsCode(err, fc.ENotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		return card.ID, nil
	}
	return 0, nil
}

// OCPICommand returns a command, sent or received, with its result: one
// sent for a card to who may read the card (cards.read), any to who
// manages roaming. Another is not found.
func (s *Service) OCPICommand(ctx context.Context, subj access.Subject, id fc.ID) (*fc.OCPICommand, error) {
	c, err := s.Store.OCPICommand(ctx, subj.ProviderID, id)
	if err != nil {
		return nil, err
	}
	if mayManageRoaming(subj) == nil {
		return c, nil
	}
	if c.Direction == fc.OCPICommandOut && c.CardID != 0 {
		ok, err := s.sees(ctx, subj, fc.KindCard, c.CardID, access.CardsRead)
		if err != nil {
			return nil, err
		}
		if ok {
			return c, nil
		}
	}
	return nil, fc.Errorf(fc.ENotFound, "%s %s not found", fc.KindOCPICommand, id)
}

// RoamingStations sends partners' commands to our stations: the OCPI
// edge's StationCommander (ocpi.Config.Stations). The edge has checked the
// partner's rights (the station roams, the session is the partner's), so
// the station is read in the whole provider, as the system acts.
type RoamingStations struct {
	ops *Operations
}

// RoamingStations returns the station commands partners' commands use.
func (o *Operations) RoamingStations() *RoamingStations { return &RoamingStations{ops: o} }

// send sends one command to a station of the provider and returns the
// status the station answered.
func (r *RoamingStations) send(ctx context.Context, providerID, stationID fc.ID, cmd Command) (string, error) {
	s := r.ops.svc
	st, err := s.Store.Station(ctx, fc.StationScope{ProviderID: providerID, Reach: fc.Everything}, stationID)
	if err != nil {
		return "", err
	}
	txID := ""
	if cmd.Name == CommandRemoteStop && st.OCPPVersion == fc.OCPP201 {
		if txID, err = s.Store.StationTransactionID(ctx, st.ID, cmd.TransactionID); err != nil {
			return "", err
		}
		if txID == "" {
			return "", fc.Errorf(fc.EUnprocessable, "session %s started over OCPP 1.6, and the station speaks OCPP 2.0.1 now", cmd.TransactionID)
		}
	}
	action, req, err := CommandCall(cmd, st, txID)
	if err != nil {
		return "", err
	}
	if s.Commander == nil {
		return "", fc.Errorf(fc.EUnavailable, "remote commands are not available on this server")
	}
	reply, err := s.Commander.Call(ctx, st.Identity, action, req)
	if err != nil {
		return "", err
	}
	var status struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(reply, &status); err != nil {
		return "", fc.Errorf(fc.EUnavailable, "the station's answer to %s does not decode", action)
	}
	return strings.TrimSpace(status.Status), nil
}

// RemoteStart starts a transaction for idTag (RemoteStartTransaction on
// OCPP 1.6, RequestStartTransaction on 2.0.1).
func (r *RoamingStations) RemoteStart(ctx context.Context, providerID, stationID fc.ID, connectorID int, idTag string) (string, error) {
	return r.send(ctx, providerID, stationID, Command{Name: CommandRemoteStart, ConnectorID: connectorID, IDTag: idTag})
}

// RemoteStop stops a session's transaction.
func (r *RoamingStations) RemoteStop(ctx context.Context, providerID, stationID, sessionID fc.ID) (string, error) {
	return r.send(ctx, providerID, stationID, Command{Name: CommandRemoteStop, TransactionID: sessionID})
}

// UnlockConnector unlocks a connector.
func (r *RoamingStations) UnlockConnector(ctx context.Context, providerID, stationID fc.ID, connectorID int) (string, error) {
	return r.send(ctx, providerID, stationID, Command{Name: CommandUnlock, ConnectorID: connectorID})
}

// ReserveNow reserves a connector for idTag, a partner's token, until
// expires. What the station accepts is recorded as a reservation of the
// partner whose token idTag is (docs/OCPI.md), listed with the station's
// reservations and used by the session the token starts there.
func (r *RoamingStations) ReserveNow(ctx context.Context, providerID, stationID fc.ID, connectorID int, idTag string, reservationID int, expires time.Time) (string, error) {
	status, err := r.send(ctx, providerID, stationID, Command{Name: CommandReserveNow, ConnectorID: connectorID, IDTag: idTag,
		Operation: Operation{ReservationID: reservationID, ExpiresAt: expires}})
	if err != nil || status != "Accepted" {
		return status, err
	}
	s := r.ops.svc
	tok, err := s.Store.OCPITokenByUID(ctx, providerID, idTag)
	if err != nil {
		return status, err
	}
	return status, s.Store.CreateReservation(ctx, &fc.Reservation{StationID: stationID, ConnectorID: connectorID,
		OCPPID: reservationID, PartnerID: tok.PartnerID, PartnerIDTag: idTag, ExpiresAt: expires})
}

// CancelReservation cancels a reservation by its ID at the station; what
// the station accepts ends the recorded reservation as cancelled.
func (r *RoamingStations) CancelReservation(ctx context.Context, providerID, stationID fc.ID, reservationID int) (string, error) {
	status, err := r.send(ctx, providerID, stationID, Command{Name: CommandCancelReservation, Operation: Operation{ReservationID: reservationID}})
	if err != nil || status != "Accepted" {
		return status, err
	}
	_, err = r.ops.svc.Store.EndReservation(ctx, stationID, reservationID, fc.ReservationCancelled, r.ops.svc.now())
	return status, err
}
