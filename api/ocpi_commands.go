package api

import (
	"encoding/json"
	"net/http"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// OCPI commands (app/ocpi_commands.go): remote start and stop of our
// cards on partners' EVSEs, and the commands' results.

type ocpiStartInput struct {
	CardID      fc.ID  `json:"card_id" required:"true" doc:"the card to charge with; an active card the caller manages"`
	LocationID  string `json:"location_id" required:"true" doc:"the partner's location, its OCPI id (GET /api/v1/partner-locations)"`
	EVSEUID     string `json:"evse_uid" required:"true" doc:"the EVSE of that location, its OCPI uid"`
	ConnectorID string `json:"connector_id" doc:"the connector of that EVSE, its OCPI id; absent: the EVSE's"`
}

type ocpiStopInput struct {
	SessionID string `json:"session_id" required:"true" doc:"the partner's session, its OCPI id"`
}

// ocpiCommandView is a command with its result.
type ocpiCommandView struct {
	ID          fc.ID           `json:"id"`
	PartnerID   fc.ID           `json:"partner_id"`
	Direction   string          `json:"direction" enum:"in,out" doc:"out: we asked the partner (a CPO) for one of our cards; in: the partner (an eMSP) asked us for one of our stations"`
	Command     string          `json:"command" enum:"START_SESSION,STOP_SESSION,UNLOCK_CONNECTOR,RESERVE_NOW,CANCEL_RESERVATION"`
	CardID      fc.ID           `json:"card_id,omitempty" doc:"the card of a command out"`
	StationID   fc.ID           `json:"station_id,omitempty" doc:"the station of a command in"`
	ConnectorID int             `json:"connector_id,omitempty" doc:"the connector of a command in"`
	Request     json.RawMessage `json:"request" doc:"the OCPI command object as sent or received"`
	Result      string          `json:"result" doc:"empty while waiting for the charge point; then an OCPI CommandResultType (ACCEPTED, REJECTED, FAILED, TIMEOUT, EVSE_OCCUPIED, EVSE_INOPERATIVE, NOT_SUPPORTED, CANCELED_RESERVATION, UNKNOWN_RESERVATION), or the partner's refusal (REJECTED, NOT_SUPPORTED, UNKNOWN_SESSION)"`
	Message     string          `json:"message,omitempty" doc:"why, when the partner or the charge point said"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at" doc:"when the result came"`
}

func viewOCPICommand(c *fc.OCPICommand) ocpiCommandView {
	return ocpiCommandView{ID: c.ID, PartnerID: c.PartnerID, Direction: c.Direction, Command: c.Command, CardID: c.CardID,
		StationID: c.StationID, ConnectorID: c.ConnectorID, Request: c.Request, Result: c.Result, Message: c.Message,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// ocpiCommandRoutes are the routes of OCPI commands.
func (s *Server) ocpiCommandRoutes() []route {
	const tag = "ocpi_partners"
	async := "The partner answers at once whether it takes the command (a refusal is the command's result); the charge point's result comes later: " +
		"read it with GET /api/v1/ocpi-commands/{id}. 202 with the command; 409 when the partner is not connected; 422 when it takes no commands; " +
		"503 without an OCPI endpoint."
	return []route{
		{method: http.MethodPost, path: "/api/v1/ocpi-partners/{id}/commands/start-session", id: "start_ocpi_session", tag: tag,
			summary: "Start a session of a card on a partner's EVSE",
			doc: "Asks a CPO partner (OCPI START_SESSION) to start a session for one of the provider's cards at the partner's EVSE, as the partner publishes it. " +
				"Needs " + string(access.CardsManage) + " on the card, which is active (409 otherwise). " + async,
			body: typ[ocpiStartInput](), create: true, resp: typ[ocpiCommandView](), status: http.StatusAccepted, h: s.startOCPISession},
		{method: http.MethodPost, path: "/api/v1/ocpi-partners/{id}/commands/stop-session", id: "stop_ocpi_session", tag: tag,
			summary: "Stop a session on a partner's network",
			doc: "Asks a CPO partner (OCPI STOP_SESSION) to stop one of its sessions. For a session the partner sent us, needs " + string(access.CardsManage) +
				" on its card; for another, on every card of the provider. " + async,
			body: typ[ocpiStopInput](), create: true, resp: typ[ocpiCommandView](), status: http.StatusAccepted, h: s.stopOCPISession},
		{method: http.MethodGet, path: "/api/v1/ocpi-commands/{id}", id: "get_ocpi_command", tag: tag, summary: "Read an OCPI command with its result",
			doc: "A command we sent for a card, to who may read the card (" + string(access.CardsRead) + "); any command, sent or received, " +
				"to who manages roaming. 404 otherwise.",
			resp: typ[ocpiCommandView](), status: http.StatusOK, h: s.getOCPICommand},
	}
}

func (s *Server) startOCPISession(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *ocpiStartInput, set fieldSet) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		c, err := s.app.StartRoamingSession(r.Context(), subj, id, app.RoamingStart{CardID: in.CardID, LocationID: in.LocationID,
			EVSEUID: in.EVSEUID, ConnectorID: in.ConnectorID})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, viewOCPICommand(c))
		return nil
	})(w, r)
}

func (s *Server) stopOCPISession(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *ocpiStopInput, set fieldSet) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		c, err := s.app.StopRoamingSession(r.Context(), subj, id, in.SessionID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, viewOCPICommand(c))
		return nil
	})(w, r)
}

func (s *Server) getOCPICommand(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.OCPICommand, viewOCPICommand)(w, r)
}
