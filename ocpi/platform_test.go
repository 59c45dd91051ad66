package ocpi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// platform is one fleetcharge installation in a roaming test: its own
// store, a provider with an OCPI identity, and the OCPI server listening on
// a test address. Requests to it can be refused wholesale (down) and are
// kept (seen) for the functional modules.
type platform struct {
	t        *testing.T
	store    *store.Store
	provider *fc.Provider
	account  *fc.Account
	server   *Server
	http     *httptest.Server

	// down makes the platform answer every request with HTTP 503.
	down atomic.Bool
	// skew is added to the real time on the server's clock, so that a test
	// can make retried messages due without waiting for their back-off.
	skew atomic.Int64

	mu   sync.Mutex
	seen []seenRequest
}

// seenRequest is a request the platform received on a functional module.
type seenRequest struct {
	Method, Path string
	Body         []byte
}

// twoPlatforms runs fn on every engine with two platforms, each on a fresh
// store of its own: A (NL CPO) and B (DE MSP), neither registered with the
// other yet.
func twoPlatforms(t *testing.T, fn func(t *testing.T, a, b *platform)) {
	t.Helper()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := newPlatform(t, storetest.Open(t, engine), "Alpha Charging", "NL", "CPO")
			b := newPlatform(t, storetest.Open(t, engine), "Beta Mobility", "DE", "MSP")
			fn(t, a, b)
		})
	}
}

func newPlatform(t *testing.T, s *store.Store, name, country, party string) *platform {
	t.Helper()
	ctx := context.Background()
	prov := &fc.Provider{Name: name}
	if err := s.CreateProvider(ctx, prov); err != nil {
		t.Fatalf("create provider: %v", err)
	}
	prov, err := s.UpdateProvider(ctx, prov.ID, func(p *fc.Provider) error {
		p.OCPICountryCode, p.OCPIPartyID = country, party
		return nil
	})
	if err != nil {
		t.Fatalf("provider's OCPI identity: %v", err)
	}
	org := &fc.Organization{ProviderID: prov.ID, Name: name + " Holding"}
	if err := s.CreateOrganization(ctx, org); err != nil {
		t.Fatalf("create organization: %v", err)
	}
	acc := &fc.Account{ProviderID: prov.ID, OrganizationID: org.ID, Name: name + " Fleet", Kind: fc.AccountCompany}
	if err := s.CreateAccount(ctx, acc); err != nil {
		t.Fatalf("create account: %v", err)
	}
	p := &platform{t: t, store: s, provider: prov, account: acc}
	p.server = NewServer(Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		HTTP: &http.Client{Timeout: 10 * time.Second},
		Now:  func() time.Time { return time.Now().Add(time.Duration(p.skew.Load())) }})
	p.http = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.http.Close)
	p.server.SetBaseURL(p.http.URL)
	return p
}

func (p *platform) serve(w http.ResponseWriter, r *http.Request) {
	if p.down.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if !strings.HasPrefix(r.URL.Path, versionsPath) && !strings.HasPrefix(r.URL.Path, detailsPath) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		p.seen = append(p.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Body: body})
		p.mu.Unlock()
	}
	p.server.ServeHTTP(w, r)
}

// requests returns the requests seen so far whose path starts with prefix.
func (p *platform) requests(prefix string) []seenRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []seenRequest
	for _, r := range p.seen {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// run starts the outbox worker until the test ends.
func (p *platform) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.server.Run(ctx)
	}()
	p.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// card issues a card of the platform's account with the internal ID.
func (p *platform) card(internalID string) *fc.Card {
	p.t.Helper()
	c := &fc.Card{ProviderID: p.provider.ID, AccountID: p.account.ID, InternalID: internalID,
		ExternalID: "EXT-" + internalID, Status: fc.CardActive}
	if err := p.store.CreateCard(context.Background(), c); err != nil {
		p.t.Fatalf("create card %s: %v", internalID, err)
	}
	return c
}

// setCard changes a card's status.
func (p *platform) setCard(c *fc.Card, status string) {
	p.t.Helper()
	if _, err := p.store.UpdateCard(context.Background(), fc.ProviderScope(p.provider.ID), c.ID, func(c *fc.Card) error {
		c.Status = status
		return nil
	}); err != nil {
		p.t.Fatalf("card %s to %s: %v", c.InternalID, status, err)
	}
}

// pending creates a partner waiting to register with token A.
func (p *platform) pending(name, tokenA string) *fc.OCPIPartner {
	p.t.Helper()
	partner := &fc.OCPIPartner{ProviderID: p.provider.ID, Name: name, Status: fc.PartnerPending}
	if err := p.store.CreateOCPIPartner(context.Background(), partner, TokenHash(tokenA), fc.OCPITokenA); err != nil {
		p.t.Fatalf("create partner: %v", err)
	}
	return partner
}

// partner reads the platform's partner.
func (p *platform) partner(id fc.ID) *fc.OCPIPartner {
	p.t.Helper()
	got, err := p.store.OCPIPartner(context.Background(), p.provider.ID, id)
	if err != nil {
		p.t.Fatalf("partner %s: %v", id, err)
	}
	return got
}

// connect registers b with a (b is the one registering, with the token A
// that a issued) and returns each side's record of the other.
func connect(t *testing.T, a, b *platform) (bAtA, aAtB *fc.OCPIPartner) {
	t.Helper()
	tokenA := NewToken()
	pending := a.pending("Beta", tokenA)
	aAtB, err := b.server.Register(context.Background(), b.provider.ID, "Alpha", a.server.VersionsURL(), tokenA)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return a.partner(pending.ID), aAtB
}

// answer is an OCPI answer as a partner sees it.
type answer struct {
	HTTP   int
	Header http.Header
	Env    Response
	Raw    string
}

// call makes a request with the Authorization header as given ("" for
// none) and a body (nil for none, a string as it is, anything else as
// JSON), and header pairs.
func call(t *testing.T, method, url, authorization string, body any, header ...string) answer {
	t.Helper()
	a, err := tryCall(method, url, authorization, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tryCall is call for other goroutines than the test's: the answer must
// be an envelope with a timestamp, or tryCall fails.
func tryCall(method, url, authorization string, body any, header ...string) (answer, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return answer{}, err
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{HTTP: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &a.Env); err != nil {
		return a, fmt.Errorf("%s %s: HTTP %d, not an envelope: %q", method, url, res.StatusCode, raw)
	}
	if !a.Env.Timestamp.Valid() {
		return a, fmt.Errorf("%s %s: envelope without a timestamp: %s", method, url, raw)
	}
	return a, nil
}

// want fails the test unless the answer has the HTTP status and OCPI code.
func (a answer) want(t *testing.T, what string, httpStatus, code int) {
	t.Helper()
	if a.HTTP != httpStatus || a.Env.StatusCode != code {
		t.Errorf("%s: HTTP %d, status %d (%s), want HTTP %d, status %d", what, a.HTTP, a.Env.StatusCode, a.Raw, httpStatus, code)
	}
}

// eventually waits, at most 20 seconds, until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in 20 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receivedToken reads the token of b's card as a holds it from partner.
func receivedToken(a *platform, partner *fc.OCPIPartner, b *platform, uid string) (*fc.OCPIToken, error) {
	return a.store.OCPIToken(context.Background(), partner.ID, b.provider.OCPICountryCode, b.provider.OCPIPartyID, uid, "RFID")
}
