package web

import (
	"context"
	"net/http"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// A limited location's page shows its Load section: the limit, what load
// management allocated and what the stations measured, and the running
// sessions at the stations the reader may read, in a table the page
// refreshes in place; a session's page shows its limits. A session at a
// station the reader may not read is neither listed nor counted. Both
// engines.
func TestLocationLoadSection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		all := fc.ProviderScope(w.res.ProviderID)
		office := w.one(t, `SELECT l.id FROM locations l JOIN accounts a ON a.id = l.account_id
			WHERE a.name = 'Meridian Consulting GmbH – Offices' AND l.kind = 'office' ORDER BY l.id`)
		within, err := st.Location(ctx, all, office)
		if err != nil {
			t.Fatal(err)
		}
		group := w.ids(t, `SELECT id FROM charge_groups WHERE account_id = $1 ORDER BY id`, int64(within.AccountID))[0]
		// A new location of the same account, so that the demo's own
		// sessions do not count; without a limit first.
		site := &fc.Location{ProviderID: w.res.ProviderID, AccountID: within.AccountID, Name: "Load test yard", Kind: fc.LocationOffice}
		if err := st.CreateLocation(ctx, site); err != nil {
			t.Fatal(err)
		}
		own := &fc.Station{ProviderID: w.res.ProviderID, AccountID: within.AccountID, LocationID: site.ID, ChargeGroupID: group,
			Identity: "LOAD-TEST-1", PasswordHash: "unused"}
		if err := st.CreateStation(ctx, own, 2); err != nil {
			t.Fatal(err)
		}
		station := own.ID
		path := "/locations/" + site.ID.String()
		b := w.as(t, facilitiesDE)
		wantNotIn(t, "location page without a limit", get(t, b, path, http.StatusOK), "Load: limit")
		if _, err := st.UpdateLocation(ctx, all, site.ID, func(l *fc.Location) error { l.MaxPowerW = 22000; return nil }); err != nil {
			t.Fatal(err)
		}
		stations := fc.StationScope{ProviderID: w.res.ProviderID, Reach: fc.Everything}

		// A station, its location and its charge group share an account;
		// the section is scoped by station all the same, which another
		// customer's station placed here shows.
		visitor := w.one(t, `SELECT st.id FROM stations st JOIN accounts a ON a.id = st.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY st.id`)
		if _, err := st.DB().ExecContext(ctx, `UPDATE stations SET location_id = $1 WHERE id = $2`, int64(site.ID), int64(visitor)); err != nil {
			t.Fatal(err)
		}
		get(t, b, "/stations/"+visitor.String(), http.StatusNotFound)
		foreign, err := st.Station(ctx, stations, visitor)
		if err != nil {
			t.Fatal(err)
		}

		start := time.Now().UTC().Add(-20 * time.Minute).Truncate(time.Second)
		run := func(stationID fc.ID, connector int) fc.ID {
			x, _, err := st.StartTransaction(ctx, fc.StartTransaction{StationID: stationID, ConnectorID: connector, IDTag: "LOADTEST", Timestamp: start})
			if err != nil {
				t.Fatal(err)
			}
			return x.ID
		}
		mine, theirs := run(station, 1), run(visitor, 1)
		if err := st.RecordAllocations(ctx, w.res.ProviderID, []fc.SessionAllocation{
			{SessionID: mine, At: start.Add(time.Minute), LimitW: 22000, Reason: "share"},
			{SessionID: mine, At: start.Add(2 * time.Minute), LimitW: 12345, Reason: "share"},
			{SessionID: theirs, At: start.Add(2 * time.Minute), LimitW: 9655, Reason: "rejected"},
		}); err != nil {
			t.Fatal(err)
		}
		p := 7.5
		if err := st.RecordMeterValues(ctx, station, mine, nil, time.Time{}, []fc.MeterSample{
			{At: start.Add(3 * time.Minute), Measurand: fc.MeasurandPower, Unit: "W", Value: &p, Context: "Sample.Periodic"},
		}); err != nil {
			t.Fatal(err)
		}

		page := get(t, b, path, http.StatusOK)
		wantIn(t, "location page", page, `id="live-load" data-live`, "Load: limit 22 kW, allocated 12.345 kW",
			`<a href="/stations/`+station.String()+`">`+own.Identity+`</a>`, `<a href="/sessions/`+mine.String()+`">`+mine.String()+`</a>`,
			"12.345", "Share of the limit", `<th scope="col">Measured (kW)</th>`)
		wantNotIn(t, "location page", page, foreign.Identity, `/sessions/`+theirs.String()+`"`, "Profile rejected")

		admin := w.as(t, adminEmail)
		page = get(t, admin, path, http.StatusOK)
		wantIn(t, "location page, as the provider admin", page, "Load: limit 22 kW, allocated 22 kW", foreign.Identity,
			`/sessions/`+theirs.String()+`"`, "Profile rejected")

		session := get(t, admin, "/sessions/"+mine.String(), http.StatusOK)
		wantIn(t, "session page", session, "Load management limits", "22", "12.345", "Share of the limit")
		wantNotIn(t, "session page without limits", get(t, admin, "/sessions/"+w.one(t, `SELECT id FROM sessions WHERE stopped_at IS NOT NULL ORDER BY id`).String(), http.StatusOK),
			"Load management limits")
	})
}
