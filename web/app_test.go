package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store"
)

// demoWorld is the web application over the demo data.
type demoWorld struct {
	st   *store.Store
	srv  *Server
	res  demo.Result
	cmds *fakeCommander
}

// fakeCommander answers remote commands as a station would, or as an
// offline one.
type fakeCommander struct {
	offline bool
	calls   []string
}

func (f *fakeCommander) Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error) {
	if f.offline {
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	}
	f.calls = append(f.calls, identity+" "+action)
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

func newDemoWorld(t testing.TB, st *store.Store) *demoWorld {
	t.Helper()
	res, err := demo.Load(context.Background(), st, demo.Options{Seed: 7, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	svc := auth.New(st, auth.Config{})
	svc.Logger = logger
	w := &demoWorld{st: st, res: res, cmds: &fakeCommander{}}
	w.srv, err = New(Config{Logger: logger, Auth: svc, Store: st, Commander: w.cmds})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// as signs in as the demo persona with the e-mail address.
func (w *demoWorld) as(t *testing.T, email string) *browser {
	t.Helper()
	for _, l := range w.res.Logins {
		if l.Email == email {
			b := &browser{t: t, h: w.srv, cookies: map[string]string{}}
			wantRedirect(t, "sign-in as "+email, b.signIn(email, l.Password), "/")
			return b
		}
	}
	t.Fatalf("no demo login %s", email)
	return nil
}

func (w *demoWorld) ids(t *testing.T, query string, args ...any) []fc.ID {
	t.Helper()
	rows, err := w.st.DB().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []fc.ID
	for rows.Next() {
		var id fc.ID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

const (
	adminEmail    = "admin@voltaria.example"
	holdingFleet  = "fleet@vandijk-logistics.example"
	facilitiesDE  = "facilities.de@meridian-consulting.example"
	fleetWest     = "fleet.west@meridian-consulting.example"
	transportAcct = "admin.transport@vandijk-logistics.example"
)

var navLinks = regexp.MustCompile(`<nav class="nav"[\s\S]*?</nav>`)

func body(rec *httptest.ResponseRecorder) string { return rec.Body.String() }

func get(t *testing.T, b *browser, path string, want int) string {
	t.Helper()
	rec := b.do("GET", path, nil)
	if rec.Code != want {
		t.Fatalf("GET %s: status %d, want %d\n%.3000s", path, rec.Code, want, rec.Body)
	}
	return body(rec)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page")
	}
	return m[1]
}
