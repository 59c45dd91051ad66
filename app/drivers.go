package app

import (
	"context"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// DriverInvite is what inviting an employee as a driver made: the new user,
// its role assignment, and its one-time password, returned here and nowhere
// else (the user must change it at the first sign-in).
type DriverInvite struct {
	User       *fc.User       `json:"user"`
	Assignment *fc.Assignment `json:"role_assignment"`
	Password   string         `json:"password"`
}

// InviteDriver invites an employee the subject sees as a driver: a new user
// of the subject's provider, with the employee's e-mail address (or email,
// when given) and name, holding the driver role on that employee and
// nothing else. It needs employees.manage on the employee (fleet managers,
// account admins, provider admins): the one way a role is given without
// users.manage, and it gives only the employee's own things to the
// employee. The user and its role are made in one transaction and audited
// (user.create, role.grant on the employee's account).
func (s *Service) InviteDriver(ctx context.Context, subj access.Subject, employeeID fc.ID, email string) (*DriverInvite, error) {
	e, err := s.Store.Employee(ctx, access.ScopeFor(subj, access.EmployeesRead), employeeID)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindEmployee, e.ID, access.EmployeesManage); err != nil {
		return nil, err
	}
	if !e.Active {
		return nil, fc.Errorf(fc.EUnprocessable, "employee %s is inactive: activate it before inviting it as a driver", e.ID)
	}
	if email = strings.TrimSpace(email); email == "" {
		email = e.Email
	}
	if email == "" {
		return nil, fc.Invalid(map[string]string{"email": "is required: the employee has no e-mail address"})
	}
	password := secret.Password(oneTimePasswordLength)
	u := &fc.User{ProviderID: subj.ProviderID, Email: email, Name: e.Name,
		PasswordHash: secret.HashPassword(password), MustChangePassword: true}
	a := &fc.Assignment{ProviderID: subj.ProviderID, Role: fc.RoleDriver, EmployeeID: e.ID, CreatedBy: subj.UserID}
	if err := s.Store.CreateDriver(ctx, u, a); err != nil {
		return nil, err
	}
	return &DriverInvite{User: u, Assignment: a, Password: password}, nil
}
