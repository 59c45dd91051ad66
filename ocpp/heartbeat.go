package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type heartbeatResponse struct {
	CurrentTime string `json:"currentTime"`
}

// heartbeat records that the station is alive and tells it the time.
func (s *Server) heartbeat(ctx context.Context, st *fc.Station, _ json.RawMessage) (any, error) {
	now := s.now()
	if err := s.store.RecordHeartbeat(ctx, st.ID, now); err != nil {
		return nil, err
	}
	return heartbeatResponse{CurrentTime: formatTime(now)}, nil
}
