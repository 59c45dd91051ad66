package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type statusNotificationRequest201 struct {
	Timestamp       string `json:"timestamp"`
	ConnectorStatus string `json:"connectorStatus"`
	EVSEID          int    `json:"evseId"`
	ConnectorID     int    `json:"connectorId"`
}

// statusNotification201 records the status of an EVSE's connector as the
// status of the EVSE's charge point (see routes201): OCPP 2.0.1's
// Available, Occupied, Reserved, Unavailable or Faulted, as the station
// says it. EVSE 0, the station as a whole, is not a charge point.
func (s *Server) statusNotification201(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[statusNotificationRequest201](payload)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("timestamp", req.Timestamp)
	if err != nil {
		return nil, err
	}
	err = s.store.RecordStatus(ctx, st.ID, req.EVSEID, req.ConnectorStatus, "", at)
	if fc.IsCode(err, fc.ENotFound) || fc.IsCode(err, fc.EInvalid) {
		// An EVSE the back office cannot keep: nothing the station could
		// correct, so it is acknowledged all the same.
		s.log.Info("status of an unknown EVSE", "station", st.Identity, "evse", req.EVSEID, "connector", req.ConnectorID, "status", req.ConnectorStatus)
		return empty{}, nil
	}
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}
