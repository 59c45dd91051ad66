package ocpp_test

import (
	"encoding/json"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestOperations: each station operation reaches a connected OCPP 1.6 and
// OCPP 2.0.1 station over the WebSocket as its version's action, through
// Call's schema checks both ways, and the station's answer (one its
// schema allows) comes back as it was sent.
func TestOperations(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	st16 := connect(t, e, w.Station.Identity, w.Password)
	st201 := connect201(t, e, w.Restricted.Identity, w.Password)
	v16, v201 := storedStation(t, w, w.Station), storedStation(t, w, w.Restricted)
	if v16.OCPPVersion != fc.OCPP16 || v201.OCPPVersion != fc.OCPP201 {
		t.Fatalf("versions %q and %q", v16.OCPPVersion, v201.OCPPVersion)
	}
	at := time.Now().Add(time.Hour)
	profile := app.ChargingProfile{ID: 3, Purpose: "TxDefaultProfile", Kind: "Absolute",
		Schedule: app.ChargingSchedule{Unit: "A", Periods: []app.ChargingPeriod{{LimitTenths: 160}, {StartPeriod: 600, LimitTenths: 65, NumberPhases: 1}}}}
	variable := `"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}`
	tests := []struct {
		cmd               app.Command
		reply16, reply201 string // "": the version lacks the command
	}{
		{app.Command{Operation: app.Operation{Keys: []string{"HeartbeatInterval"}}},
			`{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}]}`,
			`{"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"300",` + variable + `}]}`},
		{app.Command{Operation: app.Operation{Key: "HeartbeatInterval", Value: "600"}},
			`{"status":"RebootRequired"}`, `{"setVariableResult":[{"attributeStatus":"RebootRequired",` + variable + `}]}`},
		{app.Command{}, `{"status":"Accepted"}`, `{"status":"Rejected"}`},
		{app.Command{ConnectorID: 1, Operation: app.Operation{Message: "StatusNotification"}}, `{"status":"Accepted"}`, `{"status":"Accepted"}`},
		{app.Command{Operation: app.Operation{Location: "https://fw.example.com/v2.bin", RetrieveAt: at}}, `{}`, `{"status":"Accepted"}`},
		{app.Command{Operation: app.Operation{Location: "ftp://logs.example.com/"}}, `{"fileName":"diag.zip"}`, `{"status":"Accepted","filename":"diag.zip"}`},
		{app.Command{IDTag: w.Good.InternalID, Operation: app.Operation{ExpiresAt: at, ReservationID: 8}}, `{"status":"Occupied"}`, `{"status":"Accepted"}`},
		{app.Command{Operation: app.Operation{ReservationID: 8}}, `{"status":"Accepted"}`, `{"status":"Rejected"}`},
		{app.Command{Operation: app.Operation{ListVersion: 2, UpdateType: "Full", Entries: []app.LocalListEntry{{IDTag: w.Good.InternalID, Status: "Accepted", ExpiryDate: &at}}}},
			`{"status":"Accepted"}`, `{"status":"VersionMismatch"}`},
		{app.Command{}, `{"listVersion":2}`, `{"versionNumber":2}`},
		{app.Command{Operation: app.Operation{Profile: profile}}, `{"status":"Accepted"}`, `{"status":"Rejected"}`},
		{app.Command{}, `{"status":"Unknown"}`, `{"status":"Accepted"}`},
		{app.Command{ConnectorID: 1, Operation: app.Operation{Seconds: 3600}}, `{"status":"Rejected"}`,
			`{"status":"Accepted","schedule":{"evseId":1,"duration":3600,"scheduleStart":"2026-12-04T10:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}}`},
		{app.Command{}, "", `{"messagesInQueue":false}`},
		{app.Command{Operation: app.Operation{VendorID: "com.example", MessageID: "Ping"}}, `{"status":"UnknownVendorId"}`, `{"status":"Accepted","data":"pong"}`},
	}
	names := []string{app.CommandGetConfiguration, app.CommandChangeConfiguration, app.CommandClearCache, app.CommandTriggerMessage,
		app.CommandUpdateFirmware, app.CommandGetDiagnostics, app.CommandReserveNow, app.CommandCancelReservation, app.CommandSendLocalList,
		app.CommandGetLocalListVersion, app.CommandSetChargingProfile, app.CommandClearChargingProfile, app.CommandGetCompositeSchedule,
		app.CommandGetTransactionStatus, app.CommandDataTransfer}
	if len(names) != len(tests) {
		t.Fatalf("%d names for %d cases", len(names), len(tests))
	}
	for i, tt := range tests {
		tt.cmd.Name = names[i]
		for _, v := range []struct {
			conn    *station
			station *fc.Station
			reply   string
		}{{st16, v16, tt.reply16}, {st201, v201, tt.reply201}} {
			t.Run(tt.cmd.Name+" "+v.station.OCPPVersion, func(t *testing.T) {
				action, req, err := app.CommandCall(tt.cmd, v.station, "")
				if v.reply == "" {
					if !fc.IsCode(err, fc.EUnprocessable) {
						t.Errorf("err = %v, want unprocessable", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				v.conn.t = t
				got := make(chan callResult, 1)
				go func() {
					reply, err := e.srv.Call(t.Context(), v.station.Identity, action, req)
					got <- callResult{string(reply), err}
				}()
				payload := v.conn.answer(action, `[3,%s,`+v.reply+`]`)
				want, _ := json.Marshal(req)
				if string(payload) != string(want) {
					t.Errorf("the station got %s, want %s", payload, want)
				}
				if r := <-got; r.err != nil || r.status != v.reply {
					t.Errorf("reply %s, %v; want %s", r.status, r.err, v.reply)
				}
			})
		}
	}
}
