package api_test

import (
	"net/http"
	"testing"
)

// TestUserLanguageField: a user's language is created, read and patched
// as language; none of the application's languages is a 400 on it.
func TestUserLanguageField(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		created := w.do(admin, "POST", "/api/v1/users", map[string]any{"email": "taal@example.com", "language": "nl"}).want(t, http.StatusCreated).object(t)
		wantFields(t, "created", created, map[string]any{"language": "nl"})
		id := created["id"].(string)
		wantFields(t, "patched", w.do(admin, "PATCH", "/api/v1/users/"+id, map[string]any{"language": "fr"}).want(t, http.StatusOK).object(t),
			map[string]any{"language": "fr", "email": "taal@example.com"})
		wantFields(t, "read", w.do(admin, "GET", "/api/v1/users/"+id, nil).want(t, http.StatusOK).object(t),
			map[string]any{"language": "fr"})
		if got := w.do(admin, "PATCH", "/api/v1/users/"+id, map[string]any{"language": "klingon"}).want(t, http.StatusBadRequest).fields(); got["language"] == "" {
			t.Errorf("fields %v, want language", got)
		}
		wantFields(t, "cleared", w.do(admin, "PATCH", "/api/v1/users/"+id, map[string]any{"language": ""}).want(t, http.StatusOK).object(t),
			map[string]any{"language": ""})
	})
}
