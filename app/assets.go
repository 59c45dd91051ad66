package app

import (
	"context"
	"slices"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Employees lists the employees the subject may read.
func (s *Service) Employees(ctx context.Context, subj access.Subject, f fc.EmployeeFilter) ([]fc.Employee, error) {
	return s.Store.Employees(ctx, access.ScopeFor(subj, access.EmployeesRead), f)
}

// Employee returns one employee the subject may read.
func (s *Service) Employee(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Employee, error) {
	return s.Store.Employee(ctx, access.ScopeFor(subj, access.EmployeesRead), id)
}

// CreateEmployee creates an employee of an account the subject manages
// employees of.
func (s *Service) CreateEmployee(ctx context.Context, subj access.Subject, e *fc.Employee) error {
	if err := s.mayCreate(ctx, subj, fc.KindAccount, e.AccountID, access.AccountsRead, access.EmployeesManage, "account_id"); err != nil {
		return err
	}
	e.ProviderID = subj.ProviderID
	return s.Store.CreateEmployee(ctx, e)
}

// UpdateEmployee applies fn to an employee.
func (s *Service) UpdateEmployee(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Employee) error) (*fc.Employee, error) {
	if _, err := s.Employee(ctx, subj, id); err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindEmployee, id, access.EmployeesManage); err != nil {
		return nil, err
	}
	return s.Store.UpdateEmployee(ctx, access.ScopeFor(subj, access.EmployeesManage), id, fn)
}

// DeleteEmployee deletes an employee without cards, home or history.
func (s *Service) DeleteEmployee(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.Employee(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindEmployee, id, access.EmployeesManage); err != nil {
		return err
	}
	return s.Store.DeleteEmployee(ctx, access.ScopeFor(subj, access.EmployeesManage), id)
}

// Cards lists the cards the subject may read.
func (s *Service) Cards(ctx context.Context, subj access.Subject, f fc.CardFilter) ([]fc.Card, error) {
	return s.Store.Cards(ctx, access.ScopeFor(subj, access.CardsRead), f)
}

// Card returns one card the subject may read.
func (s *Service) Card(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Card, error) {
	return s.Store.Card(ctx, access.ScopeFor(subj, access.CardsRead), id)
}

// CreateCard issues a card to an account the subject manages cards of. A
// card without status is active.
func (s *Service) CreateCard(ctx context.Context, subj access.Subject, c *fc.Card) error {
	if err := s.mayCreate(ctx, subj, fc.KindAccount, c.AccountID, access.AccountsRead, access.CardsManage, "account_id"); err != nil {
		return err
	}
	if c.Status == "" {
		c.Status = fc.CardActive
	}
	c.ProviderID = subj.ProviderID
	defer s.Operations.listsChanged(subj.ProviderID)
	return s.Store.CreateCard(ctx, c)
}

// UpdateCard applies fn to a card: assign it, block it, deactivate it.
func (s *Service) UpdateCard(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Card) error) (*fc.Card, error) {
	if _, err := s.Card(ctx, subj, id); err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindCard, id, access.CardsManage); err != nil {
		return nil, err
	}
	defer s.Operations.cardChanged(subj.ProviderID, id)
	return s.Store.UpdateCard(ctx, access.ScopeFor(subj, access.CardsManage), id, fn)
}

// DeleteCard deletes a card that was never used.
func (s *Service) DeleteCard(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.Card(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindCard, id, access.CardsManage); err != nil {
		return err
	}
	defer s.Operations.listsChanged(subj.ProviderID)
	return s.Store.DeleteCard(ctx, access.ScopeFor(subj, access.CardsManage), id)
}

// Locations lists the locations the subject may read.
func (s *Service) Locations(ctx context.Context, subj access.Subject, f fc.LocationFilter) ([]fc.Location, error) {
	return s.Store.Locations(ctx, access.ScopeFor(subj, access.LocationsRead), f)
}

// Location returns one location the subject may read.
func (s *Service) Location(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Location, error) {
	return s.Store.Location(ctx, access.ScopeFor(subj, access.LocationsRead), id)
}

// CreateLocation creates a location of an account the subject manages
// locations of.
func (s *Service) CreateLocation(ctx context.Context, subj access.Subject, l *fc.Location) error {
	if err := s.mayCreate(ctx, subj, fc.KindAccount, l.AccountID, access.AccountsRead, access.LocationsManage, "account_id"); err != nil {
		return err
	}
	l.ProviderID = subj.ProviderID
	return s.Store.CreateLocation(ctx, l)
}

// UpdateLocation applies fn to a location.
func (s *Service) UpdateLocation(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Location) error) (*fc.Location, error) {
	if _, err := s.Location(ctx, subj, id); err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindLocation, id, access.LocationsManage); err != nil {
		return nil, err
	}
	defer s.Operations.loadChanged(subj.ProviderID, id)
	return s.Store.UpdateLocation(ctx, access.ScopeFor(subj, access.LocationsManage), id, fn)
}

// DeleteLocation deletes a location without stations or history.
func (s *Service) DeleteLocation(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.Location(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindLocation, id, access.LocationsManage); err != nil {
		return err
	}
	return s.Store.DeleteLocation(ctx, access.ScopeFor(subj, access.LocationsManage), id)
}

// ChargeGroups lists the charge groups the subject may read.
func (s *Service) ChargeGroups(ctx context.Context, subj access.Subject, f fc.ChargeGroupFilter) ([]fc.ChargeGroup, error) {
	return s.Store.ChargeGroups(ctx, access.ScopeFor(subj, access.ChargeGroupsRead), f)
}

// ChargeGroup returns one charge group the subject may read.
func (s *Service) ChargeGroup(ctx context.Context, subj access.Subject, id fc.ID) (*fc.ChargeGroup, error) {
	return s.Store.ChargeGroup(ctx, access.ScopeFor(subj, access.ChargeGroupsRead), id)
}

// CreateChargeGroup creates a charge group of an account the subject
// manages charge groups of. The accounts, organizations and cards it admits
// must be ones the subject can see.
func (s *Service) CreateChargeGroup(ctx context.Context, subj access.Subject, g *fc.ChargeGroup) error {
	if err := s.mayCreate(ctx, subj, fc.KindAccount, g.AccountID, access.AccountsRead, access.ChargeGroupsManage, "account_id"); err != nil {
		return err
	}
	if err := s.checkAdmitted(ctx, subj, &fc.ChargeGroup{}, g); err != nil {
		return err
	}
	if err := mayChangeRoaming(subj, false, g.Roaming); err != nil {
		return err
	}
	g.ProviderID = subj.ProviderID
	return s.Store.CreateChargeGroup(ctx, g)
}

// UpdateChargeGroup applies fn to a charge group: its access policy and
// tariff included. What it newly admits must be visible to the subject;
// what others admitted before stays as it is.
func (s *Service) UpdateChargeGroup(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.ChargeGroup) error) (*fc.ChargeGroup, error) {
	before, err := s.ChargeGroup(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayChange(ctx, subj, fc.KindChargeGroup, id, access.ChargeGroupsManage); err != nil {
		return nil, err
	}
	probe := *before
	probe.AllowedAccountIDs = slices.Clone(before.AllowedAccountIDs)
	probe.AllowedOrganizationIDs = slices.Clone(before.AllowedOrganizationIDs)
	probe.AllowedCardIDs = slices.Clone(before.AllowedCardIDs)
	if err := fn(&probe); err != nil {
		return nil, err
	}
	if err := s.checkAdmitted(ctx, subj, before, &probe); err != nil {
		return nil, err
	}
	if err := mayChangeRoaming(subj, before.Roaming, probe.Roaming); err != nil {
		return nil, err
	}
	defer s.Operations.listsChanged(subj.ProviderID)
	defer s.Operations.loadChanged(subj.ProviderID, 0)
	return s.Store.UpdateChargeGroup(ctx, access.ScopeFor(subj, access.ChargeGroupsManage), id, func(g *fc.ChargeGroup) error {
		if err := fn(g); err != nil {
			return err
		}
		if g.Roaming != probe.Roaming ||
			!slices.Equal(normIDs(g.AllowedAccountIDs), normIDs(probe.AllowedAccountIDs)) ||
			!slices.Equal(normIDs(g.AllowedOrganizationIDs), normIDs(probe.AllowedOrganizationIDs)) ||
			!slices.Equal(normIDs(g.AllowedCardIDs), normIDs(probe.AllowedCardIDs)) {
			return fc.Errorf(fc.EConflict, "charge group %s changed meanwhile: try again", id)
		}
		return nil
	})
}

// DeleteChargeGroup deletes a charge group without stations.
func (s *Service) DeleteChargeGroup(ctx context.Context, subj access.Subject, id fc.ID) error {
	if _, err := s.ChargeGroup(ctx, subj, id); err != nil {
		return err
	}
	if err := s.mayChange(ctx, subj, fc.KindChargeGroup, id, access.ChargeGroupsManage); err != nil {
		return err
	}
	return s.Store.DeleteChargeGroup(ctx, access.ScopeFor(subj, access.ChargeGroupsManage), id)
}

// checkAdmitted checks that every account, organization and card that
// after admits and before did not is one the subject can see, so that a
// group's access list cannot be used to probe for objects elsewhere.
func (s *Service) checkAdmitted(ctx context.Context, subj access.Subject, before, after *fc.ChargeGroup) error {
	fields := map[string]string{}
	for _, ref := range []struct {
		field, kind string
		read        access.Permission
		before, now []fc.ID
	}{
		{"allowed_account_ids", fc.KindAccount, access.AccountsRead, before.AllowedAccountIDs, after.AllowedAccountIDs},
		{"allowed_organization_ids", fc.KindOrganization, access.OrganizationsRead, before.AllowedOrganizationIDs, after.AllowedOrganizationIDs},
		{"allowed_card_ids", fc.KindCard, access.CardsRead, before.AllowedCardIDs, after.AllowedCardIDs},
	} {
		var missing []string
		for _, id := range normIDs(ref.now) {
			if slices.Contains(ref.before, id) {
				continue
			}
			ok, err := s.sees(ctx, subj, ref.kind, id, ref.read)
			if err != nil {
				return err
			}
			if !ok {
				missing = append(missing, id.String())
			}
		}
		if len(missing) > 0 {
			fields[ref.field] = "no such " + kindNoun(ref.kind) + ": " + strings.Join(missing, ", ")
		}
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// sees reports whether the subject holds read on the object.
func (s *Service) sees(ctx context.Context, subj access.Subject, kind string, id fc.ID, read access.Permission) (bool, error) {
	if id <= 0 {
		return false, nil
	}
	o, err := s.Store.Owner(ctx, subj.ProviderID, kind, id)
	if fc.IsCode(err, fc.ENotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return access.Can(subj, read, o), nil
}

// normIDs returns ids sorted without repeats.
func normIDs(ids []fc.ID) []fc.ID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
