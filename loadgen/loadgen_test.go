package loadgen_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/loadgen"
)

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {90, 90}, {99, 99}, {100, 100}, {0, 1}, {99.5, 100}} {
		if got := loadgen.Percentile(s, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := loadgen.Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v, want 0", got)
	}
	got := loadgen.Summarize([]time.Duration{3, 1, 2})
	want := loadgen.Summary{Count: 3, P50: 2, P90: 3, P99: 3, Max: 3, Mean: 2}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
}

func TestReadTags(t *testing.T) {
	in := "# cards\n04AA\n\nCP-1 04BB\nCP-1,04CC\n04DD\n"
	got, err := loadgen.ReadTags(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Pool) != "[04AA 04DD]" || fmt.Sprint(got.ByStation["CP-1"]) != "[04BB 04CC]" {
		t.Errorf("ReadTags = %+v", got)
	}
	if own := got.For("CP-1", 0); fmt.Sprint(own) != "[04BB 04CC]" {
		t.Errorf("For(CP-1) = %v, want its own", own)
	}
	if pool := got.For("CP-2", 1); len(pool) != 2 {
		t.Errorf("For(CP-2) = %v, want the pool", pool)
	}
	if _, err := loadgen.ReadTags(strings.NewReader("a b c\n")); err == nil {
		t.Error("a line of three fields was accepted")
	}
}

// TestTagsSpread checks that pool idTags are dealt out so that
// neighbouring stations do not share a card.
func TestTagsSpread(t *testing.T) {
	var tags loadgen.Tags
	for i := range 100 {
		tags.Pool = append(tags.Pool, fmt.Sprintf("T%03d", i))
	}
	seen := map[string]int{}
	for i := range 12 {
		for _, tag := range tags.For(fmt.Sprintf("CP-%d", i), i) {
			seen[tag]++
		}
	}
	for tag, n := range seen {
		if n > 1 {
			t.Errorf("idTag %s given to %d of 12 stations", tag, n)
		}
	}
}

func TestScrapeMemory(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 12\n"+
			"go_memstats_heap_inuse_bytes 2.5e+07\ngo_memstats_stack_inuse_bytes 1e+06\nprocess_resident_memory_bytes 5e+07\n"+
			"go_memstats_heap_inuse_bytes_other 1\n")
	}))
	defer ts.Close()
	got, err := loadgen.ScrapeMemory(context.Background(), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := loadgen.Memory{RSS: 5e7, HeapInuse: 2.5e7, StackInuse: 1e6, Goroutines: 12}
	if got != want {
		t.Errorf("ScrapeMemory = %+v, want %+v", got, want)
	}
	d := loadgen.MemoryDelta{Before: want, After: loadgen.Memory{RSS: 5e7 + 4096*10, HeapInuse: 2.5e7 + 2048*10, StackInuse: 1e6 + 1024*10}, Connections: 10}
	if rss, hs := d.PerConnection(); rss != 4096 || hs != 3072 {
		t.Errorf("PerConnection = %v, %v; want 4096, 3072", rss, hs)
	}
}

// apiStub answers like the API: 200 with a body for the right token, 401
// otherwise, or 500 when failing is set.
type apiStub struct {
	requests atomic.Int64
	failing  atomic.Bool
}

func (a *apiStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	switch {
	case a.failing.Load():
		http.Error(w, "boom", http.StatusInternalServerError)
	case r.Header.Get("Authorization") != "Bearer fct_secret":
		http.Error(w, "who are you", http.StatusUnauthorized)
	default:
		fmt.Fprint(w, `{"cards":[]}`)
	}
}

func TestRunHTTP(t *testing.T) {
	stub := &apiStub{}
	ts := httptest.NewServer(stub)
	defer ts.Close()
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		cfg   loadgen.HTTPConfig
		error string // the one error kind expected, "" for none
	}{
		{"rate", loadgen.HTTPConfig{URL: ts.URL, Token: "fct_secret", Rate: 100, Duration: 300 * time.Millisecond}, ""},
		{"closed loop", loadgen.HTTPConfig{URL: ts.URL, Token: "fct_secret", Concurrency: 2, Duration: 300 * time.Millisecond}, ""},
		{"wrong token", loadgen.HTTPConfig{URL: ts.URL, Token: "fct_wrong", Rate: 50, Duration: 200 * time.Millisecond}, "HTTP 401"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := loadgen.RunHTTP(ctx, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests == 0 {
				t.Fatal("no request measured")
			}
			var errs int64
			for kind, n := range res.Errors {
				if kind != c.error {
					t.Errorf("error %q × %d, want only %q", kind, n, c.error)
				}
				errs += n
			}
			if res.OK+errs != res.Requests {
				t.Errorf("%d ok + %d errors, want %d requests", res.OK, errs, res.Requests)
			}
			if c.error == "" && (res.OK != res.Requests || res.Latency.Count != int(res.OK)) {
				t.Errorf("%d ok of %d, %d latencies; want all", res.OK, res.Requests, res.Latency.Count)
			}
			if c.cfg.Rate > 0 && res.Requests > int64(c.cfg.Rate*c.cfg.Duration.Seconds())+1 {
				t.Errorf("%d requests at %v/s in %v: more than scheduled", res.Requests, c.cfg.Rate, c.cfg.Duration)
			}
		})
	}
}

func TestFindMax(t *testing.T) {
	stub := &apiStub{}
	ts := httptest.NewServer(stub)
	defer ts.Close()
	ctx := context.Background()
	cfg := loadgen.FindMaxConfig{
		HTTPConfig: loadgen.HTTPConfig{URL: ts.URL, Token: "fct_secret", Duration: 100 * time.Millisecond},
		Start:      20, Factor: 2, Max: 80, Bound: time.Minute, Pause: time.Millisecond,
	}
	steps, best, err := loadgen.FindMax(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || best == nil || best.Target != 80 {
		t.Errorf("%d steps, best %+v; want 3 steps up to 80/s, all held", len(steps), best)
	}

	stub.failing.Store(true)
	steps, best, err = loadgen.FindMax(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 6 || best != nil {
		t.Errorf("failing server: %d steps, best %+v; want the first and five down, none held", len(steps), best)
	}
}
