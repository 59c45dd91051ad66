package report_test

import (
	"context"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/report"
	"github.com/fleetcharge/fleetcharge/store"
)

// EnvBenchDB names a database made by `fleetcharge generate` that the
// benchmarks read; they are skipped without it.
const EnvBenchDB = "FLEETCHARGE_BENCH_DB"

// benchDB opens the benchmark database and finds its first provider, the
// top-level organization with the most accounts, and the start of the month
// of the last session.
func benchDB(b *testing.B) (s *store.Store, providerID, topOrg fc.ID, lastMonth time.Time) {
	b.Helper()
	url := os.Getenv(EnvBenchDB)
	if url == "" {
		b.Skip(EnvBenchDB + " is not set: point it at a database made by `fleetcharge generate`")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	db := s.DB()
	if err := db.QueryRowContext(ctx, `SELECT MIN(id) FROM providers`).Scan(&providerID); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT c.ancestor_id FROM accounts a JOIN org_closure c ON c.descendant_id = a.organization_id
		JOIN organizations o ON o.id = c.ancestor_id WHERE o.parent_id IS NULL AND o.provider_id = $1
		GROUP BY c.ancestor_id ORDER BY COUNT(*) DESC, c.ancestor_id LIMIT 1`, int64(providerID)).Scan(&topOrg); err != nil {
		b.Fatal(err)
	}
	var last int64
	if err := db.QueryRowContext(ctx, `SELECT MAX(started_at) FROM sessions WHERE provider_id = $1`, int64(providerID)).Scan(&last); err != nil {
		b.Fatal(err)
	}
	t := time.UnixMilli(last).UTC()
	return s, providerID, topOrg, time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// BenchmarkReports runs every report, as JSON to nowhere, over the last
// full month and the last full year, for the largest top-level organization
// and for the whole provider, as the API serves it: the session listing
// comes in pages (its first page and the totals of the period).
func BenchmarkReports(b *testing.B) {
	s, providerID, topOrg, end := benchDB(b)
	sc := fc.SessionScope{ProviderID: providerID, CardSide: fc.Everything, StationSide: fc.Everything}
	scopes := []struct {
		name string
		org  fc.ID
	}{{"top-org", topOrg}, {"provider", 0}}
	periods := []struct {
		name string
		from time.Time
	}{{"month", end.AddDate(0, -1, 0)}, {"year", end.AddDate(-1, 0, 0)}}
	for _, scope := range scopes {
		for _, period := range periods {
			for _, name := range fc.Reports {
				b.Run(scope.name+"/"+period.name+"/"+name, func(b *testing.B) {
					p := report.Params{Report: name, Format: report.FormatJSON, OrganizationID: scope.org,
						From: period.from, To: end, Now: end}
					if err := p.Page(); err != nil { // as the API serves it
						b.Fatal(err)
					}
					benchWrite(b, s, sc, p)
				})
			}
		}
	}
}

// BenchmarkRollups runs every report rolled up by organization and by
// month, as JSON to nowhere, over the last full year of the largest
// top-level organization.
func BenchmarkRollups(b *testing.B) {
	s, providerID, topOrg, end := benchDB(b)
	sc := fc.SessionScope{ProviderID: providerID, CardSide: fc.Everything, StationSide: fc.Everything}
	for _, by := range []string{report.GroupByOrganization, report.GroupByMonth} {
		for _, name := range fc.Reports {
			b.Run(by+"/"+name, func(b *testing.B) {
				p := report.Params{Report: name, OrganizationID: topOrg, From: end.AddDate(-1, 0, 0), To: end, Now: end, GroupBy: by}
				benchWrite(b, s, sc, p)
			})
		}
	}
}

// benchWrite writes the report p to nowhere in every iteration, and reports
// its size and the CPU time it took.
func benchWrite(b *testing.B, s fc.ReportStore, sc fc.SessionScope, p report.Params) {
	var out int64
	cpu := cpuTime()
	for b.Loop() {
		w := &countingWriter{}
		if err := report.Write(context.Background(), s, sc, p, w); err != nil {
			b.Fatal(err)
		}
		out = w.n
	}
	b.ReportMetric(float64(out), "out-bytes")
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkSessionPages reads the session listing of the largest top-level
// organization's last full year page by page, as the API serves it: the
// first page, and the page after the middle of the year.
func BenchmarkSessionPages(b *testing.B) {
	s, providerID, topOrg, end := benchDB(b)
	sc := fc.SessionScope{ProviderID: providerID, CardSide: fc.Everything}
	from := end.AddDate(-1, 0, 0)
	mid := &fc.SessionKey{StartedAt: from.Add(end.Sub(from) / 2)}
	for _, page := range []struct {
		name  string
		after *fc.SessionKey
	}{{"first", nil}, {"middle", mid}} {
		b.Run(page.name, func(b *testing.B) {
			p := report.Params{Report: fc.ReportChargeSessions, OrganizationID: topOrg, From: from, To: end, After: page.after}
			if err := p.Page(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := report.Run(context.Background(), s, sc, p)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Rows) != report.DefaultSessionPage || res.Next == "" {
					b.Fatalf("%d rows, next %q", len(res.Rows), res.Next)
				}
			}
		})
	}
}

// BenchmarkSessionsView runs the session report as the web and the JSON API
// show it: its first thousand sessions and its totals.
func BenchmarkSessionsView(b *testing.B) {
	s, providerID, topOrg, end := benchDB(b)
	sc := fc.SessionScope{ProviderID: providerID, CardSide: fc.Everything}
	for _, period := range []struct {
		name string
		from time.Time
	}{{"month", end.AddDate(0, -1, 0)}, {"year", end.AddDate(-1, 0, 0)}} {
		b.Run(period.name, func(b *testing.B) {
			p := report.Params{Report: fc.ReportChargeSessions, OrganizationID: topOrg, From: period.from, To: end, Limit: 1000}
			cpu := cpuTime()
			for b.Loop() {
				res, err := report.Run(context.Background(), s, sc, p)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Rows) != 1000 || !res.Truncated {
					b.Fatalf("%d rows", len(res.Rows))
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkSessionsCSV exports the last million sessions of the provider as
// CSV, and reports the largest heap seen while it runs.
func BenchmarkSessionsCSV(b *testing.B) {
	s, providerID, _, end := benchDB(b)
	ctx := context.Background()
	var from int64
	if err := s.DB().QueryRowContext(ctx, `SELECT started_at FROM sessions WHERE provider_id = $1
		ORDER BY started_at DESC LIMIT 1 OFFSET 999999`, int64(providerID)).Scan(&from); err != nil {
		b.Skipf("fewer than a million sessions: %v", err)
	}
	sc := fc.SessionScope{ProviderID: providerID, CardSide: fc.Everything}
	p := report.Params{Report: fc.ReportChargeSessions, Format: report.FormatCSV,
		From: time.UnixMilli(from), To: end.AddDate(0, 1, 0)}
	cpu := cpuTime()
	for b.Loop() {
		w := &countingWriter{sample: true}
		if err := report.Write(ctx, s, sc, p, w); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(w.lines), "lines")
		b.ReportMetric(float64(w.peak)/(1<<20), "peak-heap-MiB")
	}
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// countingWriter counts what it is given and, when sampling, the largest
// heap in use every 8 MiB of output.
type countingWriter struct {
	n, lines, next int64
	sample         bool
	peak           uint64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	for _, c := range p {
		if c == '\n' {
			w.lines++
		}
	}
	if w.sample && w.n >= w.next {
		w.next = w.n + 8<<20
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peak = max(w.peak, m.HeapInuse)
	}
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
