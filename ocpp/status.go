package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type statusNotificationRequest struct {
	ConnectorID     int    `json:"connectorId"`
	ErrorCode       string `json:"errorCode"`
	Status          string `json:"status"`
	Timestamp       string `json:"timestamp"`
	Info            string `json:"info"`
	VendorID        string `json:"vendorId"`
	VendorErrorCode string `json:"vendorErrorCode"`
}

// statusNotification records a connector's status (connector 0 is the
// station as a whole), at the time the station gives, or now, and adds it
// with the vendor's error code to the station's status history.
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
	err = s.store.RecordStatusReport(ctx, fc.StatusReport{StationID: st.ID, ConnectorID: req.ConnectorID, Status: req.Status,
		ErrorCode: req.ErrorCode, VendorErrorCode: req.VendorErrorCode, VendorID: req.VendorID, Info: req.Info, At: at})
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
