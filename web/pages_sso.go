package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/sso"
)

// The identity providers of single sign-on (docs/SSO.md), for provider
// admins: the same service calls as the API's identity-providers
// collection, which holds the rules (users.manage on the whole provider,
// the mapping inside the organization's subtree, the client secret sealed
// with the server's key).

// identityProviderRoutes registers the identity provider pages.
func (s *Server) identityProviderRoutes() {
	s.handle("GET /identity-providers", s.identityProvidersPage)
	s.handle("GET /identity-providers/new", s.newIdentityProviderPage)
	s.handle("POST /identity-providers", s.createIdentityProvider)
	s.handle("GET /identity-providers/{id}", s.identityProviderPage)
	s.handle("POST /identity-providers/{id}", s.updateIdentityProvider)
	s.handle("POST /identity-providers/{id}/delete", s.deleteIdentityProvider)
	s.handle("POST /identity-providers/{id}/scim-token", s.createSCIMToken)
}

// blankMappings is the number of empty group mapping rows the form offers
// beyond the identity provider's own.
const blankMappings = 3

// maxMappingRows bounds the rows a posted form is read for.
const maxMappingRows = 500

// managesSSO tells whether the view may see the identity provider pages:
// users.manage on the whole provider, as the service requires. Everyone
// else finds nothing there.
func managesSSO(v *view) bool { return wholeProvider(v.Subj, access.UsersManage) }

func noIdentityProviders() error { return fc.Errorf(fc.ENotFound, "no identity providers") }

func identityProviderPath(id fc.ID) string { return "/identity-providers/" + id.String() }

// showWithError renders a signed-in page with a message about the whole
// page, such as why identity providers cannot be configured here.
func (s *Server) showWithError(w http.ResponseWriter, r *http.Request, v *view, status int, name, title, msg string, body any) {
	p := &page{Chrome: v.Chrome, Title: title, Body: body, Error: msg}
	if key := r.URL.Query().Get("done"); key != "" {
		p.Notice = notices[key]
	}
	s.renderStatus(w, r, status, name, p)
}

// unconfigurable returns why identity providers cannot be configured on
// this server ("" when they can), as a sentence for the page.
func (s *Server) unconfigurable() string {
	if err := s.app.SSOConfigurable(); err != nil {
		return sentence(fc.ErrorMessage(err))
	}
	return ""
}

func (s *Server) identityProvidersPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	l, err := newList(r, "/identity-providers", listNoun{"1 identity provider", "%d identity providers", "More than %d identity providers"}, false,
		[]listColumn{{Title: "Issuer", Sort: "issuer"}, {Title: "Organization"}, {Title: "Domains"}, {Title: "Group mappings"},
			{Title: "Password sign-in"}, {Title: "SCIM token"}})
	if err != nil {
		return err
	}
	read := func(p fc.Page) ([]fc.IdentityProvider, error) { return s.app.IdentityProviders(ctx, v.Subj, p) }
	n := s.names(ctx, v)
	rows := func(ps []fc.IdentityProvider) [][]cell {
		var out [][]cell
		for _, p := range ps {
			out = append(out, []cell{{Text: p.Issuer, Href: identityProviderPath(p.ID)}, n.cell(fc.KindOrganization, p.OrganizationID),
				{Text: strings.Join(p.Domains, ", ")}, {Text: strconv.Itoa(len(p.GroupRoles))}, {Text: yesNo(p.PasswordSignIn)}, {Text: issued(p.SCIMToken)}})
		}
		return out
	}
	id := func(p *fc.IdentityProvider) fc.ID { return p.ID }
	if l.export {
		return exportList(s, w, l, "identity-providers", read, id, rows)
	}
	ps, err := read(l.page())
	if err != nil {
		return err
	}
	ps, more := onePage(r, ps)
	b := &listBody{Heading: "Identity providers",
		Intro: "The OpenID Connect providers through which an organization's users sign in with their company account, their groups giving them roles; and the SCIM tokens with which their directories provision them."}
	reason := s.unconfigurable()
	if reason == "" {
		b.Actions = []link{{"/identity-providers/new", "New identity provider"}}
	}
	b.Table = table{Columns: titles(l.columns), Rows: rows(ps), Empty: "No identity providers."}
	first, last := firstLast(ps, id)
	l.finish(b, len(ps), first, last, more)
	s.showWithError(w, r, v, http.StatusOK, "list", "Identity providers", reason, b)
	return nil
}

func issued(b bool) string {
	if b {
		return "Issued"
	}
	return "Not issued"
}

// identityProviderBody is the page of an identity provider, or of a new
// one: a detail page whose configuration form lays its group mapping out
// row by row.
type identityProviderBody struct {
	detailBody
	Config *identityProviderForm
}

// identityProviderForm is the configuration form: its fields, split for
// the template into the main ones and the mapping's rows of three.
type identityProviderForm struct {
	*form
	Main []field
	Rows []mappingRow
}

// mappingRow is one row of the group mapping: group, role, organization.
type mappingRow struct {
	Number int
	Fields []field
}

// split sets Main and Rows from the form's fields, after fill and fail.
func (f *identityProviderForm) split() {
	f.Main, f.Rows = nil, nil
	for _, fl := range f.Fields {
		if !strings.HasPrefix(fl.Name, "group_roles[") {
			f.Main = append(f.Main, fl)
			continue
		}
		if strings.HasSuffix(fl.Name, ".group") {
			f.Rows = append(f.Rows, mappingRow{Number: len(f.Rows) + 1})
		}
		row := &f.Rows[len(f.Rows)-1]
		row.Fields = append(row.Fields, fl)
	}
}

// apply marks the page's form of the failure and returns the page's status.
func (b *identityProviderBody) apply(fl *failure) int {
	if fl != nil && b.Config != nil && fl.id == b.Config.ID {
		b.Config.fill(fl.vals)
		status := b.Config.fail(fl.err)
		b.Config.split()
		return status
	}
	return b.detailBody.apply(fl)
}

// organizationOptions lists the organizations the view reads, by their
// paths, that lie in root's subtree (all when root is 0), with a first
// empty choice.
func (s *Server) organizationOptions(ctx context.Context, v *view, root fc.ID) ([]option, error) {
	out := []option{{Value: "", Label: "– Choose –"}}
	os, err := s.app.Organizations(ctx, v.Subj, fc.OrganizationFilter{Page: fc.Page{Limit: maxChoices}})
	if err != nil {
		return nil, err
	}
	byID := map[fc.ID]*fc.Organization{}
	for i := range os {
		byID[os[i].ID] = &os[i]
	}
	for _, o := range os {
		path, inside := []string{o.Name}, root == 0 || o.ID == root
		for p := byID[o.ParentID]; p != nil && len(path) <= len(os); p = byID[p.ParentID] {
			path = append([]string{p.Name}, path...)
			inside = inside || p.ID == root
		}
		if inside {
			out = append(out, option{Value: o.ID.String(), Label: strings.Join(path, " / ")})
		}
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i].Label < out[1+j].Label })
	return out, nil
}

// mappingRole options are the roles a mapping may give (the store's rule).
var mappingRoles = []option{{"", ""}, {string(fc.RoleFleetManager), titleCase(string(fc.RoleFleetManager))},
	{string(fc.RoleFacilityManager), titleCase(string(fc.RoleFacilityManager))}}

// mappingField names a field of the mapping's row i as the service's
// errors name it, so that each error lands next to its field.
func mappingField(i int, name string) string { return fmt.Sprintf("group_roles[%d].%s", i, name) }

// configForm builds the configuration form of p with rows mapping rows.
func (s *Server) configForm(ctx context.Context, v *view, p *fc.IdentityProvider, rows int) (*identityProviderForm, error) {
	isNew := p.ID == 0
	var fields []field
	if isNew {
		orgs, err := s.organizationOptions(ctx, v, 0)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{Name: "organization_id", Label: "Organization", Type: "select", Options: orgs, Required: true,
			Hint: "Whose users sign in through it. Its mapping grants inside this organization's subtree only; it never changes."})
	}
	secretHint := "Write-only: kept encrypted with the server's key and never shown."
	if !isNew {
		secretHint = "Write-only: empty keeps the one kept (" + strings.ToLower(yesNo(p.ClientSecret != "")) + " is kept now)."
	}
	fields = append(fields,
		field{Name: "issuer", Label: "Issuer", Type: "url", Value: p.Issuer, Required: true,
			Hint: "The OpenID Connect issuer URL (https), such as https://login.microsoftonline.com/TENANT/v2.0; its discovery document is read at the first sign-in."},
		field{Name: "client_id", Label: "Client ID", Value: p.ClientID, Required: true, Hint: "fleetcharge's client ID at the identity provider."},
		field{Name: "client_secret", Label: "Client secret", Type: "password", Hint: secretHint},
		field{Name: "domains", Label: "E-mail domains", Type: "textarea", Value: strings.Join(p.Domains, "\n"),
			Hint: "One a line, such as example.com: their users sign in through this identity provider. A domain routes to one identity provider only."},
		field{Name: "password_sign_in", Label: "Its users may still sign in with a password", Type: "checkbox", Checked: p.PasswordSignIn})
	orgs, err := s.organizationOptions(ctx, v, p.OrganizationID)
	if err != nil {
		return nil, err
	}
	for i := range max(rows, len(p.GroupRoles)) {
		var g fc.GroupRole
		if i < len(p.GroupRoles) {
			g = p.GroupRoles[i]
		}
		fields = append(fields,
			field{Name: mappingField(i, "group"), Label: "Group", Value: g.Group},
			field{Name: mappingField(i, "role"), Label: "Role", Type: "select", Options: mappingRoles, Value: string(g.Role)},
			field{Name: mappingField(i, "organization_id"), Label: "On organization", Type: "select", Options: orgs, Value: idString(g.OrganizationID)})
	}
	action, submit, title := identityProviderPath(p.ID), "Save", "Configuration"
	if isNew {
		action, submit, title = "/identity-providers", "Create identity provider", "New identity provider"
	}
	f := &identityProviderForm{form: v.postForm("config", action, submit, fields...)}
	f.Title = title
	f.Intro = "Register " + s.redirectURI() + " as the redirect URI at the identity provider first."
	f.split()
	return f, nil
}

// redirectURI is the redirect URI to register at every identity provider.
func (s *Server) redirectURI() string {
	if s.cfg.SSO != nil {
		return s.cfg.SSO.RedirectURI()
	}
	return "https://<this server>" + sso.CallbackPath
}

// postedRows counts the mapping rows a posted form holds.
func postedRows(vals url.Values) int {
	n := 0
	for n < maxMappingRows && (vals.Has(mappingField(n, "group")) || vals.Has(mappingField(n, "role")) || vals.Has(mappingField(n, "organization_id"))) {
		n++
	}
	return n
}

// readIdentityProvider sets p from a posted configuration form; a client
// secret left empty keeps p's. It returns the form row of each entry of
// p.GroupRoles (empty rows are skipped), and the fields that do not parse.
func readIdentityProvider(vals url.Values, p *fc.IdentityProvider) (rowOf []int, fields map[string]string) {
	fields = map[string]string{}
	p.Issuer = strings.TrimSpace(vals.Get("issuer"))
	p.ClientID = strings.TrimSpace(vals.Get("client_id"))
	if sec := strings.TrimSpace(vals.Get("client_secret")); sec != "" {
		p.ClientSecret = sec
	}
	p.Domains = strings.FieldsFunc(vals.Get("domains"), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	p.PasswordSignIn = vals.Get("password_sign_in") != ""
	p.GroupRoles = nil
	for i := range postedRows(vals) {
		g := fc.GroupRole{Group: strings.TrimSpace(vals.Get(mappingField(i, "group"))), Role: fc.Role(vals.Get(mappingField(i, "role"))),
			OrganizationID: formID(vals, mappingField(i, "organization_id"), fields)}
		if g.Group == "" && g.Role == "" && g.OrganizationID == 0 {
			continue
		}
		p.GroupRoles = append(p.GroupRoles, g)
		rowOf = append(rowOf, i)
	}
	return rowOf, fields
}

var entryField = regexp.MustCompile(`^(group_roles|domains)\[(\d+)\](.*)$`)

// formErrors renames the service's fields of an invalid identity provider
// to the form's: a mapping entry's to its row, a domain's to the domains.
func formErrors(err error, p *fc.IdentityProvider, rowOf []int) error {
	fields := fc.ErrorFields(err)
	if fields == nil {
		return err
	}
	out := map[string]string{}
	for k, msg := range fields {
		m := entryField.FindStringSubmatch(k)
		if m == nil {
			out[k] = msg
			continue
		}
		i, _ := strconv.Atoi(m[2])
		switch {
		case m[1] == "group_roles" && i < len(rowOf):
			out[mappingField(rowOf[i], strings.TrimPrefix(m[3], "."))] = msg
		case m[1] == "domains" && i < len(p.Domains):
			out["domains"] = fmt.Sprintf("has %q, which %s", p.Domains[i], msg)
		default:
			out[m[1]] = msg
		}
	}
	return fc.Invalid(out)
}

func (s *Server) newIdentityProviderPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewIdentityProvider(w, r, v, nil)
}

func (s *Server) showNewIdentityProvider(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	b := &identityProviderBody{detailBody: detailBody{Heading: "New identity provider", Back: link{"/identity-providers", "Identity providers"}}}
	if reason := s.unconfigurable(); reason != "" {
		s.showWithError(w, r, v, http.StatusServiceUnavailable, "identity_provider", "New identity provider", reason, b)
		return nil
	}
	rows := blankMappings
	if fl != nil {
		rows = postedRows(fl.vals)
	}
	var err error
	if b.Config, err = s.configForm(r.Context(), v, &fc.IdentityProvider{PasswordSignIn: true}, rows); err != nil {
		return err
	}
	s.show(w, r, v, b.apply(fl), "identity_provider", "New identity provider", b)
	return nil
}

func (s *Server) createIdentityProvider(w http.ResponseWriter, r *http.Request, v *view) error {
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	fields := map[string]string{}
	p := fc.IdentityProvider{OrganizationID: formID(r.PostForm, "organization_id", fields)}
	rowOf, more := readIdentityProvider(r.PostForm, &p)
	for k, m := range more {
		fields[k] = m
	}
	err := validated(fields)
	if err == nil {
		err = s.app.CreateIdentityProvider(r.Context(), v.Subj, &p)
	}
	if err != nil {
		return refail(r, formErrors(err, &p, rowOf), "config", func(fl *failure) error { return s.showNewIdentityProvider(w, r, v, fl) })
	}
	redirect(w, r, identityProviderPath(p.ID), "created")
	return nil
}

func (s *Server) identityProviderPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showIdentityProvider(w, r, v, id, nil, nil)
}

// showIdentityProvider renders an identity provider's page, with the
// failure of a form, or the result of an action (a new SCIM token).
func (s *Server) showIdentityProvider(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure, result []fact) error {
	ctx := r.Context()
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	p, err := s.app.IdentityProvider(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	path := identityProviderPath(p.ID)
	b := &identityProviderBody{detailBody: detailBody{Heading: p.Issuer, Back: link{"/identity-providers", "Identity providers"}, Result: result}}
	base := strings.TrimSuffix(s.redirectURI(), sso.CallbackPath)
	kept := "None"
	if p.ClientSecret != "" {
		kept = "Kept, encrypted"
	}
	b.Facts = []fact{n.fact("Organization", fc.KindOrganization, p.OrganizationID), {Label: "Client ID", Value: p.ClientID},
		{Label: "Client secret", Value: kept},
		{Label: "Domains", Value: or(strings.Join(p.Domains, ", "), "None")}, {Label: "Password sign-in", Value: yesNo(p.PasswordSignIn)},
		{Label: "SCIM token", Value: issued(p.SCIMToken)},
		{Label: "Redirect URI", Value: s.redirectURI(), Class: "mono"},
		{Label: "Back-channel logout URI", Value: base + strings.Replace(sso.BackChannelPath, "{id}", p.ID.String(), 1), Class: "mono"},
		{Label: "SCIM base URL", Value: base + "/scim/v2", Class: "mono"},
		{Label: "Changed", Value: v.when(p.UpdatedAt)}}
	reason := s.unconfigurable()
	if reason == "" {
		rows := len(p.GroupRoles) + blankMappings
		if fl != nil && fl.id == "config" {
			rows = postedRows(fl.vals)
		}
		if b.Config, err = s.configForm(ctx, v, p, rows); err != nil {
			return err
		}
	} else {
		mapping := table{Caption: "Group mapping", Columns: []string{"Group", "Role", "On organization"}, Empty: "No group gives a role."}
		for _, g := range p.GroupRoles {
			mapping.Rows = append(mapping.Rows, []cell{{Text: g.Group}, {Text: titleCase(string(g.Role))}, n.cell(fc.KindOrganization, g.OrganizationID)})
		}
		b.Tables = append(b.Tables, mapping)
	}
	token := v.postForm("scim-token", path+"/scim-token", "New SCIM token")
	token.Title = "SCIM token"
	token.Intro = "The bearer token with which the organization's directory provisions its users and groups at the SCIM base URL. It is shown once; a new one replaces the old at once."
	if p.SCIMToken {
		token.Confirm = "The directory's current token stops working. Issue a new one?"
	}
	del := v.postForm("delete", path+"/delete", "Delete identity provider")
	del.Title, del.Class = "Delete", "danger"
	del.Intro = "Its users stay, without the roles its mapping gave them."
	del.Confirm = "Delete this identity provider? Its users lose the roles its mapping gave them."
	b.Forms = []*form{token, del}
	status := b.apply(fl)
	if b.Error == reason {
		b.Error = "" // the page says it already
	}
	if result != nil && fl == nil {
		status = http.StatusCreated
	}
	s.showWithError(w, r, v, status, "identity_provider", p.Issuer, reason, b)
	return nil
}

func (s *Server) updateIdentityProvider(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	var rowOf []int
	var read *fc.IdentityProvider
	_, err = s.app.UpdateIdentityProvider(r.Context(), v.Subj, id, func(p *fc.IdentityProvider) error {
		var fields map[string]string
		rowOf, fields = readIdentityProvider(r.PostForm, p)
		read = p
		return validated(fields)
	})
	if err != nil {
		if read == nil {
			read = &fc.IdentityProvider{}
		}
		return refail(r, formErrors(err, read, rowOf), "config", func(fl *failure) error { return s.showIdentityProvider(w, r, v, id, fl, nil) })
	}
	redirect(w, r, identityProviderPath(id), "saved")
	return nil
}

func (s *Server) deleteIdentityProvider(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	if err := s.app.DeleteIdentityProvider(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showIdentityProvider(w, r, v, id, fl, nil) })
	}
	redirect(w, r, "/identity-providers", "deleted")
	return nil
}

// createSCIMToken issues a new SCIM token and shows it this once, on the
// identity provider's page: it cannot go in a redirect.
func (s *Server) createSCIMToken(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !managesSSO(v) {
		return noIdentityProviders()
	}
	token, err := s.app.CreateSCIMToken(r.Context(), v.Subj, id)
	if err != nil {
		return refail(r, err, "scim-token", func(fl *failure) error { return s.showIdentityProvider(w, r, v, id, fl, nil) })
	}
	return s.showIdentityProvider(w, r, v, id, nil, []fact{
		{Label: "SCIM token", Value: token, Class: "secret"},
		{Label: "Note", Value: "Copy it into the directory's provisioning settings now: it is not shown again."}})
}
