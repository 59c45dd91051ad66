package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/auth"
)

// appRoutes registers the signed-in pages.
func (s *Server) appRoutes() {
	s.handle("GET /organizations", s.organizationsPage)
	s.handle("POST /organizations", s.createOrganization)
	s.handle("GET /organizations/{id}", s.organizationPage)
	s.handle("POST /organizations/{id}", s.updateOrganization)
	s.handle("POST /organizations/{id}/delete", s.deleteOrganization)
	s.handle("GET /accounts", s.accountsPage)
	s.handle("GET /accounts/new", s.newAccountPage)
	s.handle("POST /accounts", s.createAccount)
	s.handle("GET /accounts/{id}", s.accountPage)
	s.handle("POST /accounts/{id}", s.updateAccount)
	s.handle("POST /accounts/{id}/delete", s.deleteAccount)
	s.assetRoutes()
	s.stationRoutes()
	s.userRoutes()
	s.migrationRoutes()
	s.jobRoutes()
	s.roamingRoutes()
	s.providerRoutes()
	s.reimbursementRoutes()
	s.invoiceRoutes()
	s.driverRoutes()
	s.eventRoutes()
}

// home is the start page: the product for visitors, the dashboard for a
// signed-in user.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth != nil && s.app != nil {
		if ws, _, err := s.cfg.Auth.Session(r); err == nil && ws.Stage == auth.StageActive {
			s.signedIn(s.viewHandler(s.dashboard))(w, r)
			return
		}
	}
	s.render(w, r, "home", &page{Title: "fleetcharge"})
}

// dashboardBody is the signed-in start page.
type dashboardBody struct {
	Name   string
	Roles  []string
	Facts  []fact
	Scopes table
	Glance *dashboardGlance // dashboard.go
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, v *view) error {
	if onlyDriver(v.Full) {
		http.Redirect(w, r, "/my", http.StatusSeeOther) // a driver starts at its own portal
		return nil
	}
	me, err := s.app.Me(r.Context(), v.Subj)
	if err != nil {
		return err
	}
	b := &dashboardBody{Name: v.User.Name}
	if b.Glance, err = s.glance(r, v); err != nil {
		return err
	}
	if b.Name == "" {
		b.Name = v.User.Email
	}
	for _, role := range me.Roles {
		b.Roles = append(b.Roles, titleCase(string(role)))
	}
	if c := me.Counts; c != nil {
		count := func(label string, n int64, href string, p ...access.Permission) {
			for _, x := range p {
				if v.can(x) {
					b.Facts = append(b.Facts, fact{Label: label, Value: strconv.FormatInt(n, 10), Href: href})
					return
				}
			}
		}
		count("Organizations", c.Organizations, "/organizations", access.OrganizationsRead)
		count("Accounts", c.Accounts, "/accounts", access.AccountsRead)
		count("Cards", c.Cards, "/cards", access.CardsRead)
		count("Stations", c.Stations, "/stations", access.StationsRead, access.StationsHomeRead)
	}
	b.Scopes = table{Caption: "Where you hold roles", Columns: []string{"Scope", "Roles", "Switch"}}
	for _, h := range me.Scopes {
		value := "all"
		switch h.Kind {
		case fc.ScopeOrganization:
			value = "org:" + h.ID.String()
		case fc.ScopeAccount:
			value = "account:" + h.ID.String()
		}
		var roles []string
		for _, role := range h.Roles {
			roles = append(roles, titleCase(string(role)))
		}
		b.Scopes.Rows = append(b.Scopes.Rows, []cell{
			{Text: titleCase(h.Kind) + " " + h.Name}, {Text: strings.Join(roles, ", ")},
			{Text: "View only this", Href: "/?scope=" + value},
		})
	}
	s.show(w, r, v, http.StatusOK, "home", "Start", b)
	return nil
}

// treeNode is one organization of the tree page.
type treeNode struct {
	Org      fc.Organization
	Accounts int
	Children []*treeNode
	Open     bool
}

// Total counts the organizations under the node.
func (n *treeNode) Total() int {
	t := len(n.Children)
	for _, c := range n.Children {
		t += c.Total()
	}
	return t
}

// treeBody is the organization tree page.
type treeBody struct {
	Search  string
	Roots   []*treeNode
	Matches table
	Create  *form
	Count   int
	Capped  bool
	Export  string // the organizations as CSV (lists.go)
}

// treeLimit bounds the organizations the tree page loads.
const treeLimit = 5000

func (s *Server) organizationsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showOrganizations(w, r, v, http.StatusOK, nil)
}

func (s *Server) showOrganizations(w http.ResponseWriter, r *http.Request, v *view, status int, create *form) error {
	ctx := r.Context()
	if !v.can(access.OrganizationsRead) {
		return fc.Errorf(fc.ENotFound, "no organizations")
	}
	b := &treeBody{Search: strings.TrimSpace(r.URL.Query().Get("search"))}
	var orgs []fc.Organization
	f := fc.OrganizationFilter{Search: b.Search, Page: fc.Page{Limit: fc.MaxPageSize}}
	for len(orgs) < treeLimit {
		batch, err := s.app.Organizations(ctx, v.Subj, f)
		if err != nil {
			return err
		}
		orgs = append(orgs, batch...)
		if len(batch) < f.Limit {
			break
		}
		f.After = batch[len(batch)-1].ID
	}
	b.Capped, b.Count = len(orgs) >= treeLimit, len(orgs)
	if b.Search != "" {
		b.Matches = table{Caption: "Organizations matching “" + b.Search + "”", Columns: []string{"Organization", "Country"},
			Empty: "No organization has a name like this."}
		for _, o := range orgs {
			b.Matches.Rows = append(b.Matches.Rows, []cell{{Text: strings.Join(o.Path, " / "), Href: objectPath(fc.KindOrganization, o.ID)}, {Text: o.Country}})
		}
	} else {
		accounts := map[fc.ID]int{}
		if v.can(access.AccountsRead) {
			af := fc.AccountFilter{Page: fc.Page{Limit: fc.MaxPageSize}}
			for n := 0; n < treeLimit; {
				batch, err := s.app.Accounts(ctx, v.Subj, af)
				if err != nil {
					return err
				}
				for _, a := range batch {
					accounts[a.OrganizationID]++
				}
				n += len(batch)
				if len(batch) < af.Limit {
					break
				}
				af.After = batch[len(batch)-1].ID
			}
		}
		nodes := map[fc.ID]*treeNode{}
		for _, o := range orgs {
			nodes[o.ID] = &treeNode{Org: o, Accounts: accounts[o.ID]}
		}
		for _, o := range orgs {
			n := nodes[o.ID]
			if p, ok := nodes[o.ParentID]; ok {
				p.Children = append(p.Children, n)
			} else {
				b.Roots = append(b.Roots, n)
			}
		}
		byName := func(ns []*treeNode) {
			sort.Slice(ns, func(i, j int) bool { return ns[i].Org.Name < ns[j].Org.Name })
		}
		byName(b.Roots)
		for _, n := range nodes {
			byName(n.Children)
		}
		for _, n := range b.Roots {
			n.Open = len(b.Roots) <= 3
		}
	}
	if create == nil && access.Reach(v.Subj, access.OrganizationsManage).All {
		var err error
		if create, err = s.orgCreateForm(r, v, 0); err != nil {
			return err
		}
	}
	b.Create = create
	b.Export = "/organizations/export"
	if b.Search != "" {
		b.Export += "?search=" + url.QueryEscape(b.Search)
	}
	s.show(w, r, v, status, "organizations", "Organizations", b)
	return nil
}

// organizationsExport sends the organizations the user reads (those the
// search finds, when it searches) as CSV: each with its path from the top.
func (s *Server) organizationsExport(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.OrganizationsRead) {
		return fc.Errorf(fc.ENotFound, "no organizations")
	}
	l, err := newList(r, "/organizations", listNoun{"1 organization", "%d organizations", "More than %d organizations"}, false,
		[]listColumn{{Title: "Organization", Sort: "name"}, {Title: "Country", Sort: "country"}})
	if err != nil {
		return err
	}
	f := fc.OrganizationFilter{Search: strings.TrimSpace(r.URL.Query().Get("search"))}
	return exportList(s, w, l, "organizations", func(p fc.Page) ([]fc.Organization, error) {
		f.Page = p
		return s.app.Organizations(ctx, v.Subj, f)
	}, func(o *fc.Organization) fc.ID { return o.ID }, func(os []fc.Organization) [][]cell {
		var out [][]cell
		for _, o := range os {
			out = append(out, []cell{{Text: strings.Join(o.Path, " / ")}, {Text: o.Country}})
		}
		return out
	})
}

// orgCreateForm is the form of a new organization under parent (0: choose).
func (s *Server) orgCreateForm(r *http.Request, v *view, parent fc.ID) (*form, error) {
	f := v.postForm("new-org", "/organizations", "Create organization",
		field{Name: "name", Label: "Name", Required: true},
		field{Name: "country", Label: "Country", Hint: "Two letters, ISO 3166 (NL, DE, …); optional."})
	if parent != 0 {
		f.Title = "New organization inside this one"
		f.Hidden = []hidden{{"parent_id", parent.String()}}
		return f, nil
	}
	f.Title = "New organization"
	empty := "– Choose –"
	if access.Reach(v.Subj, access.OrganizationsManage).All {
		empty = "None: a top-level organization"
	}
	opts, err := s.orgOptions(r.Context(), v, 0, empty)
	if err != nil {
		return nil, err
	}
	f.Fields = append(f.Fields, field{Name: "parent_id", Label: "Inside", Type: "select", Options: opts})
	return f, nil
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request, v *view) error {
	vals, fields := r.PostForm, map[string]string{}
	o := fc.Organization{Name: strings.TrimSpace(vals.Get("name")), Country: strings.ToUpper(strings.TrimSpace(vals.Get("country"))),
		ParentID: formID(vals, "parent_id", fields)}
	err := error(nil)
	if len(fields) > 0 {
		err = fc.Invalid(fields)
	} else {
		err = s.app.CreateOrganization(r.Context(), v.Subj, &o)
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindOrganization, o.ID), "created")
		return nil
	}
	if fc.IsCode(err, fc.EInternal) {
		return err
	}
	if o.ParentID != 0 && vals.Get("from") == "org" {
		return refail(r, err, "new-org", func(fl *failure) error { return s.showOrganization(w, r, v, o.ParentID, fl) })
	}
	if !v.can(access.OrganizationsManage) {
		return err
	}
	f, ferr := s.orgCreateForm(r, v, 0)
	if ferr != nil {
		return ferr
	}
	f.fill(vals)
	status := f.fail(err)
	return s.showOrganizations(w, r, v, status, f)
}

func (s *Server) organizationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showOrganization(w, r, v, id, nil)
}

// showOrganization shows an organization; fl, when set, is a form shown
// again with its errors.
func (s *Server) showOrganization(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	o, err := s.app.Organization(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: o.Name, Back: link{"/organizations", "Organizations"}}
	b.Facts = []fact{{Label: "Path", Value: strings.Join(o.Path, " / ")}, {Label: "Country", Value: o.Country}}
	if o.ParentID != 0 {
		b.Facts = append(b.Facts, n.fact("Inside", fc.KindOrganization, o.ParentID))
	}
	b.Facts = append(b.Facts, fact{Label: "Created", Value: v.when(o.CreatedAt)})
	parent := o.ID
	children, err := s.app.Organizations(ctx, v.Subj, fc.OrganizationFilter{ParentID: &parent, Page: fc.Page{Limit: fc.MaxPageSize}})
	if err != nil {
		return err
	}
	ct := table{Caption: "Organizations inside", Columns: []string{"Name", "Country"}, Empty: "None."}
	for _, c := range children {
		ct.Rows = append(ct.Rows, []cell{{Text: c.Name, Href: objectPath(fc.KindOrganization, c.ID)}, {Text: c.Country}})
	}
	b.Tables = append(b.Tables, ct)
	if v.can(access.AccountsRead) {
		as, err := s.app.Accounts(ctx, v.Subj, fc.AccountFilter{OrganizationID: o.ID, Page: fc.Page{Limit: pageSize}})
		if err != nil {
			return err
		}
		at := table{Caption: "Accounts in this organization and below", Columns: []string{"Account", "Kind", "Organization"}, Empty: "None."}
		for _, a := range as {
			at.Rows = append(at.Rows, []cell{{Text: a.Name, Href: objectPath(fc.KindAccount, a.ID)}, {Text: a.Kind}, n.cell(fc.KindOrganization, a.OrganizationID)})
		}
		b.Tables = append(b.Tables, at)
		b.Links = append(b.Links, link{"/accounts?organization_id=" + o.ID.String(), "All accounts here"})
	}
	b.Links = append(b.Links, link{"/?scope=org:" + o.ID.String(), "View only this organization"})
	if s.canOn(ctx, v, access.OrganizationsManage, fc.KindOrganization, o.ID) {
		edit := v.postForm("edit-org", objectPath(fc.KindOrganization, o.ID), "Save",
			field{Name: "name", Label: "Name", Value: o.Name, Required: true},
			field{Name: "country", Label: "Country", Value: o.Country, Hint: "Two letters, ISO 3166; optional."})
		edit.Title = "Rename"
		opts, err := s.orgOptions(ctx, v, o.ParentID, "None: a top-level organization")
		if err != nil {
			return err
		}
		move := v.postForm("move-org", objectPath(fc.KindOrganization, o.ID), "Move",
			field{Name: "parent_id", Label: "Move inside", Type: "select", Options: opts, Value: idString(o.ParentID),
				Hint: "The organization moves with everything below it: sub-organizations, accounts and their history."})
		move.Title = "Move"
		child, err := s.orgCreateForm(r, v, o.ID)
		if err != nil {
			return err
		}
		child.Hidden = append(child.Hidden, hidden{"from", "org"})
		del := v.button("delete-org", objectPath(fc.KindOrganization, o.ID)+"/delete", "Delete organization", "danger")
		del.Confirm = "Delete " + o.Name + "?"
		del.Intro = "Only an empty organization can be deleted: move or delete what is inside first."
		b.Forms = []*form{edit, move, child, del}
	}
	if v.can(access.AccountsManage) && s.canOn(ctx, v, access.AccountsManage, fc.KindOrganization, o.ID) {
		na := v.postForm("new-account", "/accounts", "Create account",
			field{Name: "name", Label: "Name", Required: true},
			field{Name: "kind", Label: "Kind", Type: "select", Options: choices("", fc.AccountCompany, fc.AccountPrivate)})
		na.Title = "New account in this organization"
		na.Hidden = []hidden{{"organization_id", o.ID.String()}, {"from", "org"}}
		b.Forms = append(b.Forms, na)
	}
	s.show(w, r, v, b.apply(fl), "detail", o.Name, b)
	return nil
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals, fields := r.PostForm, map[string]string{}
	formName := "edit-org"
	if vals.Has("parent_id") {
		formName = "move-org"
	}
	parent := formID(vals, "parent_id", fields)
	if len(fields) == 0 {
		_, err = s.app.UpdateOrganization(r.Context(), v.Subj, id, func(o *fc.Organization) error {
			if vals.Has("name") {
				o.Name = strings.TrimSpace(vals.Get("name"))
				o.Country = strings.ToUpper(strings.TrimSpace(vals.Get("country")))
			}
			if vals.Has("parent_id") {
				o.ParentID = parent
			}
			return nil
		})
	} else {
		err = fc.Invalid(fields)
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindOrganization, id), "saved")
		return nil
	}
	return refail(r, err, formName, func(fl *failure) error { return s.showOrganization(w, r, v, id, fl) })
}

// failure is a posted form that failed: the page is drawn again with that
// form holding what the user typed and the error next to its fields.
type failure struct {
	id   string
	err  error
	vals url.Values
}

// refail draws a page again with a failed form; an internal error, or an
// object that is gone, is the error page instead.
func refail(r *http.Request, err error, formID string, show func(*failure) error) error {
	if fc.IsCode(err, fc.EInternal) || fc.IsCode(err, fc.ENotFound) && len(fc.ErrorFields(err)) == 0 {
		return err
	}
	return show(&failure{id: formID, err: err, vals: r.PostForm})
}

// apply marks the page's form of the failure and returns the page's status.
func (b *detailBody) apply(fl *failure) int {
	if fl == nil {
		return http.StatusOK
	}
	for _, f := range b.Forms {
		if f.ID == fl.id {
			f.fill(fl.vals)
			return f.fail(fl.err)
		}
	}
	f := &form{}
	status := f.fail(fl.err)
	b.Error = f.Error
	return status
}

func (s *Server) deleteOrganization(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteOrganization(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete-org", func(fl *failure) error { return s.showOrganization(w, r, v, id, fl) })
	}
	redirect(w, r, "/organizations", "deleted")
	return nil
}

// pathID returns the {id} of the path; one that is not an ID names nothing.
func pathID(r *http.Request) (fc.ID, error) {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return 0, fc.Errorf(fc.ENotFound, "nothing has the ID %q", r.PathValue("id"))
	}
	return id, nil
}

// queryID reads an ID filter of a list page; anything else is no filter.
func queryID(r *http.Request, name string) fc.ID {
	id, _ := fc.ParseID(r.URL.Query().Get(name))
	return id
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.AccountsRead) {
		return fc.Errorf(fc.ENotFound, "no accounts")
	}
	q := r.URL.Query()
	f := fc.AccountFilter{OrganizationID: queryID(r, "organization_id"), Kind: q.Get("kind"), Search: strings.TrimSpace(q.Get("search"))}
	l, err := newList(r, "/accounts", listNoun{"1 account", "%d accounts", "More than %d accounts"}, false, []listColumn{
		{Title: "Account", Sort: "name"}, {Title: "Kind", Sort: "kind"}, {Title: "Organization"}, {Title: "Created", Sort: "created"}})
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &listBody{Heading: "Accounts"}
	if v.can(access.AccountsManage) {
		b.Actions = []link{{"/accounts/new", "New account"}}
	}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/accounts", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "search", Label: "Name", Value: f.Search},
		{Name: "kind", Label: "Kind", Type: "select", Value: f.Kind, Options: choices("Any", fc.AccountCompany, fc.AccountPrivate)},
	}}
	if f.OrganizationID != 0 {
		b.Filter.Hidden = []hidden{{"organization_id", f.OrganizationID.String()}}
		b.Intro = "In " + n.get(fc.KindOrganization, f.OrganizationID) + " and below."
	}
	b.Table = table{Empty: "No accounts."}
	return showList(s, w, v, l, b, "Accounts", func(p fc.Page) ([]fc.Account, error) {
		f.Page = p
		return s.app.Accounts(ctx, v.Subj, f)
	}, func(a *fc.Account) fc.ID { return a.ID }, func(as []fc.Account) [][]cell {
		var out [][]cell
		for _, a := range as {
			out = append(out, []cell{{Text: a.Name, Href: objectPath(fc.KindAccount, a.ID)}, {Text: a.Kind},
				n.cell(fc.KindOrganization, a.OrganizationID), v.timeCell(a.CreatedAt)})
		}
		return out
	})
}

func (s *Server) accountForm(r *http.Request, v *view, a *fc.Account, id, action, submit string) (*form, error) {
	opts, err := s.orgOptions(r.Context(), v, a.OrganizationID, "– Choose –")
	if err != nil {
		return nil, err
	}
	return v.postForm(id, action, submit,
		field{Name: "name", Label: "Name", Value: a.Name, Required: true},
		field{Name: "kind", Label: "Kind", Type: "select", Value: a.Kind, Options: choices("", fc.AccountCompany, fc.AccountPrivate)},
		field{Name: "organization_id", Label: "Organization", Type: "select", Value: idString(a.OrganizationID), Options: opts, Required: true,
			Hint: "Moving an account to another organization moves its history in every report."},
		field{Name: "vat_id", Label: "VAT id", Value: a.VATID, Hint: "With the country's prefix, such as NL123456789B01; decides reverse charge on invoices."},
		field{Name: "address", Label: "Billing address", Value: a.Address},
		field{Name: "postal_code", Label: "Postal code", Value: a.PostalCode},
		field{Name: "city", Label: "City", Value: a.City},
		field{Name: "country", Label: "Country", Value: a.Country, Hint: "ISO code of two letters, such as NL."},
		field{Name: "billing_email", Label: "Billing e-mail", Value: a.BillingEmail},
		field{Name: "iban", Label: "IBAN", Value: a.IBAN, Hint: "Where self-billing invoices for the account's stations are paid."},
	), nil
}

// setAccountBilling sets the billing data a posted form holds; a form
// without them (a quick create) leaves them as they are.
func setAccountBilling(a *fc.Account, vals url.Values) {
	for name, to := range map[string]*string{"vat_id": &a.VATID, "address": &a.Address, "postal_code": &a.PostalCode, "city": &a.City,
		"country": &a.Country, "billing_email": &a.BillingEmail, "iban": &a.IBAN} {
		if vals.Has(name) {
			*to = vals.Get(name)
		}
	}
}

func (s *Server) newAccountPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewAccount(w, r, v, nil)
}

func (s *Server) showNewAccount(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !v.can(access.AccountsManage) {
		return fc.Errorf(fc.ENotFound, "no new account")
	}
	f, err := s.accountForm(r, v, &fc.Account{Kind: fc.AccountCompany, OrganizationID: queryID(r, "organization_id")}, "new-account", "/accounts", "Create account")
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "New account", Back: link{"/accounts", "Accounts"}, Forms: []*form{f}}
	s.show(w, r, v, b.apply(fl), "detail", "New account", b)
	return nil
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, v *view) error {
	vals, fields := r.PostForm, map[string]string{}
	a := fc.Account{Name: strings.TrimSpace(vals.Get("name")), Kind: vals.Get("kind"), OrganizationID: formID(vals, "organization_id", fields)}
	setAccountBilling(&a, vals)
	var err error
	if len(fields) > 0 {
		err = fc.Invalid(fields)
	} else {
		err = s.app.CreateAccount(r.Context(), v.Subj, &a)
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindAccount, a.ID), "created")
		return nil
	}
	if vals.Get("from") == "org" && a.OrganizationID != 0 {
		return refail(r, err, "new-account", func(fl *failure) error { return s.showOrganization(w, r, v, a.OrganizationID, fl) })
	}
	return refail(r, err, "new-account", func(fl *failure) error { return s.showNewAccount(w, r, v, fl) })
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showAccount(w, r, v, id, nil)
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	a, err := s.app.Account(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: a.Name, Back: link{"/accounts", "Accounts"}}
	b.Facts = []fact{{Label: "Kind", Value: titleCase(a.Kind)}, n.fact("Organization", fc.KindOrganization, a.OrganizationID),
		{Label: "Created", Value: v.when(a.CreatedAt)}}
	q := "?account_id=" + a.ID.String()
	for _, l := range []struct {
		p           access.Permission
		href, label string
	}{
		{access.EmployeesRead, "/employees", "Employees"}, {access.CardsRead, "/cards", "Cards"},
		{access.LocationsRead, "/locations", "Locations"}, {access.ChargeGroupsRead, "/charge-groups", "Charge groups"},
		{access.StationsRead, "/stations", "Stations"},
	} {
		if v.can(l.p) {
			b.Links = append(b.Links, link{l.href + q, l.label})
		}
	}
	owner, err := s.app.Store.Owner(ctx, v.Subj.ProviderID, fc.KindAccount, a.ID)
	if err != nil {
		return err
	}
	for _, l := range []struct {
		p           access.Permission
		href, label string
	}{
		{access.EmployeesManage, "/employees/new", "New employee"}, {access.CardsManage, "/cards/new", "Issue a card"},
		{access.LocationsManage, "/locations/new", "New location"}, {access.ChargeGroupsManage, "/charge-groups/new", "New charge group"},
		{access.StationsManage, "/stations/new", "Register a station"},
	} {
		if owner.ProviderID != 0 && access.Can(v.Subj, l.p, owner) {
			b.Links = append(b.Links, link{l.href + q, l.label})
		}
	}
	b.Links = append(b.Links, link{"/?scope=account:" + a.ID.String(), "View only this account"})
	if v.can(access.MigrationsRun) {
		b.Links = append(b.Links, link{"/migrations?kind=accounts&ids=" + a.ID.String(), "Move to another organization…"})
	}
	if access.Can(v.Subj, access.AccountsManage, owner) {
		f, err := s.accountForm(r, v, a, "edit-account", objectPath(fc.KindAccount, a.ID), "Save")
		if err != nil {
			return err
		}
		f.Title = "Edit"
		del := v.button("delete-account", objectPath(fc.KindAccount, a.ID)+"/delete", "Delete account", "danger")
		del.Confirm, del.Intro = "Delete "+a.Name+"?", "Only an account that owns nothing and has no history can be deleted."
		b.Forms = []*form{f, del}
	}
	s.show(w, r, v, b.apply(fl), "detail", a.Name, b)
	return nil
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals, fields := r.PostForm, map[string]string{}
	org := formID(vals, "organization_id", fields)
	if len(fields) == 0 {
		_, err = s.app.UpdateAccount(r.Context(), v.Subj, id, func(a *fc.Account) error {
			a.Name, a.Kind, a.OrganizationID = strings.TrimSpace(vals.Get("name")), vals.Get("kind"), org
			setAccountBilling(a, vals)
			return nil
		})
	} else {
		err = fc.Invalid(fields)
	}
	if err == nil {
		redirect(w, r, objectPath(fc.KindAccount, id), "saved")
		return nil
	}
	return refail(r, err, "edit-account", func(fl *failure) error { return s.showAccount(w, r, v, id, fl) })
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteAccount(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete-account", func(fl *failure) error { return s.showAccount(w, r, v, id, fl) })
	}
	redirect(w, r, "/accounts", "deleted")
	return nil
}
