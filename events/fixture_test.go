package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/store"
)

// world is a provider with two customer organizations, A and B, each with
// an account, an employee and a card; a station of A's account at its
// office; a fleet manager and a facility manager of A and a provider
// admin.
type world struct {
	s                  *store.Store
	app                *app.Service
	api                *api.Server
	provider           *fc.Provider
	orgA, orgB         *fc.Organization
	accA, accB         *fc.Account
	empA, empB         *fc.Employee
	cardA, cardB       *fc.Card
	station            *fc.Station
	fleetA, facilityA  *fc.User
	admin              *fc.User
	subjects           map[fc.ID]access.Subject
	meterStart, lastID int64
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newWorld(t testing.TB, s *store.Store, name string) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{s: s, subjects: map[fc.ID]access.Subject{}}
	w.api = api.New(api.Config{Store: s})
	w.app = &app.Service{Store: s}
	w.provider = &fc.Provider{Name: name}
	must(t, "provider", s.CreateProvider(ctx, w.provider))
	pid := w.provider.ID
	w.orgA = &fc.Organization{ProviderID: pid, Name: name + " A"}
	must(t, "org A", s.CreateOrganization(ctx, w.orgA))
	w.orgB = &fc.Organization{ProviderID: pid, Name: name + " B"}
	must(t, "org B", s.CreateOrganization(ctx, w.orgB))
	w.accA = &fc.Account{ProviderID: pid, OrganizationID: w.orgA.ID, Name: name + " A Ltd", Kind: fc.AccountCompany}
	must(t, "account A", s.CreateAccount(ctx, w.accA))
	w.accB = &fc.Account{ProviderID: pid, OrganizationID: w.orgB.ID, Name: name + " B Ltd", Kind: fc.AccountCompany}
	must(t, "account B", s.CreateAccount(ctx, w.accB))
	w.empA = &fc.Employee{ProviderID: pid, AccountID: w.accA.ID, Name: "Anna " + name, Email: "anna@a.example", Active: true}
	must(t, "employee A", s.CreateEmployee(ctx, w.empA))
	w.empB = &fc.Employee{ProviderID: pid, AccountID: w.accB.ID, Name: "Bert " + name, Email: "bert@b.example", Active: true}
	must(t, "employee B", s.CreateEmployee(ctx, w.empB))
	w.cardA = &fc.Card{ProviderID: pid, AccountID: w.accA.ID, EmployeeID: w.empA.ID, InternalID: name + "-TAG-A", ExternalID: name + "-EXT-A-1234", Status: fc.CardActive}
	must(t, "card A", s.CreateCard(ctx, w.cardA))
	w.cardB = &fc.Card{ProviderID: pid, AccountID: w.accB.ID, EmployeeID: w.empB.ID, InternalID: name + "-TAG-B", ExternalID: name + "-EXT-B-5678", Status: fc.CardActive}
	must(t, "card B", s.CreateCard(ctx, w.cardB))
	office := &fc.Location{ProviderID: pid, AccountID: w.accA.ID, Name: name + " office", Kind: fc.LocationOffice, City: "Utrecht", Country: "NL"}
	must(t, "office", s.CreateLocation(ctx, office))
	g := &fc.ChargeGroup{ProviderID: pid, AccountID: w.accA.ID, Name: name + " public", Kind: fc.GroupOther, Access: fc.AccessPublic,
		Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 300000}}
	must(t, "charge group", s.CreateChargeGroup(ctx, g))
	w.station = &fc.Station{ProviderID: pid, AccountID: w.accA.ID, LocationID: office.ID, ChargeGroupID: g.ID, Identity: name + "-CP1", PasswordHash: "x"}
	must(t, "station", s.CreateStation(ctx, w.station, 2))
	w.fleetA = w.user(t, "fleet-a@"+name+".example", fc.RoleFleetManager, w.orgA.ID)
	w.facilityA = w.user(t, "facility-a@"+name+".example", fc.RoleFacilityManager, w.orgA.ID)
	w.admin = w.user(t, "admin@"+name+".example", fc.RoleProviderAdmin, 0)
	// The receivers of these tests listen on loopback.
	must(t, "allow private", s.SetWebhooksAllowPrivate(ctx, pid, true))
	return w
}

func (w *world) user(t testing.TB, email string, role fc.Role, orgID fc.ID) *fc.User {
	t.Helper()
	ctx := context.Background()
	u := &fc.User{ProviderID: w.provider.ID, Email: email, Name: email, PasswordHash: "x"}
	must(t, "user", w.s.CreateUser(ctx, u))
	must(t, "grant", w.s.CreateAssignment(ctx, &fc.Assignment{UserID: u.ID, Role: role, OrganizationID: orgID}))
	as, err := w.s.UserAssignments(ctx, u.ID)
	must(t, "assignments", err)
	w.subjects[u.ID] = access.NewSubject(u, as)
	return u
}

// webhook registers a webhook of u for the URL and returns it with its
// secret.
func (w *world) webhook(t *testing.T, u *fc.User, url string, narrow fc.ID, types ...string) (fc.Webhook, string) {
	t.Helper()
	h := fc.Webhook{URL: url, Events: types, OrganizationID: narrow}
	secret, err := w.app.CreateWebhook(context.Background(), w.subjects[u.ID], &h)
	must(t, "create webhook", err)
	return h, secret
}

// charge runs a session of the card at the world's station: start, then
// stop with 2 kWh.
func (w *world) charge(t *testing.T, c *fc.Card) fc.ID {
	t.Helper()
	ctx := context.Background()
	w.meterStart += 10000
	at := time.Now().UTC().Add(-time.Hour)
	x, _, err := w.s.StartTransaction(ctx, fc.StartTransaction{StationID: w.station.ID, ConnectorID: 1, IDTag: c.InternalID,
		MeterStart: w.meterStart, Timestamp: at})
	must(t, "start", err)
	_, err = w.s.StopTransaction(ctx, fc.StopTransaction{StationID: w.station.ID, TransactionID: x.ID, MeterStop: w.meterStart + 2000,
		Timestamp: at.Add(30 * time.Minute)})
	must(t, "stop", err)
	return x.ID
}

// service starts the events service of the world until the test ends.
func (w *world) service(t *testing.T, cfg events.Config) context.CancelFunc {
	t.Helper()
	cfg.Store, cfg.Render = w.s, w.api.EventData
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	svc := events.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// settle waits until every due event is dispatched and no enabled
// webhook has a delivery pending.
func settle(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		evs, err := s.DueEvents(ctx, time.Now(), 1)
		must(t, "due events", err)
		ds, err := s.DueDeliveries(ctx, time.Now().Add(24*time.Hour), 1)
		must(t, "due deliveries", err)
		if len(evs) == 0 && len(ds) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the events did not settle in 30 s")
}

// received is one request a receiver got.
type received struct {
	ID, Timestamp, Signature string
	At                       time.Time
	Payload                  struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	Body []byte
}

// receiver is an HTTP receiver on loopback that records every request and
// answers with status(n), n counting the requests with the same webhook-id
// from 1.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	tries  map[string]int
	status func(id string, n int) int
}

func newReceiver(t *testing.T, status func(id string, n int) int) *receiver {
	t.Helper()
	rc := &receiver{tries: map[string]int{}, status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		x := received{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
			Signature: r.Header.Get("webhook-signature"), At: time.Now(), Body: body}
		_ = json.Unmarshal(body, &x.Payload)
		rc.mu.Lock()
		rc.got = append(rc.got, x)
		rc.tries[x.ID]++
		n := rc.tries[x.ID]
		rc.mu.Unlock()
		code := http.StatusNoContent
		if rc.status != nil {
			code = rc.status(x.ID, n)
		}
		rw.WriteHeader(code)
		_, _ = io.WriteString(rw, "answer "+http.StatusText(code))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}
