package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
)

// conn is one station's WebSocket connection. Its goroutine is the one that
// serves the HTTP request: it reads frames and answers CALLs in order. Writes
// come from that goroutine and from callers of Server.Call; the WebSocket
// library serializes them. An idle connection holds no buffer of its own and
// no other goroutine: liveness is a timer.
type conn struct {
	srv      *Server
	ws       *websocket.Conn
	tcp      net.Conn // under ws: closed by finish whatever ws did
	station  *fc.Station
	ver      *version // the OCPP version negotiated
	identity string
	remote   string
	// epoch is the connection's number among the station's connections,
	// on any node (0 on a single node; Cluster.Attach).
	epoch int64

	// ctx lives as long as the connection; cancel ends it, which also
	// closes the socket.
	ctx    context.Context
	cancel context.CancelFunc

	lastSeen atomic.Int64 // unix nanoseconds of the last frame, ping or pong
	// accepted is whether the station may send more than a
	// BootNotification (see admits).
	accepted atomic.Bool
	pinger   atomic.Pointer[time.Timer]
	// then is work a handler left to start once its answer is sent
	// (answerThen); only the reading goroutine touches it.
	then func()

	// callSlot admits one outgoing CALL at a time (OCPP-J 4.1.1).
	callSlot chan struct{}
	// busy is held while a station's CALL is handled and answered, so
	// that a graceful close waits for it (drain).
	busy    sync.Mutex
	mu      sync.Mutex
	pending map[string]pendingCall // by message ID; nil when none
}

// pendingCall is an outgoing CALL waiting for its answer.
type pendingCall struct {
	action string
	answer chan<- callResult
}

// callResult is a station's answer to a CALL: a payload or an error.
type callResult struct {
	payload json.RawMessage
	err     error
}

func newConn(s *Server, st *fc.Station, remote string) *conn {
	c := &conn{srv: s, station: st, identity: st.Identity, remote: remote, callSlot: make(chan struct{}, 1)}
	actor := fc.Actor{Label: "station:" + st.Identity, RemoteAddr: remote}
	c.ctx, c.cancel = context.WithCancel(fc.WithActor(s.ctx, actor))
	c.accepted.Store(st.LastBootAt != nil)
	c.touch()
	return c
}

// logger returns the server's logger naming the station.
func (c *conn) logger() *slog.Logger { return c.srv.log.With("station", c.identity) }

// serve reads and handles frames until the connection ends, and returns
// the error that ended it.
func (c *conn) serve() error {
	t := time.AfterFunc(time.Hour, c.checkAlive)
	c.pinger.Store(t)
	t.Reset(c.srv.cfg.PingInterval)
	for {
		typ, b, err := c.ws.Read(c.ctx)
		if err != nil {
			if s := websocket.CloseStatus(err); s == -1 && c.ctx.Err() == nil {
				c.logger().Debug("connection lost", "err", err)
			}
			return err
		}
		c.touch()
		if typ != websocket.MessageText {
			c.send(c.ver.errorFrame(unknownID, callErrorf(CodeFormationViolation, "OCPP-J messages are text frames")))
			continue
		}
		c.handle(b)
	}
}

// handle acts on one frame: a CALL is answered, a CALLRESULT or CALLERROR
// goes to the call waiting for it. A malformed CALL is answered with a
// CALLERROR; a malformed answer is never answered.
func (c *conn) handle(b []byte) {
	m, perr := parseMessage(b)
	if perr != nil {
		if m.typ == msgCallResult || m.typ == msgCallError {
			c.logger().Warn("malformed answer dropped", "id", m.id, "err", perr)
			c.resolve(m.id, callResult{err: fc.Errorf(fc.EUnavailable, "the station's answer is malformed: %s", perr.Description)})
			return
		}
		c.logger().Warn("malformed message", "id", m.id, "err", perr)
		c.send(c.ver.errorFrame(m.id, perr))
		return
	}
	switch m.typ {
	case msgCall:
		c.busy.Lock()
		defer c.busy.Unlock()
		payload, cerr := c.srv.dispatch(c.ctx, c, m.action, m.payload)
		if cerr != nil {
			c.send(c.ver.errorFrame(m.id, cerr))
			return
		}
		c.send(encodeResult(m.id, payload))
		c.startThen()
	case msgCallResult:
		c.resolveResult(m)
	case msgCallError:
		c.resolveError(m)
	}
}

// send writes one frame. A write that fails or times out closes the
// connection (the library does), which ends the read loop.
func (c *conn) send(frame []byte) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.WriteTimeout)
	defer cancel()
	err := c.ws.Write(ctx, websocket.MessageText, frame)
	if err != nil && c.ctx.Err() == nil {
		c.logger().Debug("write failed", "err", err)
	}
	return err
}

// closeStatus is the close code and reason that end a connection whose
// read loop ended with err: 1009 for a frame over the read limit (which the
// library has already sent), the peer's own code when it closed, and 1002
// for anything else (a broken frame; on a lost connection nothing is sent).
func closeStatus(err error) (websocket.StatusCode, string) {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		return websocket.StatusMessageTooBig, "message too big"
	case websocket.CloseStatus(err) != -1:
		return websocket.CloseStatus(err), ""
	}
	return websocket.StatusProtocolError, "connection failed"
}

// finish ends the connection once its read loop is over, however it ended:
// it closes the WebSocket with code (a close frame, and a wait for the
// peer's), and then the TCP socket. The wait is bounded by WriteTimeout, so
// that a peer that never answers, or trickles a huge frame the handshake
// would have to read past, cannot hold the socket.
func (c *conn) finish(code websocket.StatusCode, reason string) {
	c.stopPinging()
	if c.tcp != nil {
		c.tcp.SetDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	}
	if c.ws != nil {
		c.ws.Close(code, reason)
	}
	if c.tcp != nil {
		c.tcp.Close()
	}
	c.cancel()
}

// drain closes the connection with a close frame once the station's CALL
// being handled is answered and the back office's CALL waiting for the
// station has its answer (bounded by CallTimeout), so that a node shutting
// down loses no message in flight: the station reconnects, through the
// load balancer, to another node.
func (c *conn) drain(code websocket.StatusCode, reason string) {
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.CallTimeout)
	defer cancel()
	select {
	case c.callSlot <- struct{}{}: // no call of ours in flight, and no new one
	case <-ctx.Done():
	}
	c.busy.Lock()
	defer c.busy.Unlock()
	c.close(code, reason)
}

// close closes the connection with a close frame.
func (c *conn) close(code websocket.StatusCode, reason string) {
	if c.ws != nil {
		c.ws.Close(code, reason)
	}
	c.cancel()
}

// touch records that the station showed signs of life.
func (c *conn) touch() { c.lastSeen.Store(time.Now().UnixNano()) }

// checkAlive runs when the connection may have been silent for
// PingInterval: it pings a silent station, and closes the connection of one
// that does not answer.
func (c *conn) checkAlive() {
	t := c.pinger.Load()
	if c.ctx.Err() != nil || t == nil {
		return
	}
	interval := c.srv.cfg.PingInterval
	if idle := time.Since(time.Unix(0, c.lastSeen.Load())); idle < interval {
		t.Reset(interval - idle)
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.PingTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		if c.ctx.Err() == nil {
			c.logger().Info("station does not answer pings: disconnecting", "err", err)
			c.ws.CloseNow()
			c.cancel()
		}
		return
	}
	t.Reset(interval)
}

// stopPinging stops the liveness timer.
func (c *conn) stopPinging() {
	if t := c.pinger.Swap(nil); t != nil {
		t.Stop()
	}
}

// await registers an outgoing CALL and returns the channel its answer will
// come on.
func (c *conn) await(id, action string) <-chan callResult {
	ch := make(chan callResult, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]pendingCall{}
	}
	c.pending[id] = pendingCall{action: action, answer: ch}
	return ch
}

// forget drops a pending CALL.
func (c *conn) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, id)
	if len(c.pending) == 0 {
		c.pending = nil
	}
}

// take removes and returns the pending CALL with this message ID.
func (c *conn) take(id string) (pendingCall, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[id]
	delete(c.pending, id)
	return p, ok
}

// resolveResult hands a CALLRESULT to its call, once its payload passed the
// action's response schema.
func (c *conn) resolveResult(m message) {
	p, ok := c.take(m.id)
	if !ok {
		c.logger().Warn("answer to no pending call dropped", "id", m.id)
		return
	}
	if cerr := c.ver.schemas.response(p.action, m.payload); cerr != nil {
		c.logger().Warn("invalid answer", "action", p.action, "err", cerr)
		p.answer <- callResult{err: fc.Errorf(fc.EUnavailable, "the station's answer to %s does not fit the OCPP %s schema: %s", p.action, c.ver.name, cerr.Description)}
		return
	}
	p.answer <- callResult{payload: m.payload}
}

// resolveError hands a CALLERROR to its call.
func (c *conn) resolveError(m message) {
	p, ok := c.take(m.id)
	if !ok {
		c.logger().Warn("error answer to no pending call dropped", "id", m.id, "code", m.err.Code)
		return
	}
	p.answer <- callResult{err: fromCallError(p.action, m.err)}
}

// resolve hands any result to the call with this message ID, if one waits.
func (c *conn) resolve(id string, r callResult) {
	if p, ok := c.take(id); ok {
		p.answer <- r
	}
}
