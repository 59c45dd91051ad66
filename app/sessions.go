package app

import (
	"context"
	"fmt"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Sessions lists the sessions the subject may read: those of its cards
// (card side) and those on its stations (station side, foreign cards
// masked).
func (s *Service) Sessions(ctx context.Context, subj access.Subject, f fc.SessionFilter) ([]fc.Session, error) {
	return s.Store.Sessions(ctx, access.SessionScopeFor(subj), f)
}

// Session returns one session the subject may read.
func (s *Service) Session(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Session, error) {
	return s.Store.Session(ctx, access.SessionScopeFor(subj), id)
}

// SessionMeterValues returns the charging curve of a session the subject
// may read. A masked session's curve is the station side's: returned.
func (s *Service) SessionMeterValues(ctx context.Context, subj access.Subject, id fc.ID) ([]fc.MeterSample, error) {
	return s.Store.MeterValues(ctx, access.SessionScopeFor(subj), id)
}

// ImportPermission is what importing a session needs on the card's account,
// and on the station's account for a session on an own station. An import
// writes history and money into reports, as an asset migration does, so it
// takes the migration right: provider admins, within their scope.
const ImportPermission = access.MigrationsRun

// ImportSession imports a finished session from elsewhere (a previous back
// office, a roaming network's charge record): the card by CardID or IDTag,
// and either an own station (StationID, ConnectorID) or a foreign place
// (LocationKind, LocationName). The card and the station must be ones the
// subject sees (else the field is invalid, as for one that does not exist)
// and the subject must hold ImportPermission on both. The import is
// idempotent on ExternalRef: a repeat returns the stored session with
// created false.
func (s *Service) ImportSession(ctx context.Context, subj access.Subject, x *fc.Session) (created bool, err error) {
	x.ProviderID = subj.ProviderID
	fields := map[string]string{}
	var owners []fc.Owner
	switch {
	case x.CardID != 0:
		o, err := s.parentOwner(ctx, subj, fc.KindCard, x.CardID, access.CardsRead, "card_id")
		if err != nil {
			return false, err
		}
		owners = append(owners, o)
	case strings.TrimSpace(x.IDTag) != "":
		c, err := s.cardByTag(ctx, subj, strings.TrimSpace(x.IDTag))
		if err != nil {
			return false, err
		}
		if c == nil {
			fields["id_tag"] = "no card has this internal ID"
			break
		}
		x.CardID = c.ID
		o, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindCard, c.ID)
		if err != nil {
			return false, err
		}
		owners = append(owners, o)
	}
	if x.StationID != 0 {
		if _, err := s.Station(ctx, subj, x.StationID); fc.IsCode(err, fc.ENotFound) {
			fields["station_id"] = "no such station"
		} else if err != nil {
			return false, err
		} else {
			o, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindStation, x.StationID)
			if err != nil {
				return false, err
			}
			owners = append(owners, o)
		}
	}
	if len(fields) > 0 {
		return false, fc.Invalid(fields)
	}
	for _, o := range owners {
		if !access.Can(subj, ImportPermission, o) {
			return false, fc.Errorf(fc.EForbidden, "importing a session needs %s on the card's account and on the station's account", ImportPermission)
		}
	}
	return s.Store.ImportSession(ctx, x)
}

// cardByTag finds the card with the internal ID tag among the cards the
// subject reads, comparing without case as OCPP does; nil when none.
func (s *Service) cardByTag(ctx context.Context, subj access.Subject, tag string) (*fc.Card, error) {
	if len(tag) > 20 || strings.IndexFunc(tag, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
		// An internal ID is 1 to 20 printable ASCII characters (OCPP's
		// IdToken): no card has this one.
		return nil, nil
	}
	f := fc.CardFilter{Search: tag, Page: fc.Page{Limit: fc.MaxPageSize}}
	for {
		// The search is a prefix match on either ID; the exact match is
		// picked out of the few cards it returns.
		cards, err := s.Cards(ctx, subj, f)
		if err != nil {
			return nil, err
		}
		for i := range cards {
			if strings.EqualFold(cards[i].InternalID, tag) {
				return &cards[i], nil
			}
		}
		if len(cards) < f.Limit {
			return nil, nil
		}
		f.After = cards[len(cards)-1].ID
	}
}

// ImportResult is the outcome of one session of a bulk import.
type ImportResult struct {
	Session *fc.Session
	Created bool
	Err     error
}

// ImportSessions imports sessions one by one, each as ImportSession does:
// a session refused for what it states (invalid, conflicting, against a
// rule, not allowed) does not stop the others, and since each import is
// idempotent on its external_ref, sending the whole batch again after
// fixing the failed rows imports just those. A failure that is no row's own
// fault (the database unavailable or full, an internal error, ctx ended)
// would fail every row after it the same way: the import stops there and
// returns that error, with the results of the rows before it, which are
// stored.
func (s *Service) ImportSessions(ctx context.Context, subj access.Subject, xs []fc.Session) ([]ImportResult, error) {
	out := make([]ImportResult, 0, len(xs))
	for i := range xs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		x := xs[i]
		created, err := s.ImportSession(ctx, subj, &x)
		if code := fc.ErrorCode(err); code == fc.EUnavailable || code == fc.EInternal {
			return out, fmt.Errorf("import session %d of %d: %w", i+1, len(xs), err)
		}
		res := ImportResult{Created: created, Err: err}
		if err == nil {
			res.Session = &x
		}
		out = append(out, res)
	}
	return out, nil
}
