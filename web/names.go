package web

import (
	"context"
	"sort"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// names looks up the names of the objects a page links to, once each, in
// the view's scope: an object the user may not see shows as its ID only.
type names struct {
	s      *Server
	ctx    context.Context
	v      *view
	m      map[string]string
	owners map[fc.ID]*fc.Owner // by account ID; nil for one not found
	// unlinked are the objects named whose page the user may not open (an
	// organization above its scope), by kind:ID.
	unlinked map[string]bool
}

func (s *Server) names(ctx context.Context, v *view) *names {
	return &names{s: s, ctx: ctx, v: v, m: map[string]string{}, unlinked: map[string]bool{}}
}

func (n *names) get(kind string, id fc.ID) string {
	if id == 0 {
		return "–"
	}
	key := kind + ":" + id.String()
	if name, ok := n.m[key]; ok {
		return name
	}
	name := "#" + id.String()
	a, subj, ctx := n.s.app, n.v.Subj, n.ctx
	switch kind {
	case fc.KindOrganization:
		// Also the name of an organization above the user's scope, which
		// the paths of what it reads show: without a link.
		if path, readable, err := a.OrganizationPath(ctx, subj, id); err == nil {
			name = strings.Join(path, " / ")
			n.unlinked[key] = !readable
		}
	case fc.KindAccount:
		if x, err := a.Account(ctx, subj, id); err == nil {
			name = x.Name
		}
	case fc.KindEmployee:
		if x, err := a.Employee(ctx, subj, id); err == nil {
			name = x.Name
		}
	case fc.KindCard:
		if x, err := a.Card(ctx, subj, id); err == nil {
			name = x.ExternalID
		}
	case fc.KindLocation:
		if x, err := a.Location(ctx, subj, id); err == nil {
			name = x.Name
		}
	case fc.KindChargeGroup:
		if x, err := a.ChargeGroup(ctx, subj, id); err == nil {
			name = x.Name
		}
	case fc.KindStation:
		if x, err := a.Station(ctx, subj, id); err == nil {
			name = x.Identity
		}
	case fc.KindUser:
		if x, err := a.User(ctx, subj, id); err == nil {
			name = x.Email
		}
	}
	n.m[key] = name
	return name
}

// cell returns a table cell naming the object, linked to its page when the
// user may see it.
func (n *names) cell(kind string, id fc.ID) cell {
	name := n.get(kind, id)
	if id == 0 || strings.HasPrefix(name, "#") || n.unlinked[kind+":"+id.String()] {
		return cell{Text: name}
	}
	return cell{Text: name, Href: objectPath(kind, id)}
}

// sessionStation names where a session was: its station, linked when the
// user reads it, and named also when it reads only the session (its card
// side at another account's station); "external" for a session without a
// station.
func (n *names) sessionStation(x *fc.Session) cell {
	if x.StationID == 0 {
		return cell{Text: or(x.LocationName, "external")}
	}
	c := n.cell(fc.KindStation, x.StationID)
	if c.Href != "" {
		return c
	}
	return cell{Text: n.remember("session-station:"+x.StationID.String(), c.Text, func() (string, error) {
		return n.s.app.SessionStationIdentity(n.ctx, n.v.Subj, x.ID)
	})}
}

// stationLocation names where a station stands: its location, linked when
// the user reads it, and named also when it reads only the station.
func (n *names) stationLocation(st *fc.Station) cell {
	c := n.cell(fc.KindLocation, st.LocationID)
	if c.Href != "" || st.LocationID == 0 {
		return c
	}
	return cell{Text: n.remember("station-location:"+st.ID.String(), c.Text, func() (string, error) {
		return n.s.app.StationLocationName(n.ctx, n.v.Subj, st.ID)
	})}
}

// remember is the name kept under key, looked up once per page: look's
// answer, or fallback when it has none.
func (n *names) remember(key, fallback string, look func() (string, error)) string {
	if name, ok := n.m[key]; ok {
		return name
	}
	name := fallback
	if found, err := look(); err == nil {
		name = found
	}
	n.m[key] = name
	return name
}

// fact is the cell as a fact of a detail page.
func (c cell) fact(label string) fact { return fact{Label: label, Value: c.Text, Href: c.Href} }

// fact returns a fact naming the object, linked like cell.
func (n *names) fact(label, kind string, id fc.ID) fact {
	c := n.cell(kind, id)
	return fact{Label: label, Value: c.Text, Href: c.Href}
}

// objectPath is the page of an object.
func objectPath(kind string, id fc.ID) string {
	base := map[string]string{
		fc.KindOrganization: "/organizations/", fc.KindAccount: "/accounts/", fc.KindEmployee: "/employees/",
		fc.KindCard: "/cards/", fc.KindLocation: "/locations/", fc.KindChargeGroup: "/charge-groups/",
		fc.KindStation: "/stations/", fc.KindSession: "/sessions/", fc.KindUser: "/users/",
	}[kind]
	if base == "" {
		return ""
	}
	return base + id.String()
}

// maxChoices bounds the options of a select built from a list.
const maxChoices = fc.MaxPageSize

// accountOptions lists the accounts the view may read as select options,
// with a first empty choice and the current one kept (see withCurrent).
func (s *Server) accountOptions(ctx context.Context, v *view, current fc.ID, empty string) ([]option, error) {
	as, err := s.app.Accounts(ctx, v.Subj, fc.AccountFilter{Page: fc.Page{Limit: maxChoices}})
	if err != nil {
		return nil, err
	}
	out := []option{{Value: "", Label: empty}}
	for _, a := range as {
		out = append(out, option{Value: a.ID.String(), Label: a.Name})
	}
	return s.withCurrent(ctx, v, out, fc.KindAccount, current), nil
}

// withCurrent adds the current choice to options built from the first
// maxChoices of a list when it is not among them, so that a form saved
// unchanged keeps it rather than losing it to the empty choice.
func (s *Server) withCurrent(ctx context.Context, v *view, options []option, kind string, current fc.ID) []option {
	if current == 0 {
		return options
	}
	for _, o := range options {
		if o.Value == current.String() {
			return options
		}
	}
	return append(options, option{Value: current.String(), Label: s.names(ctx, v).get(kind, current)})
}

// orgOptions lists the organizations the view may read, with their paths,
// the current one kept (see withCurrent).
func (s *Server) orgOptions(ctx context.Context, v *view, current fc.ID, empty string) ([]option, error) {
	out := []option{{Value: "", Label: empty}}
	if !v.can(access.OrganizationsRead) {
		return out, nil
	}
	os, err := s.app.Organizations(ctx, v.Subj, fc.OrganizationFilter{Page: fc.Page{Limit: maxChoices}})
	if err != nil {
		return nil, err
	}
	// The list does not carry paths: build them from the list itself, so
	// that each option reads "Holding / Subsidiary".
	byID := map[fc.ID]*fc.Organization{}
	for i := range os {
		byID[os[i].ID] = &os[i]
	}
	for _, o := range os {
		path := []string{o.Name}
		for p := byID[o.ParentID]; p != nil && len(path) <= len(os); p = byID[p.ParentID] {
			path = append([]string{p.Name}, path...)
		}
		out = append(out, option{Value: o.ID.String(), Label: strings.Join(path, " / ")})
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i].Label < out[1+j].Label })
	return s.withCurrent(ctx, v, out, fc.KindOrganization, current), nil
}

// cardOptions lists the cards the view may read, by external ID, or none
// when it may read no card.
func (s *Server) cardOptions(ctx context.Context, v *view) ([]option, error) {
	if !v.can(access.CardsRead) {
		return nil, nil
	}
	cs, err := s.app.Cards(ctx, v.Subj, fc.CardFilter{Page: fc.Page{Limit: maxChoices}})
	if err != nil {
		return nil, err
	}
	out := make([]option, 0, len(cs))
	for _, c := range cs {
		out = append(out, option{Value: c.ID.String(), Label: c.ExternalID})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out, nil
}

// employeeOptions lists the employees of an account, the current one kept
// (see withCurrent).
func (s *Server) employeeOptions(ctx context.Context, v *view, accountID, current fc.ID, empty string) ([]option, error) {
	out := []option{{Value: "", Label: empty}}
	if !v.can(access.EmployeesRead) || accountID == 0 {
		return out, nil
	}
	es, err := s.app.Employees(ctx, v.Subj, fc.EmployeeFilter{AccountID: accountID, Page: fc.Page{Limit: maxChoices}})
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		out = append(out, option{Value: e.ID.String(), Label: e.Name})
	}
	return s.withCurrent(ctx, v, out, fc.KindEmployee, current), nil
}

func choices(empty string, values ...string) []option {
	var out []option
	if empty != "" {
		out = append(out, option{Value: "", Label: empty})
	}
	for _, v := range values {
		out = append(out, option{Value: v, Label: titleCase(v)})
	}
	return out
}

// prefetch loads the names of the objects of kind (employees, stations)
// that the accounts own, one list query per account, when a page names
// more such objects than it has accounts: a 100-row page then takes a few
// queries instead of a hundred. What the lists miss is still looked up one
// by one.
func (n *names) prefetch(kind string, accounts map[fc.ID]bool, wanted int) {
	if wanted <= len(accounts) {
		return
	}
	ctx, subj, a := n.ctx, n.v.Subj, n.s.app
	for id := range accounts {
		if id == 0 {
			continue
		}
		page := fc.Page{Limit: fc.MaxPageSize}
		switch kind {
		case fc.KindEmployee:
			if !n.v.can(access.EmployeesRead) {
				return
			}
			es, err := a.Employees(ctx, subj, fc.EmployeeFilter{AccountID: id, Page: page})
			if err != nil {
				return
			}
			for _, e := range es {
				n.m[kind+":"+e.ID.String()] = e.Name
			}
		case fc.KindStation:
			sts, err := a.Stations(ctx, subj, fc.StationFilter{AccountID: id, Page: page})
			if err != nil {
				return
			}
			for _, st := range sts {
				n.m[kind+":"+st.ID.String()] = st.Identity
			}
		}
	}
}

// prefetchAccounts loads the names of the accounts in scope with one list
// query when a page names several.
func (n *names) prefetchAccounts(wanted map[fc.ID]bool) {
	if len(wanted) <= 2 || !n.v.can(access.AccountsRead) {
		return
	}
	as, err := n.s.app.Accounts(n.ctx, n.v.Subj, fc.AccountFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
	if err != nil {
		return
	}
	for _, a := range as {
		n.m[fc.KindAccount+":"+a.ID.String()] = a.Name
	}
}

// may reports whether the view's subject holds p on the account id,
// looking each account's place up once per page: a list shows an action
// on a row only where the user may take it.
func (n *names) may(p access.Permission, accountID fc.ID) bool {
	if n.owners == nil {
		n.owners = map[fc.ID]*fc.Owner{}
	}
	o, ok := n.owners[accountID]
	if !ok {
		x, err := n.s.app.Store.Owner(n.ctx, n.v.Subj.ProviderID, fc.KindAccount, accountID)
		if err == nil {
			o = &x
		}
		n.owners[accountID] = o
	}
	return o != nil && access.Can(n.v.Subj, p, *o)
}
