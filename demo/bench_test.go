package demo_test

import (
	"context"
	"flag"
	"testing"

	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// BenchmarkLoad measures loading the demo into a fresh database of each
// engine, which `serve --demo` does before it answers.
func BenchmarkLoad(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := storetest.Open(b, engine)
				b.StartTimer()
				if _, err := demo.Load(context.Background(), s, demo.Options{Seed: 1, Now: demoNow}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var benchSessions = flag.Int("generate.sessions", 1_000_000, "sessions BenchmarkGenerate makes")

// BenchmarkGenerate measures generating a million sessions (see the flag
// -generate.sessions) with their provider: run it with -benchtime=1x.
func BenchmarkGenerate(b *testing.B) {
	sz := demo.Sizes{Orgs: 1000, Accounts: 2000, Cards: 20000, Stations: 5000, Sessions: *benchSessions, Seed: 1, Now: demoNow}
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := storetest.Open(b, engine)
				b.StartTimer()
				if err := demo.Generate(context.Background(), s, sz, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sz.Sessions)/b.Elapsed().Seconds()*float64(b.N), "sessions/s")
		})
	}
}
