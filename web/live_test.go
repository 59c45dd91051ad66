package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// liveWorld is the demo world served over a real listener, its store
// telling its hub of station changes as serve wires them.
type liveWorld struct {
	*demoWorld
	hub *LiveHub
	ts  *httptest.Server
}

func newLiveWorld(t *testing.T, st *store.Store, resync time.Duration, wired bool) *liveWorld {
	t.Helper()
	w := newDemoWorld(t, st)
	hub := NewLiveHub()
	if wired {
		st.StationChanged = hub.StationChanged
	}
	logger := slog.New(slog.DiscardHandler)
	svc := auth.New(st, auth.Config{})
	svc.Logger = logger
	srv, err := New(Config{Logger: logger, Auth: svc, Store: st, Commander: w.cmds, Live: hub, LiveResync: resync})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = srv
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		hub.Close() // as serve's shutdown does: no stream holds the server
		ts.Close()
	})
	return &liveWorld{demoWorld: w, hub: hub, ts: ts}
}

// liveStream is an open event stream as a test reads it.
type liveStream struct {
	resp   *http.Response
	cancel context.CancelFunc
	events chan liveStation // closed when the stream ends
}

// open opens the stream of target as the persona b signed in.
func (lw *liveWorld) open(t *testing.T, b *browser, target string) (*liveStream, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lw.ts.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := lw.ts.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type %q, want text/event-stream", ct)
	}
	s := &liveStream{resp: resp, cancel: cancel, events: make(chan liveStation, 64)}
	go s.read(t)
	t.Cleanup(s.close)
	return s, resp.StatusCode
}

func (s *liveStream) read(t *testing.T) {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "station":
			var l liveStation
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &l); err != nil {
				t.Errorf("event data %q: %v", line, err)
				return
			}
			s.events <- l
		case line == "":
			event = ""
		}
	}
}

func (s *liveStream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the stream's next station event; it fails the test when
// none comes within a generous wait, and ok is false when the stream ended.
func (s *liveStream) next(t *testing.T) (l liveStation, ok bool) {
	t.Helper()
	select {
	case l, ok = <-s.events:
		return l, ok
	case <-time.After(20 * time.Second):
		t.Fatal("no event from the live stream")
	}
	return l, false
}

// waitFor reads events until one of the station shows online as wanted,
// and returns the events read meanwhile.
func (s *liveStream) waitFor(t *testing.T, id fc.ID, online bool) []liveStation {
	t.Helper()
	var seen []liveStation
	for {
		l, ok := s.next(t)
		if !ok {
			t.Fatalf("the stream ended before station %s was online=%v; read %v", id, online, seen)
		}
		seen = append(seen, l)
		if l.ID == id.String() && l.Online == online {
			return seen
		}
	}
}

// online reads whether the station is online now.
func (lw *liveWorld) online(t *testing.T, id fc.ID) bool {
	t.Helper()
	st, err := lw.st.Station(context.Background(), fc.StationScope{ProviderID: lw.res.ProviderID, Reach: fc.Everything}, id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Connection == fc.StationOnline
}

func (lw *liveWorld) toggle(t *testing.T, id fc.ID) bool {
	t.Helper()
	now := !lw.online(t, id)
	version := ""
	if now {
		version = fc.OCPP16
	}
	if err := lw.st.SetConnection(context.Background(), id, now, version, time.Now()); err != nil {
		t.Fatal(err)
	}
	return now
}

// TestLiveStreamScope: a facility manager of one organization follows a
// station of its own and one of another organization: the stream sends its
// own, as it is and as it changes, and never the other's, whose change
// comes first. A scope chosen with the switcher narrows the stream too.
func TestLiveStreamScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		lw := newLiveWorld(t, st, 0, true)
		german := lw.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		vanDijk := lw.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY s.id`)

		t.Run("another organization's station", func(t *testing.T) {
			b := lw.as(t, facilitiesDE)
			s, code := lw.open(t, b, "/stations/events?id="+vanDijk.String()+"&id="+german.String())
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			first, _ := s.next(t)
			if first.ID != german.String() || first.Announce != "" || first.Cells["connection"].Text == "" {
				t.Errorf("first event = %+v, want the German station's state, unannounced", first)
			}
			lw.toggle(t, vanDijk)
			online := lw.toggle(t, german)
			seen := s.waitFor(t, german, online)
			for _, l := range seen {
				if l.ID != german.String() {
					t.Errorf("the stream sent station %s, which the facility manager may not read", l.ID)
				}
			}
			want := map[bool]string{true: " is online.", false: " is offline."}[online]
			if last := seen[len(seen)-1]; !strings.HasSuffix(last.Announce, want) {
				t.Errorf("the change is announced %q, want it to end %q", last.Announce, want)
			}

			// A connector's status and error code: its cells, the
			// list's summary of connectors, and one sentence.
			if err := lw.st.RecordStatus(context.Background(), german, 1, "Faulted", "GroundFailure", time.Now()); err != nil {
				t.Fatal(err)
			}
			for {
				l, ok := s.next(t)
				if !ok {
					t.Fatal("the stream ended before the connector's status")
				}
				if l.ID != german.String() {
					t.Errorf("the stream sent station %s, which the facility manager may not read", l.ID)
					continue
				}
				if len(l.Connectors) == 0 || l.Connectors[0].Cells["status"].Text != "Faulted" {
					continue
				}
				c := l.Connectors[0]
				if c.ID != 1 || c.Cells["status"].Class != "cp-faulted" || c.Cells["error"].Text != "GroundFailure" ||
					!strings.Contains(l.Cells["connectors"].Text, "1: Faulted") || !strings.HasSuffix(l.Announce, ", connector 1: Faulted.") {
					t.Errorf("the faulted connector is sent as %+v", l)
				}
				break
			}
		})

		t.Run("narrowed by the scope switcher", func(t *testing.T) {
			transport := lw.one(t, `SELECT id FROM accounts WHERE name LIKE 'Van Dijk Transport%'`)
			inTransport := lw.ids(t, `SELECT id FROM stations WHERE account_id = $1 ORDER BY id`, int64(transport))[0]
			elsewhere := lw.ids(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id
				WHERE a.name LIKE 'Van Dijk%' AND a.id <> $1 ORDER BY s.id`, int64(transport))[0]
			b := lw.as(t, holdingFleet)
			s, code := lw.open(t, b, "/stations/events?scope=account:"+transport.String()+"&id="+elsewhere.String()+"&id="+inTransport.String())
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			lw.toggle(t, elsewhere)
			online := lw.toggle(t, inTransport)
			for _, l := range s.waitFor(t, inTransport, online) {
				if l.ID != inTransport.String() {
					t.Errorf("narrowed to Van Dijk Transport, the stream sent station %s of another account", l.ID)
				}
			}
			// Without the narrowing, the same user follows both.
			b2 := lw.as(t, holdingFleet)
			s2, _ := lw.open(t, b2, "/stations/events?scope=all&id="+elsewhere.String()+"&id="+inTransport.String())
			got := map[string]bool{}
			for range 2 {
				l, _ := s2.next(t)
				got[l.ID] = true
			}
			if !got[elsewhere.String()] || !got[inTransport.String()] {
				t.Errorf("the whole holding's stream sent %v, want both stations", got)
			}
		})
	})
}

// TestLiveStreamEnds: a stream ends when its client goes (its place
// counted back), and when the server shuts down; a user opens at most
// maxLiveStreamsPerUser at once; a request without a station is answered
// 204, one with a bad ID 400.
func TestLiveStreamEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		lw := newLiveWorld(t, st, 0, true)
		german := lw.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		user := lw.ids(t, `SELECT id FROM users WHERE email = $1`, facilitiesDE)[0]
		b := lw.as(t, facilitiesDE)
		target := "/stations/events?id=" + german.String()

		if _, code := lw.open(t, b, "/stations/events"); code != http.StatusNoContent {
			t.Errorf("no station: status %d, want 204", code)
		}
		if _, code := lw.open(t, b, "/stations/events?id=x"); code != http.StatusBadRequest {
			t.Errorf("a bad ID: status %d, want 400", code)
		}

		var streams []*liveStream
		for range maxLiveStreamsPerUser {
			s, code := lw.open(t, b, target)
			if code != http.StatusOK {
				t.Fatalf("stream %d: status %d", len(streams)+1, code)
			}
			s.next(t)
			streams = append(streams, s)
		}
		if _, code := lw.open(t, b, target); code != http.StatusTooManyRequests {
			t.Errorf("one stream too many: status %d, want 429", code)
		}

		streams[0].close()
		waitUntil(t, "the closed stream's place is given back", func() bool { return lw.hub.streams(user) == maxLiveStreamsPerUser-1 })
		if _, code := lw.open(t, b, target); code != http.StatusOK {
			t.Errorf("after a client went: status %d, want 200", code)
		}

		lw.hub.Close()
		for _, s := range streams[1:] {
			for {
				if _, ok := s.next(t); !ok {
					break // the stream ended
				}
			}
		}
		waitUntil(t, "every stream ends on shutdown", func() bool { return lw.hub.streams(user) == 0 })
		if _, code := lw.open(t, b, target); code != http.StatusServiceUnavailable {
			t.Errorf("after shutdown: status %d, want 503", code)
		}
	})
}

// TestLiveStreamResync: a change the hub does not hear of (made on another
// node) reaches the stream by its periodic read.
func TestLiveStreamResync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		lw := newLiveWorld(t, st, 50*time.Millisecond, false)
		german := lw.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		s, code := lw.open(t, lw.as(t, facilitiesDE), "/stations/events?id="+german.String())
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		s.next(t)
		s.waitFor(t, german, lw.toggle(t, german))
	})
}

// waitUntil waits, generously, for cond.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
	}
}

// TestLiveHub: a change wakes only the streams that follow the station,
// once however many changes came meanwhile, and they read each change
// once; a user holds at most maxLiveStreamsPerUser streams; a closed hub
// opens none.
func TestLiveHub(t *testing.T) {
	h := NewLiveHub()
	a, err := h.subscribe(1, []fc.ID{10, 11})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.subscribe(2, []fc.ID{12})
	if err != nil {
		t.Fatal(err)
	}
	woken := func(s *liveSub) bool {
		select {
		case <-s.wake:
			return true
		default:
			return false
		}
	}
	h.StationChanged(10)
	h.StationChanged(11)
	h.StationChanged(10)
	if !woken(a) || woken(a) {
		t.Error("the follower of 10 and 11 is not woken exactly once")
	}
	if woken(b) {
		t.Error("the follower of 12 is woken by 10 and 11")
	}
	got := a.take()
	slices.Sort(got)
	if want := []fc.ID{10, 11}; !slices.Equal(got, want) {
		t.Errorf("changed = %v, want %v", got, want)
	}
	if got := a.take(); len(got) != 0 {
		t.Errorf("changed again = %v, want none", got)
	}
	h.unsubscribe(a)
	h.StationChanged(10)
	if woken(a) || h.streams(1) != 0 {
		t.Errorf("a closed stream is woken or counted (%d)", h.streams(1))
	}

	for range maxLiveStreamsPerUser - 1 {
		if _, err := h.subscribe(2, []fc.ID{12}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.subscribe(2, []fc.ID{12}); !fc.IsCode(err, fc.ERateLimited) {
		t.Errorf("one stream too many: err = %v, want rate_limited", err)
	}
	if _, err := h.subscribe(3, []fc.ID{12}); err != nil {
		t.Errorf("another user's stream: %v", err)
	}
	h.Close()
	if _, err := h.subscribe(4, []fc.ID{12}); !errors.Is(err, errLiveClosed) {
		t.Errorf("after Close: err = %v, want errLiveClosed", err)
	}
	select {
	case <-h.done:
	default:
		t.Error("Close does not end the streams")
	}
}

// TestLiveMarks: the stations list marks each row's state cells, and a
// station's page its connection, heartbeat and connectors, for live.js;
// the layout loads live.js.
func TestLiveMarks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		german := w.one(t, `SELECT s.id FROM stations s JOIN accounts a ON a.id = s.account_id WHERE a.name LIKE 'Meridian Consulting GmbH%' ORDER BY s.id`)
		b := w.as(t, facilitiesDE)
		id := german.String()
		list := get(t, b, "/stations?search="+url.QueryEscape(w.identity(t, german)), http.StatusOK)
		wantIn(t, "stations list", list, `<script src="/static/live.js" defer></script>`,
			`data-live-of="`+id+`" data-live-field="connection"`, `data-live-of="`+id+`" data-live-field="heartbeat"`,
			`data-live-of="`+id+`" data-live-field="connectors"`)
		page := get(t, b, "/stations/"+id, http.StatusOK)
		wantIn(t, "station page", page, `data-live-of="`+id+`" data-live-field="connection"`, `data-live-of="`+id+`" data-live-field="heartbeat"`,
			`data-live-of="`+id+`/1" data-live-field="status"`, `data-live-of="`+id+`/1" data-live-field="error"`, `data-live-of="`+id+`/1" data-live-field="since"`)
	})
}

// identity reads a station's OCPP identity.
func (w *demoWorld) identity(t *testing.T, id fc.ID) string {
	t.Helper()
	var identity string
	if err := w.st.DB().QueryRowContext(context.Background(), `SELECT identity FROM stations WHERE id = $1`, int64(id)).Scan(&identity); err != nil {
		t.Fatal(err)
	}
	return identity
}
