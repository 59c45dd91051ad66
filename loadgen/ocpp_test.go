package loadgen_test

import (
	"context"
	"database/sql"
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

	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/loadgen"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

const stationPassword = "load-test-password"

// backOffice is a generated provider in a fresh database with an OCPP
// endpoint on it.
type backOffice struct {
	url    string // database URL
	store  *store.Store
	h      *swappable
	srv    *ocpp.Server
	ws     string // ws://127.0.0.1:PORT/ocpp
	prefix string // identity prefix of the generated stations
	db     *loadgen.DB
}

// swappable serves whichever OCPP server is current, so that a test can
// restart the endpoint on the same address.
type swappable struct{ cur atomic.Pointer[ocpp.Server] }

func (h *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.cur.Load().ServeHTTP(w, r) }

// startBackOffice generates a small provider (stations with the known
// password) in a fresh database of the engine and serves OCPP on it.
func startBackOffice(t *testing.T, engine string, stations int) *backOffice {
	t.Helper()
	ctx := context.Background()
	b := &backOffice{url: storetest.URL(t, engine)}
	s, err := store.Open(ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sz := demo.Sizes{Orgs: 2, Accounts: 3, Cards: 10 * stations, Stations: stations, StationPassword: stationPassword, Seed: 7}
	if err := demo.Generate(ctx, s, sz, nil); err != nil {
		t.Fatal(err)
	}
	providers, err := s.Providers(ctx)
	if err != nil || len(providers) != 1 {
		t.Fatalf("providers %v, %v; want one", providers, err)
	}
	b.prefix = fmt.Sprintf("P%d-S", providers[0].ID)
	b.store, b.h = s, &swappable{}
	b.restart()
	mux := http.NewServeMux()
	mux.Handle("/ocpp/{identity}", b.h)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		b.srv.Close()
		ts.Close()
	})
	b.ws = "ws" + strings.TrimPrefix(ts.URL, "http") + "/ocpp"
	if b.db, err = loadgen.OpenDB(ctx, b.url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.db.Close() })
	return b
}

// restart replaces the OCPP server with a new one on the same store, as a
// restarted process would: the old one closes every connection.
func (b *backOffice) restart() {
	old := b.srv
	b.srv = ocpp.NewServer(ocpp.Config{Store: b.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	b.h.cur.Store(b.srv)
	if old != nil {
		old.Close()
	}
}

// config is a short run of n stations against b.
func (b *backOffice) config(n int) loadgen.OCPPConfig {
	return loadgen.OCPPConfig{
		URL: b.ws, Stations: n, Prefix: b.prefix, Password: stationPassword,
		Duration: 1500 * time.Millisecond, Grace: 10 * time.Second,
		CallTimeout: 10 * time.Second, ReconnectDelay: 200 * time.Millisecond, Seed: 1,
	}
}

// TestChargingCountsMatch runs stations that charge against an in-process
// server, in each OCPP version, and checks the run's books against the
// database: every acknowledged stop is one stored session, nothing else is
// stored.
func TestChargingCountsMatch(t *testing.T) {
	for _, engine := range storetest.Engines() {
		for _, tc := range []struct {
			version string
			n       int
		}{{loadgen.OCPP16, 4}, {loadgen.OCPP201, 20}} {
			t.Run(engine+"/"+tc.version, func(t *testing.T) {
				testChargingCountsMatch(t, engine, tc.version, tc.n)
			})
		}
	}
}

func testChargingCountsMatch(t *testing.T, engine, version string, n int) {
	b := startBackOffice(t, engine, n)
	ctx := context.Background()
	cfg := b.config(n)
	cfg.OCPP = version
	cfg.TxInterval, cfg.TxDuration, cfg.MeterValues = 100*time.Millisecond, 60*time.Millisecond, 2
	var err error
	if cfg.Tags, err = b.db.Tags(ctx, b.prefix); err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.Tags.ByStation); got != n {
		t.Errorf("%d stations have idTags of their own, want %d", got, n)
	}
	since := time.Now()
	res, err := loadgen.RunOCPP(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// How many stations boot and charge within the short run depends on
	// the machine's load; the books below must balance whatever it is.
	if res.Booted < 1 || res.Booted > int64(n) || res.PeakConnected > int64(n) {
		t.Errorf("booted %d, peak connected %d; want 1 to %d", res.Booted, res.PeakConnected, n)
	} else if res.Booted < int64(n) {
		t.Logf("%d of %d stations booted within the run", res.Booted, n)
	}
	// An InternalError is the server's to give (PostgreSQL can fail
	// a transaction that conflicts with another) and the station's
	// to retry; the books must balance all the same.
	for kind, n := range res.Errors {
		if strings.HasSuffix(kind, ": InternalError") {
			t.Logf("%d × %s, retried", n, kind)
			continue
		}
		t.Errorf("error %q × %d", kind, n)
	}
	if res.TxStopped < 1 {
		t.Fatalf("no transaction stopped")
	}
	if res.TxStarted != res.TxStopped || int64(len(res.Stopped)) != res.TxStopped {
		t.Errorf("started %d, stopped %d, stopped IDs %d; want all equal", res.TxStarted, res.TxStopped, len(res.Stopped))
	}
	if got := res.AuthStatus["start: Accepted"]; got != res.TxStarted {
		t.Errorf("%d starts accepted, want all %d (status %v)", got, res.TxStarted, res.AuthStatus)
	}
	if got := res.AuthStatus["authorize: Accepted"]; got < res.TxStarted {
		t.Errorf("%d authorizations accepted for %d transactions (status %v)", got, res.TxStarted, res.AuthStatus)
	}
	// Each transaction sends at most 2 readings, and fewer when the end of
	// the run cuts it short, which on a busy machine may come before its
	// first: so the readings are bounded above, and some must have come.
	readings, start, stop := "MeterValues", "StartTransaction", "StopTransaction"
	if version == loadgen.OCPP201 {
		readings, start, stop = "TransactionEvent Updated", "TransactionEvent Started", "TransactionEvent Ended"
	}
	if got, most := res.Latency[readings].Count, 2*int(res.TxStopped); got < 1 || got > most {
		t.Errorf("%d %s for %d transactions, want 1 to %d", got, readings, res.TxStopped, most)
	}
	// A CALLERROR answer counts too: a start or stop retried after an
	// InternalError counts twice.
	if got, want := res.Latency[start].Count+res.Latency[stop].Count, 2*int(res.TxStopped); got < want {
		t.Errorf("%d %s and %s answered for %d transactions, want %d or more", got, start, stop, res.TxStopped, want)
	}
	v, err := b.db.Verify(ctx, b.prefix, since, res.Stopped)
	if err != nil {
		t.Fatal(err)
	}
	want := loadgen.Verification{Acknowledged: int(res.TxStopped), Stored: int(res.TxStopped)}
	if *v != want || !v.OK() {
		t.Errorf("verification %+v, want %+v", *v, want)
	}

	// A stop the run did not see stored is a lost session.
	madeUp := loadgen.Ack{Session: 1_000_000}
	if version == loadgen.OCPP201 {
		madeUp = loadgen.Ack{Station: cfg.Identity(0), TxID: "never-sent"}
	}
	v, err = b.db.Verify(ctx, b.prefix, since, append(res.Stopped, madeUp, res.Stopped[0]))
	if err != nil {
		t.Fatal(err)
	}
	if v.Lost != 1 || v.Duplicates != 1 || v.OK() {
		t.Errorf("with a made-up acknowledgement: %+v, want 1 lost, 1 duplicate, not OK", *v)
	}
}

// TestServerRestart restarts the endpoint while stations charge, in each
// OCPP version: they reconnect, boot again and send the transaction
// messages in flight again, and every acknowledged stop is still one
// stored session.
func TestServerRestart(t *testing.T) {
	for _, version := range []string{loadgen.OCPP16, loadgen.OCPP201} {
		t.Run(version, func(t *testing.T) { testServerRestart(t, version) })
	}
}

func testServerRestart(t *testing.T, version string) {
	const n = 4
	b := startBackOffice(t, "sqlite", n)
	ctx := context.Background()
	cfg := b.config(n)
	cfg.OCPP = version
	cfg.Duration = 3 * time.Second
	cfg.TxInterval, cfg.TxDuration, cfg.MeterValues = 50*time.Millisecond, 100*time.Millisecond, 3
	var err error
	if cfg.Tags, err = b.db.Tags(ctx, b.prefix); err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	done := make(chan *loadgen.OCPPResult, 1)
	go func() {
		res, _ := loadgen.RunOCPP(ctx, cfg)
		done <- res
	}()
	waitFor(t, "every station online", func() bool { return b.srv.Connections() == n })
	time.Sleep(500 * time.Millisecond)
	b.restart()
	res := <-done
	if res == nil {
		t.Fatal("the run returned no result")
	}
	if res.Connects < 2*n {
		t.Errorf("%d connections, want every station reconnected (%d or more)", res.Connects, 2*n)
	}
	if res.TxStopped == 0 || res.TxStarted != res.TxStopped {
		t.Errorf("%d started, %d stopped; want all started stopped", res.TxStarted, res.TxStopped)
	}
	v, err := b.db.Verify(ctx, b.prefix, since, res.Stopped)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Open != 0 || v.Unacknowledged != 0 || v.Duplicates != 0 {
		t.Errorf("verification %+v, want every acknowledged stop stored once and nothing open", *v)
	}
}

// TestServerCalls checks that the simulated stations answer the back
// office's calls as the OCPP 1.6 schemas want (the server validates every
// answer) and act on them: a remote start charges, a reset reconnects.
func TestServerCalls(t *testing.T) {
	b := startBackOffice(t, "sqlite", 2)
	ctx := context.Background()
	cfg := b.config(2)
	cfg.Duration = 20 * time.Second
	cfg.TxDuration = 50 * time.Millisecond
	tags, err := b.db.Tags(ctx, b.prefix)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan *loadgen.OCPPResult, 1)
	since := time.Now()
	go func() {
		res, _ := loadgen.RunOCPP(runCtx, cfg)
		done <- res
	}()
	one, two := cfg.Identity(0), cfg.Identity(1)
	waitFor(t, "both stations online", func() bool { return b.srv.Online(one) && b.srv.Online(two) })

	check := func(what, got string, err error, want string) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", what, got, err, want)
		}
	}
	conf, err := b.srv.GetConfiguration(ctx, one, "HeartbeatInterval", "NoSuchKey")
	if err != nil {
		t.Errorf("GetConfiguration: %v", err)
	} else if len(conf.Keys) != 1 || len(conf.Unknown) != 1 {
		t.Errorf("GetConfiguration: %+v, want one key and one unknown", conf)
	}
	got, err := b.srv.TriggerMessage(ctx, one, "Heartbeat", 0)
	check("TriggerMessage", got, err, "Accepted")
	got, err = b.srv.ChangeAvailability(ctx, one, 1, "Inoperative")
	check("ChangeAvailability", got, err, "Accepted")
	got, err = b.srv.UnlockConnector(ctx, one, 1)
	check("UnlockConnector", got, err, "Unlocked")
	got, err = b.srv.ClearCache(ctx, one)
	check("ClearCache", got, err, "Accepted")
	got, err = b.srv.ChangeConfiguration(ctx, one, "HeartbeatInterval", "60")
	check("ChangeConfiguration", got, err, "NotSupported")
	got, err = b.srv.RemoteStartTransaction(ctx, one, 1, tags.For(one, 0)[0])
	check("RemoteStartTransaction", got, err, "Accepted")
	got, err = b.srv.Reset(ctx, two, "Soft")
	check("Reset", got, err, "Accepted")

	waitFor(t, "the reset station back", func() bool { return b.srv.Online(two) })
	time.Sleep(300 * time.Millisecond) // the remote transaction takes 50 ms
	cancel()
	res := <-done
	if res == nil {
		t.Fatal("the run returned no result")
	}
	if res.Connects != 3 {
		t.Errorf("%d connections, want 3 (two and the reset station's second)", res.Connects)
	}
	for _, a := range []string{"GetConfiguration", "TriggerMessage", "ChangeAvailability", "UnlockConnector", "ClearCache", "ChangeConfiguration", "RemoteStartTransaction", "Reset"} {
		if res.ServerCalls[a] != 1 {
			t.Errorf("server calls %v, want one %s", res.ServerCalls, a)
		}
	}
	if res.TxStopped != 1 {
		t.Errorf("%d transactions stopped, want the remote one", res.TxStopped)
	}
	v, err := b.db.Verify(ctx, b.prefix, since, res.Stopped)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Stored != 1 {
		t.Errorf("verification %+v, want the one remote transaction stored", *v)
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServerCalls201 checks that OCPP 2.0.1 stations answer the back
// office's calls as the OCPP 2.0.1 schemas want (the server validates every
// answer) and act on them: a base report is sent as NotifyReport, a remote
// start charges until the remote stop names the station's transaction, a
// reset reboots.
func TestServerCalls201(t *testing.T) {
	b := startBackOffice(t, "sqlite", 2)
	ctx := context.Background()
	cfg := b.config(2)
	cfg.OCPP = loadgen.OCPP201
	cfg.Duration, cfg.TxDuration = 30*time.Second, 20*time.Second
	tags, err := b.db.Tags(ctx, b.prefix)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", strings.TrimPrefix(b.url, "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan *loadgen.OCPPResult, 1)
	since := time.Now()
	go func() {
		res, _ := loadgen.RunOCPP(runCtx, cfg)
		done <- res
	}()
	one, two := cfg.Identity(0), cfg.Identity(1)
	waitFor(t, "both stations online", func() bool { return b.srv.Online(one) && b.srv.Online(two) })

	call := func(identity, action, request string) map[string]any {
		t.Helper()
		got, err := b.srv.Call(ctx, identity, action, json.RawMessage(request))
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var out map[string]any
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return out
	}
	for _, c := range []struct{ action, request, want string }{
		{"TriggerMessage", `{"requestedMessage":"Heartbeat"}`, "Accepted"},
		{"TriggerMessage", `{"requestedMessage":"LogStatusNotification"}`, "NotImplemented"},
		{"ChangeAvailability", `{"operationalStatus":"Inoperative","evse":{"id":1}}`, "Accepted"},
		{"UnlockConnector", `{"evseId":1,"connectorId":1}`, "Unlocked"},
		{"ClearCache", `{}`, "Accepted"},
		{"GetBaseReport", `{"requestId":1,"reportBase":"FullInventory"}`, "Accepted"},
	} {
		if got := call(one, c.action, c.request)["status"]; got != c.want {
			t.Errorf("%s %s: status %v, want %s", c.action, c.request, got, c.want)
		}
	}
	vars := call(one, "GetVariables", `{"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}},
		{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"NoSuchVariable"}},{"component":{"name":"NoSuchComponent"},"variable":{"name":"X"}}]}`)
	if got := fmt.Sprint(statuses(vars["getVariableResult"], "attributeStatus")); got != "[Accepted UnknownVariable UnknownComponent]" {
		t.Errorf("GetVariables: %v, want Accepted, UnknownVariable, UnknownComponent", vars)
	}
	set := call(one, "SetVariables", `{"setVariableData":[{"attributeValue":"60","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`)
	if got := fmt.Sprint(statuses(set["setVariableResult"], "attributeStatus")); got != "[Rejected]" {
		t.Errorf("SetVariables: %v, want Rejected", set)
	}

	// The report's NotifyReport fills in the station's device model.
	waitFor(t, "the device model reported", func() bool {
		var n int
		err := db.QueryRow(`SELECT COUNT(*) FROM device_variables d JOIN stations s ON s.id = d.station_id
			WHERE s.identity = ? AND d.component = 'OCPPCommCtrlr' AND d.variable = 'HeartbeatInterval' AND d.value <> ''`, one).Scan(&n)
		return err == nil && n == 1
	})

	// The remote start runs under the station's own transaction ID.
	start := `{"idToken":{"idToken":"` + tags.For(one, 0)[0] + `","type":"ISO14443"},"remoteStartId":7,"evseId":1}`
	if got := call(one, "RequestStartTransaction", start)["status"]; got != "Accepted" {
		t.Errorf("RequestStartTransaction: %v, want Accepted", got)
	}
	var txID string
	waitFor(t, "the remote transaction stored", func() bool {
		return db.QueryRow(`SELECT station_tx_id FROM sessions WHERE station_tx_id IS NOT NULL AND stopped_at IS NULL`).Scan(&txID) == nil
	})
	// The server stores the transaction before the station has read the
	// answer to its TransactionEvent, so the station may not know it yet.
	waitFor(t, "GetTransactionStatus of the running transaction to say ongoing", func() bool {
		return call(one, "GetTransactionStatus", `{"transactionId":"`+txID+`"}`)["ongoingIndicator"] == true
	})
	if got := call(one, "RequestStopTransaction", `{"transactionId":"no-such-transaction"}`)["status"]; got != "Rejected" {
		t.Errorf("RequestStopTransaction of another transaction: %v, want Rejected", got)
	}
	if got := call(one, "RequestStopTransaction", `{"transactionId":"`+txID+`"}`)["status"]; got != "Accepted" {
		t.Errorf("RequestStopTransaction: %v, want Accepted", got)
	}
	var bootedBefore int64
	if err := db.QueryRow(`SELECT last_boot_at FROM stations WHERE identity = ?`, two).Scan(&bootedBefore); err != nil {
		t.Fatal(err)
	}
	if got := call(two, "Reset", `{"type":"Immediate"}`)["status"]; got != "Accepted" {
		t.Errorf("Reset: %v, want Accepted", got)
	}
	var reason string
	waitFor(t, "the remote transaction stopped", func() bool {
		return db.QueryRow(`SELECT stop_reason FROM sessions WHERE station_tx_id = ? AND stopped_at IS NOT NULL`, txID).Scan(&reason) == nil
	})
	if reason != "Remote" {
		t.Errorf("stop reason %q, want Remote", reason)
	}
	waitFor(t, "the reset station booted again", func() bool {
		var booted int64
		return db.QueryRow(`SELECT last_boot_at FROM stations WHERE identity = ?`, two).Scan(&booted) == nil && booted > bootedBefore
	})
	cancel()
	res := <-done
	if res == nil {
		t.Fatal("the run returned no result")
	}
	if res.Connects != 3 {
		t.Errorf("%d connections, want 3 (two and the reset station's second)", res.Connects)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors %v, want none", res.Errors)
	}
	if res.TxStopped != 1 || len(res.Stopped) != 1 || res.Stopped[0] != (loadgen.Ack{Station: one, TxID: txID}) {
		t.Errorf("%d transactions stopped (%v), want the remote one, %s", res.TxStopped, res.Stopped, txID)
	}
	v, err := b.db.Verify(ctx, b.prefix, since, res.Stopped)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Stored != 1 {
		t.Errorf("verification %+v, want the one remote transaction stored", *v)
	}
}

// statuses returns the field of each object in a JSON array.
func statuses(list any, field string) []any {
	var out []any
	items, _ := list.([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m[field])
	}
	return out
}
