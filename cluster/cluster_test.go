package cluster

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// StartNATS runs an in-process NATS server on a free loopback port for the
// test and returns its URL.
func StartNATS(t testing.TB) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("in-process NATS server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// fakeLocal answers remote calls with its name and records supersessions.
type fakeLocal struct {
	name       string
	mu         sync.Mutex
	superseded map[string]int64
}

func (f *fakeLocal) Remote(ctx context.Context, identity string, data []byte) []byte {
	return []byte(f.name + ":" + identity + ":" + string(data))
}

func (f *fakeLocal) Supersede(identity string, epoch int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.superseded == nil {
		f.superseded = map[string]int64{}
	}
	f.superseded[identity] = epoch
}

func (f *fakeLocal) supersededAt(identity string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.superseded[identity]
}

func openNodes(t *testing.T, names ...string) ([]*Node, []*fakeLocal) {
	t.Helper()
	url := StartNATS(t)
	st := storetest.Open(t, "postgres")
	var nodes []*Node
	var locals []*fakeLocal
	for _, name := range names {
		n, err := Open(context.Background(), Config{URL: url, Store: st, ID: name, Lease: 1500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close(context.Background()) })
		l := &fakeLocal{name: name}
		if err := n.SetLocal(l); err != nil {
			t.Fatal(err)
		}
		nodes, locals = append(nodes, n), append(locals, l)
	}
	return nodes, locals
}

func needPostgres(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("several nodes need PostgreSQL: set " + storetest.EnvPostgres)
	}
}

func TestRefusesSQLite(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	_, err := Open(context.Background(), Config{URL: "nats://127.0.0.1:1", Store: st})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("open on SQLite: err = %v, want a refusal naming PostgreSQL", err)
	}
}

func TestRouting(t *testing.T) {
	needPostgres(t)
	nodes, locals := openNodes(t, "a", "c")
	a, c := nodes[0], nodes[1]
	ctx := context.Background()
	id := "CP.with spaces*" // not a NATS token: encoded

	if _, err := a.Request(ctx, id, []byte("x")); !fc.IsCode(err, fc.EConflict) {
		t.Fatalf("no node holds it: err = %v, want conflict (offline)", err)
	}
	if err := c.Listen(id, 1); err != nil {
		t.Fatal(err)
	}
	got, err := a.Request(ctx, id, []byte("start"))
	if err != nil || string(got) != "c:"+id+":start" {
		t.Fatalf("request through A = %q, %v; want node C's answer", got, err)
	}
	// The station moves to A: C hears of the newer epoch.
	if err := a.Listen(id, 2); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for locals[1].supersededAt(id) != 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := locals[1].supersededAt(id); got != 2 {
		t.Fatalf("C superseded at %d, want 2", got)
	}
	// C's old connection ends: its unlisten under epoch 1 drops its
	// subscription; A's own, under 2, answers.
	c.Unlisten(id, 1)
	c.nc.Flush()
	for range 5 {
		got, err := c.Request(ctx, id, []byte("q"))
		if err != nil || string(got) != "a:"+id+":q" {
			t.Fatalf("request through C = %q, %v; want node A's answer", got, err)
		}
	}
	// A stale unlisten does not drop a newer subscription.
	a.Unlisten(id, 1)
	if _, err := c.Request(ctx, id, []byte("q")); err != nil {
		t.Fatalf("after a stale unlisten: %v", err)
	}
	a.Unlisten(id, 2)
	a.nc.Flush()
	if _, err := c.Request(ctx, id, []byte("q")); !fc.IsCode(err, fc.EConflict) {
		t.Fatalf("after the station left: err = %v, want conflict", err)
	}
}

func TestLeadOneAtATime(t *testing.T) {
	needPostgres(t)
	nodes, _ := openNodes(t, "a", "b", "c")
	var running, maxRunning, starts atomic.Int32
	work := func(ctx context.Context) {
		starts.Add(1)
		n := running.Add(1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		<-ctx.Done()
		running.Add(-1)
	}
	ctxs := make([]context.CancelFunc, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i] = cancel
		wg.Go(func() { n.Lead(ctx, "outbox", work) })
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("a leader", func() bool { return running.Load() == 1 })
	// Stop the nodes one by one: each time another takes over.
	for i := range nodes[:2] {
		before := starts.Load()
		ctxs[i]()
		if starts.Load() == before { // the stopped node was not leading
			continue
		}
		waitFor("a new leader", func() bool { return starts.Load() > before && running.Load() == 1 })
	}
	ctxs[2]()
	wg.Wait()
	if got := maxRunning.Load(); got != 1 {
		t.Errorf("at most %d ran at once, want 1", got)
	}
}

// TestChangedReachesOtherNodes: a station's change published on one node
// reaches the others' OnChanged, and not its own (it heard it already).
func TestChangedReachesOtherNodes(t *testing.T) {
	needPostgres(t)
	nodes, _ := openNodes(t, "a", "c")
	a, c := nodes[0], nodes[1]
	heard := map[string]chan fc.ID{"a": make(chan fc.ID, 4), "c": make(chan fc.ID, 4)}
	for _, n := range nodes {
		if err := n.OnChanged(func(id fc.ID) { heard[n.ID()] <- id }); err != nil {
			t.Fatal(err)
		}
	}
	a.PublishChanged(42)
	c.PublishChanged(7)
	for _, want := range []struct {
		node string
		id   fc.ID
	}{{"c", 42}, {"a", 7}} {
		select {
		case got := <-heard[want.node]:
			if got != want.id {
				t.Errorf("node %s heard station %s, want %s", want.node, got, want.id)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("node %s heard nothing of station %s", want.node, want.id)
		}
	}
	// A round trip through each node's connection: its own publication,
	// sent before, has been delivered by now if it ever would be.
	for _, n := range []*Node{a, c} {
		if err := n.nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for name, ch := range heard {
		select {
		case id := <-ch:
			t.Errorf("node %s heard station %s, which it published itself (or twice)", name, id)
		default:
		}
	}
}
