package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// The OpenAPI 3.1 document is built from the route table and, by
// reflection, from the Go types the routes read and write: their json tags
// name the properties, and the doc, required and enum tags of the request
// bodies are the very tags decode.go enforces.

// schemaNames names the component schemas whose Go name would not do.
var schemaNames = map[reflect.Type]string{
	typ[fc.Assignment]():           "RoleAssignment",
	typ[auditView]():               "AuditEvent",
	typ[chargeGroupView]():         "ChargeGroup",
	typ[stationView]():             "Station",
	typ[sessionView]():             "Session",
	typ[tariffView]():              "Tariff",
	typ[stationCreatedView]():      "StationCreated",
	typ[userCreatedView]():         "UserCreated",
	typ[bulkResult]():              "BulkImportResult",
	typ[bulkResponse]():            "BulkImport",
	typ[errorBody]():               "Error",
	typ[errorDetail]():             "ErrorDetail",
	typ[app.HeldScope]():           "HeldScope",
	typ[app.CommandResult]():       "CommandResult",
	typ[app.Explanation]():         "Explanation",
	typ[access.Decision]():         "Decision",
	typ[app.Access]():              "Access",
	typ[app.ReachCounts]():         "ReachCounts",
	typ[remoteStartInput]():        "RemoteStart",
	typ[remoteStopInput]():         "RemoteStop",
	typ[resetInput]():              "Reset",
	typ[unlockInput]():             "Unlock",
	typ[changeAvailabilityInput](): "ChangeAvailability",
}

// schemaGen turns Go types into JSON Schemas, collecting the named ones as
// components.
type schemaGen struct {
	defs  map[string]any
	names map[string]reflect.Type // component name → its type, to catch two types under one name
}

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// name returns the component name of struct type t; variant "Patch"
// names the PATCH form of a request body.
func (g *schemaGen) name(t reflect.Type, variant string) string {
	n, ok := schemaNames[t]
	if !ok {
		n = t.Name()
		n = strings.TrimSuffix(n, "Input")
		r := []rune(n)
		r[0] = unicode.ToUpper(r[0])
		n = string(r)
		if strings.HasSuffix(t.Name(), "Input") && variant == "" {
			variant = "Input"
		}
	}
	return n + variant
}

// ref returns a reference to the component of struct type t, generating it
// on first use. input marks a request body, create its POST form.
func (g *schemaGen) ref(t reflect.Type, input, create bool) map[string]any {
	variant := ""
	if input && !create {
		variant = "Patch"
	}
	n := g.name(t, variant)
	if prev, ok := g.names[n]; ok && prev != t {
		panic("api: two types are named " + n + " in the OpenAPI document: " + prev.String() + " and " + t.String())
	}
	if _, ok := g.defs[n]; !ok {
		g.names[n] = t
		g.defs[n] = true // placeholder against recursion
		g.defs[n] = g.object(t, input, create)
	}
	return obj("$ref", "#/components/schemas/"+n)
}

// schema returns the schema of a value of type t.
func (g *schemaGen) schema(t reflect.Type, input, create bool) map[string]any {
	switch t {
	case typ[fc.ID]():
		return obj("type", []string{"string", "null"}, "pattern", "^[1-9][0-9]*$", "description", "an ID: a positive integer as a string; null for none")
	case typ[time.Time]():
		return obj("type", "string", "format", "date-time")
	case typ[*time.Time]():
		return obj("type", []string{"string", "null"}, "format", "date-time")
	case typ[Decimal]():
		return obj("type", []string{"number", "string"}, "pattern", `^-?[0-9]+(\.[0-9]+)?$`, "description", "a decimal number, as a JSON number or a string, without exponent")
	case typ[json.Number]():
		return obj("type", "number")
	case typ[json.RawMessage]():
		return obj()
	case typ[fc.Role]():
		roles := make([]string, len(fc.Roles))
		for i, r := range fc.Roles {
			roles[i] = string(r)
		}
		return obj("type", "string", "enum", roles)
	case typ[access.Permission]():
		return obj("type", "string", "enum", permissionNames())
	}
	switch t.Kind() {
	case reflect.String:
		return obj("type", "string")
	case reflect.Bool:
		return obj("type", "boolean")
	case reflect.Int, reflect.Int32, reflect.Int64:
		return obj("type", "integer")
	case reflect.Slice:
		return obj("type", "array", "items", g.schema(t.Elem(), input, create))
	case reflect.Map:
		return obj("type", "object", "additionalProperties", g.schema(t.Elem(), input, create))
	case reflect.Pointer:
		return obj("oneOf", []any{g.schema(t.Elem(), input, create), obj("type", "null")})
	case reflect.Struct:
		return g.ref(t, input, create)
	}
	panic("api: no JSON Schema for " + t.String())
}

// object returns the schema of struct type t: its properties by json tag
// (embedded structs flattened, shallower fields winning as in
// encoding/json), with the doc, enum and, for a create body, required tags.
func (g *schemaGen) object(t reflect.Type, input, create bool) map[string]any {
	type prop struct {
		name     string
		depth    int
		f        reflect.StructField
		optional bool
	}
	var props []prop
	at := map[string]int{}
	for _, f := range reflect.VisibleFields(t) {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || f.Anonymous && name == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := prop{name: name, depth: len(f.Index), f: f, optional: strings.Contains(opts, "omitempty")}
		if i, ok := at[name]; ok {
			if props[i].depth > p.depth {
				props[i] = p
			}
			continue
		}
		at[name] = len(props)
		props = append(props, p)
	}
	properties := map[string]any{}
	var required []string
	for _, p := range props {
		s := g.schema(p.f.Type, input, create)
		if _, isRef := s["$ref"]; isRef {
			// Siblings of $ref are allowed in 3.1, but a wrapper keeps
			// the description readable in every tool.
			s = obj("allOf", []any{s})
		}
		if d := p.f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		if e := p.f.Tag.Get("enum"); e != "" {
			s["enum"] = strings.Split(e, ",")
		}
		if f := p.f.Tag.Get("format"); f != "" {
			s["format"] = f
		}
		properties[p.name] = s
		switch {
		case input && create && p.f.Tag.Get("required") == "true":
			required = append(required, p.name)
		case !input && !p.optional:
			required = append(required, p.name)
		}
	}
	out := obj("type", "object", "properties", properties)
	if input {
		out["additionalProperties"] = false
	}
	if len(required) > 0 {
		sort.Strings(required)
		out["required"] = required
	}
	return out
}

// pathParam describes the {name} segment of a path.
func pathParam(name string) map[string]any {
	p := obj("name", name, "in", "path", "required", true)
	switch name {
	case "report":
		p["schema"] = obj("type", "string", "enum", fc.Reports)
		p["description"] = "the report"
	default:
		p["schema"] = obj("type", "string", "pattern", "^[1-9][0-9]*$")
		p["description"] = "the object's ID"
	}
	return p
}

// queryParam describes a query parameter.
func queryParam(p param) map[string]any {
	var s map[string]any
	switch p.kind {
	case paramID:
		s = obj("type", "string", "pattern", "^[0-9]+$")
	case paramEnum:
		s = obj("type", "string", "enum", p.enum)
	case paramBool:
		s = obj("type", "boolean")
	case paramInteger:
		s = obj("type", "integer", "minimum", 0)
	case paramTime:
		s = obj("type", "string", "description", "a date (YYYY-MM-DD) or an RFC 3339 time")
	default:
		s = obj("type", "string")
	}
	out := obj("name", p.name, "in", "query", "schema", s, "description", p.doc)
	if p.required {
		out["required"] = true
	}
	return out
}

// errorStatuses lists the error responses of a route.
func errorStatuses(rt *route) []int {
	var out []int
	if rt.body != nil || len(rt.params) > 0 || strings.Contains(rt.path, "{") {
		out = append(out, http.StatusBadRequest)
	}
	if !rt.public {
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
	}
	if strings.Contains(rt.path, "{") {
		out = append(out, http.StatusNotFound)
	}
	if rt.method != http.MethodGet {
		out = append(out, http.StatusConflict, http.StatusUnprocessableEntity)
	}
	if rt.body != nil {
		out = append(out, http.StatusRequestEntityTooLarge)
	}
	if strings.Contains(rt.path, "/commands/") {
		out = append(out, http.StatusServiceUnavailable)
	}
	return out
}

// openAPIDocument returns the OpenAPI 3.1 description of every route.
func (s *Server) openAPIDocument() map[string]any {
	g := &schemaGen{defs: map[string]any{}, names: map[string]reflect.Type{}}
	errRef := g.ref(typ[errorBody](), false, false)
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	for i := range s.routes {
		rt := &s.routes[i]
		tags[rt.tag] = true
		op := obj("operationId", rt.id, "tags", []string{rt.tag}, "summary", rt.summary)
		if rt.doc != "" {
			op["description"] = rt.doc
		}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, pathParam(strings.Trim(seg, "{}")))
			}
		}
		for _, p := range rt.params {
			params = append(params, queryParam(p))
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.body != nil {
			body := g.ref(rt.body, true, rt.create)
			content := obj("application/json", obj("schema", body))
			if rt.bulk {
				content = obj(
					"application/json", obj("schema", obj("type", "array", "maxItems", maxBulkRows, "items", body)),
					"text/csv", obj("schema", obj("type", "string", "description", "a header line naming the fields, then one session per line")),
				)
			}
			op["requestBody"] = obj("required", true, "content", content)
		}
		if rt.csv {
			op["requestBody"] = obj("required", true, "content", obj(
				"text/csv", obj("schema", obj("type", "string", "description", "a header line naming the fields, then one object per line"))))
		}
		responses := map[string]any{}
		ok := obj("description", rt.summary)
		switch {
		case len(rt.media) > 0:
			content := map[string]any{}
			for _, m := range rt.media {
				content[m] = obj("schema", obj())
			}
			ok["content"] = content
		case rt.public:
			ok["content"] = obj("application/json", obj("schema", obj("type", "object")))
		case rt.list:
			page := obj("type", "object", "required", []string{"data", "next_cursor"}, "properties", obj(
				"data", obj("type", "array", "items", g.schema(rt.resp, false, false)),
				"next_cursor", obj("type", []string{"string", "null"}, "description", "pass it as after for the next page; null on the last page"),
			))
			ok["content"] = obj("application/json", obj("schema", page))
		case rt.resp != nil:
			ok["content"] = obj("application/json", obj("schema", g.schema(rt.resp, false, false)))
		}
		responses[strconv.Itoa(rt.status)] = ok
		for st, d := range rt.also {
			also := obj("description", d)
			if c, has := ok["content"]; has {
				also["content"] = c
			}
			responses[strconv.Itoa(st)] = also
		}
		for _, st := range errorStatuses(rt) {
			responses[strconv.Itoa(st)] = obj("$ref", "#/components/responses/Error")
		}
		responses["default"] = obj("$ref", "#/components/responses/Error")
		op["responses"] = responses
		if rt.public {
			op["security"] = []any{}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	var tagList []any
	for t := range tags {
		tagList = append(tagList, obj("name", t))
	}
	sort.Slice(tagList, func(i, j int) bool {
		return tagList[i].(map[string]any)["name"].(string) < tagList[j].(map[string]any)["name"].(string)
	})
	return obj(
		"openapi", "3.1.0",
		"info", obj("title", "fleetcharge API", "version", "1",
			"description", "The JSON API of fleetcharge, the EV charging back office with Fleet Roles. "+
				"Lists return {\"data\": [...], \"next_cursor\": ...}: pass next_cursor as after for the next page. "+
				"What the caller may not see is 404, exactly as what does not exist; 403 is for what it sees but may not change. "+
				"Errors are {\"error\": {\"code\", \"message\", \"fields\"}}."),
		"paths", paths,
		"tags", tagList,
		"security", []any{obj("bearerAuth", []string{}), obj("sessionCookie", []string{})},
		"components", obj(
			"schemas", g.defs,
			"responses", obj("Error", obj("description", "an error", "content", obj("application/json", obj("schema", errRef)))),
			"securitySchemes", obj(
				"bearerAuth", obj("type", "http", "scheme", "bearer", "description", "an API token (fleetcharge token create, or the web application)"),
				"sessionCookie", obj("type", "apiKey", "in", "cookie", "name", "fc_session",
					"description", "the web application's session; state-changing requests also need its CSRF token in X-CSRF-Token"),
			),
		),
	)
}
