package loadgen

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// OCPPConfig configures a run of simulated charge stations.
type OCPPConfig struct {
	// URL is the OCPP endpoint without the identity, e.g.
	// ws://127.0.0.1:8080/ocpp; each station dials URL/{identity}.
	URL string
	// Stations is how many stations to simulate; their identities are
	// Prefix followed by the station's number with Digits digits, numbered
	// from First (default 1), as `fleetcharge generate` names them
	// (P{provider}-S0000001).
	Stations int
	First    int
	Prefix   string
	Digits   int // default 7
	Password string
	// OCPP is the version the stations speak: OCPP16 (the default) or
	// OCPP201.
	OCPP string

	// Ramp spreads the stations' first connections evenly over this time;
	// zero connects them all at once.
	Ramp time.Duration
	// Duration is how long the stations run after the ramp. Then they
	// finish the transactions they have running, within Grace (default
	// one minute), and disconnect.
	Duration, Grace time.Duration
	// TxInterval is the mean pause of a station between two transactions
	// (drawn uniformly from half to one and a half times it); zero means
	// the stations only boot, report their status and heartbeat.
	TxInterval time.Duration
	// TxDuration is the time from a transaction's start to its stop
	// (default 2 s), during which MeterValues meter readings are sent at
	// even spacing (OCPP 1.6: MeterValues; 2.0.1: TransactionEvent
	// Updated).
	TxDuration  time.Duration
	MeterValues int
	// Connectors is the number of connectors of each station (default 2);
	// a station charges on one at a time, taking turns.
	Connectors int
	// Heartbeat overrides the heartbeat interval the server gives at boot.
	Heartbeat time.Duration
	// CallTimeout bounds the wait for the answer to one CALL (default 30 s).
	CallTimeout time.Duration
	// ReconnectDelay is the most a station waits, at random, before it
	// connects again after losing its connection (default 5 s).
	ReconnectDelay time.Duration

	// Tags are the idTags the stations charge with.
	Tags Tags

	// Metrics is the URL of the server's Prometheus metrics (optional):
	// its memory is read before the stations connect and Settle (default
	// 5 s) after all of them have booted.
	Metrics string
	Settle  time.Duration
	// EndAfterBoot ends the run Settle after every station has booted
	// (or at the end of Duration, whichever comes first): for boot storm
	// and memory runs.
	EndAfterBoot bool

	// Progress, when not nil, hears a line about the run every
	// ProgressEvery (default 5 s).
	Progress      io.Writer
	ProgressEvery time.Duration

	// Seed seeds the stations' random choices (0: random).
	Seed uint64
}

func (c *OCPPConfig) setDefaults() {
	if c.First <= 0 {
		c.First = 1
	}
	if c.Digits <= 0 {
		c.Digits = 7
	}
	if c.OCPP == "" {
		c.OCPP = OCPP16
	}
	setDefault(&c.Grace, time.Minute)
	setDefault(&c.TxDuration, 2*time.Second)
	c.MeterValues = max(c.MeterValues, 0)
	if c.Connectors <= 0 {
		c.Connectors = 2
	}
	setDefault(&c.CallTimeout, 30*time.Second)
	setDefault(&c.ReconnectDelay, 5*time.Second)
	setDefault(&c.Settle, 5*time.Second)
	setDefault(&c.ProgressEvery, 5*time.Second)
	if c.Seed == 0 {
		c.Seed = rand.Uint64()
	}
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Identity returns the identity of the i-th station, counting from 0 for
// the station numbered First.
func (c OCPPConfig) Identity(i int) string {
	c.setDefaults()
	return fmt.Sprintf("%s%0*d", c.Prefix, c.Digits, c.First+i)
}

// OCPPResult is what a run did and measured.
type OCPPResult struct {
	Stations int
	// Elapsed is the whole run; Steady is the window after the ramp in
	// which transactions are counted for the rate (the Duration).
	Elapsed, Steady time.Duration

	// PeakConnected is the most stations connected at once; Booted is
	// how many stations got their first BootNotification accepted, the
	// last of them BootStorm after the run started.
	PeakConnected int64
	Booted        int64
	BootStorm     time.Duration
	Connects      int64 // successful WebSocket connections, reconnections included

	// TxStarted and TxStopped count the transactions whose start and
	// stop the server acknowledged (OCPP 1.6: StartTransaction and
	// StopTransaction; OCPP 2.0.1: TransactionEvent Started and Ended);
	// SteadyStopped those stops acknowledged within the Steady window.
	// Stopped are the acknowledged transactions.
	TxStarted, TxStopped, SteadyStopped int64
	Stopped                             []Ack
	// FirmwareInstalled counts the firmware updates the stations reported
	// Installed (UpdateFirmware, then FirmwareStatusNotification
	// Downloading, Downloaded, Installing, Installed).
	FirmwareInstalled int64

	// Latency is per action (per event type for a TransactionEvent), of
	// the answered CALLs.
	Latency map[string]Summary
	// Errors counts what went wrong, by kind; AuthStatus the answers to
	// Authorize and to the transaction's start by idTag status;
	// ServerCalls the CALLs the server sent, by action.
	Errors      map[string]int64
	AuthStatus  map[string]int64
	ServerCalls map[string]int64

	// Memory is the server's memory before and after the stations
	// connected, when OCPPConfig.Metrics was set.
	Memory *MemoryDelta
	// Verify is filled in by the caller that checks the database.
	Verify *Verification
}

// TxRate returns the acknowledged transactions per second in the steady
// window.
func (r *OCPPResult) TxRate() float64 {
	if r.Steady <= 0 {
		return 0
	}
	return float64(r.SteadyStopped) / r.Steady.Seconds()
}

// ocppRun is the state shared by the stations of one run.
type ocppRun struct {
	cfg   OCPPConfig
	start time.Time
	// soft ends the stations' charging; hard ends everything.
	soft, hard context.Context

	connected, peak, booted, connects atomic.Int64
	lastBoot                          atomic.Int64 // nanoseconds since start of the latest first boot
	txStarted, txStopped, steadyStops atomic.Int64
	steadyFrom, steadyTo              time.Time
	firmwareInstalled                 atomic.Int64

	latency     sync.Map // action → *Latencies
	errors      Counter
	authStatus  Counter
	serverCalls Counter

	// runID names the run in the OCPP 2.0.1 stations' transaction IDs.
	runID string

	mu      sync.Mutex
	stopped []Ack

	allBooted chan struct{}
}

func (r *ocppRun) observe(action string, d time.Duration) {
	l, ok := r.latency.Load(action)
	if !ok {
		l, _ = r.latency.LoadOrStore(action, &Latencies{})
	}
	l.(*Latencies).Add(d)
}

func (r *ocppRun) fail(kind string) { r.errors.Add(kind, 1) }

// RunOCPP simulates cfg.Stations charge stations against the server until
// the ramp, the duration and the grace are over or ctx ends.
func RunOCPP(ctx context.Context, cfg OCPPConfig) (*OCPPResult, error) {
	cfg.setDefaults()
	if cfg.Stations <= 0 {
		return nil, errors.New("loadgen: no stations to simulate")
	}
	if cfg.URL == "" {
		return nil, errors.New("loadgen: the OCPP URL is required")
	}
	if cfg.OCPP != OCPP16 && cfg.OCPP != OCPP201 {
		return nil, fmt.Errorf("loadgen: OCPP version %q: want %s or %s", cfg.OCPP, OCPP16, OCPP201)
	}
	if cfg.TxInterval > 0 && cfg.Tags.Empty() {
		return nil, errors.New("loadgen: charging needs idTags (from the database or a file)")
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	r := &ocppRun{cfg: cfg, start: time.Now(), allBooted: make(chan struct{})}
	var before *Memory
	if cfg.Metrics != "" {
		m, err := ScrapeMemory(ctx, cfg.Metrics)
		if err != nil {
			return nil, fmt.Errorf("loadgen: server memory before: %w", err)
		}
		before = &m
	}
	r.start = time.Now()
	r.runID = strconv.FormatInt(r.start.UnixMilli(), 36)
	r.steadyFrom = r.start.Add(cfg.Ramp)
	r.steadyTo = r.steadyFrom.Add(cfg.Duration)
	var cancelSoft, cancelHard context.CancelFunc
	r.soft, cancelSoft = context.WithDeadline(ctx, r.steadyTo)
	defer cancelSoft()
	r.hard, cancelHard = context.WithDeadline(ctx, r.steadyTo.Add(cfg.Grace))
	defer cancelHard()

	// Once every station has booted, the server's memory is read after
	// Settle, and the run ends there if EndAfterBoot says so.
	var memAfter *Memory
	var memErr error
	var endedEarly time.Time
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		if before == nil && !cfg.EndAfterBoot {
			return
		}
		select {
		case <-r.allBooted:
		case <-r.soft.Done():
			return
		}
		select {
		case <-time.After(cfg.Settle):
		case <-r.soft.Done():
			return
		}
		if before != nil {
			m, err := ScrapeMemory(r.soft, cfg.Metrics)
			memAfter, memErr = &m, err
		}
		if cfg.EndAfterBoot {
			endedEarly = time.Now()
			cancelSoft()
		}
	}()

	stopProgress := r.progress()
	var wg sync.WaitGroup
	for i := range cfg.Stations {
		delay := time.Duration(0)
		if cfg.Stations > 1 {
			delay = cfg.Ramp * time.Duration(i) / time.Duration(cfg.Stations)
		}
		s := newStation(r, i)
		wg.Go(func() { s.run(delay) })
	}
	wg.Wait()
	stopProgress()
	<-memDone

	res := &OCPPResult{
		Stations:          cfg.Stations,
		Elapsed:           time.Since(r.start),
		Steady:            cfg.Duration,
		PeakConnected:     r.peak.Load(),
		Booted:            r.booted.Load(),
		Connects:          r.connects.Load(),
		TxStarted:         r.txStarted.Load(),
		FirmwareInstalled: r.firmwareInstalled.Load(),
		TxStopped:         r.txStopped.Load(),
		SteadyStopped:     r.steadyStops.Load(),
		Stopped:           r.stopped,
		Latency:           map[string]Summary{},
		Errors:            r.errors.Snapshot(),
		AuthStatus:        r.authStatus.Snapshot(),
		ServerCalls:       r.serverCalls.Snapshot(),
	}
	if !endedEarly.IsZero() {
		res.Steady = min(max(endedEarly.Sub(r.steadyFrom), 0), cfg.Duration)
	}
	if res.Booted == int64(cfg.Stations) {
		res.BootStorm = time.Duration(r.lastBoot.Load())
	}
	r.latency.Range(func(k, v any) bool {
		res.Latency[k.(string)] = v.(*Latencies).Summary()
		return true
	})
	if before != nil {
		res.Memory = &MemoryDelta{Before: *before, Connections: res.PeakConnected}
		switch {
		case memErr != nil:
			res.Memory.Err = memErr.Error()
		case memAfter != nil:
			res.Memory.After = *memAfter
		default:
			res.Memory.Err = "not every station booted before the end of the run"
		}
	}
	return res, ctx.Err()
}

// progress prints a line every ProgressEvery until the returned stop is
// called.
func (r *ocppRun) progress() (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.cfg.ProgressEvery)
		defer t.Stop()
		var lastStops int64
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				stops := r.txStopped.Load()
				rate := float64(stops-lastStops) / now.Sub(last).Seconds()
				lastStops, last = stops, now
				fmt.Fprintf(r.cfg.Progress, "%6.0fs connected %d/%d booted %d tx started %d stopped %d (%.1f/s) errors %d\n",
					now.Sub(r.start).Seconds(), r.connected.Load(), r.cfg.Stations, r.booted.Load(),
					r.txStarted.Load(), stops, rate, r.errors.Total())
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// basicAuth renders an HTTP Basic Authorization header value.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// dialError names why a connection failed, briefly, for the error counts.
func dialError(resp *http.Response, err error) string {
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Sprintf("connect: HTTP %d", resp.StatusCode)
	}
	s := err.Error()
	for _, k := range []string{"connection refused", "connection reset", "timeout", "deadline exceeded", "EOF", "too many open files", "cannot assign requested address"} {
		if strings.Contains(s, k) {
			return "connect: " + k
		}
	}
	return "connect: other"
}
