package ocpp_test

import (
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestNegotiation: the server picks OCPP 2.0.1 over 1.6 from what a station
// offers, in whatever order, and stores the version of the connection.
func TestNegotiation(t *testing.T) {
	w := seedWorld(t, storetest.Open(t, "sqlite"))
	e := startServer(t, ocpp.Config{Store: w.Store})
	tests := []struct {
		offered []string
		want    string
		version string
	}{
		{[]string{"ocpp1.6"}, "ocpp1.6", fc.OCPP16},
		{[]string{"ocpp1.6", "ocpp2.0.1"}, "ocpp2.0.1", fc.OCPP201},
		{[]string{"ocpp2.0.1", "ocpp1.6"}, "ocpp2.0.1", fc.OCPP201},
		{[]string{"ocpp2.1", "ocpp1.6"}, "ocpp1.6", fc.OCPP16},
		{[]string{"ocpp2.0.1"}, "ocpp2.0.1", fc.OCPP201},
	}
	for _, tt := range tests {
		ws, _, err := dialRaw(e, w.Station.Identity, basicAuth(w.Station.Identity, w.Password), tt.offered...)
		if err != nil {
			t.Fatalf("%v: %v", tt.offered, err)
		}
		if got := ws.Subprotocol(); got != tt.want {
			t.Errorf("%v: subprotocol %q, want %q", tt.offered, got, tt.want)
		}
		eventually(t, "online", func() bool { return e.srv.Online(w.Station.Identity) })
		if got := storedStation(t, w, w.Station).OCPPVersion; got != tt.version {
			t.Errorf("%v: stored version %q, want %q", tt.offered, got, tt.version)
		}
		ws.CloseNow()
		eventually(t, "offline", func() bool { return !e.srv.Online(w.Station.Identity) })
	}
}

func TestBootNotification201(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		e := startServer(t, ocpp.Config{Store: s})
		st := connectUnbooted201(t, e, w.Station.Identity, w.Password)
		// Before an accepted boot, nothing else (B02.FR.09): SecurityError.
		if got := st.callError("Heartbeat", `{}`); got != ocpp.CodeSecurityError {
			t.Errorf("heartbeat before boot: %s, want SecurityError", got)
		}
		var got struct {
			Status, CurrentTime string
			Interval            int
		}
		st.call("BootNotification", map[string]any{"reason": "PowerUp",
			"chargingStation": map[string]any{"vendorName": "Alfen", "model": "Eve Pro", "serialNumber": "ACE201", "firmwareVersion": "7.0.1"}}, &got)
		if got.Status != "Accepted" || got.Interval != 300 || got.CurrentTime != "2025-06-02T09:30:00.000Z" {
			t.Errorf("boot answer %+v", got)
		}
		var hb struct{ CurrentTime string }
		st.call("Heartbeat", map[string]any{}, &hb)
		if hb.CurrentTime == "" {
			t.Error("heartbeat without currentTime")
		}
		stored := storedStation(t, w, w.Station)
		if stored.Vendor != "Alfen" || stored.Model != "Eve Pro" || stored.SerialNumber != "ACE201" || stored.Firmware != "7.0.1" ||
			stored.OCPPVersion != fc.OCPP201 || stored.LastBootAt == nil || stored.LastHeartbeatAt == nil {
			t.Errorf("stored station %+v", stored)
		}
		// A 1.6 payload is not a 2.0.1 one; 2.0.1 spells the code its way.
		if got := st.callError("BootNotification", `{"chargePointVendor":"V","chargePointModel":"M"}`); got != "FormatViolation" && got != "OccurrenceConstraintViolation" {
			t.Errorf("a 1.6 boot on 2.0.1: %s, want a 2.0.1 spelled code", got)
		}
		// A 1.6 action does not exist in 2.0.1; a CSMS action is not sent by stations.
		if got := st.callError("StartTransaction", `{}`); got != ocpp.CodeNotImplemented {
			t.Errorf("StartTransaction on 2.0.1: %s, want NotImplemented", got)
		}
		if got := st.callError("RequestStartTransaction", `{}`); got != ocpp.CodeNotSupported {
			t.Errorf("RequestStartTransaction from a station: %s, want NotSupported", got)
		}
		if got := st.callError("DataTransfer", `{"vendorId":"x\u0000"}`); got != ocpp.CodePropertyConstraintViolation {
			t.Errorf("NUL in a 2.0.1 payload: %s, want PropertyConstraintViolation", got)
		}
	})
}

func TestStatusNotification201(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		for _, tt := range []struct {
			evse   int
			status string
		}{{0, "Available"}, {1, "Occupied"}, {2, "Faulted"}, {3, "Available"}} {
			st.call("StatusNotification", map[string]any{"timestamp": ts(fixedNow), "connectorStatus": tt.status, "evseId": tt.evse, "connectorId": 1}, nil)
		}
		got := map[int]string{}
		for _, p := range storedStation(t, w, w.Station).ChargePoints {
			got[p.ConnectorID] = p.Status
		}
		want := map[int]string{1: "Occupied", 2: "Faulted", 3: "Available"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("charge point %d: %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
	})
}

func TestNotifications201(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		at := ts(fixedNow)
		for action, payload := range map[string]string{
			"NotifyEvent": `{"generatedAt":"` + at + `","seqNo":0,"eventData":[{"eventId":1,"timestamp":"` + at + `","trigger":"Alerting","actualValue":"true",` +
				`"eventNotificationType":"HardWiredNotification","component":{"name":"EVSE"},"variable":{"name":"Problem"}}]}`,
			"NotifyChargingLimit":        `{"evseId":1,"chargingLimit":{"chargingLimitSource":"EMS"}}`,
			"ReportChargingProfiles":     `{"requestId":1,"chargingLimitSource":"CSO","evseId":1,"chargingProfile":[{"id":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":[{"id":1,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11000}]}]}]}`,
			"FirmwareStatusNotification": `{"status":"Installed","requestId":7}`,
			"LogStatusNotification":      `{"status":"Uploaded","requestId":8}`,
			"MeterValues":                `{"evseId":1,"meterValue":[{"timestamp":"` + at + `","sampledValue":[{"value":12.5}]}]}`,
		} {
			st.call(action, jsonRaw(payload), nil)
		}
		var dt struct{ Status string }
		st.call("DataTransfer", map[string]any{"vendorId": "org.example"}, &dt)
		if dt.Status != "UnknownVendorId" {
			t.Errorf("DataTransfer: %q", dt.Status)
		}
	})
}
