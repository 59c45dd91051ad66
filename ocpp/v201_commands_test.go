package ocpp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// TestCommands201: every API command reaches an OCPP 2.0.1 station as its
// 2.0.1 action, with a payload that passes the 2.0.1 schema on the way out
// (Call checks it), and the station's answer comes back checked too.
func TestCommands201(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		station := storedStation(t, w, w.Station)
		if station.OCPPVersion != fc.OCPP201 {
			t.Fatalf("version %q", station.OCPPVersion)
		}
		tests := []struct {
			cmd    app.Command
			txID   string
			action string
			want   string // a part of the payload the station gets
			reply  string
		}{
			{app.Command{Name: app.CommandRemoteStart, ConnectorID: 2, IDTag: w.Good.InternalID}, "", "RequestStartTransaction",
				`"evseId":2,`, `{"status":"Accepted","transactionId":"TX-R"}`},
			{app.Command{Name: app.CommandRemoteStop, TransactionID: 5}, "TX-R", "RequestStopTransaction", `{"transactionId":"TX-R"}`, `{"status":"Accepted"}`},
			{app.Command{Name: app.CommandReset, Type: "Hard"}, "", "Reset", `{"type":"Immediate"}`, `{"status":"Scheduled"}`},
			{app.Command{Name: app.CommandReset, Type: "Soft"}, "", "Reset", `{"type":"OnIdle"}`, `{"status":"Accepted"}`},
			{app.Command{Name: app.CommandUnlock, ConnectorID: 1}, "", "UnlockConnector", `{"evseId":1,"connectorId":1}`, `{"status":"Unlocked"}`},
			{app.Command{Name: app.CommandChangeAvailability, ConnectorID: 2, Type: "Inoperative"}, "", "ChangeAvailability",
				`{"operationalStatus":"Inoperative","evse":{"id":2}}`, `{"status":"Accepted"}`},
			{app.Command{Name: app.CommandChangeAvailability, Type: "Operative"}, "", "ChangeAvailability", `{"operationalStatus":"Operative"}`, `{"status":"Accepted"}`},
			{app.Command{Name: app.CommandGetBaseReport}, "", "GetBaseReport", `"reportBase":"FullInventory"`, `{"status":"Accepted"}`},
			{app.Command{Name: app.CommandGetVariables, Variables: []app.Variable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval"}}}, "", "GetVariables",
				`{"getVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`,
				`{"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"300","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`},
			{app.Command{Name: app.CommandSetVariables, Variables: []app.Variable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: "600"}}}, "", "SetVariables",
				`{"setVariableData":[{"attributeValue":"600","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`,
				`{"setVariableResult":[{"attributeStatus":"Accepted","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]}`},
		}
		for _, tt := range tests {
			t.Run(tt.cmd.Name+" "+tt.cmd.Type, func(t *testing.T) {
				action, req, err := app.CommandCall(tt.cmd, station, tt.txID)
				if err != nil {
					t.Fatal(err)
				}
				if action != tt.action {
					t.Fatalf("action %s, want %s", action, tt.action)
				}
				done := make(chan error, 1)
				var reply json.RawMessage
				go func() {
					var err error
					reply, err = e.srv.Call(t.Context(), w.Station.Identity, action, req)
					done <- err
				}()
				f := st.read()
				if f.typ() != 2 || f.str(2) != tt.action || !strings.Contains(string(f[3]), tt.want) {
					t.Errorf("the station got %s, want %s with %s", f, tt.action, tt.want)
				}
				st.send(fmt.Sprintf(`[3,%s,%s]`, f[1], tt.reply))
				if err := <-done; err != nil {
					t.Fatalf("Call: %v", err)
				}
				if string(reply) != tt.reply {
					t.Errorf("reply %s, want %s", reply, tt.reply)
				}
			})
		}
		// A 1.6 action is not sent to a 2.0.1 station.
		if _, err := e.srv.Call(t.Context(), w.Station.Identity, "RemoteStartTransaction", map[string]any{"idTag": "X"}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("a 1.6 action to a 2.0.1 station: %v, want invalid", err)
		}
	})
}
