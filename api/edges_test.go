package api_test

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/api"
)

// TestStrictBodies sends bodies that a lenient reader would take in part or
// silently change: each is refused whole, with a code and a message that
// says what and where, and nothing is created.
func TestStrictBodies(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		account := `"account_id": "` + w.northAcc.String() + `"`
		noType := "-" // send the body without a Content-Type
		tests := []struct {
			name        string
			method      string
			path        string
			contentType string
			body        string
			status      int
			code        string
			field       string // a field the error must name, with the message part
			message     string // a part of the message or the field's message
		}{
			{"no Content-Type", "POST", "/api/v1/accounts", noType, `{"name": "Acme", "kind": "company"}`, 400, "unsupported_media_type", "", "no Content-Type"},
			{"another Content-Type", "POST", "/api/v1/accounts", "text/plain", `{"name": "Acme", "kind": "company"}`, 400, "unsupported_media_type", "", "application/json"},
			{"form Content-Type", "POST", "/api/v1/accounts", "application/x-www-form-urlencoded", `name=Acme`, 400, "unsupported_media_type", "", "application/json"},
			{"another charset", "POST", "/api/v1/accounts", "application/json; charset=iso-8859-1", `{"name": "Acme", "kind": "company"}`, 400, "unsupported_media_type", "", "UTF-8"},
			{"CSV where JSON is taken", "POST", "/api/v1/accounts", "text/csv", "name,kind\nAcme,company\n", 400, "unsupported_media_type", "", "application/json"},
			{"bulk without Content-Type", "POST", "/api/v1/sessions/bulk", noType, `[]`, 400, "unsupported_media_type", "", "application/json or text/csv"},
			{"duplicate key", "POST", "/api/v1/accounts", "", `{"name": "Acme", "kind": "company", "name": "Other"}`, 400, "invalid", "name", "more than once"},
			{"duplicate key, position", "POST", "/api/v1/accounts", "", "{\"name\": \"Acme\",\n \"name\": \"Other\"}", 400, "invalid", "", "line 2, column 2"},
			{"duplicate nested key", "PATCH", "/api/v1/charge-groups/1", "", `{"tariff": {"currency": "EUR", "currency": "USD"}}`, 400, "invalid", "tariff.currency", "more than once"},
			{"duplicate key in an unknown object", "POST", "/api/v1/accounts", "", `{"x": {"y": [{"z": 1, "z": 2}]}}`, 400, "invalid", "x.y[0].z", "more than once"},
			{"duplicate key in a bulk row", "POST", "/api/v1/sessions/bulk", "", `[{"external_ref": "a"}, {"external_ref": "b", "external_ref": "c"}]`, 400, "invalid", "[1].external_ref", "more than once"},
			{"invalid UTF-8", "POST", "/api/v1/accounts", "", "{\"name\": \"Ac\xffme\", \"kind\": \"company\"}", 400, "invalid", "", "not valid UTF-8 at line 1, column 13"},
			{"invalid UTF-8, truncated sequence", "POST", "/api/v1/accounts", "", "{\"name\": \"\xe2\x82\", \"kind\": \"company\"}", 400, "invalid", "", "not valid UTF-8"},
			{"overlong UTF-8", "POST", "/api/v1/accounts", "", "{\"name\": \"\xc0\xaf\", \"kind\": \"company\"}", 400, "invalid", "", "not valid UTF-8"},
			{"invalid UTF-8 in CSV", "POST", "/api/v1/sessions/bulk", "text/csv", "external_ref\nr\xff1\n", 400, "invalid", "", "not valid UTF-8 at line 2"},
			{"raw NUL", "POST", "/api/v1/accounts", "", "{\"name\": \"A\x00\", \"kind\": \"company\"}", 400, "invalid", "", "NUL character at line 1, column 12"},
			{"NUL in CSV", "POST", "/api/v1/sessions/bulk", "text/csv", "external_ref\nr\x001\n", 400, "invalid", "", "NUL character"},
			{"escaped NUL in a value", "POST", "/api/v1/accounts", "", `{"name": "Acme\u0000", "kind": "company"}`, 400, "invalid", "name", "NUL character"},
			{"escaped NUL in a nested value", "POST", "/api/v1/cards", "", `{` + account + `, "internal_id": ["a\u0000"]}`, 400, "invalid", "internal_id[0]", "NUL character"},
			{"escaped NUL in a key", "POST", "/api/v1/accounts", "", `{"na\u0000me": "Acme", "kind": "company"}`, 400, "invalid", "", "key holds a NUL character"},
			{"lone high surrogate", "POST", "/api/v1/accounts", "", `{"name": "A\ud800", "kind": "company"}`, 400, "invalid", "", "surrogate"},
			{"lone low surrogate", "POST", "/api/v1/accounts", "", `{"name": "A\udc00", "kind": "company"}`, 400, "invalid", "", "surrogate"},
			{"reversed surrogates", "POST", "/api/v1/accounts", "", `{"name": "\ude00\ud83d", "kind": "company"}`, 400, "invalid", "", "surrogate"},
			{"high surrogate before another escape", "POST", "/api/v1/accounts", "", `{"name": "\ud83d\u0041", "kind": "company"}`, 400, "invalid", "", "surrogate"},
		}
		before := len(w.do(admin, "GET", "/api/v1/accounts?limit=500", nil).want(t, http.StatusOK).ids(t))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := w.sendRaw(admin, tt.method, tt.path, tt.contentType, noType, tt.body)
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
			})
		}
		if after := len(w.do(admin, "GET", "/api/v1/accounts?limit=500", nil).want(t, http.StatusOK).ids(t)); after != before {
			t.Errorf("%d accounts after the refused bodies, want %d", after, before)
		}

		t.Run("what stays accepted", func(t *testing.T) {
			// A surrogate pair is one character; U+FFFD sent as itself is
			// a character like any other; a charset of utf-8 is the default.
			got := w.sendRaw(admin, "POST", "/api/v1/accounts", "application/json; charset=UTF-8", noType,
				`{"name": "Acme \ud83d\ude00 \ufffd`+"\ufffd"+`", "kind": "company", "organization_id": "`+w.north.String()+`"}`)
			got.want(t, http.StatusCreated)
			if name, _ := got.object(t)["name"].(string); name != "Acme 😀 \ufffd\ufffd" {
				t.Errorf("name %q", name)
			}
			// An empty body without a Content-Type is the empty body's error.
			got = w.sendRaw(admin, "POST", "/api/v1/accounts", noType, noType, "")
			if got.status != http.StatusBadRequest || !strings.Contains(string(got.body), "empty") {
				t.Errorf("empty body: %d %s", got.status, got.body)
			}
		})
	})
}

// sendRaw sends body as it is, with the Content-Type contentType ("" for
// application/json, none for the marker none).
func (w *world) sendRaw(who, method, path, contentType, none, body string) response {
	w.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	switch contentType {
	case none:
	case "":
		req.Header.Set("Content-Type", "application/json")
	default:
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// TestQueryRule sends query strings that a lenient reader would read in
// part: each is 400 on every route, the API's own and the unknown.
func TestQueryRule(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		station := w.north1.station.String()
		all := len(w.do(admin, "GET", "/api/v1/sessions", nil).want(t, http.StatusOK).ids(t))
		only := len(w.do(admin, "GET", "/api/v1/sessions?station_id="+station, nil).want(t, http.StatusOK).ids(t))
		if only >= all {
			t.Fatalf("the station filter keeps %d of %d sessions: the test needs it to drop some", only, all)
		}
		tests := []struct{ name, path, message string }{
			{"a semicolon drops the filter", "/api/v1/sessions?station_id=" + station + ";x", `";"`},
			{"a semicolon as separator", "/api/v1/sessions?limit=1;station_id=" + station, `";"`},
			{"a bad escape", "/api/v1/sessions?search=%zz", "malformed %-escape"},
			{"invalid UTF-8 in a value", "/api/v1/cards?search=%ff", `"search" is not valid UTF-8`},
			{"invalid UTF-8 in a name", "/api/v1/cards?se%c3arch=x", "not valid UTF-8"},
			{"NUL in a value", "/api/v1/cards?search=a%00", `"search" holds a NUL character`},
			{"NUL in a name", "/api/v1/cards?a%00=1", "NUL character"},
			{"on a route that reads no query", "/api/v1/me/access?x=1;y", `";"`},
			{"on no route", "/api/v1/nothing?x=%ff", "UTF-8"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := w.do(admin, "GET", tt.path, nil)
				var e struct {
					Error struct{ Message string } `json:"error"`
				}
				got.json(t, &e)
				if got.status != http.StatusBadRequest || got.errorCode() != "invalid" || !strings.Contains(e.Error.Message, tt.message) {
					t.Errorf("status %d code %q body %s, want 400 invalid saying %s", got.status, got.errorCode(), got.body, tt.message)
				}
			})
		}
	})
}

// TestCheckQuery is the rule itself, which the server also applies to the
// web application.
func TestCheckQuery(t *testing.T) {
	for _, ok := range []string{"", "a=1&b=2", "search=caf%C3%A9", "search=a%3Bb", "x=%E2%82%AC", "flag", "a=1&&b=2", "q=a+b"} {
		if err := api.CheckQuery(ok); err != nil {
			t.Errorf("CheckQuery(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"a=1;b=2", ";", "a=%", "a=%G1", "a=%ff", "%ff=1", "a=%00", "a=\xff", "a=%ED%A0%80"} {
		if err := api.CheckQuery(bad); err == nil {
			t.Errorf("CheckQuery(%q) = nil, want an error", bad)
		}
	}
}

// TestUnavailableAnswers503 makes the database refuse writes: a write is
// 503 unavailable with Retry-After and a message that tells nothing of the
// engine, not 500.
func TestUnavailableAnswers503(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		db := w.st.DB()
		if w.st.Engine() == "sqlite" {
			// The writer is one connection, which keeps the setting.
			check(t, execAll(db, `PRAGMA query_only = 1`))
		} else {
			db.SetMaxOpenConns(1)
			check(t, execAll(db, `SET SESSION default_transaction_read_only = on`))
		}
		got := w.do(admin, "POST", "/api/v1/accounts", map[string]any{"name": "Acme", "kind": "company", "organization_id": w.north.String()})
		if got.status != http.StatusServiceUnavailable || got.errorCode() != "unavailable" {
			t.Fatalf("status %d code %q body %s, want 503 unavailable", got.status, got.errorCode(), got.body)
		}
		if ra := got.header.Get("Retry-After"); ra != api.RetryAfter {
			t.Errorf("Retry-After %q, want %q", ra, api.RetryAfter)
		}
		for _, detail := range []string{"sql", "SQL", "readonly", "read-only", "25006", "transaction"} {
			if strings.Contains(string(got.body), detail) {
				t.Errorf("the body tells %q: %s", detail, got.body)
			}
		}
	})
}

// execAll runs a statement on the pool.
func execAll(db interface {
	Exec(string, ...any) (sql.Result, error)
}, stmt string) error {
	_, err := db.Exec(stmt)
	return err
}
