package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// billWorld is a Dutch provider (21 % VAT, 10 % roaming margin, 15 %
// self-billing fee) with a Dutch fleet, a Belgian fleet, a private driver
// and a Dutch host whose station serves them all.
type billWorld struct {
	s                             *store.Store
	p                             *fc.Provider
	org                           *fc.Organization
	fleetNL, fleetBE, priv, host  *fc.Account
	cardNL, cardBE, cardPriv, own *fc.Card
	station                       *fc.Station
	amsterdam                     *time.Location
}

func newBillWorld(t *testing.T, s *store.Store, name string) *billWorld {
	t.Helper()
	ctx := context.Background()
	w := &billWorld{s: s}
	w.p = mustProvider(t, s, name)
	var err error
	if w.p, err = s.UpdateProvider(ctx, w.p.ID, func(p *fc.Provider) error {
		p.TimeZone = "Europe/Amsterdam"
		p.Billing = fc.ProviderBilling{LegalName: name + " B.V.", VATID: "NL123456789B01", Address: "Stationsplein 1", PostalCode: "3511 AA",
			City: "Utrecht", Country: "NL", IBAN: "NL91 ABNA 0417 1643 00", VATRateBP: 2100, InvoicePrefix: "FC",
			RoamingMarginBP: 1000, SelfBillingFeeBP: 1500}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if w.amsterdam, err = time.LoadLocation("Europe/Amsterdam"); err != nil {
		t.Fatal(err)
	}
	w.org = mustOrg(t, s, w.p.ID, 0, name+" Customers")
	w.fleetNL = w.account(t, name+" Fleet NL", fc.AccountCompany, "NL", "NL000099998B57")
	w.fleetBE = w.account(t, name+" Fleet BE", fc.AccountCompany, "BE", "BE0123456749")
	w.priv = w.account(t, name+" Private", fc.AccountPrivate, "NL", "")
	w.host = w.account(t, name+" Host", fc.AccountCompany, "NL", "NL111222333B01")
	w.cardNL = mustCard(t, s, w.fleetNL, 0, name+"-NL")
	w.cardBE = mustCard(t, s, w.fleetBE, 0, name+"-BE")
	w.cardPriv = mustCard(t, s, w.priv, 0, name+"-PRIV")
	w.own = mustCard(t, s, w.host, 0, name+"-HOST")
	loc := mustLocation(t, s, w.host, fc.LocationOffice, 0)
	w.station = mustStation(t, s, w.host, loc, mustChargeGroup(t, s, w.host, fc.AccessPublic), name+"-CP")
	return w
}

func (w *billWorld) account(t *testing.T, name, kind, country, vat string) *fc.Account {
	t.Helper()
	a := &fc.Account{ProviderID: w.p.ID, OrganizationID: w.org.ID, Name: name, Kind: kind, Country: country, VATID: vat,
		Address: "Main street 1", PostalCode: "1000", City: "City", BillingEmail: "billing@example.com", IBAN: "DE89370400440532013000"}
	if err := w.s.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("create account %s: %v", name, err)
	}
	return a
}

// session stores a finished session of card c, at the world's station or
// (st false) on another network with the partner party (imported), starting
// at the local time given, with its cost.
func (w *billWorld) session(t *testing.T, c *fc.Card, atStation bool, party, local string, wh, cost int64, currency string) fc.ID {
	t.Helper()
	start, err := time.ParseInLocation("2006-01-02 15:04", local, w.amsterdam)
	if err != nil {
		t.Fatal(err)
	}
	return rawPricedSession(t, w.s, c, w.station, atStation, party, start, wh, cost, currency)
}

func rawPricedSession(t testing.TB, s *store.Store, c *fc.Card, st *fc.Station, atStation bool, party string, start time.Time, wh, cost int64, currency string) fc.ID {
	t.Helper()
	source, kind := "ocpp", fc.LocationOffice
	var stationID, stationAccountID, locationID any
	if atStation {
		stationID, stationAccountID, locationID = int64(st.ID), int64(st.AccountID), int64(st.LocationID)
	} else {
		source, kind = "import", fc.LocationPublic
	}
	at := start.UnixMilli()
	var id fc.ID
	if err := s.DB().QueryRowContext(context.Background(), `INSERT INTO sessions (provider_id, source, card_id, id_tag, card_account_id,
		station_id, connector_id, station_account_id, location_id, location_kind, location_name, started_at, stopped_at, energy_wh, duration_s,
		cost_minor, currency, external_party, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, 'Elsewhere', $10, $11, $12, 3600, $13, $14, $15, $10, $11) RETURNING id`,
		int64(c.ProviderID), source, int64(c.ID), c.InternalID, int64(c.AccountID), stationID, stationAccountID, locationID, kind,
		at, at+3600000, wh, cost, currency, party).Scan(&id); err != nil {
		t.Fatalf("insert session: %v", err)
	}
	return id
}

func (w *billWorld) run(t *testing.T, period string) map[string]*fc.Invoice {
	t.Helper()
	xs, err := w.s.RunInvoices(context.Background(), fc.ProviderScope(w.p.ID), period, false)
	if err != nil {
		t.Fatalf("run %s: %v", period, err)
	}
	out := map[string]*fc.Invoice{}
	for _, x := range xs {
		inv := w.get(t, x.ID)
		if x.LineCount != len(inv.Lines) {
			t.Errorf("run %s: invoice %s counted %d lines, has %d", period, x.ID, x.LineCount, len(inv.Lines))
		}
		out[fmt.Sprintf("%s/%s/%s/%s", inv.Kind, inv.AccountID, inv.Currency, inv.Status)] = inv
	}
	return out
}

func (w *billWorld) get(t *testing.T, id fc.ID) *fc.Invoice {
	t.Helper()
	inv, err := w.s.Invoice(context.Background(), fc.InvoiceScope{ProviderID: w.p.ID, Reach: fc.Everything, Drafts: fc.Everything}, id)
	if err != nil {
		t.Fatalf("invoice %s: %v", id, err)
	}
	return inv
}

func key(kind string, a *fc.Account, currency, status string) string {
	return fmt.Sprintf("%s/%s/%s/%s", kind, a.ID, currency, status)
}

func lineIDs(inv *fc.Invoice) []fc.ID {
	var out []fc.ID
	for _, l := range inv.Lines {
		out = append(out, l.SessionID)
	}
	return out
}

// TestInvoiceRun checks what a run bills to whom, at which price and VAT.
func TestInvoiceRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newBillWorld(t, s, "Run")
		nl := w.session(t, w.cardNL, true, "", "2026-06-03 08:00", 10_000, 1000, "EUR")
		be := w.session(t, w.cardBE, true, "", "2026-06-04 08:00", 20_000, 2000, "EUR")
		pv := w.session(t, w.cardPriv, true, "", "2026-06-05 08:00", 5_000, 500, "EUR")
		roam := w.session(t, w.cardNL, false, "DE*CPO", "2026-06-06 08:00", 8_000, 1001, "EUR")
		usd := w.session(t, w.cardNL, false, "", "2026-06-07 08:00", 8_000, 700, "USD")
		w.session(t, w.own, true, "", "2026-06-08 08:00", 8_000, 900, "EUR")             // own card, own station: nothing
		w.session(t, w.cardNL, true, "", "2026-05-31 23:30", 8_000, 900, "EUR")          // May in Amsterdam
		first := w.session(t, w.cardNL, true, "", "2026-06-01 00:30", 1_000, 100, "EUR") // June in Amsterdam, May in UTC
		w.session(t, w.cardNL, true, "", "2026-06-09 08:00", 0, 0, "EUR")                // free: nothing
		got := w.run(t, "2026-06")
		if len(got) != 5 {
			t.Fatalf("run made %d invoices, want 5: %v", len(got), slices.Collect(mapKeys(got)))
		}
		inv := got[key(fc.InvoiceKindInvoice, w.fleetNL, "EUR", fc.InvoiceDraft)]
		if inv == nil || !slices.Equal(lineIDs(inv), []fc.ID{first, nl, roam}) {
			t.Fatalf("Dutch fleet's invoice: %+v", inv)
		}
		// 100 + 1000 + 1001 plus 10 % (100.1, rounded to 100): 2201 at 21 %.
		if inv.Net != 2201 || inv.VAT != 462 || inv.Total != 2663 || inv.Lines[2].Net != 1101 {
			t.Errorf("Dutch fleet: net %d vat %d total %d, roaming line %d", inv.Net, inv.VAT, inv.Total, inv.Lines[2].Net)
		}
		if l := inv.Lines[1]; l.VATCategory != fc.VATStandard || l.VATRateBP != 2100 || l.Unit != fc.UnitKWh || l.QuantityMilli != 10_000 ||
			l.UnitPriceMicros != 1_000_000 || !strings.Contains(l.Description, "10.000 kWh") {
			t.Errorf("Dutch fleet's line: %+v", l)
		}
		if !strings.Contains(inv.Lines[2].Description, "DE*CPO") || inv.Seller.Name != "Run B.V." || inv.Buyer.VATID != "NL000099998B57" ||
			inv.Seller.IBAN != "NL91ABNA0417164300" {
			t.Errorf("Dutch fleet's parties or roaming line: %+v / %+v / %s", inv.Seller, inv.Buyer, inv.Lines[2].Description)
		}
		if inv := got[key(fc.InvoiceKindInvoice, w.fleetNL, "USD", fc.InvoiceDraft)]; inv == nil || !slices.Equal(lineIDs(inv), []fc.ID{usd}) {
			t.Errorf("Dutch fleet's USD invoice: %+v", inv)
		}
		inv = got[key(fc.InvoiceKindInvoice, w.fleetBE, "EUR", fc.InvoiceDraft)]
		if inv == nil || !slices.Equal(lineIDs(inv), []fc.ID{be}) || inv.VAT != 0 || inv.Total != 2000 ||
			inv.Lines[0].VATCategory != fc.VATReverseCharge || !strings.Contains(inv.Note, fc.ReverseChargeNote) {
			t.Errorf("Belgian fleet (reverse charge): %+v", inv)
		}
		inv = got[key(fc.InvoiceKindInvoice, w.priv, "EUR", fc.InvoiceDraft)]
		if inv == nil || !slices.Equal(lineIDs(inv), []fc.ID{pv}) || inv.VAT != 105 || inv.Lines[0].VATCategory != fc.VATStandard {
			t.Errorf("private driver: %+v", inv)
		}
		inv = got[key(fc.InvoiceKindSelfBilling, w.host, "EUR", fc.InvoiceDraft)]
		// The station's revenue from the other accounts' cards: 100, 1000,
		// 2000 and 500 less 15 % each: 85 + 850 + 1700 + 425.
		if inv == nil || !slices.Equal(lineIDs(inv), []fc.ID{first, nl, be, pv}) || inv.Net != 3060 || inv.VAT != 643 {
			t.Fatalf("host's self-billing invoice: %+v", inv)
		}
		if inv.Seller.Name != w.host.Name || inv.Buyer.Name != "Run B.V." || !inv.SelfBilled() || !strings.Contains(inv.Note, fc.SelfBillingNote) {
			t.Errorf("self-billing parties: %+v / %+v, note %q", inv.Seller, inv.Buyer, inv.Note)
		}
		// A run changes nothing when nothing changed; a dry run writes nothing.
		again := w.run(t, "2026-06")
		for k, inv := range got {
			if a := again[k]; a == nil || a.ID != inv.ID || a.Total != inv.Total || !slices.Equal(lineIDs(a), lineIDs(inv)) {
				t.Errorf("re-run changed %s", k)
			}
		}
		w.session(t, w.cardNL, true, "", "2026-06-20 08:00", 1_000, 100, "EUR")
		preview, err := s.RunInvoices(context.Background(), fc.ProviderScope(w.p.ID), "2026-06", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range preview {
			if x.AccountID == w.fleetNL.ID && x.Currency == "EUR" && x.Kind == fc.InvoiceKindInvoice {
				if x.Net != 2301 {
					t.Errorf("preview net %d, want 2301", x.Net)
				}
				// The preview counts the new session's line too.
				if want := len(got[key(fc.InvoiceKindInvoice, w.fleetNL, "EUR", fc.InvoiceDraft)].Lines) + 1; x.LineCount != want {
					t.Errorf("preview counts %d lines, want %d", x.LineCount, want)
				}
			}
		}
		if inv := w.get(t, got[key(fc.InvoiceKindInvoice, w.fleetNL, "EUR", fc.InvoiceDraft)].ID); inv.Net != 2201 {
			t.Errorf("the preview wrote: net %d", inv.Net)
		}
	})
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func invoiceJSON(t *testing.T, inv *fc.Invoice) string {
	t.Helper()
	c := *inv
	c.Status, c.PaidAt = "", nil
	b, err := json.Marshal(struct {
		fc.Invoice
		Net, VAT, Total int64
		Lines           []fc.InvoiceLine
	}{c, c.Net, c.VAT, c.Total, c.Lines})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestInvoiceLifecycle issues, freezes, pays and credits; a late session
// goes to the next run; a credited invoice's sessions are invoiced again.
func TestInvoiceLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newBillWorld(t, s, "Life")
		all := fc.ProviderScope(w.p.ID)
		a := w.session(t, w.cardBE, true, "", "2026-06-03 08:00", 10_000, 1000, "EUR")
		inv := w.run(t, "2026-06")[key(fc.InvoiceKindInvoice, w.fleetBE, "EUR", fc.InvoiceDraft)]
		issued, err := s.IssueInvoice(ctx, all, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		number := func(seq int64) string { return fc.InvoiceNumber("FC", time.Now().In(w.amsterdam).Year(), seq) }
		if issued.Number != number(1) || issued.Status != fc.InvoiceIssued || issued.IssueDate == "" || issued.DueDate <= issued.IssueDate {
			t.Fatalf("issued: %+v", issued)
		}
		if _, err := s.IssueInvoice(ctx, all, inv.ID); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("issue twice: %v", err)
		}
		frozen := invoiceJSON(t, issued)
		// A rename and a new VAT id change nothing issued; a late session of
		// June waits for the next run, which is July's.
		if _, err := s.UpdateAccount(ctx, all, w.fleetBE.ID, func(a *fc.Account) error {
			a.Name, a.VATID = "Renamed", ""
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		late := w.session(t, w.cardBE, true, "", "2026-06-28 08:00", 1_000, 100, "EUR")
		june := w.run(t, "2026-06")
		if x := june[key(fc.InvoiceKindInvoice, w.fleetBE, "EUR", fc.InvoiceDraft)]; x != nil {
			t.Errorf("June's run made a second June invoice of the late session: %+v", x)
		}
		if got := invoiceJSON(t, w.get(t, inv.ID)); got != frozen {
			t.Errorf("issued invoice changed:\n%s\n%s", got, frozen)
		}
		july := w.run(t, "2026-07")[key(fc.InvoiceKindInvoice, w.fleetBE, "EUR", fc.InvoiceDraft)]
		if july == nil || !slices.Equal(lineIDs(july), []fc.ID{late}) || !strings.Contains(july.Lines[0].Description, "late, of 2026-06") {
			t.Fatalf("July's run: %+v", july)
		}
		// Issued now, without its VAT id, the Belgian account pays Dutch VAT.
		julyIssued, err := s.IssueInvoice(ctx, all, july.ID)
		if err != nil {
			t.Fatal(err)
		}
		if julyIssued.Number != number(2) || julyIssued.Lines[0].VATCategory != fc.VATStandard || julyIssued.VAT != 21 ||
			julyIssued.Buyer.Name != "Renamed" {
			t.Errorf("July issued: %+v", julyIssued)
		}
		if _, err := s.PayInvoice(ctx, all, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PayInvoice(ctx, all, inv.ID); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("pay twice: %v", err)
		}
		note, err := s.CreditInvoice(ctx, all, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if note.Kind != fc.InvoiceKindCreditNote || note.Number != number(3) || note.CorrectsID != inv.ID ||
			note.CorrectsNumber != number(1) || note.Total != issued.Total || !slices.Equal(lineIDs(note), []fc.ID{a}) ||
			note.Buyer.Name != w.fleetBE.Name || note.Status != fc.InvoiceIssued {
			t.Errorf("credit note: %+v", note)
		}
		if got := w.get(t, inv.ID); got.Status != fc.InvoiceVoid {
			t.Errorf("credited invoice is %s", got.Status)
		}
		if _, err := s.CreditInvoice(ctx, all, inv.ID); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("credit twice: %v", err)
		}
		if _, err := s.CreditInvoice(ctx, all, note.ID); !fc.IsCode(err, fc.EConflict) {
			t.Errorf("credit a credit note: %v", err)
		}
		// The credited session is invoiced again by June's next run: the
		// corrected invoice.
		corrected := w.run(t, "2026-06")[key(fc.InvoiceKindInvoice, w.fleetBE, "EUR", fc.InvoiceDraft)]
		if corrected == nil || !slices.Equal(lineIDs(corrected), []fc.ID{a}) || corrected.Buyer.Name != "Renamed" {
			t.Fatalf("corrected draft: %+v", corrected)
		}
		// Drafts of a period whose sessions went elsewhere are deleted.
		if _, err := s.DB().ExecContext(ctx, `UPDATE sessions SET cost_minor = 0 WHERE id = $1`, int64(a)); err != nil {
			t.Fatal(err)
		}
		if x := w.run(t, "2026-06")[key(fc.InvoiceKindInvoice, w.fleetBE, "EUR", fc.InvoiceDraft)]; x != nil {
			t.Errorf("a draft without sessions stayed: %+v", x)
		}
		if _, err := s.Invoice(ctx, fc.InvoiceScope{ProviderID: w.p.ID, Reach: fc.Everything, Drafts: fc.Everything}, corrected.ID); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("deleted draft: %v", err)
		}
		// Every change is audited.
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE object_type = 'invoice'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < 8 {
			t.Errorf("%d audit events of invoices", n)
		}
	})
}

// TestInvoiceNumbersConcurrent issues 20 drafts from 20 goroutines at
// once: the numbers are 1 to 20, each once.
func TestInvoiceNumbersConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newBillWorld(t, s, "Conc")
		const n = 20
		for i := range n {
			a := w.account(t, fmt.Sprintf("Conc fleet %d", i), fc.AccountCompany, "NL", "")
			c := mustCard(t, s, a, 0, fmt.Sprintf("CONC-%d", i))
			w.session(t, c, true, "", "2026-06-03 08:00", 1000, 100+int64(i), "EUR")
		}
		var drafts []fc.ID
		for _, inv := range w.run(t, "2026-06") {
			if inv.Kind == fc.InvoiceKindInvoice {
				drafts = append(drafts, inv.ID)
			}
		}
		if len(drafts) != n {
			t.Fatalf("%d drafts", len(drafts))
		}
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, id := range drafts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				inv, err := s.IssueInvoice(ctx, fc.ProviderScope(w.p.ID), id)
				if err == nil {
					numbers[i] = inv.Number
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("issue %s: %v", drafts[i], err)
			}
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fc.InvoiceNumber("FC", time.Now().In(w.amsterdam).Year(), int64(i+1)); got != want {
				t.Errorf("number %d = %q, want %q: a gap or a duplicate", i, got, want)
			}
		}
	})
}

// TestInvoiceSessionsNeverTwiceProperty runs random runs, issues, credits,
// payments and late sessions, and checks after each step that no session
// is on two live invoices of one side, that issued invoices never change,
// and that numbers have no gap.
func TestInvoiceSessionsNeverTwiceProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newBillWorld(t, s, "Prop")
		all := fc.ProviderScope(w.p.ID)
		rng := rand.New(rand.NewPCG(16, 2026))
		cards := []*fc.Card{w.cardNL, w.cardBE, w.cardPriv, w.own}
		months := []string{"2026-04", "2026-05", "2026-06"}
		addSession := func() {
			c := cards[rng.IntN(len(cards))]
			m := months[rng.IntN(len(months))]
			local := fmt.Sprintf("%s-%02d %02d:00", m, 1+rng.IntN(28), rng.IntN(24))
			w.session(t, c, rng.IntN(4) > 0, "", local, int64(rng.IntN(30_000)), int64(rng.IntN(3000)), "EUR")
		}
		for range 30 {
			addSession()
		}
		frozen := map[fc.ID]string{}
		issued := 0
		for step := range 60 {
			invs, err := s.Invoices(ctx, fc.InvoiceScope{ProviderID: w.p.ID, Reach: fc.Everything, Drafts: fc.Everything}, fc.InvoiceFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			pick := func(status string) *fc.Invoice {
				var xs []fc.Invoice
				for _, x := range invs {
					if x.Status == status && x.Kind != fc.InvoiceKindCreditNote {
						xs = append(xs, x)
					}
				}
				if len(xs) == 0 {
					return nil
				}
				return &xs[rng.IntN(len(xs))]
			}
			switch op := rng.IntN(6); op {
			case 0, 1:
				if _, err := s.RunInvoices(ctx, all, months[rng.IntN(len(months))], false); err != nil {
					t.Fatalf("step %d run: %v", step, err)
				}
			case 2:
				if x := pick(fc.InvoiceDraft); x != nil {
					inv, err := s.IssueInvoice(ctx, all, x.ID)
					if err != nil {
						t.Fatalf("step %d issue: %v", step, err)
					}
					frozen[inv.ID] = invoiceJSON(t, inv)
					issued++
				}
			case 3:
				if x := pick(fc.InvoiceIssued); x != nil {
					note, err := s.CreditInvoice(ctx, all, x.ID)
					if err != nil {
						t.Fatalf("step %d credit: %v", step, err)
					}
					frozen[note.ID] = invoiceJSON(t, note)
					issued++
				}
			case 4:
				if x := pick(fc.InvoiceIssued); x != nil {
					if _, err := s.PayInvoice(ctx, all, x.ID); err != nil {
						t.Fatalf("step %d pay: %v", step, err)
					}
				}
			case 5:
				addSession()
			}
			// No session on two live invoices of one side.
			var dup int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT il.session_id, i.kind FROM invoice_lines il
				JOIN invoices i ON i.id = il.invoice_id WHERE i.status <> 'void' AND i.kind <> 'credit_note'
				GROUP BY il.session_id, i.kind HAVING COUNT(*) > 1) d`).Scan(&dup); err != nil {
				t.Fatal(err)
			}
			if dup != 0 {
				t.Fatalf("step %d: %d sessions on two live invoices of one side", step, dup)
			}
			for id, want := range frozen {
				if got := invoiceJSON(t, w.get(t, id)); got != want {
					t.Fatalf("step %d: issued invoice %s changed", step, id)
				}
			}
			var numbers []string
			rows, err := s.DB().QueryContext(ctx, `SELECT number FROM invoices WHERE number IS NOT NULL`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				numbers = append(numbers, n)
			}
			rows.Close()
			slices.Sort(numbers)
			if len(numbers) != issued {
				t.Fatalf("step %d: %d numbers, %d issued", step, len(numbers), issued)
			}
			for i, n := range numbers {
				if want := fc.InvoiceNumber("FC", time.Now().In(w.amsterdam).Year(), int64(i+1)); n != want {
					t.Fatalf("step %d: number %d is %s, want %s", step, i, n, want)
				}
			}
		}
		// Every priced session of another account's card is on a live
		// invoice once every month has been run after the last credit, and
		// the month after the last (which takes the late sessions of a
		// closed last month).
		for _, m := range append(months, "2026-07") {
			if _, err := s.RunInvoices(ctx, all, m, false); err != nil {
				t.Fatal(err)
			}
		}
		var missing int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions s WHERE s.provider_id = $1 AND s.cost_minor > 0
			AND s.card_account_id <> COALESCE(s.station_account_id, 0) AND NOT EXISTS (SELECT 1 FROM invoice_lines il
			JOIN invoices i ON i.id = il.invoice_id WHERE il.session_id = s.id AND i.kind = 'invoice' AND i.status <> 'void')`,
			int64(w.p.ID)).Scan(&missing); err != nil {
			t.Fatal(err)
		}
		if missing != 0 {
			t.Errorf("%d billable sessions on no invoice after running every month", missing)
		}
	})
}

// TestInvoiceScope checks who reads which invoice: the account's readers
// read all of its issued invoices, self-billing readers only the
// self-billed ones, drafts only the provider's managers; nothing of another
// account or provider.
func TestInvoiceScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newBillWorld(t, s, "Scope")
		other := newBillWorld(t, s, "Other")
		all := fc.ProviderScope(w.p.ID)
		w.session(t, w.own, false, "", "2026-06-02 08:00", 1000, 300, "EUR") // the host pays for charging elsewhere
		w.session(t, w.cardNL, true, "", "2026-06-03 08:00", 1000, 300, "EUR")
		other.session(t, other.cardNL, true, "", "2026-06-03 08:00", 1000, 300, "EUR")
		w.run(t, "2026-06")
		other.run(t, "2026-06")
		ids := map[string]fc.ID{}
		xs, _ := s.Invoices(ctx, fc.InvoiceScope{ProviderID: w.p.ID, Reach: fc.Everything, Drafts: fc.Everything}, fc.InvoiceFilter{})
		for _, x := range xs {
			ids[x.Kind+"/"+x.AccountID.String()] = x.ID
		}
		hostInvoice, hostSelf := ids["invoice/"+w.host.ID.String()], ids["self_billing/"+w.host.ID.String()]
		fleetInvoice := ids["invoice/"+w.fleetNL.ID.String()]
		if hostInvoice == 0 || hostSelf == 0 || fleetInvoice == 0 {
			t.Fatalf("invoices: %v", ids)
		}
		host := fc.Reach{AccountIDs: []fc.ID{w.host.ID}}
		reader := fc.InvoiceScope{ProviderID: w.p.ID, Reach: host}
		facility := fc.InvoiceScope{ProviderID: w.p.ID, SelfBilling: fc.Reach{OrgIDs: []fc.ID{w.org.ID}}}
		list := func(sc fc.InvoiceScope, f fc.InvoiceFilter) []fc.ID {
			xs, err := s.Invoices(ctx, sc, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []fc.ID
			for _, x := range xs {
				out = append(out, x.ID)
			}
			return out
		}
		if got := list(reader, fc.InvoiceFilter{}); len(got) != 0 {
			t.Errorf("drafts read by a reader: %v", got)
		}
		for _, id := range []fc.ID{hostInvoice, hostSelf, fleetInvoice} {
			if _, err := s.IssueInvoice(ctx, all, id); err != nil {
				t.Fatal(err)
			}
		}
		if got := list(reader, fc.InvoiceFilter{}); !slices.Equal(got, []fc.ID{hostInvoice, hostSelf}) && !slices.Equal(got, []fc.ID{hostSelf, hostInvoice}) {
			t.Errorf("the host's reader reads %v, want %v and %v", got, hostInvoice, hostSelf)
		}
		if got := list(facility, fc.InvoiceFilter{}); !slices.Equal(got, []fc.ID{hostSelf}) {
			t.Errorf("the facility reader reads %v, want only the self-billing invoice %v", got, hostSelf)
		}
		if got := list(facility, fc.InvoiceFilter{AccountID: w.fleetNL.ID}); len(got) != 0 {
			t.Errorf("the facility reader reads the fleet's invoices: %v", got)
		}
		if _, err := s.Invoice(ctx, reader, fleetInvoice); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another account's invoice: %v", err)
		}
		if _, err := s.Invoice(ctx, facility, hostInvoice); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("what the host pays, read by its facility manager: %v", err)
		}
		note, err := s.CreditInvoice(ctx, all, hostSelf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Invoice(ctx, facility, note.ID); err != nil {
			t.Errorf("the credit note of a self-billing invoice, read by the facility reader: %v", err)
		}
		otherAll := fc.InvoiceScope{ProviderID: other.p.ID, Reach: fc.Everything, SelfBilling: fc.Everything, Drafts: fc.Everything}
		for _, id := range []fc.ID{hostInvoice, hostSelf, fleetInvoice, note.ID} {
			if _, err := s.Invoice(ctx, otherAll, id); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("invoice %s read from another provider: %v", id, err)
			}
		}
		if _, err := s.IssueInvoice(ctx, fc.ProviderScope(other.p.ID), hostInvoice); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another provider issues: %v", err)
		}
		if got := list(fc.InvoiceScope{ProviderID: w.p.ID}, fc.InvoiceFilter{}); len(got) != 0 {
			t.Errorf("an empty scope reads %v", got)
		}
		if _, err := s.Invoices(ctx, reader, fc.InvoiceFilter{Status: "lost"}); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("bad status filter: %v", err)
		}
	})
}

// TestBillingData checks the provider's and accounts' billing data.
func TestBillingData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newBillWorld(t, s, "Data")
		p, err := s.Provider(ctx, w.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Billing.IBAN != "NL91ABNA0417164300" || p.Billing.VATRateBP != 2100 || p.Billing.PaymentDays != 30 || p.Billing.Country != "NL" {
			t.Errorf("provider billing: %+v", p.Billing)
		}
		for _, tt := range []struct {
			field string
			set   func(b *fc.ProviderBilling)
		}{
			{"iban", func(b *fc.ProviderBilling) { b.IBAN = "NL92ABNA0417164300" }},
			{"vat_id", func(b *fc.ProviderBilling) { b.VATID = "DE123456789" }},
			{"country", func(b *fc.ProviderBilling) { b.Country = "XX" }},
			{"vat_rate", func(b *fc.ProviderBilling) { b.VATRateBP = 10_001 }},
			{"invoice_prefix", func(b *fc.ProviderBilling) { b.InvoicePrefix = "A B" }},
		} {
			_, err := s.UpdateProvider(ctx, w.p.ID, func(p *fc.Provider) error {
				tt.set(&p.Billing)
				return nil
			})
			if !fc.IsCode(err, fc.EInvalid) || fc.ErrorFields(err)[tt.field] == "" {
				t.Errorf("%s: %v", tt.field, err)
			}
		}
		a, err := s.Account(ctx, fc.ProviderScope(w.p.ID), w.fleetBE.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.VATID != "BE0123456749" || a.Country != "BE" || a.BillingEmail != "billing@example.com" {
			t.Errorf("account billing: %+v", a)
		}
		_, err = s.UpdateAccount(ctx, fc.ProviderScope(w.p.ID), a.ID, func(a *fc.Account) error {
			a.VATID, a.BillingEmail = "NL000099998B57", "not mail"
			return nil
		})
		if f := fc.ErrorFields(err); f["vat_id"] == "" || f["billing_email"] == "" {
			t.Errorf("account billing checks: %v", err)
		}
	})
}
