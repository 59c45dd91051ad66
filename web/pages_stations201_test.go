package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestStationPage201: the page of an OCPP 2.0.1 station shows its version,
// the device model it reported, its security events (escaped) and its
// transactions with events missing, to a facility manager of the station.
func TestStationPage201(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		id := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		at := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
		if err := st.SetConnection(ctx, id, true, fc.OCPP201, at); err != nil {
			t.Fatal(err)
		}
		value := "22000"
		if err := st.RecordDeviceModel(ctx, id, []fc.DeviceVariable{{Component: "EVSE", EVSEID: 1, Variable: "Power", AttributeType: "MaxSet",
			Value: &value, Unit: "W", Mutability: "ReadOnly"}}, at); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordSecurityEvent(ctx, fc.SecurityEvent{StationID: id, Type: "TamperDetectionActivated", TechInfo: "door <open>", At: at}); err != nil {
			t.Fatal(err)
		}
		// A transaction whose event 1 never came.
		for _, seq := range []int64{0, 2} {
			if _, err := st.TransactionEvent(ctx, fc.TransactionEvent{StationID: id, TransactionID: "GAP-7", EventType: fc.TxUpdated, SeqNo: seq,
				TriggerReason: "MeterValuePeriodic", Timestamp: at, ConnectorID: 1}); err != nil {
				t.Fatal(err)
			}
		}
		b := w.as(t, facilitiesDE)
		page := get(t, b, "/stations/"+id.String(), http.StatusOK)
		wantIn(t, "2.0.1 station page", page, "OCPP version", "2.0.1", "Device model", "Power", "22000", "MaxSet",
			"Security events", "TamperDetectionActivated", "door &lt;open&gt;", "Transactions with events missing", "GAP-7")
		wantIn(t, "2.0.1 station page", page, `action="/stations/`+id.String()+`/commands/get-base-report"`)
		rec := b.do("POST", "/stations/"+id.String()+"/commands/get-base-report", url.Values{"csrf_token": {csrfOf(t, page)}, "type": {"SummaryInventory"}})
		wantRedirect(t, "get-base-report", rec, "/stations/"+id.String()+"?cmd=get-base-report&answer=Accepted")
		if n := len(w.cmds.calls); n == 0 || !strings.HasSuffix(w.cmds.calls[n-1], " GetBaseReport") {
			t.Errorf("the station got %v, want GetBaseReport last", w.cmds.calls)
		}
	})
}
