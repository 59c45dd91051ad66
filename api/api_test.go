package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{fc.Errorf(fc.ENotFound, "x"), 404},
		{fc.Invalid(map[string]string{"a": "b"}), 400},
		{fc.Errorf(fc.EConflict, "x"), 409},
		{fc.Errorf(fc.EUnprocessable, "x"), 422},
		{fc.Errorf(fc.EForbidden, "x"), 403},
		{fc.Errorf(fc.EUnauthorized, "x"), 401},
		{http.ErrAbortHandler, 500},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	s := New(Config{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/nope", nil))
	if rec.Code != 404 {
		t.Fatalf("status %d, want 404", rec.Code)
	}
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != fc.ENotFound {
		t.Fatalf("body %s: want a not_found error (%v)", rec.Body, err)
	}
}

func TestInternalErrorHidesDetail(t *testing.T) {
	s := New(Config{})
	rec := httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest("GET", "/api/v1/x", nil), errSecret{})
	if rec.Code != 500 || json.Valid(rec.Body.Bytes()) == false {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	var body errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if body.Error.Message != "internal error" {
		t.Errorf("message %q leaks the internal error", body.Error.Message)
	}
}

type errSecret struct{}

func (errSecret) Error() string { return "pq: password authentication failed for secret-host" }
