package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// Pickers: wherever a form chooses an object, the user types part of its
// name or ID and chooses among the suggestions of GET /pick?kind=…&q=…,
// read with the lists' search in the user's scope. The field's value reads
// "Name (ID 12)"; a bare ID, or a text that names exactly one object, is
// accepted too, so that the form works without scripts and keeps what was
// typed when it fails.

// pickLimit is the number of suggestions a picker shows.
const pickLimit = 20

// pickKindCardTag is the picker of a card's idTag (a remote start): its
// value is the card's internal ID rather than the card's ID.
const pickKindCardTag = "card_tags"

// pickItem is one suggestion: the object's ID, the value the field takes
// and a label that tells it apart.
type pickItem struct {
	ID    fc.ID  `json:"-"`
	Value string `json:"value"`
	Label string `json:"label"`
}

// pickValue is how a picker shows a chosen object: "Name (ID 12)".
func pickValue(name string, id fc.ID) string {
	if id == 0 {
		return ""
	}
	return name + " (ID " + id.String() + ")"
}

var pickedIDSuffix = regexp.MustCompile(`\(ID ([0-9]+)\)\s*$`)

// pickRoute registers the suggestions' endpoint.
func (s *Server) pickRoute() {
	s.handle("GET /pick", s.pickSuggestions)
}

// pickSuggestions answers a picker's query with JSON suggestions.
func (s *Server) pickSuggestions(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	items, err := s.pick(r.Context(), v, q.Get("kind"), strings.TrimSpace(q.Get("q")), queryID(r, "account_id"), pickLimit)
	if err != nil {
		if fc.IsCode(err, fc.EInvalid) {
			items = nil // a search too long or not text: no suggestions
		} else {
			return err
		}
	}
	if items == nil {
		items = []pickItem{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(items)
}

// pick searches the objects of a kind within the view's scope (and the
// account, when given) for text; a text that reads "… (ID n)" searches
// nothing but is kept as typed.
func (s *Server) pick(ctx context.Context, v *view, kind, text string, accountID fc.ID, limit int) ([]pickItem, error) {
	if m := pickedIDSuffix.FindStringSubmatch(text); m != nil {
		text = ""
	}
	page := fc.Page{Limit: limit}
	// The labels are shown by the page's script as they are: each word of
	// ours (a kind, a status) in the page's language here.
	tag := i18n.FromContext(ctx)
	word := func(w string) string { return capitalize(i18n.T(tag, strings.ReplaceAll(w, "_", " "))) }
	var out []pickItem
	switch kind {
	case fc.MigrateAccounts:
		if !v.can(access.AccountsRead) {
			return nil, nil
		}
		as, err := s.app.Accounts(ctx, v.Subj, fc.AccountFilter{Search: text, Page: page})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out = append(out, pickItem{a.ID, pickValue(a.Name, a.ID), word(a.Kind)})
		}
	case fc.MigrateEmployees:
		if !v.can(access.EmployeesRead) {
			return nil, nil
		}
		es, err := s.app.Employees(ctx, v.Subj, fc.EmployeeFilter{AccountID: accountID, Search: text, Page: page})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out = append(out, pickItem{e.ID, pickValue(e.Name, e.ID), joinParts(e.Email, e.EmployeeNumber)})
		}
	case fc.MigrateCards, pickKindCardTag:
		if !v.can(access.CardsRead) {
			return nil, nil
		}
		cs, err := s.app.Cards(ctx, v.Subj, fc.CardFilter{AccountID: accountID, Search: text, Page: page})
		if err != nil {
			return nil, err
		}
		n := s.names(ctx, v)
		for _, c := range cs {
			holder := ""
			if c.EmployeeID != 0 {
				holder = n.get(fc.KindEmployee, c.EmployeeID)
			}
			status := i18n.T(tag, c.Status)
			it := pickItem{c.ID, pickValue(c.ExternalID, c.ID), joinParts(c.InternalID, holder, status)}
			if kind == pickKindCardTag {
				it.Value, it.Label = c.InternalID, joinParts(c.ExternalID, holder, status)
			}
			out = append(out, it)
		}
	case fc.MigrateLocations:
		if !v.can(access.LocationsRead) {
			return nil, nil
		}
		ls, err := s.app.Locations(ctx, v.Subj, fc.LocationFilter{AccountID: accountID, Search: text, Page: page})
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			out = append(out, pickItem{l.ID, pickValue(l.Name, l.ID), joinParts(word(l.Kind), l.Address, l.City)})
		}
	case fc.MigrateChargeGroups:
		if !v.can(access.ChargeGroupsRead) {
			return nil, nil
		}
		gs, err := s.app.ChargeGroups(ctx, v.Subj, fc.ChargeGroupFilter{AccountID: accountID, Search: text, Page: page})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			label := word(g.Kind)
			if g.Kind == fc.GroupOther {
				label = i18n.T(tag, "Other") // "other" alone is a name too often
			}
			out = append(out, pickItem{g.ID, pickValue(g.Name, g.ID), label})
		}
	case fc.MigrateStations:
		if !v.can(access.StationsRead) && !v.can(access.StationsHomeRead) {
			return nil, nil
		}
		sts, err := s.app.Stations(ctx, v.Subj, fc.StationFilter{AccountID: accountID, Search: text, Page: page})
		if err != nil {
			return nil, err
		}
		for _, st := range sts {
			out = append(out, pickItem{st.ID, pickValue(st.Identity, st.ID), joinParts(st.Vendor, st.Model, i18n.T(tag, st.Connection))})
		}
	default:
		return nil, fc.Errorf(fc.ENotFound, "no picker for %q", kind)
	}
	return out, nil
}

// joinParts joins with " · " the parts that are not empty.
func joinParts(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// picked returns a copy of the posted values in which the text of each
// picker (by field name, of the kind given) is the ID it names: a bare ID or
// "… (ID n)" is that ID; any other text must name exactly one object of the
// kind in the view's scope (and in the posted account_id, when there is
// one). A text that names none or several is the field's error, and the
// form comes back with the text as typed, since it is drawn again from the
// original values. The ID is checked like any other by the change it goes
// into.
func (s *Server) picked(ctx context.Context, v *view, vals url.Values, pickers map[string]string, fields map[string]string) url.Values {
	out := url.Values{}
	for k, x := range vals {
		out[k] = x
	}
	accountID, _ := fc.ParseID(strings.TrimSpace(vals.Get("account_id")))
	for name, kind := range pickers {
		if !vals.Has(name) {
			continue
		}
		id, msg := s.resolvePick(ctx, v, kind, strings.TrimSpace(vals.Get(name)), accountID)
		if msg != "" {
			fields[name] = msg
		}
		out[name] = []string{idString(id)}
	}
	return out
}

// resolvePick turns a picker's text into an ID, or says why it cannot.
func (s *Server) resolvePick(ctx context.Context, v *view, kind, raw string, accountID fc.ID) (fc.ID, string) {
	if raw == "" || raw == "0" {
		return 0, ""
	}
	if id, err := fc.ParseID(raw); err == nil {
		return id, ""
	}
	if m := pickedIDSuffix.FindStringSubmatch(raw); m != nil {
		if id, err := fc.ParseID(m[1]); err == nil {
			return id, ""
		}
	}
	items, err := s.pick(ctx, v, kind, raw, accountID, 2)
	switch {
	case err != nil && !fc.IsCode(err, fc.EInvalid):
		return 0, "could not be looked up: please try again"
	case len(items) == 1:
		return items[0].ID, ""
	case len(items) > 1:
		return 0, fmt.Sprintf("“%s” matches more than one: choose one of the suggestions", raw)
	}
	return 0, fmt.Sprintf("“%s” matches nothing you can see: type part of a name or ID and choose a suggestion", raw)
}

// picker returns a picker field of kind; accountFrom names the form's
// account field that narrows the suggestions, if any.
func (s *Server) picker(ctx context.Context, v *view, name, label, kind string, current fc.ID, accountID fc.ID, accountFrom string) field {
	f := field{Name: name, Label: label, Type: "picker", Source: "/pick?kind=" + kind, With: accountFrom,
		Hint: "Type part of the name or ID and choose a suggestion."}
	if accountID != 0 {
		f.Source += "&account_id=" + accountID.String()
	}
	if current != 0 {
		objKind := map[string]string{fc.MigrateAccounts: fc.KindAccount, fc.MigrateEmployees: fc.KindEmployee, fc.MigrateCards: fc.KindCard,
			fc.MigrateLocations: fc.KindLocation, fc.MigrateChargeGroups: fc.KindChargeGroup, fc.MigrateStations: fc.KindStation}[kind]
		name := s.names(ctx, v).get(objKind, current)
		if strings.HasPrefix(name, "#") {
			f.Value = current.String()
		} else {
			f.Value = pickValue(name, current)
		}
	}
	if items, err := s.pick(ctx, v, kind, "", accountID, pickLimit); err == nil {
		for _, it := range items {
			f.Options = append(f.Options, option{it.Value, it.Label})
		}
	}
	return f
}

// fillPickers gives the pickers of forms built without the server (a
// station's commands) their first suggestions, for browsers without
// scripts.
func (s *Server) fillPickers(ctx context.Context, v *view, forms []*form) {
	for _, f := range forms {
		for i := range f.Fields {
			fl := &f.Fields[i]
			if fl.Type != "picker" || len(fl.Options) > 0 {
				continue
			}
			u, err := url.Parse(fl.Source)
			if err != nil {
				continue
			}
			accountID, _ := fc.ParseID(u.Query().Get("account_id"))
			items, err := s.pick(ctx, v, u.Query().Get("kind"), "", accountID, pickLimit)
			if err != nil {
				continue
			}
			for _, it := range items {
				fl.Options = append(fl.Options, option{it.Value, it.Label})
			}
		}
	}
}

// pickedList reads a list of objects of a kind: one a line, as a picker
// adds them ("Name (ID 12)", or a name that matches one object), or IDs
// separated by commas, spaces or new lines. What it cannot read is the
// field's error, naming the lines.
func (s *Server) pickedList(ctx context.Context, v *view, raw, kind, name string, fields map[string]string) []fc.ID {
	out := []fc.ID{}
	var bad []string
	for _, line := range strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		ids := []fc.ID{}
		for _, p := range strings.Fields(line) {
			id, err := fc.ParseID(p)
			if err != nil {
				ids = nil
				break
			}
			ids = append(ids, id)
		}
		if ids == nil {
			id, msg := s.resolvePick(ctx, v, kind, line, 0)
			if msg != "" {
				bad = append(bad, msg)
				continue
			}
			ids = []fc.ID{id}
		}
		out = append(out, ids...)
	}
	if len(bad) > 0 {
		fields[name] = strings.Join(bad, "; ")
	}
	return out
}
