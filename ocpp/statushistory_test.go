package ocpp_test

import (
	"context"
	"testing"
	"time"
)

// TestStatusHistory: every StatusNotification joins the station's status
// history once, with the vendor's error code, connector 0's too.
func TestStatusHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		fault := map[string]any{"connectorId": 1, "status": "Faulted", "errorCode": "OverCurrentFailure", "vendorErrorCode": "OC-17",
			"vendorId": "com.example", "info": "phase L2", "timestamp": ts(startedAt.Add(time.Minute))}
		for _, req := range []map[string]any{fault, fault,
			{"connectorId": 0, "status": "Unavailable", "errorCode": "NoError", "timestamp": ts(startedAt.Add(2 * time.Minute))}} {
			st.call("StatusNotification", req, nil)
		}
		got, err := w.Store.StatusHistory(context.Background(), w.Station.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("history = %+v, want 2 reports", got)
		}
		if r := got[0]; r.ConnectorID != 0 || r.Status != "Unavailable" || !r.At.Equal(startedAt.Add(2*time.Minute)) {
			t.Errorf("newest = %+v, want the station's Unavailable", r)
		}
		if r := got[1]; r.ConnectorID != 1 || r.Status != "Faulted" || r.ErrorCode != "OverCurrentFailure" || r.VendorErrorCode != "OC-17" ||
			r.VendorID != "com.example" || r.Info != "phase L2" {
			t.Errorf("fault = %+v", r)
		}
	})
}
