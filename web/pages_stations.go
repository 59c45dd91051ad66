package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// stationRoutes registers the pages of stations and sessions.
func (s *Server) stationRoutes() {
	s.handle("GET /stations", s.stationsPage)
	s.handle("GET /stations/new", s.newStationPage)
	s.handle("POST /stations", s.createStation)
	s.handle("GET /stations/{id}", s.stationPage)
	s.handle("POST /stations/{id}", s.updateStation)
	s.handle("POST /stations/{id}/delete", s.deleteStation)
	s.handle("POST /stations/{id}/commands/{command}", s.sendCommand)
	s.handle("GET /sessions", s.sessionsPage)
	s.handle("GET /sessions/{id}", s.sessionPage)
	// The live stream of the stations pages (live.go) is no page: it is
	// not in s.patterns, which tests walk as pages, and answers no HTML.
	s.mux.HandleFunc("GET /stations/events", s.signedIn(s.viewHandler(s.stationEvents)))
}

// stationStateCells are the cells of a station's state on the stations
// list, which live.js keeps up to date (live.go sends them the same).
func stationStateCells(v *view, st *fc.Station) []cell {
	of := st.ID.String()
	return []cell{{Text: st.Connection, Class: "conn-" + st.Connection, LiveOf: of, LiveField: "connection"},
		{Text: v.when(st.LastHeartbeatAt), LiveOf: of, LiveField: "heartbeat"},
		{Text: connectorSummary(st), LiveOf: of, LiveField: "connectors"}}
}

// connectorCells are the cells of a connector on its station's page.
func connectorCells(v *view, stationID fc.ID, cp fc.ChargePoint) []cell {
	of := stationID.String() + "/" + strconv.Itoa(cp.ConnectorID)
	return []cell{{Text: strconv.Itoa(cp.ConnectorID)},
		{Text: cp.Status, Class: "cp-" + strings.ToLower(cp.Status), LiveOf: of, LiveField: "status"},
		{Text: cp.ErrorCode, LiveOf: of, LiveField: "error"}, {Text: v.when(cp.StatusAt), LiveOf: of, LiveField: "since"}}
}

// connectorSummary reads a station's charge points in one line.
func connectorSummary(st *fc.Station) string {
	parts := make([]string, len(st.ChargePoints))
	for i, cp := range st.ChargePoints {
		parts[i] = strconv.Itoa(cp.ConnectorID) + ": " + cp.Status
	}
	return strings.Join(parts, " · ")
}

func (s *Server) stationsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.StationsRead) && !v.can(access.StationsHomeRead) {
		return fc.Errorf(fc.ENotFound, "no stations")
	}
	f := fc.StationFilter{AccountID: queryID(r, "account_id"), LocationID: queryID(r, "location_id"), ChargeGroupID: queryID(r, "charge_group_id"),
		Search: strings.TrimSpace(r.URL.Query().Get("search"))}
	switch state := r.URL.Query().Get("state"); state {
	case fc.StationOnline, fc.StationOffline:
		f.Connection = state
	case "faulted":
		f.Faulted = true
	}
	l, err := newList(r, "/stations", listNoun{"1 station", "%d stations", "More than %d stations"}, false, []listColumn{
		{Title: "Identity", Sort: "identity"}, {Title: "Connection", Sort: "connection"}, {Title: "Last heartbeat", Sort: "last_heartbeat"},
		{Title: "Connectors"}, {Title: "Location"}, {Title: "Account"}})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &listBody{Heading: "Stations"}
	if v.can(access.StationsManage) {
		b.Actions = []link{{"/stations/new", "Register a station"}}
	}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/stations", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "search", Label: "Identity or serial number", Value: f.Search},
		{Name: "state", Label: "State", Type: "select", Value: r.URL.Query().Get("state"), Options: []option{{"", "Any"},
			{fc.StationOnline, "Online"}, {fc.StationOffline, "Offline"}, {"faulted", "A connector faulted"}}},
	}}
	for _, h := range []struct {
		name string
		id   fc.ID
	}{{"account_id", f.AccountID}, {"location_id", f.LocationID}, {"charge_group_id", f.ChargeGroupID}} {
		if h.id != 0 {
			b.Filter.Hidden = append(b.Filter.Hidden, hidden{h.name, h.id.String()})
		}
	}
	b.Table = table{Empty: "No stations."}
	return showList(s, w, v, l, b, "Stations", func(p fc.Page) ([]fc.Station, error) {
		f.Page = p
		return s.app.Stations(ctx, v.Subj, f)
	}, func(st *fc.Station) fc.ID { return st.ID }, func(sts []fc.Station) [][]cell {
		var out [][]cell
		for _, st := range sts {
			state := stationStateCells(v, &st)
			heartbeat := v.timeCell(st.LastHeartbeatAt)
			state[1].raw, state[1].hasRaw = heartbeat.raw, true
			row := append([]cell{{Text: st.Identity, Href: objectPath(fc.KindStation, st.ID)}}, state...)
			out = append(out, append(row, n.stationLocation(&st), n.cell(fc.KindAccount, st.AccountID)))
		}
		return out
	})
}

func (s *Server) stationFields(r *http.Request, v *view, st *fc.Station, create bool) ([]field, error) {
	fields := []field{{Name: "identity", Label: "OCPP identity", Value: st.Identity, Required: true, Hint: "The name the station connects with: /ocpp/{identity}."}}
	if create {
		accounts, err := s.accountOptions(r.Context(), v, st.AccountID, "– Choose –")
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{Name: "account_id", Label: "Account", Type: "select", Value: idString(st.AccountID), Options: accounts, Required: true},
			field{Name: "connectors", Label: "Connectors", Type: "number", Value: "1", Required: true})
	}
	ctx := r.Context()
	location := s.picker(ctx, v, "location_id", "Location", fc.MigrateLocations, st.LocationID, st.AccountID, "account_id")
	location.Required, location.Hint = true, "A location of the station's account: type part of its name or address and choose a suggestion."
	group := s.picker(ctx, v, "charge_group_id", "Charge group", fc.MigrateChargeGroups, st.ChargeGroupID, st.AccountID, "account_id")
	group.Required, group.Hint = true, "A charge group of the station's account: type part of its name and choose a suggestion."
	fields = append(fields, location, group,
		field{Name: "vendor", Label: "Vendor", Value: st.Vendor},
		field{Name: "model", Label: "Model", Value: st.Model},
		field{Name: "serial_number", Label: "Serial number", Value: st.SerialNumber},
		field{Name: "firmware_version", Label: "Firmware", Value: st.Firmware},
		field{Name: "connector_max_power_kw", Label: "Connector maximum (kW)", Value: kwString(st.ConnectorMaxW),
			Hint: "The most each connector delivers, with at most three decimals; empty when unknown. Load management never gives a session more."},
		field{Name: "password", Label: "New password", Type: "password", Hint: "16 to 40 characters for HTTP Basic; leave empty to keep the current one" +
			map[bool]string{true: " (a new station gets a generated one).", false: "."}[create]},
	)
	return fields, nil
}

// connectorMaxText shows a station's connector maximum.
func connectorMaxText(w int64) string {
	if w == 0 {
		return "Unknown"
	}
	return kwString(w) + " kW"
}

// stationPickers are the pickers of the station form.
var stationPickers = map[string]string{"location_id": fc.MigrateLocations, "charge_group_id": fc.MigrateChargeGroups}

func stationFrom(vals map[string][]string, st *fc.Station, fields map[string]string) {
	get := func(k string) string { return strings.TrimSpace(first(vals[k])) }
	st.Identity, st.Vendor, st.Model, st.SerialNumber, st.Firmware = get("identity"), get("vendor"), get("model"), get("serial_number"), get("firmware_version")
	st.AccountID, st.LocationID, st.ChargeGroupID = formID(vals, "account_id", fields), formID(vals, "location_id", fields), formID(vals, "charge_group_id", fields)
	st.ConnectorMaxW = wattsFrom(vals, "connector_max_power_kw", "unknown", fields)
}

func (s *Server) newStationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewStation(w, r, v, nil)
}

func (s *Server) showNewStation(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !v.can(access.StationsManage) {
		return fc.Errorf(fc.ENotFound, "no new station")
	}
	st := &fc.Station{AccountID: queryID(r, "account_id")}
	if fl != nil {
		st.AccountID, _ = fc.ParseID(fl.vals.Get("account_id"))
	}
	fields, err := s.stationFields(r, v, st, true)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "Register a station", Back: link{"/stations", "Stations"}, Forms: []*form{v.postForm("new", "/stations", "Register station", fields...)}}
	s.show(w, r, v, b.apply(fl), "detail", "Register a station", b)
	return nil
}

func (s *Server) createStation(w http.ResponseWriter, r *http.Request, v *view) error {
	var st fc.Station
	fields := map[string]string{}
	stationFrom(s.picked(r.Context(), v, r.PostForm, stationPickers, fields), &st, fields)
	connectors := formInt(r.PostForm, "connectors", fields)
	err := validated(fields)
	generated := ""
	if err == nil {
		generated, err = s.app.CreateStation(r.Context(), v.Subj, &st, r.PostFormValue("password"), connectors)
	}
	if err != nil {
		return refail(r, err, "new", func(fl *failure) error { return s.showNewStation(w, r, v, fl) })
	}
	if generated == "" {
		redirect(w, r, objectPath(fc.KindStation, st.ID), "created")
		return nil
	}
	// The generated password is shown this once; it cannot go in a redirect.
	b := &detailBody{Heading: "Station " + st.Identity + " is registered", Back: link{objectPath(fc.KindStation, st.ID), "To the station"},
		Result: []fact{{Label: "OCPP identity", Value: st.Identity}, {Label: "Password", Value: generated, Class: "secret"}}}
	b.Facts = []fact{{Label: "Note", Value: "Set this password in the station now: it is not shown again."}}
	s.show(w, r, v, http.StatusCreated, "detail", "Station registered", b)
	return nil
}

func (s *Server) stationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showStation(w, r, v, id, nil)
}

// commandForms are the remote command forms of a station, the station
// operations' (pages_operations.go) after the core commands'; now sets the
// times they propose.
func commandForms(v *view, st *fc.Station, active []fc.Session, now time.Time) []*form {
	base := objectPath(fc.KindStation, st.ID) + "/commands/"
	connectors, connectorsOr0 := connectorOptions(st, "Whole station")
	anyConnector := append([]option{{"0", "Let the station choose"}}, connectors...)
	start := v.postForm(app.CommandRemoteStart, base+app.CommandRemoteStart, "Start charging",
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: anyConnector, Value: "0"},
		field{Name: "id_tag", Label: "Card", Type: "picker", Source: "/pick?kind=" + pickKindCardTag, Required: true,
			Hint: "Type part of the card's number, its holder's name or its idTag and choose a suggestion; the station receives the card's internal ID (idTag)."})
	start.Title = "Remote start"
	sessions := sessionOptions(v, active, "")
	stop := v.postForm(app.CommandRemoteStop, base+app.CommandRemoteStop, "Stop charging",
		field{Name: "transaction_id", Label: "Session", Type: "select", Options: sessions, Required: true})
	stop.Title, stop.Class, stop.Confirm = "Remote stop", "danger", "Stop the chosen session on "+st.Identity+"?"
	if len(sessions) == 0 {
		stop.Fields[0].Options = []option{{"", "– None running –"}}
		stop.Disabled = "No session is running on this station now."
	}
	reset := v.postForm(app.CommandReset, base+app.CommandReset, "Reset",
		field{Name: "type", Label: "Kind of reset", Type: "select", Options: []option{{"Soft", "Soft: stop sessions, restart software"}, {"Hard", "Hard: reboot"}}, Value: "Soft"})
	reset.Title, reset.Class, reset.Confirm = "Reset", "danger", "Reset "+st.Identity+"? Running sessions stop."
	unlock := v.postForm(app.CommandUnlock, base+app.CommandUnlock, "Unlock",
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: connectors})
	unlock.Title, unlock.Confirm = "Unlock connector", "Unlock the chosen connector of "+st.Identity+"? A cable in it can be pulled out."
	avail := v.postForm(app.CommandChangeAvailability, base+app.CommandChangeAvailability, "Change availability",
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: connectorsOr0, Value: "0"},
		field{Name: "type", Label: "Availability", Type: "select", Options: []option{{"Operative", "Operative"}, {"Inoperative", "Inoperative"}}})
	avail.Title, avail.Confirm = "Availability", "Change the availability of "+st.Identity+"? An inoperative connector starts no session."
	forms := []*form{start, stop, reset, unlock, avail}
	if st.OCPPVersion == fc.OCPP201 {
		report := v.postForm(app.CommandGetBaseReport, base+app.CommandGetBaseReport, "Ask for the report",
			field{Name: "type", Label: "Report", Type: "select", Value: "FullInventory", Options: []option{{"FullInventory", "Full inventory"},
				{"ConfigurationInventory", "Configuration"}, {"SummaryInventory", "Summary"}}})
		report.Title = "Device model"
		report.Intro = "The station sends its device model in NotifyReport messages; it appears below once received."
		forms = append(forms, report)
	}
	return append(forms, operationForms(v, st, active, now)...)
}

func (s *Server) showStation(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	st, err := s.app.Station(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	// The state follows the station live (live.go, static/live.js).
	b := &detailBody{Heading: "Station " + st.Identity, Back: link{"/stations", "Stations"}}
	b.Result = commandAnswer(r.URL.Query())
	state := stationStateCells(v, st)
	b.Facts = []fact{{Label: "Connection", Value: state[0].Text, Class: state[0].Class, LiveOf: state[0].LiveOf, LiveField: state[0].LiveField},
		{Label: "Last heartbeat", Value: state[1].Text, LiveOf: state[1].LiveOf, LiveField: state[1].LiveField},
		{Label: "Last boot", Value: v.when(st.LastBootAt)}, n.fact("Account", fc.KindAccount, st.AccountID), n.stationLocation(st).fact("Location"),
		n.fact("Charge group", fc.KindChargeGroup, st.ChargeGroupID), {Label: "Vendor and model", Value: strings.TrimSpace(st.Vendor + " " + st.Model)},
		{Label: "Serial number", Value: st.SerialNumber}, {Label: "Firmware", Value: st.Firmware},
		{Label: "Connector maximum", Value: connectorMaxText(st.ConnectorMaxW)},
		{Label: "OCPP version", Value: or(st.OCPPVersion, "not connected yet")}}
	cps := table{Caption: "Connectors", Columns: []string{"Connector", "Status", "Error", "Since"}, Empty: "No connectors."}
	for _, cp := range st.ChargePoints {
		cps.Rows = append(cps.Rows, connectorCells(v, st.ID, cp))
	}
	b.Tables = append(b.Tables, cps)
	if err := s.stationStatusHistory(ctx, v, st, b); err != nil {
		return err
	}
	if err := s.stationOCPPTables(ctx, v, st, b); err != nil {
		return err
	}
	if err := s.stationLocalList(ctx, v, st, b); err != nil {
		return err
	}
	if err := s.stationReservations(ctx, v, st, b); err != nil {
		return err
	}
	var active []fc.Session
	if v.can(access.SessionsCardSideRead) || v.can(access.SessionsStationSideRead) {
		b.Links = append(b.Links, link{"/sessions?station_id=" + st.ID.String(), "Sessions on this station"})
		if active, err = s.app.Sessions(ctx, v.Subj, fc.SessionFilter{StationID: st.ID, ActiveOnly: true, Page: fc.Page{Limit: 20}}); err != nil {
			return err
		}
	}
	if s.canOn(ctx, v, access.StationsCommand, fc.KindStation, st.ID) {
		cmds := commandForms(v, st, active, s.cfg.Now())
		s.fillPickers(ctx, v, cmds)
		if st.Connection != fc.StationOnline {
			for _, f := range cmds {
				if f.Disabled == "" {
					f.Disabled = offlineReason
				}
			}
		}
		b.Forms = append(b.Forms, cmds...)
	}
	if s.canOn(ctx, v, access.StationsManage, fc.KindStation, st.ID) {
		fields, err := s.stationFields(r, v, st, false)
		if err != nil {
			return err
		}
		edit := v.postForm("edit", objectPath(fc.KindStation, st.ID), "Save", fields...)
		edit.Title = "Edit"
		del := v.button("delete", objectPath(fc.KindStation, st.ID)+"/delete", "Delete station", "danger")
		del.Confirm, del.Intro = "Delete station "+st.Identity+"?", "Only a station that never recorded a session can be deleted."
		b.Forms = append(b.Forms, edit, del)
	}
	s.show(w, r, v, b.apply(fl), "detail", "Station "+st.Identity, b)
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) updateStation(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	var in fc.Station
	stationFrom(s.picked(r.Context(), v, r.PostForm, stationPickers, fields), &in, fields)
	hash := ""
	if p := r.PostFormValue("password"); p != "" {
		if hash, err = app.StationPasswordHash("password", p); err != nil {
			for k, m := range fc.ErrorFields(err) {
				fields[k] = m
			}
		}
	}
	if err = validated(fields); err == nil {
		_, err = s.app.UpdateStation(r.Context(), v.Subj, id, func(st *fc.Station) error {
			st.Identity, st.LocationID, st.ChargeGroupID = in.Identity, in.LocationID, in.ChargeGroupID
			st.Vendor, st.Model, st.SerialNumber, st.Firmware = in.Vendor, in.Model, in.SerialNumber, in.Firmware
			st.ConnectorMaxW = in.ConnectorMaxW
			if hash != "" {
				st.PasswordHash = hash
			}
			return nil
		})
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindStation, id), "saved")
		return nil
	}
	return refail(r, err, "edit", func(fl *failure) error { return s.showStation(w, r, v, id, fl) })
}

func (s *Server) deleteStation(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteStation(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showStation(w, r, v, id, fl) })
	}
	redirect(w, r, "/stations", "deleted")
	return nil
}

// sendCommand sends a remote command and shows the station's answer, or
// the reason it was not sent (offline) on the command's form.
func (s *Server) sendCommand(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	name := r.PathValue("command")
	vals, fields := r.PostForm, map[string]string{}
	cmd := app.Command{Name: name, IDTag: strings.TrimSpace(vals.Get("id_tag")), Type: vals.Get("type"),
		ConnectorID: formInt(vals, "connector_id", fields), TransactionID: formID(vals, "transaction_id", fields)}
	names := readOperation(name, vals, v.Loc, &cmd, fields)
	err = validated(fields)
	var res *app.CommandResult
	if err == nil {
		res, err = s.app.SendCommand(r.Context(), v.Subj, id, cmd)
	}
	if err != nil {
		if fc.IsCode(err, fc.EConflict) {
			err = fc.Errorf(fc.EConflict, "station offline: the command was not sent. Try again when the station is connected.")
		}
		if fc.IsCode(err, fc.EUnavailable) {
			err = fc.Errorf(fc.EUnavailable, "remote commands are not available on this server")
		}
		err = onForm(name, err, names)
		return refail(r, err, name, func(fl *failure) error { return s.showStation(w, r, v, id, fl) })
	}
	http.Redirect(w, r, answerPath(v, id, res), http.StatusSeeOther)
	return nil
}

// Sessions.

func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.SessionsCardSideRead) && !v.can(access.SessionsStationSideRead) {
		return fc.Errorf(fc.ENotFound, "no sessions")
	}
	f, bad := s.sessionsFilter(r, v)
	l, err := newList(r, "/sessions", listNoun{"1 session", "%d sessions", "More than %d sessions"}, true, []listColumn{
		{Title: "Session", Sort: byID}, {Title: "Started", Sort: "started"}, {Title: "Stopped", Sort: "stopped"},
		{Title: "Minutes", Sort: "minutes"}, {Title: "kWh", Sort: "kwh"}, {Title: "Cost", Sort: "cost"}, {Title: "Card"},
		{Title: "Employee"}, {Title: "Station"}, {Title: "Location", Sort: "location_kind"}})
	if err != nil {
		return err
	}
	if l.export && len(bad) > 0 {
		return fc.Errorf(fc.EInvalid, "%s", strings.Join(bad, " "))
	}
	n := s.names(ctx, v)
	b := s.sessionList(r, v, n, f)
	if len(bad) > 0 {
		b.Filter.Error = strings.Join(bad, " ")
	}
	return showList(s, w, v, l, b, "Sessions", func(p fc.Page) ([]fc.Session, error) {
		f.Page = p
		return s.app.Sessions(ctx, v.Subj, f)
	}, func(x *fc.Session) fc.ID { return x.ID }, func(xs []fc.Session) [][]cell { return sessionRows(v, n, xs) })
}

// sessionList is the list page of sessions without its rows.
func (s *Server) sessionList(r *http.Request, v *view, n *names, f fc.SessionFilter) *listBody {
	q := r.URL.Query()
	b := &listBody{Heading: "Sessions", Intro: "Sessions made with your cards, and sessions on your stations, newest first. A foreign card on your station shows masked."}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/sessions", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "from", Label: "From", Type: "date", Value: q.Get("from")},
		{Name: "to", Label: "Until (not included)", Type: "date", Value: q.Get("to")},
		{Name: "location_kind", Label: "Location", Type: "select", Value: f.LocationKind, Options: choices("Any", fc.LocationOffice, fc.LocationHome, fc.LocationPublic)},
		{Name: "active", Label: "Running only", Type: "checkbox", Checked: f.ActiveOnly},
	}}
	ctx := r.Context()
	if v.can(access.CardsRead) {
		card := field{Name: "card", Label: "Card", Type: "picker", Source: "/pick?kind=" + fc.MigrateCards, Value: q.Get("card")}
		if card.Value == "" && f.CardID != 0 {
			card.Value = pickValue(n.get(fc.KindCard, f.CardID), f.CardID)
		}
		b.Filter.Fields = append(b.Filter.Fields, card)
	}
	if v.can(access.EmployeesRead) {
		driver := field{Name: "employee", Label: "Driver", Type: "picker", Source: "/pick?kind=" + fc.MigrateEmployees, Value: q.Get("employee")}
		if driver.Value == "" && f.EmployeeID != 0 {
			driver.Value = pickValue(n.get(fc.KindEmployee, f.EmployeeID), f.EmployeeID)
		}
		b.Filter.Fields = append(b.Filter.Fields, driver)
	}
	s.fillPickers(ctx, v, []*form{b.Filter})
	b.Presets = datePresets(r, s.cfg.Now().In(v.Loc))
	for _, h := range []struct {
		name string
		id   fc.ID
	}{{"account_id", f.AccountID}, {"station_id", f.StationID}} {
		if h.id != 0 {
			b.Filter.Hidden = append(b.Filter.Hidden, hidden{h.name, h.id.String()})
		}
	}
	b.Table = table{Empty: "No sessions."}
	return b
}

// sessionRows draws sessions as rows of the list.
func sessionRows(v *view, n *names, xs []fc.Session) [][]cell {
	cardAccounts, stationAccounts, employees, stations := map[fc.ID]bool{}, map[fc.ID]bool{}, map[fc.ID]bool{}, map[fc.ID]bool{}
	for i := range xs {
		if !xs[i].CardMasked && xs[i].EmployeeID != 0 {
			cardAccounts[xs[i].CardAccountID], employees[xs[i].EmployeeID] = true, true
		}
		if xs[i].StationID != 0 {
			stationAccounts[xs[i].StationAccountID], stations[xs[i].StationID] = true, true
		}
	}
	if v.can(access.EmployeesRead) {
		n.prefetch(fc.KindEmployee, cardAccounts, len(employees))
	}
	n.prefetch(fc.KindStation, stationAccounts, len(stations))
	var out [][]cell
	for i := range xs {
		x := &xs[i]
		card := cell{Text: x.ExternalID}
		if !x.CardMasked && x.CardID != 0 {
			card.Href = objectPath(fc.KindCard, x.CardID)
		}
		employee := cell{Text: "–"}
		if x.CardMasked {
			employee.Text = "(foreign card)"
		} else if x.EmployeeID != 0 {
			employee = n.cell(fc.KindEmployee, x.EmployeeID)
		}
		station := n.sessionStation(x)
		stopped := rawCell("running", "")
		if x.StoppedAt != nil {
			stopped = v.timeCell(x.StoppedAt)
		}
		out = append(out, []cell{{Text: x.ID.String(), Href: objectPath(fc.KindSession, x.ID)}, v.timeCell(x.StartedAt),
			stopped, {Text: strconv.FormatInt(x.DurationSeconds/60, 10), Class: "num"}, {Text: energyText(x.EnergyWh), Class: "num"},
			{Text: money(x.CostMinor, x.Currency), Class: "num"}, card, employee, station, {Text: x.LocationKind}})
	}
	return out
}

// energyText shows Wh as kWh with three decimals.
func energyText(wh int64) string { return fmt.Sprintf("%d.%03d", wh/1000, wh%1000) }

// money shows an amount in minor units with its currency.
func money(minor int64, currency string) string {
	if currency == "" {
		return "–"
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, currency)
}

func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.app.Session(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: "Session " + x.ID.String(), Back: link{"/sessions", "Sessions"}}
	stopped := "running"
	if x.StoppedAt != nil {
		stopped = v.when(x.StoppedAt)
	}
	card := fact{Label: "Card", Value: x.ExternalID}
	if !x.CardMasked && x.CardID != 0 {
		card.Href = objectPath(fc.KindCard, x.CardID)
	}
	b.Facts = []fact{{Label: "Started", Value: v.when(x.StartedAt)}, {Label: "Stopped", Value: stopped}, {Label: "Stop reason", Value: x.StopReason},
		{Label: "Minutes", Value: strconv.FormatInt(x.DurationSeconds/60, 10)}, {Label: "Energy (kWh)", Value: energyText(x.EnergyWh)},
		{Label: "Cost", Value: money(x.CostMinor, x.Currency)}, card}
	if x.CardMasked {
		b.Facts = append(b.Facts, fact{Label: "Driver", Value: "A card of another customer: its driver is not shown."})
	} else {
		b.Facts = append(b.Facts, n.fact("Employee", fc.KindEmployee, x.EmployeeID), n.fact("Card account", fc.KindAccount, x.CardAccountID))
	}
	if x.StationID != 0 {
		b.Facts = append(b.Facts, n.fact("Station", fc.KindStation, x.StationID), fact{Label: "Connector", Value: strconv.Itoa(x.ConnectorID)},
			n.fact("Station account", fc.KindAccount, x.StationAccountID))
	}
	b.Facts = append(b.Facts, fact{Label: "Location", Value: strings.TrimSpace(x.LocationKind + " " + x.LocationName)}, fact{Label: "Source", Value: x.Source})
	// The curve is the station side's: shown on a masked session too.
	samples, err := s.app.SessionMeterValues(ctx, v.Subj, x.ID)
	if err != nil {
		return err
	}
	b.Curve = newCurveChart(ctx, x, samples, v.Loc)
	allocs, err := s.app.SessionAllocations(ctx, v.Subj, x.ID)
	if err != nil {
		return err
	}
	if len(allocs) > 0 {
		b.Tables = append(b.Tables, allocationTable(v, allocs))
	}
	if len(x.SignedMeterData) > 0 {
		b.Facts = append(b.Facts, fact{Label: "Signed meter readings", Value: strconv.Itoa(len(x.SignedMeterData)) + " (OCMF, as the station sent them: signed_meter_data in the API)"})
	}
	s.show(w, r, v, http.StatusOK, "detail", "Session "+x.ID.String(), b)
	return nil
}

// statusHistoryRows bounds the status history a station page shows.
const statusHistoryRows = 50

// stationStatusHistory adds the station's latest connector status reports,
// with the vendors' error codes, to its page, which has read the station.
func (s *Server) stationStatusHistory(ctx context.Context, v *view, st *fc.Station, b *detailBody) error {
	hs, ok := s.app.Store.(fc.StatusHistoryStore)
	if !ok {
		return nil
	}
	reports, err := hs.StatusHistory(ctx, st.ID, statusHistoryRows)
	if err != nil {
		return err
	}
	t := table{Caption: "Status history (latest " + strconv.Itoa(statusHistoryRows) + ")",
		Columns: []string{"At", "Connector", "Status", "Error", "Vendor error", "Info"}, Empty: "No status reported yet."}
	for _, r := range reports {
		connector := strconv.Itoa(r.ConnectorID)
		if r.ConnectorID == 0 {
			connector = "station"
		}
		vendor := r.VendorErrorCode
		if r.VendorID != "" && vendor != "" {
			vendor += " (" + r.VendorID + ")"
		}
		t.Rows = append(t.Rows, []cell{{Text: v.when(r.At)}, {Text: connector}, {Text: r.Status, Class: "cp-" + strings.ToLower(r.Status)},
			{Text: r.ErrorCode}, {Text: vendor}, {Text: r.Info}})
	}
	b.Tables = append(b.Tables, t)
	return nil
}

// stationOCPPTables adds what an OCPP 2.0.1 station reported of itself to
// its page: its device model (from NotifyReport, after a get-base-report)
// and its security events.
func (s *Server) stationOCPPTables(ctx context.Context, v *view, st *fc.Station, b *detailBody) error {
	events, err := s.app.StationSecurityEvents(ctx, v.Subj, st.ID, 50)
	if err != nil {
		return err
	}
	model, err := s.app.StationDeviceModel(ctx, v.Subj, st.ID)
	if err != nil {
		return err
	}
	gaps, err := s.app.StationSeqGaps(ctx, v.Subj, st.ID)
	if err != nil {
		return err
	}
	if st.OCPPVersion != fc.OCPP201 && len(events) == 0 && len(model) == 0 && len(gaps) == 0 {
		return nil
	}
	if len(gaps) > 0 {
		gt := table{Caption: "Transactions with events missing", Columns: []string{"Session", "Transaction", "Connector", "Started", "Events missing"}}
		for _, x := range gaps {
			gt.Rows = append(gt.Rows, []cell{{Text: x.ID.String(), Href: objectPath(fc.KindSession, x.ID)}, {Text: x.StationTxID},
				{Text: strconv.Itoa(x.ConnectorID)}, {Text: v.when(x.StartedAt)}, {Text: strconv.Itoa(x.SeqGaps)}})
		}
		b.Tables = append(b.Tables, gt)
	}
	sec := table{Caption: "Security events", Columns: []string{"When", "Type", "Technical information"}, Empty: "No security event reported."}
	for _, e := range events {
		sec.Rows = append(sec.Rows, []cell{{Text: v.when(e.At)}, {Text: e.Type}, {Text: e.TechInfo}})
	}
	dm := table{Caption: "Device model", Columns: []string{"Component", "EVSE", "Variable", "Attribute", "Value", "Unit", "Mutability"},
		Empty: "No device model reported yet: send the station a get-base-report."}
	for _, d := range model {
		evse, value := "", ""
		if d.EVSEID > 0 {
			evse = strconv.Itoa(d.EVSEID)
			if d.ConnectorID > 0 {
				evse += "/" + strconv.Itoa(d.ConnectorID)
			}
		}
		if d.Value != nil {
			value = *d.Value
		}
		dm.Rows = append(dm.Rows, []cell{{Text: joinNonEmpty(d.Component, d.ComponentInstance)}, {Text: evse},
			{Text: joinNonEmpty(d.Variable, d.VariableInstance)}, {Text: d.AttributeType}, {Text: value}, {Text: d.Unit}, {Text: d.Mutability}})
	}
	b.Tables = append(b.Tables, sec, dm)
	return nil
}

// joinNonEmpty names a component or variable with its instance, if any.
func joinNonEmpty(name, instance string) string {
	if instance == "" {
		return name
	}
	return name + " (" + instance + ")"
}
