package scim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// groupIn is a Group as a directory sends it.
type groupIn struct {
	DisplayName string       `json:"displayName"`
	ExternalID  string       `json:"externalId"`
	Members     []multiValue `json:"members"`
}

// memberIDs reads the users a members list names.
func memberIDs(ms []multiValue) ([]fc.ID, error) {
	out := make([]fc.ID, 0, len(ms))
	for _, m := range ms {
		id, err := fc.ParseID(m.Value)
		if err != nil {
			return nil, badRequest("invalidValue", "members: %q is not the id of a user", m.Value)
		}
		out = append(out, id)
	}
	return out, nil
}

func (in *groupIn) apply(g *fc.SCIMGroup) error {
	ids, err := memberIDs(in.Members)
	if err != nil {
		return err
	}
	g.DisplayName, g.ExternalID, g.Members = in.DisplayName, in.ExternalID, ids
	return nil
}

// groupOut is the Group resource of a group.
func groupOut(r *http.Request, g *fc.SCIMGroup) map[string]any {
	id := g.ID.String()
	members := []multiValue{}
	for _, m := range g.Members {
		members = append(members, multiValue{Value: m.String(), Ref: location(r, Base+"/Users/"+m.String()), Type: "User"})
	}
	out := map[string]any{"schemas": []string{SchemaGroup}, "id": id, "displayName": g.DisplayName, "members": members,
		"meta": meta(r, "Group", Base+"/Groups/"+id, g.CreatedAt, g.UpdatedAt)}
	if g.ExternalID != "" {
		out["externalId"] = g.ExternalID
	}
	return out
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	f, start, err := listParams(r, "displayName", "externalId")
	if err != nil {
		return err
	}
	groups, total, err := s.store.SCIMGroups(r.Context(), p.ID, f)
	if err != nil {
		return err
	}
	var out []any
	for i := range groups {
		out = append(out, groupOut(r, &groups[i]))
	}
	writeJSON(w, http.StatusOK, listResponse(out, total, start))
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	g, err := s.store.SCIMGroup(r.Context(), p.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupOut(r, g))
	return nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	var in groupIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g := fc.SCIMGroup{IdentityProviderID: p.ID}
	if err := in.apply(&g); err != nil {
		return err
	}
	if err := s.store.CreateSCIMGroup(r.Context(), &g); err != nil {
		return err
	}
	w.Header().Set("Location", location(r, Base+"/Groups/"+g.ID.String()))
	writeJSON(w, http.StatusCreated, groupOut(r, &g))
	return nil
}

func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in groupIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g, err := s.store.UpdateSCIMGroup(r.Context(), p.ID, id, in.apply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupOut(r, g))
	return nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSCIMGroup(r.Context(), p.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// memberPath reads the path members[value eq "ID"].
var memberPath = regexp.MustCompile(`^(?i:members)\[\s*(?i:value)\s+(?i:eq)\s+"([^"]*)"\s*\]$`)

// patchGroupAttr applies one operation to a group.
func patchGroupAttr(g *fc.SCIMGroup, op, path string, raw json.RawMessage) error {
	if m := memberPath.FindStringSubmatch(path); m != nil {
		if op != "remove" {
			return badRequest("invalidPath", "a member is added with path members and its value")
		}
		id, err := fc.ParseID(m[1])
		if err != nil {
			return badRequest("invalidValue", "members: %q is not the id of a user", m[1])
		}
		g.Members = slices.DeleteFunc(g.Members, func(x fc.ID) bool { return x == id })
		return nil
	}
	switch strings.ToLower(path) {
	case "members":
		var list []multiValue
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &list); err != nil {
				return badRequest("invalidValue", "members must be a list of {\"value\": user id}")
			}
		}
		ids, err := memberIDs(list)
		if err != nil {
			return err
		}
		switch {
		case op == "add":
			g.Members = append(g.Members, ids...)
		case op == "replace":
			g.Members = ids
		case len(ids) == 0: // remove all
			g.Members = nil
		default:
			g.Members = slices.DeleteFunc(g.Members, func(x fc.ID) bool { return slices.Contains(ids, x) })
		}
		return nil
	case "displayname":
		if op == "remove" {
			return badRequest("mutability", "displayName is required")
		}
		v, err := stringValue(raw, path)
		g.DisplayName = v
		return err
	case "externalid":
		if op == "remove" {
			g.ExternalID = ""
			return nil
		}
		v, err := stringValue(raw, path)
		g.ExternalID = v
		return err
	}
	return badRequest("invalidPath", "the attribute %s cannot be changed here", path)
}

func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ops, err := readPatch(w, r)
	if err != nil {
		return err
	}
	g, err := s.store.UpdateSCIMGroup(r.Context(), p.ID, id, func(g *fc.SCIMGroup) error {
		for _, op := range ops {
			if op.Path != "" {
				if err := patchGroupAttr(g, op.Op, op.Path, op.Value); err != nil {
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
				if err := patchGroupAttr(g, op.Op, k, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupOut(r, g))
	return nil
}
