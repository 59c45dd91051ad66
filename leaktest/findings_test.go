package leaktest

import (
	"net/http"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what Report says.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Logf(string, ...any)          {}
func (r *recorder) Error(args ...any)            { r.errors = append(r.errors, args[0].(string)) }
func (r *recorder) Errorf(f string, args ...any) { r.errors = append(r.errors, f) }

// TestFindings checks the walks' judge: a marker a persona may not read is
// a failure wherever it shows, body or header, unless the request carried
// it; a marker no reader was shown is reported too.
func TestFindings(t *testing.T) {
	w := &World{Markers: []Marker{
		{Value: "LEAK-name", What: "a driver's name", Readers: []string{"fleet"}},
		{Value: "LEAK-tariff", What: "a tariff", Readers: []string{"facility"}},
	}}
	f := NewFindings(w)
	f.Look("GET /x", "fleet", "GET /x", "/x", []byte(`{"name":"leak-NAME"}`), nil)
	f.Look("GET /y", "fleet", "GET /y", "/y", []byte(`{}`), http.Header{"Content-Disposition": {"attachment; filename=LEAK-tariff.csv"}})
	f.Look("GET /z", "fleet", "GET /z?q=LEAK-tariff", "/z?q=LEAK-tariff", []byte(`{"q":"LEAK-tariff"}`), nil)
	r := &recorder{TB: t}
	f.Report(r, "route")
	got := strings.Join(r.errors, "\n")
	for _, want := range []string{"GET /y as fleet: GET /y shows a tariff", "no %s showed"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "GET /z as fleet") || strings.Contains(got, "GET /x as fleet") || len(r.errors) != 2 {
		t.Errorf("report:\n%s\nwant only the header leak of /y and the tariff no reader saw", got)
	}
	if f.Requests != 3 {
		t.Errorf("%d requests, want 3", f.Requests)
	}
}
