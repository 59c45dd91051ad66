package web

import (
	"net/http"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// userRoutes registers the pages of users, role assignments, the access
// explanation, the audit log and identity providers.
func (s *Server) userRoutes() {
	s.handle("GET /users", s.usersPage)
	s.handle("GET /users/new", s.newUserPage)
	s.handle("POST /users", s.createUser)
	s.handle("GET /users/{id}", s.userPage)
	s.handle("POST /users/{id}", s.updateUser)
	s.handle("POST /users/{id}/roles", s.grantRole)
	s.handle("POST /users/{id}/roles/{assignment}/delete", s.revokeRole)
	s.handle("GET /access", s.accessPage)
	s.handle("GET /audit", s.auditPage)
	s.handle("GET /audit/{id}", s.auditEventPage)
	s.identityProviderRoutes()
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.UsersManage) {
		return fc.Errorf(fc.ENotFound, "no users")
	}
	f := fc.UserFilter{Search: strings.TrimSpace(r.URL.Query().Get("search"))}
	l, err := newList(r, "/users", listNoun{"1 user", "%d users", "More than %d users"}, false, []listColumn{
		{Title: "E-mail", Sort: "email"}, {Title: "Name", Sort: "name"}, {Title: "Second factor", Sort: "totp"},
		{Title: "Last sign-in", Sort: "last_sign_in"}, {Title: "Disabled", Sort: "disabled"}})
	if err != nil {
		return err
	}
	b := &listBody{Heading: "Users"}
	if access.Reach(v.Subj, access.UsersManage).All {
		b.Actions = []link{{"/users/new", "New user"}}
	}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/users", Submit: "Search", Inline: true, Fields: []field{{Name: "search", Label: "Name or e-mail", Value: f.Search}}}
	b.Table = table{Empty: "No users."}
	return showList(s, w, v, l, b, "Users", func(p fc.Page) ([]fc.User, error) {
		f.Page = p
		return s.app.Users(ctx, v.Subj, f)
	}, func(u *fc.User) fc.ID { return u.ID }, func(us []fc.User) [][]cell {
		var out [][]cell
		for _, u := range us {
			out = append(out, []cell{{Text: u.Email, Href: objectPath(fc.KindUser, u.ID)}, {Text: u.Name},
				{Text: yesNo(u.TOTPEnabled)}, v.timeCell(u.LastSignInAt), {Text: yesNo(u.Disabled)}})
		}
		return out
	})
}

func userFields(u *fc.User) []field {
	return []field{
		{Name: "email", Label: "E-mail", Type: "email", Value: u.Email, Required: true},
		{Name: "name", Label: "Name", Value: u.Name},
	}
}

func (s *Server) newUserPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showNewUser(w, r, v, nil)
}

func (s *Server) showNewUser(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !access.Reach(v.Subj, access.UsersManage).All {
		return fc.Errorf(fc.ENotFound, "no new user")
	}
	f := v.postForm("new", "/users", "Create user", userFields(&fc.User{})...)
	f.Intro = "The user gets a one-time password, shown once on the next page, and chooses its own at the first sign-in."
	b := &detailBody{Heading: "New user", Back: link{"/users", "Users"}, Forms: []*form{f}}
	s.show(w, r, v, b.apply(fl), "detail", "New user", b)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, v *view) error {
	u := fc.User{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	password, err := s.app.CreateUser(r.Context(), v.Subj, &u)
	if err != nil {
		return refail(r, err, "new", func(fl *failure) error { return s.showNewUser(w, r, v, fl) })
	}
	// The one-time password is shown this once; it cannot go in a redirect.
	b := &detailBody{Heading: "User " + u.Email + " is created", Back: link{objectPath(fc.KindUser, u.ID), "To the user, to grant roles"},
		Result: []fact{{Label: "E-mail", Value: u.Email}, {Label: "One-time password", Value: password, Class: "secret"}}}
	b.Facts = []fact{{Label: "Note", Value: "Hand this password over safely: it is not shown again. The user must change it at the first sign-in."}}
	s.show(w, r, v, http.StatusCreated, "detail", "User created", b)
	return nil
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showUser(w, r, v, id, nil)
}

// scopeOptions lists where a role may be granted: the whole provider for
// a provider-wide granter, and every organization and account it sees.
func (s *Server) scopeOptions(r *http.Request, v *view) ([]option, error) {
	var out []option
	if access.Reach(v.Subj, access.UsersManage).All {
		out = append(out, option{"provider", "The whole provider"})
	}
	orgs, err := s.orgOptions(r.Context(), v, 0, "")
	if err != nil {
		return nil, err
	}
	for _, o := range orgs[1:] {
		out = append(out, option{"org:" + o.Value, "Organization " + o.Label})
	}
	accounts, err := s.accountOptions(r.Context(), v, 0, "")
	if err != nil {
		return nil, err
	}
	for _, a := range accounts[1:] {
		out = append(out, option{"account:" + a.Value, "Account " + a.Label})
	}
	return out, nil
}

func (s *Server) showUser(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	ctx := r.Context()
	if !v.can(access.UsersManage) {
		return fc.Errorf(fc.ENotFound, "no users")
	}
	u, err := s.app.User(ctx, v.Subj, id)
	if err != nil {
		return err
	}
	n := s.names(ctx, v)
	b := &detailBody{Heading: or(u.Name, u.Email), Back: link{"/users", "Users"}}
	b.Facts = []fact{{Label: "E-mail", Value: u.Email}, {Label: "Second factor", Value: yesNo(u.TOTPEnabled)},
		{Label: "Must change password", Value: yesNo(u.MustChangePassword)}, {Label: "Last sign-in", Value: v.when(u.LastSignInAt)},
		{Label: "Disabled", Value: yesNo(u.Disabled)}}
	as, err := s.app.Assignments(ctx, v.Subj, fc.AssignmentFilter{UserID: u.ID, Page: fc.Page{Limit: fc.MaxPageSize}})
	if err != nil {
		return err
	}
	roles := table{Caption: "Roles", Columns: []string{"Role", "On", "Granted", "Revoke"}, Empty: "No roles you manage."}
	for _, a := range as {
		on := cell{Text: "The whole provider"}
		switch a.ScopeKind() {
		case fc.ScopeOrganization:
			on = n.cell(fc.KindOrganization, a.OrganizationID)
		case fc.ScopeAccount:
			on = n.cell(fc.KindAccount, a.AccountID)
		}
		rev := v.button("revoke-"+a.ID.String(), objectPath(fc.KindUser, u.ID)+"/roles/"+a.ID.String()+"/delete", "Revoke", "secondary")
		rev.Confirm = "Revoke " + titleCase(string(a.Role)) + "?"
		roles.Rows = append(roles.Rows, []cell{{Text: titleCase(string(a.Role))}, on, {Text: v.when(a.CreatedAt)}, {Form: rev}})
	}
	b.Tables = append(b.Tables, roles)
	b.Links = append(b.Links, link{"/access?user_id=" + u.ID.String(), "Explain this user's access"})
	if s.canOn(ctx, v, access.UsersManage, fc.KindUser, u.ID) {
		scopes, err := s.scopeOptions(r, v)
		if err != nil {
			return err
		}
		var roleOpts []option
		for _, ri := range access.Table() {
			roleOpts = append(roleOpts, option{string(ri.Role), titleCase(string(ri.Role))})
		}
		grant := v.postForm("grant", objectPath(fc.KindUser, u.ID)+"/roles", "Grant role",
			field{Name: "role", Label: "Role", Type: "select", Options: roleOpts, Required: true},
			field{Name: "scope", Label: "On", Type: "select", Options: scopes, Required: true,
				Hint: "You can grant only a role whose every right you hold on the whole scope."})
		grant.Title = "Grant a role"
		edit := v.postForm("edit", objectPath(fc.KindUser, u.ID), "Save", append(userFields(u),
			field{Name: "disabled", Label: "Disabled: may not sign in", Type: "checkbox", Checked: u.Disabled})...)
		edit.Title = "Edit"
		b.Forms = []*form{grant, edit}
	}
	s.show(w, r, v, b.apply(fl), "detail", u.Email, b)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals := r.PostForm
	_, err = s.app.UpdateUser(r.Context(), v.Subj, id, func(u *fc.User) error {
		u.Email, u.Name, u.Disabled = strings.TrimSpace(vals.Get("email")), strings.TrimSpace(vals.Get("name")), vals.Get("disabled") != ""
		return nil
	})
	if err != nil {
		return refail(r, err, "edit", func(fl *failure) error { return s.showUser(w, r, v, id, fl) })
	}
	redirect(w, r, objectPath(fc.KindUser, id), "saved")
	return nil
}

func (s *Server) grantRole(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a := fc.Assignment{UserID: id, Role: fc.Role(r.PostFormValue("role"))}
	kind, raw, _ := strings.Cut(r.PostFormValue("scope"), ":")
	switch kind {
	case "provider":
	case "org":
		a.OrganizationID, err = fc.ParseID(raw)
	case "account":
		a.AccountID, err = fc.ParseID(raw)
	default:
		err = fc.Invalid(map[string]string{"scope": "is required"})
	}
	if err != nil && !fc.IsCode(err, fc.EInvalid) {
		err = fc.Invalid(map[string]string{"scope": "is not a scope"})
	}
	if err == nil {
		err = s.app.CreateAssignment(r.Context(), v.Subj, &a)
	}
	if err != nil {
		if f := fc.ErrorFields(err); f != nil {
			// The service names the scope's fields; the form has one.
			for _, k := range []string{"organization_id", "account_id"} {
				if m, ok := f[k]; ok {
					err = fc.Invalid(map[string]string{"scope": m})
				}
			}
		}
		return refail(r, err, "grant", func(fl *failure) error { return s.showUser(w, r, v, id, fl) })
	}
	redirect(w, r, objectPath(fc.KindUser, id), "granted")
	return nil
}

func (s *Server) revokeRole(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	aid, err := fc.ParseID(r.PathValue("assignment"))
	if err != nil {
		return fc.Errorf(fc.ENotFound, "no such role assignment")
	}
	a, err := s.app.Assignment(r.Context(), v.Subj, aid)
	if err != nil || a.UserID != id {
		return fc.Errorf(fc.ENotFound, "no such role assignment")
	}
	if err := s.app.DeleteAssignment(r.Context(), v.Subj, aid); err != nil {
		return refail(r, err, "revoke-"+aid.String(), func(fl *failure) error { return s.showUser(w, r, v, id, fl) })
	}
	redirect(w, r, objectPath(fc.KindUser, id), "revoked")
	return nil
}

// accessPage answers "may this user do that to this object, and why" with
// the app service's explanation.
func (s *Server) accessPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	var perms []option
	for _, p := range access.Permissions() {
		perms = append(perms, option{string(p.Permission), string(p.Permission) + ": " + p.Description})
	}
	f := &form{ID: "explain", Method: "get", Action: "/access", Submit: "Explain", Title: "Ask",
		Intro: "Whether a user holds a permission on an object, and which role assignment gives it."}
	if v.can(access.UsersManage) {
		f.Fields = append(f.Fields, field{Name: "user_id", Label: "User ID", Value: q.Get("user_id"), Hint: "Empty: yourself."})
	}
	f.Fields = append(f.Fields,
		field{Name: "permission", Label: "Permission", Type: "select", Options: perms, Value: q.Get("permission"), Required: true},
		field{Name: "resource", Label: "Object", Value: q.Get("resource"), Required: true, Hint: "KIND:ID, such as card:123 or organization:4; or provider."})
	b := &detailBody{Heading: "Access"}
	me, err := s.app.Me(ctx, v.Full)
	if err != nil {
		return err
	}
	held := table{Caption: "Your roles", Columns: []string{"Scope", "Roles"}, Empty: "You hold no roles."}
	for _, h := range me.Scopes {
		var roles []string
		for _, role := range h.Roles {
			roles = append(roles, titleCase(string(role)))
		}
		held.Rows = append(held.Rows, []cell{{Text: titleCase(h.Kind) + " " + h.Name}, {Text: strings.Join(roles, ", ")}})
	}
	b.Tables = append(b.Tables, held)
	b.Forms = []*form{f}
	status := http.StatusOK
	if q.Get("resource") != "" || q.Get("permission") != "" {
		fields := map[string]string{}
		var userID fc.ID
		if raw := strings.TrimSpace(q.Get("user_id")); raw != "" {
			if userID, err = fc.ParseID(raw); err != nil {
				fields["user_id"] = "must be a user's ID"
			}
		}
		p, perr := access.ParsePermission(q.Get("permission"))
		if perr != nil {
			fields["permission"] = "is not a permission"
		}
		kind, id, rerr := app.ParseResource(q.Get("resource"))
		for k, m := range fc.ErrorFields(rerr) {
			fields[k] = m
		}
		err = validated(fields)
		var x *app.Explanation
		if err == nil {
			x, err = s.app.Explain(ctx, v.Full, userID, p, kind, id)
		}
		if err != nil {
			if fc.IsCode(err, fc.EInternal) {
				return err
			}
			hidden := fc.IsCode(err, fc.ENotFound)
			if hidden {
				err = fc.Invalid(map[string]string{"resource": "no such object, or none you may see"})
			}
			status = f.fail(err)
			if hidden {
				status = http.StatusNotFound
			}
		} else {
			answer := "No"
			if x.Allowed {
				answer = "Yes"
			}
			b.Result = []fact{{Label: "Allowed", Value: answer, Class: "answer-" + strings.ToLower(answer)}, {Label: "Why", Value: x.Reason}}
			if x.CardSide != nil {
				b.Result = append(b.Result, fact{Label: "Card side", Value: x.CardSide.Reason}, fact{Label: "Station side", Value: x.StationSide.Reason},
					fact{Label: "Card masked", Value: yesNo(x.CardMasked)})
			}
		}
	}
	s.show(w, r, v, status, "detail", "Access", b)
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.AuditRead) {
		return fc.Errorf(fc.ENotFound, "no audit log")
	}
	q := r.URL.Query()
	f := fc.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: queryID(r, "object_id"), Actor: strings.TrimSpace(q.Get("actor"))}
	l, err := newList(r, "/audit", listNoun{"1 event", "%d events", "More than %d events"}, true, []listColumn{
		{Title: "When", Sort: "at"}, {Title: "Who", Sort: "actor"}, {Title: "What", Sort: "action"}, {Title: "Object", Sort: "object"},
		{Title: "Account"}})
	if err != nil {
		return err
	}
	var bad []string
	for _, d := range []struct {
		name, label string
		dst         *time.Time
	}{{"from", "From", &f.From}, {"to", "Until", &f.To}} {
		if raw := strings.TrimSpace(q.Get(d.name)); raw != "" {
			t, err := parseDay(raw, v.Loc)
			if err != nil {
				bad = append(bad, d.label+": "+fc.ErrorMessage(err)+".")
				continue
			}
			*d.dst = t
		}
	}
	if l.export && len(bad) > 0 {
		return fc.Errorf(fc.EInvalid, "%s", strings.Join(bad, " "))
	}
	n := s.names(ctx, v)
	var kinds []option
	kinds = append(kinds, option{"", "Any"})
	for _, k := range app.ResourceKinds {
		kinds = append(kinds, option{k, titleCase(k)})
	}
	b := &listBody{Heading: "Audit log", Intro: "Every change, who made it and when; newest first."}
	b.Filter = &form{ID: "filter", Method: "get", Action: "/audit", Submit: "Filter", Inline: true, Fields: []field{
		{Name: "actor", Label: "Who", Value: f.Actor, Hint: "Part of the user's e-mail or name."},
		{Name: "from", Label: "From", Type: "date", Value: q.Get("from")},
		{Name: "to", Label: "Until (not included)", Type: "date", Value: q.Get("to")},
		{Name: "object_type", Label: "Object", Type: "select", Value: f.ObjectType, Options: kinds},
		{Name: "object_id", Label: "Object ID", Value: idString(f.ObjectID)},
	}}
	if len(bad) > 0 {
		b.Filter.Error = strings.Join(bad, " ")
	}
	b.Presets = datePresets(r, s.cfg.Now().In(v.Loc))
	b.Table = table{Empty: "Nothing recorded."}
	return showList(s, w, v, l, b, "Audit log", func(p fc.Page) ([]fc.AuditEvent, error) {
		f.Page = p
		return s.app.AuditEvents(ctx, v.Subj, f)
	}, func(e *fc.AuditEvent) fc.ID { return e.ID }, func(es []fc.AuditEvent) [][]cell {
		var out [][]cell
		for _, e := range es {
			obj := cell{Text: titleCase(e.ObjectType) + " " + e.ObjectID.String(), Href: objectPath(e.ObjectType, e.ObjectID)}
			at := v.timeCell(e.At)
			at.Href = "/audit/" + e.ID.String()
			out = append(out, []cell{at, {Text: e.Actor}, {Text: e.Action}, obj, n.cell(fc.KindAccount, e.AccountID)})
		}
		return out
	})
}

func (s *Server) auditEventPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, err := s.app.AuditEvent(r.Context(), v.Subj, id)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "Audit event " + e.ID.String(), Back: link{"/audit", "Audit log"}}
	b.Facts = []fact{{Label: "When", Value: v.when(e.At)}, {Label: "Who", Value: e.Actor}, {Label: "From", Value: e.RemoteAddr},
		{Label: "What", Value: e.Action}, {Label: "Object", Value: titleCase(e.ObjectType) + " " + e.ObjectID.String(), Href: objectPath(e.ObjectType, e.ObjectID)},
		{Label: "Before", Value: or(e.Before, "–"), Class: "mono"}, {Label: "After", Value: or(e.After, "–"), Class: "mono"}}
	s.show(w, r, v, http.StatusOK, "detail", "Audit event", b)
	return nil
}
