package leaktest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Findings is what a walk over routes or pages found: its failures, each
// once, and the markers that some reader of theirs was shown, so that a
// marker no page shows is noticed too (the walk could not tell whether it
// leaks).
type Findings struct {
	World    *World
	Requests int
	found    map[string]bool
	seen     map[string]bool
}

// NewFindings starts the findings of a walk over w.
func NewFindings(w *World) *Findings {
	return &Findings{World: w, found: map[string]bool{}, seen: map[string]bool{}}
}

// Fail records a failure of the route or page where, as persona.
func (f *Findings) Fail(where, persona, format string, args ...any) {
	f.found[fmt.Sprintf("%s as %s: ", where, persona)+fmt.Sprintf(format, args...)] = true
}

// Look checks the answer to one request of persona: every marker persona
// may not read that shows in the body or the headers is a failure, unless
// the request itself carried it (sent: the client's own value is no leak);
// the markers persona may read that show are noted as seen.
func (f *Findings) Look(where, persona, request, sent string, body []byte, header http.Header) {
	f.Requests++
	sent = strings.ToLower(sent)
	var forbidden, readable []Marker
	for _, m := range f.World.Markers {
		switch {
		case !slices.Contains(m.Readers, persona) && !strings.Contains(sent, strings.ToLower(m.Value)):
			forbidden = append(forbidden, m)
		case slices.Contains(m.Readers, persona) && !f.seen[m.Value]:
			readable = append(readable, m)
		}
	}
	for _, m := range Leaks(body, readable) {
		f.seen[m.Value] = true
	}
	// Headers too: a file name, a Location.
	var head strings.Builder
	for k, vs := range header {
		head.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
	}
	for _, m := range append(Leaks(body, forbidden), Leaks([]byte(head.String()), forbidden)...) {
		f.Fail(where, persona, "%s shows %s (%s)", request, m.What, m.Value)
	}
}

// Report fails t with every failure found, and for every marker with
// readers that none of them was shown on any of the walk's things (routes,
// pages).
func (f *Findings) Report(t testing.TB, things string) {
	t.Helper()
	for _, m := range f.World.Markers {
		if len(m.Readers) > 0 && !f.seen[m.Value] {
			t.Errorf("no %s showed %s (%s) to any of %v: the walk cannot tell whether it leaks", things, m.What, m.Value, m.Readers)
		}
	}
	var fs []string
	for msg := range f.found {
		fs = append(fs, msg)
	}
	sort.Strings(fs)
	for _, msg := range fs {
		t.Error(msg)
	}
	t.Logf("%d requests", f.Requests)
}
