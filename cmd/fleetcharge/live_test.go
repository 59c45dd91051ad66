package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// liveFacilityManager is the demo persona whose live stream the tests
// open: a facility manager of the German organization.
const liveFacilityManager = "facilities.de@meridian-consulting.example"

// openLiveStream signs in as the demo's German facility manager on m,
// which printed its demo logins to out, opens the live stream of the first
// German station and reads its first event; it returns the station and the
// stream's lines.
func openLiveStream(t *testing.T, m *Main, out string) (fc.ID, *bufio.Scanner) {
	t.Helper()
	login := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(liveFacilityManager) + `\s+(\S+)\s{2,}`).FindStringSubmatch(out)
	if login == nil {
		t.Fatalf("the demo printed no login for %s:\n%s", liveFacilityManager, out)
	}
	ctx := context.Background()
	svc := auth.New(m.Store, auth.Config{})
	svc.Logger = newLogger(io.Discard)
	g, err := svc.SignIn(ctx, liveFacilityManager, login[1], auth.Client{Addr: "127.0.0.1"})
	if err != nil || g.Session.Stage != auth.StageActive {
		t.Fatalf("sign in: %v", err)
	}
	var station fc.ID
	if err := m.Store.DB().QueryRowContext(ctx, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id
		WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id LIMIT 1`).Scan(&station); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+m.Addr()+"/stations/events?id="+station.String(), nil)
	req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("the stream answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	if data := nextData(lines); !strings.Contains(data, `"id":"`+station.String()+`"`) {
		t.Fatalf("the stream's first event: %q", data)
	}
	return station, lines
}

// nextData returns the data of the stream's next event; "" when it ended.
func nextData(lines *bufio.Scanner) string {
	for lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			return data
		}
	}
	return ""
}

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
	_, lines := openLiveStream(t, m, out.String())

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

// TestLiveAcrossNodes: a station's change written on node C reaches a live
// stream open on node A, over NATS: A reads its stations again only when
// woken (its periodic read is off).
func TestLiveAcrossNodes(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("several nodes need PostgreSQL: set " + storetest.EnvPostgres)
	}
	dbURL := storetest.URL(t, "postgres")
	natsURL := startNATS(t)
	var out bytes.Buffer
	nodeA := NewMain(Config{Addr: "127.0.0.1:0", DB: dbURL, NATS: natsURL, NodeID: "A", Demo: true, Logger: newLogger(io.Discard), Out: &out,
		LiveResync: -1})
	if err := nodeA.Run(context.Background()); err != nil {
		t.Fatalf("node A: %v", err)
	}
	t.Cleanup(func() { nodeA.Close() })
	nodeC := bootNode(t, dbURL, natsURL, "C")
	station, lines := openLiveStream(t, nodeA, out.String())

	// Written as node C's OCPP endpoint writes a connection.
	if _, err := nodeC.Store.RegisterConnection(context.Background(), station, "C", fc.OCPP16, time.Now()); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() { got <- nextData(lines) }()
	select {
	case data := <-got:
		if !strings.Contains(data, `"id":"`+station.String()+`"`) || !strings.Contains(data, `"online":true`) {
			t.Errorf("node A's stream sent %q, want the station online", data)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("node A's stream heard nothing of the station's connection on node C")
	}
}
