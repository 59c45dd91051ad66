package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// The data subject requests (GDPR art. 15 and 17), docs/PRIVACY.md:
//
//   - Exporting an employee needs, on the employee's account, every
//     permission that reads a part of the export: employees.read,
//     cards.read, sessions.card_side.read and audit.read. Of the roles,
//     provider admins and fleet managers whose scope holds the account have
//     them all; an account admin lacks audit.read, a facility manager
//     employees.read. The home locations (and their audit events) are
//     in the export where the caller holds locations.read: a fleet
//     manager, who reads no addresses, gets an export without them; a
//     provider admin's export is complete.
//   - Exporting a user needs users.manage on that user (a user sits at
//     provider level: a provider-wide users.manage), as changing it does.
//   - Erasing either needs users.manage on the whole provider, which only a
//     provider admin holds (the role is granted provider-wide only).
//     Nobody erases itself.
//
// An employee or user the caller cannot see is fleetcharge.ENotFound, as
// everywhere; one it sees but may not export or erase is EForbidden.

// employeeExport lists the permissions an employee's export needs on its
// account.
var employeeExport = []access.Permission{access.EmployeesRead, access.CardsRead, access.SessionsCardSideRead, access.AuditRead}

func (s *Service) privacyStore() (fc.PrivacyStore, error) {
	ps, ok := s.Store.(fc.PrivacyStore)
	if !ok {
		return nil, fc.Errorf(fc.EUnavailable, "this store does not answer data subject requests")
	}
	return ps, nil
}

// ExportEmployee returns everything held about the employee.
func (s *Service) ExportEmployee(ctx context.Context, subj access.Subject, id fc.ID) (*fc.EmployeeRecord, error) {
	ps, err := s.privacyStore()
	if err != nil {
		return nil, err
	}
	sc := access.ScopeFor(subj, access.EmployeesRead)
	if _, err := s.Store.Employee(ctx, sc, id); err != nil {
		return nil, err
	}
	o, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindEmployee, id)
	if err != nil {
		return nil, err
	}
	for _, p := range employeeExport {
		if !access.Can(subj, p, o) {
			return nil, fc.Errorf(fc.EForbidden, "you may see employee %s but not export it: that needs %s on its account", id, p)
		}
	}
	r, err := ps.EmployeeRecord(ctx, fc.RecordScope{Scope: sc, Locations: access.Reach(subj, access.LocationsRead), Sessions: access.Reach(subj, access.SessionsCardSideRead),
		Audit: access.Reach(subj, access.AuditRead)}, id)
	if err != nil {
		return nil, err
	}
	// The reimbursement statements (with their lines) and rates the
	// subject reads.
	xs, err := s.AllReimbursementStatements(ctx, subj, fc.ReimbursementStatementFilter{EmployeeID: id})
	if err != nil {
		return nil, err
	}
	r.Statements = []fc.ReimbursementStatement{}
	for _, x := range xs {
		full, err := s.ReimbursementStatement(ctx, subj, x.ID)
		if err != nil {
			return nil, err
		}
		r.Statements = append(r.Statements, *full)
	}
	r.Rates = []fc.ReimbursementRate{}
	f := fc.ReimbursementRateFilter{EmployeeID: id, Page: fc.Page{Limit: fc.MaxPageSize}}
	for {
		page, err := s.ReimbursementRates(ctx, subj, f)
		if err != nil {
			return nil, err
		}
		r.Rates = append(r.Rates, page...)
		if len(page) < f.Page.Limit {
			return r, nil
		}
		f.Page.After = page[len(page)-1].ID
	}
}

// ExportUser returns everything held about the user.
func (s *Service) ExportUser(ctx context.Context, subj access.Subject, id fc.ID) (*fc.UserRecord, error) {
	ps, err := s.privacyStore()
	if err != nil {
		return nil, err
	}
	sc := access.ScopeFor(subj, access.UsersManage)
	if _, err := s.Store.User(ctx, sc, id); err != nil {
		return nil, err
	}
	if !access.Can(subj, access.UsersManage, provider(subj)) {
		return nil, fc.Errorf(fc.EForbidden, "you may see user %s but not export it: that needs %s on the whole provider", id, access.UsersManage)
	}
	return ps.UserRecord(ctx, sc, id)
}

// mayErase is the rule of both erasures: a provider-wide users.manage.
func mayErase(subj access.Subject, kind string, id fc.ID) error {
	if !access.Can(subj, access.UsersManage, provider(subj)) {
		return fc.Errorf(fc.EForbidden, "you may see %s %s but not erase it: that needs %s on the whole provider (a provider admin)",
			kindNoun(kind), id, access.UsersManage)
	}
	return nil
}

// EraseEmployee removes the employee's identity everywhere and keeps its
// sessions' figures for the employer's reports (store.EraseEmployee).
func (s *Service) EraseEmployee(ctx context.Context, subj access.Subject, id fc.ID) error {
	ps, err := s.privacyStore()
	if err != nil {
		return err
	}
	sc := access.ScopeFor(subj, access.EmployeesRead)
	if _, err := s.Store.Employee(ctx, sc, id); err != nil {
		return err
	}
	if err := mayErase(subj, fc.KindEmployee, id); err != nil {
		return err
	}
	// The erasure makes the employee's cards inactive: the stations' local
	// lists drop them, and the sync that removes them clears the caches.
	defer s.Operations.listsChanged(subj.ProviderID)
	return ps.EraseEmployee(ctx, sc, id)
}

// EraseUser removes the user's identity and sign-in data (store.EraseUser).
func (s *Service) EraseUser(ctx context.Context, subj access.Subject, id fc.ID) error {
	ps, err := s.privacyStore()
	if err != nil {
		return err
	}
	sc := access.ScopeFor(subj, access.UsersManage)
	if _, err := s.Store.User(ctx, sc, id); err != nil {
		return err
	}
	if err := mayErase(subj, fc.KindUser, id); err != nil {
		return err
	}
	if id == subj.UserID {
		return fc.Errorf(fc.EUnprocessable, "you cannot erase yourself: ask another provider admin")
	}
	return ps.EraseUser(ctx, sc, id)
}
