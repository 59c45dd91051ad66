package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// TariffVersions returns the versions of the tariff of a charge group the
// subject may read, oldest first; one it may not read is not found.
func (s *Service) TariffVersions(ctx context.Context, subj access.Subject, groupID fc.ID) ([]fc.TariffVersion, error) {
	ts, ok := s.Store.(fc.TariffStore)
	if !ok {
		return nil, fc.Errorf(fc.EUnavailable, "this store keeps no tariff versions")
	}
	return ts.TariffVersions(ctx, access.ScopeFor(subj, access.ChargeGroupsRead), groupID)
}
