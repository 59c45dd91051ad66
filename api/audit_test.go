package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// crossSession imports a session of South's card at North's station: North's
// facility manager reads it from the station side only, its card masked.
func (w *world) crossSession(t *testing.T) fc.ID {
	t.Helper()
	start := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	stop := start.Add(time.Hour)
	x := &fc.Session{ProviderID: w.provider, ExternalRef: "cross-1", CardID: w.south1.card, StationID: w.north1.station, ConnectorID: 2,
		StartedAt: start, StoppedAt: &stop, EnergyWh: 4000, CostMinor: 140, Currency: "EUR"}
	_, err := w.st.ImportSession(context.Background(), x)
	check(t, err)
	return x.ID
}

// auditEventOf returns the ID of the first audit event of an object.
func (w *world) auditEventOf(t *testing.T, kind string, id fc.ID) string {
	t.Helper()
	events, err := w.st.AuditEvents(context.Background(), fc.ProviderScope(w.provider), fc.AuditFilter{ObjectType: kind, ObjectID: id})
	check(t, err)
	if len(events) == 0 {
		t.Fatalf("no audit event of %s %s", kind, id)
	}
	return events[0].ID.String()
}

// TestAuditEventsByKind checks that the audit log answers a manager only
// with the events of objects it may read, each read permission in turn,
// and the event of a session it reads from the station side masked as the
// session is.
func TestAuditEventsByKind(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		cross := w.crossSession(t)
		for _, tc := range []struct {
			who     string
			kind    string
			id      fc.ID
			visible bool
		}{
			{northFacility, fc.KindEmployee, w.north1.employee, false},
			{northFacility, fc.KindCard, w.north1.card, false},
			{northFacility, fc.KindStation, w.north1.station, true},
			{northFacility, fc.KindChargeGroup, w.north1.group, true},
			{northFacility, fc.KindSession, w.north1.session, true},
			{northFacility, fc.KindSession, cross, true},
			{northFleet, fc.KindEmployee, w.north1.employee, true},
			{northFleet, fc.KindCard, w.north1.card, true},
			{northFleet, fc.KindStation, w.north1.station, false},
			{northFleet, fc.KindChargeGroup, w.north1.group, false},
			{northFleet, fc.KindLocation, w.north1.location, false},
			{northFleet, fc.KindSession, w.north1.session, true},
			{northFleet, fc.KindSession, cross, false},
			{southFleet, fc.KindSession, cross, true},
			{northFleet, fc.KindUser, w.users[northFleet], false},
			{northFleet, fc.KindProvider, w.provider, false},
			{northAdmin, fc.KindCard, w.north1.card, false}, // no audit.read
		} {
			path := "/api/v1/audit-events/" + w.auditEventOf(t, tc.kind, tc.id)
			got := w.do(tc.who, "GET", path, nil)
			if want := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[tc.visible]; got.status != want {
				t.Errorf("%s reads the event of %s %s: status %d, want %d; body %s", tc.who, tc.kind, tc.id, got.status, want, got.body)
			}
			list := w.do(tc.who, "GET", fmt.Sprintf("/api/v1/audit-events?object_type=%s&object_id=%s", tc.kind, tc.id), nil)
			if tc.who == northAdmin {
				continue
			}
			if n := len(list.want(t, http.StatusOK).ids(t)); (n > 0) != tc.visible {
				t.Errorf("%s lists %d events of %s %s, want visible %v", tc.who, n, tc.kind, tc.id, tc.visible)
			}
		}

		// The cross session's event, as North's facility manager reads it:
		// nothing of South's card, its account or its driver.
		e := w.do(northFacility, "GET", "/api/v1/audit-events/"+w.auditEventOf(t, fc.KindSession, cross), nil).want(t, http.StatusOK)
		for _, leak := range []string{"S04A1B2C3", "S-0001", `"account_id":"` + w.southAcc.String()} {
			if strings.Contains(string(e.body), leak) {
				t.Errorf("the masked session's event shows %q: %s", leak, e.body)
			}
		}
		var body struct {
			AccountID fc.ID `json:"account_id"`
			After     map[string]any
		}
		e.json(t, &body)
		for _, k := range []string{"card_id", "card_account_id", "employee_id", "id_tag"} {
			if v := body.After[k]; v != nil {
				t.Errorf("the masked session's event shows %s = %v", k, v)
			}
		}
		if body.AccountID != 0 || body.After["card_external_id"] != "**0001" {
			t.Errorf("the masked session's event: account %s, card %v; want none and **0001", body.AccountID, body.After["card_external_id"])
		}
	})
}

// TestMaskedSessionCarriesNoCard checks the sessions API from the station
// side: a foreign card's session names no card, card account or driver,
// and neither the card nor its account finds it; explaining it names
// nothing of the card side, and the card itself is not explained.
func TestMaskedSessionCarriesNoCard(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		cross := w.crossSession(t)
		x := w.do(northFacility, "GET", "/api/v1/sessions/"+cross.String(), nil).want(t, http.StatusOK).object(t)
		for _, k := range []string{"card_id", "card_account_id", "employee_id", "id_tag"} {
			if v := x[k]; v != nil {
				t.Errorf("masked session shows %s = %v", k, v)
			}
		}
		if x["card_masked"] != true || x["card_external_id"] != "**0001" {
			t.Errorf("masked session: card_masked %v, card_external_id %v", x["card_masked"], x["card_external_id"])
		}
		for _, q := range []string{"card_id=" + w.south1.card.String(), "account_id=" + w.southAcc.String(), "employee_id=" + w.south1.employee.String()} {
			if ids := w.do(northFacility, "GET", "/api/v1/sessions?"+q, nil).want(t, http.StatusOK).ids(t); slices.Contains(ids, cross.String()) {
				t.Errorf("sessions?%s finds the masked session", q)
			}
		}
		if ids := w.do(southFleet, "GET", "/api/v1/sessions?card_id="+w.south1.card.String(), nil).want(t, http.StatusOK).ids(t); !slices.Contains(ids, cross.String()) {
			t.Errorf("the card's own fleet manager does not find the session by its card: %v", ids)
		}

		for _, p := range []string{"sessions.card_side.read", "sessions.station_side.read", "accounts.read", "organizations.read"} {
			got := w.do(northFacility, "GET", "/api/v1/access/explain?permission="+p+"&resource=session:"+cross.String(), nil).want(t, http.StatusOK)
			for _, leak := range []string{"account " + w.southAcc.String(), "organization " + w.south.String(), "> " + w.south.String(),
				`"account_id":"` + w.southAcc.String() + `"`} {
				if strings.Contains(string(got.body), leak) {
					t.Errorf("explaining the masked session with %s names %q: %s", p, leak, got.body)
				}
			}
		}
		w.do(northFacility, "GET", "/api/v1/access/explain?permission=cards.read&resource=card:"+w.south1.card.String(), nil).want(t, http.StatusNotFound)
	})
}
