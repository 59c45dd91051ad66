package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type statusRequest struct {
	Status string `json:"status"`
}

// firmwareStatusNotification logs the progress of a firmware update and
// tells the observer (station jobs follow firmware campaigns).
func (s *Server) firmwareStatusNotification(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[statusRequest](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("firmware status", "station", st.Identity, "status", req.Status)
	s.notify(ctx, st, fc.OCPP16, fc.StationEvent{Kind: fc.EventFirmwareStatus, Status: req.Status})
	return empty{}, nil
}

// diagnosticsStatusNotification logs the progress of a diagnostics upload
// and tells the observer.
func (s *Server) diagnosticsStatusNotification(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[statusRequest](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("diagnostics status", "station", st.Identity, "status", req.Status)
	s.notify(ctx, st, fc.OCPP16, fc.StationEvent{Kind: fc.EventDiagnosticsStatus, Status: req.Status})
	return empty{}, nil
}
