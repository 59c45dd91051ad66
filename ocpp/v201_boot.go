package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type bootNotificationRequest201 struct {
	ChargingStation struct {
		Model           string `json:"model"`
		VendorName      string `json:"vendorName"`
		SerialNumber    string `json:"serialNumber"`
		FirmwareVersion string `json:"firmwareVersion"`
	} `json:"chargingStation"`
	Reason string `json:"reason"`
}

type bootNotificationResponse201 struct {
	CurrentTime string `json:"currentTime"`
	Interval    int    `json:"interval"`
	Status      string `json:"status"`
}

func (r bootNotificationResponse201) accepted() bool { return r.Status == "Accepted" }

// bootNotification201 records what an OCPP 2.0.1 station says of itself and
// accepts it, telling it the heartbeat interval, as for OCPP 1.6.
func (s *Server) bootNotification201(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[bootNotificationRequest201](payload)
	if err != nil {
		return nil, err
	}
	cs := req.ChargingStation
	now := s.now()
	info := fc.BootInfo{Vendor: cs.VendorName, Model: cs.Model, SerialNumber: cs.SerialNumber, Firmware: cs.FirmwareVersion}
	if err := s.store.RecordBoot(ctx, st.ID, info, now); err != nil {
		return nil, err
	}
	s.log.Info("boot", "station", st.Identity, "reason", req.Reason)
	return bootNotificationResponse201{CurrentTime: formatTime(now), Interval: int(s.cfg.HeartbeatInterval.Seconds()), Status: "Accepted"}, nil
}
