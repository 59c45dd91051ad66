package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestCommandTargets checks that a remote command naming something that is
// not the station's to act on (another station's session, a stopped one, a
// card of another provider, a card the station does not serve, a connector
// it does not have) is refused before anything reaches the station: 404 as
// if it did not exist, or 400 for a connector, and no call sent.
func TestCommandTargets(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		path := "/api/v1/stations/" + w.north1.station.String() + "/commands/"
		w.cmd.online[w.north1.identity] = true
		w.cmd.online[w.south1.identity] = true

		// A running session at North's station, and one at South's.
		at := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
		running, _, err := w.st.StartTransaction(ctx, fc.StartTransaction{StationID: w.north1.station, ConnectorID: 1, IDTag: "N04A1B2C3", Timestamp: at})
		check(t, err)
		southRunning, _, err := w.st.StartTransaction(ctx, fc.StartTransaction{StationID: w.south1.station, ConnectorID: 1, IDTag: "S04A1B2C3", Timestamp: at})
		check(t, err)
		// A card of the other provider.
		foreign := &fc.Card{ProviderID: w.other, AccountID: w.otherAcc, InternalID: "Q04A1B2C3", ExternalID: "Q-0001", Status: fc.CardActive}
		check(t, w.st.CreateCard(ctx, foreign))

		refused := []struct {
			name, who, command string
			body               map[string]any
			status             int
		}{
			{"stop of another station's session", northFacility, "remote-stop", map[string]any{"transaction_id": southRunning.ID.String()}, http.StatusNotFound},
			{"stop of another station's session, by the provider admin", admin, "remote-stop", map[string]any{"transaction_id": southRunning.ID.String()}, http.StatusNotFound},
			{"stop of a finished session", northFacility, "remote-stop", map[string]any{"transaction_id": w.north1.session.String()}, http.StatusNotFound},
			{"stop of no session", northFacility, "remote-stop", map[string]any{"transaction_id": "999999"}, http.StatusNotFound},
			{"start with another provider's card", admin, "remote-start", map[string]any{"connector_id": 1, "id_tag": foreign.InternalID}, http.StatusNotFound},
			{"start with no card", northFacility, "remote-start", map[string]any{"connector_id": 1, "id_tag": "NOSUCHCARD"}, http.StatusNotFound},
			{"start on a connector the station lacks", northFacility, "remote-start", map[string]any{"connector_id": 3, "id_tag": "N04A1B2C3"}, http.StatusBadRequest},
			{"unlock a connector the station lacks", northFacility, "unlock", map[string]any{"connector_id": 7}, http.StatusBadRequest},
		}
		for _, tt := range refused {
			w.do(tt.who, "POST", path+tt.command, tt.body).want(t, tt.status)
		}
		if len(w.cmd.calls) != 0 {
			t.Fatalf("refused commands reached stations: %v", w.cmd.calls)
		}

		// North's station restricted to North's cards: a South card the
		// facility manager cannot read is not one the station serves.
		_, err = w.st.UpdateChargeGroup(ctx, fc.ProviderScope(w.provider), w.north1.group, func(g *fc.ChargeGroup) error {
			g.Access, g.AllowedAccountIDs = fc.AccessRestricted, []fc.ID{w.northAcc}
			return nil
		})
		check(t, err)
		w.do(northFacility, "POST", path+"remote-start", map[string]any{"connector_id": 1, "id_tag": "S04A1B2C3"}).want(t, http.StatusNotFound)
		if len(w.cmd.calls) != 0 {
			t.Fatalf("a card the station does not serve reached it: %v", w.cmd.calls)
		}

		// What is the station's own goes through, with what was asked.
		w.do(northFacility, "POST", path+"remote-stop", map[string]any{"transaction_id": running.ID.String()}).want(t, http.StatusOK)
		if got, _ := json.Marshal(w.cmd.last); string(got) != `{"transactionId":`+running.ID.String()+`}` {
			t.Errorf("remote-stop sent %s", got)
		}
		w.do(northFacility, "POST", path+"remote-start", map[string]any{"connector_id": 2, "id_tag": "n04a1b2c3"}).want(t, http.StatusOK)
		// The provider admin reads every card of its provider.
		w.do(admin, "POST", path+"remote-start", map[string]any{"id_tag": "S04A1B2C3"}).want(t, http.StatusOK)
		want := []string{w.north1.identity + " RemoteStopTransaction", w.north1.identity + " RemoteStartTransaction", w.north1.identity + " RemoteStartTransaction"}
		if !slices.Equal(w.cmd.calls, want) {
			t.Errorf("calls %v, want %v", w.cmd.calls, want)
		}
	})
}
