package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

// The OCPP 2.0.1 notifications below are acknowledged and logged; firmware
// and log upload progress also goes to the observer (station jobs).

type notifyEventRequest struct {
	GeneratedAt string `json:"generatedAt"`
	SeqNo       int    `json:"seqNo"`
	Tbc         bool   `json:"tbc"`
	EventData   []struct {
		EventID   int    `json:"eventId"`
		Trigger   string `json:"trigger"`
		ActualVal string `json:"actualValue"`
		Component struct {
			Name string `json:"name"`
		} `json:"component"`
		Variable struct {
			Name string `json:"name"`
		} `json:"variable"`
	} `json:"eventData"`
}

// notifyEvent logs the events of the station's monitors.
func (s *Server) notifyEvent(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[notifyEventRequest](payload)
	if err != nil {
		return nil, err
	}
	for _, e := range req.EventData {
		s.log.Info("station event", "station", st.Identity, "event", e.EventID, "trigger", e.Trigger,
			"component", e.Component.Name, "variable", e.Variable.Name, "value", e.ActualVal)
	}
	return empty{}, nil
}

type notifyChargingLimitRequest struct {
	EVSEID        int `json:"evseId"`
	ChargingLimit struct {
		ChargingLimitSource string `json:"chargingLimitSource"`
	} `json:"chargingLimit"`
}

// notifyChargingLimit logs a charging limit set outside the back office.
func (s *Server) notifyChargingLimit(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[notifyChargingLimitRequest](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("charging limit", "station", st.Identity, "evse", req.EVSEID, "source", req.ChargingLimit.ChargingLimitSource)
	return empty{}, nil
}

type reportChargingProfilesRequest struct {
	RequestID           int    `json:"requestId"`
	ChargingLimitSource string `json:"chargingLimitSource"`
	EVSEID              int    `json:"evseId"`
	Tbc                 bool   `json:"tbc"`
}

// reportChargingProfiles logs the charging profiles a station reports.
func (s *Server) reportChargingProfiles(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[reportChargingProfilesRequest](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("charging profiles", "station", st.Identity, "request", req.RequestID, "evse", req.EVSEID, "source", req.ChargingLimitSource)
	return empty{}, nil
}

type requestStatus struct {
	Status    string `json:"status"`
	RequestID *int   `json:"requestId"`
}

// firmwareStatusNotification201 logs the progress of a firmware update and
// tells the observer.
func (s *Server) firmwareStatusNotification201(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[requestStatus](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("firmware status", "station", st.Identity, "status", req.Status, "request", req.RequestID)
	s.notify(ctx, st, fc.OCPP201, fc.StationEvent{Kind: fc.EventFirmwareStatus, Status: req.Status, RequestID: deref(req.RequestID)})
	return empty{}, nil
}

// logStatusNotification logs the progress of a log upload and tells the
// observer, as a diagnostics status.
func (s *Server) logStatusNotification(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[requestStatus](payload)
	if err != nil {
		return nil, err
	}
	s.log.Info("log upload status", "station", st.Identity, "status", req.Status, "request", req.RequestID)
	s.notify(ctx, st, fc.OCPP201, fc.StationEvent{Kind: fc.EventDiagnosticsStatus, Status: req.Status, RequestID: deref(req.RequestID)})
	return empty{}, nil
}

// deref returns *p, or 0 for nil.
func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
