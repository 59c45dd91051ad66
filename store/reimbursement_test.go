package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// homeWorld is a world in Amsterdam's time zone whose employee Eva has a
// home station, with a colleague Bob who has one too, Eva's private card
// (of a private account) and a guest's card (of another company).
type homeWorld struct {
	world
	s                   *store.Store
	evaHome, bobHome    *fc.Station
	bob                 *fc.Employee
	bobCard, evaPrivate *fc.Card
	guestCard, poolCard *fc.Card
	other               *fc.Account
	amsterdam           *time.Location
	refs                int
}

func newHomeWorld(t *testing.T, s *store.Store, name string) *homeWorld {
	t.Helper()
	ctx := context.Background()
	h := &homeWorld{world: mustWorld(t, s, name), s: s}
	if _, err := s.UpdateProvider(ctx, h.Provider.ID, func(p *fc.Provider) error {
		p.TimeZone = "Europe/Amsterdam"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	if h.amsterdam, err = time.LoadLocation("Europe/Amsterdam"); err != nil {
		t.Fatal(err)
	}
	h.bob = mustEmployee(t, s, h.Account, "Bob "+name)
	h.bobCard = mustCard(t, s, h.Account, h.bob.ID, name+"-BOB")
	h.poolCard = mustCard(t, s, h.Account, 0, name+"-POOL")
	evaHome := mustLocation(t, s, h.Account, fc.LocationHome, h.Employee.ID)
	bobHome := mustLocation(t, s, h.Account, fc.LocationHome, h.bob.ID)
	h.evaHome = mustStation(t, s, h.Account, evaHome, h.Group, name+"-EVA-HOME")
	h.bobHome = mustStation(t, s, h.Account, bobHome, h.Group, name+"-BOB-HOME")
	private := mustAccount(t, s, h.Provider.ID, h.Org.ID, "Eva's own")
	h.evaPrivate = mustCard(t, s, private, 0, name+"-PRIVATE")
	h.other = mustAccount(t, s, h.Provider.ID, mustOrg(t, s, h.Provider.ID, 0, name+" Elsewhere").ID, "Guest Ltd")
	h.guestCard = mustCard(t, s, h.other, 0, name+"-GUEST")
	return h
}

// charge imports a finished session of card c at station st (nil: a
// foreign home, imported with location kind home) starting at the local
// time given (Amsterdam), one hour long, with wh Wh.
func (h *homeWorld) charge(t *testing.T, c *fc.Card, st *fc.Station, local string, wh int64) fc.ID {
	t.Helper()
	start, err := time.ParseInLocation("2006-01-02 15:04", local, h.amsterdam)
	if err != nil {
		t.Fatal(err)
	}
	stop := start.Add(time.Hour)
	h.refs++
	x := &fc.Session{ProviderID: h.Provider.ID, ExternalRef: fmt.Sprintf("ref-%d", h.refs), CardID: c.ID,
		StartedAt: start, StoppedAt: &stop, EnergyWh: wh, CostMinor: 0, Currency: "EUR"}
	if st != nil {
		x.StationID, x.ConnectorID = st.ID, 1
	} else {
		x.LocationKind, x.LocationName = fc.LocationHome, "Home"
	}
	if _, err := h.s.ImportSession(context.Background(), x); err != nil {
		t.Fatalf("import session at %s: %v", local, err)
	}
	return x.ID
}

func (h *homeWorld) rate(t *testing.T, e *fc.Employee, micros int64, from, to string) *fc.ReimbursementRate {
	t.Helper()
	r := &fc.ReimbursementRate{ProviderID: h.Provider.ID, EmployeeID: e.ID, PerKWhMicros: micros, Currency: "EUR", ValidFrom: from, ValidTo: to}
	if err := h.s.CreateReimbursementRate(context.Background(), r); err != nil {
		t.Fatalf("create rate %s..%s: %v", from, to, err)
	}
	return r
}

func (h *homeWorld) generate(t *testing.T, period string) map[fc.ID]*fc.ReimbursementStatement {
	t.Helper()
	xs, err := h.s.GenerateReimbursementStatements(context.Background(), fc.ProviderScope(h.Provider.ID), period)
	if err != nil {
		t.Fatalf("generate %s: %v", period, err)
	}
	out := map[fc.ID]*fc.ReimbursementStatement{}
	for i := range xs {
		x, err := h.s.ReimbursementStatement(context.Background(), fc.ProviderScope(h.Provider.ID), xs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		out[x.EmployeeID] = x
	}
	return out
}

func lineSessions(x *fc.ReimbursementStatement) []fc.ID {
	if x == nil {
		return nil
	}
	return idsOf(x.Lines, func(l fc.ReimbursementLine) fc.ID { return l.SessionID })
}

func TestReimbursableSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RS")
		h.rate(t, h.Employee, 250000, "2026-01-01", "")
		h.rate(t, h.bob, 300000, "2026-01-01", "")
		want := []fc.ID{
			h.charge(t, h.Card, h.evaHome, "2026-03-02 19:00", 10000),    // Eva's company card at her home
			h.charge(t, h.poolCard, h.evaHome, "2026-03-03 19:00", 5000), // the account's pool card at her home
			h.charge(t, h.Card, nil, "2026-03-04 19:00", 7000),           // an imported home session with her card
		}
		h.charge(t, h.evaPrivate, h.evaHome, "2026-03-05 19:00", 8000) // her private card
		h.charge(t, h.guestCard, h.evaHome, "2026-03-06 19:00", 8000)  // a guest
		h.charge(t, h.bobCard, h.evaHome, "2026-03-07 19:00", 8000)    // a colleague at her home
		h.charge(t, h.Card, h.Station, "2026-03-08 09:00", 8000)       // her card at the office
		h.charge(t, h.evaPrivate, nil, "2026-03-09 19:00", 8000)       // an imported home session, private card
		h.charge(t, h.guestCard, nil, "2026-03-10 19:00", 8000)        // an imported home session, no employee
		bobAtHome := h.charge(t, h.bobCard, h.bobHome, "2026-03-11 19:00", 2000)
		h.charge(t, h.Card, h.bobHome, "2026-03-12 19:00", 8000) // Eva at Bob's home
		h.charge(t, h.Card, h.evaHome, "2026-04-01 00:30", 8000) // April in Amsterdam

		got := h.generate(t, "2026-03")
		if len(got) != 2 {
			t.Fatalf("statements: got %d, want Eva's and Bob's", len(got))
		}
		eva := got[h.Employee.ID]
		if g := lineSessions(eva); fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("Eva's lines: got %v, want %v", g, want)
		}
		// 10 kWh + 5 kWh + 7 kWh at 0.25 EUR.
		if eva.Sessions != 3 || eva.EnergyWh != 22000 || eva.AmountMinor != 550 || eva.Currency != "EUR" || eva.Status != fc.StatementDraft {
			t.Errorf("Eva's statement: %+v", eva)
		}
		if g := lineSessions(got[h.bob.ID]); fmt.Sprint(g) != fmt.Sprint([]fc.ID{bobAtHome}) {
			t.Errorf("Bob's lines: got %v, want %v", g, bobAtHome)
		}
		if got[h.bob.ID].AmountMinor != 60 {
			t.Errorf("Bob's amount: got %d, want 60", got[h.bob.ID].AmountMinor)
		}
	})
}

func TestReimbursementRateDating(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RD")
		ctx := context.Background()
		winter := h.rate(t, h.Employee, 200000, "2026-01-01", "2026-03-01")
		h.rate(t, h.Employee, 300000, "2026-03-01", "")

		// Overlaps, on either side, and touching rates.
		for _, c := range []struct{ from, to string }{
			{"2026-02-15", "2026-03-15"}, {"2025-12-01", "2026-01-02"}, {"2026-05-01", ""}, {"2025-01-01", ""},
		} {
			r := &fc.ReimbursementRate{ProviderID: h.Provider.ID, EmployeeID: h.Employee.ID, PerKWhMicros: 1, Currency: "EUR", ValidFrom: c.from, ValidTo: c.to}
			wantCode(t, "overlapping rate "+c.from, s.CreateReimbursementRate(ctx, r), fc.EConflict)
		}
		h.rate(t, h.Employee, 100000, "2025-12-01", "2026-01-01")
		other := &fc.ReimbursementRate{ProviderID: h.Provider.ID, EmployeeID: h.Employee.ID, PerKWhMicros: 1, Currency: "CHF", ValidFrom: "2024-01-01", ValidTo: "2024-02-01"}
		wantCode(t, "rate in another currency", s.CreateReimbursementRate(ctx, other), fc.EConflict)
		for field, r := range map[string]fc.ReimbursementRate{
			"valid_to":    {EmployeeID: h.Employee.ID, Currency: "EUR", ValidFrom: "2024-02-01", ValidTo: "2024-02-01"},
			"valid_from":  {EmployeeID: h.Employee.ID, Currency: "EUR", ValidFrom: "2024-02-30"},
			"currency":    {EmployeeID: h.Employee.ID, Currency: "EURO", ValidFrom: "2024-02-01"},
			"per_kwh":     {EmployeeID: h.Employee.ID, Currency: "EUR", ValidFrom: "2024-02-01", PerKWhMicros: -1},
			"employee_id": {EmployeeID: 999999, Currency: "EUR", ValidFrom: "2024-02-01"},
		} {
			r.ProviderID = h.Provider.ID
			wantField(t, "rate with a bad "+field, s.CreateReimbursementRate(ctx, &r), field)
		}
		_, err := s.UpdateReimbursementRate(ctx, fc.ProviderScope(h.Provider.ID), winter.ID, func(r *fc.ReimbursementRate) error {
			r.ValidTo = "2026-03-02"
			return nil
		})
		wantCode(t, "a change that overlaps", err, fc.EConflict)

		// 23:30 on the last day of February in Amsterdam is 22:30 UTC; 00:30
		// on 1 March is still 28 February in UTC.
		feb := h.charge(t, h.Card, h.evaHome, "2026-02-28 23:30", 1000)
		mar := h.charge(t, h.Card, h.evaHome, "2026-03-01 00:30", 1000)
		jan := h.charge(t, h.Card, h.evaHome, "2026-01-01 00:00", 1000)
		dec := h.charge(t, h.Card, h.evaHome, "2025-12-31 23:00", 1000)
		for period, want := range map[string][]struct {
			id     fc.ID
			micros int64
		}{
			"2025-12": {{dec, 100000}}, "2026-01": {{jan, 200000}}, "2026-02": {{feb, 200000}}, "2026-03": {{mar, 300000}},
		} {
			x := h.generate(t, period)[h.Employee.ID]
			if x == nil || len(x.Lines) != len(want) {
				t.Fatalf("%s: got %+v, want %d lines", period, x, len(want))
			}
			for i, w := range want {
				if l := x.Lines[i]; l.SessionID != w.id || l.PerKWhMicros != w.micros || l.OriginalPeriod != period {
					t.Errorf("%s line %d: got %+v, want session %s at %d", period, i, l, w.id, w.micros)
				}
			}
		}
	})
}

func TestReimbursementStatementLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RL")
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		sc := fc.ProviderScope(h.Provider.ID)
		r := h.rate(t, h.Employee, 250000, "2026-01-01", "")
		first := h.charge(t, h.Card, h.evaHome, "2026-03-02 19:00", 10000)

		// Drafts are recomputed: same statement, new lines.
		draft := h.generate(t, "2026-03")[h.Employee.ID]
		second := h.charge(t, h.Card, h.evaHome, "2026-03-03 19:00", 12345)
		again := h.generate(t, "2026-03")[h.Employee.ID]
		if again.ID != draft.ID || fmt.Sprint(lineSessions(again)) != fmt.Sprint([]fc.ID{first, second}) {
			t.Fatalf("recomputed draft: got %s with %v", again.ID, lineSessions(again))
		}
		// 250 + 308.625 rounded half up once per line: 250 + 309.
		if again.AmountMinor != 559 || again.Lines[1].AmountMinor != 309 {
			t.Errorf("amounts: statement %d, line %d; want 559 and 309", again.AmountMinor, again.Lines[1].AmountMinor)
		}
		_, err := s.PayReimbursementStatement(ctx, sc, draft.ID)
		wantCode(t, "pay a draft", err, fc.EConflict)

		approved, err := s.ApproveReimbursementStatement(ctx, sc, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != fc.StatementApproved || approved.ApprovedAt == nil {
			t.Fatalf("approved: %+v", approved)
		}
		_, err = s.ApproveReimbursementStatement(ctx, sc, draft.ID)
		wantCode(t, "approve twice", err, fc.EConflict)
		snapshot := statementJSON(t, s, sc, draft.ID)

		// Later changes: a late March session, a changed rate: the approved statement stays as it was.
		late := h.charge(t, h.Card, h.evaHome, "2026-03-20 19:00", 4000)
		if _, err := s.UpdateReimbursementRate(ctx, sc, r.ID, func(r *fc.ReimbursementRate) error {
			r.PerKWhMicros = 500000
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h.generate(t, "2026-03")
		april := h.charge(t, h.Card, h.evaHome, "2026-04-02 19:00", 2000)
		next := h.generate(t, "2026-04")[h.Employee.ID]
		if got := statementJSON(t, s, sc, draft.ID); got != snapshot {
			t.Errorf("the approved statement changed:\n%s\nwant\n%s", got, snapshot)
		}
		// The late session is a correction of April's statement, first (it
		// started first), naming March.
		if fmt.Sprint(lineSessions(next)) != fmt.Sprint([]fc.ID{late, april}) {
			t.Fatalf("April's lines: got %v, want %v", lineSessions(next), []fc.ID{late, april})
		}
		if l := next.Lines[0]; l.OriginalPeriod != "2026-03" || !l.Correction(next) || next.Corrections != 1 || l.AmountMinor != 200 {
			t.Errorf("correction line: %+v (statement corrections %d)", l, next.Corrections)
		}
		if next.Lines[1].Correction(next) {
			t.Errorf("April's own session is a correction")
		}

		paid, err := s.PayReimbursementStatement(ctx, sc, draft.ID)
		if err != nil || paid.Status != fc.StatementPaid || paid.PaidAt == nil {
			t.Fatalf("pay: %+v, %v", paid, err)
		}
		// Without a rate, April's draft has nothing left and goes.
		if err := s.DeleteReimbursementRate(ctx, sc, r.ID); err != nil {
			t.Fatal(err)
		}
		if got := h.generate(t, "2026-04"); len(got) != 0 {
			t.Errorf("April after the rate went: %v", got)
		}
		if _, err := s.ReimbursementStatement(ctx, sc, next.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("April's empty draft: err = %v, want not found", err)
		}
		events, err := s.AuditEvents(ctx, sc, fc.AuditFilter{ObjectType: fc.KindReimbursementStatement, Page: fc.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		want := "[reimbursement_statement.create reimbursement_statement.update reimbursement_statement.approved " +
			"reimbursement_statement.create reimbursement_statement.paid reimbursement_statement.delete]"
		if fmt.Sprint(actions) != want {
			t.Errorf("audited: %v, want %s", actions, want)
		}
	})
}

func statementJSON(t *testing.T, s *store.Store, sc fc.Scope, id fc.ID) string {
	t.Helper()
	x, err := s.ReimbursementStatement(context.Background(), sc, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct {
		*fc.ReimbursementStatement
		Energy, Amount         int64
		ProviderName, TimeZone string
		Lines                  []fc.ReimbursementLine
	}{x, x.EnergyWh, x.AmountMinor, x.ProviderName, x.TimeZone, x.Lines})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReimbursementApprovedFrozen: an approved statement reads the same
// after every later change to what it shows (the employee's name and
// number, the account's and provider's names, the provider's time zone,
// the station's identity, the rate), while a draft reads them as they are
// now; an erasure of the employee reaches the approved statement too.
func TestReimbursementApprovedFrozen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RF")
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		sc := fc.ProviderScope(h.Provider.ID)
		r := h.rate(t, h.Employee, 250000, "2026-01-01", "")
		h.rate(t, h.bob, 300000, "2026-01-01", "")
		h.charge(t, h.Card, h.evaHome, "2026-03-02 19:00", 10000)
		h.charge(t, h.Card, h.evaHome, "2026-03-31 23:30", 7000)
		h.charge(t, h.bobCard, h.bobHome, "2026-03-05 19:00", 5000)
		march := h.generate(t, "2026-03")
		eva, bob := march[h.Employee.ID], march[h.bob.ID]
		if _, err := s.ApproveReimbursementStatement(ctx, sc, eva.ID); err != nil {
			t.Fatal(err)
		}
		snapshot := statementJSON(t, s, sc, eva.ID)

		if _, err := s.UpdateEmployee(ctx, sc, h.Employee.ID, func(e *fc.Employee) error {
			e.Name, e.EmployeeNumber = "Eva Renamed", "NEW-1"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateEmployee(ctx, sc, h.bob.ID, func(e *fc.Employee) error {
			e.Name = "Bob Renamed"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateAccount(ctx, sc, h.Account.ID, func(a *fc.Account) error {
			a.Name = "Renamed Ltd"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateProvider(ctx, h.Provider.ID, func(p *fc.Provider) error {
			p.Name, p.TimeZone = "Renamed Provider", "America/New_York"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateStation(ctx, sc, h.evaHome.ID, func(st *fc.Station) error {
			st.Identity = "RF-EVA-MOVED"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateReimbursementRate(ctx, sc, r.ID, func(r *fc.ReimbursementRate) error {
			r.PerKWhMicros = 990000
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h.generate(t, "2026-03")
		h.generate(t, "2026-04")
		if got := statementJSON(t, s, sc, eva.ID); got != snapshot {
			t.Errorf("the approved statement changed:\n%s\nwant\n%s", got, snapshot)
		}
		// The draft reads the names as they are now.
		b, err := s.ReimbursementStatement(ctx, sc, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.EmployeeName != "Bob Renamed" || b.AccountName != "Renamed Ltd" || b.ProviderName != "Renamed Provider" ||
			b.TimeZone != "America/New_York" {
			t.Errorf("draft names: %q, %q, %q, %q", b.EmployeeName, b.AccountName, b.ProviderName, b.TimeZone)
		}
		// Once paid, it still shows what it showed when approved.
		paid, err := s.PayReimbursementStatement(ctx, sc, eva.ID)
		if err != nil {
			t.Fatal(err)
		}
		if paid.EmployeeName != eva.EmployeeName || paid.AccountName != eva.AccountName || paid.TimeZone != "Europe/Amsterdam" {
			t.Errorf("paid names: %q, %q, %q", paid.EmployeeName, paid.AccountName, paid.TimeZone)
		}
		if err := s.EraseEmployee(ctx, sc, h.Employee.ID); err != nil {
			t.Fatal(err)
		}
		erased, err := s.ReimbursementStatement(ctx, sc, eva.ID)
		if err != nil {
			t.Fatal(err)
		}
		if erased.EmployeeName != fc.ErasedEmployeeName || erased.EmployeeNumber != "" || erased.AmountMinor != paid.AmountMinor {
			t.Errorf("after erasure: %q, %q, amount %d", erased.EmployeeName, erased.EmployeeNumber, erased.AmountMinor)
		}
	})
}

func TestReimbursementScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RC")
		ctx := context.Background()
		r := h.rate(t, h.Employee, 250000, "2026-01-01", "")
		h.charge(t, h.Card, h.evaHome, "2026-03-02 19:00", 10000)
		elsewhere := accountScope(h.Provider.ID, h.other.ID)
		got, err := s.GenerateReimbursementStatements(ctx, elsewhere, "2026-03")
		if err != nil || len(got) != 0 {
			t.Fatalf("generate out of scope: %v, %v", got, err)
		}
		mine := orgScope(h.Provider.ID, h.Org.ID)
		got, err = s.GenerateReimbursementStatements(ctx, mine, "2026-03")
		if err != nil || len(got) != 1 {
			t.Fatalf("generate in scope: %v, %v", got, err)
		}
		if _, err := s.ReimbursementStatement(ctx, elsewhere, got[0].ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("statement out of scope: err = %v", err)
		}
		if xs, err := s.ReimbursementStatements(ctx, elsewhere, fc.ReimbursementStatementFilter{Page: fc.Page{Limit: 10}}); err != nil || len(xs) != 0 {
			t.Errorf("statements out of scope: %v, %v", xs, err)
		}
		if _, err := s.ApproveReimbursementStatement(ctx, elsewhere, got[0].ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("approve out of scope: err = %v", err)
		}
		if _, err := s.ReimbursementRate(ctx, elsewhere, r.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("rate out of scope: err = %v", err)
		}
		if rs, err := s.ReimbursementRates(ctx, elsewhere, fc.ReimbursementRateFilter{Page: fc.Page{Limit: 10}}); err != nil || len(rs) != 0 {
			t.Errorf("rates out of scope: %v, %v", rs, err)
		}
		if err := s.DeleteReimbursementRate(ctx, elsewhere, r.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("delete a rate out of scope: err = %v", err)
		}
		xs, err := s.ReimbursementStatements(ctx, mine, fc.ReimbursementStatementFilter{Period: "2026-03", Status: fc.StatementDraft, Page: fc.Page{Limit: 10}})
		if err != nil || len(xs) != 1 || xs[0].EmployeeName != h.Employee.Name || xs[0].AccountName != h.Account.Name || xs[0].Lines != nil {
			t.Errorf("statements in scope: %+v, %v", xs, err)
		}
		_, err = s.ReimbursementStatements(ctx, mine, fc.ReimbursementStatementFilter{Period: "2026-3"})
		wantField(t, "a bad period", err, "period")
	})
}

// TestReimbursementManyLines: a month of many home sessions makes one
// statement whose lines each round once and whose amount is their sum.
func TestReimbursementManyLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RM")
		h.rate(t, h.Employee, 234567, "2026-01-01", "")
		start := time.Date(2026, 5, 1, 0, 0, 0, 0, h.amsterdam)
		var want, energy int64
		const n = 230
		for i := range n {
			wh := int64(1000 + i*37)
			h.charge(t, h.Card, h.evaHome, start.Add(time.Duration(i)*2*time.Hour).Format("2006-01-02 15:04"), wh)
			want += fc.ReimbursementAmount(wh, 234567, "EUR")
			energy += wh
		}
		x := h.generate(t, "2026-05")[h.Employee.ID]
		if x == nil || len(x.Lines) != n || x.Sessions != n || x.AmountMinor != want || x.EnergyWh != energy {
			t.Fatalf("statement: %d lines, %d sessions, amount %d (want %d), energy %d (want %d)", len(x.Lines), x.Sessions, x.AmountMinor, want, x.EnergyWh, energy)
		}
		var sum int64
		for i, l := range x.Lines {
			sum += l.AmountMinor
			if i > 0 && l.StartedAt.Before(x.Lines[i-1].StartedAt) {
				t.Errorf("line %d is out of order", i)
			}
		}
		if sum != x.AmountMinor {
			t.Errorf("lines sum to %d, the statement says %d", sum, x.AmountMinor)
		}
	})
}

// TestReimbursableRuleProperty charges random cards (employees' own, pool
// cards of two companies, a private card) at random places (three
// employees' homes, an office, imported homes) and checks the statements
// against the rule written out by hand: at a home, a card of the home's
// employee's account that is that employee's or no one's; imported, the
// card's employee. Both engines.
func TestReimbursableRuleProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RP")
		rng := rand.New(rand.NewPCG(1, 15))
		b := mustAccount(t, s, h.Provider.ID, h.Org.ID, "RP second company")
		dana := mustEmployee(t, s, b, "Dana")
		danaHome := mustStation(t, s, b, mustLocation(t, s, b, fc.LocationHome, dana.ID), mustChargeGroup(t, s, b, fc.AccessPublic), "RP-DANA-HOME")
		carl := mustEmployee(t, s, h.Account, "Carl, without a home")
		cards := []*fc.Card{h.Card, h.bobCard, h.poolCard, h.evaPrivate, h.guestCard,
			mustCard(t, s, h.Account, carl.ID, "RP-CARL"), mustCard(t, s, b, dana.ID, "RP-DANA"), mustCard(t, s, b, 0, "RP-BPOOL")}
		homeOf := map[fc.ID]*fc.Employee{h.evaHome.ID: h.Employee, h.bobHome.ID: h.bob, danaHome.ID: dana}
		places := []*fc.Station{h.evaHome, h.bobHome, danaHome, h.Station, nil}
		employees := map[fc.ID]*fc.Employee{h.Employee.ID: h.Employee, h.bob.ID: h.bob, dana.ID: dana, carl.ID: carl}
		for i, e := range []*fc.Employee{h.Employee, h.bob, dana, carl} {
			h.rate(t, e, int64(100000+i*33333), "2026-01-01", "")
		}
		want := map[fc.ID][]fc.ID{}
		amounts := map[fc.ID]int64{}
		start := time.Date(2026, 3, 1, 0, 0, 0, 0, h.amsterdam)
		for i := range 60 {
			c, st := cards[rng.IntN(len(cards))], places[rng.IntN(len(places))]
			wh := 100 + rng.Int64N(20000)
			id := h.charge(t, c, st, start.Add(time.Duration(i)*11*time.Hour).Format("2006-01-02 15:04"), wh)
			var to *fc.Employee
			if st == nil {
				to = employees[c.EmployeeID]
			} else if home := homeOf[st.ID]; home != nil && c.AccountID == home.AccountID && (c.EmployeeID == 0 || c.EmployeeID == home.ID) {
				to = home
			}
			if to != nil {
				want[to.ID] = append(want[to.ID], id)
				rates, err := s.ReimbursementRates(context.Background(), fc.ProviderScope(h.Provider.ID), fc.ReimbursementRateFilter{EmployeeID: to.ID, Page: fc.Page{Limit: 1}})
				if err != nil || len(rates) != 1 {
					t.Fatalf("rate of %s: %v, %v", to.Name, rates, err)
				}
				amounts[to.ID] += fc.ReimbursementAmount(wh, rates[0].PerKWhMicros, "EUR")
			}
		}
		reimbursed := 0
		for _, ids := range want {
			reimbursed += len(ids)
		}
		if len(want) < 3 || reimbursed < 10 || reimbursed > 50 {
			t.Fatalf("the draw reimburses %d sessions to %d employees: too few cases of either outcome", reimbursed, len(want))
		}
		got := h.generate(t, "2026-03")
		if len(got) != len(want) {
			t.Errorf("statements for %d employees, want %d", len(got), len(want))
		}
		for eid, ids := range want {
			x := got[eid]
			if fmt.Sprint(lineSessions(x)) != fmt.Sprint(ids) || x.AmountMinor != amounts[eid] {
				t.Errorf("%s: lines %v amount %v, want %v and %d", employees[eid].Name, lineSessions(x), x, ids, amounts[eid])
			}
		}
	})
}

// TestReimbursedInReport checks the reimbursed columns of the
// sessions-per-employee report against the statements: an employee's row
// holds the energy and amounts of its lines on approved or paid statements,
// a draft's lines count for nothing until it is approved, and a late
// session counts in the month it started in although a later statement
// holds it. Both engines.
func TestReimbursedInReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		h := newHomeWorld(t, s, "RR")
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		sc := fc.ProviderScope(h.Provider.ID)
		h.rate(t, h.Employee, 250000, "2026-01-01", "")
		h.rate(t, h.bob, 333333, "2026-01-01", "")
		h.charge(t, h.Card, h.evaHome, "2026-03-02 19:00", 12345)
		h.charge(t, h.Card, h.evaHome, "2026-03-03 19:00", 7001)
		h.charge(t, h.Card, h.bobHome, "2026-03-04 19:00", 5000) // Eva's card at Bob's: not reimbursed
		h.charge(t, h.bobCard, h.bobHome, "2026-03-05 19:00", 9999)
		march := h.generate(t, "2026-03")
		if _, err := s.ApproveReimbursementStatement(ctx, sc, march[h.Employee.ID].ID); err != nil {
			t.Fatal(err)
		}
		late := h.charge(t, h.Card, h.evaHome, "2026-03-20 19:00", 4000)
		h.charge(t, h.Card, h.evaHome, "2026-04-02 19:00", 2000)
		april := h.generate(t, "2026-04")[h.Employee.ID]
		if _, err := s.ApproveReimbursementStatement(ctx, sc, april.ID); err != nil {
			t.Fatal(err)
		}

		// What the statements say, line by line, by the month the session started in.
		want := map[fc.ID]fc.ReportFigures{}
		for _, id := range []fc.ID{march[h.Employee.ID].ID, april.ID} {
			x, err := s.ReimbursementStatement(ctx, sc, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range x.Lines {
				if l.OriginalPeriod == "2026-03" {
					f := want[x.EmployeeID]
					f.ReimbursedWh += l.EnergyWh
					f.ReimbursedMinor += l.AmountMinor
					want[x.EmployeeID] = f
				}
			}
		}
		if want[h.Employee.ID].ReimbursedWh != 12345+7001+4000 {
			t.Fatalf("Eva's March lines: %+v (late session %s)", want[h.Employee.ID], late)
		}
		run := func() map[fc.ID]fc.ReportFigures {
			got := map[fc.ID]fc.ReportFigures{}
			from := time.Date(2026, 3, 1, 0, 0, 0, 0, h.amsterdam)
			err := s.Report(ctx, fc.ReportQuery{Report: fc.ReportSessionsPerEmployee,
				Scope: fc.SessionScope{ProviderID: h.Provider.ID, CardSide: fc.Everything, StationSide: fc.Everything},
				From:  from, To: from.AddDate(0, 1, 0)}, func(r *fc.ReportRow) error {
				f := got[r.EmployeeID]
				f.ReimbursedWh += r.Figures.ReimbursedWh
				f.ReimbursedMinor += r.Figures.ReimbursedMinor
				got[r.EmployeeID] = f
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := run()
		if got[h.Employee.ID] != want[h.Employee.ID] || got[h.bob.ID] != (fc.ReportFigures{}) {
			t.Errorf("reimbursed in the report: Eva %+v, want %+v; Bob (draft) %+v, want nothing", got[h.Employee.ID], want[h.Employee.ID], got[h.bob.ID])
		}
		bob, err := s.ApproveReimbursementStatement(ctx, sc, march[h.bob.ID].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := run()[h.bob.ID]; got.ReimbursedWh != bob.EnergyWh || got.ReimbursedMinor != bob.AmountMinor || got.ReimbursedWh != 9999 {
			t.Errorf("Bob approved: %+v, want %d Wh and %d", got, bob.EnergyWh, bob.AmountMinor)
		}
	})
}
