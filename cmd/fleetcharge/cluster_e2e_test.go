package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/fleetcharge/fleetcharge/loadgen"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestThreeNodes is issue 23's "done when": three nodes on one PostgreSQL
// and an in-process NATS, stations spread over them by a round-robin TCP
// balancer; a remote start sent to node A reaches a station on node C;
// node B, a process of the built binary, is killed with SIGKILL while its
// stations charge; they reconnect through the balancer to A and C and
// finish, and every acknowledged StopTransaction is a stored session. It
// runs with FLEETCHARGE_E2E=1 and FLEETCHARGE_TEST_POSTGRES.
func TestThreeNodes(t *testing.T) {
	if os.Getenv("FLEETCHARGE_E2E") == "" || os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("set FLEETCHARGE_E2E=1 and " + storetest.EnvPostgres + " to run three nodes")
	}
	ctx := context.Background()
	const stations = 12
	dbURL := storetest.URL(t, "postgres")
	prefix := generateStations(t, dbURL, stations)
	natsURL := startNATS(t)

	nodeA := bootNode(t, dbURL, natsURL, "A")
	addrB := startNodeProcess(t, dbURL, natsURL, "B")
	nodeC := bootNode(t, dbURL, natsURL, "C")
	lb := startBalancer(t, []string{nodeA.Addr(), addrB, nodeC.Addr()})

	db, err := loadgen.OpenDB(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := loadgen.OCPPConfig{
		URL: "ws://" + lb + "/ocpp", Stations: stations, Prefix: prefix, Password: loadPassword,
		Duration: 12 * time.Second, Grace: 40 * time.Second, CallTimeout: 15 * time.Second,
		ReconnectDelay: 300 * time.Millisecond, Seed: 3,
		TxInterval: 300 * time.Millisecond, TxDuration: 1500 * time.Millisecond, MeterValues: 2,
	}
	if cfg.Tags, err = db.Tags(ctx, prefix); err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	result := make(chan *loadgen.OCPPResult, 1)
	go func() {
		res, err := loadgen.RunOCPP(ctx, cfg)
		if err != nil {
			t.Error(err)
		}
		result <- res
	}()

	// Every node holds stations.
	held := func() map[string][]string {
		out := map[string][]string{}
		for i := range stations {
			id := cfg.Identity(i)
			st, err := nodeA.Store.StationByIdentity(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := nodeA.Store.RegistrationOf(ctx, st.ID); err == nil && r.Node != "" {
				out[r.Node] = append(out[r.Node], id)
			}
		}
		return out
	}
	awaitNodes(t, "stations on all three nodes", 30*time.Second, func() bool {
		h := held()
		return len(h["A"]) > 0 && len(h["B"]) > 0 && len(h["C"]) > 0
	})

	// A remote start sent to node A reaches a station connected to C: the
	// station itself answers (Accepted, or Rejected while it is busy).
	onC := held()["C"]
	if nodeA.ocpp.Online(onC[0]) {
		t.Fatalf("%s is registered on C but connected to A", onC[0])
	}
	status, err := nodeA.ocpp.RemoteStartTransaction(ctx, onC[0], 0, "MULTI-NODE-START")
	if err != nil || (status != "Accepted" && status != "Rejected") {
		t.Fatalf("remote start through A of %s on C = %q, %v; want the station's answer", onC[0], status, err)
	}
	if _, err := nodeA.ocpp.RemoteStartTransaction(ctx, prefix+"9999999", 0, "x"); err == nil {
		t.Error("remote start of a station connected nowhere succeeded")
	}

	// Node B dies mid-transaction.
	time.Sleep(2 * time.Second)
	killNode(t)
	res := <-result
	if res == nil {
		t.FailNow()
	}
	if len(res.Stopped) == 0 {
		t.Fatal("no transaction was stopped")
	}
	v, err := db.Verify(ctx, prefix, since, res.Stopped)
	if err != nil {
		t.Fatal(err)
	}
	if v.Lost != 0 || v.Stored < v.Acknowledged || v.Open != 0 {
		t.Errorf("sessions over three nodes with one killed: %+v; want none lost or left open", *v)
	}
	t.Logf("%d transactions acknowledged and stored; %d connections (reconnections included)", v.Acknowledged, res.Connects)

	// B's lease runs out: a live node reaps it, and no station stays
	// online or registered once the run's stations left.
	awaitNodes(t, "node B reaped", 60*time.Second, func() bool {
		nodes, err := nodeA.Store.Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			if n.ID == "B" {
				return false
			}
		}
		return true
	})
	if h := held(); len(h) != 0 {
		t.Errorf("registrations left after the run: %v", h)
	}
}

// startNATS runs an in-process NATS server for the test.
func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("in-process NATS not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// bootNode starts a node in this process.
func bootNode(t *testing.T, dbURL, natsURL, id string) *Main {
	t.Helper()
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: dbURL, NATS: natsURL, NodeID: id, Logger: newLogger(io.Discard), Out: io.Discard})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("node %s: %v", id, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var nodeProcess struct {
	mu  sync.Mutex
	cmd *exec.Cmd
}

// startNodeProcess builds the binary and runs a node of it, which the test
// can kill with SIGKILL (killNode), and returns its address.
func startNodeProcess(t *testing.T, dbURL, natsURL, id string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fleetcharge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--db", dbURL, "--nats", natsURL, "--addr", addr)
	cmd.Env = append(os.Environ(), "FLEETCHARGE_NODE_ID="+id)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	nodeProcess.mu.Lock()
	nodeProcess.cmd = cmd
	nodeProcess.mu.Unlock()
	t.Cleanup(func() { killNode(t) })
	awaitNodes(t, "node "+id+" serving", 60*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return addr
}

// killNode kills the node process as kill -9 does.
func killNode(t *testing.T) {
	nodeProcess.mu.Lock()
	defer nodeProcess.mu.Unlock()
	if c := nodeProcess.cmd; c != nil {
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		nodeProcess.cmd = nil
	}
}

// startBalancer is a round-robin TCP balancer, as a WebSocket-aware load
// balancer is to stations: each new connection goes to the next backend
// that accepts it.
func startBalancer(t *testing.T, backends []string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var next atomic.Uint64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for range backends {
					b := backends[next.Add(1)%uint64(len(backends))]
					up, err := net.DialTimeout("tcp", b, time.Second)
					if err != nil {
						continue
					}
					defer up.Close()
					done := make(chan struct{}, 2)
					go func() { io.Copy(up, c); done <- struct{}{} }()
					go func() { io.Copy(c, up); done <- struct{}{} }()
					<-done
					return
				}
			}()
		}
	}()
	return l.Addr().String()
}

func awaitNodes(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not after %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
