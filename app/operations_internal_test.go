package app

import (
	"encoding/json"
	"testing"
)

// TestOperationStatus: change-configuration answers with ChangeConfiguration's
// statuses on either version; on OCPP 2.0.1 the SetVariables result's
// attributeStatus is mapped to them.
func TestOperationStatus(t *testing.T) {
	result := func(status string) json.RawMessage {
		return json.RawMessage(`{"setVariableResult":[{"attributeStatus":"` + status + `","component":{"name":"TxCtrlr"},"variable":{"name":"EVConnectionTimeOut"}}]}`)
	}
	for _, tt := range []struct {
		name   string
		v201   bool
		reply  json.RawMessage
		status string
		mapped bool
	}{
		{CommandChangeConfiguration, true, result("Accepted"), "Accepted", true},
		{CommandChangeConfiguration, true, result("Rejected"), "Rejected", true},
		{CommandChangeConfiguration, true, result("RebootRequired"), "RebootRequired", true},
		{CommandChangeConfiguration, true, result("UnknownComponent"), "NotSupported", true},
		{CommandChangeConfiguration, true, result("UnknownVariable"), "NotSupported", true},
		{CommandChangeConfiguration, true, result("NotSupportedAttributeType"), "NotSupported", true},
		{CommandChangeConfiguration, true, json.RawMessage(`{"setVariableResult":[]}`), "", true},
		{CommandChangeConfiguration, false, json.RawMessage(`{"status":"RebootRequired"}`), "", false}, // the answer's own status
		{CommandSetVariables, true, result("Rejected"), "", false},
	} {
		status, mapped := operationStatus(tt.name, tt.v201, tt.reply)
		if status != tt.status || mapped != tt.mapped {
			t.Errorf("%s (2.0.1: %v) answered %s: %q, %v; want %q, %v", tt.name, tt.v201, tt.reply, status, mapped, tt.status, tt.mapped)
		}
	}
}
