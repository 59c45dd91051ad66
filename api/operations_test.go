package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The station operations join the leak walk's coverage (leak_test.go) as
// the other commands, with valid bodies.
func init() {
	bodies := map[string]map[string]any{
		"get-configuration":      {"keys": []any{"HeartbeatInterval"}},
		"change-configuration":   {"key": "HeartbeatInterval", "value": "600"},
		"clear-cache":            {},
		"trigger-message":        {"message": "Heartbeat"},
		"update-firmware":        {"location": "https://fw.example.com/a.bin", "retrieve_at": "2030-01-01T00:00:00Z"},
		"get-diagnostics":        {"location": "https://logs.example.com/"},
		"reserve-now":            {"connector_id": 1, "id_tag": "LEAKWALK", "expires_at": "2030-01-01T00:00:00Z"},
		"cancel-reservation":     {"reservation_id": 5},
		"send-local-list":        {"version": 1, "update_type": "Full"},
		"get-local-list-version": {},
		"set-charging-profile": {"connector_id": 0, "profile": map[string]any{"id": 1, "stack_level": 0, "purpose": "TxDefaultProfile", "kind": "Relative",
			"schedule": map[string]any{"unit": "A", "periods": []any{map[string]any{"start_period": 0, "limit": 16}}}}},
		"clear-charging-profile": {},
		"get-composite-schedule": {"connector_id": 0, "duration_seconds": 3600},
		"get-transaction-status": {},
		"data-transfer":          {"vendor_id": "com.example"},
	}
	for command, body := range bodies {
		coverage["POST /api/v1/stations/{id}/commands/"+command] = exCommand
		commandBodies[command] = body
	}
}

// TestStationOperationsAPI checks each station operation on the API: the
// exact payload an OCPP 1.6 and an OCPP 2.0.1 station get; bodies that do
// not hold are 400 and reach no station; cards, sessions and versions are
// checked before anything is sent. Both engines.
func TestStationOperationsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w.cmd.online[w.north1.identity] = true
		w.cmd.online[w.south1.identity] = true
		check(t, w.st.SetConnection(ctx, w.north1.station, true, fc.OCPP201, time.Now()))
		check(t, w.st.SetConnection(ctx, w.south1.station, true, fc.OCPP16, time.Now()))
		// A transaction the 2.0.1 station started, named by its own ID.
		res, err := w.st.TransactionEvent(ctx, fc.TransactionEvent{StationID: w.north1.station, TransactionID: "TX-77", EventType: fc.TxStarted,
			TriggerReason: "Authorized", Timestamp: time.Now(), ConnectorID: 2, IDTag: "N04A1B2C3"})
		check(t, err)
		tx201 := res.Session.ID.String()
		v201 := "/api/v1/stations/" + w.north1.station.String() + "/commands/"
		v16 := "/api/v1/stations/" + w.south1.station.String() + "/commands/"
		expires := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		exp := expires.Format(time.RFC3339)
		profile := func(purpose, kind string, extra map[string]any) map[string]any {
			p := map[string]any{"id": 7, "stack_level": 1, "purpose": purpose, "kind": kind,
				"schedule": map[string]any{"unit": "W", "duration": 7200, "min_charging_rate": "1380.5",
					"periods": []any{map[string]any{"start_period": 0, "limit": 11000}, map[string]any{"start_period": 1800, "limit": "7400.5", "number_phases": 1}}}}
			for k, v := range extra {
				p[k] = v
			}
			return p
		}
		const periods = `"chargingSchedulePeriod":[{"limit":11000,"startPeriod":0},{"limit":7400.5,"numberPhases":1,"startPeriod":1800}],"duration":7200`

		for _, tt := range []struct {
			path, command string
			body          map[string]any
			action, sent  string // sent: the request, its requestId left out
		}{
			{v16, "get-configuration", map[string]any{}, "GetConfiguration", `{}`},
			{v16, "get-configuration", map[string]any{"keys": []any{"HeartbeatInterval", "Vendor.Key"}}, "GetConfiguration", `{"key":["HeartbeatInterval","Vendor.Key"]}`},
			{v201, "get-configuration", map[string]any{"keys": []any{"MeterValueSampleInterval", "OCPPCommCtrlr.NetworkProfileConnectionAttempts"}}, "GetVariables",
				`{"getVariableData":[{"component":{"name":"SampledDataCtrlr"},"variable":{"name":"TxUpdatedInterval"}},{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"NetworkProfileConnectionAttempts"}}]}`},
			{v16, "change-configuration", map[string]any{"key": "ConnectionTimeOut", "value": "90"}, "ChangeConfiguration", `{"key":"ConnectionTimeOut","value":"90"}`},
			{v201, "change-configuration", map[string]any{"key": "ConnectionTimeOut", "value": "90"}, "SetVariables",
				`{"setVariableData":[{"attributeValue":"90","component":{"name":"TxCtrlr"},"variable":{"name":"EVConnectionTimeOut"}}]}`},
			{v16, "clear-cache", nil, "ClearCache", `{}`},
			{v201, "clear-cache", map[string]any{}, "ClearCache", `{}`},
			{v16, "trigger-message", map[string]any{"message": "LogStatusNotification"}, "TriggerMessage", `{"requestedMessage":"DiagnosticsStatusNotification"}`},
			{v16, "trigger-message", map[string]any{"message": "StatusNotification", "connector_id": 2}, "TriggerMessage", `{"connectorId":2,"requestedMessage":"StatusNotification"}`},
			{v201, "trigger-message", map[string]any{"message": "DiagnosticsStatusNotification"}, "TriggerMessage", `{"requestedMessage":"LogStatusNotification"}`},
			{v201, "trigger-message", map[string]any{"message": "MeterValues", "connector_id": 1}, "TriggerMessage", `{"evse":{"id":1},"requestedMessage":"MeterValues"}`},
			{v201, "trigger-message", map[string]any{"message": "StatusNotification", "connector_id": 2}, "TriggerMessage", `{"evse":{"connectorId":1,"id":2},"requestedMessage":"StatusNotification"}`},
			{v16, "update-firmware", map[string]any{"location": "ftp://fw.example.com/v2.bin", "retrieve_at": "2030-01-01T09:00:00+01:00", "retries": 3, "retry_interval": 600},
				"UpdateFirmware", `{"location":"ftp://fw.example.com/v2.bin","retries":3,"retrieveDate":"2030-01-01T08:00:00Z","retryInterval":600}`},
			{v201, "update-firmware", map[string]any{"location": "https://fw.example.com/v2.bin", "retrieve_at": "2030-01-01T08:00:00Z"},
				"UpdateFirmware", `{"firmware":{"location":"https://fw.example.com/v2.bin","retrieveDateTime":"2030-01-01T08:00:00Z"}}`},
			{v16, "get-diagnostics", map[string]any{"location": "https://logs.example.com/up", "start_time": "2026-12-01T00:00:00Z", "stop_time": "2026-12-02T00:00:00Z"},
				"GetDiagnostics", `{"location":"https://logs.example.com/up","startTime":"2026-12-01T00:00:00Z","stopTime":"2026-12-02T00:00:00Z"}`},
			{v201, "get-diagnostics", map[string]any{"location": "https://logs.example.com/up", "start_time": "2026-12-01T00:00:00Z"},
				"GetLog", `{"log":{"oldestTimestamp":"2026-12-01T00:00:00Z","remoteLocation":"https://logs.example.com/up"},"logType":"DiagnosticsLog"}`},
			{v16, "reserve-now", map[string]any{"connector_id": 1, "id_tag": "S04A1B2C3", "expires_at": exp, "reservation_id": 12},
				"ReserveNow", `{"connectorId":1,"expiryDate":"` + exp + `","idTag":"S04A1B2C3","reservationId":12}`},
			{v201, "reserve-now", map[string]any{"connector_id": 2, "id_tag": "N04A1B2C3", "expires_at": exp, "reservation_id": 13},
				"ReserveNow", `{"evseId":2,"expiryDateTime":"` + exp + `","id":13,"idToken":{"idToken":"N04A1B2C3","type":"ISO14443"}}`},
			{v16, "cancel-reservation", map[string]any{"reservation_id": 12}, "CancelReservation", `{"reservationId":12}`},
			{v201, "cancel-reservation", map[string]any{"reservation_id": 13}, "CancelReservation", `{"reservationId":13}`},
			{v16, "send-local-list", map[string]any{"version": 4, "update_type": "Full", "entries": []any{
				map[string]any{"id_tag": "S04A1B2C3", "status": "Accepted", "expiry_date": "2027-01-01T00:00:00Z", "parent_id_tag": "SOUTH"},
				map[string]any{"id_tag": "LOST-1", "status": "Blocked"}}},
				"SendLocalList", `{"listVersion":4,"localAuthorizationList":[{"idTag":"S04A1B2C3","idTagInfo":{"expiryDate":"2027-01-01T00:00:00Z","parentIdTag":"SOUTH","status":"Accepted"}},{"idTag":"LOST-1","idTagInfo":{"status":"Blocked"}}],"updateType":"Full"}`},
			{v201, "send-local-list", map[string]any{"version": 5, "update_type": "Differential", "entries": []any{
				map[string]any{"id_tag": "N04A1B2C3", "status": "Accepted", "expiry_date": "2027-01-01T00:00:00Z", "parent_id_tag": "NORTH"},
				map[string]any{"id_tag": "GONE-1"}}},
				"SendLocalList", `{"localAuthorizationList":[{"idToken":{"idToken":"N04A1B2C3","type":"ISO14443"},"idTokenInfo":{"cacheExpiryDateTime":"2027-01-01T00:00:00Z","groupIdToken":{"idToken":"NORTH","type":"Central"},"status":"Accepted"}},{"idToken":{"idToken":"GONE-1","type":"ISO14443"}}],"updateType":"Differential","versionNumber":5}`},
			{v201, "send-local-list", map[string]any{"version": 6, "update_type": "Full"}, "SendLocalList", `{"updateType":"Full","versionNumber":6}`},
			{v16, "get-local-list-version", nil, "GetLocalListVersion", `{}`},
			{v201, "get-local-list-version", map[string]any{}, "GetLocalListVersion", `{}`},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("ChargingStationMaxProfile", "Absolute", nil)}, "SetChargingProfile",
				`{"connectorId":0,"csChargingProfiles":{"chargingProfileId":7,"chargingProfileKind":"Absolute","chargingProfilePurpose":"ChargePointMaxProfile","chargingSchedule":{"chargingRateUnit":"W",` + periods + `,"minChargingRate":1380.5},"stackLevel":1}}`},
			{v201, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("ChargePointMaxProfile", "Recurring",
				map[string]any{"recurrency": "Daily", "valid_to": "2027-01-01T00:00:00Z", "schedule": map[string]any{"unit": "A", "start_schedule": "2026-12-01T00:00:00Z",
					"periods": []any{map[string]any{"start_period": 0, "limit": 32}}}})}, "SetChargingProfile",
				`{"chargingProfile":{"chargingProfileKind":"Recurring","chargingProfilePurpose":"ChargingStationMaxProfile","chargingSchedule":[{"chargingRateUnit":"A","chargingSchedulePeriod":[{"limit":32,"startPeriod":0}],"id":7,"startSchedule":"2026-12-01T00:00:00Z"}],"id":7,"recurrencyKind":"Daily","stackLevel":1,"validTo":"2027-01-01T00:00:00Z"},"evseId":0}`},
			{v201, "set-charging-profile", map[string]any{"connector_id": 2, "profile": profile("TxProfile", "Relative", map[string]any{"transaction_id": tx201})}, "SetChargingProfile",
				`{"chargingProfile":{"chargingProfileKind":"Relative","chargingProfilePurpose":"TxProfile","chargingSchedule":[{"chargingRateUnit":"W",` + periods + `,"id":7,"minChargingRate":1380.5}],"id":7,"stackLevel":1,"transactionId":"TX-77"},"evseId":2}`},
			{v16, "clear-charging-profile", nil, "ClearChargingProfile", `{}`},
			{v16, "clear-charging-profile", map[string]any{"id": 7, "connector_id": 0, "purpose": "ChargingStationMaxProfile", "stack_level": 1}, "ClearChargingProfile",
				`{"chargingProfilePurpose":"ChargePointMaxProfile","connectorId":0,"id":7,"stackLevel":1}`},
			{v201, "clear-charging-profile", map[string]any{"id": 7}, "ClearChargingProfile", `{"chargingProfileId":7}`},
			{v201, "clear-charging-profile", map[string]any{"connector_id": 1, "purpose": "TxDefaultProfile"}, "ClearChargingProfile",
				`{"chargingProfileCriteria":{"chargingProfilePurpose":"TxDefaultProfile","evseId":1}}`},
			{v16, "get-composite-schedule", map[string]any{"connector_id": 1, "duration_seconds": 3600, "unit": "A"}, "GetCompositeSchedule",
				`{"chargingRateUnit":"A","connectorId":1,"duration":3600}`},
			{v201, "get-composite-schedule", map[string]any{"connector_id": 0, "duration_seconds": 86400}, "GetCompositeSchedule", `{"duration":86400,"evseId":0}`},
			{v201, "get-transaction-status", map[string]any{}, "GetTransactionStatus", `{}`},
			{v201, "get-transaction-status", map[string]any{"transaction_id": tx201}, "GetTransactionStatus", `{"transactionId":"TX-77"}`},
			{v16, "data-transfer", map[string]any{"vendor_id": "com.example", "message_id": "Ping", "data": `{"n":1}`}, "DataTransfer",
				`{"data":"{\"n\":1}","messageId":"Ping","vendorId":"com.example"}`},
			{v201, "data-transfer", map[string]any{"vendor_id": "com.example"}, "DataTransfer", `{"vendorId":"com.example"}`},
		} {
			var r response
			if tt.body == nil { // no body at all
				r = w.send(admin, "POST", tt.path+tt.command, "", nil)
			} else {
				r = w.do(admin, "POST", tt.path+tt.command, tt.body)
			}
			if r.status != http.StatusOK {
				t.Errorf("%s%s %v: status %d: %s", tt.path, tt.command, tt.body, r.status, r.body)
				continue
			}
			var got map[string]any
			b, _ := json.Marshal(w.cmd.last)
			check(t, json.Unmarshal(b, &got))
			delete(got, "requestId")
			b, _ = json.Marshal(got)
			identity := w.south1.identity
			if tt.path == v201 {
				identity = w.north1.identity
			}
			if call := w.cmd.calls[len(w.cmd.calls)-1]; string(b) != tt.sent || call != identity+" "+tt.action {
				t.Errorf("%s%s sent %s %s, want %s %s", tt.path, tt.command, call, b, tt.action, tt.sent)
			}
		}

		// A reservation without an ID gets one, which the answer gives.
		r := w.do(admin, "POST", v16+"reserve-now", map[string]any{"id_tag": "S04A1B2C3", "expires_at": exp})
		r.want(t, http.StatusOK)
		var answer struct {
			ReservationID int `json:"reservation_id"`
		}
		check(t, json.Unmarshal(r.body, &answer))
		b, _ := json.Marshal(w.cmd.last)
		if answer.ReservationID <= 0 || !strings.Contains(string(b), `"reservationId":`+jsonInt(answer.ReservationID)) {
			t.Errorf("reservation %d answered, %s sent", answer.ReservationID, b)
		}

		// The requestId of a firmware update is the answer's.
		r = w.do(admin, "POST", v201+"update-firmware", map[string]any{"location": "https://fw.example.com/v3.bin", "retrieve_at": exp})
		r.want(t, http.StatusOK)
		var numbered struct {
			RequestID int `json:"request_id"`
		}
		check(t, json.Unmarshal(r.body, &numbered))
		b, _ = json.Marshal(w.cmd.last)
		if numbered.RequestID <= 0 || !strings.Contains(string(b), `"requestId":`+jsonInt(numbered.RequestID)) {
			t.Errorf("request %d answered, %s sent", numbered.RequestID, b)
		}

		sent := slices.Clone(w.cmd.calls)
		past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		long := strings.Repeat("x", 51)
		for _, tt := range []struct {
			path, command string
			body          map[string]any
			status        int
		}{
			{v201, "get-configuration", map[string]any{}, http.StatusBadRequest},
			{v201, "get-configuration", map[string]any{"keys": []any{"NoSuchKey"}}, http.StatusBadRequest},
			{v16, "get-configuration", map[string]any{"keys": []any{long}}, http.StatusBadRequest},
			{v16, "get-configuration", map[string]any{"keys": "HeartbeatInterval"}, http.StatusBadRequest},
			{v16, "change-configuration", map[string]any{"key": "HeartbeatInterval"}, http.StatusBadRequest},
			{v16, "change-configuration", map[string]any{"key": "HeartbeatInterval", "value": strings.Repeat("9", 501)}, http.StatusBadRequest},
			{v16, "clear-cache", map[string]any{"now": true}, http.StatusBadRequest},
			{v16, "trigger-message", map[string]any{"message": "Reboot"}, http.StatusBadRequest},
			{v16, "trigger-message", map[string]any{"message": "TransactionEvent"}, http.StatusBadRequest},
			{v201, "trigger-message", map[string]any{"message": "Heartbeat", "connector_id": 3}, http.StatusBadRequest},
			{v201, "trigger-message", map[string]any{"message": "StatusNotification"}, http.StatusBadRequest},
			{v16, "update-firmware", map[string]any{"location": "fw.bin", "retrieve_at": exp}, http.StatusBadRequest},
			{v16, "update-firmware", map[string]any{"location": "https://fw.example.com/a.bin"}, http.StatusBadRequest},
			{v16, "update-firmware", map[string]any{"location": "https://fw.example.com/a.bin", "retrieve_at": "tomorrow"}, http.StatusBadRequest},
			{v201, "update-firmware", map[string]any{"location": "https://fw.example.com/a.bin", "retrieve_at": exp, "retries": -1}, http.StatusBadRequest},
			{v201, "update-firmware", map[string]any{"location": "https://fw.example.com/" + strings.Repeat("a", 600), "retrieve_at": exp}, http.StatusBadRequest},
			{v201, "get-diagnostics", map[string]any{"location": "https://logs.example.com/", "start_time": "2026-12-02T00:00:00Z", "stop_time": "2026-12-01T00:00:00Z"}, http.StatusBadRequest},
			{v16, "reserve-now", map[string]any{"id_tag": "S04A1B2C3", "expires_at": past}, http.StatusBadRequest},
			{v16, "reserve-now", map[string]any{"id_tag": strings.Repeat("S", 21), "expires_at": exp}, http.StatusBadRequest},
			{v16, "reserve-now", map[string]any{"connector_id": 3, "id_tag": "S04A1B2C3", "expires_at": exp}, http.StatusBadRequest},
			{v16, "reserve-now", map[string]any{"id_tag": "S04A1B2C3", "expires_at": exp, "reservation_id": -4}, http.StatusBadRequest},
			{v16, "reserve-now", map[string]any{"id_tag": "NOSUCHCARD", "expires_at": exp}, http.StatusNotFound},
			{v201, "cancel-reservation", map[string]any{}, http.StatusBadRequest},
			{v201, "cancel-reservation", map[string]any{"reservation_id": 0}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 1, "update_type": "Partial"}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 0, "update_type": "Full"}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 1, "update_type": "Full", "entries": []any{map[string]any{"idTag": "S04A1B2C3", "status": "Accepted"}}}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 1, "update_type": "Full", "entries": []any{map[string]any{"id_tag": "LOST-1"}}}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 1, "update_type": "Full", "entries": []any{map[string]any{"id_tag": "LOST-1", "status": "Maybe"}}}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 1, "update_type": "Differential", "entries": []any{
				map[string]any{"id_tag": "LOST-1", "status": "Blocked"}, map[string]any{"id_tag": "LOST-1"}}}, http.StatusBadRequest},
			{v16, "send-local-list", map[string]any{"version": 1, "update_type": "Full", "entries": []any{map[string]any{"id_tag": "NOSUCHCARD", "status": "Accepted"}}}, http.StatusNotFound},
			{v16, "set-charging-profile", map[string]any{"connector_id": 1, "profile": profile("ChargePointMaxProfile", "Absolute", nil)}, http.StatusBadRequest},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("TxDefaultProfile", "Recurring", nil)}, http.StatusBadRequest},
			{v201, "set-charging-profile", map[string]any{"connector_id": 1, "profile": profile("TxProfile", "Relative", nil)}, http.StatusBadRequest},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("TxDefaultProfile", "Absolute", map[string]any{"schedule": map[string]any{"unit": "kW",
				"periods": []any{map[string]any{"start_period": 0, "limit": 1}}}})}, http.StatusBadRequest},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("TxDefaultProfile", "Absolute", map[string]any{"schedule": map[string]any{"unit": "A",
				"periods": []any{map[string]any{"start_period": 0, "limit": "7.25"}}}})}, http.StatusBadRequest},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("TxDefaultProfile", "Absolute", map[string]any{"schedule": map[string]any{"unit": "A",
				"periods": []any{map[string]any{"start_period": 60, "limit": 6}}}})}, http.StatusBadRequest},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("TxDefaultProfile", "Absolute", map[string]any{"schedule": map[string]any{"unit": "A",
				"periods": []any{map[string]any{"start_period": 0, "Limit": 6}}}})}, http.StatusBadRequest},
			{v16, "set-charging-profile", map[string]any{"connector_id": 0, "profile": profile("TxDefaultProfile", "Absolute", map[string]any{"schedule": map[string]any{"unit": "A",
				"periods": []any{}}})}, http.StatusBadRequest},
			{v201, "clear-charging-profile", map[string]any{"purpose": "Any"}, http.StatusBadRequest},
			{v201, "clear-charging-profile", map[string]any{"connector_id": 9}, http.StatusBadRequest},
			{v201, "get-composite-schedule", map[string]any{"connector_id": 0, "duration_seconds": 0}, http.StatusBadRequest},
			{v201, "get-composite-schedule", map[string]any{"connector_id": 0, "duration_seconds": 60, "unit": "kW"}, http.StatusBadRequest},
			{v201, "get-transaction-status", map[string]any{"transaction_id": "abc"}, http.StatusBadRequest},
			{v201, "get-transaction-status", map[string]any{"transaction_id": w.south1.session.String()}, http.StatusNotFound},
			{v201, "get-transaction-status", map[string]any{"transaction_id": w.north1.session.String()}, http.StatusUnprocessableEntity},
			{v16, "get-transaction-status", map[string]any{}, http.StatusUnprocessableEntity},
			{v16, "data-transfer", map[string]any{"message_id": "Ping"}, http.StatusBadRequest},
			{v16, "data-transfer", map[string]any{"vendor_id": "com.example", "message_id": long}, http.StatusBadRequest},
		} {
			if r := w.do(admin, "POST", tt.path+tt.command, tt.body); r.status != tt.status {
				t.Errorf("%s%s %v: status %d, want %d: %s", tt.path, tt.command, tt.body, r.status, tt.status, r.body)
			}
		}
		if !slices.Equal(w.cmd.calls, sent) {
			t.Errorf("refused commands reached stations: %v", w.cmd.calls[len(sent):])
		}
	})
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
