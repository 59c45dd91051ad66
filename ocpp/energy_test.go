package ocpp

import (
	"testing"
	"time"
)

func TestLatestEnergy(t *testing.T) {
	t1, t2 := "2025-06-02T10:00:00Z", "2025-06-02T10:05:00Z"
	sv := func(value, measurand, unit, phase string) sampledValue {
		return sampledValue{Value: value, Measurand: measurand, Unit: unit, Phase: phase}
	}
	tests := []struct {
		name   string
		values []meterValue
		wantWh int64
		wantAt string
		wantOK bool
	}{
		{"none", nil, 0, "", false},
		{"default measurand and unit", []meterValue{{t1, []sampledValue{sv("1234", "", "", "")}}}, 1234, t1, true},
		{"kWh rounded", []meterValue{{t1, []sampledValue{sv("12.3456", "Energy.Active.Import.Register", "kWh", "")}}}, 12346, t1, true},
		{"latest wins", []meterValue{{t2, []sampledValue{sv("2000", "", "Wh", "")}}, {t1, []sampledValue{sv("1000", "", "Wh", "")}}}, 2000, t2, true},
		{"other measurands skipped", []meterValue{{t1, []sampledValue{sv("7400", "Power.Active.Import", "W", ""), sv("500", "", "", "")}}}, 500, t1, true},
		{"phases skipped", []meterValue{{t1, []sampledValue{sv("100", "", "", "L1")}}}, 0, "", false},
		{"signed skipped", []meterValue{{t1, []sampledValue{{Value: "AAEC", Format: "SignedData"}}}}, 0, "", false},
		{"garbage skipped", []meterValue{{t1, []sampledValue{sv("lots", "", "", ""), sv("-5", "", "", ""), sv("NaN", "", "", "")}}}, 0, "", false},
		{"odd unit skipped", []meterValue{{t1, []sampledValue{sv("5", "", "varh", "")}}}, 0, "", false},
	}
	for _, tt := range tests {
		wh, at, ok := latestEnergy(tt.values)
		var want time.Time
		if tt.wantAt != "" {
			want, _ = time.Parse(time.RFC3339, tt.wantAt)
		}
		if wh != tt.wantWh || ok != tt.wantOK || !at.Equal(want) {
			t.Errorf("%s: got %d Wh at %v (%v), want %d Wh at %v (%v)", tt.name, wh, at, ok, tt.wantWh, want, tt.wantOK)
		}
	}
}
