package ocpp

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// meterValue and sampledValue are OCPP's MeterValue and SampledValue.
type meterValue struct {
	Timestamp    string         `json:"timestamp"`
	SampledValue []sampledValue `json:"sampledValue"`
}

type sampledValue struct {
	Value     string `json:"value"`
	Context   string `json:"context"`
	Format    string `json:"format"`
	Measurand string `json:"measurand"`
	Phase     string `json:"phase"`
	Location  string `json:"location"`
	Unit      string `json:"unit"`
}

type meterValuesRequest struct {
	ConnectorID   int          `json:"connectorId"`
	TransactionID *int64       `json:"transactionId"`
	MeterValue    []meterValue `json:"meterValue"`
}

// meterValues keeps the samples of the transaction the values belong to,
// and its latest energy reading, in one write. Values outside a
// transaction, and values for a transaction the back office does not know,
// are acknowledged and dropped.
func (s *Server) meterValues(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[meterValuesRequest](payload)
	if err != nil {
		return nil, err
	}
	if req.TransactionID == nil {
		return empty{}, nil
	}
	samples := samples16(req.MeterValue)
	var meter *int64
	wh, at, ok := latestEnergy(req.MeterValue)
	if ok {
		meter = &wh
	}
	if !ok && len(samples) == 0 {
		return empty{}, nil
	}
	err = s.store.RecordMeterValues(ctx, st.ID, fc.ID(*req.TransactionID), meter, at, samples)
	if fc.IsCode(err, fc.ENotFound) || fc.IsCode(err, fc.EConflict) || fc.IsCode(err, fc.EUnprocessable) {
		s.log.Info("meter values dropped", "station", st.Identity, "transaction", *req.TransactionID, "err", err)
		return empty{}, nil
	}
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// samples16 converts OCPP 1.6 meter values to samples. A SignedData
// sample keeps its value, the signed data, as received; a value that is
// not a number, or a meter value without a readable time, is skipped.
func samples16(values []meterValue) []fc.MeterSample {
	var out []fc.MeterSample
	for _, mv := range values {
		t, err := time.Parse(time.RFC3339Nano, mv.Timestamp)
		if err != nil {
			continue
		}
		for _, sv := range mv.SampledValue {
			x := fc.MeterSample{At: t, Measurand: sv.Measurand, Unit: sv.Unit, Phase: sv.Phase, Context: sv.Context, Location: sv.Location}
			if sv.Format == "SignedData" {
				if x.Signed, err = json.Marshal(sv.Value); err != nil {
					continue
				}
			} else {
				v, err := strconv.ParseFloat(sv.Value, 64)
				if err != nil {
					continue
				}
				x.Value = &v
			}
			out = append(out, x)
		}
	}
	return out
}

// latestEnergy returns the most recent reading of the active energy imported
// in total (the register, not an interval or one phase), in Wh. The
// measurand defaults to that register and the unit to Wh, as OCPP says.
// Values it cannot read (signed data, not a number) are skipped: a reading
// is never worth refusing a message for, least of all a StopTransaction.
func latestEnergy(values []meterValue) (wh int64, at time.Time, ok bool) {
	for _, mv := range values {
		t, err := time.Parse(time.RFC3339Nano, mv.Timestamp)
		if err != nil {
			continue
		}
		for _, sv := range mv.SampledValue {
			if sv.Measurand != "" && sv.Measurand != "Energy.Active.Import.Register" || sv.Phase != "" || sv.Format == "SignedData" {
				continue
			}
			scale := 1.0
			switch sv.Unit {
			case "", "Wh":
			case "kWh":
				scale = 1000
			default:
				continue
			}
			v, err := strconv.ParseFloat(sv.Value, 64)
			if err != nil || math.IsNaN(v) || v < 0 || v*scale > 1e15 {
				continue
			}
			if !ok || !t.Before(at) {
				wh, at, ok = int64(math.Round(v*scale)), t.UTC(), true
			}
		}
	}
	return wh, at, ok
}
