package ocpp_test

import "testing"

func TestDataTransfer(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		var got struct {
			Status string `json:"status"`
		}
		st.call("DataTransfer", map[string]string{"vendorId": "com.example", "messageId": "Hello", "data": "{}"}, &got)
		if got.Status != "UnknownVendorId" {
			t.Errorf("status %q, want UnknownVendorId", got.Status)
		}
	})
}
