package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

func init() {
	coverage["GET /api/v1/locations/{id}/load"] = exGet
	coverage["GET /api/v1/sessions/{id}/allocations"] = exGet
}

// loadWorld is North's depot with a 22 kW limit and three running
// sessions: two at North's station, and one at a station of South standing
// there, which North's readers may not read.
type loadWorld struct {
	first, second, foreign fc.ID // sessions
	foreignStation         fc.ID
	at                     time.Time // when the limits were given
}

func newLoadWorld(t *testing.T, w *world) loadWorld {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	w.do(admin, "PATCH", "/api/v1/locations/"+w.north1.location.String(), map[string]any{"max_power_kw": "22"}).want(t, http.StatusOK)

	// A station, its location and its charge group always share an account
	// (the store refuses others); the load of a location is scoped by its
	// stations all the same, which a station of South placed here shows.
	foreign := &fc.Station{ProviderID: w.provider, AccountID: w.southAcc, LocationID: w.south1.location, ChargeGroupID: w.south1.group,
		Identity: "S-VISITOR-1", PasswordHash: "unused"}
	check(t, w.st.CreateStation(ctx, foreign, 1))
	_, err := w.st.DB().ExecContext(ctx, `UPDATE stations SET location_id = $1 WHERE id = $2`, int64(w.north1.location), int64(foreign.ID))
	check(t, err)

	start := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
	run := func(station fc.ID, connector int, tag string) fc.ID {
		x, _, err := w.st.StartTransaction(ctx, fc.StartTransaction{StationID: station, ConnectorID: connector, IDTag: tag, Timestamp: start})
		check(t, err)
		return x.ID
	}
	lw := loadWorld{first: run(w.north1.station, 1, "N04A1B2C3"), second: run(w.north1.station, 2, "N04A1B2C3"),
		foreign: run(foreign.ID, 1, "S04A1B2C3"), foreignStation: foreign.ID, at: start.Add(time.Minute)}
	check(t, w.st.RecordAllocations(ctx, w.provider, []fc.SessionAllocation{
		{SessionID: lw.first, At: lw.at, LimitW: 22000, Reason: "share"},
		{SessionID: lw.first, At: lw.at.Add(5 * time.Minute), LimitW: 11000, Reason: "share"},
		{SessionID: lw.second, At: lw.at.Add(5 * time.Minute), LimitW: 4140, Reason: "share"},
		{SessionID: lw.foreign, At: lw.at.Add(5 * time.Minute), LimitW: 6860, Reason: "rejected"},
	}))
	p := 7.4
	check(t, w.st.RecordMeterValues(ctx, w.north1.station, lw.first, nil, time.Time{}, []fc.MeterSample{
		{At: lw.at.Add(6 * time.Minute), Measurand: fc.MeasurandPower, Unit: "kW", Value: &p, Context: "Sample.Periodic"},
	}))
	return lw
}

type loadBody struct {
	LocationID  string       `json:"location_id"`
	LimitKW     *json.Number `json:"limit_kw"`
	AllocatedKW json.Number  `json:"allocated_kw"`
	MeasuredKW  *json.Number `json:"measured_kw"`
	Sessions    []struct {
		SessionID       string       `json:"session_id"`
		StationID       string       `json:"station_id"`
		StationIdentity string       `json:"station_identity"`
		ConnectorID     int          `json:"connector_id"`
		StartedAt       time.Time    `json:"started_at"`
		LimitKW         json.Number  `json:"limit_kw"`
		Reason          string       `json:"reason"`
		Since           *time.Time   `json:"since"`
		MeasuredKW      *json.Number `json:"measured_kw"`
		MeasuredAt      *time.Time   `json:"measured_at"`
	} `json:"sessions"`
}

func numText(n *json.Number) string {
	if n == nil {
		return "null"
	}
	return n.String()
}

// TestLocationLoad reads a location's division: its limit, the sessions
// at its stations the caller may read with their limits, reasons and
// measured power, and sums of just those; 404 for callers who may not read
// the location. Both engines.
func TestLocationLoad(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		lw := newLoadWorld(t, w)
		path := "/api/v1/locations/" + w.north1.location.String() + "/load"

		var all loadBody
		w.do(admin, "GET", path, nil).want(t, http.StatusOK).json(t, &all)
		if numText(all.LimitKW) != "22.000" || all.AllocatedKW != "22.000" || numText(all.MeasuredKW) != "7.400" || len(all.Sessions) != 3 {
			t.Fatalf("admin: limit %s, allocated %s, measured %s, %d sessions; want 22.000, 22.000, 7.400 and 3",
				numText(all.LimitKW), all.AllocatedKW, numText(all.MeasuredKW), len(all.Sessions))
		}
		first := all.Sessions[0]
		if first.SessionID != lw.first.String() || first.StationID != w.north1.station.String() || first.StationIdentity != w.north1.identity ||
			first.ConnectorID != 1 || first.LimitKW != "11.000" || first.Reason != "share" || first.Since == nil ||
			!first.Since.Equal(lw.at.Add(5*time.Minute)) || numText(first.MeasuredKW) != "7.400" || first.MeasuredAt == nil ||
			!first.MeasuredAt.Equal(lw.at.Add(6*time.Minute)) || first.StartedAt.IsZero() {
			t.Errorf("first session = %+v", first)
		}
		second := all.Sessions[1]
		if second.SessionID != lw.second.String() || second.ConnectorID != 2 || second.LimitKW != "4.140" || second.MeasuredKW != nil || second.MeasuredAt != nil {
			t.Errorf("second session = %+v", second)
		}
		if got := all.Sessions[2]; got.SessionID != lw.foreign.String() || got.StationIdentity != "S-VISITOR-1" || got.Reason != "rejected" {
			t.Errorf("third session = %+v", got)
		}

		// North's readers see the location but not South's station: its
		// session is neither listed nor counted.
		for _, who := range []string{northFacility, northAdmin} {
			var got loadBody
			w.do(who, "GET", path, nil).want(t, http.StatusOK).json(t, &got)
			if len(got.Sessions) != 2 || got.Sessions[0].SessionID != lw.first.String() || got.Sessions[1].SessionID != lw.second.String() ||
				got.AllocatedKW != "15.140" || numText(got.LimitKW) != "22.000" {
				t.Errorf("%s: %s", who, mustJSON(t, got))
			}
		}
		for _, who := range []string{northFleet, southFleet, otherAdmin, nobody} {
			w.do(who, "GET", path, nil).want(t, http.StatusNotFound)
		}
		w.do(admin, "GET", "/api/v1/locations/999999999/load", nil).want(t, http.StatusNotFound)
		w.do(admin, "GET", path+"?x=1", nil).want(t, http.StatusBadRequest)

		// Without a limit, without sessions: nulls and an empty list.
		var south loadBody
		w.do(admin, "GET", "/api/v1/locations/"+w.south1.location.String()+"/load", nil).want(t, http.StatusOK).json(t, &south)
		if south.LimitKW != nil || south.MeasuredKW != nil || south.AllocatedKW != "0.000" || south.Sessions == nil || len(south.Sessions) != 0 {
			t.Errorf("South's depot = %s", mustJSON(t, south))
		}
	})
}

// TestSessionAllocations reads the limits a session was given, by time,
// as whoever may read the session; 404 for others. Both engines.
func TestSessionAllocations(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		lw := newLoadWorld(t, w)
		path := "/api/v1/sessions/" + lw.first.String() + "/allocations"
		want := `{"data":[{"at":"` + lw.at.Format(time.RFC3339) + `","limit_kw":22.000,"reason":"share"},` +
			`{"at":"` + lw.at.Add(5*time.Minute).Format(time.RFC3339) + `","limit_kw":11.000,"reason":"share"}]}`
		for _, who := range []string{admin, northFacility, northFleet, northAdmin} {
			got := w.do(who, "GET", path, nil).want(t, http.StatusOK)
			if string(got.body) != want+"\n" && string(got.body) != want {
				t.Errorf("%s: allocations = %s\nwant %s", who, got.body, want)
			}
		}
		for _, who := range []string{southFleet, otherAdmin, nobody} {
			w.do(who, "GET", path, nil).want(t, http.StatusNotFound)
		}
		foreign := "/api/v1/sessions/" + lw.foreign.String() + "/allocations"
		w.do(admin, "GET", foreign, nil).want(t, http.StatusOK)
		w.do(northFacility, "GET", foreign, nil).want(t, http.StatusNotFound)
		w.do(admin, "GET", "/api/v1/sessions/999999999/allocations", nil).want(t, http.StatusNotFound)

		empty := w.do(admin, "GET", "/api/v1/sessions/"+w.north1.session.String()+"/allocations", nil).want(t, http.StatusOK)
		if string(empty.body) != "{\"data\":[]}\n" && string(empty.body) != `{"data":[]}` {
			t.Errorf("no allocations = %s, want {\"data\":[]}", empty.body)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	check(t, err)
	return string(b)
}
