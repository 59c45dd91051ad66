package ocpp_test

import (
	"testing"
)

func TestHeartbeat(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		var got struct {
			CurrentTime string `json:"currentTime"`
		}
		st.call("Heartbeat", struct{}{}, &got)
		if got.CurrentTime != "2025-06-02T09:30:00.000Z" {
			t.Errorf("currentTime = %q, want the server's time", got.CurrentTime)
		}
		stored := storedStation(t, w, w.Station)
		if stored.LastHeartbeatAt == nil || !stored.LastHeartbeatAt.Equal(fixedNow) {
			t.Errorf("last heartbeat = %v, want %v", stored.LastHeartbeatAt, fixedNow)
		}
	})
}
