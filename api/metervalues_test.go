package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// A session's charging curve is read as the session is: the leak walk
// reads it for every session as every persona.
func init() {
	coverage["GET /api/v1/sessions/{id}/meter-values"] = exGet
}

// TestSessionMeterValues reads a session's curve on the API: in order, with
// its fields; the station side reads a masked session's curve; callers who
// may not read the session get 404; the signed readings are on the
// session. Both engines.
func TestSessionMeterValues(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		body := map[string]any{"external_ref": "curve-1", "card_id": w.south1.card.String(), "station_id": w.north1.station.String(),
			"connector_id": 1, "started_at": "2025-03-05T09:00:00Z", "stopped_at": "2025-03-05T10:00:00Z", "energy_kwh": 5, "cost": 1.75, "currency": "EUR"}
		x := w.do(admin, "POST", "/api/v1/sessions", body).want(t, http.StatusCreated).object(t)
		id, err := fc.ParseID(x["id"].(string))
		check(t, err)
		at := time.Date(2025, 3, 5, 9, 0, 0, 0, time.UTC)
		v := func(f float64) *float64 { return &f }
		check(t, w.st.RecordMeterValues(ctx, w.north1.station, id, nil, time.Time{}, []fc.MeterSample{
			{At: at.Add(10 * time.Minute), Value: v(2500), Context: "Sample.Periodic"},
			{At: at, Value: v(0), Context: "Transaction.Begin"},
			{At: at, Context: "Transaction.Begin", Signed: json.RawMessage(`"OCMF|{}|{}"`)},
			{At: at.Add(10 * time.Minute), Measurand: fc.MeasurandPower, Unit: "kW", Phase: "L1", Value: v(3.7)},
		}))
		want := `{"data":[` +
			`{"at":"2025-03-05T09:00:00Z","measurand":"Energy.Active.Import.Register","value":0,"unit":"Wh","phase":"","context":"Transaction.Begin","location":"Outlet"},` +
			`{"at":"2025-03-05T09:10:00Z","measurand":"Energy.Active.Import.Register","value":2500,"unit":"Wh","phase":"","context":"Sample.Periodic","location":"Outlet"},` +
			`{"at":"2025-03-05T09:10:00Z","measurand":"Power.Active.Import","value":3.7,"unit":"kW","phase":"L1","context":"Sample.Periodic","location":"Outlet"}]}`
		path := "/api/v1/sessions/" + id.String() + "/meter-values"
		for _, who := range []string{admin, holdingMgr, northFacility} { // the facility manager's session is masked
			got := w.do(who, "GET", path, nil).want(t, http.StatusOK)
			if string(got.body) != want+"\n" && string(got.body) != want {
				t.Errorf("%s: meter values = %s\nwant %s", who, got.body, want)
			}
		}
		for _, who := range []string{northFleet, otherAdmin, nobody} {
			w.do(who, "GET", path, nil).want(t, http.StatusNotFound)
		}
		w.do(admin, "GET", "/api/v1/sessions/999999999/meter-values", nil).want(t, http.StatusNotFound)
		w.do(admin, "GET", path+"?x=1", nil).want(t, http.StatusBadRequest)

		got := w.do(admin, "GET", "/api/v1/sessions/"+id.String(), nil).want(t, http.StatusOK).object(t)
		if signed, _ := json.Marshal(got["signed_meter_data"]); string(signed) != `["OCMF|{}|{}"]` {
			t.Errorf("signed_meter_data = %s, want [\"OCMF|{}|{}\"]", signed)
		}
		got = w.do(admin, "GET", "/api/v1/sessions/"+w.south1.session.String(), nil).want(t, http.StatusOK).object(t)
		if v, ok := got["signed_meter_data"]; !ok || v != nil {
			t.Errorf("signed_meter_data without signed readings = %v (present %v), want null", v, ok)
		}
		empty := w.do(admin, "GET", "/api/v1/sessions/"+w.south1.session.String()+"/meter-values", nil).want(t, http.StatusOK)
		if string(empty.body) != "{\"data\":[]}\n" && string(empty.body) != `{"data":[]}` {
			t.Errorf("no samples = %s, want {\"data\":[]}", empty.body)
		}
	})
}
