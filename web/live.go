package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// Live state: the stations list and a station's page follow their
// stations' connection and connector states as they change, without a
// reload. The page (static/live.js) opens one server-sent event stream,
// GET /stations/events?id=…&id=…, naming the stations it shows. The
// stream sends each of them as it is now, then again whenever its state
// changes: the store tells the LiveHub of every committed change of a
// station's connection or connector status (store.Store.StationChanged),
// the hub wakes the streams that follow that station, and each stream
// reads the changed stations again through the same scoped query as the
// stations list (app.Stations, rules in SQL, the scope switcher's
// narrowing applied): a station the user may not read is never read, so
// never sent, whatever IDs the page names.
//
// A station connected to another node (serve --nats) changes its state in
// another process, whose hub this one is not: with Config.LiveResync set,
// every stream also reads its stations again at that interval and sends
// those that changed.

// Bounds of the live streams.
const (
	// maxLiveStations bounds the stations one stream follows: a list page
	// shows at most pageSize of them.
	maxLiveStations = pageSize
	// maxLiveStreamsPerUser bounds the streams one user holds open at once
	// (a tab each); one more is refused with 429.
	maxLiveStreamsPerUser = 8
	// liveKeepAlive is how often an idle stream sends a comment, so that
	// proxies and the server's write deadline keep it open.
	liveKeepAlive = 20 * time.Second
	// liveLifetime ends a stream after a while; the browser opens it again
	// (after liveRetry), signed-in and scoped anew, so that a signed-out
	// session or a withdrawn role stops its stream soon.
	liveLifetime = 5 * time.Minute
	// liveRetry is how long the browser waits before opening an ended
	// stream again, in milliseconds.
	liveRetry = 3000
)

// errLiveClosed: the hub is closed, the server shutting down.
var errLiveClosed = errors.New("live updates stopped")

// LiveHub wakes the live streams that follow a station when its state
// changes. It is safe for concurrent use; the zero value is not usable,
// NewLiveHub makes one.
type LiveHub struct {
	mu        sync.Mutex
	byStation map[fc.ID]map[*liveSub]struct{}
	perUser   map[fc.ID]int
	closed    bool
	done      chan struct{} // closed by Close
}

// NewLiveHub returns a hub with no stream.
func NewLiveHub() *LiveHub {
	return &LiveHub{byStation: map[fc.ID]map[*liveSub]struct{}{}, perUser: map[fc.ID]int{}, done: make(chan struct{})}
}

// liveSub is one open stream: the stations it follows and those changed
// since it last read them.
type liveSub struct {
	user    fc.ID
	ids     []fc.ID
	wake    chan struct{} // holds one wake-up at most
	mu      sync.Mutex
	changed map[fc.ID]struct{}
}

// StationChanged wakes the streams following the station. It never
// blocks: a stream already woken reads every station changed meanwhile.
func (h *LiveHub) StationChanged(id fc.ID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.byStation[id] {
		sub.mu.Lock()
		sub.changed[id] = struct{}{}
		sub.mu.Unlock()
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}

// Close ends every open stream and refuses new ones: the server is
// shutting down, and its graceful shutdown waits for no stream.
func (h *LiveHub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// subscribe opens a stream of user following ids; fc.ERateLimited when
// the user holds maxLiveStreamsPerUser already.
func (h *LiveHub) subscribe(user fc.ID, ids []fc.ID) (*liveSub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errLiveClosed
	}
	if h.perUser[user] >= maxLiveStreamsPerUser {
		return nil, fc.Errorf(fc.ERateLimited, "too many live pages open: close some tabs of fleetcharge")
	}
	sub := &liveSub{user: user, ids: ids, wake: make(chan struct{}, 1), changed: map[fc.ID]struct{}{}}
	h.perUser[user]++
	for _, id := range ids {
		if h.byStation[id] == nil {
			h.byStation[id] = map[*liveSub]struct{}{}
		}
		h.byStation[id][sub] = struct{}{}
	}
	return sub, nil
}

// unsubscribe closes the stream's subscription.
func (h *LiveHub) unsubscribe(sub *liveSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range sub.ids {
		delete(h.byStation[id], sub)
		if len(h.byStation[id]) == 0 {
			delete(h.byStation, id)
		}
	}
	if h.perUser[sub.user]--; h.perUser[sub.user] <= 0 {
		delete(h.perUser, sub.user)
	}
}

// streams returns how many streams the user holds open.
func (h *LiveHub) streams(user fc.ID) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.perUser[user]
}

// take returns the stations changed since the last take, and forgets them.
func (s *liveSub) take() []fc.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]fc.ID, 0, len(s.changed))
	for id := range s.changed {
		out = append(out, id)
	}
	clear(s.changed)
	return out
}

// liveText is the text of a cell or fact, and its class ("" for none).
type liveText struct {
	Text  string `json:"text"`
	Class string `json:"class"`
}

// liveConnector is one connector's state.
type liveConnector struct {
	ID    int                 `json:"id"`
	Cells map[string]liveText `json:"cells"`
}

// liveStation is one station's state as a stream sends it: the texts of
// its cells and facts as the pages render them (translated), keyed by
// their data-live-field, and those of its connectors'.
type liveStation struct {
	ID         string              `json:"id"`
	Online     bool                `json:"online"`
	Cells      map[string]liveText `json:"cells"`
	Connectors []liveConnector     `json:"connectors"`
	// OfflineReason is why commands are disabled while the station is
	// offline, in the page's words: live.js disables the command forms
	// with it, and enables again those disabled for it.
	OfflineReason string `json:"offline_reason"`
	// Announce tells what changed since the stream last sent the station,
	// for the page's polite status line; "" when first sent.
	Announce string `json:"announce,omitempty"`

	identity string
	statuses map[int]string
}

// offlineReason is why commands cannot be sent to an offline station.
const offlineReason = "The station is offline: commands can be sent once it connects again."

// liveOf returns the station's state in the view's language.
func liveOf(v *view, tag language.Tag, st *fc.Station) *liveStation {
	l := &liveStation{ID: st.ID.String(), Online: st.Connection == fc.StationOnline, Cells: map[string]liveText{},
		OfflineReason: translate(tag, offlineReason), identity: st.Identity, statuses: map[int]string{}}
	for _, c := range stationStateCells(v, st) {
		l.Cells[c.LiveField] = liveText{Text: translate(tag, c.Text), Class: c.Class}
	}
	for _, cp := range st.ChargePoints {
		lc := liveConnector{ID: cp.ConnectorID, Cells: map[string]liveText{}}
		for _, c := range connectorCells(v, st.ID, cp) {
			if c.LiveField != "" {
				lc.Cells[c.LiveField] = liveText{Text: translate(tag, c.Text), Class: c.Class}
			}
		}
		l.Connectors = append(l.Connectors, lc)
		l.statuses[cp.ConnectorID] = cp.Status
	}
	return l
}

// announce says in tag what changed from was to l.
func (l *liveStation) announce(tag language.Tag, was *liveStation) string {
	if was == nil {
		return ""
	}
	if l.Online != was.Online {
		if l.Online {
			return i18n.T(tag, "Station %s is online.", l.identity)
		}
		return i18n.T(tag, "Station %s is offline.", l.identity)
	}
	var out []string
	for _, cp := range l.Connectors {
		if now := l.statuses[cp.ID]; now != was.statuses[cp.ID] {
			out = append(out, i18n.T(tag, "Station %s, connector %d: %s.", l.identity, cp.ID, translate(tag, now)))
		}
	}
	return strings.Join(out, " ")
}

// liveIDs reads the stations a stream follows: 1 to maxLiveStations IDs.
func liveIDs(vals []string) ([]fc.ID, error) {
	seen := map[fc.ID]bool{}
	var out []fc.ID
	for _, s := range vals {
		id, err := fc.ParseID(s)
		if err != nil || id <= 0 {
			return nil, fc.Errorf(fc.EInvalid, "id %q is not a station ID", s)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > maxLiveStations {
		return nil, fc.Errorf(fc.EInvalid, "a live stream follows at most %d stations", maxLiveStations)
	}
	return out, nil
}

// stationEvents is the live stream of the stations the request names
// (text/event-stream): each of them the user may read, as it is now, then
// whenever it changes; a comment every liveKeepAlive. It ends when the
// client goes, the server shuts down, or after liveLifetime. Without an
// ID it answers 204, which tells a browser not to try again.
func (s *Server) stationEvents(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.StationsRead) && !v.can(access.StationsHomeRead) {
		return fc.Errorf(fc.ENotFound, "no stations")
	}
	ids, err := liveIDs(r.URL.Query()["id"])
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	sub, err := s.live.subscribe(v.User.ID, ids)
	if errors.Is(err, errLiveClosed) {
		return fc.Errorf(fc.EUnavailable, "the server is shutting down")
	}
	if err != nil {
		w.Header().Set("Retry-After", "60")
		return err
	}
	defer s.live.unsubscribe(sub)

	tag := i18n.FromContext(ctx)
	sent := map[fc.ID]*liveStation{}
	var fresh [][]byte // the events of this round, to send in one write
	// read reads the stations through the scoped list query and queues
	// those whose state differs from what the stream sent last.
	read := func(ids []fc.ID) error {
		if len(ids) == 0 {
			return nil // a wake-up whose changes an earlier read took
		}
		sts, err := s.app.Stations(ctx, v.Subj, fc.StationFilter{IDs: ids, Page: fc.Page{Limit: len(ids)}})
		if err != nil {
			return err
		}
		for i := range sts {
			l := liveOf(v, tag, &sts[i])
			was := sent[sts[i].ID]
			if was != nil && sameLive(l, was) {
				continue
			}
			out := *l
			out.Announce = l.announce(tag, was)
			data, err := json.Marshal(&out)
			if err != nil {
				return err
			}
			fresh = append(fresh, data)
			sent[sts[i].ID] = l
		}
		return nil
	}
	// The first read may fail as a page does: then the error is the
	// answer, before any byte of the stream.
	if err := read(ids); err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	// The server's read timeout would end the request's context while the
	// stream runs: a stream reads nothing more.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a buffering proxy (nginx) passes each event on at once
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	// flush sends prefix (a field or a comment) and the queued events.
	flush := func(prefix string) bool {
		buf.Reset()
		buf.WriteString(prefix)
		for _, data := range fresh {
			buf.WriteString("event: station\ndata: ")
			buf.Write(data)
			buf.WriteString("\n\n")
		}
		fresh = fresh[:0]
		if buf.Len() == 0 {
			return true
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !flush("retry: " + strconv.Itoa(liveRetry) + "\n\n") {
		return nil
	}

	keepAlive := time.NewTicker(liveKeepAlive)
	defer keepAlive.Stop()
	var resync <-chan time.Time
	if s.cfg.LiveResync > 0 {
		t := time.NewTicker(s.cfg.LiveResync)
		defer t.Stop()
		resync = t.C
	}
	end := time.NewTimer(liveLifetime)
	defer end.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-s.live.done:
			return nil
		case <-end.C:
			return nil
		case <-sub.wake:
			err = read(sub.take())
		case <-resync:
			err = read(ids)
		case <-keepAlive.C:
			if !flush(": keep-alive\n\n") {
				return nil
			}
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("live stream: read stations", "err", err)
			}
			return nil // the browser opens the stream again
		}
		if !flush("") {
			return nil
		}
	}
}

// sameLive reports whether a and b show the same state.
func sameLive(a, b *liveStation) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
