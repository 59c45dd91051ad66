package app

import (
	"cmp"
	"context"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Migrate plans (dryRun) or runs an asset migration for the subject, which
// needs access.MigrationsRun (provider admins): without it anywhere the
// answer is EForbidden; an asset or target it does not see is ENotFound, one
// it sees but may not migrate EForbidden. The plan lists what moves, the
// links that break or change, and which users gain or lose sight of what,
// as the access rules decide on where each object sits before and after. A
// real run checks all of this again inside its transaction, and refuses
// with EConflict when m.Plan is set and the plan has changed since.
func (s *Service) Migrate(ctx context.Context, subj access.Subject, m fc.Migration, dryRun bool) (*fc.MigrationPlan, error) {
	ms, ok := s.Store.(fc.MigrationStore)
	if !ok {
		return nil, fc.Errorf(fc.ENotImplemented, "this store cannot migrate assets")
	}
	if access.Reach(subj, access.MigrationsRun).Empty() {
		return nil, fc.Errorf(fc.EForbidden, "asset migration needs %s, which only provider admins hold", access.MigrationsRun)
	}
	m.ProviderID = subj.ProviderID
	check := func(p *fc.MigrationPlan) error {
		if err := mayMigrate(subj, p); err != nil {
			return err
		}
		p.Access = AccessChanges(p)
		return nil
	}
	if dryRun {
		p, err := ms.PlanMigration(ctx, m)
		if err != nil {
			return nil, err
		}
		if err := check(p); err != nil {
			return nil, err
		}
		return p, nil
	}
	defer s.Operations.listsChanged(subj.ProviderID)
	return ms.RunMigration(ctx, m, check)
}

// readPermission is the permission that lets a user see objects of a
// migration group's kind.
func readPermission(kind string) access.Permission {
	switch kind {
	case fc.KindAccount:
		return access.AccountsRead
	case fc.KindEmployee:
		return access.EmployeesRead
	case fc.KindCard:
		return access.CardsRead
	case fc.KindLocation:
		return access.LocationsRead
	case fc.KindChargeGroup:
		return access.ChargeGroupsRead
	case fc.KindStation:
		return access.StationsRead
	case fc.SessionsCardSide:
		return access.SessionsCardSideRead
	case fc.SessionsStationSide:
		return access.SessionsStationSideRead
	}
	return ""
}

// mayMigrate checks that the subject holds migrations.run where every moved
// object is and where it goes.
func mayMigrate(subj access.Subject, p *fc.MigrationPlan) error {
	for _, g := range p.Groups {
		if g.Historical || len(g.IDs) == 0 {
			continue
		}
		if !access.Can(subj, access.MigrationsRun, g.From) {
			if !sees(subj, g.Kind, g.From, g.FromHome) {
				return fc.Errorf(fc.ENotFound, "%s %s not found", kindNoun(g.Kind), g.IDs[0])
			}
			return fc.Errorf(fc.EForbidden, "you may see %s %s but not migrate it: that needs %s", kindNoun(g.Kind), g.IDs[0], access.MigrationsRun)
		}
		if !access.Can(subj, access.MigrationsRun, g.To) {
			return fc.Errorf(fc.EForbidden, "you may not migrate assets to where %s %s would go: that needs %s there", kindNoun(g.Kind), g.IDs[0], access.MigrationsRun)
		}
	}
	return nil
}

// sees reports whether the subject sees objects of kind at owner o.
func sees(subj access.Subject, kind string, o, home fc.Owner) bool {
	if kind == fc.KindStation {
		return access.CanStation(subj, access.StationsRead, o, home)
	}
	return access.Can(subj, readPermission(kind), o)
}

// MaxListedIDs bounds the IDs an AccessChange lists for what a user gains
// and for what it loses: the smallest ones. Its counts are always complete.
const MaxListedIDs = 1000

// AccessChanges computes, for every user of the plan, what it gains or
// loses sight of: for each group of objects that changes place, the access
// rules decide on its owner before and after.
func AccessChanges(p *fc.MigrationPlan) []fc.AccessChange {
	out := []fc.AccessChange{}
	order := map[string]int{}
	for i, k := range []string{fc.KindAccount, fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup, fc.KindStation,
		fc.SessionsCardSide, fc.SessionsStationSide} {
		order[k] = i
	}
	for _, u := range p.Users {
		subj := access.Subject{UserID: u.User.ID, ProviderID: u.User.ProviderID, Assignments: u.Assignments}
		byKind := map[string]*fc.AccessChange{}
		for _, g := range p.Groups {
			before, after := sees(subj, g.Kind, g.From, g.FromHome), sees(subj, g.Kind, g.To, g.ToHome)
			if before == after {
				continue
			}
			c := byKind[g.Kind]
			if c == nil {
				c = &fc.AccessChange{UserID: u.User.ID, Email: u.User.Email, Kind: g.Kind, Permission: string(readPermission(g.Kind))}
				byKind[g.Kind] = c
			}
			if after {
				c.Gained += g.Count
				c.GainedIDs = append(c.GainedIDs, g.IDs...)
			} else {
				c.Lost += g.Count
				c.LostIDs = append(c.LostIDs, g.IDs...)
			}
		}
		var mine []fc.AccessChange
		for _, c := range byKind {
			slices.Sort(c.GainedIDs)
			slices.Sort(c.LostIDs)
			c.GainedIDs = c.GainedIDs[:min(len(c.GainedIDs), MaxListedIDs)]
			c.LostIDs = c.LostIDs[:min(len(c.LostIDs), MaxListedIDs)]
			mine = append(mine, *c)
		}
		slices.SortFunc(mine, func(a, b fc.AccessChange) int { return cmp.Compare(order[a.Kind], order[b.Kind]) })
		out = append(out, mine...)
	}
	return out
}
