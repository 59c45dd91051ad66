package demo

import (
	"fmt"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// stations201 are the demo stations that speak OCPP 2.0.1: the German
// offices' newer chargers, with the device model and the security events
// they reported when they last connected.
var stations201 = map[string]bool{"MDE-FRA-01": true, "MDE-FRA-02": true, "MDE-MUC-01": true}

// ocpp201 records the OCPP 2.0.1 stations' version, device model and
// security events, as their last connection left them.
func (b *builder) ocpp201() error {
	for i := range b.res.Stations {
		login := &b.res.Stations[i]
		if !stations201[login.Identity] {
			continue
		}
		login.OCPP = fc.OCPP201
		at := b.now.Add(-time.Duration(2+i%5) * time.Hour)
		if err := b.st.SetConnection(b.ctx, login.StationID, false, fc.OCPP201, at); err != nil {
			return fmt.Errorf("station %s: %w", login.Identity, err)
		}
		if err := b.st.RecordDeviceModel(b.ctx, login.StationID, deviceModel(login.Identity, login.Connectors), at); err != nil {
			return fmt.Errorf("station %s: device model: %w", login.Identity, err)
		}
		for _, e := range []struct {
			kind, info string
			ago        time.Duration
		}{
			{"StartupOfTheDevice", "power-up after maintenance", 30 * 24 * time.Hour},
			{"SettingSystemTime", "clock set from NTP", 30*24*time.Hour - time.Minute},
			{"FirmwareUpdated", "2.8.4 installed", 12 * 24 * time.Hour},
			{"ReconfigurationOfSecurityParameters", "SecurityProfile 1 to 2", 12*24*time.Hour - 10*time.Minute},
		} {
			ev := fc.SecurityEvent{StationID: login.StationID, Type: e.kind, TechInfo: e.info, At: at.Add(-e.ago)}
			if err := b.st.RecordSecurityEvent(b.ctx, ev); err != nil {
				return fmt.Errorf("station %s: security event: %w", login.Identity, err)
			}
		}
	}
	return nil
}

// deviceModel is what a typical OCPP 2.0.1 AC charger reports in
// NotifyReport: identity, communication and security settings, and one
// EVSE with its connector per charge point.
func deviceModel(identity string, evses int) []fc.DeviceVariable {
	v := func(component string, evse int, variable, value, mutability, dataType, unit string) fc.DeviceVariable {
		return fc.DeviceVariable{Component: component, EVSEID: evse, Variable: variable, AttributeType: "Actual",
			Value: &value, Mutability: mutability, DataType: dataType, Unit: unit}
	}
	out := []fc.DeviceVariable{
		v("ChargingStation", 0, "Model", "Wallbox Pro 22", "ReadOnly", "string", ""),
		v("ChargingStation", 0, "VendorName", "Elektra", "ReadOnly", "string", ""),
		v("ChargingStation", 0, "SerialNumber", "EL-"+identity, "ReadOnly", "string", ""),
		v("ChargingStation", 0, "AvailabilityState", "Available", "ReadOnly", "OptionList", ""),
		v("OCPPCommCtrlr", 0, "HeartbeatInterval", "300", "ReadWrite", "integer", "s"),
		v("OCPPCommCtrlr", 0, "NetworkProfileConnectionAttempts", "3", "ReadWrite", "integer", ""),
		v("SecurityCtrlr", 0, "SecurityProfile", "2", "ReadOnly", "integer", ""),
		v("SecurityCtrlr", 0, "Identity", identity, "ReadOnly", "string", ""),
		v("AuthCtrlr", 0, "LocalAuthorizeOffline", "true", "ReadWrite", "boolean", ""),
		v("TxCtrlr", 0, "EVConnectionTimeOut", "120", "ReadWrite", "integer", "s"),
		v("SampledDataCtrlr", 0, "TxUpdatedInterval", "60", "ReadWrite", "integer", "s"),
	}
	for e := 1; e <= evses; e++ {
		out = append(out,
			v("EVSE", e, "AvailabilityState", "Available", "ReadOnly", "OptionList", ""),
			v("EVSE", e, "Power", "22000", "ReadOnly", "decimal", "W"),
		)
	}
	return out
}
