package scim

import (
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
)

// The discovery resources (RFC 7644 4, RFC 7643 5-7): what this service
// supports, its resource types and their schemas.

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ *fc.IdentityProvider) error {
	no := map[string]any{"supported": false}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []string{SchemaSPConfig},
		"documentationUri": "https://github.com/fleetcharge/fleetcharge/blob/main/docs/SSO.md",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword":   no,
		"sort":             no,
		"etag":             no,
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Bearer token",
			"description": "The identity provider's SCIM token, from POST /api/v1/identity-providers/{id}/scim-token", "primary": true,
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": location(r, Base+"/ServiceProviderConfig")},
	})
	return nil
}

func resourceTypeOf(r *http.Request, name string) map[string]any {
	schema, endpoint := SchemaUser, "/Users"
	if name == "Group" {
		schema, endpoint = SchemaGroup, "/Groups"
	}
	return map[string]any{"schemas": []string{SchemaResourceType}, "id": name, "name": name, "endpoint": endpoint, "schema": schema,
		"meta": map[string]any{"resourceType": "ResourceType", "location": location(r, Base+"/ResourceTypes/"+name)}}
}

func (s *Server) resourceTypes(w http.ResponseWriter, r *http.Request, _ *fc.IdentityProvider) error {
	writeJSON(w, http.StatusOK, listResponse([]any{resourceTypeOf(r, "User"), resourceTypeOf(r, "Group")}, 2, 1))
	return nil
}

func (s *Server) resourceType(w http.ResponseWriter, r *http.Request, _ *fc.IdentityProvider) error {
	name := r.PathValue("id")
	if name != "User" && name != "Group" {
		return &scimError{status: http.StatusNotFound, detail: "no resource type " + name}
	}
	writeJSON(w, http.StatusOK, resourceTypeOf(r, name))
	return nil
}

// attr describes one attribute of a schema.
func attr(name, typ string, multi, required bool, mutability, uniqueness string, sub ...map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": multi, "required": required, "caseExact": false,
		"mutability": mutability, "returned": "default", "uniqueness": uniqueness, "description": name}
	if len(sub) > 0 {
		a["subAttributes"] = sub
	}
	return a
}

func schemaOf(r *http.Request, id string) map[string]any {
	var name string
	var attrs []map[string]any
	switch id {
	case SchemaUser:
		name = "User"
		attrs = []map[string]any{
			attr("userName", "string", false, true, "readWrite", "server"),
			attr("name", "complex", false, false, "readWrite", "none",
				attr("formatted", "string", false, false, "readWrite", "none"),
				attr("givenName", "string", false, false, "readWrite", "none"),
				attr("familyName", "string", false, false, "readWrite", "none")),
			attr("displayName", "string", false, false, "readWrite", "none"),
			attr("emails", "complex", true, false, "readWrite", "none",
				attr("value", "string", false, false, "readWrite", "none"),
				attr("type", "string", false, false, "readWrite", "none"),
				attr("primary", "boolean", false, false, "readWrite", "none")),
			attr("active", "boolean", false, false, "readWrite", "none"),
			attr("groups", "complex", true, false, "readOnly", "none",
				attr("value", "string", false, false, "readOnly", "none"),
				attr("display", "string", false, false, "readOnly", "none")),
		}
	case SchemaGroup:
		name = "Group"
		attrs = []map[string]any{
			attr("displayName", "string", false, true, "readWrite", "server"),
			attr("members", "complex", true, false, "readWrite", "none",
				attr("value", "string", false, false, "immutable", "none"),
				attr("display", "string", false, false, "readOnly", "none")),
		}
	default:
		return nil
	}
	return map[string]any{"schemas": []string{SchemaSchema}, "id": id, "name": name, "attributes": attrs,
		"meta": map[string]any{"resourceType": "Schema", "location": location(r, Base+"/Schemas/"+id)}}
}

func (s *Server) schemas(w http.ResponseWriter, r *http.Request, _ *fc.IdentityProvider) error {
	writeJSON(w, http.StatusOK, listResponse([]any{schemaOf(r, SchemaUser), schemaOf(r, SchemaGroup)}, 2, 1))
	return nil
}

func (s *Server) schema(w http.ResponseWriter, r *http.Request, _ *fc.IdentityProvider) error {
	sc := schemaOf(r, r.PathValue("id"))
	if sc == nil {
		return &scimError{status: http.StatusNotFound, detail: "no schema " + r.PathValue("id")}
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}
