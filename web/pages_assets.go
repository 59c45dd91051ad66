package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// assetRoutes registers the pages of employees, cards, locations and
// charge groups.
func (s *Server) assetRoutes() {
	s.handle("GET /employees", s.employeesPage)
	s.handle("GET /employees/new", s.newEmployeePage)
	s.handle("POST /employees", s.createEmployee)
	s.handle("GET /employees/{id}", s.employeePage)
	s.handle("POST /employees/{id}", s.updateEmployee)
	s.handle("POST /employees/{id}/delete", s.deleteEmployee)
	s.handle("GET /cards", s.cardsPage)
	s.handle("GET /cards/new", s.newCardPage)
	s.handle("POST /cards", s.createCard)
	s.handle("GET /cards/{id}", s.cardPage)
	s.handle("POST /cards/{id}", s.updateCard)
	s.handle("POST /cards/{id}/status", s.setCardStatus)
	s.handle("POST /cards/{id}/delete", s.deleteCard)
	s.handle("GET /locations", s.locationsPage)
	s.handle("GET /locations/new", s.newLocationPage)
	s.handle("POST /locations", s.createLocation)
	s.handle("GET /locations/{id}", s.locationPage)
	s.handle("POST /locations/{id}", s.updateLocation)
	s.handle("POST /locations/{id}/delete", s.deleteLocation)
	s.groupRoutes()
	s.pickRoute()
	s.bulkRoutes()
	s.listExportRoutes()
	s.importRoutes()
}

// created redirects to a new object's page, or draws the new-object page
// again with the error.
func created(w http.ResponseWriter, r *http.Request, err error, path string, show func(*failure) error) error {
	if err == nil {
		redirect(w, r, path, "created")
		return nil
	}
	return refail(r, err, "new", show)
}

// validated returns fields as an invalid-input error, or nil for none.
func validated(fields map[string]string) error {
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// Employees.

func (s *Server) employeesPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.EmployeesRead) {
		return fc.Errorf(fc.ENotFound, "no employees")
	}
	q := r.URL.Query()
	f := fc.EmployeeFilter{AccountID: queryID(r, "account_id"), Search: strings.TrimSpace(q.Get("search"))}
	switch q.Get("active") {
	case "yes":
		f.Active = new(bool)
		*f.Active = true
	case "no":
		f.Active = new(bool)
	}
	l, err := newList(r, "/employees", listNoun{"1 employee", "%d employees", "More than %d employees"}, false, []listColumn{
		{Title: "Name", Sort: "name"}, {Title: "E-mail", Sort: "email"}, {Title: "Number", Sort: "number"}, {Title: "Account"},
		{Title: "Active", Sort: "active"}})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &listBody{Heading: "Employees"}
	if v.can(access.EmployeesManage) {
		b.Actions = []link{{"/employees/new", "New employee"}, {"/imports/employees", "Import from CSV"}}
	}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/employees", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "search", Label: "Name or e-mail", Value: f.Search},
		{Name: "active", Label: "Active", Type: "select", Value: q.Get("active"), Options: []option{{"", "Any"}, {"yes", "Active"}, {"no", "Not active"}}},
	}}
	if f.AccountID != 0 {
		b.Filter.Hidden = []hidden{{"account_id", f.AccountID.String()}}
		b.Intro = "Of " + n.get(fc.KindAccount, f.AccountID) + "."
	}
	b.Table = table{Empty: "No employees."}
	return showList(s, w, v, l, b, "Employees", func(p fc.Page) ([]fc.Employee, error) {
		f.Page = p
		return s.app.Employees(ctx, v.Subj, f)
	}, func(e *fc.Employee) fc.ID { return e.ID }, func(es []fc.Employee) [][]cell {
		var out [][]cell
		for _, e := range es {
			out = append(out, []cell{{Text: e.Name, Href: objectPath(fc.KindEmployee, e.ID)}, {Text: e.Email},
				{Text: e.EmployeeNumber}, n.cell(fc.KindAccount, e.AccountID), {Text: yesNo(e.Active)}})
		}
		return out
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *Server) employeeFields(r *http.Request, v *view, e *fc.Employee) ([]field, error) {
	accounts, err := s.accountOptions(r.Context(), v, e.AccountID, "– Choose –")
	if err != nil {
		return nil, err
	}
	return []field{
		{Name: "name", Label: "Name", Value: e.Name, Required: true},
		{Name: "email", Label: "E-mail", Type: "email", Value: e.Email},
		{Name: "employee_number", Label: "Employee number", Value: e.EmployeeNumber},
		{Name: "account_id", Label: "Account", Type: "select", Value: idString(e.AccountID), Options: accounts, Required: true},
		{Name: "active", Label: "Active", Type: "checkbox", Checked: e.Active},
	}, nil
}

func (s *Server) newEmployeePage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewEmployee(w, r, v, nil)
}

func (s *Server) showNewEmployee(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !v.can(access.EmployeesManage) {
		return fc.Errorf(fc.ENotFound, "no new employee")
	}
	fields, err := s.employeeFields(r, v, &fc.Employee{Active: true, AccountID: queryID(r, "account_id")})
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "New employee", Back: link{"/employees", "Employees"},
		Forms: []*form{v.postForm("new", "/employees", "Create employee", fields...)}}
	s.show(w, r, v, b.apply(fl), "detail", "New employee", b)
	return nil
}

func employeeFrom(vals map[string][]string, e *fc.Employee, fields map[string]string) {
	get := func(k string) string { return strings.TrimSpace(first(vals[k])) }
	e.Name, e.Email, e.EmployeeNumber = get("name"), get("email"), get("employee_number")
	e.AccountID = formID(vals, "account_id", fields)
	e.Active = get("active") != ""
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func (s *Server) createEmployee(w http.ResponseWriter, r *http.Request, v *view) error {
	var e fc.Employee
	fields := map[string]string{}
	employeeFrom(r.PostForm, &e, fields)
	err := validated(fields)
	if err == nil {
		err = s.app.CreateEmployee(r.Context(), v.Subj, &e)
	}
	return created(w, r, err, objectPath(fc.KindEmployee, e.ID), func(fl *failure) error { return s.showNewEmployee(w, r, v, fl) })
}

func (s *Server) employeePage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showEmployee(w, r, v, id, nil)
}

func (s *Server) showEmployee(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	e, err := s.app.Employee(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: e.Name, Back: link{"/employees", "Employees"}}
	b.Facts = []fact{{Label: "E-mail", Value: e.Email}, {Label: "Employee number", Value: e.EmployeeNumber},
		n.fact("Account", fc.KindAccount, e.AccountID), {Label: "Active", Value: yesNo(e.Active)}}
	if v.can(access.CardsRead) {
		cards, err := s.app.Cards(ctx, v.Subj, fc.CardFilter{EmployeeID: e.ID, Page: fc.Page{Limit: pageSize}})
		if err != nil {
			return err
		}
		t := table{Caption: "Cards", Columns: []string{"External ID", "Status"}, Empty: "No cards."}
		for _, c := range cards {
			t.Rows = append(t.Rows, []cell{{Text: c.ExternalID, Href: objectPath(fc.KindCard, c.ID)}, {Text: c.Status, Class: "status-" + c.Status}})
		}
		b.Tables = append(b.Tables, t)
	}
	if v.can(access.SessionsCardSideRead) {
		b.Links = append(b.Links, link{"/sessions?employee_id=" + e.ID.String(), "Sessions of this employee"})
	}
	if s.canOn(ctx, v, access.EmployeesManage, fc.KindEmployee, e.ID) {
		fields, err := s.employeeFields(r, v, e)
		if err != nil {
			return err
		}
		edit := v.postForm("edit", objectPath(fc.KindEmployee, e.ID), "Save", fields...)
		edit.Title = "Edit"
		del := v.button("delete", objectPath(fc.KindEmployee, e.ID)+"/delete", "Delete employee", "danger")
		del.Confirm, del.Intro = "Delete "+e.Name+"?", "Only an employee without cards, home or history can be deleted; otherwise mark it not active."
		b.Forms = []*form{edit, del}
		if e.Active {
			b.Forms = append(b.Forms, inviteForm(v, e))
		}
		if v.can(access.CardsManage) {
			b.Links = append(b.Links, link{"/cards/new?account_id=" + e.AccountID.String() + "&employee_id=" + e.ID.String(), "Issue a card to this employee"})
		}
	}
	s.show(w, r, v, b.apply(fl), "detail", e.Name, b)
	return nil
}

func (s *Server) updateEmployee(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	var in fc.Employee
	employeeFrom(r.PostForm, &in, fields)
	if err = validated(fields); err == nil {
		_, err = s.app.UpdateEmployee(r.Context(), v.Subj, id, func(e *fc.Employee) error {
			e.Name, e.Email, e.EmployeeNumber, e.AccountID, e.Active = in.Name, in.Email, in.EmployeeNumber, in.AccountID, in.Active
			return nil
		})
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindEmployee, id), "saved")
		return nil
	}
	return refail(r, err, "edit", func(fl *failure) error { return s.showEmployee(w, r, v, id, fl) })
}

func (s *Server) deleteEmployee(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteEmployee(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showEmployee(w, r, v, id, fl) })
	}
	redirect(w, r, "/employees", "deleted")
	return nil
}

// Cards.

func (s *Server) cardsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.listCards(w, r, v, nil, nil, nil)
}

// listCards draws the cards list; a refused bulk action (pages_bulk.go)
// draws it again with its posted values and error. only, when not nil, is
// the cards chosen for the bulk export: the list (its export) has those of
// them the user may read, whatever the filters of the request.
func (s *Server) listCards(w http.ResponseWriter, r *http.Request, v *view, posted url.Values, bulkErr error, only []fc.ID) error {
	ctx := r.Context()
	if !v.can(access.CardsRead) {
		return fc.Errorf(fc.ENotFound, "no cards")
	}
	q := r.URL.Query()
	f := fc.CardFilter{AccountID: queryID(r, "account_id"), EmployeeID: queryID(r, "employee_id"), Status: q.Get("status"),
		Search: strings.TrimSpace(q.Get("search"))}
	// ?expiring=N: the cards whose last valid day is within N days (the
	// start page's count links here).
	if raw := strings.TrimSpace(q.Get("expiring")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return fc.Invalid(map[string]string{"expiring": "must be a number of days from 1 to 3660"})
		}
		f.ExpiringDays = n
	}
	if only != nil {
		f = fc.CardFilter{IDs: only}
	}
	manage := v.can(access.CardsManage)
	cols := []listColumn{{Title: "External ID", Sort: "external_id"}, {Title: "Internal ID", Sort: "internal_id"},
		{Title: "Status", Sort: "status"}, {Title: "Account"}, {Title: "Employee"}, {Title: "Valid until", Sort: "valid_until"},
		{Title: "Last used", Sort: "last_used"}}
	if manage {
		cols = append([]listColumn{{Title: "Choose", NoCSV: true}}, append(cols, listColumn{Title: "Action", NoCSV: true})...)
	}
	l, err := newList(r, "/cards", listNoun{"1 card", "%d cards", "More than %d cards"}, false, cols)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &listBody{Heading: "Cards"}
	// Actions on a card come back to the list as it is now.
	keep := r.URL.Query()
	keep.Del("done")
	back := "/cards"
	if len(keep) > 0 {
		back += "?" + keep.Encode()
	}
	if manage {
		b.Actions = []link{{"/cards/new", "Issue a card"}, {"/imports/cards", "Import from CSV"}}
	}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/cards", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "search", Label: "Card ID, employee name, e-mail or number", Value: f.Search},
		{Name: "status", Label: "Status", Type: "select", Value: f.Status, Options: choices("Any", fc.CardActive, fc.CardInactive, fc.CardDeactivated)},
	}}
	for _, h := range []struct {
		name string
		id   fc.ID
	}{{"account_id", f.AccountID}, {"employee_id", f.EmployeeID}} {
		if h.id != 0 {
			b.Filter.Hidden = append(b.Filter.Hidden, hidden{h.name, h.id.String()})
		}
	}
	if f.AccountID != 0 {
		b.Intro = "Of " + n.get(fc.KindAccount, f.AccountID) + "."
	}
	if f.ExpiringDays > 0 {
		b.Filter.Hidden = append(b.Filter.Hidden, hidden{"expiring", strconv.Itoa(f.ExpiringDays)})
		b.Intro = strings.TrimSpace(b.Intro + " " + fmt.Sprintf("Cards that expire within %d days.", f.ExpiringDays))
	}
	read := func(p fc.Page) ([]fc.Card, error) {
		f.Page = p
		return s.app.Cards(ctx, v.Subj, f)
	}
	rows := func(cards []fc.Card) [][]cell {
		accounts, employing, employees := map[fc.ID]bool{}, map[fc.ID]bool{}, map[fc.ID]bool{}
		for _, c := range cards {
			accounts[c.AccountID] = true
			if c.EmployeeID != 0 {
				employing[c.AccountID], employees[c.EmployeeID] = true, true
			}
		}
		n.prefetchAccounts(accounts)
		n.prefetch(fc.KindEmployee, employing, len(employees))
		var out [][]cell
		for _, c := range cards {
			row := []cell{{Text: c.ExternalID, Href: objectPath(fc.KindCard, c.ID)}, {Text: c.InternalID, Class: "mono"},
				{Text: c.Status, Class: "status-" + c.Status}, n.cell(fc.KindAccount, c.AccountID), n.cell(fc.KindEmployee, c.EmployeeID),
				{Text: c.ValidUntil}, v.timeCell(c.LastUsedAt)}
			if manage {
				act, choose := cell{}, cell{}
				if n.may(access.CardsManage, c.AccountID) {
					act.Form = cardStatusButton(v, &c, back)
					choose = bulkCheck(&c)
					choose.Check.Checked = slices.Contains(posted["card"], c.ID.String())
				}
				row = append(append([]cell{choose}, row...), act)
			}
			out = append(out, row)
		}
		return out
	}
	cardID := func(c *fc.Card) fc.ID { return c.ID }
	if l.export {
		return exportList(s, w, l, "cards", read, cardID, rows)
	}
	cards, err := read(l.page())
	if err != nil {
		return err
	}
	cards, more := onePage(r, cards)
	b.Table = table{Columns: titles(cols), Rows: rows(cards), Empty: "No cards."}
	first, last := firstLast(cards, cardID)
	l.finish(b, len(cards), first, last, more)
	status := http.StatusOK
	if manage && len(cards) > 0 {
		b.Bulk = bulkCardsForm(v, back)
		if bulkErr != nil {
			b.Bulk.fill(posted)
			status = b.Bulk.fail(bulkErr)
		}
	}
	s.show(w, r, v, status, "list", "Cards", b)
	return nil
}

// cardStatusButton is the block or unblock button of a card; nil for a
// deactivated card, which stays so.
func cardStatusButton(v *view, c *fc.Card, back string) *form {
	action := objectPath(fc.KindCard, c.ID) + "/status"
	switch c.Status {
	case fc.CardActive:
		return v.button("block-"+c.ID.String(), action, "Block", "secondary", hidden{"status", fc.CardInactive}, hidden{"back", back})
	case fc.CardInactive:
		return v.button("unblock-"+c.ID.String(), action, "Unblock", "secondary", hidden{"status", fc.CardActive}, hidden{"back", back})
	}
	return nil
}

func (s *Server) cardFields(r *http.Request, v *view, c *fc.Card) ([]field, error) {
	accounts, err := s.accountOptions(r.Context(), v, c.AccountID, "– Choose –")
	if err != nil {
		return nil, err
	}
	fields := []field{
		{Name: "external_id", Label: "External ID", Value: c.ExternalID, Required: true, Hint: "The number printed on the card."},
		{Name: "internal_id", Label: "Internal ID", Value: c.InternalID, Required: true, Hint: "The RFID UID, which stations report as the idTag."},
		{Name: "account_id", Label: "Account", Type: "select", Value: idString(c.AccountID), Options: accounts, Required: true},
	}
	employee := s.picker(r.Context(), v, "employee_id", "Employee", fc.MigrateEmployees, c.EmployeeID, c.AccountID, "account_id")
	employee.Hint = "Optional: the employee the card is for. Type part of the name, e-mail or number and choose a suggestion."
	fields = append(fields, employee)
	fields = append(fields, field{Name: "status", Label: "Status", Type: "select", Value: c.Status,
		Options: choices("", fc.CardActive, fc.CardInactive, fc.CardDeactivated), Hint: "Inactive blocks the card for now; deactivated for good."},
		field{Name: "valid_until", Label: "Valid until", Type: "date", Value: c.ValidUntil,
			Hint: "Optional: the card's last valid day. From the next day on, stations refuse it as expired."})
	return fields, nil
}

func (s *Server) newCardPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewCard(w, r, v, nil)
}

func (s *Server) showNewCard(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !v.can(access.CardsManage) {
		return fc.Errorf(fc.ENotFound, "no new card")
	}
	c := &fc.Card{Status: fc.CardActive, AccountID: queryID(r, "account_id"), EmployeeID: queryID(r, "employee_id")}
	if fl != nil {
		c.AccountID, _ = fc.ParseID(fl.vals.Get("account_id"))
	}
	fields, err := s.cardFields(r, v, c)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "Issue a card", Back: link{"/cards", "Cards"}, Forms: []*form{v.postForm("new", "/cards", "Issue card", fields...)}}
	s.show(w, r, v, b.apply(fl), "detail", "Issue a card", b)
	return nil
}

// cardPickers are the pickers of the card form.
var cardPickers = map[string]string{"employee_id": fc.MigrateEmployees}

func cardFrom(vals map[string][]string, c *fc.Card, fields map[string]string) {
	c.ExternalID, c.InternalID = strings.TrimSpace(first(vals["external_id"])), strings.TrimSpace(first(vals["internal_id"]))
	c.AccountID, c.EmployeeID = formID(vals, "account_id", fields), formID(vals, "employee_id", fields)
	c.Status = first(vals["status"])
	c.ValidUntil = strings.TrimSpace(first(vals["valid_until"]))
}

func (s *Server) createCard(w http.ResponseWriter, r *http.Request, v *view) error {
	var c fc.Card
	fields := map[string]string{}
	cardFrom(s.picked(r.Context(), v, r.PostForm, cardPickers, fields), &c, fields)
	err := validated(fields)
	if err == nil {
		err = s.app.CreateCard(r.Context(), v.Subj, &c)
	}
	return created(w, r, err, objectPath(fc.KindCard, c.ID), func(fl *failure) error { return s.showNewCard(w, r, v, fl) })
}

func (s *Server) cardPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showCard(w, r, v, id, nil)
}

func (s *Server) showCard(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	c, err := s.app.Card(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: "Card " + c.ExternalID, Back: link{"/cards", "Cards"}}
	b.Facts = []fact{{Label: "External ID", Value: c.ExternalID}, {Label: "Internal ID", Value: c.InternalID, Class: "mono"},
		{Label: "Status", Value: c.Status, Class: "status-" + c.Status}, n.fact("Account", fc.KindAccount, c.AccountID),
		n.fact("Employee", fc.KindEmployee, c.EmployeeID), {Label: "Last used", Value: v.when(c.LastUsedAt)}, {Label: "Issued", Value: v.when(c.CreatedAt)}}
	if c.ValidUntil != "" {
		b.Facts = append(b.Facts, fact{Label: "Valid until", Value: c.ValidUntil})
	}
	if v.can(access.SessionsCardSideRead) {
		b.Links = append(b.Links, link{"/sessions?card_id=" + c.ID.String(), "Sessions with this card"})
	}
	if err := s.cardReservations(ctx, v, c, b); err != nil {
		return err
	}
	if v.can(access.MigrationsRun) {
		b.Links = append(b.Links, link{"/migrations?kind=cards&ids=" + c.ID.String(), "Move to another account…"})
	}
	if s.canOn(ctx, v, access.CardsManage, fc.KindCard, c.ID) {
		if btn := cardStatusButton(v, c, objectPath(fc.KindCard, c.ID)); btn != nil {
			btn.ID = "status"
			b.Forms = append(b.Forms, btn)
		}
		fields, err := s.cardFields(r, v, c)
		if err != nil {
			return err
		}
		edit := v.postForm("edit", objectPath(fc.KindCard, c.ID), "Save", fields...)
		edit.Title = "Edit"
		del := v.button("delete", objectPath(fc.KindCard, c.ID)+"/delete", "Delete card", "danger")
		del.Confirm, del.Intro = "Delete card "+c.ExternalID+"?", "Only a card that was never used can be deleted; otherwise deactivate it."
		b.Forms = append(b.Forms, edit, del)
	}
	s.show(w, r, v, b.apply(fl), "detail", "Card "+c.ExternalID, b)
	return nil
}

func (s *Server) updateCard(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	var in fc.Card
	cardFrom(s.picked(r.Context(), v, r.PostForm, cardPickers, fields), &in, fields)
	if err = validated(fields); err == nil {
		_, err = s.app.UpdateCard(r.Context(), v.Subj, id, func(c *fc.Card) error {
			c.ExternalID, c.InternalID, c.AccountID, c.EmployeeID, c.Status = in.ExternalID, in.InternalID, in.AccountID, in.EmployeeID, in.Status
			c.ValidUntil = in.ValidUntil
			return nil
		})
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindCard, id), "saved")
		return nil
	}
	return refail(r, err, "edit", func(fl *failure) error { return s.showCard(w, r, v, id, fl) })
}

// setCardStatus blocks (inactive) or unblocks (active) a card.
func (s *Server) setCardStatus(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	status := r.PostFormValue("status")
	if status != fc.CardActive && status != fc.CardInactive {
		return fc.Errorf(fc.EInvalid, "a card is blocked (inactive) or unblocked (active)")
	}
	_, err = s.app.UpdateCard(r.Context(), v.Subj, id, func(c *fc.Card) error {
		if c.Status == fc.CardDeactivated {
			return fc.Errorf(fc.EUnprocessable, "the card is deactivated for good: it cannot be blocked or unblocked")
		}
		c.Status = status
		return nil
	})
	if err != nil {
		return refail(r, err, "status", func(fl *failure) error { return s.showCard(w, r, v, id, fl) })
	}
	back := localPath(r.PostFormValue("back"))
	done := "blocked"
	if status == fc.CardActive {
		done = "unblocked"
	}
	redirect(w, r, back, done)
	return nil
}

func (s *Server) deleteCard(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteCard(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showCard(w, r, v, id, fl) })
	}
	redirect(w, r, "/cards", "deleted")
	return nil
}
