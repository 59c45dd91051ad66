package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// errConnLost is a call's error when the connection ended before the answer.
var errConnLost = errors.New("connection lost")

// errTimeout is a call's error when the answer did not come in time.
var errTimeout = errors.New("no answer in time")

// callError is a CALLERROR answer.
type callError struct{ code, desc string }

func (e *callError) Error() string { return "CALLERROR " + e.code + ": " + e.desc }

// link is one WebSocket connection of a station with the goroutine that
// reads it.
type link struct {
	ws     *websocket.Conn
	lost   chan struct{} // closed when the read loop ends
	cancel context.CancelFunc
}

// station is one simulated charge point. Its goroutine runs the scenario and
// makes the calls, one at a time as OCPP-J wants; the read loop of its
// connection hands answers back and answers the server's CALLs itself.
type station struct {
	r        *ocppRun
	i        int
	identity string
	v201     bool // the station speaks OCPP 2.0.1, else 1.6
	rng      *rand.Rand
	tags     []string

	link      *link        // nil when disconnected; only the station's goroutine changes it
	booted    bool         // first boot done
	charged   bool         // a transaction was tried
	heartbeat atomic.Int64 // interval, nanoseconds (read by the read loop)
	meter     []int64      // register per connector, Wh
	next      int          // connector of the next transaction, from 0
	seq       int          // message ID counter
	txSeq     int          // OCPP 2.0.1 transactions started, naming the next one
	bootWhy   string       // OCPP 2.0.1: the reason of the next BootNotification

	mu      sync.Mutex
	waitID  string // ID of the CALL waiting for its answer
	lateID  string // ID of the last CALL that stopped waiting before its answer came
	answers chan []json.RawMessage

	// Set by the read loop from the server's CALLs.
	remoteStart chan remoteStart
	remoteStop  chan struct{} // a remote stop of the running transaction
	triggers    chan string   // TriggerMessage's requested message
	reports     chan int      // requestId of an OCPP 2.0.1 GetBaseReport
	firmware    chan int      // requestId of an UpdateFirmware (0 on OCPP 1.6)
	reset       chan struct{}
	curTx       string // running transaction's ID, "" when none (guarded by mu)
}

// remoteStart is what the server asked for in a RemoteStartTransaction
// (OCPP 1.6) or RequestStartTransaction (OCPP 2.0.1).
type remoteStart struct {
	tag string
	id  int // OCPP 2.0.1's remoteStartId
}

func newStation(r *ocppRun, i int) *station {
	return &station{
		r: r, i: i, identity: r.cfg.Identity(i), v201: r.cfg.OCPP == OCPP201,
		rng:         rand.New(rand.NewPCG(r.cfg.Seed, uint64(i))),
		tags:        r.cfg.Tags.For(r.cfg.Identity(i), i),
		meter:       make([]int64, r.cfg.Connectors),
		answers:     make(chan []json.RawMessage, 1),
		remoteStart: make(chan remoteStart, 1),
		remoteStop:  make(chan struct{}, 1),
		triggers:    make(chan string, 4),
		reports:     make(chan int, 1),
		firmware:    make(chan int, 1),
		reset:       make(chan struct{}, 1),
	}
}

// run is the station's life: connect after delay, boot, then heartbeat and
// charge until the run ends.
func (s *station) run(delay time.Duration) {
	defer s.disconnect()
	if !s.sleep(s.r.hard, delay) {
		return
	}
	for s.r.soft.Err() == nil {
		if err := s.ensureConnected(s.r.soft); err != nil {
			return
		}
		s.idle()
	}
}

// idle waits for the next transaction, heartbeating, and serves the
// station's side of what the server asked for, until the run's soft end.
func (s *station) idle() {
	var nextTx <-chan time.Time
	if s.r.cfg.TxInterval > 0 {
		// The first transaction comes at a random time within the
		// interval, so that the stations do not charge in step.
		wait := time.Duration(s.rng.Int64N(int64(s.r.cfg.TxInterval)) + 1)
		if s.charged {
			wait = s.txPause()
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		nextTx = t.C
	}
	hb := time.NewTicker(time.Duration(s.heartbeat.Load()))
	defer hb.Stop()
	for {
		l := s.link
		if l == nil {
			return
		}
		select {
		case <-s.r.soft.Done():
			return
		case <-l.lost:
			s.dropLink()
			return
		case <-hb.C:
			s.try("Heartbeat", map[string]any{}, nil)
		case m := <-s.triggers:
			s.sendTriggered(m)
		case id := <-s.reports:
			s.try("NotifyReport", s.report201(id), nil)
		case id := <-s.firmware:
			s.updateFirmware(id)
		case <-s.reset:
			s.reboot()
			return
		case rs := <-s.remoteStart:
			s.charge(&rs)
			return
		case <-nextTx:
			s.charge(nil)
			return
		}
	}
}

// txPause draws the pause before the next transaction.
func (s *station) txPause() time.Duration {
	iv := int64(s.r.cfg.TxInterval)
	return time.Duration(iv/2 + s.rng.Int64N(iv+1))
}

// ensureConnected connects and boots the station unless it is connected.
func (s *station) ensureConnected(ctx context.Context) error {
	for s.link == nil {
		if err := s.connect(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !s.sleep(ctx, s.reconnectDelay()) {
				return ctx.Err()
			}
			continue
		}
		if err := s.boot(ctx); err != nil {
			s.dropLink()
			if !s.sleep(ctx, s.reconnectDelay()) {
				return ctx.Err()
			}
		}
	}
	return nil
}

func (s *station) reconnectDelay() time.Duration {
	return time.Duration(s.rng.Int64N(int64(s.r.cfg.ReconnectDelay))) + 100*time.Millisecond
}

// connect opens the WebSocket and starts its read loop.
func (s *station) connect(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, s.r.cfg.CallTimeout)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", basicAuth(s.identity, s.r.cfg.Password))
	start := time.Now()
	sub := "ocpp" + s.r.cfg.OCPP
	ws, resp, err := websocket.Dial(dctx, s.r.cfg.URL+"/"+s.identity, &websocket.DialOptions{Subprotocols: []string{sub}, HTTPHeader: h})
	if err != nil {
		if ctx.Err() == nil {
			s.r.fail(dialError(resp, err))
		}
		return err
	}
	if ws.Subprotocol() != sub {
		ws.CloseNow()
		s.r.fail("connect: no " + sub + " subprotocol")
		return errors.New("no " + sub + " subprotocol")
	}
	s.r.observe("connect", time.Since(start))
	ws.SetReadLimit(1 << 20)
	lctx, lcancel := context.WithCancel(s.r.hard)
	l := &link{ws: ws, lost: make(chan struct{}), cancel: lcancel}
	s.link = l
	s.r.connects.Add(1)
	if n := s.r.connected.Add(1); n > s.r.peak.Load() {
		for p := s.r.peak.Load(); n > p && !s.r.peak.CompareAndSwap(p, n); p = s.r.peak.Load() {
		}
	}
	go s.readLoop(lctx, l)
	return nil
}

// dropLink forgets the current connection, closing it.
func (s *station) dropLink() {
	if s.link == nil {
		return
	}
	s.link.ws.CloseNow()
	s.link.cancel()
	<-s.link.lost
	s.link = nil
	s.r.connected.Add(-1)
}

// disconnect closes the connection normally at the end of the run.
func (s *station) disconnect() {
	if s.link == nil {
		return
	}
	select {
	case <-s.link.lost:
	default:
		s.link.ws.Close(websocket.StatusNormalClosure, "")
	}
	s.dropLink()
}

// boot sends BootNotification until it is accepted, then the connectors'
// status.
func (s *station) boot(ctx context.Context) error {
	for {
		var resp struct {
			Status   string `json:"status"`
			Interval int    `json:"interval"`
		}
		req := map[string]any{
			"chargePointVendor": "fleetcharge-load", "chargePointModel": "Simulated AC",
			"chargePointSerialNumber": fmt.Sprintf("SIM%08d", s.i), "firmwareVersion": "1.0.0",
		}
		if s.v201 {
			req = s.bootRequest201()
		}
		if err := s.call(ctx, "BootNotification", req, &resp); err != nil {
			return err
		}
		hb := s.r.cfg.Heartbeat
		if hb <= 0 {
			hb = time.Duration(max(resp.Interval, 10)) * time.Second
		}
		s.heartbeat.Store(int64(hb))
		if resp.Status == "Accepted" {
			break
		}
		s.r.fail("boot: " + resp.Status)
		if !s.sleep(ctx, hb) {
			return ctx.Err()
		}
	}
	if !s.booted {
		s.booted = true
		if s.r.booted.Add(1) == int64(s.r.cfg.Stations) {
			close(s.r.allBooted)
		}
		since := int64(time.Since(s.r.start))
		for last := s.r.lastBoot.Load(); since > last && !s.r.lastBoot.CompareAndSwap(last, since); last = s.r.lastBoot.Load() {
		}
	}
	for c := s.firstConnector(); c <= s.r.cfg.Connectors; c++ {
		if err := s.status(ctx, c, "Available"); err != nil {
			return err
		}
	}
	return nil
}

// firstConnector is the first connector with a status: 0, the station as
// a whole, in OCPP 1.6; 1 in OCPP 2.0.1.
func (s *station) firstConnector() int {
	if s.v201 {
		return 1
	}
	return 0
}

// status sends a StatusNotification of a connector (OCPP 2.0.1: of the
// EVSE's one connector). OCPP 2.0.1 says Occupied for OCPP 1.6's
// Charging.
func (s *station) status(ctx context.Context, connector int, status string) error {
	if s.v201 {
		if status == "Charging" {
			status = "Occupied"
		}
		return s.call(ctx, "StatusNotification", map[string]any{"evseId": connector, "connectorId": 1, "connectorStatus": status, "timestamp": now()}, nil)
	}
	return s.call(ctx, "StatusNotification", map[string]any{"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": now()}, nil)
}

// reboot answers a Reset: the station closes its connection and connects
// and boots again.
func (s *station) reboot() {
	s.bootWhy = "RemoteReset"
	if s.link != nil {
		s.link.ws.Close(websocket.StatusNormalClosure, "reset")
	}
	s.dropLink()
}

// sendTriggered sends the message a TriggerMessage asked for.
func (s *station) sendTriggered(m string) {
	switch m {
	case "Heartbeat":
		s.try("Heartbeat", map[string]any{}, nil)
	case "StatusNotification":
		s.status(s.r.hard, s.firstConnector(), "Available")
	case "BootNotification":
		s.bootWhy = "Triggered"
		s.boot(s.r.hard)
	case "MeterValues":
		if s.v201 {
			s.try("MeterValues", map[string]any{"evseId": 1, "meterValue": []any{sample201(s.meter[0], "Trigger")}}, nil)
			return
		}
		s.try("MeterValues", map[string]any{"connectorId": 1, "meterValue": []any{sample(s.meter[0])}}, nil)
	}
}

// try makes a call whose failure the station lets go (counted already).
func (s *station) try(action string, req any, out any) { _ = s.call(s.r.hard, action, req, out) }

// charge runs one transaction on the next connector: Authorize (unless the
// server started it remotely), then the transaction's messages in the
// station's OCPP version. The transaction's messages are sent again over a
// new connection when the connection drops, as a station queues them,
// until the run's hard end.
func (s *station) charge(rs *remoteStart) {
	s.charged = true
	connector := s.next + 1
	s.next = (s.next + 1) % s.r.cfg.Connectors
	var tag string
	if rs != nil {
		tag = rs.tag
	} else if tag = s.authorize(); tag == "" {
		return
	}
	if s.v201 {
		s.transaction201(connector, tag, rs)
		return
	}
	s.transaction16(connector, tag)
}

// transaction16 is an OCPP 1.6 transaction: StartTransaction,
// StatusNotification Charging, MeterValues, StopTransaction,
// StatusNotification Available.
func (s *station) transaction16(connector int, tag string) {
	ctx := s.r.hard
	meterStart := s.meter[connector-1]
	energy := int64(1000 + s.rng.IntN(30000))
	var start struct {
		IDTagInfo struct {
			Status string `json:"status"`
		} `json:"idTagInfo"`
		TransactionID int64 `json:"transactionId"`
	}
	startReq := map[string]any{"connectorId": connector, "idTag": tag, "meterStart": meterStart, "timestamp": now()}
	if err := s.callQueued(ctx, "StartTransaction", startReq, &start); err != nil {
		return
	}
	s.r.txStarted.Add(1)
	s.r.authStatus.Add("start: "+start.IDTagInfo.Status, 1)
	tx := start.TransactionID
	defer s.running(strconv.FormatInt(tx, 10))()
	reason := "Local"
	if start.IDTagInfo.Status != "Accepted" {
		reason = "DeAuthorized"
	} else {
		s.try("StatusNotification", map[string]any{"connectorId": connector, "errorCode": "NoError", "status": "Charging", "timestamp": now()}, nil)
		remote, err := s.meterReadings(meterStart, energy, func(reading int64) error {
			mv := map[string]any{"connectorId": connector, "transactionId": tx, "meterValue": []any{sample(reading)}}
			return s.callQueued(ctx, "MeterValues", mv, nil)
		})
		if err != nil {
			return
		}
		if remote {
			reason = "Remote"
		}
	}
	meterStop := meterStart + energy
	s.meter[connector-1] = meterStop
	stop := map[string]any{"transactionId": tx, "idTag": tag, "meterStop": meterStop, "timestamp": now(), "reason": reason,
		"transactionData": []any{sample(meterStart), sample(meterStop)}}
	if err := s.callQueued(ctx, "StopTransaction", stop, nil); err != nil {
		s.r.fail("transaction not stopped")
		return
	}
	s.stopped(Ack{Session: tx})
	s.try("StatusNotification", map[string]any{"connectorId": connector, "errorCode": "NoError", "status": "Available", "timestamp": now()}, nil)
}

// running marks the transaction id as the station's running one (for
// remote stops) until the returned function is called.
func (s *station) running(id string) (done func()) {
	s.mu.Lock()
	s.curTx = id
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.curTx = ""
		s.mu.Unlock()
	}
}

// meterReadings sends the transaction's MeterValues readings, evenly spaced
// over its duration, through send. It returns early, with remote set, when
// the server stops the transaction, and at the run's soft end.
func (s *station) meterReadings(meterStart, energy int64, send func(reading int64) error) (remote bool, err error) {
	n := s.r.cfg.MeterValues
	step := s.r.cfg.TxDuration / time.Duration(n+1)
	for k := 1; k <= n; k++ {
		select {
		case <-s.r.soft.Done():
			return false, nil
		case <-s.remoteStop:
			return true, nil
		case <-time.After(step):
		}
		if err := send(meterStart + energy*int64(k)/int64(n+1)); err != nil {
			return false, err
		}
	}
	select {
	case <-s.r.soft.Done():
	case <-s.remoteStop:
		return true, nil
	case <-time.After(step):
	}
	return false, nil
}

// stopped counts a transaction whose stop the server acknowledged.
func (s *station) stopped(a Ack) {
	s.r.txStopped.Add(1)
	if t := time.Now(); !t.Before(s.r.steadyFrom) && !t.After(s.r.steadyTo) {
		s.r.steadyStops.Add(1)
	}
	s.r.mu.Lock()
	s.r.stopped = append(s.r.stopped, a)
	s.r.mu.Unlock()
}

// authorize picks an idTag the server accepts, trying a few, or returns "".
func (s *station) authorize() string {
	if len(s.tags) == 0 {
		return ""
	}
	off := s.rng.IntN(len(s.tags))
	for k := range min(3, len(s.tags)) {
		tag := s.tags[(off+k)%len(s.tags)]
		// OCPP 1.6 answers with idTagInfo, OCPP 2.0.1 with idTokenInfo.
		var resp struct {
			IDTagInfo   idInfo `json:"idTagInfo"`
			IDTokenInfo idInfo `json:"idTokenInfo"`
		}
		req := map[string]any{"idTag": tag}
		if s.v201 {
			req = map[string]any{"idToken": idToken201(tag)}
		}
		if err := s.call(s.r.soft, "Authorize", req, &resp); err != nil {
			return ""
		}
		status := resp.IDTagInfo.Status + resp.IDTokenInfo.Status
		s.r.authStatus.Add("authorize: "+status, 1)
		if status == "Accepted" {
			return tag
		}
	}
	s.r.fail("no accepted idTag")
	return ""
}

// callQueued makes a transaction call, repeating it over new connections
// until it is answered (a CALLERROR too) or ctx ends.
func (s *station) callQueued(ctx context.Context, action string, req any, out any) error {
	for {
		if err := s.ensureConnected(ctx); err != nil {
			return err
		}
		err := s.call(ctx, action, req, out)
		var ce *callError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ce) && ce.code != "InternalError":
			return err
		case ctx.Err() != nil:
			return err
		case errors.Is(err, errConnLost):
			s.dropLink()
		default:
			// A timeout or an InternalError: the station tries again a
			// little later, as OCPP's TransactionMessageRetryInterval.
			if !s.sleep(ctx, time.Second) {
				return ctx.Err()
			}
		}
	}
}

// call sends one CALL over the current connection and waits for its answer,
// decoding a CALLRESULT into out. Latencies and errors are counted.
func (s *station) call(ctx context.Context, action string, req any, out any) error {
	l := s.link
	if l == nil {
		return errConnLost
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return err
	}
	s.seq++
	id := strconv.Itoa(s.seq)
	frame, _ := json.Marshal([]any{2, id, action, json.RawMessage(payload)})
	s.mu.Lock()
	s.waitID = id
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.waitID == id {
			// No answer came while the call waited: the run ended or the
			// call timed out, which was counted then. Its answer may still
			// come, and is no protocol error.
			s.lateID = id
		}
		s.waitID = ""
		// An answer that came after the wait ended is dropped.
		select {
		case <-s.answers:
		default:
		}
		s.mu.Unlock()
	}()
	// The write's context must not be ctx: the WebSocket library closes
	// the connection when a write's context ends, and ctx may be the run's
	// soft end, which must not cut the connection a transaction still
	// needs.
	wctx, cancel := context.WithTimeout(s.r.hard, s.r.cfg.CallTimeout)
	defer cancel()
	cctx, cancelWait := context.WithTimeout(ctx, s.r.cfg.CallTimeout)
	defer cancelWait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	start := time.Now()
	if err := l.ws.Write(wctx, websocket.MessageText, frame); err != nil {
		s.r.fail(action + ": write failed")
		return errConnLost
	}
	select {
	case f := <-s.answers:
		s.r.observe(latencyKey(action, req), time.Since(start))
		if typ(f) == 4 {
			ce := &callError{code: str(f, 2), desc: str(f, 3)}
			s.r.fail(action + ": " + ce.code)
			return ce
		}
		if out != nil && len(f) > 2 {
			if err := json.Unmarshal(f[2], out); err != nil {
				s.r.fail(action + ": undecodable answer")
				return err
			}
		}
		return nil
	case <-l.lost:
		if ctx.Err() == nil {
			s.r.fail(action + ": connection lost")
		}
		return errConnLost
	case <-cctx.Done():
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.r.fail(action + ": timeout")
		return errTimeout
	}
}

// latencyKey names the latencies a call counts in: its action, and for an
// OCPP 2.0.1 TransactionEvent its event type too, as the start and the stop
// of a transaction are different calls in OCPP 1.6.
func latencyKey(action string, req any) string {
	if m, ok := req.(map[string]any); ok && action == "TransactionEvent" {
		if t, ok := m["eventType"].(string); ok {
			return action + " " + t
		}
	}
	return action
}

// readLoop reads the connection until it ends: answers go to the waiting
// call, the server's CALLs are answered at once.
func (s *station) readLoop(ctx context.Context, l *link) {
	defer close(l.lost)
	for {
		_, b, err := l.ws.Read(ctx)
		if err != nil {
			return
		}
		var f []json.RawMessage
		if json.Unmarshal(b, &f) != nil || len(f) < 3 {
			s.r.fail("malformed frame from the server")
			continue
		}
		id := str(f, 1)
		switch typ(f) {
		case 3, 4:
			// Under the lock, so that a call that stopped waiting never
			// finds a stale answer in the channel.
			s.mu.Lock()
			match := id != "" && id == s.waitID
			late := id != "" && id == s.lateID
			if match {
				s.waitID = ""
				s.answers <- f // the channel holds one; it is empty when a call waits
			}
			s.mu.Unlock()
			if !match && !late {
				s.r.fail("answer to no waiting call")
			}
		case 2:
			if len(f) < 4 {
				s.r.fail("malformed frame from the server")
				continue
			}
			action := str(f, 2)
			s.r.serverCalls.Add(action, 1)
			var reply []byte
			if resp, code := s.serverCall(action, f[3]); code != "" {
				reply, _ = json.Marshal([]any{4, id, code, action + " is not supported by the simulator", map[string]any{}})
			} else {
				reply, _ = json.Marshal([]any{3, id, resp})
			}
			wctx, cancel := context.WithTimeout(ctx, s.r.cfg.CallTimeout)
			err := l.ws.Write(wctx, websocket.MessageText, reply)
			cancel()
			if err != nil {
				return
			}
		default:
			s.r.fail("malformed frame from the server")
		}
	}
}

// serverCall answers a CALL from the server as a compliant station would,
// handing what the station must do to its goroutine. A non-empty code is
// a CALLERROR.
func (s *station) serverCall(action string, payload json.RawMessage) (resp any, code string) {
	if s.v201 {
		return s.serverCall201(action, payload)
	}
	return s.serverCall16(action, payload)
}

// serverCall16 answers a CALL of OCPP 1.6.
func (s *station) serverCall16(action string, payload json.RawMessage) (resp any, code string) {
	switch action {
	case "RemoteStartTransaction":
		var req struct {
			IDTag string `json:"idTag"`
		}
		_ = json.Unmarshal(payload, &req)
		return withStatus(s.acceptRemoteStart(remoteStart{tag: req.IDTag})), ""
	case "RemoteStopTransaction":
		var req struct {
			TransactionID int64 `json:"transactionId"`
		}
		_ = json.Unmarshal(payload, &req)
		return withStatus(s.acceptRemoteStop(strconv.FormatInt(req.TransactionID, 10))), ""
	case "Reset":
		s.acceptReset()
		return withStatus("Accepted"), ""
	case "UnlockConnector":
		return withStatus("Unlocked"), ""
	case "ChangeAvailability", "ClearCache":
		return withStatus("Accepted"), ""
	case "ChangeConfiguration":
		return withStatus("NotSupported"), ""
	case "GetConfiguration":
		var req struct {
			Key []string `json:"key"`
		}
		_ = json.Unmarshal(payload, &req)
		known := map[string]string{
			"HeartbeatInterval":        strconv.Itoa(int(time.Duration(s.heartbeat.Load()).Seconds())),
			"NumberOfConnectors":       strconv.Itoa(s.r.cfg.Connectors),
			"MeterValueSampleInterval": "0",
		}
		keys := []any{}
		unknown := []string{}
		if len(req.Key) == 0 {
			for k, v := range known {
				keys = append(keys, map[string]any{"key": k, "readonly": true, "value": v})
			}
		}
		for _, k := range req.Key {
			if v, ok := known[k]; ok {
				keys = append(keys, map[string]any{"key": k, "readonly": true, "value": v})
			} else {
				unknown = append(unknown, k)
			}
		}
		out := map[string]any{"configurationKey": keys}
		if len(unknown) > 0 {
			out["unknownKey"] = unknown
		}
		return out, ""
	case "TriggerMessage":
		var req struct {
			RequestedMessage string `json:"requestedMessage"`
		}
		_ = json.Unmarshal(payload, &req)
		switch req.RequestedMessage {
		case "BootNotification", "Heartbeat", "StatusNotification", "MeterValues":
			select {
			case s.triggers <- req.RequestedMessage:
			default:
			}
			return withStatus("Accepted"), ""
		}
		return withStatus("NotImplemented"), ""
	case "DataTransfer":
		return withStatus("UnknownVendorId"), ""
	case "UpdateFirmware":
		if !s.acceptFirmware(0) {
			return nil, "GenericError"
		}
		return map[string]any{}, ""
	}
	return nil, "NotImplemented"
}

// acceptFirmware hands a firmware update to the station's goroutine,
// unless one is under way.
func (s *station) acceptFirmware(requestID int) bool {
	select {
	case s.firmware <- requestID:
		return true
	default:
		return false
	}
}

// updateFirmware reports a firmware update's progress as a station that
// downloads and installs it at once: Downloading, Downloaded, Installing,
// Installed (with the requestId on OCPP 2.0.1). The simulated station
// keeps its connection, as one that installs without a reboot.
func (s *station) updateFirmware(requestID int) {
	for _, status := range []string{"Downloading", "Downloaded", "Installing", "Installed"} {
		req := map[string]any{"status": status}
		if s.v201 {
			req["requestId"] = requestID
		}
		if err := s.call(s.r.hard, "FirmwareStatusNotification", req, nil); err != nil {
			return
		}
	}
	s.r.firmwareInstalled.Add(1)
}

// withStatus is the answer {"status": v}.
func withStatus(v string) any { return map[string]string{"status": v} }

// acceptRemoteStart hands a remote start to the station's goroutine unless
// it is charging or busy: Accepted or Rejected.
func (s *station) acceptRemoteStart(rs remoteStart) string {
	s.mu.Lock()
	busy := s.curTx != ""
	s.mu.Unlock()
	if busy || rs.tag == "" {
		return "Rejected"
	}
	select {
	case s.remoteStart <- rs:
		return "Accepted"
	default:
		return "Rejected"
	}
}

// acceptRemoteStop stops the running transaction if it is tx: Accepted or
// Rejected.
func (s *station) acceptRemoteStop(tx string) string {
	s.mu.Lock()
	running := s.curTx != "" && s.curTx == tx
	s.mu.Unlock()
	if !running {
		return "Rejected"
	}
	select {
	case s.remoteStop <- struct{}{}:
	default:
	}
	return "Accepted"
}

// acceptReset has the station reboot.
func (s *station) acceptReset() {
	select {
	case s.reset <- struct{}{}:
	default:
	}
}

// sleep waits d or until ctx ends, and reports whether d passed.
func (s *station) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sample is a MeterValue with one energy register reading in Wh.
func sample(wh int64) map[string]any {
	return map[string]any{"timestamp": now(), "sampledValue": []any{map[string]any{
		"value": strconv.FormatInt(wh, 10), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}}}
}

// now is the current time as an OCPP dateTime.
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

func typ(f []json.RawMessage) int {
	var v int
	_ = json.Unmarshal(f[0], &v)
	return v
}

func str(f []json.RawMessage, i int) string {
	if i >= len(f) {
		return ""
	}
	var v string
	_ = json.Unmarshal(f[i], &v)
	return v
}
