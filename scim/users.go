package scim

import (
	"encoding/json"
	"net/http"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// userName is a User's name attribute (RFC 7643 4.1.1).
type userName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// multiValue is an entry of emails, groups or members.
type multiValue struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// userIn is a User as a directory sends it.
type userIn struct {
	UserName    string       `json:"userName"`
	ExternalID  string       `json:"externalId"`
	Name        *userName    `json:"name"`
	DisplayName string       `json:"displayName"`
	Emails      []multiValue `json:"emails"`
	Active      *bool        `json:"active"`
}

// apply sets what the User says on su, as a POST or PUT replaces it.
func (in *userIn) apply(su *fc.SCIMUser) {
	su.UserName, su.ExternalID = in.UserName, in.ExternalID
	su.User.Email = emailOf(in)
	su.User.Name = nameOf(in)
	su.User.Disabled = in.Active != nil && !*in.Active
}

// emailOf is the user's address: its primary e-mail, else its first, else
// its userName when that is an address.
func emailOf(in *userIn) string {
	for _, e := range in.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(in.Emails) > 0 {
		return in.Emails[0].Value
	}
	return in.UserName
}

func nameOf(in *userIn) string {
	switch {
	case in.DisplayName != "":
		return in.DisplayName
	case in.Name != nil && in.Name.Formatted != "":
		return in.Name.Formatted
	case in.Name != nil:
		return strings.TrimSpace(in.Name.GivenName + " " + in.Name.FamilyName)
	}
	return ""
}

// userOut is the User resource of a user.
func userOut(r *http.Request, su *fc.SCIMUser) map[string]any {
	id := su.User.ID.String()
	groups := []multiValue{}
	for _, g := range su.Groups {
		groups = append(groups, multiValue{Value: g.ID.String(), Display: g.DisplayName, Ref: location(r, Base+"/Groups/"+g.ID.String())})
	}
	out := map[string]any{
		"schemas": []string{SchemaUser}, "id": id, "userName": su.UserName,
		"name": userName{Formatted: su.User.Name}, "displayName": su.User.Name,
		"emails": []multiValue{{Value: su.User.Email, Type: "work", Primary: true}},
		"active": !su.User.Disabled, "groups": groups,
		"meta": meta(r, "User", Base+"/Users/"+id, su.User.CreatedAt, su.User.UpdatedAt),
	}
	if su.ExternalID != "" {
		out["externalId"] = su.ExternalID
	}
	return out
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	f, start, err := listParams(r, "userName", "externalId", "displayName")
	if err != nil {
		return err
	}
	users, total, err := s.store.SCIMUsers(r.Context(), p.ID, f)
	if err != nil {
		return err
	}
	var out []any
	for i := range users {
		out = append(out, userOut(r, &users[i]))
	}
	writeJSON(w, http.StatusOK, listResponse(out, total, start))
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	su, err := s.store.SCIMUser(r.Context(), p.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(r, su))
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	var in userIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var su fc.SCIMUser
	in.apply(&su)
	if err := s.store.CreateSCIMUser(r.Context(), p.ID, &su); err != nil {
		return err
	}
	out := userOut(r, &su)
	w.Header().Set("Location", location(r, Base+"/Users/"+su.User.ID.String()))
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in userIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	su, err := s.store.UpdateSCIMUser(r.Context(), p.ID, id, func(su *fc.SCIMUser) error {
		in.apply(su)
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(r, su))
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSCIMUser(r.Context(), p.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchOp is one operation of a PatchOp request (RFC 7644 3.5.2).
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

// readPatch reads a PatchOp body and checks its operations' names.
func readPatch(w http.ResponseWriter, r *http.Request) ([]patchOp, error) {
	var req patchRequest
	if err := decode(w, r, &req); err != nil {
		return nil, err
	}
	ok := false
	for _, sc := range req.Schemas {
		ok = ok || sc == SchemaPatchOp
	}
	if !ok || len(req.Operations) == 0 {
		return nil, badRequest("invalidSyntax", "a PATCH body is a %s with Operations", SchemaPatchOp)
	}
	for i := range req.Operations {
		op := &req.Operations[i]
		op.Op = strings.ToLower(op.Op)
		if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
			return nil, badRequest("invalidSyntax", "op must be add, replace or remove, not %q", op.Op)
		}
		if op.Op == "remove" && op.Path == "" {
			return nil, badRequest("noTarget", "a remove needs a path")
		}
		if op.Op != "remove" && len(op.Value) == 0 {
			return nil, badRequest("invalidValue", "an %s needs a value", op.Op)
		}
	}
	return req.Operations, nil
}

// boolValue reads a boolean, also as the string some directories send.
func boolValue(raw json.RawMessage) (bool, error) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, badRequest("invalidValue", "active must be true or false")
}

func stringValue(raw json.RawMessage, attr string) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", badRequest("invalidValue", "%s must be a string", attr)
	}
	return s, nil
}

// patchUserAttr applies one operation to one attribute of a user.
func patchUserAttr(su *fc.SCIMUser, op, path string, raw json.RawMessage) error {
	remove := op == "remove"
	str := func(dst *string) error {
		if remove {
			*dst = ""
			return nil
		}
		v, err := stringValue(raw, path)
		*dst = v
		return err
	}
	switch strings.ToLower(path) {
	case "active":
		if remove {
			return badRequest("mutability", "active cannot be removed")
		}
		b, err := boolValue(raw)
		su.User.Disabled = !b
		return err
	case "username":
		if remove {
			return badRequest("mutability", "userName is required")
		}
		return str(&su.UserName)
	case "externalid":
		return str(&su.ExternalID)
	case "displayname", "name.formatted":
		return str(&su.User.Name)
	case "name.givenname", "name.familyname", "name":
		return nil // the name is kept whole, as displayName
	case "emails", `emails[type eq "work"].value`, `emails[primary eq true].value`:
		if remove {
			return badRequest("mutability", "a user keeps its e-mail address")
		}
		var list []multiValue
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			su.User.Email = emailOf(&userIn{Emails: list})
			return nil
		}
		return str(&su.User.Email)
	}
	return badRequest("invalidPath", "the attribute %s cannot be changed here", path)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ops, err := readPatch(w, r)
	if err != nil {
		return err
	}
	su, err := s.store.UpdateSCIMUser(r.Context(), p.ID, id, func(su *fc.SCIMUser) error {
		for _, op := range ops {
			if op.Path != "" {
				if err := patchUserAttr(su, op.Op, op.Path, op.Value); err != nil {
					return err
				}
				continue
			}
			var attrs map[string]json.RawMessage
			if err := json.Unmarshal(op.Value, &attrs); err != nil {
				return badRequest("invalidValue", "an operation without path needs an object of attributes")
			}
			for k, v := range attrs {
				if k == "schemas" {
					continue
				}
				if k == "name" {
					var n userName
					if json.Unmarshal(v, &n) == nil {
						if name := nameOf(&userIn{Name: &n}); name != "" {
							su.User.Name = name
						}
					}
					continue
				}
				if err := patchUserAttr(su, op.Op, k, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(r, su))
	return nil
}
