// Package loadgen drives load against a running fleetcharge: simulated OCPP
// 1.6J or 2.0.1 charge stations that boot, heartbeat and charge with real
// cards, and sustained authenticated HTTP requests against the JSON API. It
// measures what it did (latency percentiles per action, rates, errors) and
// checks the back office's books against its own: every transaction stop
// (StopTransaction, TransactionEvent Ended) the server acknowledged must be
// a stored, stopped session.
//
// cmd/fleetcharge-load is its command line.
package loadgen

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"
)

// Latencies collects the durations of one kind of request. It keeps every
// sample, so that percentiles are exact; a load run makes at most a few
// million. Safe for concurrent use.
type Latencies struct {
	mu      sync.Mutex
	samples []time.Duration
}

// Add records one sample.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.samples = append(l.samples, d)
	l.mu.Unlock()
}

// Summary returns the count and the percentiles of the samples so far.
func (l *Latencies) Summary() Summary {
	l.mu.Lock()
	s := slices.Clone(l.samples)
	l.mu.Unlock()
	return Summarize(s)
}

// Summary describes a set of latency samples.
type Summary struct {
	Count                    int
	P50, P90, P99, Max, Mean time.Duration
}

// Summarize computes a Summary; it sorts samples in place.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return Summary{
		Count: len(samples),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		Max:   samples[len(samples)-1],
		Mean:  sum / time.Duration(len(samples)),
	}
}

// Percentile returns the p-th percentile (nearest rank) of sorted samples,
// or 0 when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// Nearest rank: the smallest sample with at least p% of the samples at
	// or below it.
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// Counter is a set of named counts. Safe for concurrent use.
type Counter struct {
	mu sync.Mutex
	m  map[string]int64
}

// Add adds n to the count of name.
func (c *Counter) Add(name string, n int64) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[name] += n
	c.mu.Unlock()
}

// Get returns the count of name.
func (c *Counter) Get(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name]
}

// Snapshot returns a copy of the counts.
func (c *Counter) Snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// Total returns the sum of the counts.
func (c *Counter) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.m {
		n += v
	}
	return n
}

// writeCounts prints counts as "name: n" lines sorted by name, indented.
func writeCounts(w io.Writer, indent string, m map[string]int64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s: %d\n", indent, k, m[k])
	}
}

// ms renders a duration in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}
