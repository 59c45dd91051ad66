package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Organizations lists the organizations the subject may read.
func (s *Service) Organizations(ctx context.Context, subj access.Subject, f fc.OrganizationFilter) ([]fc.Organization, error) {
	return s.Store.Organizations(ctx, access.ScopeFor(subj, access.OrganizationsRead), f)
}

// Organization returns one organization the subject may read.
func (s *Service) Organization(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Organization, error) {
	return s.Store.Organization(ctx, access.ScopeFor(subj, access.OrganizationsRead), id)
}

// CreateOrganization creates an organization under o.ParentID, or at the
// top level, which only a provider-wide organizations.manage may.
func (s *Service) CreateOrganization(ctx context.Context, subj access.Subject, o *fc.Organization) error {
	if err := s.mayPlaceOrganization(ctx, subj, o.ParentID); err != nil {
		return err
	}
	o.ProviderID = subj.ProviderID
	return s.Store.CreateOrganization(ctx, o)
}

// mayPlaceOrganization checks that the subject may put an organization
// under parent (0: the top level).
func (s *Service) mayPlaceOrganization(ctx context.Context, subj access.Subject, parent fc.ID) error {
	if parent == 0 {
		if !access.Can(subj, access.OrganizationsManage, fc.Owner{ProviderID: subj.ProviderID}) {
			return fc.Errorf(fc.EForbidden, "only a provider-wide %s may place an organization at the top level", access.OrganizationsManage)
		}
		return nil
	}
	return s.mayCreate(ctx, subj, fc.KindOrganization, parent, access.OrganizationsRead, access.OrganizationsManage, "parent_id")
}

// UpdateOrganization applies fn to an organization. A changed parent moves
// the organization with its subtree, which the subject must be allowed to
// do both where it is and where it goes.
func (s *Service) UpdateOrganization(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Organization) error) (*fc.Organization, error) {
	before, err := s.Organization(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindOrganization, id, access.OrganizationsManage); err != nil {
		return nil, err
	}
	// fn is tried on the copy just read to learn where the organization
	// goes; the store applies it again to the row it locks.
	probe := *before
	if err := fn(&probe); err != nil {
		return nil, err
	}
	if probe.ParentID != before.ParentID {
		if err := s.mayPlaceOrganization(ctx, subj, probe.ParentID); err != nil {
			return nil, err
		}
	}
	return s.Store.UpdateOrganization(ctx, access.ScopeFor(subj, access.OrganizationsManage), id, func(o *fc.Organization) error {
		current := o.ParentID
		if err := fn(o); err != nil {
			return err
		}
		// A move is allowed only to the parent checked above.
		if o.ParentID != current && o.ParentID != probe.ParentID {
			return fc.Errorf(fc.EConflict, "organization %s changed meanwhile: try again", id)
		}
		return nil
	})
}

// DeleteOrganization deletes an empty organization.
func (s *Service) DeleteOrganization(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.Organization(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindOrganization, id, access.OrganizationsManage); err != nil {
		return err
	}
	return s.Store.DeleteOrganization(ctx, access.ScopeFor(subj, access.OrganizationsManage), id)
}

// Accounts lists the accounts the subject may read.
func (s *Service) Accounts(ctx context.Context, subj access.Subject, f fc.AccountFilter) ([]fc.Account, error) {
	return s.Store.Accounts(ctx, access.ScopeFor(subj, access.AccountsRead), f)
}

// Account returns one account the subject may read.
func (s *Service) Account(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Account, error) {
	return s.Store.Account(ctx, access.ScopeFor(subj, access.AccountsRead), id)
}

// CreateAccount creates an account in an organization the subject may
// manage accounts in.
func (s *Service) CreateAccount(ctx context.Context, subj access.Subject, a *fc.Account) error {
	if err := s.mayCreate(ctx, subj, fc.KindOrganization, a.OrganizationID, access.OrganizationsRead, access.AccountsManage, "organization_id"); err != nil {
		return err
	}
	a.ProviderID = subj.ProviderID
	return s.Store.CreateAccount(ctx, a)
}

// UpdateAccount applies fn to an account.
func (s *Service) UpdateAccount(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Account) error) (*fc.Account, error) {
	if _, err := s.Account(ctx, subj, id); err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindAccount, id, access.AccountsManage); err != nil {
		return nil, err
	}
	return s.Store.UpdateAccount(ctx, access.ScopeFor(subj, access.AccountsManage), id, fn)
}

// DeleteAccount deletes an account that owns nothing and has no history.
func (s *Service) DeleteAccount(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.Account(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindAccount, id, access.AccountsManage); err != nil {
		return err
	}
	return s.Store.DeleteAccount(ctx, access.ScopeFor(subj, access.AccountsManage), id)
}
