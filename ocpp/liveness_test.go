package ocpp_test

import (
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestSilentStationDropped checks that a station that neither talks nor
// answers pings is disconnected and stored offline, while one that answers
// pings stays.
func TestSilentStationDropped(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store, PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond})
	// This client never reads, so it never answers a ping.
	connect(t, e, w.Station.Identity, w.Password)
	alive := connect(t, e, w.Restricted.Identity, w.Password)
	go func() {
		for {
			if _, _, err := alive.ws.Read(t.Context()); err != nil {
				return
			}
		}
	}()
	eventually(t, "silent station offline", func() bool { return !e.srv.Online(w.Station.Identity) })
	eventually(t, "silent station stored offline", func() bool { return connection(t, w, w.Station) == fc.StationOffline })
	if !e.srv.Online(w.Restricted.Identity) {
		t.Error("a station that answers pings was dropped")
	}
}
