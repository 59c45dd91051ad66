package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The outbox worker delivers what waits for partners (fc.OCPIMessage), each
// object's messages in order (the store hands out only the oldest of each
// object), several objects at once.

const (
	outboxBatch   = 200
	outboxWorkers = 8
	// The back-off of a failed delivery: 1 s, doubling, at most 10 minutes.
	retryFirst = time.Second
	retryMax   = 10 * time.Minute
)

// poke wakes the worker.
func (s *Server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers the outbox until ctx ends.
func (s *Server) Run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if s.deliverDue(ctx) > 0 {
			// Delivered messages may have left the next of their object
			// due: look again at once. Failed ones wait for their time.
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

// deliverDue delivers one batch of due messages and returns its size.
func (s *Server) deliverDue(ctx context.Context) int {
	msgs, err := s.store.DueOCPI(ctx, s.now(), outboxBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reading the OCPI outbox", "err", err)
		}
		return 0
	}
	bt := &batch{s: s, http: s.outboxHTTP(), partners: map[fc.ID]*fc.OCPIPartner{}, parties: map[fc.ID]batchParty{}}
	ctx = context.WithValue(ctx, batchKey{}, bt)
	bt.prefetchCards(ctx, msgs)
	queue := make(chan fc.OCPIMessage)
	var wg sync.WaitGroup
	for range min(outboxWorkers, len(msgs)) {
		wg.Go(func() {
			for m := range queue {
				s.deliver(ctx, bt, m)
			}
		})
	}
	for _, m := range msgs {
		queue <- m
	}
	close(queue)
	wg.Wait()
	s.removeDelivered(ctx, bt)
	return len(msgs)
}

// deliveredAll removes delivered messages at once; the store has it, the
// domain's interface not (yet).
type deliveredAll interface {
	OCPIDeliveredAll(ctx context.Context, ids []fc.ID) error
}

// removeDelivered removes the batch's delivered messages in one write
// where the store can: a batch holds one message of an object at most
// (DueOCPI), so the next of an object waits for the next batch either
// way. Messages delivered but not removed (the process ends first) are
// sent again, as after any failure between a delivery and its removal.
func (s *Server) removeDelivered(ctx context.Context, bt *batch) {
	bt.mu.Lock()
	ids := bt.delivered
	bt.delivered = nil
	bt.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	// Removed even when the worker is stopping: the messages went out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.store.(deliveredAll).OCPIDeliveredAll(ctx, ids); err != nil {
		s.log.Warn("removing delivered OCPI messages", "messages", len(ids), "err", err)
	}
}

// outboxTransport is the default transport, keeping an idle connection
// per worker to each partner: the default keeps two, so that most pushes
// of a large sync opened a connection of their own.
var outboxTransport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = outboxWorkers
	return t
})

// outboxHTTP is the client the outbox sends with: the configured one, on
// outboxTransport when it has the default transport.
func (s *Server) outboxHTTP() *http.Client {
	if s.cfg.HTTP.Transport != nil {
		return s.cfg.HTTP
	}
	c := *s.cfg.HTTP
	c.Transport = outboxTransport()
	return &c
}

// batch is what the deliveries of one batch share: the HTTP client, and
// each partner and each provider's OCPI identity, read once.
type batch struct {
	s        *Server
	http     *http.Client
	mu       sync.Mutex
	partners map[fc.ID]*fc.OCPIPartner
	parties  map[fc.ID]batchParty
	// delivered are the messages delivered, to be removed at the batch's
	// end (removeDelivered) when the store removes many at once.
	delivered []fc.ID
	// cards are the cards of the batch's token pushes by provider and
	// UID, read at once when the store can (cardsByUID); a UID absent
	// from a provider's map that cards holds has no card.
	cards map[fc.ID]map[string]*fc.Card
}

// cardsByUID reads many cards of a provider by UID at once; the store has
// it, the domain's interface not (yet).
type cardsByUID interface {
	OCPICardsByUID(ctx context.Context, providerID fc.ID, uids []string) (map[string]*fc.Card, error)
}

// prefetchCards reads the cards of the batch's token pushes, one query
// per provider instead of one per push. A failure leaves each push to
// read its own.
func (b *batch) prefetchCards(ctx context.Context, msgs []fc.OCPIMessage) {
	finder, ok := b.s.store.(cardsByUID)
	if !ok {
		return
	}
	uids := map[fc.ID][]string{}
	for _, m := range msgs {
		uid, ok := strings.CutPrefix(m.Key, "token:")
		if m.Module != ModuleTokens || len(m.Body) > 0 || !ok {
			continue
		}
		p, err := b.partner(ctx, m.PartnerID)
		if err != nil {
			continue
		}
		uids[p.ProviderID] = append(uids[p.ProviderID], uid)
	}
	for providerID, list := range uids {
		cards, err := finder.OCPICardsByUID(ctx, providerID, list)
		if err != nil {
			continue
		}
		if b.cards == nil {
			b.cards = map[fc.ID]map[string]*fc.Card{}
		}
		b.cards[providerID] = cards
	}
}

// card returns the provider's card with the UID as the batch read it:
// ok false when the batch did not read the provider's cards.
func (b *batch) card(providerID fc.ID, uid string) (card *fc.Card, ok bool) {
	cards, ok := b.cards[providerID]
	if !ok {
		return nil, false
	}
	return cards[uid], true
}

// batchParty is a provider's OCPI identity and name.
type batchParty struct {
	party Party
	name  string
}

type batchKey struct{}

func (b *batch) partner(ctx context.Context, id fc.ID) (*fc.OCPIPartner, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.partners[id]; ok {
		return p, nil
	}
	p, err := b.s.store.OCPIPartnerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	b.partners[id] = p
	return p, nil
}

// ourParty is Server.ourParty, read once per batch.
func (b *batch) ourParty(ctx context.Context, providerID fc.ID) (Party, string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.parties[providerID]; ok {
		return p.party, p.name, nil
	}
	party, name, err := b.s.ourParty(ctx, providerID)
	if err != nil {
		return Party{}, "", err
	}
	b.parties[providerID] = batchParty{party, name}
	return party, name, nil
}

// batchParty is the provider's OCPI identity, read once per batch when ctx
// is a batch's.
func (s *Server) batchParty(ctx context.Context, providerID fc.ID) (Party, string, error) {
	if b, ok := ctx.Value(batchKey{}).(*batch); ok {
		return b.ourParty(ctx, providerID)
	}
	return s.ourParty(ctx, providerID)
}

// deliver sends one message and notes the outcome: delivered or refused
// (2xxx: recorded and dropped, so that one bad object does not block the
// others) messages leave the outbox; others are tried again later.
func (s *Server) deliver(ctx context.Context, bt *batch, m fc.OCPIMessage) {
	p, err := bt.partner(ctx, m.PartnerID)
	if err != nil {
		s.retry(ctx, m, err)
		return
	}
	method, target, body, err := s.request(ctx, p, m)
	switch {
	case err != nil:
		s.retry(ctx, m, err)
		return
	case target == "":
		// The partner has no such module: nothing to deliver.
		s.delivered(ctx, m)
		return
	}
	us, _, err := bt.ourParty(ctx, p.ProviderID)
	if err != nil {
		s.retry(ctx, m, err)
		return
	}
	cl := &Client{HTTP: bt.http, Token: p.OutgoingToken, PartnerID: p.ID, Now: s.cfg.Now,
		Routing: Routing{From: us, To: partyOf(p)}, OnExchange: s.exchange}
	_, _, err = cl.Do(ctx, m.Module, method, target, body)
	switch Classify(err) {
	case Delivered:
		s.delivered(ctx, m)
	case Drop:
		s.log.Warn("OCPI push refused by the partner: dropped", "partner", p.ID, "module", m.Module, "key", m.Key, "err", err)
		s.delivered(ctx, m)
	default:
		s.retry(ctx, m, err)
	}
}

// request builds a message's request: the module URL of the partner with
// the message's path (or the path alone when it is an absolute URL, a
// command result's response_url), and the body, built now from the object
// when the message names it only.
func (s *Server) request(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage) (method, target string, body any, err error) {
	if strings.HasPrefix(m.Path, "https://") || strings.HasPrefix(m.Path, "http://") {
		return m.Method, m.Path, json.RawMessage(m.Body), nil
	}
	base := p.EndpointURL(m.Module, RoleReceiver)
	if base == "" {
		return "", "", nil, nil
	}
	if len(m.Body) > 0 {
		return m.Method, base + m.Path, json.RawMessage(m.Body), nil
	}
	build := s.builders[m.Module]
	if build == nil {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s has no body and module %s builds none", m.ID, m.Module)
	}
	return build(ctx, p, m, base)
}

// buildCDR builds a session's CDR. A CDR that cannot be built (a location
// without coordinates) waits, retried, until it can: it is money.
func (s *Server) buildCDR(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage, base string) (string, string, any, error) {
	if !strings.HasPrefix(m.Key, cdrKeyPrefix) {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no session", m.ID)
	}
	id, err := fc.ParseID(strings.TrimPrefix(m.Key, cdrKeyPrefix))
	if err != nil {
		return "", "", nil, err
	}
	d, err := s.sessionCDR(ctx, p, id)
	if err != nil {
		return "", "", nil, err
	}
	return http.MethodPost, base, d, nil
}

// tokenCard is the provider's card with the UID, as the batch read it
// when it did; nil when no card has the UID.
func (s *Server) tokenCard(ctx context.Context, providerID fc.ID, uid string) (*fc.Card, error) {
	if b, ok := ctx.Value(batchKey{}).(*batch); ok {
		if card, ok := b.card(providerID, uid); ok {
			return card, nil
		}
	}
	card, err := s.store.OCPICard(ctx, providerID, uid)
	if fc.IsCode(err, fc.ENotFound) {
		return nil, nil
	}
	return card, err
}

// buildToken builds a card's token as it is now.
func (s *Server) buildToken(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage, base string) (string, string, any, error) {
	if !strings.HasPrefix(m.Key, "token:") {
		return "", "", nil, fc.Errorf(fc.EInvalid, "outbox message %s names no token", m.ID)
	}
	uid := strings.TrimPrefix(m.Key, "token:")
	us, issuer, err := s.batchParty(ctx, p.ProviderID)
	if err != nil {
		return "", "", nil, err
	}
	card, err := s.tokenCard(ctx, p.ProviderID, uid)
	if err != nil {
		return "", "", nil, err
	}
	t := cardToken(us, issuer, uid, card, s.now())
	if card == nil {
		t.LastUpdated = NewDateTime(s.now())
	}
	target := strings.TrimRight(base, "/") + "/" + us.CountryCode + "/" + us.PartyID + "/" + url.PathEscape(uid) + "?type=RFID"
	return http.MethodPut, target, t, nil
}

func (s *Server) delivered(ctx context.Context, m fc.OCPIMessage) {
	if bt, ok := ctx.Value(batchKey{}).(*batch); ok {
		if _, many := s.store.(deliveredAll); many {
			bt.mu.Lock()
			bt.delivered = append(bt.delivered, m.ID)
			bt.mu.Unlock()
			return
		}
	}
	if err := s.store.OCPIDelivered(ctx, m.ID); err != nil && !fc.IsCode(err, fc.ENotFound) && ctx.Err() == nil {
		s.log.Warn("removing a delivered OCPI message", "message", m.ID, "err", err)
	}
}

// retry notes a failed attempt: the next one waits twice as long as the
// last, from one second to ten minutes.
func (s *Server) retry(ctx context.Context, m fc.OCPIMessage, cause error) {
	wait := retryFirst << min(m.Attempts, 20)
	if wait > retryMax || wait <= 0 {
		wait = retryMax
	}
	text := cause.Error()
	if len(text) > 500 {
		text = text[:500]
	}
	if err := s.store.OCPIRetry(ctx, m.ID, text, s.now().Add(wait)); err != nil && !fc.IsCode(err, fc.ENotFound) && ctx.Err() == nil {
		s.log.Warn("noting a failed OCPI delivery", "message", m.ID, "err", err)
	}
}
