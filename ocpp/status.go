package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type statusNotificationRequest struct {
	ConnectorID int    `json:"connectorId"`
	ErrorCode   string `json:"errorCode"`
	Status      string `json:"status"`
	Timestamp   string `json:"timestamp"`
	Info        string `json:"info"`
}

// statusNotification records a connector's status (connector 0 is the
// station as a whole), at the time the station gives, or now.
func (s *Server) statusNotification(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[statusNotificationRequest](payload)
	if err != nil {
		return nil, err
	}
	at := s.now()
	if req.Timestamp != "" {
		if at, err = parseTime("timestamp", req.Timestamp); err != nil {
			return nil, err
		}
	}
	err = s.store.RecordStatus(ctx, st.ID, req.ConnectorID, req.Status, req.ErrorCode, at)
	if fc.IsCode(err, fc.ENotFound) {
		// A connector the back office does not know: nothing the station
		// could correct, so it is acknowledged all the same.
		s.log.Info("status of an unknown connector", "station", st.Identity, "connector", req.ConnectorID, "status", req.Status)
		return empty{}, nil
	}
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}
