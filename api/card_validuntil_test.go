package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCardValidUntil: valid_until goes in and out of the API as a date,
// can be cleared with null or "", filters the list (expiring), is in the
// import's columns, and a bad date is refused as invalid, on that field,
// with nothing written.
func TestCardValidUntil(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		acc := w.northAcc.String()
		count := func() int {
			var page struct{ Data []any }
			w.do(admin, "GET", "/api/v1/cards?account_id="+acc+"&limit=500", nil).want(t, http.StatusOK).json(t, &page)
			return len(page.Data)
		}
		before := count()
		for _, bad := range []any{"2026-02-30", "31-12-2026", "2026-12-31T00:00:00Z", 20261231} {
			r := w.do(admin, "POST", "/api/v1/cards", map[string]any{"account_id": acc, "internal_id": "VU1", "external_id": "EXT-VU1",
				"valid_until": bad})
			if r.status != http.StatusBadRequest || r.errorCode() != "invalid" || r.fields()["valid_until"] == "" {
				t.Errorf("valid_until %v: status %d, body %s; want 400 invalid on valid_until", bad, r.status, r.body)
			}
		}
		if n := count(); n != before {
			t.Fatalf("%d cards after refused creates, want %d", n, before)
		}
		created := w.do(admin, "POST", "/api/v1/cards", map[string]any{"account_id": acc, "internal_id": "VU1", "external_id": "EXT-VU1",
			"valid_until": "2099-12-31"}).want(t, http.StatusCreated).object(t)
		id, _ := created["id"].(string)
		if created["valid_until"] != "2099-12-31" {
			t.Errorf("created: %v", created)
		}
		got := w.do(admin, "GET", "/api/v1/cards/"+id, nil).want(t, http.StatusOK).object(t)
		if got["valid_until"] != "2099-12-31" {
			t.Errorf("read back: %v", got)
		}
		r := w.do(admin, "PATCH", "/api/v1/cards/"+id, map[string]any{"valid_until": "2099-02-29"})
		if r.status != http.StatusBadRequest || r.errorCode() != "invalid" || r.fields()["valid_until"] == "" {
			t.Errorf("PATCH with a bad date: %d %s", r.status, r.body)
		}
		if got := w.do(admin, "GET", "/api/v1/cards/"+id, nil).want(t, http.StatusOK).object(t); got["valid_until"] != "2099-12-31" {
			t.Errorf("a refused PATCH changed the card: %v", got)
		}
		for _, clear := range []any{nil, ""} {
			w.do(admin, "PATCH", "/api/v1/cards/"+id, map[string]any{"valid_until": "2099-06-30"}).want(t, http.StatusOK)
			got := w.do(admin, "PATCH", "/api/v1/cards/"+id, map[string]any{"valid_until": clear}).want(t, http.StatusOK).object(t)
			if _, ok := got["valid_until"]; ok {
				t.Errorf("cleared with %v: %v", clear, got)
			}
		}
		// The expiring filter: today's end is within a day; no end never.
		var page struct{ Data []map[string]any }
		w.do(admin, "GET", "/api/v1/cards?expiring=1&account_id="+acc, nil).want(t, http.StatusOK).json(t, &page)
		if len(page.Data) != 0 {
			t.Errorf("expiring=1 lists %v", page.Data)
		}
		if r := w.do(admin, "GET", "/api/v1/cards?expiring=0", nil); r.status != http.StatusBadRequest || r.fields()["expiring"] == "" {
			t.Errorf("expiring=0: %d %s", r.status, r.body)
		}
		// Import: the column is known.
		csv := "external_id,internal_id,account_id,valid_until\nIMP-VU,IMPVU," + acc + ",2099-13-01\n"
		var out struct {
			Created int
			Errors  []struct {
				Line  int
				Field string
			}
		}
		w.send(admin, "POST", "/api/v1/imports/cards", "text/csv", csv).want(t, http.StatusOK).json(t, &out)
		if out.Created != 0 || len(out.Errors) != 1 || out.Errors[0].Field != "valid_until" || out.Errors[0].Line != 2 {
			t.Errorf("import with a bad date: %+v", out)
		}
		out.Errors = nil
		w.send(admin, "POST", "/api/v1/imports/cards", "text/csv", strings.Replace(csv, "2099-13-01", "2099-01-31", 1)).want(t, http.StatusOK).json(t, &out)
		if out.Created != 1 || len(out.Errors) != 0 {
			t.Errorf("import: %+v", out)
		}
	})
}
