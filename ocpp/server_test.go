package ocpp_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// connection returns the stored connection state of a station.
func connection(t *testing.T, w *world, st *fc.Station) string {
	t.Helper()
	got, err := w.Store.Station(context.Background(), fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, st.ID)
	if err != nil {
		t.Fatalf("station %s: %v", st.Identity, err)
	}
	return got.Connection
}

func TestUpgradeRefused(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	id := w.Station.Identity
	tests := []struct {
		name, identity, auth string
	}{
		{"no credentials", id, ""},
		{"wrong password", id, basicAuth(id, "not-the-password")},
		{"empty password", id, basicAuth(id, "")},
		{"username is not the identity", id, basicAuth(w.Restricted.Identity, w.Password)},
		{"unknown station", "CP-NOBODY", basicAuth("CP-NOBODY", w.Password)},
		{"not basic", id, "Bearer " + w.Password},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, resp, err := dialRaw(e, tt.identity, tt.auth, ocpp.Subprotocol)
			if err == nil {
				ws.CloseNow()
				t.Fatal("the upgrade succeeded")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("response %v, want 401", resp)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if got := connection(t, w, w.Station); got != fc.StationOffline {
		t.Errorf("connection = %s after refused upgrades, want offline", got)
	}
}

func TestSubprotocolRequired(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	for _, protocols := range [][]string{nil, {"ocpp2.1"}, {"ocpp1.5"}} {
		ws, _, err := dialRaw(e, w.Station.Identity, basicAuth(w.Station.Identity, w.Password), protocols...)
		if err != nil {
			t.Fatalf("%v: dial: %v", protocols, err)
		}
		_, _, err = ws.Read(t.Context())
		if got := websocket.CloseStatus(err); got != websocket.StatusProtocolError {
			t.Errorf("%v: close status %v (%v), want %v", protocols, got, err, websocket.StatusProtocolError)
		}
		ws.CloseNow()
	}
	if e.srv.Online(w.Station.Identity) {
		t.Error("a station without the subprotocol is online")
	}
}

func TestConnectionState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		e := startServer(t, ocpp.Config{Store: s})
		st := connect(t, e, w.Station.Identity, w.Password)
		if got := connection(t, w, w.Station); got != fc.StationOnline {
			t.Fatalf("connection = %s, want online", got)
		}
		if e.srv.Online(w.Restricted.Identity) {
			t.Error("a station that never connected is online")
		}
		st.ws.Close(websocket.StatusNormalClosure, "bye")
		eventually(t, "offline", func() bool { return !e.srv.Online(w.Station.Identity) })
		eventually(t, "stored offline", func() bool { return connection(t, w, w.Station) == fc.StationOffline })
	})
}

// TestReplacedConnection checks that a second connection of an identity
// replaces the first, which is closed, and that the station stays online.
func TestReplacedConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		e := startServer(t, ocpp.Config{Store: s})
		first := connect(t, e, w.Station.Identity, w.Password)
		second := connect(t, e, w.Station.Identity, w.Password)
		_, _, err := first.ws.Read(t.Context())
		if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
			t.Fatalf("first connection: close status %v (%v), want %v", got, err, websocket.StatusPolicyViolation)
		}
		second.call("Heartbeat", struct{}{}, nil)
		if !e.srv.Online(w.Station.Identity) || e.srv.Connections() != 1 {
			t.Fatalf("online %v with %d connections, want online with 1", e.srv.Online(w.Station.Identity), e.srv.Connections())
		}
		if got := connection(t, w, w.Station); got != fc.StationOnline {
			t.Errorf("stored connection = %s, want online", got)
		}
		// The server still calls the station on its new connection.
		go func() {
			f := second.read()
			second.send(`[3,` + string(f[1]) + `,{"status":"Accepted"}]`)
		}()
		if got, err := e.srv.ClearCache(t.Context(), w.Station.Identity); err != nil || got != "Accepted" {
			t.Errorf("ClearCache = %q, %v, want Accepted", got, err)
		}
	})
}

// TestClose checks the graceful shutdown: stations are told 1001 and stored
// offline, and new connections are refused.
func TestClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		e := startServer(t, ocpp.Config{Store: s})
		a := connect(t, e, w.Station.Identity, w.Password)
		b := connect(t, e, w.Restricted.Identity, w.Password)
		shutdown(t, e, a, b)
		for _, st := range []*fc.Station{w.Station, w.Restricted} {
			if got := connection(t, w, st); got != fc.StationOffline {
				t.Errorf("%s: stored connection = %s after Close, want offline", st.Identity, got)
			}
		}
		_, resp, err := dialRaw(e, w.Station.Identity, basicAuth(w.Station.Identity, w.Password), ocpp.Subprotocol)
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("connect after Close: %v, %v; want 503", resp, err)
		}
	})
}

// flakyStore is a real store whose charging calls named in down fail, as
// when the database is unreachable.
type flakyStore struct {
	fc.ChargingStore
	mu   sync.Mutex
	down map[string]bool
}

func (f *flakyStore) fail(method string, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down == nil {
		f.down = map[string]bool{}
	}
	f.down[method] = down
}

func (f *flakyStore) err(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[method] {
		return errors.New("dial tcp 10.0.0.7:5432: connection refused")
	}
	return nil
}

func (f *flakyStore) SetConnection(ctx context.Context, id fc.ID, online bool, version string, at time.Time) error {
	if err := f.err("SetConnection"); err != nil {
		return err
	}
	return f.ChargingStore.SetConnection(ctx, id, online, version, at)
}

func (f *flakyStore) StopTransaction(ctx context.Context, t fc.StopTransaction) (*fc.Session, error) {
	if err := f.err("StopTransaction"); err != nil {
		return nil, err
	}
	return f.ChargingStore.StopTransaction(ctx, t)
}

func TestConnectWhileStoreDown(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	flaky := &flakyStore{ChargingStore: w.Store}
	e := startServer(t, ocpp.Config{Store: flaky})
	flaky.fail("SetConnection", true)
	ws, _, err := dialRaw(e, w.Station.Identity, basicAuth(w.Station.Identity, w.Password), ocpp.Subprotocol)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_, _, err = ws.Read(t.Context())
	if got := websocket.CloseStatus(err); got != websocket.StatusTryAgainLater {
		t.Fatalf("close status %v (%v), want %v", got, err, websocket.StatusTryAgainLater)
	}
	if e.srv.Online(w.Station.Identity) {
		t.Error("online although its connection was refused")
	}
	flaky.fail("SetConnection", false)
	connect(t, e, w.Station.Identity, w.Password).call("Heartbeat", struct{}{}, nil)
}
