package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPConfig configures sustained authenticated GET load on one URL.
type HTTPConfig struct {
	URL   string
	Token string // sent as "Authorization: Bearer TOKEN"
	// Rate is the requests per second to start (open loop: on schedule,
	// whatever the answers take); zero means closed loop, Concurrency
	// workers each sending its next request when the last is answered.
	Rate float64
	// Concurrency is the most requests in flight (default 64 in open loop,
	// 8 workers in closed loop).
	Concurrency int
	// Duration is how long requests are measured, after Warmup, during
	// which they are sent but not counted.
	Duration, Warmup time.Duration
	// Timeout bounds one request (default 10 s).
	Timeout  time.Duration
	Progress io.Writer
	Client   *http.Client // nil: one with keep-alive for Concurrency connections
}

// HTTPResult is what one HTTP run measured. Latency is taken from the time
// a request was due, not when it could be sent, so that a server that
// falls behind its schedule pays for the wait (no coordinated omission);
// Service is from the moment it was sent.
type HTTPResult struct {
	Target   float64 // requests per second asked for; 0 in closed loop
	Workers  int
	Duration time.Duration
	// Requests were measured; OK of them answered 2xx. Rate is OK per
	// second of the measured duration.
	Requests, OK int64
	Rate         float64
	Bytes        int64
	Latency      Summary
	Service      Summary
	Errors       map[string]int64
}

// Held reports whether the run kept its schedule within bound: no error,
// 95 % of the target rate or better, and p99 latency at most bound; the
// latency from the schedule, or with fromSend the service time (for a load
// generator that shares a starved CPU with the server, whose own late
// timers would otherwise count against the server).
func (r *HTTPResult) Held(bound time.Duration, fromSend bool) bool {
	p99 := r.Latency.P99
	if fromSend {
		p99 = r.Service.P99
	}
	return len(r.Errors) == 0 && p99 <= bound && (r.Target == 0 || r.Rate >= 0.95*r.Target)
}

// RunHTTP sends the load and measures it.
func RunHTTP(ctx context.Context, cfg HTTPConfig) (*HTTPResult, error) {
	if cfg.URL == "" {
		return nil, errors.New("loadgen: the URL is required")
	}
	if cfg.Duration <= 0 {
		return nil, errors.New("loadgen: the duration must be positive")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
		if cfg.Rate <= 0 {
			cfg.Concurrency = 8
		}
	}
	setDefault(&cfg.Timeout, 10*time.Second)
	client := cfg.Client
	if client == nil {
		client = NewHTTPClient(cfg.Concurrency)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	req.Header.Set("Accept", "application/json")

	var (
		lat, svc    Latencies
		errs        Counter
		requests    atomic.Int64
		ok, bytes   atomic.Int64
		start       = time.Now()
		measureFrom = start.Add(cfg.Warmup)
		end         = measureFrom.Add(cfg.Duration)
	)
	do := func(due time.Time) {
		rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
		sent := time.Now()
		resp, err := client.Do(req.Clone(rctx))
		var n int64
		if err == nil {
			n, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		done := time.Now()
		if due.Before(measureFrom) || ctx.Err() != nil {
			return
		}
		requests.Add(1)
		switch {
		case err != nil:
			errs.Add(httpError(err), 1)
		case resp.StatusCode/100 != 2:
			errs.Add(fmt.Sprintf("HTTP %d", resp.StatusCode), 1)
		default:
			ok.Add(1)
			bytes.Add(n)
			lat.Add(done.Sub(due))
			svc.Add(done.Sub(sent))
		}
	}

	stop := make(chan struct{})
	var progress sync.WaitGroup
	if cfg.Progress != nil {
		progress.Go(func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			last, lastN := start, int64(0)
			for {
				select {
				case <-stop:
					return
				case now := <-t.C:
					n := ok.Load()
					fmt.Fprintf(cfg.Progress, "%6.0fs %d ok (%.0f/s) errors %d\n", now.Sub(start).Seconds(), n,
						float64(n-lastN)/now.Sub(last).Seconds(), errs.Total())
					last, lastN = now, n
				}
			}
		})
	}

	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		slots := make(chan struct{}, cfg.Concurrency)
		interval := time.Duration(float64(time.Second) / cfg.Rate)
	schedule:
		for i := 0; ; i++ {
			due := start.Add(time.Duration(i) * interval)
			if !due.Before(end) {
				break
			}
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					break schedule
				}
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				break schedule
			}
			wg.Go(func() {
				defer func() { <-slots }()
				do(due)
			})
		}
	} else {
		for range cfg.Concurrency {
			wg.Go(func() {
				for ctx.Err() == nil {
					due := time.Now()
					if !due.Before(end) {
						return
					}
					do(due)
				}
			})
		}
	}
	wg.Wait()
	close(stop)
	progress.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &HTTPResult{
		Target: cfg.Rate, Duration: cfg.Duration, Requests: requests.Load(), OK: ok.Load(), Bytes: bytes.Load(),
		Latency: lat.Summary(), Service: svc.Summary(), Errors: errs.Snapshot(),
	}
	if cfg.Rate <= 0 {
		res.Workers = cfg.Concurrency
	}
	res.Rate = float64(res.OK) / cfg.Duration.Seconds()
	return res, nil
}

// NewHTTPClient returns a client that keeps up to conns connections alive.
func NewHTTPClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	tr.MaxConnsPerHost = 0
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: tr}
}

// httpError names a transport error briefly.
func httpError(err error) string {
	s := err.Error()
	for _, k := range []string{"connection refused", "connection reset", "deadline exceeded", "timeout", "EOF", "too many open files"} {
		if strings.Contains(s, k) {
			return k
		}
	}
	return "transport error"
}

// FindMaxConfig steps an HTTP load up until it no longer holds.
type FindMaxConfig struct {
	HTTPConfig
	// Start is the first rate, each next one Factor times the last
	// (default 1.25), up to Max (0: no limit).
	Start, Factor, Max float64
	// Bound is the p99 latency a rate must keep to hold (default 50 ms),
	// from the schedule or, with FromSend, from the send.
	Bound    time.Duration
	FromSend bool
	// Refine is how many bisection steps between the last rate that held
	// and the first that did not (default 2).
	Refine int
	// Pause between steps, for the server to drain (default 2 s).
	Pause time.Duration
	// Step hears each step's result.
	Step func(*HTTPResult)
}

// FindMax runs the steps and returns them all and the fastest that held
// (nil if none did): up from Start while the rate holds, or down from it
// until one holds, then bisecting between the fastest that held and the
// slowest that did not.
func FindMax(ctx context.Context, cfg FindMaxConfig) (steps []*HTTPResult, best *HTTPResult, err error) {
	if cfg.Start <= 0 {
		return nil, nil, errors.New("loadgen: find-max needs a starting rate")
	}
	if cfg.Factor <= 1 {
		cfg.Factor = 1.25
	}
	setDefault(&cfg.Bound, 50*time.Millisecond)
	setDefault(&cfg.Pause, 2*time.Second)
	if cfg.Refine == 0 {
		cfg.Refine = 2
	}
	if cfg.Client == nil {
		cfg.Client = NewHTTPClient(max(cfg.Concurrency, 64))
	}
	run := func(rate float64) (*HTTPResult, error) {
		c := cfg.HTTPConfig
		c.Rate = rate
		r, err := RunHTTP(ctx, c)
		if err != nil {
			return nil, err
		}
		steps = append(steps, r)
		if cfg.Step != nil {
			cfg.Step(r)
		}
		select {
		case <-time.After(cfg.Pause):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return r, nil
	}
	failed := 0.0
	for rate := cfg.Start; cfg.Max <= 0 || rate <= cfg.Max; rate *= cfg.Factor {
		r, err := run(rate)
		if err != nil {
			return steps, best, err
		}
		if !r.Held(cfg.Bound, cfg.FromSend) {
			failed = rate
			break
		}
		best = r
	}
	// When the start rate does not hold, step down (at most five times)
	// to one that does.
	for k := 0; best == nil && failed > 0 && k < 5; k++ {
		rate := failed / cfg.Factor
		r, err := run(rate)
		if err != nil {
			return steps, best, err
		}
		if r.Held(cfg.Bound, cfg.FromSend) {
			best = r
			break
		}
		failed = rate
	}
	if failed == 0 || best == nil {
		return steps, best, nil
	}
	lo, hi := best.Target, failed
	for range cfg.Refine {
		mid := (lo + hi) / 2
		r, err := run(mid)
		if err != nil {
			return steps, best, err
		}
		if r.Held(cfg.Bound, cfg.FromSend) {
			best, lo = r, mid
		} else {
			hi = mid
		}
	}
	return steps, best, nil
}
