package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Provider returns the subject's provider: its name, time zone and OCPI
// identity, which every signed-in user of it may read.
func (s *Service) Provider(ctx context.Context, subj access.Subject) (*fc.Provider, error) {
	return s.Store.Provider(ctx, subj.ProviderID)
}

// UpdateProvider applies fn to the subject's provider in one write; only
// who manages the accounts of the whole provider (its admins) may.
func (s *Service) UpdateProvider(ctx context.Context, subj access.Subject, fn func(*fc.Provider) error) (*fc.Provider, error) {
	if !access.Reach(subj, access.AccountsManage).All {
		return nil, fc.Errorf(fc.EForbidden, "changing the provider needs %s over the whole provider", access.AccountsManage)
	}
	return s.Store.UpdateProvider(ctx, subj.ProviderID, fn)
}
