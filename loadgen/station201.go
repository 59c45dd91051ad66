package loadgen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// OCPP versions the simulated stations speak (OCPPConfig.OCPP).
const (
	OCPP16  = "1.6"
	OCPP201 = "2.0.1"
)

// idInfo is the part of OCPP 1.6's idTagInfo and OCPP 2.0.1's idTokenInfo
// the stations read.
type idInfo struct {
	Status string `json:"status"`
}

// bootRequest201 is an OCPP 2.0.1 BootNotification; its reason is PowerUp
// unless the station reboots for a reset or a TriggerMessage.
func (s *station) bootRequest201() map[string]any {
	reason := s.bootWhy
	if reason == "" {
		reason = "PowerUp"
	}
	s.bootWhy = ""
	return map[string]any{"reason": reason, "chargingStation": map[string]any{
		"vendorName": "fleetcharge-load", "model": "Simulated AC",
		"serialNumber": fmt.Sprintf("SIM%08d", s.i), "firmwareVersion": "1.0.0",
	}}
}

// idToken201 is the idToken of a card read by RFID.
func idToken201(tag string) map[string]any {
	return map[string]any{"idToken": tag, "type": "ISO14443"}
}

// sample201 is an OCPP 2.0.1 MeterValue with one energy register reading in
// Wh, taken in the given context.
func sample201(wh int64, context string) map[string]any {
	return map[string]any{"timestamp": now(), "sampledValue": []any{map[string]any{
		"value": wh, "context": context, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": map[string]any{"unit": "Wh"}}}}
}

// transaction201 is an OCPP 2.0.1 transaction named by the station:
// TransactionEvent Started (with the idToken and the meter start),
// StatusNotification Occupied, one TransactionEvent Updated per meter
// reading, TransactionEvent Ended (with the idToken that stops it and the
// meter stop), StatusNotification Available. The events are numbered from
// 0 (seqNo) and sent again, unchanged, until answered, as a station queues
// them.
func (s *station) transaction201(connector int, tag string, rs *remoteStart) {
	ctx := s.r.hard
	meterStart := s.meter[connector-1]
	energy := int64(1000 + s.rng.IntN(30000))
	// The transaction ID is unique per station across runs on one
	// database: the run's start names the run.
	s.txSeq++
	txID := s.r.runID + "-" + strconv.Itoa(s.txSeq)
	seqNo := 0
	event := func(eventType, trigger string, info map[string]any, reading int64, context string) map[string]any {
		info["transactionId"] = txID
		ev := map[string]any{"eventType": eventType, "timestamp": now(), "triggerReason": trigger, "seqNo": seqNo,
			"transactionInfo": info, "meterValue": []any{sample201(reading, context)}}
		seqNo++
		return ev
	}

	started := event("Started", "Authorized", map[string]any{"chargingState": "Charging"}, meterStart, "Transaction.Begin")
	started["evse"] = map[string]any{"id": connector, "connectorId": 1}
	started["idToken"] = idToken201(tag)
	if rs != nil {
		started["triggerReason"] = "RemoteStart"
		started["transactionInfo"].(map[string]any)["remoteStartId"] = rs.id
	}
	var resp struct {
		IDTokenInfo idInfo `json:"idTokenInfo"`
	}
	if err := s.callQueued(ctx, "TransactionEvent", started, &resp); err != nil {
		return
	}
	s.r.txStarted.Add(1)
	s.r.authStatus.Add("start: "+resp.IDTokenInfo.Status, 1)
	defer s.running(txID)()

	trigger, reason := "StopAuthorized", "Local"
	if resp.IDTokenInfo.Status != "Accepted" {
		trigger, reason = "Deauthorized", "DeAuthorized"
	} else {
		s.try("StatusNotification", map[string]any{"evseId": connector, "connectorId": 1, "connectorStatus": "Occupied", "timestamp": now()}, nil)
		remote, err := s.meterReadings(meterStart, energy, func(reading int64) error {
			ev := event("Updated", "MeterValuePeriodic", map[string]any{"chargingState": "Charging"}, reading, "Sample.Periodic")
			return s.callQueued(ctx, "TransactionEvent", ev, nil)
		})
		if err != nil {
			return
		}
		if remote {
			trigger, reason = "RemoteStop", "Remote"
		}
	}
	meterStop := meterStart + energy
	s.meter[connector-1] = meterStop
	ended := event("Ended", trigger, map[string]any{"chargingState": "EVConnected", "stoppedReason": reason}, meterStop, "Transaction.End")
	if trigger == "StopAuthorized" {
		ended["idToken"] = idToken201(tag)
	}
	if err := s.callQueued(ctx, "TransactionEvent", ended, nil); err != nil {
		s.r.fail("transaction not stopped")
		return
	}
	s.stopped(Ack{Station: s.identity, TxID: txID})
	s.try("StatusNotification", map[string]any{"evseId": connector, "connectorId": 1, "connectorStatus": "Available", "timestamp": now()}, nil)
}

// serverCall201 answers a CALL of OCPP 2.0.1.
func (s *station) serverCall201(action string, payload json.RawMessage) (resp any, code string) {
	switch action {
	case "RequestStartTransaction":
		var req struct {
			IDToken struct {
				IDToken string `json:"idToken"`
			} `json:"idToken"`
			RemoteStartID int `json:"remoteStartId"`
		}
		_ = json.Unmarshal(payload, &req)
		return withStatus(s.acceptRemoteStart(remoteStart{tag: req.IDToken.IDToken, id: req.RemoteStartID})), ""
	case "RequestStopTransaction":
		var req struct {
			TransactionID string `json:"transactionId"`
		}
		_ = json.Unmarshal(payload, &req)
		return withStatus(s.acceptRemoteStop(req.TransactionID)), ""
	case "GetTransactionStatus":
		var req struct {
			TransactionID string `json:"transactionId"`
		}
		_ = json.Unmarshal(payload, &req)
		s.mu.Lock()
		ongoing := req.TransactionID != "" && req.TransactionID == s.curTx
		s.mu.Unlock()
		out := map[string]any{"messagesInQueue": false}
		if req.TransactionID != "" {
			out["ongoingIndicator"] = ongoing
		}
		return out, ""
	case "Reset":
		s.acceptReset()
		return withStatus("Accepted"), ""
	case "UnlockConnector":
		return withStatus("Unlocked"), ""
	case "ChangeAvailability", "ClearCache":
		return withStatus("Accepted"), ""
	case "GetBaseReport":
		var req struct {
			RequestID int `json:"requestId"`
		}
		_ = json.Unmarshal(payload, &req)
		select {
		case s.reports <- req.RequestID:
			return withStatus("Accepted"), ""
		default:
			return withStatus("Rejected"), ""
		}
	case "GetVariables":
		return s.getVariables201(payload), ""
	case "SetVariables":
		return setVariables201(payload), ""
	case "TriggerMessage":
		var req struct {
			RequestedMessage string `json:"requestedMessage"`
		}
		_ = json.Unmarshal(payload, &req)
		switch req.RequestedMessage {
		case "BootNotification", "Heartbeat", "StatusNotification", "MeterValues":
			select {
			case s.triggers <- req.RequestedMessage:
			default:
			}
			return withStatus("Accepted"), ""
		}
		return withStatus("NotImplemented"), ""
	case "DataTransfer":
		return withStatus("UnknownVendorId"), ""
	case "UpdateFirmware":
		var req struct {
			RequestID int `json:"requestId"`
		}
		_ = json.Unmarshal(payload, &req)
		if !s.acceptFirmware(req.RequestID) {
			return withStatus("Rejected"), ""
		}
		return withStatus("Accepted"), ""
	}
	return nil, "NotImplemented"
}

// variableRef is a component and variable of a GetVariables or SetVariables
// request, kept as sent so that the answer names them alike.
type variableRef struct {
	AttributeType string          `json:"attributeType,omitempty"`
	Component     json.RawMessage `json:"component"`
	Variable      json.RawMessage `json:"variable"`
}

// names returns the names of the component and the variable.
func (v variableRef) names() (component, variable string) {
	var c, x struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(v.Component, &c)
	_ = json.Unmarshal(v.Variable, &x)
	return c.Name, x.Name
}

// variables201 are the device model variables the simulator knows, by
// component and variable name.
func (s *station) variables201() map[string]map[string]string {
	return map[string]map[string]string{
		"OCPPCommCtrlr": {"HeartbeatInterval": strconv.Itoa(int(time.Duration(s.heartbeat.Load()).Seconds()))},
		"EVSE":          {"Count": strconv.Itoa(s.r.cfg.Connectors)},
	}
}

// report201 is the NotifyReport that answers a GetBaseReport: the
// variables the simulator knows, in one part, whatever the report base.
func (s *station) report201(requestID int) map[string]any {
	data := []any{}
	for c, vars := range s.variables201() {
		for v, value := range vars {
			data = append(data, map[string]any{
				"component": map[string]any{"name": c}, "variable": map[string]any{"name": v},
				"variableAttribute":       []any{map[string]any{"type": "Actual", "value": value, "mutability": "ReadOnly"}},
				"variableCharacteristics": map[string]any{"dataType": "integer", "supportsMonitoring": false},
			})
		}
	}
	return map[string]any{"requestId": requestID, "generatedAt": now(), "seqNo": 0, "tbc": false, "reportData": data}
}

// getVariables201 answers GetVariables from the variables the simulator
// knows.
func (s *station) getVariables201(payload json.RawMessage) any {
	var req struct {
		GetVariableData []variableRef `json:"getVariableData"`
	}
	_ = json.Unmarshal(payload, &req)
	known := s.variables201()
	results := []any{}
	for _, v := range req.GetVariableData {
		r := map[string]any{"component": v.Component, "variable": v.Variable}
		if v.AttributeType != "" {
			r["attributeType"] = v.AttributeType
		}
		c, x := v.names()
		switch vars, ok := known[c]; {
		case !ok:
			r["attributeStatus"] = "UnknownComponent"
		case vars[x] == "":
			r["attributeStatus"] = "UnknownVariable"
		default:
			r["attributeStatus"], r["attributeValue"] = "Accepted", vars[x]
		}
		results = append(results, r)
	}
	return map[string]any{"getVariableResult": results}
}

// setVariables201 answers SetVariables: the simulator's variables are read
// only, so every one is Rejected.
func setVariables201(payload json.RawMessage) any {
	var req struct {
		SetVariableData []variableRef `json:"setVariableData"`
	}
	_ = json.Unmarshal(payload, &req)
	results := []any{}
	for _, v := range req.SetVariableData {
		r := map[string]any{"component": v.Component, "variable": v.Variable, "attributeStatus": "Rejected"}
		if v.AttributeType != "" {
			r["attributeType"] = v.AttributeType
		}
		results = append(results, r)
	}
	return map[string]any{"setVariableResult": results}
}
