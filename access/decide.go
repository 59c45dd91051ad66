package access

import (
	"strconv"

	fc "github.com/fleetcharge/fleetcharge"
)

// Decision is the answer to "may this user do that to this object", with
// its explanation: the assignment that grants it and where that assignment
// sits, or why nothing does.
type Decision struct {
	Allowed    bool       `json:"allowed"`
	Permission Permission `json:"permission"`
	// Via is the assignment that grants the permission; nil when denied.
	// When several do, Via is the one highest up: provider-wide, then the
	// organization nearest the top, then the account.
	Via *fc.Assignment `json:"via,omitempty"`
	// AtOrganization is the organization of the object's chain (or, for the
	// home-station rule, of the home account's chain) that Via is on; 0 for
	// provider and account assignments.
	AtOrganization fc.ID `json:"at_organization_id,omitempty"`
	// Home is set when the permission comes from the home-station rule.
	Home bool `json:"home,omitempty"`
	// Reason says the same in one sentence, for people.
	Reason string `json:"reason"`
}

// Decide is THE decision point: whether subject s holds permission p on
// the object that sits at owner o (as the store's Owner tells), and why.
//
// The rule: nothing crosses providers; a provider-wide assignment holds on
// every object of the provider; an organization assignment holds on that
// organization, every organization below it and every object of their
// accounts; an account assignment holds on that account's objects. An
// object of the provider itself (a user, the provider) has no organization
// chain, so only provider-wide assignments reach it.
//
// For a station at an employee's home (o.HomeOfAccountID set), stations.read
// is also granted by stations.home.read on the employee's account. Decide
// knows that account only by its ID, so it sees provider-wide and account
// assignments on it but not organization assignments above it: use
// DecideStation, with the owner of the home account, to judge a station in
// full. Decide never grants more than DecideStation.
//
// Sessions have two owners; decide on them with DecideSession.
func Decide(s Subject, p Permission, o fc.Owner) Decision {
	return explain(s, p, o, homeOf(o), judge(s, p, o, homeOf(o)))
}

// Can reports whether Decide(s, p, o) allows, without building the
// explanation: the same rule at a fraction of the cost.
func Can(s Subject, p Permission, o fc.Owner) bool {
	return judge(s, p, o, homeOf(o)).granted()
}

// DecideStation decides permission p on a station that sits at owner
// station and, when station.HomeOfAccountID is set, stands at the home of an
// employee of the account that sits at owner home (the store's Owner of
// that account). With a home owner of another account, DecideStation falls
// back to what Decide knows.
func DecideStation(s Subject, p Permission, station, home fc.Owner) Decision {
	home = stationHome(station, home)
	return explain(s, p, station, home, judge(s, p, station, home))
}

// CanStation reports whether DecideStation(s, p, station, home) allows.
func CanStation(s Subject, p Permission, station, home fc.Owner) bool {
	return judge(s, p, station, stationHome(station, home)).granted()
}

// SessionDecision decides whether a user reads a session. A session has two
// owners, the card side and the station side (SPEC.md): it is readable
// through either.
type SessionDecision struct {
	// Decision is the overall answer: allowed when either side allows, with
	// the card side's grant preferred when both do.
	Decision
	CardSide    Decision `json:"card_side"`    // sessions.card_side.read on the card's account
	StationSide Decision `json:"station_side"` // sessions.station_side.read on the station's account
	// Masked is set when the session is readable only from the station side:
	// the card is foreign to the reader, so its external ID is masked and its
	// driver hidden (SPEC.md, privacy).
	Masked bool `json:"card_masked"`
}

// DecideSession decides whether s reads a session whose card side sits at
// owner card and whose station side sits at owner station (each the owner of
// the account recorded on the session; the zero Owner for a side outside
// the provider, such as a roaming card or a public station elsewhere).
//
// A side outside the provider still belongs to the session's provider as a
// whole: it takes the other side's provider and no account, so that only a
// grant on the whole provider reaches it. A provider admin reads such a
// session in full; a manager of the other side reads it masked.
func DecideSession(s Subject, card, station fc.Owner) SessionDecision {
	switch {
	case card.ProviderID == 0 && station.ProviderID != 0:
		card = fc.Owner{ProviderID: station.ProviderID}
	case station.ProviderID == 0 && card.ProviderID != 0:
		station = fc.Owner{ProviderID: card.ProviderID}
	}
	d := SessionDecision{
		CardSide:    sideDecision(s, SessionsCardSideRead, card, "card"),
		StationSide: sideDecision(s, SessionsStationSideRead, station, "station"),
	}
	switch {
	case d.CardSide.Allowed:
		d.Decision = d.CardSide
		d.Reason = "card side: " + d.CardSide.Reason
	case d.StationSide.Allowed:
		d.Decision = d.StationSide
		d.Reason = "station side: " + d.StationSide.Reason + "; the card is foreign to user " + s.UserID.String() + ", so it is masked"
		d.Masked = true
	default:
		d.Decision = Decision{Permission: SessionsCardSideRead,
			Reason: "card side: " + d.CardSide.Reason + "; station side: " + d.StationSide.Reason}
	}
	return d
}

func sideDecision(s Subject, p Permission, o fc.Owner, side string) Decision {
	if o.ProviderID == 0 {
		return Decision{Permission: p, Reason: "the session has no " + side + " side in the provider"}
	}
	return Decide(s, p, o)
}

// homeOf returns what Decide knows of the owner of a station's home
// account: its provider and ID, not its organizations.
func homeOf(o fc.Owner) fc.Owner {
	if o.HomeOfAccountID == 0 {
		return fc.Owner{}
	}
	return fc.Owner{ProviderID: o.ProviderID, AccountID: o.HomeOfAccountID}
}

func stationHome(station, home fc.Owner) fc.Owner {
	if station.HomeOfAccountID == 0 {
		return fc.Owner{}
	}
	if home.ProviderID != station.ProviderID || home.AccountID != station.HomeOfAccountID {
		return homeOf(station)
	}
	home.HomeOfAccountID = 0
	return home
}

// Why a permission is denied.
const (
	deniedNoAssignment = iota
	deniedUnknownPermission
	deniedOtherProvider
)

// verdict is the outcome of judge: the granting assignment (index into the
// subject's assignments, -1 for none), the organization it sits on, and
// whether it came through the home-station rule.
type verdict struct {
	i      int
	at     fc.ID
	home   bool
	denied int
}

func (v verdict) granted() bool { return v.i >= 0 }

// judge applies the rule of Decide; home is the owner of the station's
// home account, or the zero Owner.
func judge(s Subject, p Permission, o, home fc.Owner) verdict {
	b, ok := bits[p]
	if !ok {
		return verdict{i: -1, denied: deniedUnknownPermission}
	}
	if o.ProviderID != s.ProviderID || s.ProviderID == 0 {
		return verdict{i: -1, denied: deniedOtherProvider}
	}
	if i, at := find(s, b, o); i >= 0 {
		return verdict{i: i, at: at}
	}
	if p == StationsRead && home.AccountID != 0 && home.ProviderID == s.ProviderID {
		if i, at := find(s, bits[StationsHomeRead], home); i >= 0 {
			return verdict{i: i, at: at, home: true}
		}
	}
	return verdict{i: -1, denied: deniedNoAssignment}
}

// find returns the index of the subject's assignment that grants a
// permission of mask b on owner o, preferring the one highest up, and the
// organization of o's chain it sits on; -1 when none does.
func find(s Subject, b mask, o fc.Owner) (best int, at fc.ID) {
	best, bestRank := -1, 0
	for i := range s.Assignments {
		a := &s.Assignments[i]
		if !s.owns(a) || roleMask(a.Role)&b == 0 {
			continue
		}
		// rank: 0 provider-wide, 1+depth for an organization of the chain,
		// 1+len(chain) for the account, 2+len(chain) for the employee, -1
		// when a does not reach o.
		rank := -1
		switch a.ScopeKind() {
		case fc.ScopeProvider:
			rank = 0
		case fc.ScopeOrganization:
			for d, id := range o.OrgPath {
				if id == a.OrganizationID {
					rank = 1 + d
					break
				}
			}
		case fc.ScopeAccount:
			if a.AccountID == o.AccountID {
				rank = 1 + len(o.OrgPath)
			}
		case fc.ScopeEmployee:
			if o.EmployeeID != 0 && a.EmployeeID == o.EmployeeID {
				rank = 2 + len(o.OrgPath)
			}
		}
		if rank < 0 || (best >= 0 && rank >= bestRank) {
			continue
		}
		best, bestRank = i, rank
		if rank == 0 {
			break
		}
	}
	if best >= 0 && bestRank >= 1 && bestRank <= len(o.OrgPath) {
		at = o.OrgPath[bestRank-1]
	}
	return best, at
}

// explain turns a verdict into a Decision with its reason. Decide is
// called for every object an explanation or a check touches, so the
// sentence is appended into one buffer rather than formatted piece by piece.
func explain(s Subject, p Permission, o, home fc.Owner, v verdict) Decision {
	d := Decision{Allowed: v.granted(), Permission: p, AtOrganization: v.at, Home: v.home}
	t := make(text, 0, 192)
	switch {
	case d.Allowed && v.home:
		a := s.Assignments[v.i]
		d.Via = &a
		t.grant(a, v.at, home).s(", and this station stands at the home of an employee of account ").id(home.AccountID).
			s(" (", string(StationsHomeRead), ")")
	case d.Allowed:
		a := s.Assignments[v.i]
		d.Via = &a
		t.grant(a, v.at, o)
	case v.denied == deniedUnknownPermission:
		t.s(strconv.Quote(string(p)), " is not a permission")
	case v.denied == deniedOtherProvider:
		t.s("user ").id(s.UserID).s(" belongs to provider ").id(s.ProviderID).
			s(" and the object to provider ").id(o.ProviderID).s(": nothing crosses providers")
	default:
		t.s("no assignment of user ").id(s.UserID).s(" grants ", string(p), " on ").owner(o)
		if p == StationsRead && home.AccountID != 0 {
			t.s(", nor ", string(StationsHomeRead), " on ").owner(home).s(", at whose employee's home the station stands")
		}
		t.s("; ").held(s, p)
	}
	d.Reason = string(t)
	return d
}

// text is a sentence under construction.
type text []byte

func (t *text) s(parts ...string) *text {
	for _, p := range parts {
		*t = append(*t, p...)
	}
	return t
}

func (t *text) id(id fc.ID) *text {
	*t = strconv.AppendInt(*t, int64(id), 10)
	return t
}

// ids appends ids separated by sep.
func (t *text) ids(ids []fc.ID, sep string) *text {
	for i, id := range ids {
		if i > 0 {
			t.s(sep)
		}
		t.id(id)
	}
	return t
}

// grant says how assignment a, sitting on organization at of o's chain (0
// for provider and account assignments), reaches o.
func (t *text) grant(a fc.Assignment, at fc.ID, o fc.Owner) *text {
	t.s(string(a.Role))
	switch a.ScopeKind() {
	case fc.ScopeProvider:
		return t.s(" on the whole provider ").id(a.ProviderID)
	case fc.ScopeAccount:
		return t.s(" on account ").id(a.AccountID)
	case fc.ScopeEmployee:
		return t.s(" on employee ").id(a.EmployeeID).s(", to whom this belongs")
	}
	t.s(" on organization ").id(at)
	last := o.OrgPath[len(o.OrgPath)-1]
	switch {
	case o.AccountID == 0 && at == last:
		return t.s(" itself")
	case o.AccountID == 0:
		return t.s(", an ancestor of organization ").id(last)
	case at == last:
		return t.s(", which holds account ").id(o.AccountID)
	default:
		return t.s(", an ancestor of organization ").id(last).s(" which holds account ").id(o.AccountID)
	}
}

// owner names where an object sits, with the chain above it.
func (t *text) owner(o fc.Owner) *text {
	n := len(o.OrgPath)
	switch {
	case o.AccountID != 0 && n > 0:
		return t.s("account ").id(o.AccountID).s(" or its organizations ").ids(o.OrgPath, " > ")
	case o.AccountID != 0:
		return t.s("account ").id(o.AccountID)
	case n > 1:
		return t.s("organization ").id(o.OrgPath[n-1]).s(" or its ancestors ").ids(o.OrgPath[:n-1], " > ")
	case n == 1:
		return t.s("organization ").id(o.OrgPath[0])
	default:
		return t.s("provider ").id(o.ProviderID).s(", which only a provider-wide assignment reaches")
	}
}

// held says where s holds p, so that a denial shows what it does have.
func (t *text) held(s Subject, p Permission) *text {
	r := Reach(s, p)
	t.s("user ").id(s.UserID).s(" holds ", string(p))
	if r.Empty() {
		return t.s(" nowhere")
	}
	t.s(" only on ")
	and := ""
	if len(r.OrgIDs) > 0 {
		t.s(plural("organization", len(r.OrgIDs)), " ").ids(r.OrgIDs, ", ")
		and = " and "
	}
	if len(r.AccountIDs) > 0 {
		t.s(and, plural("account", len(r.AccountIDs)), " ").ids(r.AccountIDs, ", ")
		and = " and "
	}
	if len(r.EmployeeIDs) > 0 {
		t.s(and, "what belongs to ", plural("employee", len(r.EmployeeIDs)), " ").ids(r.EmployeeIDs, ", ")
	}
	return t
}

func plural(noun string, n int) string {
	if n > 1 {
		return noun + "s"
	}
	return noun
}
