package ocpp

import (
	"hash/maphash"
	"sync"
)

// registry knows which station is connected: identity → its live connection.
type registry struct {
	mu    sync.RWMutex
	conns map[string]*conn
	// stripes order the connect and disconnect of one identity, store
	// writes included, so that a closing connection's "offline" can never
	// land after its successor's "online". Stations that share a stripe
	// connect one after the other, each waiting for a commit: with 64
	// stripes a storm of 10,000 stations queued 150 deep on each (a
	// BootNotification p50 of 29 s on PostgreSQL); 4,096 stripes (32 KiB)
	// keep the queues two or three deep.
	stripes [4096]sync.Mutex
	seed    maphash.Seed
}

func newRegistry() *registry {
	return &registry{conns: map[string]*conn{}, seed: maphash.MakeSeed()}
}

// lock takes the lock that orders connection changes of identity and returns
// its unlock.
func (r *registry) lock(identity string) (unlock func()) {
	m := &r.stripes[maphash.String(r.seed, identity)%uint64(len(r.stripes))]
	m.Lock()
	return m.Unlock
}

// get returns the live connection of identity, or nil.
func (r *registry) get(identity string) *conn {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.conns[identity]
}

// put makes c the connection of its identity and returns the one it
// replaces, if any.
func (r *registry) put(c *conn) (old *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old = r.conns[c.identity]
	r.conns[c.identity] = c
	return old
}

// remove forgets c if it still is the connection of its identity, and
// reports whether it was.
func (r *registry) remove(c *conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns[c.identity] != c {
		return false
	}
	delete(r.conns, c.identity)
	return true
}

// all returns every live connection.
func (r *registry) all() []*conn {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*conn, 0, len(r.conns))
	for _, c := range r.conns {
		out = append(out, c)
	}
	return out
}

// count returns the number of live connections.
func (r *registry) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.conns)
}
