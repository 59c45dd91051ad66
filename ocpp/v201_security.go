package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type securityEventNotificationRequest struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	TechInfo  string `json:"techInfo"`
}

// securityEventNotification stores a security event the station reports
// (a firmware update, a reset, a failed login to its local interface, a
// tamper alarm …), shown on the station's page.
func (s *Server) securityEventNotification(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[securityEventNotificationRequest](payload)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("timestamp", req.Timestamp)
	if err != nil {
		return nil, err
	}
	if err := s.store.RecordSecurityEvent(ctx, fc.SecurityEvent{StationID: st.ID, Type: req.Type, TechInfo: req.TechInfo, At: at}); err != nil {
		return nil, err
	}
	s.log.Warn("security event", "station", st.Identity, "type", req.Type, "tech_info", req.TechInfo)
	return empty{}, nil
}
