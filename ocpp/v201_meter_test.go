package ocpp

import (
	"testing"
	"time"
)

func TestLatestEnergy201(t *testing.T) {
	at := func(min int) string { return time.Date(2025, 6, 2, 9, min, 0, 0, time.UTC).Format(time.RFC3339) }
	type unit = struct {
		Unit       string `json:"unit"`
		Multiplier int    `json:"multiplier"`
	}
	sv := func(v float64, measurand, phase string, u *unit) sampledValue201 {
		return sampledValue201{Value: v, Measurand: measurand, Phase: phase, UnitOfMeasure: u}
	}
	tests := []struct {
		name   string
		values []meterValue201
		want   int64
		ok     bool
	}{
		{"default measurand and unit", []meterValue201{{at(1), []sampledValue201{sv(1234.4, "", "", nil)}}}, 1234, true},
		{"kWh", []meterValue201{{at(1), []sampledValue201{sv(9.5, "Energy.Active.Import.Register", "", &unit{"kWh", 0})}}}, 9500, true},
		{"multiplier", []meterValue201{{at(1), []sampledValue201{sv(12, "", "", &unit{"Wh", 3})}}}, 12000, true},
		{"kWh and a negative multiplier", []meterValue201{{at(1), []sampledValue201{sv(125, "", "", &unit{"kWh", -1})}}}, 12500, true},
		{"the latest wins", []meterValue201{{at(2), []sampledValue201{sv(200, "", "", nil)}}, {at(1), []sampledValue201{sv(100, "", "", nil)}}}, 200, true},
		{"a phase is not the total", []meterValue201{{at(1), []sampledValue201{sv(50, "", "L1", nil)}}}, 0, false},
		{"another measurand", []meterValue201{{at(1), []sampledValue201{sv(7400, "Power.Active.Import", "", &unit{"W", 0})}}}, 0, false},
		{"another unit", []meterValue201{{at(1), []sampledValue201{sv(5, "", "", &unit{"varh", 0})}}}, 0, false},
		{"negative", []meterValue201{{at(1), []sampledValue201{sv(-1, "", "", nil)}}}, 0, false},
		{"absurd multiplier", []meterValue201{{at(1), []sampledValue201{sv(1, "", "", &unit{"Wh", 40})}}}, 0, false},
		{"bad timestamp", []meterValue201{{"yesterday", []sampledValue201{sv(1, "", "", nil)}}}, 0, false},
		{"none", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, ok := latestEnergy201(tt.values)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
