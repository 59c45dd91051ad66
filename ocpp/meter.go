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

// meterValues keeps the latest energy reading of the transaction the values
// belong to. Values outside a transaction, and readings for a transaction the
// back office does not know or has closed, are acknowledged and dropped.
func (s *Server) meterValues(ctx context.Context, st *fc.Station, payload json.RawMessage) (any, error) {
	req, err := decode[meterValuesRequest](payload)
	if err != nil {
		return nil, err
	}
	if req.TransactionID == nil {
		return empty{}, nil
	}
	if err := s.recordEnergy(ctx, st, *req.TransactionID, req.MeterValue); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// recordEnergy stores the latest energy register reading among values as the
// transaction's last meter reading.
func (s *Server) recordEnergy(ctx context.Context, st *fc.Station, txID int64, values []meterValue) error {
	wh, at, ok := latestEnergy(values)
	if !ok {
		return nil
	}
	err := s.store.RecordMeter(ctx, st.ID, fc.ID(txID), wh, at)
	if fc.IsCode(err, fc.ENotFound) || fc.IsCode(err, fc.EConflict) || fc.IsCode(err, fc.EUnprocessable) {
		s.log.Info("meter reading dropped", "station", st.Identity, "transaction", txID, "err", err)
		return nil
	}
	return err
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
