package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/auth"
)

// scopeCookie keeps the scope a browser chose, so that every page after the
// switch shows it; ?scope= on any page chooses anew.
const scopeCookie = "fc_scope"

// view is one signed-in request as a page sees it: who asks, with which
// rights, in which of its scopes.
type view struct {
	User *fc.User
	// Full is the user with every role it holds; Subj is the same narrowed
	// to the chosen scope, which every list, read and change of the page
	// runs as. With "Everything" chosen they are the same.
	Full, Subj access.Subject
	Scope      string // "", "org:ID" or "account:ID"
	Chrome     *chrome
	// Loc is the time zone of the user's provider, in which pages show
	// times.
	Loc *time.Location
}

// when shows a time in the provider's time zone, to the minute, with the
// zone's abbreviation; "never" for a nil time.
func (v *view) when(t any) string {
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	var x time.Time
	switch tt := t.(type) {
	case time.Time:
		x = tt
	case *time.Time:
		if tt == nil {
			return "never"
		}
		x = *tt
	}
	if x.IsZero() {
		return "–"
	}
	return x.In(loc).Format("2006-01-02 15:04 MST")
}

// chrome is what the layout shows around a signed-in page: the navigation,
// the scope switcher, the sign-out button.
type chrome struct {
	User      *fc.User
	CSRF      string
	Nav       []navLink
	Scopes    []scopeOption
	Scope     string
	ScopeName string
	Here      string // the section of the page, where the scope switcher goes
}

type navLink struct {
	Href, Label string
	Current     bool
}

type scopeOption struct {
	Value, Label string
	Selected     bool
}

// page is the data of every signed-in page: the layout's chrome and the
// page's own body.
type page struct {
	Chrome *chrome
	Title  string
	Notice string // a confirmation after a change (redirect-after-post)
	Error  string // a message about the whole page
	Body   any
}

// handlerFunc is a signed-in page's handler: it writes the page, or
// returns the error that s.fail renders.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *view) error

// handle registers a signed-in page: anonymous visitors go to the sign-in
// page, a state-changing request needs the CSRF token, and the handler gets
// the request's view.
func (s *Server) handle(pattern string, h handlerFunc) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, s.signedIn(s.viewHandler(h)))
}

// viewHandler runs h with the request's view and renders its error.
func (s *Server) viewHandler(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.app == nil {
			http.Error(w, "this server has no storage for the web application", http.StatusServiceUnavailable)
			return
		}
		v, err := s.newView(w, r)
		if err == nil {
			err = h(w, r, v)
		}
		if err != nil {
			s.fail(w, r, v, err)
		}
	}
}

// newView works out the user's rights and the scope it chose.
func (s *Server) newView(w http.ResponseWriter, r *http.Request) (*view, error) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return nil, err
	}
	full, err := s.app.Subject(r.Context(), u)
	if err != nil {
		return nil, err
	}
	v := &view{User: u, Full: full, Subj: full}
	if v.Loc, err = s.app.TimeZone(r.Context(), full); err != nil {
		return nil, err
	}
	// The scope switcher goes to the section's list: an object open now
	// may lie outside the scope chosen next.
	section, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	v.Chrome = &chrome{User: u, CSRF: csrfToken(r), Here: "/" + section}
	scope := ""
	if c, err := r.Cookie(scopeCookie); err == nil {
		scope = c.Value
	}
	if q := r.URL.Query(); q.Has("scope") {
		scope = q.Get("scope")
		http.SetCookie(w, &http.Cookie{Name: scopeCookie, Value: scope, Path: "/", HttpOnly: true,
			Secure: s.cfg.Auth != nil && s.cfg.Auth.Config.Secure, SameSite: http.SameSiteLaxMode})
	}
	if scope != "" && scope != "all" {
		narrowed, err := s.narrow(r.Context(), full, scope)
		switch {
		case err == nil:
			v.Subj, v.Scope = narrowed, scope
		case fc.IsCode(err, fc.ENotFound) && !r.URL.Query().Has("scope"):
			// A scope chosen earlier that the user no longer holds: show
			// everything instead.
		default:
			return v, err
		}
	}
	if err := s.fillChrome(r.Context(), v, r.URL.Path); err != nil {
		return v, err
	}
	return v, nil
}

// narrow returns the subject full limited to the scope "org:ID" or
// "account:ID": each role the user holds over that organization or account
// becomes the same role on it alone, and a role on an account inside the
// organization stays as it is. A scope that none of its roles reaches is
// not found, the same as one that does not exist.
func (s *Server) narrow(ctx context.Context, full access.Subject, scope string) (access.Subject, error) {
	kind, raw, _ := strings.Cut(scope, ":")
	id, err := fc.ParseID(raw)
	notFound := fc.Errorf(fc.ENotFound, "no such scope: %q", scope)
	if err != nil || kind != "org" && kind != "account" {
		return access.Subject{}, notFound
	}
	objKind := fc.KindOrganization
	if kind == "account" {
		objKind = fc.KindAccount
	}
	o, err := s.app.Store.Owner(ctx, full.ProviderID, objKind, id)
	if fc.IsCode(err, fc.ENotFound) {
		return access.Subject{}, notFound
	}
	if err != nil {
		return access.Subject{}, err
	}
	scopeKind := fc.ScopeOrganization
	if kind == "account" {
		scopeKind = fc.ScopeAccount
	}
	out, ok, err := access.Narrow(full, scopeKind, o, id, func(accountID fc.ID) ([]fc.ID, error) {
		ao, err := s.app.Store.Owner(ctx, full.ProviderID, fc.KindAccount, accountID)
		return ao.OrgPath, err
	})
	if err != nil {
		return access.Subject{}, err
	}
	if !ok {
		return access.Subject{}, notFound
	}
	return out, nil
}

// can reports whether the view's subject holds p anywhere in its scope:
// whether the page shows what needs p.
func (v *view) can(p access.Permission) bool { return !access.Reach(v.Subj, p).Empty() }

// canOn reports whether the view's subject holds p on the object of kind
// and id: whether an action on it is shown.
func (s *Server) canOn(ctx context.Context, v *view, p access.Permission, kind string, id fc.ID) bool {
	o, err := s.app.Store.Owner(ctx, v.Subj.ProviderID, kind, id)
	if err != nil {
		return false
	}
	return access.Can(v.Subj, p, o)
}

// navItems is the navigation in order, each with the permissions of which
// any one shows it.
var navItems = []struct {
	href, label string
	any         []access.Permission
}{
	{"/", "Home", nil},
	{"/my", "My charging", nil},
	{"/organizations", "Organizations", []access.Permission{access.OrganizationsRead}},
	{"/accounts", "Accounts", []access.Permission{access.AccountsRead}},
	{"/employees", "Employees", []access.Permission{access.EmployeesRead}},
	{"/cards", "Cards", []access.Permission{access.CardsRead}},
	{"/locations", "Locations", []access.Permission{access.LocationsRead}},
	{"/charge-groups", "Charge groups", []access.Permission{access.ChargeGroupsRead}},
	{"/stations", "Stations", []access.Permission{access.StationsRead, access.StationsHomeRead}},
	{"/station-jobs", "Station jobs", []access.Permission{access.StationsCommand}},
	{"/sessions", "Sessions", []access.Permission{access.SessionsCardSideRead, access.SessionsStationSideRead}},
	{"/reports", "Reports", []access.Permission{access.ReportsFleet, access.ReportsFacility}},
	{"/reimbursement", "Reimbursement", []access.Permission{access.ReimbursementRead}},
	{"/invoices", "Invoices", []access.Permission{access.InvoicesRead, access.InvoicesSelfBillingRead, access.InvoicesManage}},
	{"/users", "Users", []access.Permission{access.UsersManage}},
	{"/identity-providers", "Identity providers", []access.Permission{access.UsersManage}},
	{"/audit", "Audit log", []access.Permission{access.AuditRead}},
	{"/migrations", "Migrations", []access.Permission{access.MigrationsRun}},
	{"/roaming", "Roaming", roamingPerms},
	{providerPath, "Provider settings", []access.Permission{access.AccountsManage}},
	{"/partner-locations", "Partner locations", []access.Permission{access.CardsRead}},
	{"/access", "Access", nil},
	{"/notifications", "Notifications", nil},
	{"/webhooks", "Webhooks", nil},
}

// fillChrome builds the navigation the view's rights allow and the scope
// switcher's choices: everything, then every organization and account the
// user holds a role on (and, for provider-wide roles, the top-level
// organizations).
func (s *Server) fillChrome(ctx context.Context, v *view, here string) error {
	c := v.Chrome
	for _, n := range navItems {
		shown := len(n.any) == 0
		for _, p := range n.any {
			shown = shown || v.can(p)
		}
		if n.href == "/my" {
			_, shown = driverSubject(v.Full) // a driver's own portal
		}
		if n.href == "/roaming" {
			// Partners reach the whole provider's stations and cards.
			shown = wholeProvider(v.Subj, n.any...)
		}
		if n.href == providerPath {
			shown = managesProvider(v) // provider admins
		}
		if n.href == "/identity-providers" {
			shown = managesSSO(v) // provider admins configure them
		}
		if shown {
			cur := n.href == here || n.href != "/" && strings.HasPrefix(here, n.href+"/")
			c.Nav = append(c.Nav, navLink{Href: n.href, Label: n.label, Current: cur})
		}
	}
	c.Scope = v.Scope
	c.Scopes = []scopeOption{{Value: "all", Label: "Everything I can see", Selected: v.Scope == ""}}
	all := fc.ProviderScope(v.Full.ProviderID)
	add := func(value, label string) {
		for _, o := range c.Scopes {
			if o.Value == value {
				return
			}
		}
		c.Scopes = append(c.Scopes, scopeOption{Value: value, Label: label, Selected: value == v.Scope})
		if value == v.Scope {
			c.ScopeName = label
		}
	}
	for _, h := range access.Held(v.Full) {
		switch h.Kind {
		case fc.ScopeProvider:
			top := fc.ID(0)
			orgs, err := s.app.Store.Organizations(ctx, all, fc.OrganizationFilter{ParentID: &top, Page: fc.Page{Limit: fc.MaxPageSize}})
			if err != nil {
				return err
			}
			for _, o := range orgs {
				add("org:"+o.ID.String(), "Organization "+o.Name)
			}
		case fc.ScopeOrganization:
			o, err := s.app.Store.Organization(ctx, all, h.ID)
			if err != nil {
				return err
			}
			add("org:"+o.ID.String(), "Organization "+strings.Join(o.Path, " / "))
		case fc.ScopeAccount:
			a, err := s.app.Store.Account(ctx, all, h.ID)
			if err != nil {
				return err
			}
			add("account:"+a.ID.String(), "Account "+a.Name)
		}
	}
	if v.Scope != "" && c.ScopeName == "" {
		// A scope reached through the tree rather than held directly.
		kind, raw, _ := strings.Cut(v.Scope, ":")
		id, _ := fc.ParseID(raw)
		label := v.Scope
		if kind == "org" {
			if o, err := s.app.Store.Organization(ctx, all, id); err == nil {
				label = "Organization " + strings.Join(o.Path, " / ")
			}
		} else if a, err := s.app.Store.Account(ctx, all, id); err == nil {
			label = "Account " + a.Name
		}
		add(v.Scope, label)
	}
	return nil
}

// show renders a signed-in page.
func (s *Server) show(w http.ResponseWriter, r *http.Request, v *view, status int, name, title string, body any) {
	p := &page{Chrome: v.Chrome, Title: title, Body: body}
	if key := r.URL.Query().Get("done"); key != "" {
		p.Notice = notices[key]
	}
	s.renderStatus(w, r, status, name, p)
}

// notices are the confirmations shown after a change, by the key of the
// redirect's ?done=.
var notices = map[string]string{
	"created":   "Created.",
	"saved":     "Your changes are saved.",
	"deleted":   "Deleted.",
	"blocked":   "The card is blocked: it cannot start a session until it is unblocked.",
	"unblocked": "The card is active again.",
	"granted":   "The role is granted.",
	"revoked":   "The role is revoked.",
	"disabled":  "The user is disabled: it can no longer sign in.",
	"generated": "The drafts of the month are generated.",
	"approved":  "Approved: the statements never change again.",
	"paid":      "The statement is marked paid.",
	// Bulk actions on cards (pages_bulk.go).
	"bulk-blocked":   "The chosen cards are blocked: they cannot start a session until they are unblocked.",
	"bulk-unblocked": "The chosen cards are active again.",
	"bulk-allowed":   "The chosen cards are admitted to the charge group.",
}

// retryAfter is the Retry-After of every 503: the seconds a browser or a
// script should wait before it tries again.
const retryAfter = "10"

// errorPage is the body of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// fail renders err as an error page: what the user may not see is simply
// not found, internal errors are logged and shown as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status := authStatus(err)
	e := errorPage{Status: status, Message: sentence(fc.ErrorMessage(err))}
	switch {
	case fc.IsCode(err, fc.ENotFound):
		e.Status, e.Heading = http.StatusNotFound, "Not found"
		e.Message = "There is nothing here, or nothing you may see."
	case fc.IsCode(err, fc.EUnavailable):
		e.Status, e.Heading = http.StatusServiceUnavailable, "Not available"
		w.Header().Set("Retry-After", retryAfter)
		s.cfg.Logger.Warn("web page unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	case status == http.StatusInternalServerError:
		s.cfg.Logger.Error("web page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e.Heading, e.Message = "Something went wrong", "Something went wrong on our side. Please try again."
	case status == http.StatusForbidden:
		e.Heading = "Not allowed"
	default:
		e.Heading = "That did not work"
	}
	c := &chrome{}
	if v != nil && v.Chrome != nil {
		c = v.Chrome
	}
	s.renderStatus(w, r, e.Status, "error", &page{Chrome: c, Title: e.Heading, Body: e})
}

// redirect sends the browser to path after a change, with the notice key.
func redirect(w http.ResponseWriter, r *http.Request, path, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + url.QueryEscape(done)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
