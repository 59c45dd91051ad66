package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// importWorld is a provider with a card and a two-connector station, and
// its provider admin, who may import sessions.
type importWorld struct {
	s       *store.Store
	svc     *app.Service
	admin   access.Subject
	card    *fc.Card
	station *fc.Station
}

func newImportWorld(t *testing.T, s *store.Store) *importWorld {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	p := &fc.Provider{Name: "CPO"}
	must(s.CreateProvider(ctx, p), "provider")
	o := &fc.Organization{ProviderID: p.ID, Name: "Holding"}
	must(s.CreateOrganization(ctx, o), "organization")
	a := &fc.Account{ProviderID: p.ID, OrganizationID: o.ID, Name: "Logistics", Kind: fc.AccountCompany}
	must(s.CreateAccount(ctx, a), "account")
	c := &fc.Card{ProviderID: p.ID, AccountID: a.ID, InternalID: "TAG1", ExternalID: "EXT-TAG1", Status: fc.CardActive}
	must(s.CreateCard(ctx, c), "card")
	l := &fc.Location{ProviderID: p.ID, AccountID: a.ID, Name: "Depot", Kind: fc.LocationOffice}
	must(s.CreateLocation(ctx, l), "location")
	g := &fc.ChargeGroup{ProviderID: p.ID, AccountID: a.ID, Name: "Depot", Kind: fc.GroupOther, Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}
	must(s.CreateChargeGroup(ctx, g), "charge group")
	st := &fc.Station{ProviderID: p.ID, AccountID: a.ID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: "DEPOT-1", PasswordHash: "h"}
	must(s.CreateStation(ctx, st, 2), "station")
	u := &fc.User{ProviderID: p.ID, Email: "admin@cpo.example.com", Name: "Admin", PasswordHash: "h"}
	must(s.CreateUser(ctx, u), "user")
	as := &fc.Assignment{UserID: u.ID, Role: fc.RoleProviderAdmin}
	must(s.CreateAssignment(ctx, as), "assignment")
	return &importWorld{s: s, svc: &app.Service{Store: s}, admin: access.NewSubject(u, []fc.Assignment{*as}), card: c, station: st}
}

// sessions returns n imports of back-to-back hour-long sessions on
// connector 1, the first starting at start.
func (w *importWorld) sessions(prefix string, start time.Time, n int) []fc.Session {
	out := make([]fc.Session, n)
	for i := range out {
		from := start.Add(time.Duration(i) * time.Hour)
		to := from.Add(time.Hour)
		out[i] = fc.Session{ExternalRef: fmt.Sprintf("%s-%d", prefix, i), CardID: w.card.ID, StationID: w.station.ID, ConnectorID: 1,
			StartedAt: from, StoppedAt: &to, EnergyWh: 11_000, CostMinor: 385, Currency: "EUR"}
	}
	return out
}

func countSessions(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportSessionsRowErrors: a row refused for what it states fails alone;
// the rows after it are imported.
func TestImportSessionsRowErrors(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			w := newImportWorld(t, storetest.Open(t, engine))
			xs := w.sessions("rows", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 4)
			xs[1].EnergyWh = -1               // invalid
			xs[2].StartedAt = xs[0].StartedAt // overlaps row 0: a rule
			xs[2].StoppedAt = xs[0].StoppedAt
			results, err := w.svc.ImportSessions(context.Background(), w.admin, xs)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			var codes []string
			for _, r := range results {
				codes = append(codes, fc.ErrorCode(r.Err))
			}
			if got, want := fmt.Sprint(codes), fmt.Sprint([]string{"", fc.EInvalid, fc.EUnprocessable, ""}); got != want {
				t.Errorf("row codes = %s, want %s", got, want)
			}
			if got := countSessions(t, w.s); got != 2 {
				t.Errorf("%d sessions stored, want 2", got)
			}
		})
	}
}

// TestImportSessionsFullDisk imports a batch into an SQLite database that
// cannot grow (max_page_count at its size: SQLITE_FULL, as on a full disk):
// the import stops at the first row the database refuses and returns that
// error, unavailable, instead of failing every following row the same way.
func TestImportSessionsFullDisk(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	w := newImportWorld(t, s)
	ctx := context.Background()
	db := s.DB()
	// The store writes through one connection; pin the limit on it.
	db.SetMaxOpenConns(1)
	var pages int
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}

	xs := w.sessions("full", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 2000)
	results, err := w.svc.ImportSessions(ctx, w.admin, xs)
	if !fc.IsCode(err, fc.EUnavailable) {
		t.Fatalf("import into a full database: err = %v, want unavailable", err)
	}
	if len(results) >= len(xs) {
		t.Fatalf("the import went on through all %d rows", len(results))
	}
	stored := 0
	for i, r := range results {
		if r.Err != nil {
			t.Errorf("row %d before the stop failed: %v", i, r.Err)
			continue
		}
		stored++
	}
	if got := countSessions(t, s); got != stored {
		t.Errorf("%d sessions stored, want the %d reported before the stop", got, stored)
	}
}
