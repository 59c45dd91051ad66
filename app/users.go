package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// oneTimePasswordLength is the length of the passwords made for new users,
// which they must change at their first sign-in.
const oneTimePasswordLength = 16

// provider is the owner of the provider-level objects: users.
func provider(subj access.Subject) fc.Owner { return fc.Owner{ProviderID: subj.ProviderID} }

// Users lists the users the subject may manage: every user for a
// provider-wide users.manage, otherwise the users holding a role within its
// reach.
func (s *Service) Users(ctx context.Context, subj access.Subject, f fc.UserFilter) ([]fc.User, error) {
	return s.Store.Users(ctx, access.ScopeFor(subj, access.UsersManage), f)
}

// User returns one user the subject may manage, or the subject itself.
func (s *Service) User(ctx context.Context, subj access.Subject, id fc.ID) (*fc.User, error) {
	if id == subj.UserID {
		return s.Store.User(ctx, fc.ProviderScope(subj.ProviderID), id)
	}
	return s.Store.User(ctx, access.ScopeFor(subj, access.UsersManage), id)
}

// CreateUser creates a user of the subject's provider with a one-time
// password, returned here and nowhere else; the user must change it at the
// first sign-in. Users sit at provider level, so this needs a provider-wide
// users.manage.
func (s *Service) CreateUser(ctx context.Context, subj access.Subject, u *fc.User) (password string, err error) {
	if !access.Can(subj, access.UsersManage, provider(subj)) {
		return "", fc.Errorf(fc.EForbidden, "creating users needs %s on the whole provider", access.UsersManage)
	}
	password = secret.Password(oneTimePasswordLength)
	u.ProviderID = subj.ProviderID
	u.PasswordHash = secret.HashPassword(password)
	u.MustChangePassword = true
	u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep, u.LastSignInAt = "", false, 0, nil
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return "", err
	}
	return password, nil
}

// UpdateUser applies fn to a user's e-mail, name and disabled flag; the
// sign-in secrets are auth's business and stay as they are. Nobody
// disables itself.
func (s *Service) UpdateUser(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.User) error) (*fc.User, error) {
	if _, err := s.Store.User(ctx, access.ScopeFor(subj, access.UsersManage), id); err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindUser, id, access.UsersManage); err != nil {
		return nil, err
	}
	return s.Store.UpdateUser(ctx, access.ScopeFor(subj, access.UsersManage), id, func(u *fc.User) error {
		keep := *u
		if err := fn(u); err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword = keep.PasswordHash, keep.MustChangePassword
		u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep = keep.TOTPSecret, keep.TOTPEnabled, keep.TOTPLastStep
		u.LastSignInAt = keep.LastSignInAt
		if u.Disabled && !keep.Disabled && u.ID == subj.UserID {
			return fc.Errorf(fc.EUnprocessable, "you cannot disable yourself")
		}
		return nil
	})
}

// DisableUser disables a user: it can no longer sign in or use its API
// tokens. Users are never deleted, so that the audit log keeps its actors.
func (s *Service) DisableUser(ctx context.Context, subj access.Subject, id fc.ID) error {
	_, err := s.UpdateUser(ctx, subj, id, func(u *fc.User) error {
		u.Disabled = true
		return nil
	})
	return err
}

// Assignments lists the role assignments whose scope lies within the
// subject's users.manage reach.
func (s *Service) Assignments(ctx context.Context, subj access.Subject, f fc.AssignmentFilter) ([]fc.Assignment, error) {
	return s.Store.Assignments(ctx, access.ScopeFor(subj, access.UsersManage), f)
}

// Assignment returns one role assignment the subject may manage.
func (s *Service) Assignment(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Assignment, error) {
	as, err := s.Assignments(ctx, subj, fc.AssignmentFilter{Page: fc.Page{After: id - 1, Limit: 1}})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 || as[0].ID != id {
		return nil, fc.Errorf(fc.ENotFound, "role assignment %s not found", id)
	}
	return &as[0], nil
}

// assignmentTarget returns the owner of an assignment's scope, which the
// subject must see: a scope it cannot see is reported as missing.
func (s *Service) assignmentTarget(ctx context.Context, subj access.Subject, a *fc.Assignment) (fc.Owner, error) {
	switch a.ScopeKind() {
	case fc.ScopeOrganization:
		return s.parentOwner(ctx, subj, fc.KindOrganization, a.OrganizationID, access.OrganizationsRead, "organization_id")
	case fc.ScopeAccount:
		return s.parentOwner(ctx, subj, fc.KindAccount, a.AccountID, access.AccountsRead, "account_id")
	case fc.ScopeEmployee:
		return s.parentOwner(ctx, subj, fc.KindEmployee, a.EmployeeID, access.EmployeesRead, "employee_id")
	}
	return provider(subj), nil
}

// CreateAssignment grants a role to a user of the subject's provider, on
// an organization, an account, an employee (the driver role, and only it),
// or (provider admins only) the whole provider. The subject must hold users.manage and every permission of the
// role on the whole scope: nobody grants more than it holds.
func (s *Service) CreateAssignment(ctx context.Context, subj access.Subject, a *fc.Assignment) error {
	fields := map[string]string{}
	switch {
	case !a.Role.Valid():
		fields["role"] = "must be one of provider_admin, fleet_manager, facility_manager, account_admin, driver"
	case a.OrganizationID != 0 && a.AccountID != 0:
		fields["account_id"] = "give either organization_id or account_id, not both"
	case a.Role == fc.RoleDriver && (a.EmployeeID == 0 || a.OrganizationID != 0 || a.AccountID != 0):
		fields["employee_id"] = "the driver role is granted on one employee, without organization or account"
	case a.Role != fc.RoleDriver && a.EmployeeID != 0:
		fields["employee_id"] = "only the driver role is granted on an employee"
	}
	if a.UserID <= 0 {
		fields["user_id"] = "is required"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	a.ProviderID, a.CreatedBy = subj.ProviderID, subj.UserID
	target, err := s.assignmentTarget(ctx, subj, a)
	if err != nil {
		return err
	}
	if err := access.CanGrant(subj, *a, target); err != nil {
		return err
	}
	return s.Store.CreateAssignment(ctx, a)
}

// DeleteAssignment revokes a role assignment the subject sees and could
// have granted.
func (s *Service) DeleteAssignment(ctx context.Context, subj access.Subject, id fc.ID) error {
	a, err := s.Assignment(ctx, subj, id)
	if err != nil {
		return err
	}
	target := provider(subj)
	switch a.ScopeKind() {
	case fc.ScopeOrganization:
		target, err = s.Store.Owner(ctx, subj.ProviderID, fc.KindOrganization, a.OrganizationID)
	case fc.ScopeAccount:
		target, err = s.Store.Owner(ctx, subj.ProviderID, fc.KindAccount, a.AccountID)
	case fc.ScopeEmployee:
		target, err = s.Store.Owner(ctx, subj.ProviderID, fc.KindEmployee, a.EmployeeID)
	}
	if err != nil {
		return err
	}
	if err := access.CanRevoke(subj, *a, target); err != nil {
		return err
	}
	return s.Store.DeleteAssignment(ctx, access.ScopeFor(subj, access.UsersManage), id)
}
