package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadRequests checks that bad input is refused with the right status
// and a precise message, before anything is looked up.
func TestBadRequests(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		account := w.northAcc.String()
		tests := []struct {
			name        string
			method      string
			path        string
			contentType string
			body        string
			status      int
			code        string
			field       string // a field the error must name, with this message part
			message     string // a part of the message
		}{
			{"oversize body", "POST", "/api/v1/cards", "", `{"internal_id": "` + strings.Repeat("x", 1<<20) + `"}`, 413, "too_large", "", "larger than"},
			{"unknown field", "POST", "/api/v1/cards", "", `{"account_id": "` + account + `", "colour": "red"}`, 400, "invalid", "colour", "not a known field"},
			{"field names match exactly", "POST", "/api/v1/cards", "", `{"Account_ID": "` + account + `"}`, 400, "invalid", "Account_ID", "not a known field"},
			{"malformed JSON", "POST", "/api/v1/cards", "", "{\n  \"account_id\": ,\n}", 400, "invalid", "", "line 2, column 17"},
			{"truncated JSON", "POST", "/api/v1/cards", "", `{"account_id": "1"`, 400, "invalid", "", "ends too early"},
			{"two JSON values", "POST", "/api/v1/cards", "", `{} {}`, 400, "invalid", "", "exactly one JSON value"},
			{"not an object", "POST", "/api/v1/cards", "", `[1, 2]`, 400, "invalid", "", "JSON object"},
			{"empty body", "POST", "/api/v1/cards", "", ``, 400, "invalid", "", "empty"},
			{"wrong content type", "POST", "/api/v1/cards", "text/plain", `{}`, 400, "unsupported_media_type", "", "application/json"},
			{"ID as a number", "POST", "/api/v1/cards", "", `{"account_id": 5}`, 400, "invalid", "account_id", "must be an ID"},
			{"string for a boolean", "PATCH", "/api/v1/employees/1", "", `{"active": "yes"}`, 400, "invalid", "active", "true or false"},
			{"fraction for an integer", "POST", "/api/v1/stations", "", `{"connectors": 1.5}`, 400, "invalid", "connectors", "integer"},
			{"nested wrong type", "PATCH", "/api/v1/charge-groups/1", "", `{"tariff": {"per_kwh": true}}`, 400, "invalid", "tariff.per_kwh", "decimal"},
			{"nested unknown field", "PATCH", "/api/v1/charge-groups/1", "", `{"tariff": {"vat": 21}}`, 400, "invalid", "tariff.vat", "not a known field"},
			{"too many decimals", "PATCH", "/api/v1/charge-groups/1", "", `{"tariff": {"per_kwh": "0.0000001"}}`, 400, "invalid", "tariff.per_kwh", "6 decimals"},
			{"enum", "POST", "/api/v1/accounts", "", `{"kind": "charity"}`, 400, "invalid", "kind", "company, private"},
			{"required", "POST", "/api/v1/accounts", "", `{"kind": "company"}`, 400, "invalid", "name", "is required"},
			{"required, null", "POST", "/api/v1/accounts", "", `{"kind": "company", "name": null}`, 400, "invalid", "name", "is required"},
			{"bad time", "POST", "/api/v1/sessions", "", `{"started_at": "yesterday"}`, 400, "invalid", "started_at", "RFC 3339"},
			{"unknown query parameter", "GET", "/api/v1/cards?acount_id=1", "", "", 400, "invalid", "acount_id", "not a query parameter"},
			{"bad limit", "GET", "/api/v1/cards?limit=1000", "", "", 400, "invalid", "limit", "1 to 500"},
			{"bad filter", "GET", "/api/v1/cards?status=lost", "", "", 400, "invalid", "status", "active"},
			{"bad cursor", "GET", "/api/v1/cards?after=x", "", "", 400, "invalid", "after", "ID"},
			{"repeated parameter", "GET", "/api/v1/cards?status=active&status=inactive", "", "", 400, "invalid", "status", "more than once"},
			{"bad ID in the path", "GET", "/api/v1/cards/abc", "", "", 404, "not_found", "", "abc"},
			{"method not allowed", "PUT", "/api/v1/cards/1", "", "{}", 405, "method_not_allowed", "", "GET, PATCH, DELETE"},
			{"no such route", "GET", "/api/v1/chargers", "", "", 404, "not_found", "", "no such API route"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json"
				}
				var body any
				if tt.body != "" || tt.method != "GET" {
					body = tt.body
				}
				got := w.send(admin, tt.method, tt.path, ct, body)
				if got.status != tt.status || got.errorCode() != tt.code {
					t.Fatalf("status %d code %q, want %d %q; body %.300s", got.status, got.errorCode(), tt.status, tt.code, got.body)
				}
				if tt.field != "" {
					if msg := got.fields()[tt.field]; !strings.Contains(msg, tt.message) {
						t.Errorf("field %s: %q, want it to say %q; body %s", tt.field, msg, tt.message, got.body)
					}
				} else if !strings.Contains(string(got.body), tt.message) {
					t.Errorf("body %.300s, want it to say %q", got.body, tt.message)
				}
				if got.header.Get("Content-Type") != "application/json" {
					t.Errorf("Content-Type %q", got.header.Get("Content-Type"))
				}
			})
		}

		t.Run("every field error at once", func(t *testing.T) {
			got := w.do(admin, "POST", "/api/v1/charge-groups", `{"account_id": 1, "kind": "garage", "colour": "red", "tariff": {"per_kwh": "x"}}`)
			want := []string{"account_id", "kind", "colour", "name", "access", "tariff.per_kwh", "tariff.currency"}
			for _, f := range want {
				if got.fields()[f] == "" {
					t.Errorf("fields %v, want %s among them", got.fields(), f)
				}
			}
		})
		t.Run("authentication", func(t *testing.T) {
			w.do("", "GET", "/api/v1/cards", nil).want(t, http.StatusUnauthorized)
			w.tokens["forged"] = "fct_forged"
			w.do("forged", "GET", "/api/v1/cards", nil).want(t, http.StatusUnauthorized)
			// 401 comes before the input is even read.
			w.do("", "POST", "/api/v1/cards", "{not json").want(t, http.StatusUnauthorized)
			w.do("", "GET", "/api/v1/openapi.json", nil).want(t, http.StatusOK)
		})
	})
}
