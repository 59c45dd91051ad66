package ocpp_test

import (
	"context"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestThirdPartyChargingStation201 runs e2e/scenario201.js, an OCPP 2.0.1
// charging station built on ocpp-rpc in strict mode (our every answer and
// call checked against the official 2.0.1 schemas), against a real server
// on a fresh store, after e2e/scenario.js ran as an OCPP 1.6 charge point on
// the same server. The test sends the 2.0.1 station the API's commands
// as app maps them (get-base-report, set-variables, remote-start,
// remote-stop) and checks what both left in the store.
func TestThirdPartyChargingStation201(t *testing.T) {
	_, dir := thirdPartyPeer(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := seedWorld(t, s)
		rec := &recorder{}
		e := startServer(t, ocpp.Config{Store: s, Now: time.Now, Observer: rec})
		ops := newOperationsRig(t, w, e, rec)
		// The 1.6 charge point first: both charge with the same card, which
		// may run one transaction at a time.
		runScenario16(t, e, w, w.Restricted, dir, ops)
		checkScenario16(t, w, w.Restricted)
		ops.check(t, w.Restricted)

		send := func(ctx context.Context, cmd app.Command, txID string) {
			t.Helper()
			action, req, err := app.CommandCall(cmd, storedStation(t, w, w.Station), txID)
			if err != nil {
				t.Errorf("%s: %v", cmd.Name, err)
				return
			}
			if _, err := e.srv.Call(ctx, w.Station.Identity, action, req); err != nil {
				t.Errorf("%s (%s): %v", cmd.Name, action, err)
			}
		}
		runScenario(t, e, w, w.Station, dir, "scenario201.js", func(ctx context.Context, line string) {
			switch line {
			case "READY":
				send(ctx, app.Command{Name: app.CommandGetBaseReport}, "")
				send(ctx, app.Command{Name: app.CommandSetVariables, Variables: []app.Variable{{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: "600"}}}, "")
				send(ctx, app.Command{Name: app.CommandRemoteStart, ConnectorID: 2, IDTag: w.Good.InternalID}, "")
			case "REMOTE-STARTED":
				sess := txSession(t, w, w.Station, "E2E-REMOTE")
				txID, err := s.StationTransactionID(ctx, w.Station.ID, sess.ID)
				if err != nil {
					t.Error(err)
				}
				send(ctx, app.Command{Name: app.CommandRemoteStop, TransactionID: sess.ID}, txID)
			default:
				ops.onLine(ctx, t, w.Station, line)
			}
		})
		ops.check(t, w.Station)

		tests := []struct {
			txID      string
			connector int
			energy    int64
			reason    string
		}{
			{"E2E-TX-1", 1, 10000, "EVDisconnected"},
			{"E2E-TX-OFF", 2, 6000, "Local"},
			{"E2E-REMOTE", 2, 2500, "Remote"},
		}
		for _, tt := range tests {
			sess := txSession(t, w, w.Station, tt.txID)
			if sess.Active() || sess.CardID != w.Good.ID || sess.ConnectorID != tt.connector || sess.EnergyWh != tt.energy || sess.StopReason != tt.reason {
				t.Errorf("%s: active %v, card %d, connector %d, %d Wh, %q; want stopped, card %d, connector %d, %d Wh, %q", tt.txID,
					sess.Active(), sess.CardID, sess.ConnectorID, sess.EnergyWh, sess.StopReason, w.Good.ID, tt.connector, tt.energy, tt.reason)
			}
		}
		sc := fc.SessionScope{ProviderID: w.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything}
		if all, err := s.Sessions(context.Background(), sc, fc.SessionFilter{StationID: w.Station.ID}); err != nil || len(all) != len(tests) {
			t.Errorf("%d sessions at the 2.0.1 station (%v), want %d: a repeat or a replay opened another", len(all), err, len(tests))
		}
		st := storedStation(t, w, w.Station)
		if st.Vendor != "ocpp-rpc" || st.Model != "scenario201" || st.OCPPVersion != fc.OCPP201 {
			t.Errorf("station after the scenario: vendor %q, model %q, version %q", st.Vendor, st.Model, st.OCPPVersion)
		}
		// The two attributes of the report, and LocalAuthListCtrlr's
		// ItemsPerMessage, which get-configuration read (HeartbeatInterval,
		// read too, was reported).
		if dm, err := s.DeviceModel(context.Background(), w.Station.ID); err != nil || len(dm) != 3 {
			t.Errorf("device model after GetBaseReport and get-configuration: %+v, %v; want 3 attributes", dm, err)
		}
		if ev, err := s.SecurityEvents(context.Background(), w.Station.ID, 10); err != nil || len(ev) != 1 || ev[0].Type != "StartupOfTheDevice" {
			t.Errorf("security events %+v, %v", ev, err)
		}
	})
}
