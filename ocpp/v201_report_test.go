package ocpp_test

import (
	"context"
	"testing"
)

// TestNotifyReport: a report in two parts is stored as the station's device
// model, one row per attribute; a later report replaces what it names.
func TestNotifyReport(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		at := ts(fixedNow)
		st.call("NotifyReport", jsonRaw(`{"requestId":7,"generatedAt":"`+at+`","tbc":true,"seqNo":0,"reportData":[
			{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},
			 "variableAttribute":[{"type":"Actual","value":"300","mutability":"ReadWrite"}],
			 "variableCharacteristics":{"unit":"s","dataType":"integer","supportsMonitoring":false}},
			{"component":{"name":"EVSE","evse":{"id":1}},"variable":{"name":"Power"},
			 "variableAttribute":[{"type":"Actual","value":"0","mutability":"ReadOnly"},{"type":"MaxSet","value":"22000"}],
			 "variableCharacteristics":{"unit":"W","dataType":"decimal","supportsMonitoring":true}}]}`), nil)
		st.call("NotifyReport", jsonRaw(`{"requestId":7,"generatedAt":"`+at+`","seqNo":1,"reportData":[
			{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"},
			 "variableAttribute":[{"value":"600"}]}]}`), nil)
		got, err := w.Store.DeviceModel(context.Background(), w.Station.ID)
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ component, variable, attr, value, unit string }
		var rows []row
		for _, v := range got {
			value := "<nil>"
			if v.Value != nil {
				value = *v.Value
			}
			rows = append(rows, row{v.Component, v.Variable, v.AttributeType, value, v.Unit})
		}
		want := []row{
			{"EVSE", "Power", "Actual", "0", "W"},
			{"EVSE", "Power", "MaxSet", "22000", "W"},
			{"OCPPCommCtrlr", "HeartbeatInterval", "Actual", "600", ""},
		}
		if len(rows) != len(want) {
			t.Fatalf("device model %+v, want %+v", rows, want)
		}
		for i := range want {
			if rows[i] != want[i] {
				t.Errorf("row %d: %+v, want %+v", i, rows[i], want[i])
			}
		}
		if got[0].EVSEID != 1 {
			t.Errorf("EVSE of the power variable: %d, want 1", got[0].EVSEID)
		}
	})
}

func TestSecurityEventNotification(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		st.call("SecurityEventNotification", map[string]any{"type": "FirmwareUpdated", "timestamp": ts(startedAt)}, nil)
		st.call("SecurityEventNotification", map[string]any{"type": "TamperDetectionActivated", "timestamp": ts(fixedNow), "techInfo": "door open"}, nil)
		got, err := w.Store.SecurityEvents(context.Background(), w.Station.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Type != "TamperDetectionActivated" || got[0].TechInfo != "door open" || !got[0].At.Equal(fixedNow) ||
			got[1].Type != "FirmwareUpdated" || !got[1].At.Equal(startedAt) {
			t.Errorf("security events %+v", got)
		}
		if other, _ := w.Store.SecurityEvents(context.Background(), w.Restricted.ID, 10); len(other) != 0 {
			t.Errorf("another station has %d events", len(other))
		}
	})
}
