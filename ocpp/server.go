// Package ocpp is fleetcharge's OCPP endpoint, for OCPP 1.6J and OCPP 2.0.1:
// charge stations connect over WebSocket to /ocpp/{identity} with the
// subprotocol ocpp2.0.1 or ocpp1.6 (the server picks 2.0.1 when a station
// offers both) and their HTTP Basic password, and report boot, status,
// authorizations and transactions; the back office calls them for remote
// commands.
//
// Both versions share the transport: the framing is ours (every CALL,
// CALLRESULT and CALLERROR is parsed in frame.go), one connection loop
// (conn.go), one registry, and calls to stations that wait for their answers
// (call.go). They differ in their version (version.go): the Open Charge
// Alliance's schemas, against which every payload in either direction is
// validated (schema.go), and the table of station actions, one handler per
// action in a file of its own (handlers.go and the files it names for 1.6,
// handlers201.go and the v201_*.go files for 2.0.1). Errors become
// CALLERROR codes in one place (errors.go). A registry knows which station is online. A station that was
// never accepted by a BootNotification may send nothing else (handlers.go,
// admits), and however a connection ends, its socket is closed (conn.go,
// finish).
package ocpp

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Config configures a Server. Only Store is required.
type Config struct {
	Store  fc.ChargingStore
	Logger *slog.Logger     // nil: slog.Default()
	Now    func() time.Time // nil: time.Now

	// HeartbeatInterval is the interval stations are told at boot
	// (default 5 minutes).
	HeartbeatInterval time.Duration
	// CallTimeout bounds the wait for a station's answer to a call
	// (default 30 seconds).
	CallTimeout time.Duration
	// PingInterval is how long a connection may stay silent (no message,
	// ping or pong) before the server pings it; a station that does not
	// answer within PingTimeout is disconnected (defaults 1 minute and 30
	// seconds).
	PingInterval, PingTimeout time.Duration
	// WriteTimeout bounds the sending of one frame, and the closing
	// handshake of a connection that ends (default 10 seconds).
	WriteTimeout time.Duration
	// ReadLimit is the largest frame accepted, in bytes (default 64 KiB); a
	// larger one closes the connection with 1009 (message too big).
	ReadLimit int64
	// AuthCacheExpiry is how long an OCPP 2.0.1 station may keep a card's
	// authorization in its cache (cacheExpiryDateTime; default 24 hours).
	AuthCacheExpiry time.Duration
	// Authorities, when set, authenticates stations by their TLS client
	// certificates (security profile 3; tls.go) and signs the ones they
	// ask for (SignCertificate).
	Authorities *Authorities
	// Observer, when set, hears of connections, accepted boots, and
	// firmware and diagnostics progress (fleetcharge.StationEvent).
	Observer fc.StationObserver
	// Roaming, when set, asks partners in real time about their tokens
	// (roaming_auth.go).
	Roaming RoamingAuthorizer
	// Cluster, when set, shares the registry with the other nodes
	// (cluster.go); nil is a single node.
	Cluster Cluster
}

// Server is the OCPP endpoint. It serves the WebSocket upgrade on
// /ocpp/{identity} and keeps one connection per station identity.
type Server struct {
	cfg      Config
	store    fc.ChargingStore
	log      *slog.Logger
	versions []*version // in order of preference
	reg      *registry

	// ctx is the parent of every connection's context; cancel ends them.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards closed and conns.Add against Close
	closed bool
	conns  sync.WaitGroup // one per connection being served
}

// NewServer returns a Server on cfg. It compiles the embedded OCPP schemas
// on first use, and panics if they are broken (a build defect, which the
// package's tests catch).
func NewServer(cfg Config) *Server {
	if cfg.Store == nil {
		panic("ocpp: Config.Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	setDefault(&cfg.HeartbeatInterval, 5*time.Minute)
	setDefault(&cfg.CallTimeout, 30*time.Second)
	setDefault(&cfg.PingInterval, time.Minute)
	setDefault(&cfg.PingTimeout, 30*time.Second)
	setDefault(&cfg.WriteTimeout, 10*time.Second)
	setDefault(&cfg.AuthCacheExpiry, 24*time.Hour)
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = 64 << 10
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger.With("component", "ocpp"), reg: newRegistry()}
	vs, err := s.newVersions()
	if err != nil {
		panic("ocpp: the embedded OCPP schemas do not compile: " + err.Error())
	}
	s.versions = vs
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// now returns the clock's time in UTC, to the millisecond that is stored.
func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Online reports whether the station with this identity is connected to this
// server now.
func (s *Server) Online(identity string) bool { return s.reg.get(identity) != nil }

// Connections returns the number of connected stations.
func (s *Server) Connections() int { return s.reg.count() }

// ServeHTTP authenticates a station and serves its WebSocket connection until
// it ends. Mount it on "/ocpp/{identity}".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "the OCPP endpoint is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.conns.Add(1)
	s.mu.Unlock()
	defer s.conns.Done()

	identity := r.PathValue("identity")
	if identity == "" {
		identity = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	}
	st := s.authenticate(w, r, identity)
	if st == nil {
		return
	}
	c := newConn(s, st, r.RemoteAddr)
	defer c.cancel()
	hj := &hijackRecorder{ResponseWriter: w}
	ws, err := websocket.Accept(hj, r, &websocket.AcceptOptions{
		Subprotocols:   s.subprotocols(),
		OnPingReceived: func(context.Context, []byte) bool { c.touch(); return true },
		OnPongReceived: func(context.Context, []byte) { c.touch() },
	})
	if err != nil {
		s.log.Debug("websocket upgrade failed", "station", identity, "err", err)
		if hj.conn != nil {
			hj.conn.Close()
		}
		return
	}
	c.ws, c.tcp = ws, hj.conn
	// OCPP-J 3.1.2: without an agreed subprotocol the server completes the
	// handshake without one and closes the connection at once.
	c.ver = s.versionOf(ws.Subprotocol())
	if c.ver == nil {
		s.log.Info("station refused: no OCPP subprotocol", "station", identity, "offered", r.Header.Values("Sec-WebSocket-Protocol"))
		c.finish(websocket.StatusProtocolError, "subprotocol ocpp2.0.1 or ocpp1.6 required")
		return
	}
	ws.SetReadLimit(s.cfg.ReadLimit)
	if err := s.connect(c); err != nil {
		s.log.Error("station connect", "station", identity, "err", err)
		c.finish(websocket.StatusTryAgainLater, "try again later")
		return
	}
	c.finish(closeStatus(c.serve()))
	s.disconnect(c)
}

// hijackRecorder keeps the TCP connection that the WebSocket library takes
// over from the HTTP server, so that the endpoint can bound the closing
// handshake and close the socket itself: the library leaves the socket open
// after a failed read (a frame over the read limit, a protocol error) until
// the peer answers its close frame, which a hostile peer never does.
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

// Hijack hands the connection to the library and records it.
func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	return c, rw, err
}

// Unwrap returns the wrapped ResponseWriter.
func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// dummyHash is checked against when the identity is unknown, so that an
// unknown identity costs as much as a wrong password.
var dummyHash = secret.HashStationPassword(secret.Password(24))

// authenticate checks the request's HTTP Basic credentials (OCPP security
// profiles 1 and 2: the username is the identity) and returns the station,
// or answers 401 and returns nil.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, identity string) *fc.Station {
	if st, handled := s.authenticateCertificate(w, r, identity); handled {
		return st
	}
	user, password, ok := r.BasicAuth()
	var st *fc.Station
	if ok && user == identity && identity != "" {
		var err error
		st, err = s.store.StationByIdentity(r.Context(), identity)
		if err != nil && !fc.IsCode(err, fc.ENotFound) {
			s.log.Error("station lookup", "station", identity, "err", err)
			http.Error(w, "the back office cannot check credentials now", http.StatusServiceUnavailable)
			return nil
		}
	}
	hash := dummyHash
	if st != nil {
		hash = st.PasswordHash
	}
	if secret.CheckStationPassword(hash, password) && st != nil {
		return st
	}
	s.log.Info("station refused: bad credentials", "station", identity, "remote", r.RemoteAddr)
	w.Header().Set("WWW-Authenticate", `Basic realm="fleetcharge OCPP", charset="UTF-8"`)
	http.Error(w, "unknown station or wrong password", http.StatusUnauthorized)
	return nil
}

// connect marks the station online and registers c as its connection,
// replacing and closing a previous one.
func (s *Server) connect(c *conn) error {
	defer s.reg.lock(c.identity)()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), s.cfg.WriteTimeout)
	defer cancel()
	var err error
	if s.cfg.Cluster != nil {
		c.epoch, err = s.cfg.Cluster.Attach(ctx, c.station, c.ver.name, s.now())
	} else {
		err = s.store.SetConnection(ctx, c.station.ID, true, c.ver.name, s.now())
	}
	if err != nil {
		c.cancel()
		return err
	}
	if old := s.reg.put(c); old != nil {
		s.log.Info("station reconnected: closing its previous connection", "station", c.identity)
		go old.close(websocket.StatusPolicyViolation, "replaced by a new connection")
	}
	if s.cfg.Cluster != nil {
		if err := s.cfg.Cluster.Listen(c.identity, c.epoch); err != nil {
			s.log.Error("station commands from other nodes not heard", "station", c.identity, "err", err)
		}
	}
	s.log.Info("station connected", "station", c.identity, "remote", c.remote, "ocpp", c.ver.name)
	s.observe(c, fc.StationEvent{Kind: fc.EventConnected})
	return nil
}

// disconnect ends c and, unless a newer connection of the station took its
// place, marks the station offline.
func (s *Server) disconnect(c *conn) {
	c.cancel()
	c.stopPinging()
	defer s.reg.lock(c.identity)()
	if s.cfg.Cluster != nil && s.reg.get(c.identity) == c {
		s.cfg.Cluster.Unlisten(c.identity, c.epoch)
	}
	if !s.reg.remove(c) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), s.cfg.WriteTimeout)
	defer cancel()
	var err error
	if s.cfg.Cluster != nil {
		err = s.cfg.Cluster.Detach(ctx, c.station, c.epoch, s.now())
	} else {
		err = s.store.SetConnection(ctx, c.station.ID, false, "", s.now())
	}
	if err != nil {
		s.log.Error("station disconnect", "station", c.identity, "err", err)
	}
	s.log.Info("station disconnected", "station", c.identity)
	s.observe(c, fc.StationEvent{Kind: fc.EventDisconnected})
}

// observe tells the observer, if any, of an event on c's station.
func (s *Server) observe(c *conn, e fc.StationEvent) {
	s.notify(c.ctx, c.station, c.ver.name, e)
}

// notify tells the observer, if any, of an event on the station, which
// speaks version.
func (s *Server) notify(ctx context.Context, st *fc.Station, version string, e fc.StationEvent) {
	if s.cfg.Observer == nil {
		return
	}
	e.StationID, e.ProviderID, e.Identity, e.OCPPVersion, e.At = st.ID, st.ProviderID, st.Identity, version, s.now()
	s.cfg.Observer.StationEvent(context.WithoutCancel(ctx), e)
}

// Close shuts the endpoint down: it refuses new connections, closes every
// connection with 1001 (going away) once the calls in flight on it are
// answered (drain), waits for them to end and marks their stations
// offline, releasing their registrations on a node of several.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	var closing sync.WaitGroup
	for _, c := range s.reg.all() {
		closing.Go(func() { c.drain(websocket.StatusGoingAway, "server shutting down") })
	}
	closing.Wait()
	// A connection that registered while the others closed ends here.
	s.cancel()
	s.conns.Wait()
	return nil
}
