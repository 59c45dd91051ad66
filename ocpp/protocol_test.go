package ocpp_test

import (
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestMalformedFrames sends every class of broken frame over a real
// connection: each gets the right CALLERROR (or, for a broken answer,
// none), and the connection keeps serving.
func TestMalformedFrames(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	st := connect(t, e, w.Station.Identity, w.Password)

	tests := []struct {
		name, frame string
		wantID      string // "" when no answer is due
		wantCode    string
	}{
		{"not JSON", `[2,"m1","Heartbeat",{}`, "-1", ocpp.CodeFormationViolation},
		{"not an array", `{"action":"Heartbeat"}`, "-1", ocpp.CodeFormationViolation},
		{"empty array", `[]`, "-1", ocpp.CodeFormationViolation},
		{"unknown message type", `[7,"m2","Heartbeat",{}]`, "m2", ocpp.CodeFormationViolation},
		{"message type as string", `["2","m3","Heartbeat",{}]`, "m3", ocpp.CodeFormationViolation},
		{"CALL too short", `[2,"m4","Heartbeat"]`, "m4", ocpp.CodeFormationViolation},
		{"CALL too long", `[2,"m5","Heartbeat",{},{}]`, "m5", ocpp.CodeFormationViolation},
		{"message ID not a string", `[2,5,"Heartbeat",{}]`, "-1", ocpp.CodeFormationViolation},
		{"message ID too long", `[2,"` + strings.Repeat("9", 37) + `","Heartbeat",{}]`, "-1", ocpp.CodeFormationViolation},
		{"action not a string", `[2,"m6",["Heartbeat"],{}]`, "m6", ocpp.CodeFormationViolation},
		{"payload not an object", `[2,"m7","Heartbeat",[]]`, "m7", ocpp.CodeFormationViolation},
		{"unknown action", `[2,"m8","Teleport",{}]`, "m8", ocpp.CodeNotImplemented},
		{"action of the other direction", `[2,"m9","Reset",{"type":"Hard"}]`, "m9", ocpp.CodeNotSupported},
		{"missing field", `[2,"s1","BootNotification",{"chargePointVendor":"V"}]`, "s1", ocpp.CodeOccurenceConstraintViolation},
		{"wrong type", `[2,"s2","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]`, "s2", ocpp.CodeTypeConstraintViolation},
		{"not in enumeration", `[2,"s3","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]`, "s3", ocpp.CodePropertyConstraintViolation},
		{"too long", `[2,"s4","Authorize",{"idTag":"123456789012345678901"}]`, "s4", ocpp.CodePropertyConstraintViolation},
		{"bad date-time", `[2,"s5","StartTransaction",{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"yesterday"}]`, "s5", ocpp.CodePropertyConstraintViolation},
		{"unknown field", `[2,"s6","Heartbeat",{"hello":1}]`, "s6", ocpp.CodeFormationViolation},
		{"answer to no call", `[3,"r1",{"status":"Accepted"}]`, "", ""},
		{"error to no call", `[4,"r2","GenericError","",{}]`, "", ""},
		{"broken answer", `[3,"r3"]`, "", ""},
		{"broken error", `[4,"r4","GenericError"]`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st.t = t
			st.send(tt.frame)
			if tt.wantID != "" {
				f := st.read()
				if f.typ() != 4 || len(f) != 5 || f.str(1) != tt.wantID || f.str(2) != tt.wantCode {
					t.Fatalf("got %s, want [4,%q,%q,...]", f, tt.wantID, tt.wantCode)
				}
				if f.str(3) == "" {
					t.Error("the CALLERROR has no description")
				}
			}
			// The connection still serves, and nothing else was answered.
			var hb struct{ CurrentTime string }
			st.call("Heartbeat", struct{}{}, &hb)
			if hb.CurrentTime == "" {
				t.Error("heartbeat answered without currentTime")
			}
		})
	}

	t.Run("binary frame", func(t *testing.T) {
		st.t = t
		st.sendType(websocket.MessageBinary, `[2,"b1","Heartbeat",{}]`)
		if f := st.read(); f.typ() != 4 || f.str(1) != "-1" || f.str(2) != ocpp.CodeFormationViolation {
			t.Fatalf("got %s, want a FormationViolation", f)
		}
		st.call("Heartbeat", struct{}{}, nil)
	})
	if !e.srv.Online(w.Station.Identity) {
		t.Error("the station went offline")
	}
}

// TestOversizedFrame checks that a frame over the read limit closes that
// connection only, with 1009, and that the station can come back.
func TestOversizedFrame(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store, ReadLimit: 1024})
	st := connect(t, e, w.Station.Identity, w.Password)
	other := connect(t, e, w.Restricted.Identity, w.Password)
	st.send(`[2,"big","DataTransfer",{"vendorId":"x","data":"` + strings.Repeat("a", 2048) + `"}]`)
	_, _, err := st.ws.Read(t.Context())
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Fatalf("close status %v (%v), want %v", got, err, websocket.StatusMessageTooBig)
	}
	eventually(t, "station offline", func() bool { return !e.srv.Online(w.Station.Identity) })
	other.call("Heartbeat", struct{}{}, nil)
	again := connect(t, e, w.Station.Identity, w.Password)
	again.call("Heartbeat", struct{}{}, nil)
}
