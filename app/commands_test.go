package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// TestCommandCall: every command has an action and a payload for either
// version of OCPP, chosen by the station's stored version (1.6 until it
// first connects), and arguments are checked the same way for both.
func TestCommandCall(t *testing.T) {
	points := []fc.ChargePoint{{ConnectorID: 1}, {ConnectorID: 2}}
	v16 := &fc.Station{ChargePoints: points}
	v201 := &fc.Station{ChargePoints: points, OCPPVersion: fc.OCPP201}
	vars := []app.Variable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: "600"}}
	tests := []struct {
		st      *fc.Station
		cmd     app.Command
		txID    string
		action  string
		payload string // "" when the command is invalid
	}{
		{v16, app.Command{Name: app.CommandRemoteStart, IDTag: "T1"}, "", "RemoteStartTransaction", `{"idTag":"T1"}`},
		{v16, app.Command{Name: app.CommandRemoteStop, TransactionID: 9}, "", "RemoteStopTransaction", `{"transactionId":9}`},
		{v16, app.Command{Name: app.CommandReset, Type: "Hard"}, "", "Reset", `{"type":"Hard"}`},
		{v16, app.Command{Name: app.CommandGetBaseReport}, "", "GetConfiguration", `{}`},
		{v16, app.Command{Name: app.CommandGetVariables, Variables: vars}, "", "GetConfiguration", `{"key":["HeartbeatInterval"]}`},
		{v16, app.Command{Name: app.CommandSetVariables, Variables: vars}, "", "ChangeConfiguration", `{"key":"HeartbeatInterval","value":"600"}`},
		{v16, app.Command{Name: app.CommandSetVariables, Variables: append(vars, vars...)}, "", "", ""},
		{v201, app.Command{Name: app.CommandRemoteStop, TransactionID: 9}, "TX-9", "RequestStopTransaction", `{"transactionId":"TX-9"}`},
		{v201, app.Command{Name: app.CommandReset, Type: "Soft"}, "", "Reset", `{"type":"OnIdle"}`},
		{v201, app.Command{Name: app.CommandUnlock, ConnectorID: 2}, "", "UnlockConnector", `{"evseId":2,"connectorId":1}`},
		{v201, app.Command{Name: app.CommandUnlock, ConnectorID: 3}, "", "", ""},
		{v201, app.Command{Name: app.CommandChangeAvailability, Type: "Sometimes"}, "", "", ""},
		{v201, app.Command{Name: app.CommandGetBaseReport, Type: "Everything"}, "", "", ""},
		{v201, app.Command{Name: app.CommandGetVariables, Variables: []app.Variable{{Variable: "HeartbeatInterval"}}}, "", "", ""},
		{v201, app.Command{Name: app.CommandSetVariables}, "", "", ""},
		{v201, app.Command{Name: app.CommandRemoteStart, IDTag: ""}, "", "", ""},
	}
	for _, tt := range tests {
		action, req, err := app.CommandCall(tt.cmd, tt.st, tt.txID)
		name := tt.cmd.Name + " on " + tt.st.OCPPVersion
		if tt.payload == "" {
			if !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("%s %+v: err = %v, want invalid", name, tt.cmd, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		b, _ := json.Marshal(req)
		if action != tt.action || string(b) != tt.payload {
			t.Errorf("%s: %s %s, want %s %s", name, action, b, tt.action, tt.payload)
		}
	}
	if _, _, err := app.CommandCall(app.Command{Name: "teleport"}, v201, ""); !fc.IsCode(err, fc.ENotFound) {
		t.Errorf("unknown command: %v", err)
	}
	// Both versions have every command but the certificate ones and
	// get-transaction-status, OCPP 2.0.1's alone (TestCertificateCommands).
	for _, c := range app.Commands {
		if c.Action201 == "" || c.Action16 == "" && !strings.Contains(c.Name, "certificate") && c.Name != app.CommandGetTransactionStatus {
			t.Errorf("%s lacks an action: %+v", c.Name, c)
		}
	}
}
