package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
)

func init() {
	// Walked as deletes are: only employees the persona may not read (404),
	// since an invitation that succeeds changes the world the walk reads.
	coverage["POST /api/v1/employees/{id}/invite-driver"] = exDelete
}

// invite invites North's employee as a driver as who, with e-mail email.
func (w *world) invite(who, email string) response {
	w.t.Helper()
	return w.do(who, http.MethodPost, "/api/v1/employees/"+w.north1.employee.String()+"/invite-driver", map[string]any{"email": email})
}

// TestInviteDriver: a fleet manager and an account admin of the employee's
// account invite it as a driver (a new user with a one-time password and
// the driver role on that employee alone, audited); a facility manager, another subsidiary's fleet manager and a
// user without roles find no such employee; an address in use is 409.
func TestInviteDriver(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, who := range []string{northFacility, southFleet, nobody, otherAdmin} {
			if r := w.invite(who, "x-"+who+"@example.com"); r.status != http.StatusNotFound {
				t.Errorf("%s invites: status %d, want 404: %s", who, r.status, r.body)
			}
		}
		w.invite(northFleet, "").want(t, http.StatusBadRequest) // the employee has no e-mail address
		var inv struct {
			User struct {
				ID                 fc.ID  `json:"id"`
				Email              string `json:"email"`
				Name               string `json:"name"`
				MustChangePassword bool   `json:"must_change_password"`
			} `json:"user"`
			Assignment fc.Assignment `json:"role_assignment"`
			Password   string        `json:"password"`
		}
		w.invite(northFleet, "n.driver@example.com").want(t, http.StatusCreated).json(t, &inv)
		if inv.User.Email != "n.driver@example.com" || inv.User.Name != "N Driver" || !inv.User.MustChangePassword || len(inv.Password) < 12 {
			t.Errorf("invitation %+v", inv)
		}
		as, err := w.st.UserAssignments(context.Background(), inv.User.ID)
		check(t, err)
		if len(as) != 1 || as[0].Role != fc.RoleDriver || as[0].EmployeeID != w.north1.employee || as[0].AccountID != 0 || as[0].OrganizationID != 0 {
			t.Errorf("the invited user holds %+v, want the driver role on employee %s alone", as, w.north1.employee)
		}
		w.invite(northAdmin, "n.driver@example.com").want(t, http.StatusConflict)
		w.invite(northAdmin, "n.driver2@example.com").want(t, http.StatusCreated)

		var events struct {
			Data []struct {
				Action   string `json:"action"`
				ObjectID fc.ID  `json:"object_id"`
			} `json:"data"`
		}
		w.do(admin, http.MethodGet, "/api/v1/audit-events?object_type=role_assignment", nil).want(t, http.StatusOK).json(t, &events)
		if !slices.ContainsFunc(events.Data, func(e struct {
			Action   string `json:"action"`
			ObjectID fc.ID  `json:"object_id"`
		}) bool {
			return e.Action == "role.grant" && e.ObjectID == inv.Assignment.ID
		}) {
			t.Errorf("the audit log has no role.grant of assignment %s: %+v", inv.Assignment.ID, events.Data)
		}
		// Nobody grants the driver role off an employee.
		w.do(admin, http.MethodPost, "/api/v1/role-assignments", map[string]any{
			"user_id": inv.User.ID.String(), "role": "driver", "account_id": w.northAcc.String()}).want(t, http.StatusBadRequest)
	})
}

// TestDriverReadsItsOwn: an invited driver reads its employee, its card, its
// session and its home station, starts and stops charging there, and may
// send no other command; the office station, the other employee's card
// and the reports are not its.
func TestDriverReadsItsOwn(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		home := &fc.Location{ProviderID: w.provider, AccountID: w.northAcc, Name: "N home", Kind: fc.LocationHome, EmployeeID: w.north1.employee}
		check(t, w.st.CreateLocation(ctx, home))
		st := &fc.Station{ProviderID: w.provider, AccountID: w.northAcc, LocationID: home.ID, ChargeGroupID: w.north1.group,
			Identity: "N-HOME-1", PasswordHash: "unused"}
		check(t, w.st.CreateStation(ctx, st, 1))
		w.cmd.online[st.Identity], w.cmd.online[w.north1.identity] = true, true

		var inv struct {
			User struct {
				ID fc.ID `json:"id"`
			} `json:"user"`
		}
		w.invite(northFleet, "n.driver@example.com").want(t, http.StatusCreated).json(t, &inv)
		u, err := w.st.User(ctx, fc.ProviderScope(w.provider), inv.User.ID)
		check(t, err)
		token, _, err := auth.New(w.st, auth.Config{}).CreateAPIToken(ctx, u, "phone")
		check(t, err)
		w.tokens["driver"] = token

		for path, want := range map[string][]string{
			"/api/v1/employees": {w.north1.employee.String()},
			"/api/v1/cards":     {w.north1.card.String()},
			"/api/v1/sessions":  {w.north1.session.String()},
			"/api/v1/locations": {home.ID.String()},
			"/api/v1/stations":  {st.ID.String()},
			"/api/v1/accounts":  {},
			"/api/v1/users":     {},
		} {
			r := w.do("driver", http.MethodGet, path, nil)
			if r.status == http.StatusForbidden && len(want) == 0 {
				continue
			}
			if got := r.want(t, http.StatusOK).ids(t); !slices.Equal(got, want) {
				t.Errorf("the driver lists %s: %v, want %v", path, got, want)
			}
		}
		w.do("driver", http.MethodGet, "/api/v1/cards/"+w.south1.card.String(), nil).want(t, http.StatusNotFound)
		w.do("driver", http.MethodGet, "/api/v1/stations/"+w.north1.station.String(), nil).want(t, http.StatusNotFound)

		cmd := "/api/v1/stations/" + st.ID.String() + "/commands/"
		w.do("driver", http.MethodPost, cmd+"remote-start", map[string]any{"connector_id": 1, "id_tag": "N04A1B2C3"}).want(t, http.StatusOK)
		w.do("driver", http.MethodPost, cmd+"reset", map[string]any{"type": "Soft"}).want(t, http.StatusForbidden)
		w.do("driver", http.MethodPost, "/api/v1/stations/"+w.north1.station.String()+"/commands/remote-start",
			map[string]any{"connector_id": 1, "id_tag": "N04A1B2C3"}).want(t, http.StatusNotFound)
		if got := w.cmd.calls; !slices.Equal(got, []string{"N-HOME-1 RemoteStartTransaction"}) {
			t.Errorf("the stations were sent %v", got)
		}
	})
}
