package app

import (
	"context"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Access is what a user holds, for GET /api/v1/me/access: the scopes it
// may switch to, with their roles, permissions and what each reaches, and
// the union of all of them ("everything I can see").
type Access struct {
	User   *fc.User     `json:"user"`
	Roles  []fc.Role    `json:"roles"`
	Scopes []HeldScope  `json:"scopes"`
	Counts *ReachCounts `json:"counts"` // the union of the scopes; null when the store cannot count
}

// HeldScope is one scope the user holds roles on.
type HeldScope struct {
	access.HeldScope
	Name   string       `json:"name"`   // the provider's, organization's or account's name
	Counts *ReachCounts `json:"counts"` // what the roles held here reach; null when the store cannot count
}

// ReachCounts counts what a scope lets its holder read.
type ReachCounts struct {
	Organizations int64 `json:"organizations"`
	Accounts      int64 `json:"accounts"`
	Cards         int64 `json:"cards"`
	Stations      int64 `json:"stations"`
}

// Me returns what the subject's user holds and reaches.
func (s *Service) Me(ctx context.Context, subj access.Subject) (*Access, error) {
	all := fc.ProviderScope(subj.ProviderID)
	u, err := s.Store.User(ctx, all, subj.UserID)
	if err != nil {
		return nil, err
	}
	out := &Access{User: u, Roles: []fc.Role{}, Scopes: []HeldScope{}}
	counter, _ := s.Store.(Counter)
	for _, h := range access.Held(subj) {
		hs := HeldScope{HeldScope: h}
		var r fc.Reach
		switch h.Kind {
		case fc.ScopeProvider:
			p, err := s.Store.Provider(ctx, subj.ProviderID)
			if err != nil {
				return nil, err
			}
			hs.Name, r = p.Name, fc.Everything
		case fc.ScopeOrganization:
			// The user holds a role here, so it may know the name even
			// without organizations.read.
			o, err := s.Store.Organization(ctx, all, h.ID)
			if err != nil {
				return nil, err
			}
			hs.Name, r = strings.Join(o.Path, " / "), fc.Reach{OrgIDs: []fc.ID{h.ID}}
		case fc.ScopeAccount:
			a, err := s.Store.Account(ctx, all, h.ID)
			if err != nil {
				return nil, err
			}
			hs.Name, r = a.Name, fc.Reach{AccountIDs: []fc.ID{h.ID}}
		}
		if counter != nil {
			if hs.Counts, err = s.count(ctx, counter, subj.ProviderID, h.Permissions, r); err != nil {
				return nil, err
			}
		}
		for _, role := range h.Roles {
			if !slices.Contains(out.Roles, role) {
				out.Roles = append(out.Roles, role)
			}
		}
		out.Scopes = append(out.Scopes, hs)
	}
	slices.SortFunc(out.Roles, func(a, b fc.Role) int { return slices.Index(fc.Roles, a) - slices.Index(fc.Roles, b) })
	if counter != nil {
		var c ReachCounts
		if c.Organizations, err = counter.CountOrganizations(ctx, access.ScopeFor(subj, access.OrganizationsRead)); err != nil {
			return nil, err
		}
		if c.Accounts, err = counter.CountAccounts(ctx, access.ScopeFor(subj, access.AccountsRead)); err != nil {
			return nil, err
		}
		if c.Cards, err = counter.CountCards(ctx, access.ScopeFor(subj, access.CardsRead)); err != nil {
			return nil, err
		}
		if c.Stations, err = counter.CountStations(ctx, access.StationScopeFor(subj)); err != nil {
			return nil, err
		}
		out.Counts = &c
	}
	return out, nil
}

// count counts what reach r holds for the permissions held on it.
func (s *Service) count(ctx context.Context, counter Counter, providerID fc.ID, perms []access.Permission, r fc.Reach) (*ReachCounts, error) {
	in := func(p access.Permission) fc.Scope {
		if slices.Contains(perms, p) {
			return fc.Scope{ProviderID: providerID, Reach: r}
		}
		return fc.Scope{ProviderID: providerID}
	}
	var c ReachCounts
	var err error
	if c.Organizations, err = counter.CountOrganizations(ctx, in(access.OrganizationsRead)); err != nil {
		return nil, err
	}
	if c.Accounts, err = counter.CountAccounts(ctx, in(access.AccountsRead)); err != nil {
		return nil, err
	}
	if c.Cards, err = counter.CountCards(ctx, in(access.CardsRead)); err != nil {
		return nil, err
	}
	c.Stations, err = counter.CountStations(ctx, fc.StationScope{ProviderID: providerID,
		Reach: in(access.StationsRead).Reach, HomesOf: in(access.StationsHomeRead).Reach})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ReportScope returns the scope of the subject's reports: the card side
// where it holds reports.fleet, the station side where it holds
// reports.facility (package report reads it so).
func ReportScope(subj access.Subject) fc.SessionScope {
	return fc.SessionScope{
		ProviderID:  subj.ProviderID,
		CardSide:    access.Reach(subj, access.ReportsFleet),
		StationSide: access.Reach(subj, access.ReportsFacility),
	}
}

// TimeZone returns the time zone of the subject's provider, in which
// report dates are read; UTC when it names none this build knows.
func (s *Service) TimeZone(ctx context.Context, subj access.Subject) (*time.Location, error) {
	p, err := s.Store.Provider(ctx, subj.ProviderID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}
