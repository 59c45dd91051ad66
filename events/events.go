// Package events is the consumer of the event outbox the store writes in
// the transaction of each change: it turns each event into webhook
// deliveries and e-mail notifications for those who may read its object,
// then delivers them. A webhook acts as the user who created it: the event
// reaches it only when that user, narrowed to the webhook's organization or
// account, may read the object where it sat when the event happened (the
// event's snapshot, written with the change), and its data is the object
// as it was then, as the API shows that user (the Render function of the
// API). Deliveries are
// signed per the Standard Webhooks specification, go out in order per
// object, and are retried with exponential back-off for 24 hours.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Store is what the events service reads and writes.
type Store interface {
	fc.EventStore
	User(ctx context.Context, s fc.Scope, id fc.ID) (*fc.User, error)
	UserAssignments(ctx context.Context, userID fc.ID) ([]fc.Assignment, error)
	Owner(ctx context.Context, providerID fc.ID, kind string, id fc.ID) (fc.Owner, error)
	// DispatchEvents stores what each event became (outs, by index) and
	// marks them dispatched, in one write; a repeat adds nothing twice.
	DispatchEvents(ctx context.Context, ids []fc.ID, outs []fc.EventFanout) error
	// DeliverRound claims at most limit due deliveries, each the oldest
	// pending one of its webhook and object, hands them to attempt and
	// records the outcomes it returns, in one transaction where the engine
	// allows several deliverers; it returns how many it claimed and the
	// deliveries whose webhook it disabled.
	DeliverRound(ctx context.Context, now time.Time, limit int,
		attempt func([]fc.WebhookDelivery) []fc.AttemptRecord) (int, []fc.ID, error)
}

// RenderFunc returns an event's data as subj may read it (the object as
// the API shows subj), or an error with code fleetcharge.ENotFound when subj
// may not read the object. For an event with a snapshot it reads nothing:
// it decides and masks with ReadBy and renders the snapshot's object.
type RenderFunc func(ctx context.Context, subj access.Subject, e fc.Event) (json.RawMessage, error)

// Mailer sends one plain-text e-mail.
type Mailer interface {
	SendMail(ctx context.Context, to, subject, body string) error
}

// Config configures a Service.
type Config struct {
	Store  Store
	Render RenderFunc
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Resolver resolves webhook hosts when they are checked; nil is
	// net.DefaultResolver.
	Resolver Resolver
	// Mailer sends e-mail alerts and the notices of disabled webhooks;
	// nil sends none (they wait).
	Mailer Mailer
	// BaseURL is the web application's public address, for the links in
	// e-mails.
	BaseURL string
	// RetryFirst is the wait after the first failed attempt (5 s), doubled
	// after each next one up to RetryMax (1 h), for RetryFor (24 h) from
	// the delivery's creation; then the delivery fails and its webhook,
	// failing since at least RetryFor, is disabled.
	RetryFirst, RetryMax, RetryFor time.Duration
	// Timeout bounds one attempt (10 s).
	Timeout time.Duration
	// Poll is how often the outbox is read when nothing wakes the service
	// (1 s).
	Poll time.Duration
	// Workers deliver at once (16).
	Workers int
	// DigestHour is the hour (UTC) the daily digests leave (7).
	DigestHour int
	// Secrets opens the webhook secrets sealed at rest and seals those
	// kept in clear (seal.go); nil: secrets are kept in clear.
	Secrets *secret.Box
}

// Service dispatches events and delivers webhooks and e-mail alerts.
type Service struct {
	cfg     Config
	log     *slog.Logger
	wake    chan struct{}
	clients sync.Map // clientKey → *http.Client
	// demoURL and demoAddr are the demo's own receiver (demo.go), "" and
	// invalid outside the demo.
	demoURL  string
	demoAddr netip.AddrPort
	metrics  metrics
}

type metrics struct {
	dispatched *prometheus.CounterVec
	attempts   *prometheus.CounterVec
	latency    prometheus.Histogram
	delay      prometheus.Histogram
	mails      *prometheus.CounterVec
	disabled   prometheus.Counter
}

// New returns a service for cfg.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RetryFirst <= 0 {
		cfg.RetryFirst = 5 * time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Hour
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = 24 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.DigestHour <= 0 || cfg.DigestHour > 23 {
		cfg.DigestHour = 7
	}
	return &Service{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1), metrics: metrics{
		dispatched: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fleetcharge_events_dispatched_total",
			Help: "Events dispatched, by type."}, []string{"type"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fleetcharge_webhook_attempts_total",
			Help: "Webhook delivery attempts by result (delivered, failed, gave_up)."}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fleetcharge_webhook_attempt_duration_seconds",
			Help: "Latency of webhook delivery attempts.", Buckets: prometheus.DefBuckets}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fleetcharge_webhook_delivery_delay_seconds",
			Help: "From an event to its delivery.", Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 3600}}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fleetcharge_event_mails_total",
			Help: "E-mail alerts by result (sent, failed)."}, []string{"result"}),
		disabled: prometheus.NewCounter(prometheus.CounterOpts{Name: "fleetcharge_webhooks_disabled_total",
			Help: "Webhooks disabled after failing for the whole retry period."}),
	}}
}

// Collectors are the service's Prometheus metrics.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.dispatched, m.attempts, m.latency, m.delay, m.mails, m.disabled}
}

// Poke wakes the service: an event may be waiting.
func (s *Service) Poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run dispatches and delivers until ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.sealStored(ctx)
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	for {
		busy := s.dispatchDue(ctx) > 0
		busy = s.deliverDue(ctx) > 0 || busy
		s.mailDue(ctx)
		if busy && ctx.Err() == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.wake:
		}
	}
}

// Dispatch.

const dispatchBatch = 200

// dispatchDue dispatches one batch of due events, in order, and returns
// how many.
func (s *Service) dispatchDue(ctx context.Context) int {
	evs, err := s.cfg.Store.DueEvents(ctx, s.cfg.Now(), dispatchBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reading the event outbox", "err", err)
		}
		return 0
	}
	b := &batch{s: s, subjects: map[subjectKey]subjectEntry{}, hooks: map[fc.ID][]fc.Webhook{}, subs: map[string][]fc.Subscription{},
		views: map[viewKey]json.RawMessage{}}
	ids := make([]fc.ID, 0, len(evs))
	outs := make([]fc.EventFanout, 0, len(evs))
	for _, e := range evs {
		out, err := b.fanout(ctx, e)
		if err != nil {
			// This event and the later ones stay in the outbox and are
			// dispatched again; those before it are stored now.
			if ctx.Err() == nil {
				s.log.Warn("dispatching an event", "event", e.ID, "type", e.Type, "err", err)
			}
			break
		}
		ids, outs = append(ids, e.ID), append(outs, out)
	}
	// The round's fanouts are stored in one write: deliveries are unique
	// per webhook and event, so a repeat after a failure adds none twice.
	if err := s.cfg.Store.DispatchEvents(ctx, ids, outs); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("storing dispatched events", "events", len(ids), "err", err)
		}
		return 0
	}
	for _, e := range evs[:len(ids)] {
		s.metrics.dispatched.WithLabelValues(e.Type).Inc()
	}
	if len(ids) < len(evs) {
		return 0
	}
	return len(evs)
}

// batch caches what the events of one batch share: the webhooks and
// subscriptions of each provider, the subject of each recipient, and the
// data of each event with a snapshot, masked or not.
type batch struct {
	s        *Service
	subjects map[subjectKey]subjectEntry
	hooks    map[fc.ID][]fc.Webhook
	subs     map[string][]fc.Subscription
	views    map[viewKey]json.RawMessage
}

// viewKey names the data of an event with a snapshot as some recipients
// read it: whole, or with the card masked. Recipients who read it the
// same way get the same data, rendered once.
type viewKey struct {
	eventID fc.ID
	masked  bool
}

type subjectKey struct {
	providerID, userID, orgID, accountID fc.ID
}

type subjectEntry struct {
	subj access.Subject
	ok   bool
}

// subject is the access subject of a recipient: the user with its role
// assignments now, narrowed (access.Narrow) to the organization or account
// when one is given. ok is false when the user reaches nothing there.
func (b *batch) subject(ctx context.Context, k subjectKey) (access.Subject, bool, error) {
	if e, found := b.subjects[k]; found {
		return e.subj, e.ok, nil
	}
	st := b.s.cfg.Store
	u, err := st.User(ctx, fc.ProviderScope(k.providerID), k.userID)
	if fc.IsCode(err, fc.ENotFound) {
		b.subjects[k] = subjectEntry{}
		return access.Subject{}, false, nil
	}
	if err != nil {
		return access.Subject{}, false, err
	}
	as, err := st.UserAssignments(ctx, u.ID)
	if err != nil {
		return access.Subject{}, false, err
	}
	subj, ok := access.NewSubject(u, as), true
	if k.orgID != 0 || k.accountID != 0 {
		kind, objKind, id := fc.ScopeOrganization, fc.KindOrganization, k.orgID
		if k.accountID != 0 {
			kind, objKind, id = fc.ScopeAccount, fc.KindAccount, k.accountID
		}
		o, err := st.Owner(ctx, k.providerID, objKind, id)
		if fc.IsCode(err, fc.ENotFound) {
			b.subjects[k] = subjectEntry{}
			return access.Subject{}, false, nil
		}
		if err != nil {
			return access.Subject{}, false, err
		}
		subj, ok, err = access.Narrow(subj, kind, o, id, func(accountID fc.ID) ([]fc.ID, error) {
			ao, err := st.Owner(ctx, k.providerID, fc.KindAccount, accountID)
			return ao.OrgPath, err
		})
		if err != nil {
			return access.Subject{}, false, err
		}
	}
	b.subjects[k] = subjectEntry{subj, ok}
	return subj, ok, nil
}

// fanout is what the event becomes: a delivery for each webhook that
// wants it and whose creator may read its object, a notification for each
// such subscription.
func (b *batch) fanout(ctx context.Context, e fc.Event) (fc.EventFanout, error) {
	var out fc.EventFanout
	hooks, ok := b.hooks[e.ProviderID]
	if !ok {
		var err error
		if hooks, err = b.s.cfg.Store.ProviderWebhooks(ctx, e.ProviderID); err != nil {
			return out, err
		}
		b.hooks[e.ProviderID] = hooks
	}
	rendered := map[subjectKey]json.RawMessage{} // webhooks of one user and scope see the same
	for _, w := range hooks {
		if !w.Wants(e.Type) {
			continue
		}
		k := subjectKey{e.ProviderID, w.UserID, w.OrganizationID, w.AccountID}
		data, ok := rendered[k]
		if !ok {
			var err error
			if data, err = b.render(ctx, k, e); err != nil {
				return out, err
			}
			rendered[k] = data
		}
		if data == nil {
			continue
		}
		payload, err := json.Marshal(struct {
			Type      string          `json:"type"`
			Timestamp string          `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
		}{e.Type, e.At.UTC().Format(time.RFC3339Nano), data})
		if err != nil {
			return out, err
		}
		out.Deliveries = append(out.Deliveries, fc.WebhookDelivery{WebhookID: w.ID, EventType: e.Type,
			ObjectKey: e.ObjectKey(), Payload: string(payload)})
	}
	key := e.ProviderID.String() + "/" + e.Type
	subs, ok := b.subs[key]
	if !ok {
		var err error
		if subs, err = b.s.cfg.Store.ProviderSubscriptions(ctx, e.ProviderID, e.Type); err != nil {
			return out, err
		}
		b.subs[key] = subs
	}
	for _, x := range subs {
		data, err := b.render(ctx, subjectKey{providerID: e.ProviderID, userID: x.UserID}, e)
		if err != nil {
			return out, err
		}
		if data == nil {
			continue
		}
		out.Notifications = append(out.Notifications, fc.Notification{SubscriptionID: x.ID, UserID: x.UserID,
			EventType: e.Type, Summary: Summary(e, data), At: e.At})
	}
	return out, nil
}

// render returns the event's data as the recipient may read it, nil when
// it may not. An event with a snapshot is decided on against the owners it
// was written with, with the recipient's roles now (decide), and its data
// is the object it was written with, masked as the API masks it for the
// recipient; an event written before snapshots is decided on and rendered
// from the object as it reads now.
func (b *batch) render(ctx context.Context, k subjectKey, e fc.Event) (json.RawMessage, error) {
	subj, ok, err := b.subject(ctx, k)
	if err != nil || !ok {
		return nil, err
	}
	if e.Snapshot != nil {
		// Recipients who read the object alike get the same data: it is
		// rendered once per event and way of reading.
		ok, masked := Decide(subj, e)
		if !ok {
			return nil, nil
		}
		vk := viewKey{e.ID, masked}
		if data, found := b.views[vk]; found {
			return data, nil
		}
		data, err := b.s.cfg.Render(ctx, subj, e)
		if fc.IsCode(err, fc.ENotFound) {
			data, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		b.views[vk] = data
		return data, nil
	}
	data, err := b.s.cfg.Render(ctx, subj, e)
	if fc.IsCode(err, fc.ENotFound) {
		return nil, nil
	}
	return data, err
}

// Decide reports whether subj reads the object of an event with a snapshot
// where the snapshot placed it, by the access package's rules (those the
// store's scoped reads apply in SQL), and whether it reads it masked: a
// session seen from its station side only. The roles are subj's, as the
// caller read them.
func Decide(subj access.Subject, e fc.Event) (ok, masked bool) {
	snap := e.Snapshot
	if snap == nil || subj.ProviderID != e.ProviderID {
		return false, false
	}
	switch e.ObjectKind {
	case fc.KindSession:
		card := snap.Owner
		if card.ProviderID == 0 && snap.Station.ProviderID == 0 {
			// Neither side is the provider's: the session is the
			// provider's as a whole, for provider-wide grants.
			card = fc.Owner{ProviderID: e.ProviderID}
		}
		d := access.DecideSession(subj, card, snap.Station)
		return d.Allowed, d.Masked
	case fc.KindStation:
		return access.CanStation(subj, access.StationsRead, snap.Owner, snap.Home), false
	case fc.KindCard:
		return access.Can(subj, access.CardsRead, snap.Owner), false
	case fc.KindReimbursementStatement:
		return access.Can(subj, access.ReimbursementRead, snap.Owner), false
	case fc.KindInvoice:
		inv, isInvoice := snap.Object.(*fc.Invoice)
		return isInvoice && access.CanReadInvoice(subj, snap.Owner, inv.SelfBilled(), inv.Status == fc.InvoiceDraft), false
	}
	return false, false
}

// ReadBy returns an event with a snapshot as subj reads it: its snapshot's
// object masked as the store masks it for subj (a session read from its
// station side only: fleetcharge.Session.MaskCard), the event's own
// snapshot left as it is. ok is false when subj may not read the object
// (Decide). It is what the API's render function renders.
func ReadBy(subj access.Subject, e fc.Event) (out fc.Event, ok bool) {
	ok, masked := Decide(subj, e)
	if !ok {
		return fc.Event{}, false
	}
	x, isSession := e.Snapshot.Object.(*fc.Session)
	if !masked || !isSession {
		return e, true
	}
	snap, copied := *e.Snapshot, *x
	copied.MaskCard()
	snap.Object = &copied
	e.Snapshot = &snap
	return e, true
}

// Delivery.

const deliverBatch = 500

// deliverDue attempts one round of due deliveries and returns how many.
func (s *Service) deliverDue(ctx context.Context) int {
	byID := map[fc.ID]fc.WebhookDelivery{}
	n, disabled, err := s.cfg.Store.DeliverRound(ctx, s.cfg.Now(), deliverBatch, func(ds []fc.WebhookDelivery) []fc.AttemptRecord {
		return s.attemptAll(ctx, ds, byID)
	})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("delivering webhooks", "deliveries", n, "err", err)
		}
		return 0
	}
	for _, id := range disabled {
		d := byID[id]
		s.metrics.disabled.Inc()
		s.log.Warn("webhook disabled: its deliveries kept failing", "webhook", d.WebhookID, "url", d.URL)
		s.noticeDisabled(ctx, d)
	}
	return n
}

// attemptAll sends the deliveries of a round, Workers at once, and returns
// the outcomes to record (none for those cut short by the service's
// stop); byID receives each delivery by ID. The round's outcomes are
// stored in one write: a process killed before it sends those deliveries
// again, with the same webhook-id.
func (s *Service) attemptAll(ctx context.Context, ds []fc.WebhookDelivery, byID map[fc.ID]fc.WebhookDelivery) []fc.AttemptRecord {
	allow := map[fc.ID]bool{}
	for _, d := range ds {
		if _, ok := allow[d.ProviderID]; !ok {
			a, err := s.cfg.Store.WebhooksAllowPrivate(ctx, d.ProviderID)
			if err != nil {
				return nil
			}
			allow[d.ProviderID] = a
		}
	}
	queue := make(chan fc.WebhookDelivery)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var records []fc.AttemptRecord
	for range min(s.cfg.Workers, len(ds)) {
		wg.Go(func() {
			for d := range queue {
				if r, ok := s.attempt(ctx, d, allow[d.ProviderID]); ok {
					mu.Lock()
					records, byID[d.ID] = append(records, r), d
					mu.Unlock()
				}
			}
		})
	}
	for _, d := range ds {
		queue <- d
	}
	close(queue)
	wg.Wait()
	return records
}

// clientKey names an HTTP client: whether private addresses are allowed,
// and whether it is the demo receiver's.
type clientKey struct{ allowPrivate, demo bool }

// client is the HTTP client of a provider's webhooks: a dialer that
// refuses the addresses the provider may not reach, at every connection,
// no proxy, and no redirect followed.
func (s *Service) client(allowPrivate, demo bool) *http.Client {
	key := clientKey{allowPrivate, demo}
	if c, ok := s.clients.Load(key); ok {
		return c.(*http.Client)
	}
	control := guard(allowPrivate)
	if demo {
		control = demoGuard(allowPrivate, s.demoAddr)
	}
	d := &net.Dialer{Timeout: s.cfg.Timeout, Control: control}
	t := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: s.cfg.Workers, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: s.cfg.Timeout, ResponseHeaderTimeout: s.cfg.Timeout, ForceAttemptHTTP2: true}
	c := &http.Client{Transport: t, Timeout: s.cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	actual, _ := s.clients.LoadOrStore(key, c)
	return actual.(*http.Client)
}

// attempt posts one delivery and returns its outcome to record; ok is
// false when the service is stopping (the delivery stays pending and goes
// out again).
func (s *Service) attempt(ctx context.Context, d fc.WebhookDelivery, allowPrivate bool) (fc.AttemptRecord, bool) {
	start := s.cfg.Now()
	a := fc.DeliveryAttempt{At: start}
	status, excerpt, err := s.post(ctx, d, allowPrivate, start)
	a.Latency = s.cfg.Now().Sub(start)
	a.ResponseStatus, a.ResponseExcerpt = status, excerpt
	s.metrics.latency.Observe(a.Latency.Seconds())
	switch {
	case err == nil && status >= 200 && status < 300:
		a.Delivered = true
	case err != nil:
		a.Error = err.Error()
	default:
		a.Error = fmt.Sprintf("HTTP %d", status)
	}
	if ctx.Err() != nil {
		return fc.AttemptRecord{}, false
	}
	result := "delivered"
	if !a.Delivered {
		result = "failed"
		a.NextAt = s.nextAttempt(d, start)
		if status == http.StatusGone {
			a.NextAt = time.Time{} // the receiver asks for no more
		}
		if a.NextAt.IsZero() {
			result = "gave_up"
		}
		s.log.Info("webhook delivery failed", "webhook", d.WebhookID, "delivery", d.ID, "status", status, "err", a.Error,
			"attempts", d.Attempts+1, "next_at", a.NextAt)
	} else {
		s.metrics.delay.Observe(start.Sub(d.CreatedAt).Seconds())
	}
	s.metrics.attempts.WithLabelValues(result).Inc()
	disableAfter := s.cfg.RetryFor
	if status == http.StatusGone {
		disableAfter = 0
	}
	return fc.AttemptRecord{DeliveryID: d.ID, Attempt: a, DisableAfter: disableAfter}, true
}

// nextAttempt is when a failed delivery is tried again: RetryFirst after
// the first attempt, doubling up to RetryMax, with up to a tenth of random
// jitter; zero once RetryFor has passed since the delivery was created.
func (s *Service) nextAttempt(d fc.WebhookDelivery, now time.Time) time.Time {
	wait := s.cfg.RetryFirst << min(d.Attempts, 30)
	if wait > s.cfg.RetryMax || wait <= 0 {
		wait = s.cfg.RetryMax
	}
	wait += time.Duration(rand.Int64N(int64(wait)/10 + 1))
	next := now.Add(wait)
	if next.Sub(d.CreatedAt) > s.cfg.RetryFor {
		if now.Sub(d.CreatedAt) >= s.cfg.RetryFor {
			return time.Time{}
		}
		next = d.CreatedAt.Add(s.cfg.RetryFor)
	}
	return next
}

// maxExcerpt bounds the part of an answer kept with an attempt.
const maxExcerpt = 512

// post sends the delivery, signed, and returns the answer's status and
// the start of its body.
func (s *Service) post(ctx context.Context, d fc.WebhookDelivery, allowPrivate bool, at time.Time) (int, string, error) {
	body := []byte(d.Payload)
	key, err := OpenSecret(s.cfg.Secrets, d.Secret)
	if err != nil {
		return 0, "", err
	}
	h, err := Sign(key, d.ID.String(), at, body)
	if err != nil {
		return 0, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, strings.NewReader(d.Payload))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fleetcharge-webhooks")
	req.Header.Set("webhook-id", h.ID)
	req.Header.Set("webhook-timestamp", h.Timestamp)
	req.Header.Set("webhook-signature", h.Signature)
	resp, err := s.client(allowPrivate, s.isDemoDelivery(d.URL)).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // keep the connection for the next one
	return resp.StatusCode, strings.ToValidUTF8(string(b), "?"), nil
}
