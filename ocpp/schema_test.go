package ocpp

import (
	"encoding/json"
	"testing"
)

func mustSchemas(t *testing.T) *schemas {
	t.Helper()
	s, err := loadSchemas()
	if err != nil {
		t.Fatalf("load schemas: %v", err)
	}
	return s
}

func TestSchemasCompile(t *testing.T) {
	s := mustSchemas(t)
	if got := len(s.req); got != 28 {
		t.Errorf("%d actions, want the 28 of OCPP 1.6", got)
	}
	for _, action := range []string{"BootNotification", "StopTransaction", "RemoteStartTransaction", "GetConfiguration", "TriggerMessage"} {
		if !s.known(action) || s.conf[action] == nil {
			t.Errorf("%s: request or response schema missing", action)
		}
	}
	if s.known("Teleport") || s.known("BootNotificationResponse") {
		t.Error("unknown actions are known")
	}
}

func TestValidate(t *testing.T) {
	s := mustSchemas(t)
	tests := []struct {
		name, action, payload, want string
	}{
		{"valid", "BootNotification", `{"chargePointVendor":"V","chargePointModel":"M"}`, ""},
		{"missing field", "BootNotification", `{"chargePointVendor":"V"}`, CodeOccurenceConstraintViolation},
		{"wrong type", "BootNotification", `{"chargePointVendor":1,"chargePointModel":"M"}`, CodeTypeConstraintViolation},
		{"too long", "BootNotification", `{"chargePointVendor":"123456789012345678901","chargePointModel":"M"}`, CodePropertyConstraintViolation},
		{"unknown field", "BootNotification", `{"chargePointVendor":"V","chargePointModel":"M","colour":"red"}`, CodeFormationViolation},
		{"not in enum", "StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}`, CodePropertyConstraintViolation},
		{"bad date-time", "StartTransaction", `{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"yesterday"}`, CodePropertyConstraintViolation},
		{"integer as float", "StartTransaction", `{"connectorId":1.5,"idTag":"A","meterStart":0,"timestamp":"2025-01-01T00:00:00Z"}`, CodeTypeConstraintViolation},
		{"nested missing", "MeterValues", `{"connectorId":1,"meterValue":[{"timestamp":"2025-01-01T00:00:00Z","sampledValue":[{}]}]}`, CodeOccurenceConstraintViolation},
		// Several failures: the precedence, not the checking order, decides.
		{"several", "BootNotification", `{"chargePointVendor":1,"colour":"red"}`, CodeFormationViolation},
		{"several without formation", "BootNotification", `{"chargePointVendor":1}`, CodeOccurenceConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.request(tt.action, json.RawMessage(tt.payload))
			switch {
			case tt.want == "" && got != nil:
				t.Fatalf("got %v, want valid", got)
			case tt.want != "" && (got == nil || got.Code != tt.want):
				t.Fatalf("got %v, want %s", got, tt.want)
			}
			if got != nil && got.Description == "" {
				t.Error("no description")
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	s := mustSchemas(t)
	if err := s.response("Reset", json.RawMessage(`{"status":"Accepted"}`)); err != nil {
		t.Errorf("valid Reset answer: %v", err)
	}
	if err := s.response("Reset", json.RawMessage(`{"status":"Maybe"}`)); err == nil || err.Code != CodePropertyConstraintViolation {
		t.Errorf("invalid Reset answer: got %v, want %s", err, CodePropertyConstraintViolation)
	}
}

func TestSchemas201Compile(t *testing.T) {
	s, err := loadSchemas201()
	if err != nil {
		t.Fatalf("load OCPP 2.0.1 schemas: %v", err)
	}
	if got := len(s.req); got != 64 {
		t.Errorf("%d actions, want the 64 of OCPP 2.0.1", got)
	}
	for _, action := range []string{"BootNotification", "TransactionEvent", "RequestStartTransaction", "GetBaseReport", "NotifyReport", "SetVariables"} {
		if !s.known(action) || s.conf[action] == nil {
			t.Errorf("%s: request or response schema missing", action)
		}
	}
	tests := []struct {
		name, action, payload, want string
	}{
		{"valid", "Authorize", `{"idToken":{"idToken":"04A1B2C3","type":"ISO14443"}}`, ""},
		{"token type", "Authorize", `{"idToken":{"idToken":"04A1B2C3","type":"Badge"}}`, CodePropertyConstraintViolation},
		{"missing seqNo", "TransactionEvent", `{"eventType":"Started","timestamp":"2025-01-01T00:00:00Z","triggerReason":"Authorized","transactionInfo":{"transactionId":"T1"}}`, CodeOccurenceConstraintViolation},
		{"meter value is a number", "TransactionEvent", `{"eventType":"Updated","timestamp":"2025-01-01T00:00:00Z","triggerReason":"MeterValuePeriodic","seqNo":1,"transactionInfo":{"transactionId":"T1"},"meterValue":[{"timestamp":"2025-01-01T00:00:00Z","sampledValue":[{"value":"12"}]}]}`, CodeTypeConstraintViolation},
		{"unknown field", "Heartbeat", `{"colour":"red"}`, CodeFormationViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.request(tt.action, json.RawMessage(tt.payload))
			switch {
			case tt.want == "" && got != nil:
				t.Fatalf("got %v, want valid", got)
			case tt.want != "" && (got == nil || got.Code != tt.want):
				t.Fatalf("got %v, want %s", got, tt.want)
			}
		})
	}
}
