package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is where the tests place the API's document for the schema
// compiler.
const docURL = "https://fleetcharge.test/openapi.json"

// openAPIDoc returns the document the API serves, decoded.
func openAPIDoc(t *testing.T, s *Server) map[string]any {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	s := New(Config{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	raw := rec.Body.Bytes()

	t.Run("valid OpenAPI 3.1", func(t *testing.T) {
		c := jsonschema.NewCompiler()
		f, err := os.Open("testdata/openapi-3.1.schema.json")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		meta, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		const metaURL = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
		if err := c.AddResource(metaURL, meta); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile(metaURL)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("the document is not valid OpenAPI 3.1: %v", err)
		}
	})

	t.Run("every schema is valid JSON Schema 2020-12", func(t *testing.T) {
		c := jsonschema.NewCompiler()
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(docURL, doc); err != nil {
			t.Fatal(err)
		}
		schemas := openAPIDoc(t, s)["components"].(map[string]any)["schemas"].(map[string]any)
		for name := range schemas {
			if _, err := c.Compile(docURL + "#/components/schemas/" + name); err != nil {
				t.Errorf("schema %s: %v", name, err)
			}
		}
	})

	t.Run("every route is described, and nothing else", func(t *testing.T) {
		paths := openAPIDoc(t, s)["paths"].(map[string]any)
		described := map[string]bool{}
		for path, item := range paths {
			for method := range item.(map[string]any) {
				described[strings.ToUpper(method)+" "+path] = true
			}
		}
		ids := map[string]bool{}
		for _, rt := range s.routes {
			if !described[rt.key()] {
				t.Errorf("route %s is not in the document", rt.key())
			}
			delete(described, rt.key())
			if ids[rt.id] {
				t.Errorf("operationId %s is used twice", rt.id)
			}
			ids[rt.id] = true
		}
		for op := range described {
			t.Errorf("the document describes %s, which no route serves", op)
		}
	})

	t.Run("the mux serves every route of the table", func(t *testing.T) {
		for _, rt := range s.routes {
			path := strings.NewReplacer("{id}", "1", "{report}", "charge-cards").Replace(rt.path)
			_, pattern := s.mux.Handler(httptest.NewRequest(rt.method, path, nil))
			if pattern != rt.key() {
				t.Errorf("%s %s is served by %q, want %q", rt.method, path, pattern, rt.key())
			}
		}
	})

	t.Run("every collection of CONTRACT.md has its routes", func(t *testing.T) {
		for _, c := range []string{"organizations", "accounts", "employees", "cards", "locations", "charge-groups",
			"stations", "sessions", "users", "role-assignments", "audit-events"} {
			for _, key := range []string{"GET /api/v1/" + c, "GET /api/v1/" + c + "/{id}"} {
				if s.byKey[key] == nil {
					t.Errorf("no route %s", key)
				}
			}
			if c != "audit-events" && s.byKey["POST /api/v1/"+c] == nil {
				t.Errorf("no route POST /api/v1/%s", c)
			}
		}
		for _, key := range []string{"GET /api/v1/me/access", "GET /api/v1/access/explain", "POST /api/v1/sessions/bulk",
			"GET /api/v1/reports/{report}", "POST /api/v1/stations/{id}/commands/remote-start"} {
			if s.byKey[key] == nil {
				t.Errorf("no route %s", key)
			}
		}
	})

	t.Run("request bodies match what decoding enforces", func(t *testing.T) {
		schemas := openAPIDoc(t, s)["components"].(map[string]any)["schemas"].(map[string]any)
		card := schemas["CardInput"].(map[string]any)
		required := card["required"].([]any)
		if !slices.Contains(required, any("internal_id")) || slices.Contains(required, any("status")) {
			t.Errorf("CardInput required %v", required)
		}
		if card["additionalProperties"] != false {
			t.Errorf("CardInput allows unknown fields")
		}
		if patch := schemas["CardPatch"].(map[string]any); patch["required"] != nil {
			t.Errorf("CardPatch requires %v", patch["required"])
		}
	})
}
