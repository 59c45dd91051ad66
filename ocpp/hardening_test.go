package ocpp_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// stationSessions counts the sessions stored for a station.
func stationSessions(t *testing.T, w *world, st *fc.Station) int {
	t.Helper()
	var n int
	if err := w.Store.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions WHERE station_id = $1`, int64(st.ID)).Scan(&n); err != nil {
		t.Fatalf("count sessions: %v", err)
	}
	return n
}

// waitOffline waits until the station is neither registered nor stored
// online.
func waitOffline(t *testing.T, w *world, e *endpoint, st *fc.Station) {
	t.Helper()
	eventually(t, st.Identity+" unregistered", func() bool { return !e.srv.Online(st.Identity) })
	eventually(t, st.Identity+" stored offline", func() bool { return connection(t, w, st) == fc.StationOffline })
}

// TestOversizedFrameClosesConnection checks that a frame over the read
// limit ends the connection with 1009 (message too big), that the socket is
// closed, and that the station is no longer online.
func TestOversizedFrameClosesConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		e := startServer(t, ocpp.Config{Store: s, ReadLimit: 1024})
		st := connect(t, e, w.Station.Identity, w.Password)
		st.send(`[2,"big","DataTransfer",{"vendorId":"x","data":"` + strings.Repeat("A", 4096) + `"}]`)
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_, _, err := st.ws.Read(ctx)
		if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
			t.Fatalf("close status %v (%v), want %v", got, err, websocket.StatusMessageTooBig)
		}
		waitOffline(t, w, e, w.Station)
		if n := e.srv.Connections(); n != 0 {
			t.Errorf("%d connections registered, want 0", n)
		}
	})
}

// TestHostileFramesCloseSocket sends broken frames from a bare TCP client
// that never answers a close frame (as an attacker holding descriptors
// would not): the server must close the socket itself, so the client's
// read ends, and the station must go offline.
func TestHostileFramesCloseSocket(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store, ReadLimit: 1024, WriteTimeout: 200 * time.Millisecond})
	addr := strings.TrimSuffix(strings.TrimPrefix(e.base, "ws://"), "/ocpp/")
	mask := []byte{1, 2, 3, 4}
	// header renders a client frame header: fin, opcode, masked, length.
	header := func(first byte, masked bool, length uint64) []byte {
		b := []byte{first}
		m := byte(0)
		if masked {
			m = 0x80
		}
		switch {
		case length < 126:
			b = append(b, m|byte(length))
		case length <= 0xffff:
			b = append(b, m|126, byte(length>>8), byte(length))
		default:
			b = append(b, m|127)
			b = binary.BigEndian.AppendUint64(b, length)
		}
		if masked {
			b = append(b, mask...)
		}
		return b
	}
	tests := []struct {
		name  string
		frame []byte
		code  uint16 // close code the server sends first
	}{
		// A text frame announcing a terabyte, of which a little arrives.
		{"frame over the read limit", append(header(0x81, true, 1<<40), make([]byte, 2048)...), 1009},
		{"reserved opcode", header(0x83, true, 0), 1002},
		{"unmasked client frame", append(header(0x81, false, 2), '[', ']'), 1002},
		{"reserved bit set", append(header(0xC1, true, 2), 'x', 'y'), 1002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rawUpgrade(addr, w.Station.Identity, w.Password)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			eventually(t, "online", func() bool { return e.srv.Online(w.Station.Identity) })
			if _, err := c.Write(tt.frame); err != nil {
				t.Fatalf("write: %v", err)
			}
			c.SetReadDeadline(time.Now().Add(testTimeout))
			got, err := io.ReadAll(c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept the socket open (read %d bytes)", len(got))
			}
			if len(got) < 4 || got[0] != 0x88 || binary.BigEndian.Uint16(got[2:4]) != tt.code {
				t.Errorf("first bytes % x, want a close frame with %d", got[:min(len(got), 4)], tt.code)
			}
			waitOffline(t, w, e, w.Station)
		})
	}
}

// TestCallsBeforeBootRefused checks OCPP 1.6, 4.2: a station that was
// never accepted by a BootNotification gets SecurityError for anything
// else, and nothing it sends is stored; once accepted, it charges, and a
// reconnection (which sends no BootNotification) keeps it accepted.
func TestCallsBeforeBootRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connectUnbooted(t, e, w.Station.Identity, w.Password)
		startTx := fmt.Sprintf(`{"connectorId":1,"idTag":%q,"meterStart":0,"timestamp":%q}`, w.Good.InternalID, ts(startedAt))
		for _, c := range []struct{ action, payload string }{
			{"StartTransaction", startTx},
			{"Authorize", fmt.Sprintf(`{"idTag":%q}`, w.Good.InternalID)},
			{"Heartbeat", `{}`},
			{"StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Charging"}`},
			{"StopTransaction", fmt.Sprintf(`{"transactionId":1,"meterStop":10,"timestamp":%q}`, ts(fixedNow))},
		} {
			if got := st.callError(c.action, c.payload); got != ocpp.CodeSecurityError {
				t.Errorf("%s before boot: %s, want %s", c.action, got, ocpp.CodeSecurityError)
			}
		}
		if n := stationSessions(t, w, w.Station); n != 0 {
			t.Fatalf("%d sessions stored before boot, want 0", n)
		}
		if got := storedStation(t, w, w.Station); got.LastHeartbeatAt != nil || got.LastBootAt != nil {
			t.Errorf("heartbeat %v, boot %v recorded before boot", got.LastHeartbeatAt, got.LastBootAt)
		}

		st.call("BootNotification", map[string]string{"chargePointVendor": "Alfen", "chargePointModel": "Eve"}, nil)
		if got := start(t, st, 1, w.Good.InternalID, 0); got.IDTagInfo.Status != fc.AuthAccepted {
			t.Errorf("start after boot: %s, want Accepted", got.IDTagInfo.Status)
		}

		// A reconnection without a reboot: the station stays accepted.
		st.ws.Close(websocket.StatusNormalClosure, "network change")
		waitOffline(t, w, e, w.Station)
		again := connectUnbooted(t, e, w.Station.Identity, w.Password)
		again.call("Heartbeat", struct{}{}, nil)
	})
}

// startAt sends a StartTransaction at a given time and returns the answer.
func startAt(t *testing.T, st *station, connector int, idTag string, meterStart int64, at time.Time) startAnswer {
	t.Helper()
	var got startAnswer
	st.call("StartTransaction", map[string]any{
		"connectorId": connector, "idTag": idTag, "meterStart": meterStart, "timestamp": ts(at),
	}, &got)
	return got
}

// TestStartSupersedesStaleSession checks that a start on a connector that
// still has an open session closes that one as superseded, at the new
// start, with its last meter reading, and that its card is not refused as
// ConcurrentTx because of it.
func TestStartSupersedesStaleSession(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		first := startAt(t, st, 1, w.Good.InternalID, 1000, startedAt)
		st.call("MeterValues", map[string]any{"connectorId": 1, "transactionId": first.TransactionID,
			"meterValue": []any{sample(startedAt.Add(10*time.Minute), "4000", "Wh")}}, nil)
		other := startAt(t, st, 2, w.Foreign.InternalID, 50, startedAt)

		// The station lost the first StopTransaction and starts again.
		secondAt := startedAt.Add(30 * time.Minute)
		second := startAt(t, st, 1, w.Good.InternalID, 5000, secondAt)
		if second.IDTagInfo.Status != fc.AuthAccepted {
			t.Errorf("second start: %s, want Accepted", second.IDTagInfo.Status)
		}
		old := session(t, w, first.TransactionID)
		if old.Active() || old.StopReason != store.StopSuperseded || !old.StoppedAt.Equal(secondAt) ||
			old.MeterStopWh == nil || *old.MeterStopWh != 4000 || old.EnergyWh != 3000 || old.DurationSeconds != 1800 {
			t.Errorf("superseded session: stopped %v, reason %q, meter stop %v, energy %d, duration %d; "+
				"want stopped %v as %q with 4000, 3000 Wh, 1800 s",
				old.StoppedAt, old.StopReason, old.MeterStopWh, old.EnergyWh, old.DurationSeconds, secondAt, store.StopSuperseded)
		}
		if !session(t, w, second.TransactionID).Active() || !session(t, w, other.TransactionID).Active() {
			t.Error("the new session or the other connector's session is not running")
		}
		// The card runs one session now: elsewhere it is concurrent.
		if got := startAt(t, st, 2, w.Good.InternalID, 0, secondAt.Add(time.Minute)); got.IDTagInfo.Status != fc.AuthConcurrentTx {
			t.Errorf("start elsewhere while running: %s, want ConcurrentTx", got.IDTagInfo.Status)
		}
		// A late stop of the superseded session changes nothing.
		st.call("StopTransaction", map[string]any{"transactionId": first.TransactionID, "meterStop": 9999, "timestamp": ts(secondAt.Add(time.Hour))}, nil)
		if got := session(t, w, first.TransactionID); got.StopReason != store.StopSuperseded || *got.MeterStopWh != 4000 {
			t.Errorf("after a late stop: reason %q, meter stop %d", got.StopReason, *got.MeterStopWh)
		}
	})
}

// TestNULAndInvalidText checks that text PostgreSQL cannot store (U+0000)
// and frames that are not UTF-8 are refused with a CALLERROR, never an
// internal error, and that nothing is stored.
func TestNULAndInvalidText(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		for _, c := range []struct{ action, payload string }{
			{"Authorize", `{"idTag":"AB\u0000CD"}`},
			{"StartTransaction", fmt.Sprintf(`{"connectorId":1,"idTag":"\u0000","meterStart":0,"timestamp":%q}`, ts(startedAt))},
			{"BootNotification", `{"chargePointVendor":"Al\u0000fen","chargePointModel":"Eve"}`},
			{"StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Available","info":"\u0000"}`},
			{"DataTransfer", `{"vendorId":"x","data":"a\u0000"}`},
		} {
			if got := st.callError(c.action, c.payload); got != ocpp.CodePropertyConstraintViolation {
				t.Errorf("%s %s: %s, want %s", c.action, c.payload, got, ocpp.CodePropertyConstraintViolation)
			}
		}
		st.sendType(websocket.MessageText, "[2,\"u1\",\"Authorize\",{\"idTag\":\"AB\xff\xfe\"}]")
		if f := st.read(); f.typ() != 4 || f.str(2) != ocpp.CodeFormationViolation {
			t.Errorf("invalid UTF-8: got %s, want a FormationViolation", f)
		}
		if n := stationSessions(t, w, w.Station); n != 0 {
			t.Errorf("%d sessions stored, want 0", n)
		}
		if got := storedStation(t, w, w.Station); got.Vendor != "Alfen" {
			t.Errorf("vendor %q, want the booted Alfen", got.Vendor)
		}
		// The connection still works.
		st.call("Heartbeat", struct{}{}, nil)
	})
}
