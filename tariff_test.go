package fleetcharge

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTariffPrice(t *testing.T) {
	night := Tariff{Currency: "EUR", PerKWhMicros: 400000, Bands: []TariffBand{{FromMinute: 22 * 60, ToMinute: 6 * 60, PerKWhMicros: 200000}}}
	idle := Tariff{Currency: "EUR", PerKWhMicros: 300000, IdleFeePerMinuteMicros: 100000, IdleGraceMinutes: 15}
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	early := Tariff{Currency: "EUR", PerKWhMicros: 500000, Bands: []TariffBand{{FromMinute: 0, ToMinute: 6 * 60, PerKWhMicros: 100000}}}
	idleReadings := []MeterReading{{at("2026-05-01T10:30:00Z"), 5000}, {at("2026-05-01T11:00:00Z"), 10000}, {at("2026-05-01T11:30:00Z"), 10000}}
	tests := []struct {
		name      string
		tariff    Tariff
		in        PricingInput
		want      int64
		wantAdj   int64
		wantIdleS int64
	}{
		{"a reading at the band's start", night, PricingInput{Started: at("2026-05-01T21:00:00Z"), Stopped: at("2026-05-01T23:00:00Z"),
			MeterStopWh: 20000, Readings: []MeterReading{{at("2026-05-01T22:00:00Z"), 10000}}}, 400 + 200, 0, 0},
		// 23:00 to 07:00 evenly: 7 h in the band (14 kWh at 0.20), 1 h out (2 kWh at 0.40).
		{"band crossing midnight", night, PricingInput{Started: at("2026-05-01T23:00:00Z"), Stopped: at("2026-05-02T07:00:00Z"),
			MeterStopWh: 16000}, 280 + 80, 0, 0},
		// 21:40 to 22:30: 20 of 50 minutes out of the band (1200 Wh at 0.40), 30 in (1800 Wh at 0.20).
		{"an interval split at the boundary", night, PricingInput{Started: at("2026-05-01T21:40:00Z"), Stopped: at("2026-05-01T22:30:00Z"),
			MeterStartWh: 1000, MeterStopWh: 4000}, 48 + 36, 0, 0},
		// 22:00 CET to 08:00 CEST is 9 h, of which 00:00 CET to 06:00 CEST
		// is 5 h: 5 kWh at 0.10 and 4 kWh at 0.50. A fixed offset would
		// see 6 h in the band (2.10).
		{"DST day in Amsterdam", early, PricingInput{Started: at("2026-03-28T21:00:00Z"), Stopped: at("2026-03-29T06:00:00Z"),
			MeterStopWh: 9000, Location: ams}, 50 + 200, 0, 0},
		{"bands in UTC without a location", early, PricingInput{Started: at("2026-03-28T21:00:00Z"), Stopped: at("2026-03-29T06:00:00Z"),
			MeterStopWh: 9000}, 60 + 150, 0, 0},
		// Charging ended at 11:00 (the first reading of the final register):
		// 60 min idle, 45 after the grace.
		{"idle after grace", idle, PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T12:00:00Z"),
			MeterStopWh: 10000, Readings: idleReadings}, 300 + 450, 0, 3600},
		{"idle within grace", idle, PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T11:10:00Z"),
			MeterStopWh: 10000, Readings: idleReadings[:2]}, 300, 0, 600},
		{"SuspendedEV tells the end", idle, PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T12:00:00Z"),
			MeterStopWh: 10000, Readings: idleReadings, Statuses: []ConnectorStatus{{at("2026-05-01T10:00:05Z"), "Charging"}, {at("2026-05-01T10:50:00Z"), "SuspendedEV"}}},
			300 + 550, 0, 4200},
		{"Charging again after SuspendedEV", idle, PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T12:00:00Z"),
			MeterStopWh: 10000, Readings: idleReadings, Statuses: []ConnectorStatus{{at("2026-05-01T10:40:00Z"), "SuspendedEV"}, {at("2026-05-01T10:45:00Z"), "Charging"}}},
			300 + 450, 0, 3600},
		{"still charging at the stop", idle, PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T12:00:00Z"),
			MeterStopWh: 12000, Readings: idleReadings}, 360, 0, 0},
		{"minimum", Tariff{Currency: "EUR", PerKWhMicros: 300000, MinPriceMicros: 5000000}, PricingInput{Started: at("2026-05-01T10:00:00Z"),
			Stopped: at("2026-05-01T11:00:00Z"), MeterStopWh: 1000}, 500, 470, 0},
		{"no minimum without energy", Tariff{Currency: "EUR", PerKWhMicros: 300000, MinPriceMicros: 5000000, StartFeeMicros: 500000},
			PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T11:00:00Z"), MeterStartWh: 700, MeterStopWh: 700}, 50, 0, 0},
		{"maximum caps the idle fee too", Tariff{Currency: "EUR", PerKWhMicros: 300000, IdleFeePerMinuteMicros: 100000, IdleGraceMinutes: 15, MaxPriceMicros: 2000000},
			PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T12:00:00Z"), MeterStopWh: 10000, Readings: idleReadings}, 200, -550, 3600},
		{"zero energy", idle, PricingInput{Started: at("2026-05-01T10:00:00Z"), Stopped: at("2026-05-01T12:00:00Z"), MeterStartWh: 50, MeterStopWh: 50,
			Readings: []MeterReading{{at("2026-05-01T11:00:00Z"), 50}}}, 0, 0, 0},
	}
	for _, tt := range tests {
		p := tt.tariff.Price(tt.in)
		if p.TotalMinor != tt.want || p.AdjustmentMinor != tt.wantAdj || p.IdleSeconds != tt.wantIdleS {
			t.Errorf("%s: Price = %+v, want total %d, adjustment %d, idle %d s", tt.name, p, tt.want, tt.wantAdj, tt.wantIdleS)
		}
		if sum := p.EnergyMinor + p.TimeMinor + p.StartFeeMinor + p.IdleMinor + p.AdjustmentMinor; sum != p.TotalMinor {
			t.Errorf("%s: parts add up to %d, total %d", tt.name, sum, p.TotalMinor)
		}
	}
}

// A reading beyond the meter stop or below an earlier one cannot make the
// bands' energy differ from the session's.
func TestTariffPriceOddReadings(t *testing.T) {
	night := Tariff{Currency: "EUR", PerKWhMicros: 400000, Bands: []TariffBand{{FromMinute: 22 * 60, ToMinute: 6 * 60, PerKWhMicros: 200000}}}
	in := PricingInput{Started: at("2026-05-01T21:00:00Z"), Stopped: at("2026-05-01T23:00:00Z"), MeterStopWh: 2000,
		Readings: []MeterReading{{at("2026-05-01T21:30:00Z"), 9000}, {at("2026-05-01T22:30:00Z"), 100}, {at("2026-05-02T22:30:00Z"), 1}}}
	// The register reads 2000 (held at the stop) from 21:30: all at 0.40.
	if p := night.Price(in); p.TotalMinor != 80 {
		t.Errorf("Price = %+v, want 80", p)
	}
}

func TestTariffPriceFlatIsCost(t *testing.T) {
	for _, tf := range []Tariff{{Currency: "EUR", PerKWhMicros: 350000, PerMinuteMicros: 10000, StartFeeMicros: 500000},
		{Currency: "JPY", PerKWhMicros: 40_000000}, {Currency: "KWD", PerKWhMicros: 123457, PerMinuteMicros: 7}} {
		for _, c := range []struct{ wh, secs int64 }{{0, 0}, {12345, 3600}, {1, 1}, {999999, 86399}} {
			start := at("2026-05-01T10:00:00Z")
			p := tf.Price(PricingInput{Started: start, Stopped: start.Add(time.Duration(c.secs) * time.Second), MeterStartWh: 10, MeterStopWh: 10 + c.wh})
			if want := tf.Cost(c.wh, c.secs); p.TotalMinor != want {
				t.Errorf("%+v %+v: Price %d, Cost %d", tf, c, p.TotalMinor, want)
			}
		}
	}
}

func TestBandsOverlap(t *testing.T) {
	for _, tt := range []struct {
		bands []TariffBand
		want  bool
	}{
		{[]TariffBand{{FromMinute: 1320, ToMinute: 360}, {FromMinute: 360, ToMinute: 1320}}, false},
		{[]TariffBand{{FromMinute: 1320, ToMinute: 360}, {FromMinute: 300, ToMinute: 600}}, true},
		{[]TariffBand{{FromMinute: 0, ToMinute: 1440}}, true}, // empty: the same minute
		{[]TariffBand{{FromMinute: 600, ToMinute: 1440}, {FromMinute: 0, ToMinute: 600}}, false},
		{[]TariffBand{{FromMinute: 600, ToMinute: 600}}, true},
	} {
		if got := (Tariff{Bands: tt.bands}).BandsOverlap(); got != tt.want {
			t.Errorf("BandsOverlap(%v) = %v, want %v", tt.bands, got, tt.want)
		}
	}
}
