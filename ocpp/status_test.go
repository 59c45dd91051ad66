package ocpp_test

import (
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// chargePoint returns a station's stored charge point with connectorID.
func chargePoint(t *testing.T, w *world, st *fc.Station, connectorID int) *fc.ChargePoint {
	t.Helper()
	for _, cp := range storedStation(t, w, st).ChargePoints {
		if cp.ConnectorID == connectorID {
			return &cp
		}
	}
	return nil
}

func TestStatusNotification(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		at := fixedNow.Add(-time.Minute)
		st.call("StatusNotification", map[string]any{"connectorId": 0, "errorCode": "NoError", "status": "Available"}, nil)
		st.call("StatusNotification", map[string]any{"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": ts(at)}, nil)
		st.call("StatusNotification", map[string]any{"connectorId": 2, "errorCode": "GroundFailure", "status": "Faulted", "info": "RCD tripped"}, nil)
		// A connector the station was not registered with is taken in.
		st.call("StatusNotification", map[string]any{"connectorId": 3, "errorCode": "NoError", "status": "Unavailable"}, nil)

		tests := []struct {
			connector         int
			status, errorCode string
			at                time.Time
		}{
			{1, "Charging", "NoError", at},
			{2, "Faulted", "GroundFailure", fixedNow},
			{3, "Unavailable", "NoError", fixedNow},
		}
		for _, tt := range tests {
			cp := chargePoint(t, w, w.Station, tt.connector)
			if cp == nil {
				t.Errorf("connector %d not stored", tt.connector)
				continue
			}
			if cp.Status != tt.status || cp.ErrorCode != tt.errorCode || cp.StatusAt == nil || !cp.StatusAt.Equal(tt.at) {
				t.Errorf("connector %d = %s %s at %v, want %s %s at %v", tt.connector, cp.Status, cp.ErrorCode, cp.StatusAt, tt.status, tt.errorCode, tt.at)
			}
		}
	})
}
