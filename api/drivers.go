package api

import (
	"net/http"

	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// driverInviteInput is the body of an invitation; every field is optional.
type driverInviteInput struct {
	Email string `json:"email" doc:"the new user's e-mail address; the employee's when absent"`
}

// driverInviteView is what an invitation made.
type driverInviteView = app.DriverInvite

// driverRoutes are the routes of drivers: inviting an employee as one.
func (s *Server) driverRoutes() []route {
	return []route{{method: http.MethodPost, path: "/api/v1/employees/{id}/invite-driver", id: "invite_driver", tag: "employees",
		summary: "Invite an employee as a driver",
		doc: "Creates a user with the employee's name and e-mail address (or the one given) holding the driver role on this employee and " +
			"nothing else: it signs in to see its own cards, sessions, home station, rates and statements. Needs " +
			string(access.EmployeesManage) + " on the employee (fleet managers, account admins). The answer carries the user, its role " +
			"assignment and a one-time password, shown this once; the user must change it at the first sign-in. 409 when a user has the " +
			"e-mail address already, 422 for an inactive employee. Audited as user.create and role.grant.",
		body: typ[driverInviteInput](), resp: typ[driverInviteView](), status: http.StatusCreated, h: s.inviteDriver}}
}

// inviteDriver reads the employee first, so that one the caller cannot see
// is not found whatever the body says.
func (s *Server) inviteDriver(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.app.Employee(r.Context(), subj, id); err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	var in driverInviteInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	inv, err := s.app.InviteDriver(r.Context(), subj, id, in.Email)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+inv.User.ID.String())
	writeJSON(w, http.StatusCreated, inv)
	return nil
}
