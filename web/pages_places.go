package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"time"
)

// Locations.

func (s *Server) locationsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.LocationsRead) {
		return fc.Errorf(fc.ENotFound, "no locations")
	}
	f := fc.LocationFilter{AccountID: queryID(r, "account_id"), Kind: r.URL.Query().Get("kind")}
	l, err := newList(r, "/locations", listNoun{"1 location", "%d locations", "More than %d locations"}, false, []listColumn{
		{Title: "Name", Sort: "name"}, {Title: "Kind", Sort: "kind"}, {Title: "Address", Sort: "address"}, {Title: "City", Sort: "city"},
		{Title: "Account"}})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &listBody{Heading: "Locations"}
	if v.can(access.LocationsManage) {
		b.Actions = []link{{"/locations/new", "New location"}}
	}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/locations", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "kind", Label: "Kind", Type: "select", Value: f.Kind, Options: choices("Any", fc.LocationOffice, fc.LocationHome, fc.LocationPublic)},
	}}
	if f.AccountID != 0 {
		b.Filter.Hidden = []hidden{{"account_id", f.AccountID.String()}}
		b.Intro = "Of " + n.get(fc.KindAccount, f.AccountID) + "."
	}
	b.Table = table{Empty: "No locations."}
	return showList(s, w, v, l, b, "Locations", func(p fc.Page) ([]fc.Location, error) {
		f.Page = p
		return s.app.Locations(ctx, v.Subj, f)
	}, func(l *fc.Location) fc.ID { return l.ID }, func(ls []fc.Location) [][]cell {
		var out [][]cell
		for _, l := range ls {
			out = append(out, []cell{{Text: l.Name, Href: objectPath(fc.KindLocation, l.ID)}, {Text: l.Kind},
				{Text: l.Address}, {Text: l.City}, n.cell(fc.KindAccount, l.AccountID)})
		}
		return out
	})
}

func (s *Server) locationFields(r *http.Request, v *view, l *fc.Location) ([]field, error) {
	accounts, err := s.accountOptions(r.Context(), v, l.AccountID, "– Choose –")
	if err != nil {
		return nil, err
	}
	employee := s.picker(r.Context(), v, "employee_id", "Employee (home locations)", fc.MigrateEmployees, l.EmployeeID, l.AccountID, "account_id")
	employee.Hint = "For home locations: the employee who lives there; empty otherwise. Type part of the name and choose a suggestion."
	return []field{
		{Name: "name", Label: "Name", Value: l.Name, Required: true},
		{Name: "kind", Label: "Kind", Type: "select", Value: l.Kind, Options: choices("", fc.LocationOffice, fc.LocationHome, fc.LocationPublic)},
		{Name: "address", Label: "Address", Value: l.Address},
		{Name: "postal_code", Label: "Postal code", Value: l.PostalCode},
		{Name: "city", Label: "City", Value: l.City},
		{Name: "country", Label: "Country", Value: l.Country, Hint: "Two letters, ISO 3166."},
		{Name: "latitude", Label: "Latitude", Value: l.Latitude, Hint: "WGS84, e.g. 52.0907374: decimal degrees with 5 to 7 decimals; empty with the longitude when unknown."},
		{Name: "longitude", Label: "Longitude", Value: l.Longitude, Hint: "WGS84, e.g. 5.1214201: decimal degrees with 5 to 7 decimals."},
		{Name: "account_id", Label: "Account", Type: "select", Value: idString(l.AccountID), Options: accounts, Required: true},
		employee,
		{Name: "max_power_kw", Label: "Grid limit (kW)", Value: kwString(l.MaxPowerW),
			Hint: "The most all charging sessions here may draw together, with at most three decimals; empty for no limit. Load management shares it over the sessions."},
		{Name: "phases", Label: "Phases", Type: "select", Value: strconv.Itoa(cmp.Or(l.Phases, fc.DefaultPhases)),
			Options: []option{{"3", "3 phases"}, {"1", "1 phase"}}},
		{Name: "voltage", Label: "Voltage (V)", Type: "number", Value: strconv.Itoa(cmp.Or(l.Voltage, fc.DefaultVoltage)), Hint: "Per phase, from 100 to 480 V."},
		{Name: "load_sharing", Label: "Load sharing", Type: "select", Value: cmp.Or(l.LoadSharing, fc.LoadShareEqual), Options: loadSharingOptions,
			Hint: "How load management shares the limit: equally over the sessions, or first to the sessions of the charge groups with the highest load priority."},
	}, nil
}

// loadSharingOptions are the choices of a location's load sharing.
var loadSharingOptions = []option{{fc.LoadShareEqual, "Equal"}, {fc.LoadSharePriority, "By charge group priority"}}

// loadSharingText names a location's load sharing as the form does.
func loadSharingText(v string) string {
	for _, o := range loadSharingOptions {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// kwString shows watts as kilowatts with up to three decimals: empty for
// none.
func kwString(w int64) string {
	if w == 0 {
		return ""
	}
	s := strconv.FormatInt(w/1000, 10)
	if frac := strings.TrimRight(fmt.Sprintf("%03d", w%1000), "0"); frac != "" {
		s += "." + frac
	}
	return s
}

// kwText shows watts as kilowatts with up to three decimals, "0" for
// none.
func kwText(w int64) string {
	if w == 0 {
		return "0"
	}
	return kwString(w)
}

// loadTable is a location's Load section: its limit, what load management
// gave and what the stations measured, and the running sessions at the
// stations the reader may read, refreshed in place as the station page's
// connectors are.
func loadTable(v *view, load *app.LocationLoad) table {
	measured := "unknown"
	t := table{Live: "load", Columns: []string{"Station", "Connector", "Session", "Limit (kW)", "Reason", "Since", "Measured (kW)"},
		Empty: "No session is charging here."}
	for _, x := range load.Sessions {
		m := "–"
		if x.MeasuredW != nil {
			m, measured = kwText(*x.MeasuredW), kwText(load.MeasuredW)
		}
		limit := "–"
		if x.Reason != "" {
			limit = kwText(x.LimitW)
		}
		t.Rows = append(t.Rows, []cell{{Text: x.Identity, Href: objectPath(fc.KindStation, x.StationID)}, {Text: strconv.Itoa(x.ConnectorID)},
			{Text: x.SessionID.String(), Href: objectPath(fc.KindSession, x.SessionID)}, {Text: limit, Class: "num"},
			{Text: reasonText(x.Reason)}, {Text: v.when(x.Since)}, {Text: m, Class: "num"}})
	}
	t.Caption = fmt.Sprintf("Load: limit %s kW, allocated %s kW, measured %s", kwText(load.LimitW), kwText(load.AllocatedW), measured)
	if measured != "unknown" {
		t.Caption += " kW"
	}
	return t
}

// reasonText says why load management gave a session its limit.
func reasonText(reason string) string {
	switch reason {
	case "":
		return "–"
	case "share":
		return "Share of the limit"
	case "waiting":
		return "Waiting for room"
	case "offline":
		return "Station offline, limit kept"
	case "offline_freed":
		return "Station offline, share freed"
	case "rejected":
		return "Profile rejected, counted at connector maximum"
	case "unlimited":
		return "No limit"
	}
	return titleCase(reason)
}

// allocationTable is a session's history of limits from load management.
func allocationTable(v *view, xs []fc.SessionAllocation) table {
	t := table{Caption: "Load management limits", Columns: []string{"From", "Limit (kW)", "Reason"}}
	for _, x := range xs {
		t.Rows = append(t.Rows, []cell{{Text: v.when(x.At)}, {Text: kwText(x.LimitW), Class: "num"}, {Text: reasonText(x.Reason)}})
	}
	return t
}

// wattsFrom reads a power in kW with at most three decimals from a form
// field, in watts; 0 when the field is empty, which means none.
func wattsFrom(vals map[string][]string, name, none string, fields map[string]string) int64 {
	raw := strings.TrimSpace(first(vals[name]))
	m, ok := parseMicros(raw)
	switch {
	case !ok || m%1000 != 0:
		fields[name] = "must be a power in kW such as 22 or 17.25, with at most three decimals"
	case raw != "" && m == 0:
		fields[name] = "must be more than 0; leave it empty for " + none
	}
	return m / 1000
}

// gridFrom reads a location's load management fields from a form: the
// limit in kW with at most three decimals (empty: no limit), phases,
// voltage and load sharing.
func gridFrom(vals map[string][]string, l *fc.Location, fields map[string]string) {
	l.MaxPowerW = wattsFrom(vals, "max_power_kw", "no limit", fields)
	l.Phases, l.Voltage = formInt(vals, "phases", fields), formInt(vals, "voltage", fields)
	l.LoadSharing = strings.TrimSpace(first(vals["load_sharing"]))
}

// locationPickers are the pickers of the location form.
var locationPickers = map[string]string{"employee_id": fc.MigrateEmployees}

func locationFrom(vals map[string][]string, l *fc.Location, fields map[string]string) {
	get := func(k string) string { return strings.TrimSpace(first(vals[k])) }
	l.Name, l.Kind, l.Address, l.PostalCode, l.City = get("name"), get("kind"), get("address"), get("postal_code"), get("city")
	l.Country = strings.ToUpper(get("country"))
	l.Latitude, l.Longitude = get("latitude"), get("longitude")
	l.AccountID, l.EmployeeID = formID(vals, "account_id", fields), formID(vals, "employee_id", fields)
	gridFrom(vals, l, fields)
}

func (s *Server) newLocationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewLocation(w, r, v, nil)
}

func (s *Server) showNewLocation(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !v.can(access.LocationsManage) {
		return fc.Errorf(fc.ENotFound, "no new location")
	}
	fields, err := s.locationFields(r, v, &fc.Location{Kind: fc.LocationOffice, AccountID: queryID(r, "account_id")})
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "New location", Back: link{"/locations", "Locations"}, Forms: []*form{v.postForm("new", "/locations", "Create location", fields...)}}
	s.show(w, r, v, b.apply(fl), "detail", "New location", b)
	return nil
}

func (s *Server) createLocation(w http.ResponseWriter, r *http.Request, v *view) error {
	var l fc.Location
	fields := map[string]string{}
	locationFrom(s.picked(r.Context(), v, r.PostForm, locationPickers, fields), &l, fields)
	err := validated(fields)
	if err == nil {
		err = s.app.CreateLocation(r.Context(), v.Subj, &l)
	}
	return created(w, r, err, objectPath(fc.KindLocation, l.ID), func(fl *failure) error { return s.showNewLocation(w, r, v, fl) })
}

func (s *Server) locationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showLocation(w, r, v, id, nil)
}

func (s *Server) showLocation(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	l, err := s.app.Location(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: l.Name, Back: link{"/locations", "Locations"}}
	b.Facts = []fact{{Label: "Kind", Value: titleCase(l.Kind)}, {Label: "Address", Value: strings.TrimSpace(l.Address + ", " + l.PostalCode + " " + l.City + " " + l.Country)},
		n.fact("Account", fc.KindAccount, l.AccountID)}
	if l.Latitude != "" {
		b.Facts = append(b.Facts, fact{Label: "Coordinates", Value: l.Latitude + ", " + l.Longitude})
	}
	if l.EmployeeID != 0 {
		b.Facts = append(b.Facts, n.fact("Home of", fc.KindEmployee, l.EmployeeID))
	}
	grid := "No limit"
	if l.MaxPowerW > 0 {
		grid = kwString(l.MaxPowerW) + " kW"
	}
	b.Facts = append(b.Facts, fact{Label: "Grid connection", Value: fmt.Sprintf("%s, %d × %d V", grid, l.Phases, l.Voltage)},
		fact{Label: "Load sharing", Value: loadSharingText(l.LoadSharing)})
	if v.can(access.StationsRead) || v.can(access.StationsHomeRead) {
		b.Links = append(b.Links, link{"/stations?location_id=" + l.ID.String(), "Stations at this location"})
	}
	if l.MaxPowerW > 0 {
		load, err := s.app.LocationLoad(ctx, v.Subj, l.ID)
		if err != nil {
			return err
		}
		b.Tables = append(b.Tables, loadTable(v, load))
	}
	if s.canOn(ctx, v, access.LocationsManage, fc.KindLocation, l.ID) {
		fields, err := s.locationFields(r, v, l)
		if err != nil {
			return err
		}
		edit := v.postForm("edit", objectPath(fc.KindLocation, l.ID), "Save", fields...)
		edit.Title = "Edit"
		del := v.button("delete", objectPath(fc.KindLocation, l.ID)+"/delete", "Delete location", "danger")
		del.Confirm, del.Intro = "Delete "+l.Name+"?", "Only a location without stations or history can be deleted."
		b.Forms = []*form{edit, del}
	}
	s.show(w, r, v, b.apply(fl), "detail", l.Name, b)
	return nil
}

func (s *Server) updateLocation(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	var in fc.Location
	locationFrom(s.picked(r.Context(), v, r.PostForm, locationPickers, fields), &in, fields)
	if err = validated(fields); err == nil {
		_, err = s.app.UpdateLocation(r.Context(), v.Subj, id, func(l *fc.Location) error {
			in.ID, in.ProviderID, in.CreatedAt, in.UpdatedAt = l.ID, l.ProviderID, l.CreatedAt, l.UpdatedAt
			*l = in
			return nil
		})
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindLocation, id), "saved")
		return nil
	}
	return refail(r, err, "edit", func(fl *failure) error { return s.showLocation(w, r, v, id, fl) })
}

func (s *Server) deleteLocation(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteLocation(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showLocation(w, r, v, id, fl) })
	}
	redirect(w, r, "/locations", "deleted")
	return nil
}

// Charge groups.

func (s *Server) groupRoutes() {
	s.handle("GET /charge-groups", s.groupsPage)
	s.handle("GET /charge-groups/new", s.newGroupPage)
	s.handle("POST /charge-groups", s.createGroup)
	s.handle("GET /charge-groups/{id}", s.groupPage)
	s.handle("POST /charge-groups/{id}", s.updateGroup)
	s.handle("POST /charge-groups/{id}/delete", s.deleteGroup)
}

// micros shows a price in millionths as a decimal.
func micros(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	frac := strings.TrimRight(fmt.Sprintf("%06d", v%1_000_000), "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return sign + strconv.FormatInt(v/1_000_000, 10) + "." + frac
}

// parseMicros reads a decimal price with up to six decimals exactly.
func parseMicros(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 6 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1_000_000_000 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt((frac + "000000")[:6], 10, 64); err != nil || strings.ContainsAny(frac, "+-") {
			return 0, false
		}
	}
	return w*1_000_000 + f, true
}

// admittedField is f, a charge group's list of admitted objects of kind: a
// multiselect of the options (every one the view may admit) with the admitted
// ones chosen, or, when the options fill a whole page of choices and so may
// not be all, a comma-separated list of IDs.
func (s *Server) admittedField(ctx context.Context, v *view, f field, kind string, options []option, admitted []fc.ID) field {
	if len(options) >= maxChoices {
		f.Value, f.Hint = idList(admitted), strings.TrimSpace(titleCase(kind)+" IDs, separated by commas. "+f.Hint)
		return f
	}
	f.Type, f.Options = "multiselect", options
	f.Hint = strings.TrimSpace(f.Hint + " Ctrl-click (⌘-click on a Mac) to choose several.")
	if len(options) == 0 && len(admitted) == 0 {
		f.Hint = "None that you can see."
	}
	for _, id := range admitted {
		f.Options = s.withCurrent(ctx, v, f.Options, kind, id)
		f.Values = append(f.Values, id.String())
	}
	return f
}

// idList shows IDs as a comma-separated list, and parseIDList reads one.
func idList(ids []fc.ID) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return strings.Join(out, ", ")
}

func parseIDList(raw, name string, fields map[string]string) []fc.ID {
	out := []fc.ID{}
	for _, p := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		id, err := fc.ParseID(p)
		if err != nil {
			fields[name] = "must list IDs, separated by commas"
			continue
		}
		out = append(out, id)
	}
	return out
}

func (s *Server) groupsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.ChargeGroupsRead) {
		return fc.Errorf(fc.ENotFound, "no charge groups")
	}
	f := fc.ChargeGroupFilter{AccountID: queryID(r, "account_id")}
	l, err := newList(r, "/charge-groups", listNoun{"1 charge group", "%d charge groups", "More than %d charge groups"}, false, []listColumn{
		{Title: "Name", Sort: "name"}, {Title: "Kind", Sort: "kind"}, {Title: "Access", Sort: "access"}, {Title: "Tariff"}, {Title: "Account"}})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &listBody{Heading: "Charge groups"}
	if v.can(access.ChargeGroupsManage) {
		b.Actions = []link{{"/charge-groups/new", "New charge group"}}
	}
	if f.AccountID != 0 {
		b.Intro = "Of " + n.get(fc.KindAccount, f.AccountID) + "."
	}
	b.Table = table{Empty: "No charge groups."}
	return showList(s, w, v, l, b, "Charge groups", func(p fc.Page) ([]fc.ChargeGroup, error) {
		f.Page = p
		return s.app.ChargeGroups(ctx, v.Subj, f)
	}, func(g *fc.ChargeGroup) fc.ID { return g.ID }, func(gs []fc.ChargeGroup) [][]cell {
		var out [][]cell
		for _, g := range gs {
			out = append(out, []cell{{Text: g.Name, Href: objectPath(fc.KindChargeGroup, g.ID)}, {Text: g.Kind}, {Text: g.Access},
				{Text: tariffText(g.Tariff)}, n.cell(fc.KindAccount, g.AccountID)})
		}
		return out
	})
}

func tariffText(t fc.Tariff) string {
	if t.Currency == "" {
		return "free"
	}
	return fmt.Sprintf("%s %s/kWh, %s/min, start %s", t.Currency, micros(t.PerKWhMicros), micros(t.PerMinuteMicros), micros(t.StartFeeMicros)) +
		tariffExtrasText(t)
}

func (s *Server) groupFields(r *http.Request, v *view, g *fc.ChargeGroup) ([]field, error) {
	ctx := r.Context()
	accounts, err := s.accountOptions(ctx, v, g.AccountID, "– Choose –")
	if err != nil {
		return nil, err
	}
	orgs, err := s.orgOptions(ctx, v, 0, "")
	if err != nil {
		return nil, err
	}
	cards, err := s.cardOptions(ctx, v)
	if err != nil {
		return nil, err
	}
	fields := []field{
		{Name: "name", Label: "Name", Value: g.Name, Required: true},
		{Name: "kind", Label: "Kind", Type: "select", Value: g.Kind, Options: choices("", fc.GroupOther, fc.GroupHome)},
		{Name: "account_id", Label: "Account", Type: "select", Value: idString(g.AccountID), Options: accounts, Required: true},
		{Name: "access", Label: "Access", Type: "select", Value: g.Access, Options: choices("", fc.AccessPublic, fc.AccessRestricted),
			Hint: "Public admits every active card; restricted only the cards of the accounts, organizations and cards listed below."},
		s.admittedField(ctx, v, field{Name: "allowed_account_ids", Label: "Admitted accounts"}, fc.KindAccount, accounts[1:], g.AllowedAccountIDs),
		s.admittedField(ctx, v, field{Name: "allowed_organization_ids", Label: "Admitted organizations", Hint: "With everything below them."},
			fc.KindOrganization, orgs[1:], g.AllowedOrganizationIDs),
		s.admittedField(ctx, v, field{Name: "allowed_card_ids", Label: "Admitted cards"}, fc.KindCard, cards, g.AllowedCardIDs),
		{Name: "tariff.currency", Label: "Currency", Value: g.Tariff.Currency, Required: true, Hint: "ISO 4217, such as EUR; prices of 0 for free charging."},
		{Name: "tariff.per_kwh", Label: "Price per kWh", Value: micros(g.Tariff.PerKWhMicros)},
		{Name: "tariff.per_minute", Label: "Price per minute", Value: micros(g.Tariff.PerMinuteMicros)},
		{Name: "tariff.start_fee", Label: "Start fee", Value: micros(g.Tariff.StartFeeMicros)},
	}
	fields = append(fields, tariffExtraFields(g.Tariff, g.ID != 0, v.Loc)...)
	fields = append(fields, []field{
		{Name: "load_priority", Label: "Load priority", Type: "number", Value: strconv.Itoa(g.LoadPriority),
			Hint: "From -1000 to 1000. At locations that share their limit by charge group priority, the sessions of higher groups are served first."},
	}...)
	// Roaming is decided for the whole provider: only who manages roaming
	// sees the box (groupFrom leaves the flag alone without it).
	if wholeProvider(v.Subj, roamingPerms...) {
		fields = append(fields, field{Name: "roaming", Label: "Roaming", Type: "checkbox", Checked: g.Roaming,
			Hint: "The group's stations are published to OCPI partners and admit their drivers' tokens."})
	}
	return fields, nil
}

func groupFrom(vals map[string][]string, g *fc.ChargeGroup, loc *time.Location, fields map[string]string) {
	get := func(k string) string { return strings.TrimSpace(first(vals[k])) }
	g.Name, g.Kind, g.Access = get("name"), get("kind"), get("access")
	g.AccountID = formID(vals, "account_id", fields)
	list := func(k string) []fc.ID { return parseIDList(strings.Join(vals[k], ","), k, fields) }
	g.AllowedAccountIDs, g.AllowedOrganizationIDs, g.AllowedCardIDs = list("allowed_account_ids"), list("allowed_organization_ids"), list("allowed_card_ids")
	g.Tariff.Currency = strings.ToUpper(get("tariff.currency"))
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"tariff.per_kwh", &g.Tariff.PerKWhMicros}, {"tariff.per_minute", &g.Tariff.PerMinuteMicros}, {"tariff.start_fee", &g.Tariff.StartFeeMicros}} {
		m, ok := parseMicros(get(p.name))
		if !ok {
			fields[p.name] = "must be an amount such as 0.35, with at most six decimals"
		}
		*p.dst = m
	}
	tariffExtrasFrom(get, &g.Tariff, loc, fields)
	g.LoadPriority = formInt(vals, "load_priority", fields)
	g.Roaming = first(vals["roaming"]) != ""
}

func (s *Server) newGroupPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewGroup(w, r, v, nil)
}

func (s *Server) showNewGroup(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !v.can(access.ChargeGroupsManage) {
		return fc.Errorf(fc.ENotFound, "no new charge group")
	}
	fields, err := s.groupFields(r, v, &fc.ChargeGroup{Kind: fc.GroupOther, Access: fc.AccessPublic, AccountID: queryID(r, "account_id")})
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "New charge group", Back: link{"/charge-groups", "Charge groups"},
		Forms: []*form{v.postForm("new", "/charge-groups", "Create charge group", fields...)}}
	s.show(w, r, v, b.apply(fl), "detail", "New charge group", b)
	return nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	var g fc.ChargeGroup
	fields := map[string]string{}
	groupFrom(r.PostForm, &g, nil, fields)
	err := validated(fields)
	if err == nil {
		err = s.app.CreateChargeGroup(r.Context(), v.Subj, &g)
	}
	return created(w, r, err, objectPath(fc.KindChargeGroup, g.ID), func(fl *failure) error { return s.showNewGroup(w, r, v, fl) })
}

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showGroup(w, r, v, id, nil)
}

func (s *Server) showGroup(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	g, err := s.app.ChargeGroup(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: g.Name, Back: link{"/charge-groups", "Charge groups"}}
	b.Facts = []fact{{Label: "Kind", Value: titleCase(g.Kind)}, n.fact("Account", fc.KindAccount, g.AccountID),
		{Label: "Access", Value: titleCase(g.Access)}, {Label: "Tariff", Value: tariffText(g.Tariff)},
		{Label: "Load priority", Value: strconv.Itoa(g.LoadPriority)}, {Label: "Roaming", Value: yesNo(g.Roaming)}}
	if g.Access == fc.AccessRestricted {
		admitted := table{Caption: "Admitted", Columns: []string{"Kind", "Name"}, Empty: "Nothing: no card may charge."}
		for _, x := range []struct {
			kind string
			ids  []fc.ID
		}{{fc.KindAccount, g.AllowedAccountIDs}, {fc.KindOrganization, g.AllowedOrganizationIDs}, {fc.KindCard, g.AllowedCardIDs}} {
			for _, id := range x.ids {
				admitted.Rows = append(admitted.Rows, []cell{{Text: titleCase(x.kind)}, n.cell(x.kind, id)})
			}
		}
		b.Tables = append(b.Tables, admitted)
	}
	versions, err := s.tariffVersionsTable(ctx, v, g.ID)
	if err != nil {
		return err
	}
	if versions != nil {
		b.Tables = append(b.Tables, *versions)
	}
	if v.can(access.StationsRead) {
		b.Links = append(b.Links, link{"/stations?charge_group_id=" + g.ID.String(), "Stations in this group"})
	}
	if s.canOn(ctx, v, access.ChargeGroupsManage, fc.KindChargeGroup, g.ID) {
		fields, err := s.groupFields(r, v, g)
		if err != nil {
			return err
		}
		edit := v.postForm("edit", objectPath(fc.KindChargeGroup, g.ID), "Save", fields...)
		edit.Title = "Edit"
		del := v.button("delete", objectPath(fc.KindChargeGroup, g.ID)+"/delete", "Delete charge group", "danger")
		del.Confirm, del.Intro = "Delete "+g.Name+"?", "Only a charge group without stations can be deleted."
		b.Forms = []*form{edit, del}
	}
	s.show(w, r, v, b.apply(fl), "detail", g.Name, b)
	return nil
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	var in fc.ChargeGroup
	groupFrom(r.PostForm, &in, v.Loc, fields)
	if err = validated(fields); err == nil {
		_, err = s.app.UpdateChargeGroup(r.Context(), v.Subj, id, func(g *fc.ChargeGroup) error {
			g.Name, g.Kind, g.Access, g.AccountID, g.Tariff = in.Name, in.Kind, in.Access, in.AccountID, in.Tariff
			g.LoadPriority = in.LoadPriority
			if wholeProvider(v.Subj, roamingPerms...) {
				// Only their form has the roaming box.
				g.Roaming = in.Roaming
			}
			g.AllowedAccountIDs, g.AllowedOrganizationIDs, g.AllowedCardIDs = in.AllowedAccountIDs, in.AllowedOrganizationIDs, in.AllowedCardIDs
			return nil
		})
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindChargeGroup, id), "saved")
		return nil
	}
	return refail(r, err, "edit", func(fl *failure) error { return s.showGroup(w, r, v, id, fl) })
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteChargeGroup(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showGroup(w, r, v, id, fl) })
	}
	redirect(w, r, "/charge-groups", "deleted")
	return nil
}
