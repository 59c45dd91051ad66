package ocpp_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestThirdPartyChargePoint runs e2e/scenario.js, a charge point built on
// ocpp-rpc in strict mode, against a real server on a fresh store: the
// library checks our every answer against the OCPP 1.6 schemas, the script
// checks what they say, and this test sends it the remote commands and the
// station operations (operationsRig) and checks the sessions and the rest
// they left.
func TestThirdPartyChargePoint(t *testing.T) {
	_, dir := thirdPartyPeer(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		rec := &recorder{}
		e := startServer(t, ocpp.Config{Store: s, Now: time.Now, Observer: rec})
		ops := newOperationsRig(t, w, e, rec)
		runScenario16(t, e, w, w.Station, dir, ops)
		checkScenario16(t, w, w.Station)
		ops.check(t, w.Station)
		st := storedStation(t, w, w.Station)
		if st.Vendor != "ocpp-rpc" || st.Model != "scenario" || st.LastHeartbeatAt == nil || st.OCPPVersion != fc.OCPP16 {
			t.Errorf("station after the scenario: vendor %q, model %q, heartbeat %v, version %q", st.Vendor, st.Model, st.LastHeartbeatAt, st.OCPPVersion)
		}
		eventually(t, "station offline after the scenario", func() bool { return connection(t, w, w.Station) == fc.StationOffline })
	})
}

// thirdPartyPeer returns node and the scenario folder with its packages
// installed, or skips the test where Node is missing outside CI.
func thirdPartyPeer(t *testing.T) (node, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs node")
	}
	node, err := exec.LookPath("node")
	_, errNPM := exec.LookPath("npm")
	if err != nil || errNPM != nil {
		// CI sets FLEETCHARGE_E2E, where a missing peer is a failure; a
		// developer's machine without Node skips the scenario.
		if os.Getenv("FLEETCHARGE_E2E") != "" {
			t.Fatal("node and npm are required for the third-party OCPP scenario")
		}
		t.Skip("node and npm are not installed: the third-party OCPP scenario is skipped (FLEETCHARGE_E2E=1 makes this a failure)")
	}
	dir, err = filepath.Abs("e2e")
	if err != nil {
		t.Fatal(err)
	}
	installScenario(t, dir)
	return node, dir
}

// runScenario runs a scenario script as the station st of w and hands each
// line it prints to onLine; it fails the test when the script fails.
func runScenario(t *testing.T, e *endpoint, w *world, st *fc.Station, dir, script string, onLine func(ctx context.Context, line string)) {
	t.Helper()
	args := []string{strings.TrimSuffix(e.base, "/"), st.Identity, w.Password, w.Good.InternalID, w.Blocked.InternalID, "UNKNOWN-" + st.Identity}
	runNode(t, dir, script, args, func(ctx context.Context, line string, _ io.Writer) { onLine(ctx, line) })
}

// runNode runs a script of dir with node and hands each line it prints to
// onLine, with the script's standard input; it fails the test when the
// script fails.
func runNode(t *testing.T, dir, script string, args []string, onLine func(ctx context.Context, line string, stdin io.Writer)) {
	t.Helper()
	node, _ := exec.LookPath("node")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		out.WriteString(line + "\n")
		onLine(ctx, line, stdin)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s%s", script, err, out.String(), stderr.String())
	}
	t.Logf("%s:\n%s", script, out.String())
}

// runScenario16 runs scenario.js as the OCPP 1.6 station st and sends it
// the remote commands and the station operations it waits for.
func runScenario16(t *testing.T, e *endpoint, w *world, st *fc.Station, dir string, ops *operationsRig) {
	t.Helper()
	runScenario(t, e, w, st, dir, "scenario.js", func(ctx context.Context, line string) {
		if line != "READY" {
			ops.onLine(ctx, t, st, line)
			return
		}
		if got, err := e.srv.RemoteStartTransaction(ctx, st.Identity, 2, w.Good.InternalID); err != nil || got != "Accepted" {
			t.Errorf("RemoteStartTransaction = %q, %v; want Accepted", got, err)
		}
		if got, err := e.srv.Reset(ctx, st.Identity, "Soft"); err != nil || got != "Accepted" {
			t.Errorf("Reset = %q, %v; want Accepted", got, err)
		}
	})
}

// checkScenario16 checks the sessions scenario.js left at st.
func checkScenario16(t *testing.T, w *world, st *fc.Station) {
	t.Helper()
	sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
	sessions, err := w.Store.Sessions(context.Background(), sc, fc.SessionFilter{StationID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 2 {
		t.Fatalf("%d sessions stored, want 2 (the metered one, the remote start): %+v", len(sessions), sessions)
	}
	byConnector := map[int]fc.Session{}
	for _, sess := range sessions {
		byConnector[sess.ConnectorID] = sess
	}
	metered, remote := byConnector[1], byConnector[2]
	if metered.Active() || metered.CardID != w.Good.ID || metered.EnergyWh != 10000 || metered.StopReason != "EVDisconnected" {
		t.Errorf("metered session: active %v, card %d, %d Wh, %q; want stopped, card %d, 10000 Wh, EVDisconnected",
			metered.Active(), metered.CardID, metered.EnergyWh, metered.StopReason, w.Good.ID)
	}
	if remote.Active() || remote.CardID != w.Good.ID || remote.EnergyWh != 2500 || remote.StopReason != "Remote" {
		t.Errorf("remote session: active %v, card %d, %d Wh, %q; want stopped, card %d, 2500 Wh, Remote",
			remote.Active(), remote.CardID, remote.EnergyWh, remote.StopReason, w.Good.ID)
	}
}

// installScenario installs the scenario's pinned packages when they are
// missing.
func installScenario(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ocpp-rpc")); err == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("npm is required to install the third-party OCPP scenario's packages")
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
}
