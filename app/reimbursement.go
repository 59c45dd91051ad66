package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Home-charging reimbursement (issue 15): who may do what.
//
//   - reimbursement.read reads the rates of the employees of accounts in
//     scope and the statements generated on those accounts;
//   - reimbursement.manage sets rates, generates statements and marks
//     approved ones paid (fleet managers, provider admins);
//   - reimbursement.approve approves drafts (also the account admin of the
//     employee's account).
//
// Everything is read in the subject's reimbursement.read scope first, so
// that what it may not read is not found (404) and what it may read but
// not change is forbidden (403).

// ReimbursementRates lists the rates the subject may read.
func (s *Service) ReimbursementRates(ctx context.Context, subj access.Subject, f fc.ReimbursementRateFilter) ([]fc.ReimbursementRate, error) {
	return s.Store.ReimbursementRates(ctx, access.ScopeFor(subj, access.ReimbursementRead), f)
}

// ReimbursementRate returns one rate the subject may read.
func (s *Service) ReimbursementRate(ctx context.Context, subj access.Subject, id fc.ID) (*fc.ReimbursementRate, error) {
	return s.Store.ReimbursementRate(ctx, access.ScopeFor(subj, access.ReimbursementRead), id)
}

// CreateReimbursementRate sets a rate of an employee the subject sees, which
// needs reimbursement.manage on the employee.
func (s *Service) CreateReimbursementRate(ctx context.Context, subj access.Subject, r *fc.ReimbursementRate) error {
	if err := s.mayCreate(ctx, subj, fc.KindEmployee, r.EmployeeID, access.EmployeesRead, access.ReimbursementManage, "employee_id"); err != nil {
		return err
	}
	r.ProviderID = subj.ProviderID
	return s.Store.CreateReimbursementRate(ctx, r)
}

// UpdateReimbursementRate applies fn to a rate, which needs
// reimbursement.manage on its employee.
func (s *Service) UpdateReimbursementRate(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.ReimbursementRate) error) (*fc.ReimbursementRate, error) {
	if err := s.mayChangeRate(ctx, subj, id); err != nil {
		return nil, err
	}
	return s.Store.UpdateReimbursementRate(ctx, access.ScopeFor(subj, access.ReimbursementManage), id, fn)
}

// DeleteReimbursementRate deletes a rate, which needs reimbursement.manage
// on its employee.
func (s *Service) DeleteReimbursementRate(ctx context.Context, subj access.Subject, id fc.ID) error {
	if err := s.mayChangeRate(ctx, subj, id); err != nil {
		return err
	}
	return s.Store.DeleteReimbursementRate(ctx, access.ScopeFor(subj, access.ReimbursementManage), id)
}

func (s *Service) mayChangeRate(ctx context.Context, subj access.Subject, id fc.ID) error {
	r, err := s.ReimbursementRate(ctx, subj, id)
	if err != nil {
		return err
	}
	o, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindEmployee, r.EmployeeID)
	if err != nil {
		return err
	}
	if !access.Can(subj, access.ReimbursementManage, o) {
		return forbidden(fc.KindReimbursementRate, id, access.ReimbursementManage)
	}
	return nil
}

// GenerateInput names the month and the part of the subject's scope whose
// statements are generated: an organization with its subtree, an account,
// or (neither) everything where the subject holds reimbursement.manage.
type GenerateInput struct {
	Period         string
	OrganizationID fc.ID
	AccountID      fc.ID
}

// GenerateReimbursementStatements creates or recomputes the draft
// statements of a month, which needs reimbursement.manage on the whole
// organization or account named.
func (s *Service) GenerateReimbursementStatements(ctx context.Context, subj access.Subject, in GenerateInput) ([]fc.ReimbursementStatement, error) {
	if _, err := fc.ParsePeriod(in.Period); err != nil {
		return nil, err
	}
	sc := access.ScopeFor(subj, access.ReimbursementManage)
	var o fc.Owner
	var err error
	switch {
	case in.OrganizationID != 0 && in.AccountID != 0:
		return nil, fc.Invalid(map[string]string{"account_id": "give organization_id or account_id, not both"})
	case in.OrganizationID != 0:
		if o, err = s.parentOwner(ctx, subj, fc.KindOrganization, in.OrganizationID, access.OrganizationsRead, "organization_id"); err != nil {
			return nil, err
		}
		sc.Reach = fc.Reach{OrgIDs: []fc.ID{in.OrganizationID}}
	case in.AccountID != 0:
		if o, err = s.parentOwner(ctx, subj, fc.KindAccount, in.AccountID, access.AccountsRead, "account_id"); err != nil {
			return nil, err
		}
		sc.Reach = fc.Reach{AccountIDs: []fc.ID{in.AccountID}}
	default:
		if sc.Reach.Empty() {
			return nil, fc.Errorf(fc.EForbidden, "generating statements needs %s", access.ReimbursementManage)
		}
	}
	if (in.OrganizationID != 0 || in.AccountID != 0) && !access.Can(subj, access.ReimbursementManage, o) {
		return nil, fc.Errorf(fc.EForbidden, "generating these statements needs %s on all of them", access.ReimbursementManage)
	}
	return s.Store.GenerateReimbursementStatements(ctx, sc, in.Period)
}

// ReimbursementStatements lists the statements the subject may read,
// without their lines.
func (s *Service) ReimbursementStatements(ctx context.Context, subj access.Subject, f fc.ReimbursementStatementFilter) ([]fc.ReimbursementStatement, error) {
	return s.Store.ReimbursementStatements(ctx, access.ScopeFor(subj, access.ReimbursementRead), f)
}

// AllReimbursementStatements lists every statement the subject may read
// that f selects (f's page is ignored), for the payroll export.
func (s *Service) AllReimbursementStatements(ctx context.Context, subj access.Subject, f fc.ReimbursementStatementFilter) ([]fc.ReimbursementStatement, error) {
	var out []fc.ReimbursementStatement
	f.Page = fc.Page{Limit: fc.MaxPageSize}
	for {
		page, err := s.ReimbursementStatements(ctx, subj, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Page.Limit {
			return out, nil
		}
		f.Page.After = page[len(page)-1].ID
	}
}

// ReimbursementStatement returns one statement the subject may read, with
// its lines.
func (s *Service) ReimbursementStatement(ctx context.Context, subj access.Subject, id fc.ID) (*fc.ReimbursementStatement, error) {
	return s.Store.ReimbursementStatement(ctx, access.ScopeFor(subj, access.ReimbursementRead), id)
}

// ApproveReimbursementStatement approves a draft, which needs
// reimbursement.approve on the statement's account.
func (s *Service) ApproveReimbursementStatement(ctx context.Context, subj access.Subject, id fc.ID) (*fc.ReimbursementStatement, error) {
	if err := s.mayAdvanceStatement(ctx, subj, id, access.ReimbursementApprove); err != nil {
		return nil, err
	}
	return s.Store.ApproveReimbursementStatement(ctx, access.ScopeFor(subj, access.ReimbursementApprove), id)
}

// PayReimbursementStatement marks an approved statement paid, which needs
// reimbursement.manage on the statement's account.
func (s *Service) PayReimbursementStatement(ctx context.Context, subj access.Subject, id fc.ID) (*fc.ReimbursementStatement, error) {
	if err := s.mayAdvanceStatement(ctx, subj, id, access.ReimbursementManage); err != nil {
		return nil, err
	}
	return s.Store.PayReimbursementStatement(ctx, access.ScopeFor(subj, access.ReimbursementManage), id)
}

func (s *Service) mayAdvanceStatement(ctx context.Context, subj access.Subject, id fc.ID, p access.Permission) error {
	x, err := s.ReimbursementStatement(ctx, subj, id)
	if err != nil {
		return err
	}
	o, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindAccount, x.AccountID)
	if err != nil {
		return err
	}
	if !access.Can(subj, p, o) {
		return forbidden(fc.KindReimbursementStatement, id, p)
	}
	return nil
}
