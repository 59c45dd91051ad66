package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// meterSampleView is one sample of a session's charging curve.
type meterSampleView struct {
	At        time.Time   `json:"at" doc:"when the station sampled it"`
	Measurand string      `json:"measurand" doc:"the OCPP measurand, e.g. Energy.Active.Import.Register, Power.Active.Import, Current.Import, Voltage, SoC"`
	Value     json.Number `json:"value" doc:"the value in unit (an OCPP 2.0.1 multiplier applied)"`
	Unit      string      `json:"unit" doc:"the OCPP unit, e.g. Wh, kWh, W, kW, A, V, Percent"`
	Phase     string      `json:"phase" doc:"the phase (L1, L2, L3, L1-N…), empty for all phases"`
	Context   string      `json:"context" doc:"why it was sampled: Sample.Periodic, Sample.Clock, Transaction.Begin, Transaction.End…"`
	Location  string      `json:"location,omitempty" doc:"where it was measured: Outlet, Inlet, Cable, EV, Body"`
}

// meterValuesView is the answer of GET /api/v1/sessions/{id}/meter-values.
type meterValuesView struct {
	Data []meterSampleView `json:"data" doc:"the samples, by time, measurand and phase"`
}

func (s *Server) meterValuesRoute() route {
	return route{method: http.MethodGet, path: "/api/v1/sessions/{id}/meter-values", id: "session_meter_values", tag: "sessions",
		summary: "A session's charging curve",
		doc: "Every meter value sample the station sent for the session (OCPP 1.6 MeterValues and StopTransaction, OCPP 2.0.1 TransactionEvent), " +
			"each once, in order. Readable as the session is; a masked session's curve is the station side's and shown. " +
			"Signed readings are on the session, as signed_meter_data. Samples older than the server's retention are dropped.",
		resp: typ[meterValuesView](), status: http.StatusOK, h: s.meterValues}
}

func (s *Server) meterValues(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	xs, err := s.app.SessionMeterValues(r.Context(), subj, id)
	if err != nil {
		return err
	}
	out := meterValuesView{Data: make([]meterSampleView, len(xs))}
	for i, x := range xs {
		out.Data[i] = meterSampleView{At: x.At, Measurand: x.Measurand, Value: json.Number(strconv.FormatFloat(*x.Value, 'f', -1, 64)), Unit: x.Unit, Phase: x.Phase,
			Context: x.Context, Location: x.Location}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
