package ocpp_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// storedStation reads a station back from the store.
func storedStation(t *testing.T, w *world, st *fc.Station) *fc.Station {
	t.Helper()
	got, err := w.Store.Station(context.Background(), fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, st.ID)
	if err != nil {
		t.Fatalf("station %s: %v", st.Identity, err)
	}
	return got
}

func TestBootNotification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		e := startServer(t, ocpp.Config{Store: s, HeartbeatInterval: 90 * time.Second})
		st := connect(t, e, w.Station.Identity, w.Password)
		var got struct {
			Status      string `json:"status"`
			CurrentTime string `json:"currentTime"`
			Interval    int    `json:"interval"`
		}
		st.call("BootNotification", map[string]string{
			"chargePointVendor": "Alfen", "chargePointModel": "Eve Double", "chargeBoxSerialNumber": "ACE0012345",
			"firmwareVersion": "6.4.1", "meterType": "MID",
		}, &got)
		if got.Status != "Accepted" || got.Interval != 90 || got.CurrentTime != "2025-06-02T09:30:00.000Z" {
			t.Errorf("answer = %+v, want Accepted, interval 90, the server's time", got)
		}
		stored := storedStation(t, w, w.Station)
		if stored.Vendor != "Alfen" || stored.Model != "Eve Double" || stored.SerialNumber != "ACE0012345" || stored.Firmware != "6.4.1" {
			t.Errorf("stored boot info = %q %q %q %q", stored.Vendor, stored.Model, stored.SerialNumber, stored.Firmware)
		}
		if stored.LastBootAt == nil || !stored.LastBootAt.Equal(fixedNow) {
			t.Errorf("last boot = %v, want %v", stored.LastBootAt, fixedNow)
		}
	})
}
