package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// samplesPerMessage is what one benchmark MeterValues message carries: a
// three-phase AC charge's usual set (energy, power, SoC, and current and
// voltage per phase, and the offered current).
const samplesPerMessage = 10

// BenchmarkMeterValuesIngest measures storing MeterValues as the OCPP
// endpoint does (RecordMeterValues: the latest energy reading and every
// sample, one write per message), from 64 stations at once, each charging
// one session; it reports samples stored per second:
//
//	go test ./store -run '^$' -bench MeterValuesIngest -benchtime 20000x
func BenchmarkMeterValuesIngest(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			const stations = 64
			if err := demo.Generate(ctx, s, demo.Sizes{Orgs: 4, Accounts: 4, Cards: 4, Stations: stations, Sessions: 0, Seed: 1, Now: time.Now()}, nil); err != nil {
				b.Fatal(err)
			}
			rows, err := s.DB().QueryContext(ctx, `SELECT id FROM stations ORDER BY id`)
			if err != nil {
				b.Fatal(err)
			}
			type charging struct{ station, session fc.ID }
			var all []charging
			for rows.Next() {
				var id fc.ID
				if err := rows.Scan(&id); err != nil {
					b.Fatal(err)
				}
				all = append(all, charging{station: id})
			}
			rows.Close()
			start := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
			for i := range all {
				x, _, err := s.StartTransaction(ctx, fc.StartTransaction{StationID: all[i].station, ConnectorID: 1, IDTag: "BENCH", Timestamp: start})
				if err != nil {
					b.Fatal(err)
				}
				all[i].session = x.ID
			}
			count := func() (n int64) {
				if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM meter_values`).Scan(&n); err != nil {
					b.Fatal(err)
				}
				return n
			}
			before := count()
			var next, message atomic.Int64
			b.SetParallelism((len(all) + 1) / 2) // GOMAXPROCS × this many goroutines: one per station on 2 cores
			b.ResetTimer()
			began := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				c := all[int(next.Add(1)-1)%len(all)]
				for pb.Next() {
					n := message.Add(1)
					at := start.Add(time.Duration(n) * time.Second)
					wh := 1000 * n
					v := func(f float64) *float64 { return &f }
					samples := []fc.MeterSample{
						{At: at, Value: v(float64(wh)), Unit: "Wh"},
						{At: at, Measurand: fc.MeasurandPower, Value: v(11000), Unit: "W"},
						{At: at, Measurand: "SoC", Value: v(50), Unit: "Percent", Location: "EV"},
						{At: at, Measurand: "Current.Offered", Value: v(16), Unit: "A"},
					}
					for _, ph := range []string{"L1", "L2", "L3"} {
						samples = append(samples, fc.MeterSample{At: at, Measurand: "Current.Import", Phase: ph, Value: v(16), Unit: "A"},
							fc.MeterSample{At: at, Measurand: "Voltage", Phase: ph + "-N", Value: v(230), Unit: "V"})
					}
					if err := s.RecordMeterValues(ctx, c.station, c.session, &wh, at, samples); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(began)
			b.StopTimer()
			stored := count() - before
			if stored != int64(b.N)*samplesPerMessage {
				b.Fatalf("%d samples stored, want %d", stored, b.N*samplesPerMessage)
			}
			b.ReportMetric(float64(stored)/elapsed.Seconds(), "samples/s")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "messages/s")
		})
	}
}
