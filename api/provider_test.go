package api_test

import (
	"context"
	"net/http"
	"testing"
)

// TestProviderContactRefused: a PATCH of the provider with a bad invoice
// contact phone or e-mail answers 400 with the error code invalid and the
// field's message, and writes nothing: not the contact, not the other
// fields of the same request, no audit entry.
func TestProviderContactRefused(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		good := map[string]any{"contact_name": "Iris Bakker", "phone": "+31 30 123 45 67", "email": "iris@logistics-cpo.example"}
		w.do(admin, "PATCH", "/api/v1/provider", good).want(t, http.StatusOK)
		audits := func() int {
			t.Helper()
			var n int
			check(t, w.st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE provider_id = $1`, int64(w.provider)).Scan(&n))
			return n
		}
		before := audits()
		for _, c := range []struct {
			body   map[string]any
			fields map[string]string
		}{
			{map[string]any{"phone": "call me", "legal_name": "Changed B.V."},
				map[string]string{"phone": "must be a telephone number: at least 3 digits, with +, spaces, -, / or parentheses"}},
			{map[string]any{"phone": "12", "contact_name": "Someone Else"},
				map[string]string{"phone": "must be a telephone number: at least 3 digits, with +, spaces, -, / or parentheses"}},
			{map[string]any{"email": "iris at example", "invoice_prefix": "NEW"},
				map[string]string{"email": "must be an e-mail address"}},
			{map[string]any{"email": "Iris <iris@logistics-cpo.example>"},
				map[string]string{"email": "must be an e-mail address"}},
			{map[string]any{"phone": "+31 (0)30 ext. 5", "email": "iris@", "contact_name": "Someone Else"},
				map[string]string{"phone": "must be a telephone number: at least 3 digits, with +, spaces, -, / or parentheses",
					"email": "must be an e-mail address"}},
		} {
			r := w.do(admin, "PATCH", "/api/v1/provider", c.body).want(t, http.StatusBadRequest)
			if got := r.errorCode(); got != "invalid" {
				t.Errorf("PATCH %v: error code %q, want invalid", c.body, got)
			}
			got := r.fields()
			if len(got) != len(c.fields) {
				t.Errorf("PATCH %v: fields %v, want %v", c.body, got, c.fields)
			}
			for f, msg := range c.fields {
				if got[f] != msg {
					t.Errorf("PATCH %v: %s %q, want %q", c.body, f, got[f], msg)
				}
			}
		}
		p := w.do(admin, "GET", "/api/v1/provider", nil).want(t, http.StatusOK).object(t)
		for k, v := range good {
			if p[k] != v {
				t.Errorf("after refused patches %s = %v, want %v", k, p[k], v)
			}
		}
		if p["legal_name"] != "" || p["invoice_prefix"] != "" {
			t.Errorf("a refused patch wrote its other fields: legal name %v, prefix %v", p["legal_name"], p["invoice_prefix"])
		}
		if got := audits(); got != before {
			t.Errorf("refused patches wrote %d audit entries", got-before)
		}
	})
}
