package loadgen_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/loadgen"
	"github.com/fleetcharge/fleetcharge/ocpp"
)

// firmwareEvents keeps the firmware statuses the stations report.
type firmwareEvents struct {
	mu     sync.Mutex
	events map[string][]fc.StationEvent // by identity
}

func (f *firmwareEvents) StationEvent(ctx context.Context, e fc.StationEvent) {
	if e.Kind != fc.EventFirmwareStatus {
		return
	}
	f.mu.Lock()
	f.events[e.Identity] = append(f.events[e.Identity], e)
	f.mu.Unlock()
}

// TestSimulatedFirmwareUpdate: a simulated station of either version
// accepts UpdateFirmware and reports Downloading, Downloaded, Installing
// and Installed, on OCPP 2.0.1 with the request's requestId.
func TestSimulatedFirmwareUpdate(t *testing.T) {
	for _, version := range []string{loadgen.OCPP16, loadgen.OCPP201} {
		t.Run(version, func(t *testing.T) {
			b := startBackOffice(t, "sqlite", 2)
			rec := &firmwareEvents{events: map[string][]fc.StationEvent{}}
			srv := ocpp.NewServer(ocpp.Config{Store: b.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observer: rec})
			old := b.srv
			b.srv = srv
			b.h.cur.Store(srv)
			old.Close()
			cfg := b.config(2)
			cfg.OCPP, cfg.Duration = version, 8*time.Second
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan *loadgen.OCPPResult, 1)
			go func() {
				res, _ := loadgen.RunOCPP(ctx, cfg)
				done <- res
			}()
			identity := cfg.Identity(0)
			req := map[string]any{"location": "https://fw.example/1.bin", "retrieveDate": time.Now().UTC().Format(time.RFC3339)}
			action := "UpdateFirmware"
			if version == loadgen.OCPP201 {
				req = map[string]any{"requestId": 42, "firmware": map[string]any{"location": "https://fw.example/1.bin",
					"retrieveDateTime": time.Now().UTC().Format(time.RFC3339)}}
			}
			var reply json.RawMessage
			var err error
			for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
				if reply, err = srv.Call(ctx, identity, action, req); !fc.IsCode(err, fc.EConflict) {
					break
				}
			}
			if err != nil {
				t.Fatalf("UpdateFirmware: %v", err)
			}
			if version == loadgen.OCPP201 && string(reply) != `{"status":"Accepted"}` {
				t.Errorf("answer %s", reply)
			}
			var got []string
			for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && len(got) < 4; time.Sleep(20 * time.Millisecond) {
				rec.mu.Lock()
				got = got[:0]
				for _, e := range rec.events[identity] {
					got = append(got, e.Status)
					if version == loadgen.OCPP201 && e.RequestID != 42 {
						t.Errorf("%s without the requestId: %+v", e.Status, e)
					}
				}
				rec.mu.Unlock()
			}
			if want := []string{"Downloading", "Downloaded", "Installing", "Installed"}; !slices.Equal(got, want) {
				t.Errorf("statuses %v, want %v", got, want)
			}
			// The run ends by itself, its result counting the update.
			defer cancel()
			if res := <-done; res == nil || res.FirmwareInstalled != 1 {
				t.Errorf("the run's result: %+v, want one firmware update installed", res)
			}
		})
	}
}
