package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestShutdownEndsLiveStreams: a live stream of the stations pages is open
// when the server shuts down; the graceful shutdown ends it instead of
// waiting for it until its time runs out.
func TestShutdownEndsLiveStreams(t *testing.T) {
	var out bytes.Buffer
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: storetest.URL(t, "sqlite"), Demo: true, Logger: newLogger(io.Discard), Out: &out,
		ShutdownTimeout: 10 * time.Second})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			m.Close()
		}
	})
	const email = "facilities.de@meridian-consulting.example"
	login := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(email) + `\s+(\S+)\s{2,}`).FindStringSubmatch(out.String())
	if login == nil {
		t.Fatalf("the demo printed no login for %s:\n%s", email, out.String())
	}
	ctx := context.Background()
	svc := auth.New(m.Store, auth.Config{})
	svc.Logger = newLogger(io.Discard)
	g, err := svc.SignIn(ctx, email, login[1], auth.Client{Addr: "127.0.0.1"})
	if err != nil || g.Session.Stage != auth.StageActive {
		t.Fatalf("sign in: %v", err)
	}
	var station int64
	if err := m.Store.DB().QueryRowContext(ctx, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id
		WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id LIMIT 1`).Scan(&station); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+m.Addr()+"/stations/events?id="+strconv.FormatInt(station, 10), nil)
	req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("the stream answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "data: ") {
	}
	if !strings.Contains(lines.Text(), `"id":"`+strconv.FormatInt(station, 10)+`"`) {
		t.Fatalf("the stream's first event: %q", lines.Text())
	}

	closed = true
	if err := m.Close(); err != nil {
		t.Errorf("shutdown with a live stream open: %v", err)
	}
	for lines.Scan() {
	}
	if err := lines.Err(); err != nil {
		t.Errorf("the stream did not end cleanly: %v", err)
	}
}
