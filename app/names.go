package app

import (
	"context"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// OrganizationPath returns the names of an organization from the top, this
// one last, as the subject may read them: of an organization it reads, and
// of one above a scope it holds a role on (an account admin's
// organization, a subsidiary manager's holding), whose names the path of
// what it reads shows already. readable tells which of the two it is. Any
// other organization is not found.
func (s *Service) OrganizationPath(ctx context.Context, subj access.Subject, id fc.ID) (path []string, readable bool, err error) {
	o, err := s.Organization(ctx, subj, id)
	if err == nil {
		return o.Path, true, nil
	}
	if !fc.IsCode(err, fc.ENotFound) {
		return nil, false, err
	}
	for _, h := range access.Held(subj) {
		if h.Kind != fc.ScopeOrganization && h.Kind != fc.ScopeAccount {
			continue
		}
		kind := fc.KindOrganization
		if h.Kind == fc.ScopeAccount {
			kind = fc.KindAccount
		}
		owner, oerr := s.Store.Owner(ctx, subj.ProviderID, kind, h.ID)
		if fc.IsCode(oerr, fc.ENotFound) {
			continue
		}
		if oerr != nil {
			return nil, false, oerr
		}
		if slices.Contains(owner.OrgPath, id) {
			o, err := s.Store.Organization(ctx, fc.ProviderScope(subj.ProviderID), id)
			if err != nil {
				return nil, false, err
			}
			return o.Path, false, nil
		}
	}
	return nil, false, err
}

// SessionStationIdentity returns the identity of the station of a session
// the subject reads: both sides of a session read where it was, also the
// card side of a session at a station it does not read.
func (s *Service) SessionStationIdentity(ctx context.Context, subj access.Subject, sessionID fc.ID) (string, error) {
	x, err := s.Session(ctx, subj, sessionID)
	if err != nil {
		return "", err
	}
	if x.StationID == 0 {
		return "", fc.Errorf(fc.ENotFound, "session %s has no station", sessionID)
	}
	st, err := s.Store.Station(ctx, fc.StationScope{ProviderID: subj.ProviderID, Reach: fc.Everything}, x.StationID)
	if err != nil {
		return "", err
	}
	return st.Identity, nil
}

// StationLocationName returns the name of the location of a station the
// subject reads: where a station stands goes with it (a fleet manager
// reads its drivers' home stations, not their home locations).
func (s *Service) StationLocationName(ctx context.Context, subj access.Subject, stationID fc.ID) (string, error) {
	st, err := s.Station(ctx, subj, stationID)
	if err != nil {
		return "", err
	}
	l, err := s.Store.Location(ctx, fc.ProviderScope(subj.ProviderID), st.LocationID)
	if err != nil {
		return "", err
	}
	return l.Name, nil
}
