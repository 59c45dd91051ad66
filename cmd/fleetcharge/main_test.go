package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// boot starts the whole program on a free port over a fresh database.
func boot(t *testing.T, dbURL string, demo bool) (*Main, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: dbURL, Demo: demo, Logger: newLogger(io.Discard), Out: &out})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, &out
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeAnswers(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			m, _ := boot(t, storetest.URL(t, engine), false)
			base := "http://" + m.Addr()
			if code, body := get(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
				t.Errorf("/healthz: %d %q", code, body)
			}
			if code, body := get(t, base+"/login"); code != 200 || !strings.Contains(body, `name="email"`) {
				t.Errorf("/login: %d", code)
			}
			code, body := get(t, base+"/api/v1/no-such-thing")
			var e struct{ Error struct{ Code string } }
			if code != 404 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "not_found" {
				t.Errorf("unknown API route: %d %s", code, body)
			}
			if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, `fleetcharge_http_requests_total{code="200",route="GET /healthz"}`) {
				t.Errorf("/metrics: %d, lacks the /healthz request count", code)
			} else if !strings.Contains(body, "fleetcharge_load_divisions_total ") || !strings.Contains(body, "fleetcharge_load_profiles_rejected_total ") {
				t.Errorf("/metrics lacks load management's counters")
			}
		})
	}
}

func TestServeDemoPrintsLoginsOnce(t *testing.T) {
	url := storetest.URL(t, "sqlite")
	m, out := boot(t, url, true)
	if !strings.Contains(out.String(), "@") {
		t.Fatalf("serve --demo printed no login:\n%s", out)
	}
	m.Close()
	// A second start on the same database loads nothing again: it lists
	// the logins without passwords, and how to reset one.
	_, out2 := boot(t, url, true)
	if strings.Contains(out2.String(), "PASSWORD") || !strings.Contains(out2.String(), "@") || !strings.Contains(out2.String(), "fleetcharge password reset --email") {
		t.Errorf("second serve --demo printed:\n%s", out2)
	}
}

func TestProviderAndTokenCreate(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := storetest.URL(t, engine)
			ctx := context.Background()
			var out, errOut bytes.Buffer
			if err := run(ctx, []string{"migrate", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("migrate: %v %s", err, errOut.String())
			}
			out.Reset()
			if err := run(ctx, []string{"provider", "create", "--name", "Volt CPO", "--admin-email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("provider create: %v %s", err, errOut.String())
			}
			if !regexp.MustCompile(`(?m)^password: \S{12,}$`).MatchString(out.String()) {
				t.Errorf("provider create printed no password line:\n%s", out.String())
			}
			if err := run(ctx, []string{"provider", "create", "--name", "Again", "--admin-email", "ADMIN@volt.example", "--db", db}, &out, &errOut); err == nil {
				t.Error("a second provider with the same admin e-mail was accepted")
			}
			out.Reset()
			if err := run(ctx, []string{"token", "create", "--email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("token create: %v", err)
			}
			if tok := strings.TrimSpace(out.String()); !strings.HasPrefix(tok, "fct_") {
				t.Errorf("token create printed %q", tok)
			}
			if err := run(ctx, []string{"token", "create", "--email", "nobody@volt.example", "--db", db}, &out, &errOut); err == nil {
				t.Error("token create for an unknown user succeeded")
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// TestServeWiresAPIAndOCPP checks that one process serves the JSON API with
// its authentication and the OCPP endpoint with its station check.
func TestServeWiresAPIAndOCPP(t *testing.T) {
	db := storetest.URL(t, "sqlite")
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"provider", "create", "--name", "Volt CPO", "--admin-email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
		t.Fatalf("provider create: %v %s", err, errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
		t.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(out.String())
	m, _ := boot(t, db, false)
	base := "http://" + m.Addr()

	if code, _ := get(t, base+"/api/v1/me/access"); code != http.StatusUnauthorized {
		t.Errorf("/api/v1/me/access without a token: %d, want 401", code)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/me/access", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/api/v1/me/access with a token: %d, want 200", resp.StatusCode)
	}

	// An unknown station is refused at the upgrade with 401.
	req, _ = http.NewRequest("GET", base+"/ocpp/NO-SUCH-STATION", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Protocol", "ocpp1.6")
	req.SetBasicAuth("NO-SUCH-STATION", "secret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("OCPP upgrade of an unknown station: %d, want 401", resp.StatusCode)
	}
}

// TestPasswordReset issues a reset on the command line and uses it once.
func TestPasswordReset(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := storetest.URL(t, engine)
			ctx := context.Background()
			var out, errOut bytes.Buffer
			if err := run(ctx, []string{"provider", "create", "--name", "Volt CPO", "--admin-email", "admin@volt.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("provider create: %v %s", err, errOut.String())
			}
			out.Reset()
			if err := run(ctx, []string{"password", "reset", "--email", "admin@volt.example", "--base-url", "https://fleet.example", "--db", db}, &out, &errOut); err != nil {
				t.Fatalf("password reset: %v %s", err, errOut.String())
			}
			token := regexp.MustCompile(`(?m)^token: (\S+)$`).FindStringSubmatch(out.String())
			if token == nil || !strings.Contains(out.String(), "link: https://fleet.example/reset?") {
				t.Fatalf("password reset printed:\n%s", out.String())
			}
			st, err := openStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			svc := auth.New(st, auth.Config{})
			if _, err := svc.ResetPassword(ctx, token[1], "a new long passphrase", auth.Client{Addr: "192.0.2.1"}); err != nil {
				t.Fatalf("reset with the printed token: %v", err)
			}
			if _, err := svc.ResetPassword(ctx, token[1], "another long passphrase", auth.Client{Addr: "192.0.2.1"}); err == nil {
				t.Error("the token worked twice")
			}
			if err := run(ctx, []string{"password", "reset", "--email", "nobody@volt.example", "--db", db}, &out, &errOut); err == nil {
				t.Error("password reset for an unknown user succeeded")
			}
		})
	}
}
