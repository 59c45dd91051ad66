package ocpp

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name, in string
		wantTyp  int
		wantID   string
		wantErr  bool
	}{
		{"call", `[2,"a1","Heartbeat",{}]`, msgCall, "a1", false},
		{"call with spaces", ` [ 2 , "a1" , "Heartbeat" , { } ] `, msgCall, "a1", false},
		{"result", `[3,"a1",{"currentTime":"x"}]`, msgCallResult, "a1", false},
		{"error", `[4,"a1","NotSupported","no",{}]`, msgCallError, "a1", false},
		{"not JSON", `[2,"a1","Heartbeat",{}`, 0, unknownID, true},
		{"not JSON at all", `hello`, 0, unknownID, true},
		{"object", `{"a":1}`, 0, unknownID, true},
		{"string", `"[2]"`, 0, unknownID, true},
		{"empty array", `[]`, 0, unknownID, true},
		{"unknown type", `[5,"a1","Heartbeat",{}]`, 0, "a1", true},
		{"type as string", `["2","a1","Heartbeat",{}]`, 0, "a1", true},
		{"type as float", `[2.5,"a1","Heartbeat",{}]`, 0, "a1", true},
		{"id as number", `[2,7,"Heartbeat",{}]`, 0, unknownID, true},
		{"empty id", `[2,"","Heartbeat",{}]`, 0, unknownID, true},
		{"id too long", `[2,"` + strings.Repeat("x", 37) + `","Heartbeat",{}]`, 0, unknownID, true},
		{"call too short", `[2,"a1","Heartbeat"]`, msgCall, "a1", true},
		{"call too long", `[2,"a1","Heartbeat",{},{}]`, msgCall, "a1", true},
		{"action as number", `[2,"a1",7,{}]`, msgCall, "a1", true},
		{"payload array", `[2,"a1","Heartbeat",[]]`, msgCall, "a1", true},
		{"payload null", `[2,"a1","Heartbeat",null]`, msgCall, "a1", true},
		{"result too long", `[3,"a1",{},{}]`, msgCallResult, "a1", true},
		{"result payload string", `[3,"a1","ok"]`, msgCallResult, "a1", true},
		{"error too short", `[4,"a1","NotSupported",{}]`, msgCallError, "a1", true},
		{"error code number", `[4,"a1",1,"x",{}]`, msgCallError, "a1", true},
		{"error details array", `[4,"a1","GenericError","x",[]]`, msgCallError, "a1", true},
		{"only type", `[2]`, msgCall, unknownID, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parseMessage([]byte(tt.in))
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && err.Code != CodeFormationViolation {
				t.Errorf("code = %s, want %s", err.Code, CodeFormationViolation)
			}
			if m.typ != tt.wantTyp || m.id != tt.wantID {
				t.Errorf("typ, id = %d, %q, want %d, %q", m.typ, m.id, tt.wantTyp, tt.wantID)
			}
		})
	}
}

func TestParseMessageParts(t *testing.T) {
	m, err := parseMessage([]byte(`[2,"x","BootNotification",{"chargePointVendor":"V"}]`))
	if err != nil || m.action != "BootNotification" || string(m.payload) != `{"chargePointVendor":"V"}` {
		t.Errorf("call = %+v, %v", m, err)
	}
	m, err = parseMessage([]byte(`[4,"x","NotSupported","no such thing",{"a":1}]`))
	if err != nil || m.err.Code != "NotSupported" || m.err.Description != "no such thing" || string(m.err.Details) != `{"a":1}` {
		t.Errorf("call error = %+v, %v", m.err, err)
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{string(encodeCall("i", "Reset", json.RawMessage(`{"type":"Soft"}`))), `[2,"i","Reset",{"type":"Soft"}]`},
		{string(encodeResult("i", json.RawMessage(`{}`))), `[3,"i",{}]`},
		{string(encodeError("i", &CallError{Code: CodeGenericError, Description: "d"})), `[4,"i","GenericError","d",{}]`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	long := string(encodeError("i", &CallError{Code: CodeGenericError, Description: strings.Repeat("é", 200)}))
	m, err := parseMessage([]byte(long))
	if err != nil || len(m.err.Description) > maxDescription {
		t.Errorf("long description: %d bytes, %v; want at most %d", len(m.err.Description), err, maxDescription)
	}
}
