package ocpp

import (
	"context"
	"encoding/json"
	"math"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// meterValue201 and sampledValue201 are OCPP 2.0.1's MeterValueType and
// SampledValueType: the value is a number, its unit and power of ten in
// unitOfMeasure.
type meterValue201 struct {
	Timestamp    string            `json:"timestamp"`
	SampledValue []sampledValue201 `json:"sampledValue"`
}

type sampledValue201 struct {
	Value            float64         `json:"value"`
	Context          string          `json:"context"`
	Measurand        string          `json:"measurand"`
	Phase            string          `json:"phase"`
	Location         string          `json:"location"`
	SignedMeterValue json.RawMessage `json:"signedMeterValue"`
	UnitOfMeasure    *struct {
		Unit       string `json:"unit"`
		Multiplier int    `json:"multiplier"`
	} `json:"unitOfMeasure"`
}

type meterValuesRequest201 struct {
	EVSEID     int             `json:"evseId"`
	MeterValue []meterValue201 `json:"meterValue"`
}

// meterValues201 acknowledges OCPP 2.0.1 MeterValues. In OCPP 2.0.1 they
// carry no transaction: a transaction's readings come in its
// TransactionEvents, and these are the station's readings outside them
// (clock-aligned data), which the back office does not keep yet.
func (s *Server) meterValues201(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	if _, err := decode[meterValuesRequest201](payload); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// samples201 converts OCPP 2.0.1 meter values to samples: the multiplier
// applied to the value, a signedMeterValue kept as received. A meter value
// without a readable time is skipped.
func samples201(values []meterValue201) []fc.MeterSample {
	var out []fc.MeterSample
	for _, mv := range values {
		t, err := time.Parse(time.RFC3339Nano, mv.Timestamp)
		if err != nil {
			continue
		}
		for _, sv := range mv.SampledValue {
			v := sv.Value
			x := fc.MeterSample{At: t, Measurand: sv.Measurand, Phase: sv.Phase, Context: sv.Context, Location: sv.Location,
				Value: &v, Signed: sv.SignedMeterValue}
			if u := sv.UnitOfMeasure; u != nil {
				if u.Multiplier < -9 || u.Multiplier > 9 {
					continue
				}
				x.Unit, v = u.Unit, v*math.Pow10(u.Multiplier)
			}
			out = append(out, x)
		}
	}
	return out
}

// latestEnergy201 returns the most recent reading of the active energy
// imported in total among values, in Wh: the measurand defaults to that
// register and the unit to Wh; the multiplier is a power of ten. Values it
// cannot read are skipped, as in OCPP 1.6.
func latestEnergy201(values []meterValue201) (wh int64, at time.Time, ok bool) {
	for _, mv := range values {
		t, err := time.Parse(time.RFC3339Nano, mv.Timestamp)
		if err != nil {
			continue
		}
		for _, sv := range mv.SampledValue {
			if sv.Measurand != "" && sv.Measurand != "Energy.Active.Import.Register" || sv.Phase != "" {
				continue
			}
			scale := 1.0
			if u := sv.UnitOfMeasure; u != nil {
				switch u.Unit {
				case "", "Wh":
				case "kWh":
					scale = 1000
				default:
					continue
				}
				if u.Multiplier < -9 || u.Multiplier > 9 {
					continue
				}
				scale *= math.Pow10(u.Multiplier)
			}
			v := sv.Value * scale
			if math.IsNaN(v) || v < 0 || v > 1e15 {
				continue
			}
			if !ok || !t.Before(at) {
				wh, at, ok = int64(math.Round(v)), t.UTC(), true
			}
		}
	}
	return wh, at, ok
}
