package ocpp_test

import (
	"testing"

	"github.com/fleetcharge/fleetcharge/ocpp"
)

func TestFirmwareAndDiagnosticsStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		st.call("FirmwareStatusNotification", map[string]string{"status": "Installed"}, nil)
		st.call("DiagnosticsStatusNotification", map[string]string{"status": "Uploaded"}, nil)
		if got := st.callError("FirmwareStatusNotification", `{"status":"Exploded"}`); got != ocpp.CodePropertyConstraintViolation {
			t.Errorf("unknown firmware status: %s, want %s", got, ocpp.CodePropertyConstraintViolation)
		}
	})
}
