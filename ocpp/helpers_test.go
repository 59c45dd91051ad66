package ocpp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// testTimeout bounds every wait of a test on the wire, so that a bug fails
// the test instead of hanging it.
const testTimeout = 10 * time.Second

// fixedNow is the clock of the servers under test.
var fixedNow = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// quietLogger discards the server's logs.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// endpoint is an OCPP server under test, listening on 127.0.0.1.
type endpoint struct {
	srv  *ocpp.Server
	base string // ws://127.0.0.1:PORT/ocpp/
}

// startServer serves an ocpp.Server on cfg (Store must be set) on a
// loopback port until the test ends.
func startServer(t *testing.T, cfg ocpp.Config) *endpoint {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixedNow }
	}
	srv := ocpp.NewServer(cfg)
	mux := http.NewServeMux()
	mux.Handle("/ocpp/{identity}", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return &endpoint{srv: srv, base: "ws" + strings.TrimPrefix(ts.URL, "http") + "/ocpp/"}
}

// world is what the handler tests need in a real store: a provider with an
// account, a public office station with two connectors, and cards of every
// status; a restricted station that admits only the cards of the account
// Admitted; and a card of another account.
type world struct {
	Store      *store.Store
	Provider   *fc.Provider
	Account    *fc.Account
	Station    *fc.Station // public charge group
	Restricted *fc.Station // restricted charge group admitting Admitted's cards
	Password   string      // of both stations
	Good       *fc.Card    // active
	Blocked    *fc.Card    // inactive
	Expired    *fc.Card    // deactivated
	Foreign    *fc.Card    // active, of another account than Admitted
	Admitted   *fc.Account
}

// seq makes identities unique across the tests of a run (PostgreSQL
// schemas are fresh, but names read better unique anyway).
var seq atomic.Int64

// seedWorld builds a world in s.
func seedWorld(t *testing.T, s *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", what, err)
		}
	}
	w := &world{Store: s, Password: "station-password-0123456789"}
	w.Provider = &fc.Provider{Name: fmt.Sprintf("CPO %d", n)}
	must("provider", s.CreateProvider(ctx, w.Provider))
	org := &fc.Organization{ProviderID: w.Provider.ID, Name: "Holding"}
	must("organization", s.CreateOrganization(ctx, org))
	w.Account = &fc.Account{ProviderID: w.Provider.ID, OrganizationID: org.ID, Name: "Logistics", Kind: fc.AccountCompany}
	must("account", s.CreateAccount(ctx, w.Account))
	w.Admitted = &fc.Account{ProviderID: w.Provider.ID, OrganizationID: org.ID, Name: "Admitted", Kind: fc.AccountCompany}
	must("account", s.CreateAccount(ctx, w.Admitted))
	other := &fc.Account{ProviderID: w.Provider.ID, OrganizationID: org.ID, Name: "Other", Kind: fc.AccountCompany}
	must("account", s.CreateAccount(ctx, other))
	card := func(a *fc.Account, tag, status string) *fc.Card {
		c := &fc.Card{ProviderID: w.Provider.ID, AccountID: a.ID, InternalID: fmt.Sprintf("%s-%d", tag, n), ExternalID: fmt.Sprintf("EXT-%s-%d", tag, n), Status: status}
		must("card "+tag, s.CreateCard(ctx, c))
		return c
	}
	w.Good = card(w.Admitted, "GOOD", fc.CardActive)
	w.Blocked = card(w.Admitted, "BLOCKED", fc.CardInactive)
	w.Expired = card(w.Admitted, "EXPIRED", fc.CardDeactivated)
	w.Foreign = card(other, "FOREIGN", fc.CardActive)
	office := &fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Office", Kind: fc.LocationOffice, City: "Utrecht", Country: "NL"}
	must("location", s.CreateLocation(ctx, office))
	group := func(access string, admit []fc.ID) *fc.ChargeGroup {
		g := &fc.ChargeGroup{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: "Office " + access, Kind: fc.GroupOther,
			Access: access, AllowedAccountIDs: admit, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000, StartFeeMicros: 500000}}
		must("charge group", s.CreateChargeGroup(ctx, g))
		return g
	}
	public := group(fc.AccessPublic, nil)
	restricted := group(fc.AccessRestricted, []fc.ID{w.Admitted.ID})
	station := func(identity string, g *fc.ChargeGroup) *fc.Station {
		st := &fc.Station{ProviderID: w.Provider.ID, AccountID: w.Account.ID, LocationID: office.ID, ChargeGroupID: g.ID,
			Identity: identity, PasswordHash: secret.HashStationPassword(w.Password)}
		must("station "+identity, s.CreateStation(ctx, st, 2))
		return st
	}
	w.Station = station(fmt.Sprintf("CP-%d", n), public)
	w.Restricted = station(fmt.Sprintf("CP-R-%d", n), restricted)
	return w
}

// eachStore runs fn on a fresh store of every engine, seeded with a world,
// with a server on it.
func eachStore(t *testing.T, fn func(t *testing.T, w *world, e *endpoint)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		fn(t, w, startServer(t, ocpp.Config{Store: s}))
	})
}

// station is the test's charge point: a WebSocket client speaking raw
// OCPP-J frames.
type station struct {
	t  *testing.T
	ws *websocket.Conn
	n  int
}

// basicAuth renders an Authorization header value.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// dialRaw opens a WebSocket to the endpoint as identity with the given
// Authorization header and subprotocols.
func dialRaw(e *endpoint, identity, authorization string, subprotocols ...string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	return websocket.Dial(ctx, e.base+identity, &websocket.DialOptions{Subprotocols: subprotocols, HTTPHeader: h})
}

// connect connects a station with its password, waits until the server
// has registered it, and boots it (a BootNotification that must be
// accepted), as a station does after power-on.
func connect(t *testing.T, e *endpoint, identity, password string) *station {
	t.Helper()
	st := connectUnbooted(t, e, identity, password)
	var got struct {
		Status string `json:"status"`
	}
	st.call("BootNotification", map[string]string{"chargePointVendor": "Alfen", "chargePointModel": "Eve"}, &got)
	if got.Status != "Accepted" {
		t.Fatalf("boot %s: status %q, want Accepted", identity, got.Status)
	}
	return st
}

// connectUnbooted connects a station with its password and waits until the
// server has registered it; it sends nothing.
func connectUnbooted(t *testing.T, e *endpoint, identity, password string) *station {
	t.Helper()
	ws, _, err := dialRaw(e, identity, basicAuth(identity, password), ocpp.Subprotocol)
	if err != nil {
		t.Fatalf("connect %s: %v", identity, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	eventually(t, "station "+identity+" online", func() bool { return e.srv.Online(identity) })
	return &station{t: t, ws: ws}
}

// eventually waits until cond holds, polling; it fails the test after
// testTimeout.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send writes one raw frame.
func (s *station) send(frame string) {
	s.t.Helper()
	s.sendType(websocket.MessageText, frame)
}

func (s *station) sendType(typ websocket.MessageType, frame string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := s.ws.Write(ctx, typ, []byte(frame)); err != nil {
		s.t.Fatalf("send %s: %v", frame, err)
	}
}

// frame is a frame the station received, split into its elements.
type frame []json.RawMessage

func (f frame) typ() int {
	var v int
	_ = json.Unmarshal(f[0], &v)
	return v
}

func (f frame) str(i int) string {
	var v string
	_ = json.Unmarshal(f[i], &v)
	return v
}

// read reads the next frame.
func (s *station) read() frame {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, b, err := s.ws.Read(ctx)
	if err != nil {
		s.t.Fatalf("read: %v", err)
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil || len(f) < 3 {
		s.t.Fatalf("read: %q is not an OCPP-J frame", b)
	}
	return f
}

// callRaw sends a CALL with a raw payload and returns the answer frame,
// checking that it answers this CALL.
func (s *station) callRaw(action, payload string) frame {
	s.t.Helper()
	s.n++
	id := fmt.Sprintf("c%d", s.n)
	s.send(fmt.Sprintf(`[2,%q,%q,%s]`, id, action, payload))
	f := s.read()
	if f.str(1) != id {
		s.t.Fatalf("%s: answer to %q, want to %q: %s", action, f.str(1), id, f)
	}
	return f
}

// call sends a CALL and decodes its CALLRESULT into out; a CALLERROR fails
// the test.
func (s *station) call(action string, payload any, out any) {
	s.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		s.t.Fatal(err)
	}
	f := s.callRaw(action, string(b))
	if f.typ() != 3 {
		s.t.Fatalf("%s %s: got %s, want a CALLRESULT", action, b, f)
	}
	if out != nil {
		if err := json.Unmarshal(f[2], out); err != nil {
			s.t.Fatalf("%s: decode %s: %v", action, f[2], err)
		}
	}
}

// callError sends a CALL and returns the code of the CALLERROR it must get.
func (s *station) callError(action, payload string) string {
	s.t.Helper()
	f := s.callRaw(action, payload)
	if f.typ() != 4 || len(f) != 5 {
		s.t.Fatalf("%s %s: got %s, want a CALLERROR", action, payload, f)
	}
	return f.str(2)
}

// idTagInfo is the part of answers the tests read.
type idTagInfo struct {
	Status string `json:"status"`
}

// ts renders a time as an OCPP dateTime.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// shutdown closes the endpoint while its stations read, as live stations
// do, so that the close handshakes complete at once.
func shutdown(t *testing.T, e *endpoint, stations ...*station) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- e.srv.Close() }()
	for _, st := range stations {
		_, _, err := st.ws.Read(t.Context())
		if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
			t.Errorf("close status %v (%v), want %v", got, err, websocket.StatusGoingAway)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Close: %v", err)
	}
}
