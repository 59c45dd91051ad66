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

// TestAuditPagesByKind reads the audit log on the web as the demo's
// managers: each sees the events of the objects it may read and nothing
// else, and the event of a session on a facility manager's station with a
// card of another customer shows that card masked, as the session page does;
// the card does not pick the session out of the session list.
func TestAuditPagesByKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newDemoWorld(t, st)
		germanStation := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id
			WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		germanEmployee := w.one(t, `SELECT e.id FROM employees e JOIN accounts a ON a.id = e.account_id
			WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY e.id`)
		vanDijkCard := w.one(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id
			WHERE a.name LIKE 'Van Dijk%' AND c.status = 'active' ORDER BY c.id`)
		westGroup := w.one(t, `SELECT g.id FROM charge_groups g JOIN accounts a ON a.id = g.account_id
			JOIN organizations o ON o.id = a.organization_id WHERE o.name = 'Meridian Conseil France' ORDER BY g.id`)
		card, err := st.Card(ctx, fc.ProviderScope(w.res.ProviderID), vanDijkCard)
		if err != nil {
			t.Fatal(err)
		}
		employee, err := st.Employee(ctx, fc.ProviderScope(w.res.ProviderID), germanEmployee)
		if err != nil {
			t.Fatal(err)
		}

		// A Van Dijk card charged at a German Meridian station, far in the
		// past so that it overlaps nothing the demo charged there.
		start := time.Date(2020, 1, 6, 8, 0, 0, 0, time.UTC)
		stop := start.Add(time.Hour)
		x := &fc.Session{ProviderID: w.res.ProviderID, ExternalRef: "audit-web-1", CardID: card.ID, StationID: germanStation, ConnectorID: 1,
			StartedAt: start, StoppedAt: &stop, EnergyWh: 5000, CostMinor: 175, Currency: "EUR"}
		if _, err := st.ImportSession(ctx, x); err != nil {
			t.Fatal(err)
		}
		event := func(kind string, id fc.ID) string {
			return "/audit/" + w.one(t, `SELECT id FROM audit_events WHERE object_type = '`+kind+`' AND object_id = `+id.String()+` ORDER BY id`).String()
		}
		sessionEvent, employeeEvent, groupEvent := event(fc.KindSession, x.ID), event(fc.KindEmployee, germanEmployee), event(fc.KindChargeGroup, westGroup)

		t.Run("facility manager", func(t *testing.T) {
			b := w.as(t, facilitiesDE)
			page := get(t, b, sessionEvent, http.StatusOK)
			wantIn(t, "masked session event", page, "session.import", "*"+card.ExternalID[len(card.ExternalID)-4:])
			wantNotIn(t, "masked session event", page, card.InternalID, card.ExternalID, `card_id&#34;:&#34;`, `card_account_id&#34;:&#34;`)
			get(t, b, employeeEvent, http.StatusNotFound)
			wantNotIn(t, "employee events", get(t, b, "/audit?object_type=employee", http.StatusOK), "employee.create")
			wantNotIn(t, "audit log", get(t, b, "/audit?object_type=session", http.StatusOK), employee.Name, employee.Email)

			// The session itself reads the same, and its foreign card does
			// not pick it out of the list.
			page = get(t, b, "/sessions/"+x.ID.String(), http.StatusOK)
			wantIn(t, "masked session", page, "*"+card.ExternalID[len(card.ExternalID)-4:], "A card of another customer")
			wantNotIn(t, "masked session", page, card.InternalID, card.ExternalID, `href="/cards/`, "Card account")
			wantNotIn(t, "sessions of the foreign card", get(t, b, "/sessions?from=2020-01-06&to=2020-01-07&card_id="+card.ID.String(), http.StatusOK), `href="/sessions/`+x.ID.String()+`"`)
			wantIn(t, "sessions of the station", get(t, b, "/sessions?from=2020-01-06&to=2020-01-07&station_id="+germanStation.String(), http.StatusOK), `href="/sessions/`+x.ID.String()+`"`)
		})

		t.Run("fleet manager of the card", func(t *testing.T) {
			b := w.as(t, holdingFleet)
			wantIn(t, "session event", get(t, b, sessionEvent, http.StatusOK), card.ExternalID, card.InternalID)
		})

		t.Run("fleet manager elsewhere", func(t *testing.T) {
			b := w.as(t, fleetWest)
			get(t, b, groupEvent, http.StatusNotFound)
			get(t, b, sessionEvent, http.StatusNotFound)
			wantNotIn(t, "charge group events", get(t, b, "/audit?object_type=charge_group", http.StatusOK), "charge_group.create")
		})
	})
}
