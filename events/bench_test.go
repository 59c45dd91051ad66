package events_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// benchWebhooks is how many webhooks every event goes to.
const benchWebhooks = 100

// benchEngine is the engine of the benchmarks: FLEETCHARGE_BENCH_ENGINE,
// or sqlite.
func benchEngine() string {
	if e := os.Getenv("FLEETCHARGE_BENCH_ENGINE"); e != "" {
		return e
	}
	return "sqlite"
}

// stopClock is a receiver that notes when each session's session.stopped
// first arrived at each webhook.
type stopClock struct {
	mu      sync.Mutex
	arrived map[string]time.Time // session ID and webhook-id
	n       int
	all     chan struct{}
	want    int
}

func newStopClock(want int) *stopClock {
	return &stopClock{arrived: map[string]time.Time{}, all: make(chan struct{}), want: want}
}

func (c *stopClock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Type string `json:"type"`
		Data struct {
			ID fc.ID `json:"id"`
		} `json:"data"`
	}
	_ = json.NewDecoder(r.Body).Decode(&p)
	now := time.Now()
	c.mu.Lock()
	key := p.Data.ID.String() + "/" + r.Header.Get("webhook-id")
	if _, seen := c.arrived[key]; !seen {
		c.n++
		if p.Type == fc.TypeSessionStopped {
			c.arrived[key] = now
		}
		if c.n == c.want {
			close(c.all)
		}
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// benchWorld is a world with benchWebhooks webhooks of its provider admin
// on every event, posting to the clock.
func benchWorld(b *testing.B, clock *stopClock) (*world, *store.Store) {
	s := storetest.Open(b, benchEngine())
	w := newWorld(b, s, "Bench")
	srv := httptest.NewServer(clock)
	b.Cleanup(srv.Close)
	for range benchWebhooks {
		h := fc.Webhook{URL: srv.URL, Events: []string{"*"}}
		if _, err := w.app.CreateWebhook(context.Background(), w.subjects[w.admin.ID], &h); err != nil {
			b.Fatal(err)
		}
	}
	return w, s
}

// BenchmarkOutboxFanout: b.N sessions start and stop at once (two events
// each), then the events service delivers them to 100 webhooks; reports
// events and deliveries per second from the first event to the last
// delivery.
func BenchmarkOutboxFanout(b *testing.B) {
	clock := newStopClock(2 * b.N * benchWebhooks)
	w, s := benchWorld(b, clock)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		x, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.station.ID, ConnectorID: 1 + i%2, IDTag: w.cardA.InternalID,
			MeterStart: int64(i) * 1000, Timestamp: at.Add(time.Duration(i) * time.Millisecond)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.station.ID, TransactionID: x.ID, MeterStop: int64(i)*1000 + 500,
			Timestamp: at.Add(time.Duration(i)*time.Millisecond + time.Second)}); err != nil {
			b.Fatal(err)
		}
	}
	written := time.Since(start)
	svcCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); events.New(events.Config{Store: s, Render: w.api.EventData}).Run(svcCtx) }()
	select {
	case <-clock.all:
	case <-time.After(10 * time.Minute):
		b.Fatalf("%d of %d deliveries after 10 minutes", clock.n, clock.want)
	}
	elapsed := time.Since(start) - written
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(2*b.N*benchWebhooks)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(2*b.N)/written.Seconds(), "events_written/s")
}

// BenchmarkStopToDelivery: b.N sessions stop one after another, ten per
// second, while the events service runs; reports the delay from each
// StopTransaction's return to its session.stopped's arrival at each of the
// 100 webhooks, at the median and the 99th percentile.
func BenchmarkStopToDelivery(b *testing.B) {
	clock := newStopClock(2 * b.N * benchWebhooks)
	w, s := benchWorld(b, clock)
	ctx := context.Background()
	svcCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); events.New(events.Config{Store: s, Render: w.api.EventData}).Run(svcCtx) }()
	defer func() { cancel(); <-done }()
	at := time.Now().Add(-time.Hour)
	stopped := map[fc.ID]time.Time{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		x, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: w.station.ID, ConnectorID: 1 + i%2, IDTag: w.cardA.InternalID,
			MeterStart: int64(i) * 1000, Timestamp: at.Add(time.Duration(i) * time.Millisecond)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.StopTransaction(ctx, fc.StopTransaction{StationID: w.station.ID, TransactionID: x.ID, MeterStop: int64(i)*1000 + 500,
			Timestamp: at.Add(time.Duration(i)*time.Millisecond + time.Second)}); err != nil {
			b.Fatal(err)
		}
		stopped[x.ID] = time.Now()
	}
	select {
	case <-clock.all:
	case <-time.After(10 * time.Minute):
		b.Fatalf("%d of %d deliveries after 10 minutes", clock.n, clock.want)
	}
	b.StopTimer()
	clock.mu.Lock()
	var delays []time.Duration
	for key, t := range clock.arrived {
		raw, _, _ := strings.Cut(key, "/")
		id, _ := fc.ParseID(raw)
		delays = append(delays, t.Sub(stopped[id]))
	}
	clock.mu.Unlock()
	slices.Sort(delays)
	if len(delays) == 0 {
		b.Fatal("no delays")
	}
	b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "p50_ms")
	b.ReportMetric(float64(delays[len(delays)*99/100].Milliseconds()), "p99_ms")
	b.ReportMetric(float64(len(delays)), "stopped_deliveries")
}
