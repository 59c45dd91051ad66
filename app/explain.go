package app

import (
	"context"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// ResourceKinds lists the kinds of objects Explain decides on, as they are
// written in a resource reference ("card:123").
var ResourceKinds = []string{
	fc.KindProvider, fc.KindOrganization, fc.KindAccount, fc.KindEmployee, fc.KindCard, fc.KindLocation,
	fc.KindChargeGroup, fc.KindStation, fc.KindSession, fc.KindUser, fc.KindAssignment,
}

// ParseResource reads a resource reference: KIND:ID with KIND one of
// ResourceKinds (hyphens may stand for underscores, as in the API's paths:
// "charge-group:7"), or "provider" alone for the caller's provider.
func ParseResource(s string) (kind string, id fc.ID, err error) {
	k, v, hasID := strings.Cut(strings.TrimSpace(s), ":")
	kind = strings.ReplaceAll(strings.ToLower(k), "-", "_")
	known := false
	for _, x := range ResourceKinds {
		known = known || x == kind
	}
	bad := func(msg string) (string, fc.ID, error) {
		return "", 0, fc.Invalid(map[string]string{"resource": msg})
	}
	switch {
	case !known:
		return bad("must be KIND:ID with KIND one of " + strings.Join(ResourceKinds, ", "))
	case !hasID && kind == fc.KindProvider:
		return kind, 0, nil
	case !hasID:
		return bad("must be KIND:ID, such as card:123")
	}
	if id, err = fc.ParseID(v); err != nil {
		return bad("must be KIND:ID with a positive integer ID")
	}
	return kind, id, nil
}

// Explanation answers "may this user do that to this object, and why".
type Explanation struct {
	UserID   fc.ID  `json:"user_id"`
	Resource string `json:"resource"` // KIND:ID
	access.Decision
	// For sessions, which have two owners: the decision on each side, and
	// whether the user would see the card masked.
	CardSide    *access.Decision `json:"card_side,omitempty"`
	StationSide *access.Decision `json:"station_side,omitempty"`
	CardMasked  bool             `json:"card_masked,omitempty"`
}

// Explain tells whether user userID (0: the subject itself) holds
// permission p on the object of kind and id, and why. Anyone may ask about
// itself; asking about another user needs users.manage, and that user must
// be one the subject manages. Either way the object must be one the subject
// sees: an explanation names where an object sits, so it is never given
// about an object the asker could not read.
func (s *Service) Explain(ctx context.Context, subj access.Subject, userID fc.ID, p access.Permission, kind string, id fc.ID) (*Explanation, error) {
	if !p.Valid() {
		return nil, fc.Invalid(map[string]string{"permission": "is not a permission: see GET /api/v1/openapi.json for the list"})
	}
	who := subj
	if userID != 0 && userID != subj.UserID {
		if access.Reach(subj, access.UsersManage).Empty() {
			return nil, fc.Errorf(fc.EForbidden, "asking about another user needs %s", access.UsersManage)
		}
		u, err := s.Store.User(ctx, access.ScopeFor(subj, access.UsersManage), userID)
		if err != nil {
			return nil, err
		}
		if who, err = s.Subject(ctx, u); err != nil {
			return nil, err
		}
	}
	if kind == fc.KindProvider && id == 0 {
		id = subj.ProviderID
	}
	if err := s.visible(ctx, subj, kind, id); err != nil {
		return nil, err
	}
	out := &Explanation{UserID: who.UserID, Resource: kind + ":" + id.String()}
	switch kind {
	case fc.KindProvider:
		out.Decision = access.Decide(who, p, fc.Owner{ProviderID: subj.ProviderID})
	case fc.KindStation:
		o, err := s.Store.Owner(ctx, subj.ProviderID, kind, id)
		if err != nil {
			return nil, err
		}
		home, err := s.accountOwner(ctx, subj.ProviderID, o.HomeOfAccountID)
		if err != nil {
			return nil, err
		}
		out.Decision = access.DecideStation(who, p, o, home)
	case fc.KindSession:
		x, err := s.Session(ctx, subj, id)
		if err != nil {
			return nil, err
		}
		if x.CardMasked {
			return s.explainMaskedSession(ctx, subj, who, p, x, out)
		}
		card, err := s.accountOwner(ctx, subj.ProviderID, x.CardAccountID)
		if err != nil {
			return nil, err
		}
		station, err := s.accountOwner(ctx, subj.ProviderID, x.StationAccountID)
		if err != nil {
			return nil, err
		}
		// The station's account shows on the session, but where it sits is
		// not for an asker who reads no station side: a denial then names
		// the account alone. Leaving out the organizations only takes
		// grants away, so a denial stays one, with the same answer.
		foreign := station
		if !access.DecideSession(subj, card, station).StationSide.Allowed {
			foreign.OrgPath = nil
		}
		d := access.DecideSession(who, card, station)
		if !d.StationSide.Allowed {
			d.StationSide = access.DecideSession(who, card, foreign).StationSide
		}
		out.CardSide, out.StationSide, out.CardMasked = &d.CardSide, &d.StationSide, d.Masked
		switch p {
		case access.SessionsCardSideRead:
			out.Decision = d.CardSide
		case access.SessionsStationSideRead:
			out.Decision = d.StationSide
		default:
			// A session sits at its station side, or at its card side
			// when it has none (Store.Owner).
			o, alt := station, foreign
			if x.StationAccountID == 0 {
				o, alt = card, card
			}
			if o.ProviderID == 0 {
				o, alt = fc.Owner{ProviderID: subj.ProviderID}, fc.Owner{ProviderID: subj.ProviderID}
			}
			if out.Decision = access.Decide(who, p, o); !out.Allowed {
				out.Decision = access.Decide(who, p, alt)
			}
		}
	default:
		o, err := s.Store.Owner(ctx, subj.ProviderID, kind, id)
		if err != nil {
			return nil, err
		}
		out.Decision = access.Decide(who, p, o)
	}
	return out, nil
}

// explainMaskedSession explains a session the asker reads only from its
// station side. Where the card sits is not the asker's to know, so the card
// side is not judged: nothing is said of the card's account or its
// organizations, nor whether user who reads it (which would tell where it
// sits). Everything is decided on the station side, and a permission other
// than the two session reads on the station's account.
func (s *Service) explainMaskedSession(ctx context.Context, subj, who access.Subject, p access.Permission, x *fc.Session, out *Explanation) (*Explanation, error) {
	station, err := s.accountOwner(ctx, subj.ProviderID, x.StationAccountID)
	if err != nil {
		return nil, err
	}
	const hidden = "not shown: the card is foreign to you, so where it sits is not yours to know"
	card := access.Decision{Permission: access.SessionsCardSideRead, Reason: hidden}
	side := access.DecideSession(who, fc.Owner{}, station).StationSide
	out.CardSide, out.StationSide = &card, &side
	switch p {
	case access.SessionsCardSideRead:
		out.Decision = card
	case access.SessionsStationSideRead:
		out.Decision = side
	default:
		if station.ProviderID == 0 {
			station = fc.Owner{ProviderID: subj.ProviderID}
		}
		out.Decision = access.Decide(who, p, station)
	}
	out.CardMasked = side.Allowed
	return out, nil
}

// accountOwner returns the owner of an account, or the zero Owner for none.
func (s *Service) accountOwner(ctx context.Context, providerID, accountID fc.ID) (fc.Owner, error) {
	if accountID == 0 {
		return fc.Owner{}, nil
	}
	return s.Store.Owner(ctx, providerID, fc.KindAccount, accountID)
}

// visible returns nil when the subject may read the object, and a
// not-found error otherwise.
func (s *Service) visible(ctx context.Context, subj access.Subject, kind string, id fc.ID) error {
	var err error
	switch kind {
	case fc.KindProvider:
		if id != subj.ProviderID {
			err = fc.Errorf(fc.ENotFound, "provider %s not found", id)
		}
	case fc.KindOrganization:
		_, err = s.Organization(ctx, subj, id)
	case fc.KindAccount:
		_, err = s.Account(ctx, subj, id)
	case fc.KindEmployee:
		_, err = s.Employee(ctx, subj, id)
	case fc.KindCard:
		_, err = s.Card(ctx, subj, id)
	case fc.KindLocation:
		_, err = s.Location(ctx, subj, id)
	case fc.KindChargeGroup:
		_, err = s.ChargeGroup(ctx, subj, id)
	case fc.KindStation:
		_, err = s.Station(ctx, subj, id)
	case fc.KindSession:
		_, err = s.Session(ctx, subj, id)
	case fc.KindUser:
		_, err = s.User(ctx, subj, id)
	case fc.KindAssignment:
		_, err = s.Assignment(ctx, subj, id)
	default:
		err = fc.Invalid(map[string]string{"resource": "unknown kind " + kind})
	}
	return err
}
