package ocpp_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/secret"
)

// nullStore knows every identity, with one password, and keeps nothing: the
// memory test measures the endpoint, not a database.
type nullStore struct{ hash string }

func (n nullStore) StationByIdentity(_ context.Context, identity string) (*fc.Station, error) {
	return &fc.Station{ID: 1, Identity: identity, PasswordHash: n.hash}, nil
}
func (nullStore) RecordBoot(context.Context, fc.ID, fc.BootInfo, time.Time) error     { return nil }
func (nullStore) SetConnection(context.Context, fc.ID, bool, string, time.Time) error { return nil }
func (nullStore) RecordHeartbeat(context.Context, fc.ID, time.Time) error             { return nil }
func (nullStore) RecordStatus(context.Context, fc.ID, int, string, string, time.Time) error {
	return nil
}
func (nullStore) RecordStatusReport(context.Context, fc.StatusReport) error { return nil }
func (nullStore) CardAuth(context.Context, fc.ID, string) (fc.CardAuth, error) {
	return fc.CardAuth{}, nil
}
func (nullStore) StartTransaction(context.Context, fc.StartTransaction) (*fc.Session, bool, error) {
	return &fc.Session{ID: 1}, true, nil
}
func (nullStore) RecordMeter(context.Context, fc.ID, fc.ID, int64, time.Time) error { return nil }
func (nullStore) RecordMeterValues(context.Context, fc.ID, fc.ID, *int64, time.Time, []fc.MeterSample) error {
	return nil
}
func (nullStore) StopTransaction(context.Context, fc.StopTransaction) (*fc.Session, error) {
	return &fc.Session{ID: 1}, nil
}
func (nullStore) TransactionEvent(context.Context, fc.TransactionEvent) (fc.TransactionEventResult, error) {
	return fc.TransactionEventResult{Session: &fc.Session{ID: 1}, Created: true}, nil
}
func (nullStore) StationTransactionID(context.Context, fc.ID, fc.ID) (string, error) { return "", nil }
func (nullStore) RecordDeviceModel(context.Context, fc.ID, []fc.DeviceVariable, time.Time) error {
	return nil
}
func (nullStore) RecordSecurityEvent(context.Context, fc.SecurityEvent) error     { return nil }
func (nullStore) DeviceModel(context.Context, fc.ID) ([]fc.DeviceVariable, error) { return nil, nil }
func (nullStore) SecurityEvents(context.Context, fc.ID, int) ([]fc.SecurityEvent, error) {
	return nil, nil
}
func (nullStore) SeqGapSessions(context.Context, fc.ID, int) ([]fc.Session, error) { return nil, nil }
func (nullStore) EndReservation(context.Context, fc.ID, int, string, time.Time) (bool, error) {
	return false, nil
}

// rawUpgrade opens a WebSocket with a bare TCP connection and a handwritten
// handshake, so that the client side costs next to nothing in this process.
func rawUpgrade(addr, identity, password string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c, "GET /ocpp/%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"+
		"Authorization: %s\r\n\r\n", identity, addr, basicAuth(identity, password))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("upgrade %s: %v %v", identity, resp, err)
	}
	return c, nil
}

// TestIdleConnectionMemory checks that an idle station connection costs
// the server less than 64 KiB (heap and stack).
func TestIdleConnectionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections")
	}
	const n = 300
	password := "station-password-0123456789"
	e := startServer(t, ocpp.Config{Store: nullStore{hash: secret.HashStationPassword(password)}})
	addr := strings.TrimSuffix(strings.TrimPrefix(e.base, "ws://"), "/ocpp/")
	// Warm up the pools and lazily built state of the server.
	if c, err := rawUpgrade(addr, "WARM", password); err == nil {
		c.Close()
	}
	before := memInUse()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := rawUpgrade(addr, fmt.Sprintf("CP%04d", i), password)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	eventually(t, "every station online", func() bool { return e.srv.Connections() >= n })
	per := (memInUse() - before) / n
	t.Logf("%d bytes per idle connection", per)
	if per > 64<<10 {
		t.Errorf("an idle connection costs %d bytes, want under 64 KiB", per)
	}
}

// memInUse returns the heap and stack memory in use after a collection.
func memInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// TestMassDisconnect drops hundreds of stations at once while the back
// office is calling them: every call ends, every connection is let go, and
// the server keeps accepting stations.
func TestMassDisconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections")
	}
	const n = 200
	password := "station-password-0123456789"
	e := startServer(t, ocpp.Config{Store: nullStore{hash: secret.HashStationPassword(password)}, CallTimeout: time.Minute})
	addr := strings.TrimSuffix(strings.TrimPrefix(e.base, "ws://"), "/ocpp/")
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := rawUpgrade(addr, fmt.Sprintf("CP%04d", i), password)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	eventually(t, "every station online", func() bool { return e.srv.Connections() == n })
	calls := make(chan error, n)
	for i := range n {
		go func() {
			_, err := e.srv.Reset(t.Context(), fmt.Sprintf("CP%04d", i), "Hard")
			calls <- err
		}()
	}
	for _, c := range conns {
		c.Close()
	}
	for range n {
		if err := <-calls; !fc.IsCode(err, fc.EUnavailable) && !fc.IsCode(err, fc.EConflict) {
			t.Fatalf("call to a dropped station: %v, want unavailable or conflict", err)
		}
	}
	eventually(t, "every station let go", func() bool { return e.srv.Connections() == 0 })
	c, err := rawUpgrade(addr, "CP-AFTER", password)
	if err != nil {
		t.Fatalf("connect after the mass disconnect: %v", err)
	}
	c.Close()
}
