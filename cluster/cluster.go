// Package cluster makes several fleetcharge processes (nodes) on one
// PostgreSQL database serve as one: `serve --nats URL`. Nodes are equal.
// Each holds a lease on its row in the database (renewed every Lease/3); a
// station's connection is registered in the database under the node that
// holds its socket and the connection's epoch (store/nodes.go), and the
// node subscribes to the station's subject on NATS, so that a command
// sent on any node reaches the station: it is a NATS request on
// fleetcharge.station.<identity>.call, answered by the holding node, and
// "no responders" means the station is offline. When a station connects
// again, to any node, the new connection's epoch is published on
// fleetcharge.station.<identity>.moved and the node holding an older one
// closes it; the database refuses the older one's release, so a stale
// registration never wins over a live one. Work that must run on one node
// at a time runs under a lease of the database (Lead).
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
)

// Local is what a node serves to the others: the OCPP endpoint
// (ocpp.Server).
type Local interface {
	// Remote answers a call for a station connected here.
	Remote(ctx context.Context, identity string, data []byte) []byte
	// Supersede closes the station's connection here if it is older
	// than epoch.
	Supersede(identity string, epoch int64)
}

// Config configures a Node. URL and Store are required.
type Config struct {
	URL    string // NATS
	Store  *store.Store
	Logger *slog.Logger
	// ID names the node; "" makes one from the host name, the process ID
	// and a random suffix (a restarted process is a new node).
	ID string
	// Addr is where the node serves, for the operator (cluster_nodes).
	Addr string
	// Lease is how long a node that stops renewing is still counted
	// alive (default 15 s): a killed node's stations are released within
	// about Lease plus a reaping interval.
	Lease time.Duration
}

// Node is this process's membership of the cluster.
type Node struct {
	cfg   Config
	store *store.Store
	log   *slog.Logger
	nc    *nats.Conn
	local Local

	mu   sync.Mutex
	subs map[string]*stationSub // by identity

	moved   *nats.Subscription
	changed *nats.Subscription // OnChanged's
	stop    context.CancelFunc
	done    chan struct{}
}

type stationSub struct {
	sub   *nats.Subscription
	epoch int64
}

// Open connects to NATS, writes the node's lease and releases what dead
// nodes left registered. Run keeps the lease; SetLocal must be called
// before stations connect.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Store == nil || cfg.URL == "" {
		return nil, errors.New("cluster: Store and URL are required")
	}
	if cfg.Store.Engine() != "postgres" {
		return nil, errors.New("--nats: several nodes share one PostgreSQL database; SQLite serves a single node")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 15 * time.Second
	}
	if cfg.ID == "" {
		cfg.ID = newNodeID()
	}
	n := &Node{cfg: cfg, store: cfg.Store, log: cfg.Logger.With("component", "cluster", "node", cfg.ID), subs: map[string]*stationSub{}}
	nc, err := nats.Connect(cfg.URL, nats.Name("fleetcharge "+cfg.ID), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { n.log.Warn("NATS disconnected", "err", err) }),
		nats.ReconnectHandler(func(*nats.Conn) { n.log.Info("NATS reconnected") }))
	if err != nil {
		return nil, fmt.Errorf("--nats %s: %w", redact(cfg.URL), err)
	}
	n.nc = nc
	if err := n.store.BeatNode(ctx, cfg.ID, cfg.Addr, cfg.Lease); err != nil {
		nc.Close()
		return nil, err
	}
	if released, err := n.store.ReapNodes(ctx); err != nil {
		nc.Close()
		return nil, err
	} else if released > 0 {
		n.log.Info("stations of dead nodes released", "stations", released)
	}
	n.log.Info("node joined", "nats", redact(cfg.URL))
	return n, nil
}

// ID returns the node's ID.
func (n *Node) ID() string { return n.cfg.ID }

// SetLocal sets what this node serves to the others, and starts hearing of
// stations that moved.
func (n *Node) SetLocal(l Local) error {
	n.local = l
	sub, err := n.nc.Subscribe(prefix+"*.moved", func(m *nats.Msg) {
		id, ok := decodeIdentity(strings.TrimSuffix(strings.TrimPrefix(m.Subject, prefix), ".moved"))
		epoch, err := strconv.ParseInt(string(m.Data), 10, 64)
		if ok && err == nil {
			l.Supersede(id, epoch)
		}
	})
	if err != nil {
		return err
	}
	n.moved = sub
	return n.nc.Flush()
}

// changedSubject carries the wake-ups of the web application's live
// pages: "node station-ID", published by the node that wrote a station's
// change of connection or connector status.
const changedSubject = "fleetcharge.live.changed"

// PublishChanged tells the other nodes that the station's state changed,
// so that their live pages read it again. NATS delivers it at most once:
// a live page also reads its stations again now and then.
func (n *Node) PublishChanged(id fc.ID) {
	if err := n.nc.Publish(changedSubject, []byte(n.cfg.ID+" "+id.String())); err != nil {
		n.log.Warn("publishing a station's change", "station", id, "err", err)
	}
}

// OnChanged calls fn, on NATS's goroutine, with each station whose change
// another node published; fn must return at once.
func (n *Node) OnChanged(fn func(fc.ID)) error {
	sub, err := n.nc.Subscribe(changedSubject, func(m *nats.Msg) {
		node, text, ok := strings.Cut(string(m.Data), " ")
		if !ok || node == n.cfg.ID {
			return // this node's own, heard already
		}
		if id, err := fc.ParseID(text); err == nil {
			fn(id)
		}
	})
	if err != nil {
		return err
	}
	n.changed = sub
	return n.nc.Flush()
}

// Run renews the node's lease and reaps dead nodes until ctx ends.
func (n *Node) Run(ctx context.Context) {
	beat := time.NewTicker(n.cfg.Lease / 3)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
		}
		if err := n.store.BeatNode(ctx, n.cfg.ID, n.cfg.Addr, n.cfg.Lease); err != nil {
			if ctx.Err() == nil {
				n.log.Error("renewing the node's lease", "err", err)
			}
			continue
		}
		if released, err := n.store.ReapNodes(ctx); err != nil {
			if ctx.Err() == nil {
				n.log.Warn("reaping dead nodes", "err", err)
			}
		} else if released > 0 {
			n.log.Info("stations of dead nodes released", "stations", released)
		}
	}
}

// Attach registers the station's connection on this node (ocpp.Cluster).
func (n *Node) Attach(ctx context.Context, st *fc.Station, version string, at time.Time) (int64, error) {
	return n.store.RegisterConnection(ctx, st.ID, n.cfg.ID, version, at)
}

// Detach releases the registration of the connection of epoch.
func (n *Node) Detach(ctx context.Context, st *fc.Station, epoch int64, at time.Time) error {
	_, err := n.store.ReleaseConnection(ctx, st.ID, n.cfg.ID, epoch, at)
	return err
}

// Listen subscribes to the station's calls, and tells the other nodes of
// the connection's epoch.
func (n *Node) Listen(identity string, epoch int64) error {
	subject := subjectOf(identity)
	n.mu.Lock()
	s := n.subs[identity]
	if s != nil {
		s.epoch = epoch // the station reconnected here: same subscription
	} else {
		sub, err := n.nc.Subscribe(subject+".call", func(m *nats.Msg) { n.answer(identity, m) })
		if err != nil {
			n.mu.Unlock()
			return err
		}
		n.subs[identity] = &stationSub{sub: sub, epoch: epoch}
	}
	n.mu.Unlock()
	if err := n.nc.Publish(subject+".moved", []byte(strconv.FormatInt(epoch, 10))); err != nil {
		return err
	}
	// The subscription reaches the server before the station is told it
	// is accepted: a command right after finds it.
	return n.nc.Flush()
}

// Unlisten drops the station's subscription, unless a newer connection
// took it over.
func (n *Node) Unlisten(identity string, epoch int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s := n.subs[identity]; s != nil && s.epoch == epoch {
		s.sub.Unsubscribe()
		delete(n.subs, identity)
	}
}

// answer serves one call from another node, in a goroutine of its own: a
// station's answer may take CallTimeout.
func (n *Node) answer(identity string, m *nats.Msg) {
	go func() {
		out := n.local.Remote(context.Background(), identity, m.Data)
		if err := m.Respond(out); err != nil {
			n.log.Warn("answering a remote call", "station", identity, "err", err)
		}
	}()
}

// Request sends a call to the node that holds the station.
func (n *Node) Request(ctx context.Context, identity string, data []byte) ([]byte, error) {
	m, err := n.nc.RequestWithContext(ctx, subjectOf(identity)+".call", data)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	case errors.Is(err, context.DeadlineExceeded):
		if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			return nil, fc.Errorf(fc.EUnavailable, "station %s did not answer in time", identity)
		}
		return nil, err
	case err != nil:
		return nil, fc.Errorf(fc.EUnavailable, "the nodes cannot reach each other: %v", err)
	}
	return m.Data, nil
}

// Lead runs fn while this node holds the lease name, and again each time it
// takes it back, until ctx ends: fn's context ends when the lease cannot
// be renewed before a third of it is left, so that the next holder never
// overlaps. Work that must never run twice at once (an outbox drainer, a
// scheduled job) runs under Lead.
func (n *Node) Lead(ctx context.Context, name string, fn func(ctx context.Context)) {
	ttl := n.cfg.Lease
	tick := time.NewTicker(ttl / 5)
	defer tick.Stop()
	defer n.store.ReleaseLease(context.WithoutCancel(ctx), name, n.cfg.ID)
	var (
		run     *running
		renewed time.Time
	)
	defer func() { run.stop() }()
	for {
		held, err := n.store.AcquireLease(ctx, name, n.cfg.ID, ttl)
		now := time.Now()
		switch {
		case err == nil && held:
			renewed = now
			if run == nil {
				n.log.Info("leading", "work", name)
				run = start(ctx, fn)
			}
		case err == nil || now.Sub(renewed) > ttl*2/3:
			if run != nil {
				n.log.Warn("lease lost: stopping", "work", name, "err", err)
				run.stop()
				run = nil
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// running is work started under a lease.
type running struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func start(ctx context.Context, fn func(context.Context)) *running {
	ctx, cancel := context.WithCancel(ctx)
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); fn(ctx) }()
	return r
}

// stop ends the work and waits for it; a nil running is none.
func (r *running) stop() {
	if r != nil {
		r.cancel()
		<-r.done
	}
}

// Close leaves the cluster: it releases what registrations are left
// (stations closed by the OCPP endpoint's Close released theirs) and drains
// NATS. Close the OCPP endpoint first.
func (n *Node) Close(ctx context.Context) error {
	n.mu.Lock()
	for id, s := range n.subs {
		s.sub.Unsubscribe()
		delete(n.subs, id)
	}
	n.mu.Unlock()
	released, err := n.store.LeaveNode(ctx, n.cfg.ID)
	if released > 0 {
		n.log.Info("registrations released on leaving", "stations", released)
	}
	if n.moved != nil {
		n.moved.Unsubscribe()
	}
	if n.changed != nil {
		n.changed.Unsubscribe()
	}
	n.nc.Close()
	return err
}

// prefix starts every subject of a station.
const prefix = "fleetcharge.station."

// subjectOf is the station's subject: its identity when it is one NATS
// token of plain characters, else "~" and its hexadecimal bytes.
func subjectOf(identity string) string {
	return prefix + encodeIdentity(identity)
}

func encodeIdentity(id string) string {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "~" + hex.EncodeToString([]byte(id))
		}
	}
	return id
}

func decodeIdentity(tok string) (string, bool) {
	if h, ok := strings.CutPrefix(tok, "~"); ok {
		b, err := hex.DecodeString(h)
		return string(b), err == nil
	}
	return tok, tok != ""
}

// newNodeID names a process: host, process ID and 4 random bytes.
func newNodeID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "node"
	}
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// redact drops the password of a NATS URL for the logs.
func redact(u string) string {
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		if i := strings.Index(u, "://"); i >= 0 && i < at {
			return u[:i+3] + "…@" + u[at+1:]
		}
	}
	return u
}
