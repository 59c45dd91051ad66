package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPages(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{"/", "Fleet Roles"},
		{"/login", `name="password"`},
		{"/static/app.css", "--accent"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("GET %s: status %d, body lacks %q", tt.path, rec.Code, tt.want)
		}
	}
}
