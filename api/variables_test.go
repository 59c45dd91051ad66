package api_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The device model commands join the leak walk's coverage (leak_test.go)
// as the other commands, with valid bodies.
func init() {
	for _, command := range []string{"get-base-report", "get-variables", "set-variables"} {
		coverage["POST /api/v1/stations/{id}/commands/"+command] = exCommand
	}
	commandBodies["get-base-report"] = map[string]any{"report_base": "SummaryInventory"}
	commandBodies["get-variables"] = map[string]any{"variables": []any{map[string]any{"variable": "HeartbeatInterval"}}}
	commandBodies["set-variables"] = map[string]any{"variables": []any{map[string]any{"variable": "HeartbeatInterval", "value": "600"}}}
}

// TestDeviceModelCommandsAPI checks get-base-report, get-variables and
// set-variables on the API: each reaches an OCPP 2.0.1 station as its
// 2.0.1 message and an OCPP 1.6 station as GetConfiguration or
// ChangeConfiguration, with the body mapped; bodies that do not hold are
// 400 and reach no station. Both engines.
func TestDeviceModelCommandsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w.cmd.online[w.north1.identity] = true
		w.cmd.online[w.south1.identity] = true
		check(t, w.st.SetConnection(ctx, w.north1.station, true, fc.OCPP201, time.Now()))
		check(t, w.st.SetConnection(ctx, w.south1.station, true, fc.OCPP16, time.Now()))
		v201 := "/api/v1/stations/" + w.north1.station.String() + "/commands/"
		v16 := "/api/v1/stations/" + w.south1.station.String() + "/commands/"
		heartbeat := map[string]any{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "600"}

		for _, tt := range []struct {
			path, command string
			body          map[string]any
			identity      string
			action, sent  string // sent: the request, its requestId left out
		}{
			{v201, "get-base-report", map[string]any{}, w.north1.identity, "GetBaseReport", `{"reportBase":"FullInventory"}`},
			{v201, "get-base-report", map[string]any{"report_base": "ConfigurationInventory"}, w.north1.identity, "GetBaseReport", `{"reportBase":"ConfigurationInventory"}`},
			{v201, "get-variables", map[string]any{"variables": []any{heartbeat}}, w.north1.identity, "GetVariables",
				`{"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`},
			{v201, "set-variables", map[string]any{"variables": []any{heartbeat}}, w.north1.identity, "SetVariables",
				`{"setVariableData":[{"attributeValue":"600","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`},
			{v16, "get-base-report", map[string]any{}, w.south1.identity, "GetConfiguration", `{}`},
			{v16, "get-variables", commandBodies["get-variables"], w.south1.identity, "GetConfiguration", `{"key":["HeartbeatInterval"]}`},
			{v16, "set-variables", commandBodies["set-variables"], w.south1.identity, "ChangeConfiguration", `{"key":"HeartbeatInterval","value":"600"}`},
		} {
			w.do(admin, "POST", tt.path+tt.command, tt.body).want(t, http.StatusOK)
			var got map[string]any
			b, _ := json.Marshal(w.cmd.last)
			check(t, json.Unmarshal(b, &got))
			delete(got, "requestId")
			b, _ = json.Marshal(got)
			if call := w.cmd.calls[len(w.cmd.calls)-1]; string(b) != tt.sent || call != tt.identity+" "+tt.action {
				t.Errorf("%s%s sent %s %s, want %s %s", tt.path, tt.command, call, b, tt.action, tt.sent)
			}
		}
		sent := slices.Clone(w.cmd.calls)
		two := []any{heartbeat, map[string]any{"variable": "MeterValueSampleInterval", "value": "60"}}
		for _, tt := range []struct {
			path, command string
			body          map[string]any
		}{
			{v201, "get-base-report", map[string]any{"report_base": "Everything"}},
			{v201, "get-variables", map[string]any{}},
			{v201, "get-variables", map[string]any{"variables": []any{}}},
			{v201, "set-variables", map[string]any{"variables": "HeartbeatInterval=600"}},
			{v16, "set-variables", map[string]any{"variables": two}},
			{v201, "set-variables", map[string]any{"variables": []any{map[string]any{"variable": strings.Repeat("x", 5000), "value": "1"}}}},
		} {
			if r := w.do(admin, "POST", tt.path+tt.command, tt.body); r.status != http.StatusBadRequest {
				t.Errorf("%s%s %v: status %d, want 400: %s", tt.path, tt.command, tt.body, r.status, r.body)
			}
		}
		if !slices.Equal(w.cmd.calls, sent) {
			t.Errorf("refused commands reached stations: %v", w.cmd.calls[len(sent):])
		}
	})
}

// TestConfigurationKept checks that what a station answers to a
// configuration read is kept in its device model: an OCPP 1.6
// GetConfiguration's keys with their values and read-only flags, an OCPP
// 2.0.1 GetVariables' accepted attributes; a rejected attribute is not.
// Both engines.
func TestConfigurationKept(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w.cmd.online[w.north1.identity] = true
		w.cmd.online[w.south1.identity] = true
		check(t, w.st.SetConnection(ctx, w.north1.station, true, fc.OCPP201, time.Now()))
		check(t, w.st.SetConnection(ctx, w.south1.station, true, fc.OCPP16, time.Now()))
		w.cmd.replies = map[string]string{
			"GetConfiguration": `{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"},` +
				`{"key":"NumberOfConnectors","readonly":true,"value":"2"},{"key":"AuthorizationKey","readonly":false}],"unknownKey":["Nope"]}`,
			"GetVariables": `{"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"600","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}},` +
				`{"attributeStatus":"UnknownVariable","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"Nope"}}]}`,
		}
		w.do(admin, "POST", "/api/v1/stations/"+w.south1.station.String()+"/commands/get-configuration", map[string]any{}).want(t, http.StatusOK)
		w.do(admin, "POST", "/api/v1/stations/"+w.north1.station.String()+"/commands/get-variables",
			map[string]any{"variables": []any{map[string]any{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
				map[string]any{"component": "OCPPCommCtrlr", "variable": "Nope"}}}).want(t, http.StatusOK)

		kept := func(station fc.ID) map[string]string {
			model, err := w.st.DeviceModel(ctx, station)
			check(t, err)
			out := map[string]string{}
			for _, v := range model {
				value := "<none>"
				if v.Value != nil {
					value = *v.Value
				}
				out[v.Component+"."+v.Variable] = value + " " + v.Mutability
			}
			return out
		}
		want16 := map[string]string{"Configuration.HeartbeatInterval": "300 ReadWrite", "Configuration.NumberOfConnectors": "2 ReadOnly",
			"Configuration.AuthorizationKey": "<none> ReadWrite"}
		if got := kept(w.south1.station); !maps.Equal(got, want16) {
			t.Errorf("OCPP 1.6 configuration kept: %v, want %v", got, want16)
		}
		want201 := map[string]string{"OCPPCommCtrlr.HeartbeatInterval": "600 "}
		if got := kept(w.north1.station); !maps.Equal(got, want201) {
			t.Errorf("OCPP 2.0.1 variables kept: %v, want %v", got, want201)
		}
	})
}
