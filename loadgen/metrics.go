package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Memory is what a server's Prometheus metrics say of its memory.
type Memory struct {
	RSS        float64 // process_resident_memory_bytes
	HeapInuse  float64 // go_memstats_heap_inuse_bytes
	HeapAlloc  float64 // go_memstats_heap_alloc_bytes
	StackInuse float64 // go_memstats_stack_inuse_bytes
	Goroutines float64 // go_goroutines
}

// MemoryDelta is the server's memory before and after the stations
// connected.
type MemoryDelta struct {
	Before, After Memory
	Connections   int64
	Err           string // why After is missing
}

// PerConnection returns the growth per connection of the resident set and
// of the Go heap in use plus the goroutine stacks, in bytes.
func (m *MemoryDelta) PerConnection() (rss, heapStack float64) {
	if m.Connections <= 0 || m.Err != "" {
		return 0, 0
	}
	n := float64(m.Connections)
	return (m.After.RSS - m.Before.RSS) / n,
		(m.After.HeapInuse + m.After.StackInuse - m.Before.HeapInuse - m.Before.StackInuse) / n
}

// ScrapeMemory reads the memory metrics from a Prometheus text endpoint.
func ScrapeMemory(ctx context.Context, url string) (Memory, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Memory{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Memory{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Memory{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var m Memory
	fields := map[string]*float64{
		"process_resident_memory_bytes": &m.RSS,
		"go_memstats_heap_inuse_bytes":  &m.HeapInuse,
		"go_memstats_heap_alloc_bytes":  &m.HeapAlloc,
		"go_memstats_stack_inuse_bytes": &m.StackInuse,
		"go_goroutines":                 &m.Goroutines,
	}
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if p := fields[name]; p != nil {
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return Memory{}, fmt.Errorf("metric %s: %q is not a number", name, value)
			}
			*p = v
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, err
	}
	if found == 0 {
		return Memory{}, fmt.Errorf("%s has none of the memory metrics", url)
	}
	return m, nil
}
