package ocpp

import (
	"context"
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

type bootNotificationRequest struct {
	ChargePointVendor       string `json:"chargePointVendor"`
	ChargePointModel        string `json:"chargePointModel"`
	ChargePointSerialNumber string `json:"chargePointSerialNumber"`
	ChargeBoxSerialNumber   string `json:"chargeBoxSerialNumber"`
	FirmwareVersion         string `json:"firmwareVersion"`
}

type bootNotificationResponse struct {
	Status      string `json:"status"`
	CurrentTime string `json:"currentTime"`
	Interval    int    `json:"interval"`
}

func (r bootNotificationResponse) accepted() bool { return r.Status == "Accepted" }

// bootNotification records what the station says of itself and accepts it,
// telling it the heartbeat interval.
func (s *Server) bootNotification(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[bootNotificationRequest](payload)
	if err != nil {
		return nil, err
	}
	serial := req.ChargePointSerialNumber
	if serial == "" {
		serial = req.ChargeBoxSerialNumber
	}
	now := s.now()
	info := fc.BootInfo{Vendor: req.ChargePointVendor, Model: req.ChargePointModel, SerialNumber: serial, Firmware: req.FirmwareVersion}
	if err := s.store.RecordBoot(ctx, st.ID, info, now); err != nil {
		return nil, err
	}
	return bootNotificationResponse{Status: "Accepted", CurrentTime: formatTime(now), Interval: int(s.cfg.HeartbeatInterval.Seconds())}, nil
}
