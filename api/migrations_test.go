package api_test

import (
	"net/http"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestMigrations moves North's card to South's account through the API:
// only the provider admin may; a dry run changes nothing and names the
// employee link that breaks and the managers who gain and lose sight; a real
// run given a stale plan is refused; the real run moves the card.
func TestMigrations(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		body := map[string]any{"dry_run": true, "kind": "cards", "ids": []string{w.north1.card.String()}, "target_account_id": w.southAcc.String()}
		for _, who := range []string{holdingMgr, northFleet, northAdmin, nobody} {
			w.do(who, "POST", "/api/v1/migrations", body).want(t, http.StatusForbidden)
		}
		// Another provider's admin sees neither the target nor the card.
		w.do(otherAdmin, "POST", "/api/v1/migrations", body).want(t, http.StatusBadRequest)
		w.do(otherAdmin, "POST", "/api/v1/migrations", map[string]any{"dry_run": true, "kind": "cards",
			"ids": []string{w.north1.card.String()}, "target_account_id": w.otherAcc.String()}).want(t, http.StatusNotFound)
		w.do(admin, "POST", "/api/v1/migrations", map[string]any{"dry_run": true, "kind": "trucks", "ids": []string{"1"}}).want(t, http.StatusBadRequest)

		var plan fc.MigrationPlan
		w.do(admin, "POST", "/api/v1/migrations", body).want(t, http.StatusOK).json(t, &plan)
		if len(plan.Moves) != 1 || plan.Moves[0].ID != w.north1.card || plan.Fingerprint == "" {
			t.Fatalf("dry run plan = %+v", plan)
		}
		if len(plan.Links) != 1 || plan.Links[0].Kind != fc.LinkCardEmployee || plan.Links[0].ToID != w.north1.employee {
			t.Errorf("links = %+v, want the card's employee link", plan.Links)
		}
		changes := map[fc.ID]fc.AccessChange{}
		for _, c := range plan.Access {
			if c.Kind == fc.KindCard {
				changes[c.UserID] = c
			}
		}
		if c := changes[w.users[northFleet]]; c.Lost != 1 {
			t.Errorf("north fleet manager's change = %+v, want it loses the card", c)
		}
		if c := changes[w.users[southFleet]]; c.Gained != 1 {
			t.Errorf("south fleet manager's change = %+v, want it gains the card", c)
		}
		if _, ok := changes[w.users[holdingMgr]]; ok {
			t.Errorf("the holding's manager sees both accounts and should change nothing: %+v", changes[w.users[holdingMgr]])
		}
		if got := w.do(admin, "GET", "/api/v1/cards/"+w.north1.card.String(), nil).object(t)["account_id"]; got != w.northAcc.String() {
			t.Fatalf("a dry run moved the card to %v", got)
		}

		body["dry_run"] = false
		body["plan"] = "0123456789abcdef0123456789abcdef"
		w.do(admin, "POST", "/api/v1/migrations", body).want(t, http.StatusConflict)
		body["plan"] = plan.Fingerprint
		var done fc.MigrationPlan
		w.do(admin, "POST", "/api/v1/migrations", body).want(t, http.StatusCreated).json(t, &done)
		if done.ID == 0 {
			t.Errorf("the real run has no migration id")
		}
		if got := w.do(admin, "GET", "/api/v1/cards/"+w.north1.card.String(), nil).object(t)["account_id"]; got != w.southAcc.String() {
			t.Errorf("card in account %v after the run, want %s", got, w.southAcc)
		}
		w.do(northFleet, "GET", "/api/v1/cards/"+w.north1.card.String(), nil).want(t, http.StatusNotFound)
		w.do(admin, "GET", "/api/v1/audit-events?object_type=migration", nil).want(t, http.StatusOK)

		// A station cannot leave its location and charge group behind: the
		// dry run says so, the real run is refused, with_linked takes them.
		st := map[string]any{"dry_run": true, "kind": "stations", "ids": []string{w.north1.station.String()}, "target_account_id": w.southAcc.String()}
		var blocked fc.MigrationPlan
		w.do(admin, "POST", "/api/v1/migrations", st).want(t, http.StatusOK).json(t, &blocked)
		if !blocked.Blocked {
			t.Errorf("moving a station alone is not blocked: %+v", blocked.Links)
		}
		st["dry_run"] = false
		w.do(admin, "POST", "/api/v1/migrations", st).want(t, http.StatusUnprocessableEntity)
		st["with_linked"] = true
		var moved fc.MigrationPlan
		w.do(admin, "POST", "/api/v1/migrations", st).want(t, http.StatusCreated).json(t, &moved)
		if len(moved.Moves) != 3 || len(moved.Reverse) != 1 {
			t.Errorf("with_linked moved %+v, reverse %+v; want the station, its location and group, and one reverse migration", moved.Moves, moved.Reverse)
		}
	})
}
