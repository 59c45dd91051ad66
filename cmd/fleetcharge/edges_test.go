package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// bootWith starts the whole program with cfg's edges (timeouts, trusted
// proxies, logger) on a free port over dbURL.
func bootWith(t *testing.T, dbURL string, cfg Config) *Main {
	t.Helper()
	cfg.Addr, cfg.DB = "127.0.0.1:0", dbURL
	if cfg.Logger == nil {
		cfg.Logger = newLogger(io.Discard)
	}
	m := NewMain(cfg)
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestSecurityHeaders checks the security headers on answers of every
// kind: pages, assets, the API, health, errors.
func TestSecurityHeaders(t *testing.T) {
	m, _ := boot(t, storetest.URL(t, "sqlite"), false)
	base := "http://" + m.Addr()
	for _, path := range []string{"/login", "/", "/static/app.css", "/static/app.js", "/no-such-page", "/api/v1/openapi.json",
		"/api/v1/cards", "/api/v1/nothing", "/healthz", "/readyz", "/metrics", "/login?x=1;y", "/reset?token=abc"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q allows inline code", path, csp)
		}
		wantHeader := map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Strict-Transport-Security": ""}
		if strings.HasPrefix(path, "/reset") {
			wantHeader["Referrer-Policy"] = "no-referrer" // the page's own, stricter
		}
		for name, want := range wantHeader {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s %q, want %q", path, name, got, want)
			}
		}
	}

	// HSTS goes with answers sent over TLS only.
	srv := httptest.NewTLSServer(withSecurityHeaders(http.NotFoundHandler()))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("over TLS: Strict-Transport-Security %q", got)
	}
	var _ *tls.ConnectionState = resp.TLS
}

// TestTemplatesFitTheCSP reads every template and asset the web
// application ships for what the Content-Security-Policy blocks: inline
// scripts, inline styles, event handler attributes, javascript: URLs, and
// assets from elsewhere.
func TestTemplatesFitTheCSP(t *testing.T) {
	files, _ := filepath.Glob("../../web/templates/*.html")
	assets, _ := filepath.Glob("../../web/static/*")
	if len(files) == 0 || len(assets) == 0 {
		t.Fatal("no templates or assets found")
	}
	blocked := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script(\s[^>]*)?>`),       // checked below for a src
		regexp.MustCompile(`(?i)<style[\s>]`),              // an inline style sheet
		regexp.MustCompile(`(?i)\sstyle\s*=`),              // a style attribute
		regexp.MustCompile(`(?i)\son[a-z]+\s*=`),           // an event handler attribute
		regexp.MustCompile(`(?i)javascript:`),              // a script URL
		regexp.MustCompile(`(?i)(src|href)="(https?:)?//`), // an asset from elsewhere
		regexp.MustCompile(`(?i)url\(\s*["']?(https?:|//|data:)`),
	}
	for _, f := range append(files, assets...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range blocked {
			for _, m := range re.FindAllString(string(b), -1) {
				if strings.HasPrefix(strings.ToLower(m), "<script") && strings.Contains(m, ` src="/static/`) {
					continue
				}
				t.Errorf("%s: %q would be blocked by the Content-Security-Policy", filepath.Base(f), m)
			}
		}
	}
}

// TestQueryRuleOnTheWeb checks that the web application, its assets and
// health refuse a query string the server's rule refuses, as the API does.
func TestQueryRuleOnTheWeb(t *testing.T) {
	m, _ := boot(t, storetest.URL(t, "sqlite"), false)
	base := "http://" + m.Addr()
	for _, path := range []string{"/sessions?station_id=1;x", "/login?next=%ff", "/static/app.css?v=%00", "/healthz?a=%zz", "/login?next=/;/evil.example"} {
		code, body := get(t, base+path)
		if code != http.StatusBadRequest || !strings.HasPrefix(body, "Bad request: ") {
			t.Errorf("%s: %d %q, want 400 with a plain message", path, code, body)
		}
	}
	code, body := get(t, base+"/api/v1/cards?station_id=1;x")
	var e struct{ Error struct{ Code string } }
	if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "invalid" {
		t.Errorf("the API: %d %s, want a 400 JSON error", code, body)
	}
	if code, _ := get(t, base+"/login?next=%2Fsessions%3Bx"); code != http.StatusOK {
		t.Errorf("an escaped ; is a character like any other: %d", code)
	}
}

// TestReadyz checks that readiness proves a write, on both engines: ready
// on a healthy database, not ready (503, Retry-After) on a full or
// read-only one, while liveness stays ok.
func TestReadyz(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			m := bootWith(t, storetest.URL(t, engine), Config{})
			base := "http://" + m.Addr()
			wantReady := func(what string, want int) {
				t.Helper()
				resp, err := http.Get(base + "/readyz")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Fatalf("%s: /readyz %d, want %d", what, resp.StatusCode, want)
				}
				if want == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != api.RetryAfter {
					t.Errorf("%s: Retry-After %q", what, resp.Header.Get("Retry-After"))
				}
				if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
					t.Errorf("%s: /healthz %d, want 200: liveness is not readiness", what, code)
				}
			}
			wantReady("a fresh database", http.StatusOK)
			db := m.Store.DB()
			if engine == "sqlite" {
				// Full: the writer is one connection, which keeps the limit.
				var pages int
				if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+1)); err != nil {
					t.Fatal(err)
				}
				ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
				var err error
				for i := 0; err == nil && i < 10000; i++ {
					err = m.Store.CreateProvider(ctx, &fc.Provider{Name: fmt.Sprintf("filler %d %s", i, strings.Repeat("x", 150))})
				}
				if !fc.IsCode(err, fc.EUnavailable) {
					t.Fatalf("filling the database: %v, want unavailable", err)
				}
				wantReady("a full database", http.StatusServiceUnavailable)
				if _, err := db.Exec(`PRAGMA max_page_count = 1000000`); err != nil {
					t.Fatal(err)
				}
				wantReady("room again", http.StatusOK)
				if _, err := db.Exec(`PRAGMA query_only = 1`); err != nil {
					t.Fatal(err)
				}
			} else {
				// One connection, and only once the others, which
				// background work may still hold, are closed: a
				// connection returned while the pool is over its limit
				// is dropped, and that must not be the read-only one.
				db.SetMaxOpenConns(1)
				for deadline := time.Now().Add(10 * time.Second); db.Stats().OpenConnections > 1; {
					if time.Now().After(deadline) {
						t.Fatalf("the pool keeps %d connections", db.Stats().OpenConnections)
					}
					time.Sleep(10 * time.Millisecond)
				}
				if _, err := db.Exec(`SET SESSION default_transaction_read_only = on`); err != nil {
					t.Fatal(err)
				}
			}
			wantReady("a read-only database", http.StatusServiceUnavailable)
		})
	}
}

// TestTrustedProxies signs in behind a proxy and changes something: the
// log, the rate limit's count and the audit log name the client the trusted
// proxy vouches for, never an address the client wrote itself; without a
// trusted proxy they name the peer.
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies string
		want    string
	}{
		{"trusted", "127.0.0.0/8, 10.0.0.0/8", "203.0.113.7"},
		{"not trusted", "", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.URL(t, "sqlite")
			var out, errOut bytes.Buffer
			ctx := context.Background()
			if err := run(ctx, []string{"provider", "create", "--name", "Volt CPO", "--admin-email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("provider create: %v %s", err, errOut.String())
			}
			out.Reset()
			if err := run(ctx, []string{"token", "create", "--email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("token create: %v", err)
			}
			token := strings.TrimSpace(out.String())
			proxies, err := auth.ParseProxies(tc.proxies)
			if err != nil {
				t.Fatal(err)
			}
			var logs syncBuffer
			m := bootWith(t, db, Config{TrustedProxies: proxies, Logger: newLogger(&logs)})
			base := "http://" + m.Addr()
			// The client forges an address on the left; the proxy appends
			// the client's, and a second trusted proxy its own.
			xff := "198.51.100.66, 203.0.113.7, 10.0.0.2"

			form := strings.NewReader("email=admin%40volt.example&password=wrong")
			req, _ := http.NewRequest("POST", base+"/login", form)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", xff)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("sign-in with a wrong password: %d", resp.StatusCode)
			}
			if want := "remote=" + tc.want; !strings.Contains(logs.String(), want) {
				t.Errorf("the failed sign-in's log lacks %s:\n%s", want, logs.String())
			}

			req, _ = http.NewRequest("POST", base+"/api/v1/organizations", strings.NewReader(`{"name": "Holding"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("X-Forwarded-For", xff)
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create an organization: %d", resp.StatusCode)
			}
			req, _ = http.NewRequest("GET", base+"/api/v1/audit-events", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var events struct {
				Data []struct {
					Action     string `json:"action"`
					RemoteAddr string `json:"remote_addr"`
				} `json:"data"`
			}
			err = json.NewDecoder(resp.Body).Decode(&events)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range events.Data {
				if e.Action == "organization.create" {
					found = true
					if e.RemoteAddr != tc.want {
						t.Errorf("the audit event's remote_addr %q, want %q", e.RemoteAddr, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("no organization.create event among %+v", events.Data)
			}
		})
	}
}

// syncBuffer is a buffer the server's goroutines may log to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// shortTimeouts make a slow client a matter of a fraction of a second.
var shortTimeouts = Timeouts{ReadHeader: 300 * time.Millisecond, Read: 600 * time.Millisecond, WriteIdle: 300 * time.Millisecond, Idle: 600 * time.Millisecond}

// TestSlowClientsAreCut sends requests too slowly: the server closes the
// connection instead of waiting for them forever.
func TestSlowClientsAreCut(t *testing.T) {
	m := bootWith(t, storetest.URL(t, "sqlite"), Config{Timeouts: shortTimeouts})
	for _, tc := range []struct{ name, sent string }{
		{"headers never finished", "GET /login HTTP/1.1\r\nHost: x\r\n"},
		{"a body never finished", "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a"},
		{"an idle kept-alive connection", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", m.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.sent); err != nil {
				t.Fatal(err)
			}
			// The guard is far longer than any server timeout: reaching it
			// means the server kept the connection.
			conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, err = io.Copy(io.Discard, conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the server kept the connection open")
			}
		})
	}
}

// TestLongAnswersLive streams an answer for longer than the write idle time
// to a client that reads it: it arrives whole. A client that stops reading
// is cut.
func TestLongAnswersLive(t *testing.T) {
	const idle = 200 * time.Millisecond
	failed := make(chan error, 1)
	srv := httptest.NewServer(withWriteDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		n := 10
		if r.URL.Path == "/endless" {
			n = 1 << 20
		}
		for i := 0; i < n; i++ {
			if _, err := w.Write(chunk); err != nil {
				failed <- err
				return
			}
			if n == 10 {
				http.NewResponseController(w).Flush()
				time.Sleep(idle / 2)
			}
		}
		failed <- nil
	}), idle))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != 10*64<<10 {
		t.Fatalf("a slow stream read %d bytes, %v", len(b), err)
	}
	if err := <-failed; err != nil {
		t.Fatalf("the slow stream failed: %v", err)
	}

	resp, err = http.Get(srv.URL + "/endless")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	select { // the client reads nothing more
	case err := <-failed:
		if err == nil {
			t.Fatal("64 GiB went to a client that read nothing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a client that stopped reading held the answer")
	}
}

// TestWebSocketOutlivesTimeouts keeps an OCPP station connected for longer
// than every HTTP timeout: the upgraded connection is the OCPP endpoint's,
// and still answers.
func TestWebSocketOutlivesTimeouts(t *testing.T) {
	m := bootWith(t, storetest.URL(t, "sqlite"), Config{Timeouts: shortTimeouts})
	identity, password := stationFixture(t, m)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Basic "+basic(identity, password))
	ws, _, err := websocket.Dial(ctx, "ws://"+m.Addr()+"/ocpp/"+identity, &websocket.DialOptions{Subprotocols: []string{"ocpp1.6"}, HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	call := func(id, action, payload string) string {
		t.Helper()
		if err := ws.Write(ctx, websocket.MessageText, []byte(`[2,"`+id+`","`+action+`",`+payload+`]`)); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("%s: %v", action, err)
			}
			// The server's own calls (the local list check after the boot)
			// are not the answer waited for.
			if !strings.HasPrefix(string(b), "[2,") {
				return string(b)
			}
		}
	}
	if got := call("1", "BootNotification", `{"chargePointVendor": "Alfen", "chargePointModel": "Eve"}`); !strings.Contains(got, "Accepted") {
		t.Fatalf("boot: %s", got)
	}
	// Longer than the read, write and idle timeouts together.
	time.Sleep(shortTimeouts.ReadHeader + shortTimeouts.Read + shortTimeouts.WriteIdle + shortTimeouts.Idle)
	if got := call("2", "Heartbeat", `{}`); !strings.HasPrefix(got, `[3,"2"`) {
		t.Fatalf("heartbeat after the timeouts: %s", got)
	}
}

// stationFixture creates a station with a password in m's database.
func stationFixture(t *testing.T, m *Main) (identity, password string) {
	t.Helper()
	s := m.Store
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := &fc.Provider{Name: "CPO"}
	must(s.CreateProvider(ctx, p))
	org := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
	must(s.CreateOrganization(ctx, org))
	acc := &fc.Account{ProviderID: p.ID, OrganizationID: org.ID, Name: "Logistics", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, acc))
	loc := &fc.Location{ProviderID: p.ID, AccountID: acc.ID, Name: "Office", Kind: fc.LocationOffice, City: "Utrecht", Country: "NL"}
	must(s.CreateLocation(ctx, loc))
	g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: acc.ID, Name: "Office", Kind: fc.GroupOther, Access: fc.AccessPublic,
		Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}}
	must(s.CreateChargeGroup(ctx, g))
	identity, password = "CP-EDGES", "station-password-0123456789"
	st := &fc.Station{ProviderID: p.ID, AccountID: acc.ID, LocationID: loc.ID, ChargeGroupID: g.ID, Identity: identity, PasswordHash: secret.HashStationPassword(password)}
	must(s.CreateStation(ctx, st, 1))
	return identity, password
}

func basic(user, password string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, password)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
