package ocpi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The goals of issue 17: pushing 200,000 tokens to a partner and receiving
// 100,000 CDRs, each in under two minutes. Run them with, e.g.,
//
//	go test ./ocpi -run '^$' -bench 'OCPI' -benchtime 1x
//
// and smaller with -ocpi.tokens and -ocpi.cdrs. They run only with -bench.
var (
	benchTokens = flag.Int("ocpi.tokens", 200_000, "cards the eMSP pushes as tokens in BenchmarkOCPITokenSync")
	benchCDRs   = flag.Int("ocpi.cdrs", 100_000, "CDRs the CPO posts in BenchmarkOCPICDRReceive")
)

// benchCDRPosters is how many CDRs the CPO posts at once, as a partner
// that sends from a few workers would.
const benchCDRPosters = 8

// benchPlatform is a platform of a benchmark: platform without the
// test's bookkeeping.
type benchPlatform struct {
	store    *store.Store
	provider *fc.Provider
	account  *fc.Account
	server   *Server
	http     *httptest.Server
}

func newBenchPlatform(tb testing.TB, engine, name, country, party string) *benchPlatform {
	tb.Helper()
	ctx := context.Background()
	s := storetest.Open(tb, engine)
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	prov := &fc.Provider{Name: name}
	must(s.CreateProvider(ctx, prov))
	prov, err := s.UpdateProvider(ctx, prov.ID, func(p *fc.Provider) error {
		p.OCPICountryCode, p.OCPIPartyID = country, party
		return nil
	})
	must(err)
	org := &fc.Organization{ProviderID: prov.ID, Name: name + " Holding"}
	must(s.CreateOrganization(ctx, org))
	acc := &fc.Account{ProviderID: prov.ID, OrganizationID: org.ID, Name: name + " Fleet", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, acc))
	// The server's HTTP client is the one it has in production (nil).
	p := &benchPlatform{store: s, provider: prov, account: acc,
		server: NewServer(Config{Store: s, Logger: benchLogger()})}
	p.http = httptest.NewServer(p.server)
	tb.Cleanup(p.http.Close)
	p.server.SetBaseURL(p.http.URL)
	return p
}

// benchLogger discards the servers' logs, or shows their errors with -v.
func benchLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// cards issues n active cards of the platform's account in bulk, with
// the internal IDs prefix00000000 on.
func (p *benchPlatform) cards(tb testing.TB, prefix string, n int) {
	tb.Helper()
	now := time.Now().UnixMilli()
	err := p.store.BulkLoad(context.Background(), p.provider.ID, func(l *store.Loader) error {
		return l.Insert("cards", []string{"provider_id", "account_id", "internal_id", "external_id", "status", "created_at", "updated_at"},
			func(yield func(...any) error) error {
				for i := range n {
					if err := yield(int64(p.provider.ID), int64(p.account.ID), fmt.Sprintf("%s%08d", prefix, i),
						fmt.Sprintf("EXT-%s%08d", prefix, i), fc.CardActive, now, now); err != nil {
						return err
					}
				}
				return nil
			})
	})
	if err != nil {
		tb.Fatalf("bulk cards: %v", err)
	}
}

// run starts the platform's outbox worker until the benchmark ends.
func (p *benchPlatform) run(tb testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.server.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
}

// count counts the rows of a query on the platform's database.
func (p *benchPlatform) count(tb testing.TB, query string) int {
	tb.Helper()
	var n int
	if err := p.store.DB().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// benchConnect registers emsp with cpo (the eMSP registers, with a token A
// the CPO issued) and returns the CPO's record of the eMSP. The
// registration queues every card of the eMSP as a token for the CPO.
func benchConnect(tb testing.TB, cpo, emsp *benchPlatform) *fc.OCPIPartner {
	tb.Helper()
	ctx := context.Background()
	tokenA := NewToken()
	pending := &fc.OCPIPartner{ProviderID: cpo.provider.ID, Name: "eMSP", Status: fc.PartnerPending}
	if err := cpo.store.CreateOCPIPartner(ctx, pending, TokenHash(tokenA), fc.OCPITokenA); err != nil {
		tb.Fatal(err)
	}
	if _, err := emsp.server.Register(ctx, emsp.provider.ID, "CPO", cpo.server.VersionsURL(), tokenA); err != nil {
		tb.Fatalf("register: %v", err)
	}
	got, err := cpo.store.OCPIPartner(ctx, cpo.provider.ID, pending.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

// BenchmarkOCPITokenSync: an eMSP with 200,000 cards registers with a CPO
// (which queues every card's token), and its outbox worker pushes them;
// an operation ends when the CPO holds every token. Each operation runs on
// fresh databases; the setup is not timed.
func BenchmarkOCPITokenSync(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			n := *benchTokens
			for range b.N {
				b.StopTimer()
				cpo := newBenchPlatform(b, engine, "Alpha Charging", "NL", "CPO")
				emsp := newBenchPlatform(b, engine, "Beta Mobility", "DE", "MSP")
				emsp.cards(b, "BETA", n)
				b.StartTimer()
				start := time.Now()
				benchConnect(b, cpo, emsp)
				emsp.run(b)
				for cpo.count(b, `SELECT COUNT(*) FROM ocpi_tokens`) < n {
					if time.Since(start) > 30*time.Minute {
						b.Fatalf("the CPO holds %d tokens of %d after 30 minutes", cpo.count(b, `SELECT COUNT(*) FROM ocpi_tokens`), n)
					}
					time.Sleep(100 * time.Millisecond)
				}
				b.StopTimer()
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "tokens/s")
				if left := emsp.count(b, `SELECT COUNT(*) FROM ocpi_outbox`); left > 0 {
					// The last deliveries are noted after the CPO stored them.
					time.Sleep(time.Second)
				}
			}
		})
	}
}

// BenchmarkOCPICDRReceive: a CPO posts 100,000 CDRs of the eMSP's cards,
// 8 at a time, to the eMSP's CDRs receiver; an operation ends when every
// CDR is a session at the eMSP. Each operation runs on fresh databases;
// the setup (1,000 cards, the registration) is not timed.
func BenchmarkOCPICDRReceive(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			n := *benchCDRs
			const cards = 1000
			for range b.N {
				b.StopTimer()
				cpo := newBenchPlatform(b, engine, "Alpha Charging", "NL", "CPO")
				emsp := newBenchPlatform(b, engine, "Beta Mobility", "DE", "MSP")
				emsp.cards(b, "BETA", cards)
				emspAtCPO := benchConnect(b, cpo, emsp)
				receiver := emspAtCPO.EndpointURL(ModuleCDRs, RoleReceiver)
				auth := AuthorizationHeader(emspAtCPO.OutgoingToken)
				// Each card charges once every two hours, back in time
				// from an hour ago.
				base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchCDRPosters}}
				b.StartTimer()
				start := time.Now()
				var next atomic.Int64
				var failed atomic.Int64
				var firstErr sync.Once
				var wg sync.WaitGroup
				for range benchCDRPosters {
					wg.Go(func() {
						for {
							i := int(next.Add(1)) - 1
							if i >= n {
								return
							}
							at := base.Add(-time.Duration(i/cards) * 2 * time.Hour)
							cdr := aCDR(fmt.Sprintf("CDR-%08d", i), fmt.Sprintf("BETA%08d", i%cards), at, 10+float64(i%50), 3.5)
							if err := benchPost(client, receiver, auth, cdr); err != nil {
								failed.Add(1)
								firstErr.Do(func() { b.Errorf("CDR %d: %v", i, err) })
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				if got := emsp.count(b, `SELECT COUNT(*) FROM sessions`); got != n || failed.Load() > 0 {
					b.Fatalf("%d sessions from %d CDRs, %d failed", got, n, failed.Load())
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "cdrs/s")
			}
		})
	}
}

// benchPost posts a CDR and checks that it was taken.
func benchPost(client *http.Client, url, auth string, cdr map[string]any) error {
	a, err := benchCall(client, http.MethodPost, url, auth, cdr)
	if err != nil {
		return err
	}
	if a.HTTP != http.StatusCreated || a.Env.StatusCode != StatusSuccess {
		return fmt.Errorf("HTTP %d: %s", a.HTTP, a.Raw)
	}
	return nil
}

// benchCall is tryCall with a client of the benchmark's, which keeps a
// connection per poster.
func benchCall(client *http.Client, method, url, auth string, body any) (answer, error) {
	j, err := json.Marshal(body)
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(j))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{HTTP: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &a.Env); err != nil {
		return a, fmt.Errorf("HTTP %d, not an envelope: %q", res.StatusCode, raw)
	}
	return a, nil
}
