package ocpp_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// recorder is a StationObserver that keeps what it hears.
type recorder struct {
	mu     sync.Mutex
	events []fc.StationEvent
}

func (r *recorder) StationEvent(_ context.Context, e fc.StationEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// seen returns the events heard so far, as kind/status/requestId.
func (r *recorder) seen() []fc.StationEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func TestObserverHearsStations(t *testing.T) {
	for _, version := range []string{fc.OCPP16, fc.OCPP201} {
		t.Run(version, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				w := seedWorld(t, s)
				rec := &recorder{}
				e := startServer(t, ocpp.Config{Store: s, Observer: rec})
				var st *station
				if version == fc.OCPP201 {
					st = connect201(t, e, w.Station.Identity, w.Password)
					st.call("FirmwareStatusNotification", map[string]any{"status": "Downloading", "requestId": 7}, nil)
					st.call("LogStatusNotification", map[string]any{"status": "Uploaded", "requestId": 8}, nil)
				} else {
					st = connect(t, e, w.Station.Identity, w.Password)
					st.call("FirmwareStatusNotification", map[string]string{"status": "Downloading"}, nil)
					st.call("DiagnosticsStatusNotification", map[string]string{"status": "Uploaded"}, nil)
				}
				st.ws.CloseNow()
				eventually(t, "disconnected", func() bool { return !e.srv.Online(w.Station.Identity) })
				eventually(t, "every event", func() bool { return len(rec.seen()) == 5 })
				want := []fc.StationEvent{
					{Kind: fc.EventConnected},
					{Kind: fc.EventBooted},
					{Kind: fc.EventFirmwareStatus, Status: "Downloading"},
					{Kind: fc.EventDiagnosticsStatus, Status: "Uploaded"},
					{Kind: fc.EventDisconnected},
				}
				if version == fc.OCPP201 {
					want[2].RequestID, want[3].RequestID = 7, 8
				}
				got := rec.seen()
				// The boot's event follows its answer, which the station
				// may have followed with the notifications at once.
				slices.SortStableFunc(got[1:4], func(a, b fc.StationEvent) int { return kindOrder(a.Kind) - kindOrder(b.Kind) })
				for i := range want {
					g := got[i]
					if g.StationID != w.Station.ID || g.ProviderID != w.Provider.ID || g.Identity != w.Station.Identity || g.OCPPVersion != version || g.At.IsZero() {
						t.Errorf("event %d names %d/%d/%q/%q at %v, want station %d of provider %d over %s", i, g.StationID, g.ProviderID, g.Identity, g.OCPPVersion, g.At, w.Station.ID, w.Provider.ID, version)
					}
					if g.Kind != want[i].Kind || g.Status != want[i].Status || g.RequestID != want[i].RequestID {
						t.Errorf("event %d: %s %q %d, want %s %q %d", i, g.Kind, g.Status, g.RequestID, want[i].Kind, want[i].Status, want[i].RequestID)
					}
				}
			})
		})
	}
}

// kindOrder orders the event kinds between connection and disconnection.
func kindOrder(kind string) int {
	return slices.Index([]string{fc.EventBooted, fc.EventFirmwareStatus, fc.EventDiagnosticsStatus}, kind)
}
