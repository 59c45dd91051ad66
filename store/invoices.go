package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Invoicing (fc.InvoiceStore; the rules are in docs/INVOICING.md). Runs,
// issues, credits and payments are the provider's; reads are scoped by the
// invoice's account (fc.InvoiceScope).

// Claims: the side a live invoice line bills its session on.
const (
	claimInvoice     = "invoice"
	claimSelfBilling = "self_billing"
)

const invoiceColumns = `i.id, i.provider_id, COALESCE(i.number, ''), i.kind, i.account_id, i.period, i.status, i.currency, i.net, i.vat,
	i.total, COALESCE(i.corrects_id, 0), i.corrects_kind, COALESCE(c.number, ''), COALESCE(c.issue_date, ''), i.seller, i.buyer, i.note,
	i.issue_date, i.due_date, i.created_at, i.issued_at, i.paid_at`

const invoiceFrom = ` FROM invoices i LEFT JOIN invoices c ON c.id = i.corrects_id`

func scanInvoice(row rowScanner, inv *fc.Invoice) error {
	var seller, buyer string
	var created int64
	var issued, paid sql.NullInt64
	if err := row.Scan(&inv.ID, &inv.ProviderID, &inv.Number, &inv.Kind, &inv.AccountID, &inv.Period, &inv.Status, &inv.Currency,
		&inv.Net, &inv.VAT, &inv.Total, &inv.CorrectsID, &inv.CorrectsKind, &inv.CorrectsNumber, &inv.CorrectsDate, &seller, &buyer,
		&inv.Note, &inv.IssueDate, &inv.DueDate, &created, &issued, &paid); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(seller), &inv.Seller); err != nil {
		return fmt.Errorf("invoice %s seller: %w", inv.ID, err)
	}
	if err := json.Unmarshal([]byte(buyer), &inv.Buyer); err != nil {
		return fmt.Errorf("invoice %s buyer: %w", inv.ID, err)
	}
	inv.CreatedAt, inv.IssuedAt, inv.PaidAt = fromMS(created), fromNullMS(issued), fromNullMS(paid)
	return nil
}

// invoiceBody is an invoice as the audit log records it: its totals and
// state, not its lines.
func invoiceBody(inv *fc.Invoice) map[string]any {
	return map[string]any{"id": inv.ID, "number": inv.Number, "kind": inv.Kind, "account_id": inv.AccountID, "period": inv.Period,
		"status": inv.Status, "currency": inv.Currency, "net": inv.Net, "vat": inv.VAT, "total": inv.Total, "lines": len(inv.Lines),
		"corrects_id": inv.CorrectsID}
}

// everyInvoice is the invoice scope of the whole provider.
func everyInvoice(providerID fc.ID) fc.InvoiceScope {
	return fc.InvoiceScope{ProviderID: providerID, Reach: fc.Everything, SelfBilling: fc.Everything, Drafts: fc.Everything}
}

// selectInvoices starts a SELECT of the invoices within sc: those of
// accounts in sc.Reach, the self-billed ones of accounts in
// sc.SelfBilling, drafts only where sc.Drafts reaches.
func selectInvoices(q *query, sc fc.InvoiceScope) *query {
	q.add(`SELECT `+invoiceColumns+invoiceFrom+` WHERE i.provider_id = `).arg(int64(sc.ProviderID)).add(" AND (").reach("i.account_id", sc.Reach).
		add(" OR ((i.kind = 'self_billing' OR i.corrects_kind = 'self_billing') AND ").reach("i.account_id", sc.SelfBilling).add("))")
	return q.add(" AND (i.status <> 'draft' OR ").reach("i.account_id", sc.Drafts).add(")")
}

// findInvoice reads one invoice within the scope, with its lines and VAT
// breakdown.
func findInvoice(ctx context.Context, tx *sql.Tx, sc fc.InvoiceScope, id fc.ID) (*fc.Invoice, error) {
	q := &query{}
	selectInvoices(q, sc).add(" AND i.id = ").arg(int64(id))
	var inv fc.Invoice
	if err := scanInvoice(tx.QueryRowContext(ctx, q.String(), q.args...), &inv); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindInvoice, id)
		}
		return nil, err
	}
	lines, err := invoiceLines(ctx, tx, inv.ID)
	if err != nil {
		return nil, err
	}
	inv.Lines = lines
	net, vat, total := inv.Net, inv.VAT, inv.Total
	fc.SumInvoice(&inv)
	if inv.Net != net || inv.VAT != vat || inv.Total != total {
		return nil, fmt.Errorf("invoice %s: stored totals %d/%d/%d differ from its lines' %d/%d/%d", id, net, vat, total, inv.Net, inv.VAT, inv.Total)
	}
	return &inv, nil
}

// invoiceLines reads the lines of an invoice in their order.
func invoiceLines(ctx context.Context, tx *sql.Tx, id fc.ID) ([]fc.InvoiceLine, error) {
	rows, err := tx.QueryContext(ctx, `SELECT description, quantity_milli, unit, unit_price_micros, net, vat_rate_bp, vat_category,
		COALESCE(session_id, 0) FROM invoice_lines WHERE invoice_id = $1 ORDER BY position`, int64(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fc.InvoiceLine{}
	for rows.Next() {
		var l fc.InvoiceLine
		if err := rows.Scan(&l.Description, &l.QuantityMilli, &l.Unit, &l.UnitPriceMicros, &l.Net, &l.VATRateBP, &l.VATCategory,
			&l.SessionID); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Invoice returns one invoice with its lines.
func (s *Store) Invoice(ctx context.Context, sc fc.InvoiceScope, id fc.ID) (*fc.Invoice, error) {
	var inv *fc.Invoice
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		inv, err = findInvoice(ctx, tx, sc, id)
		return err
	})
	return inv, err
}

// Invoices lists the invoices within the scope, by ID, without lines.
func (s *Store) Invoices(ctx context.Context, sc fc.InvoiceScope, f fc.InvoiceFilter) ([]fc.Invoice, error) {
	q := &query{}
	selectInvoices(q, sc).scoped()
	if f.Period != "" {
		if _, err := fc.ParsePeriod(f.Period); err != nil {
			return nil, err
		}
		q.add(" AND i.period = ").arg(f.Period)
	}
	if f.Status != "" {
		if !slices.Contains(fc.InvoiceStatuses, f.Status) {
			return nil, fc.Invalid(map[string]string{"status": "must be one of " + strings.Join(fc.InvoiceStatuses, ", ")})
		}
		q.add(" AND i.status = ").arg(f.Status)
	}
	if f.Kind != "" {
		if err := checkFilterValue("kind", f.Kind, fc.InvoiceKindInvoice, fc.InvoiceKindSelfBilling, fc.InvoiceKindCreditNote); err != nil {
			return nil, err
		}
		q.add(" AND i.kind = ").arg(f.Kind)
	}
	if f.AccountID != 0 {
		q.add(" AND i.account_id = ").arg(int64(f.AccountID))
	}
	q.sortable(s.dialect, invoiceSorts).page("i.id", f.Page)
	return list(ctx, s, q, scanInvoice)
}

// The run.

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// RunInvoices makes or recomputes the drafts of period; see
// fc.InvoiceStore and docs/INVOICING.md.
func (s *Store) RunInvoices(ctx context.Context, sc fc.Scope, period string, dryRun bool) ([]fc.Invoice, error) {
	month, err := fc.ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	if !sc.Reach.All {
		return nil, fc.Errorf(fc.EForbidden, "an invoice run covers the whole provider")
	}
	var out []fc.Invoice
	err = s.write(ctx, func(tx *sql.Tx) error {
		if s.dialect.name() == "sqlite" {
			restore, err := roomyWriter(ctx, tx)
			if err != nil {
				return err
			}
			defer restore()
		}
		r := &invoiceRun{s: s, tx: tx, providerID: sc.ProviderID, period: period, now: s.now()}
		if out, err = r.run(ctx, month); err != nil {
			return err
		}
		if dryRun {
			for i := range out {
				if r.created[out[i].ID] {
					out[i].ID = 0
				}
			}
			return errDryRun
		}
		return nil
	})
	if dryRun && errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// roomyWriter gives the SQLite writer connection a page cache of 256 MiB
// and statement journals in memory for one large write, and returns what
// sets them back. A run of a month touches index pages all over the
// invoice lines' claim index and the sessions it references: with the
// default cache of 2 MiB, SQLite re-reads them from the file, spills dirty
// pages into the WAL mid-transaction and writes each multi-row INSERT's
// statement journal to a temporary file (docs/INVOICING.md, Performance).
func roomyWriter(ctx context.Context, tx *sql.Tx) (func(), error) {
	var cache int64
	if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
		return nil, err
	}
	return func() {
		_, _ = tx.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	}, nil
}

// invoiceRun is one run of RunInvoices.
type invoiceRun struct {
	s          *Store
	tx         *sql.Tx
	providerID fc.ID
	period     string
	now        time.Time
	p          *fc.Provider
	loc        *time.Location
	accounts   map[fc.ID]*fc.Account
	created    map[fc.ID]bool
	pending    []pendingInvoiceLine
}

// billedSession is a session a run may invoice on one side.
type billedSession struct {
	id, accountID       fc.ID
	startedAt, energyWh int64
	cost                int64
	currency            string
	roaming             bool // on another network: no station of ours (an imported or roaming CDR)
	party               string
	place               string
}

// invoiceKey names a draft: one per account, kind and currency of a period.
type invoiceKey struct {
	accountID fc.ID
	kind      string
	currency  string
}

type pendingInvoiceLine struct {
	invoiceID fc.ID
	position  int
	claim     string
	period    string
	fc.InvoiceLine
}

func (r *invoiceRun) run(ctx context.Context, month time.Time) ([]fc.Invoice, error) {
	tx := r.tx
	p, err := findProvider(ctx, tx, r.providerID)
	if err != nil {
		return nil, err
	}
	r.p = p
	if r.loc, err = time.LoadLocation(p.TimeZone); err != nil {
		r.loc = time.UTC
	}
	start := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, r.loc)
	end := start.AddDate(0, 1, 0)
	if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_runs (provider_id, period, ran_at) VALUES ($1, $2, $3)
		ON CONFLICT (provider_id, period) DO NOTHING`, int64(r.providerID), r.period, ms(r.now)); err != nil {
		return nil, err
	}
	// The earlier months run: their late sessions join this run, unless
	// their account still has a draft of that month and side.
	ran := map[string]bool{}
	earliest := r.period
	q := &query{}
	q.add(`SELECT period FROM invoice_runs WHERE provider_id = `).arg(int64(r.providerID)).add(" AND period < ").arg(r.period)
	if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		ran[m] = true
		earliest = min(earliest, m)
		return nil
	}); err != nil {
		return nil, err
	}
	// The keys of the months from the earliest run on that hold a draft
	// (its sessions are its month's) or an issued invoice (closed: a late
	// session of the month waits for a later month's run).
	type monthKey struct {
		invoiceKey
		period string
	}
	drafted, closed := map[monthKey]bool{}, map[monthKey]bool{}
	q = &query{}
	q.add(`SELECT account_id, kind, currency, period, status FROM invoices WHERE provider_id = `).arg(int64(r.providerID)).
		add(" AND kind <> 'credit_note' AND status <> 'void' AND period <= ").arg(r.period).add(" AND period >= ").arg(earliest)
	if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
		var k monthKey
		var status string
		if err := rows.Scan(&k.accountID, &k.kind, &k.currency, &k.period, &status); err != nil {
			return err
		}
		if status == fc.InvoiceDraft {
			drafted[k] = true
		} else {
			closed[k] = true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	from := start
	if earliest != r.period {
		m, _ := fc.ParsePeriod(earliest)
		from = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, r.loc)
	}
	// This period's drafts give up their sessions, to be recomputed.
	existing := map[invoiceKey]*fc.Invoice{}
	q = &query{}
	q.add(`SELECT ` + invoiceColumns + invoiceFrom + ` WHERE i.provider_id = `).arg(int64(r.providerID)).
		add(" AND i.period = ").arg(r.period).add(" AND i.status = 'draft'")
	if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
		var inv fc.Invoice
		if err := scanInvoice(rows, &inv); err != nil {
			return err
		}
		existing[invoiceKey{inv.AccountID, inv.Kind, inv.Currency}] = &inv
		return nil
	}); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_lines WHERE invoice_id IN (SELECT id FROM invoices
		WHERE provider_id = $1 AND period = $2 AND status = 'draft')`, int64(r.providerID), r.period); err != nil {
		return nil, err
	}
	groups := map[invoiceKey][]billedSession{}
	for _, kind := range []string{fc.InvoiceKindInvoice, fc.InvoiceKindSelfBilling} {
		q := &query{}
		billableSessions(q, r.providerID, kind, ms(from), ms(end))
		if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var b billedSession
			if err := rows.Scan(&b.id, &b.accountID, &b.startedAt, &b.energyWh, &b.cost, &b.currency, &b.roaming, &b.party, &b.place); err != nil {
				return err
			}
			k := invoiceKey{b.accountID, kind, b.currency}
			switch m := r.month(b.startedAt); {
			case m == r.period && closed[monthKey{k, m}]:
				return nil // late: the next month's run takes it
			case m != r.period && (!ran[m] || drafted[monthKey{k, m}]):
				return nil // its own month's run takes it
			}
			groups[k] = append(groups[k], b)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if err := r.loadAccounts(ctx); err != nil {
		return nil, err
	}
	keys := make([]invoiceKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b invoiceKey) int {
		if a.accountID != b.accountID {
			return int(a.accountID - b.accountID)
		}
		if a.kind != b.kind {
			return strings.Compare(a.kind, b.kind)
		}
		return strings.Compare(a.currency, b.currency)
	})
	r.created = map[fc.ID]bool{}
	for _, k := range keys {
		if err := r.draft(ctx, k, existing[k], groups[k]); err != nil {
			return nil, err
		}
		delete(existing, k)
	}
	if err := r.flush(ctx); err != nil {
		return nil, err
	}
	// Drafts left without sessions go.
	for _, inv := range existing {
		if err := r.remove(ctx, inv); err != nil {
			return nil, err
		}
	}
	var out []fc.Invoice
	q = &query{}
	q.add(`SELECT ` + invoiceColumns + invoiceFrom + ` WHERE i.provider_id = `).arg(int64(r.providerID)).
		add(" AND i.period = ").arg(r.period).add(" ORDER BY i.id")
	err = eachRow(ctx, tx, q, func(rows *sql.Rows) error {
		var inv fc.Invoice
		if err := scanInvoice(rows, &inv); err != nil {
			return err
		}
		out = append(out, inv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// How many lines each draft got, for the preview of a run.
	at := make(map[fc.ID]*fc.Invoice, len(out))
	for i := range out {
		at[out[i].ID] = &out[i]
	}
	q = &query{}
	q.add(`SELECT il.invoice_id, COUNT(*) FROM invoice_lines il JOIN invoices i ON i.id = il.invoice_id WHERE i.provider_id = `).
		arg(int64(r.providerID)).add(" AND i.period = ").arg(r.period).add(" GROUP BY il.invoice_id")
	err = eachRow(ctx, tx, q, func(rows *sql.Rows) error {
		var id fc.ID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		if inv := at[id]; inv != nil {
			inv.LineCount = n
		}
		return nil
	})
	return out, err
}

// billableSessions selects the sessions of one side that no live invoice
// of that side holds, started in [from, to): finished, priced, and not of
// an account's own card at its own station (which moves no money). The
// card side bills the card's account for any session of its cards; the
// station side (self-billing) pays the station's account for the sessions
// of other accounts' cards, and of roaming partners' tokens, on its
// stations.
func billableSessions(q *query, providerID fc.ID, kind string, from, to int64) *query {
	account, claim := "s.card_account_id", claimInvoice
	if kind == fc.InvoiceKindSelfBilling {
		account, claim = "s.station_account_id", claimSelfBilling
	}
	q.add(`SELECT s.id, ` + account + `, s.started_at, s.energy_wh, s.cost_minor, s.currency,
		CASE WHEN s.station_id IS NULL OR COALESCE(s.external_party, '') <> '' THEN 1=1 ELSE 1=0 END, COALESCE(s.external_party, ''),
		COALESCE(st.identity, s.location_name)
		FROM sessions s LEFT JOIN stations st ON st.id = s.station_id
		WHERE s.provider_id = `).arg(int64(providerID)).add(" AND s.started_at >= ").int(from).add(" AND s.started_at < ").int(to).
		add(" AND s.stopped_at IS NOT NULL AND s.cost_minor > 0 AND s.currency <> '' AND " + account + " IS NOT NULL")
	if kind == fc.InvoiceKindSelfBilling {
		q.add(" AND s.station_id IS NOT NULL AND (s.card_account_id IS NULL OR s.card_account_id <> s.station_account_id)")
	} else {
		q.add(" AND (s.station_account_id IS NULL OR s.station_account_id <> s.card_account_id)")
	}
	return q.add(" AND NOT EXISTS (SELECT 1 FROM invoice_lines il WHERE il.session_id = s.id AND il.claim = ").arg(claim).add(")")
}

// month is the period a session started in, in the provider's calendar.
func (r *invoiceRun) month(startedAt int64) string {
	return time.UnixMilli(startedAt).In(r.loc).Format(fc.PeriodLayout)
}

// loadAccounts reads the provider's accounts, for their billing data.
func (r *invoiceRun) loadAccounts(ctx context.Context) error {
	r.accounts = map[fc.ID]*fc.Account{}
	q := &query{}
	q.add(`SELECT ` + accountColumns + ` FROM accounts a WHERE a.provider_id = `).arg(int64(r.providerID))
	return eachRow(ctx, r.tx, q, func(rows *sql.Rows) error {
		var a fc.Account
		if err := scanAccount(rows, &a); err != nil {
			return err
		}
		r.accounts[a.ID] = &a
		return nil
	})
}

// parties returns the seller and buyer of an invoice of kind with account
// a, their VAT category and rate, and the invoice's note.
func parties(p *fc.Provider, a *fc.Account, kind string) (seller, buyer fc.BillingParty, category string, rateBP int, note string) {
	provider, account := p.Billing.Party(p.Name), fc.AccountParty(a)
	private := a.Kind == fc.AccountPrivate
	var notes []string
	if kind == fc.InvoiceKindSelfBilling {
		seller, buyer = account, provider
		buyer.IBAN = ""
		category, rateBP = fc.VATFor(seller, buyer, private, false, p.Billing.VATRateBP)
		notes = append(notes, fc.SelfBillingNote)
	} else {
		seller, buyer = provider, account
		category, rateBP = fc.VATFor(seller, buyer, false, private, p.Billing.VATRateBP)
	}
	switch category {
	case fc.VATReverseCharge:
		notes = append(notes, fc.ReverseChargeNote)
	case fc.VATOutsideScope:
		notes = append(notes, fc.OutsideScopeNote)
	}
	return seller, buyer, category, rateBP, strings.Join(notes, " ")
}

// line prices one session for an invoice of kind.
func (r *invoiceRun) line(kind string, b billedSession, category string, rateBP int) fc.InvoiceLine {
	digits := fc.MinorDigits(b.currency)
	started := time.UnixMilli(b.startedAt).In(r.loc)
	kwh := decimalText(b.energyWh, 3)
	desc := fmt.Sprintf("Charging session %d, %s, %s, %s kWh", b.id, b.place, started.Format("2006-01-02 15:04"), kwh)
	net := b.cost
	if kind == fc.InvoiceKindSelfBilling {
		fee := fc.VATOf(b.cost, r.p.Billing.SelfBillingFeeBP)
		net = b.cost - fee
		desc += fmt.Sprintf(": earned %s %s, less the fee of %s %%", decimalText(b.cost, digits), b.currency,
			decimalText(int64(r.p.Billing.SelfBillingFeeBP), 2))
	} else if b.roaming {
		net = b.cost + fc.VATOf(b.cost, r.p.Billing.RoamingMarginBP)
		where := "another network"
		if b.party != "" {
			where = "the network of " + b.party
		}
		desc += fmt.Sprintf(", on %s: %s %s plus a margin of %s %%", where, decimalText(b.cost, digits), b.currency,
			decimalText(int64(r.p.Billing.RoamingMarginBP), 2))
	}
	if m := started.Format(fc.PeriodLayout); m != r.period {
		desc += " (late, of " + m + ")"
	}
	l := fc.InvoiceLine{Description: desc, Net: net, VATCategory: category, VATRateBP: rateBP, SessionID: b.id}
	if b.energyWh > 0 {
		l.QuantityMilli, l.Unit = b.energyWh, fc.UnitKWh
	} else {
		l.QuantityMilli, l.Unit = 1000, fc.UnitPiece
	}
	l.UnitPriceMicros = unitPriceMicros(net, digits, l.QuantityMilli)
	return l
}

// unitPriceMicros is net minor units over quantityMilli thousandths of a
// unit, in millionths of the currency per unit, rounded half up.
func unitPriceMicros(net int64, digits int, quantityMilli int64) int64 {
	num := new(big.Int).Mul(big.NewInt(net), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(9-digits)), nil))
	den := big.NewInt(quantityMilli)
	num.Add(num, new(big.Int).Rsh(den, 1))
	return num.Quo(num, den).Int64()
}

// decimalText writes v with the given number of decimals.
func decimalText(v int64, decimals int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if decimals > 0 {
		for len(s) <= decimals {
			s = "0" + s
		}
		s = s[:len(s)-decimals] + "." + s[len(s)-decimals:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// draft writes the draft of one key: inv is the existing draft, or nil.
func (r *invoiceRun) draft(ctx context.Context, k invoiceKey, inv *fc.Invoice, sessions []billedSession) error {
	a := r.accounts[k.accountID]
	if a == nil {
		return fmt.Errorf("invoice run: account %s of a session is not of provider %s", k.accountID, r.providerID)
	}
	slices.SortFunc(sessions, func(x, y billedSession) int {
		if x.startedAt != y.startedAt {
			if x.startedAt < y.startedAt {
				return -1
			}
			return 1
		}
		return int(x.id - y.id)
	})
	seller, buyer, category, rateBP, note := parties(r.p, a, k.kind)
	next := fc.Invoice{ProviderID: r.providerID, Kind: k.kind, AccountID: k.accountID, Period: r.period, Status: fc.InvoiceDraft,
		Currency: k.currency, Seller: seller, Buyer: buyer, Note: note, Lines: make([]fc.InvoiceLine, len(sessions))}
	for i, b := range sessions {
		next.Lines[i] = r.line(k.kind, b, category, rateBP)
	}
	fc.SumInvoice(&next)
	sellerJSON, buyerJSON, err := partiesJSON(&next)
	if err != nil {
		return err
	}
	tx := r.tx
	var before map[string]any
	action := "invoice.create"
	if inv != nil {
		next.ID, next.CreatedAt = inv.ID, inv.CreatedAt
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET net = $1, vat = $2, total = $3, lines = $4, seller = $5, buyer = $6, note = $7,
			updated_at = $8 WHERE id = $9 AND status = 'draft'`, next.Net, next.VAT, next.Total, len(next.Lines), sellerJSON, buyerJSON,
			next.Note, ms(r.now), int64(inv.ID)); err != nil {
			return err
		}
		before, action = invoiceBody(inv), "invoice.update"
	} else {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO invoices (provider_id, kind, account_id, period, status, currency, net, vat, total,
			lines, seller, buyer, note, created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			RETURNING id`, int64(r.providerID), k.kind, int64(k.accountID), r.period, k.currency, next.Net, next.VAT, next.Total,
			len(next.Lines), sellerJSON, buyerJSON, next.Note, ms(r.now), ms(r.now)).Scan(&id); err != nil {
			return err
		}
		next.ID = fc.ID(id)
		r.created[next.ID] = true
	}
	claim := claimInvoice
	if k.kind == fc.InvoiceKindSelfBilling {
		claim = claimSelfBilling
	}
	for i, l := range next.Lines {
		r.pending = append(r.pending, pendingInvoiceLine{invoiceID: next.ID, position: i + 1, claim: claim,
			period: r.month(sessions[i].startedAt), InvoiceLine: l})
	}
	if len(r.pending) >= lineBatch {
		if err := r.flush(ctx); err != nil {
			return err
		}
	}
	if inv != nil && inv.Net == next.Net && inv.VAT == next.VAT && inv.Total == next.Total {
		return nil // the same amounts: not worth an audit entry per run
	}
	return r.s.audit(ctx, tx, change{providerID: r.providerID, action: action, kind: fc.KindInvoice, id: next.ID,
		orgID: a.OrganizationID, accountID: a.ID, before: before, after: invoiceBody(&next)})
}

func partiesJSON(inv *fc.Invoice) (string, string, error) {
	seller, err := json.Marshal(inv.Seller)
	if err != nil {
		return "", "", err
	}
	buyer, err := json.Marshal(inv.Buyer)
	if err != nil {
		return "", "", err
	}
	return string(seller), string(buyer), nil
}

// flush writes the pending lines.
func (r *invoiceRun) flush(ctx context.Context) error {
	for chunk := range slices.Chunk(r.pending, lineBatch) {
		if err := insertInvoiceLines(ctx, r.tx, r.s.dialect.name() == "sqlite", chunk); err != nil {
			return err
		}
	}
	r.pending = r.pending[:0]
	return nil
}

// insertInvoiceLinesJSON is the one statement that writes a batch of lines
// on SQLite: the batch is a JSON array of rows, one parameter, so the
// statement is prepared once per connection instead of parsing a literal
// INSERT of 500 rows per batch (which took a fifth of a run).
const insertInvoiceLinesJSON = `INSERT INTO invoice_lines (invoice_id, position, session_id, claim, description, quantity_milli, unit,
	unit_price_micros, net, vat_rate_bp, vat_category, original_period) SELECT value->>0, value->>1, value->>2, value->>3, value->>4,
	value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11 FROM json_each($1) ORDER BY key`

// insertInvoiceLines writes lines in one INSERT of many rows: on SQLite
// through insertInvoiceLinesJSON, on PostgreSQL with integers as literals
// and texts as placeholders.
func insertInvoiceLines(ctx context.Context, tx *sql.Tx, sqlite bool, lines []pendingInvoiceLine) error {
	if len(lines) == 0 {
		return nil
	}
	if sqlite {
		rows := make([][]any, len(lines))
		for i, l := range lines {
			var session any
			if l.SessionID != 0 {
				session = int64(l.SessionID)
			}
			rows[i] = []any{int64(l.invoiceID), l.position, session, l.claim, l.Description, l.QuantityMilli, l.Unit, l.UnitPriceMicros,
				l.Net, l.VATRateBP, l.VATCategory, l.period}
		}
		b, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertInvoiceLinesJSON, string(b))
		return err
	}
	q := &query{}
	q.add(`INSERT INTO invoice_lines (invoice_id, position, session_id, claim, description, quantity_milli, unit, unit_price_micros,
		net, vat_rate_bp, vat_category, original_period) VALUES `)
	for i, l := range lines {
		if i > 0 {
			q.add(", ")
		}
		q.add("(").int(int64(l.invoiceID)).add(", ").int(int64(l.position)).add(", ")
		if l.SessionID == 0 {
			q.add("NULL")
		} else {
			q.int(int64(l.SessionID))
		}
		q.add(", '" + l.claim + "', ").arg(l.Description).add(", ").int(l.QuantityMilli).add(", '" + l.Unit + "', ").int(l.UnitPriceMicros).
			add(", ").int(l.Net).add(", ").int(int64(l.VATRateBP)).add(", '" + l.VATCategory + "', '" + l.period + "')")
	}
	_, err := tx.ExecContext(ctx, q.String(), q.args...)
	return err
}

// remove deletes a draft left without sessions (its lines are gone).
func (r *invoiceRun) remove(ctx context.Context, inv *fc.Invoice) error {
	if _, err := r.tx.ExecContext(ctx, `DELETE FROM invoices WHERE id = $1 AND status = 'draft'`, int64(inv.ID)); err != nil {
		return err
	}
	a := r.accounts[inv.AccountID]
	var orgID fc.ID
	if a != nil {
		orgID = a.OrganizationID
	}
	return r.s.audit(ctx, r.tx, change{providerID: r.providerID, action: "invoice.delete", kind: fc.KindInvoice, id: inv.ID,
		orgID: orgID, accountID: inv.AccountID, before: invoiceBody(inv)})
}

// Issue, credit, pay.

// nextInvoiceNumber takes the provider's next number of the year, under
// the counter row's lock until the transaction ends: a transaction that
// rolls back gives its number back, so numbers have no gaps.
func nextInvoiceNumber(ctx context.Context, tx *sql.Tx, p *fc.Provider, year int) (string, error) {
	var seq int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO invoice_counters (provider_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (provider_id, year) DO UPDATE SET last = invoice_counters.last + 1 RETURNING last`,
		int64(p.ID), year).Scan(&seq); err != nil {
		return "", err
	}
	return fc.InvoiceNumber(p.Billing.InvoicePrefix, year, seq), nil
}

// issueDates returns the issue and due dates of a document issued now.
func issueDates(p *fc.Provider, now time.Time) (issued time.Time, issueDate, dueDate string) {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	days := p.Billing.PaymentDays
	if days <= 0 {
		days = fc.DefaultPaymentDays
	}
	local := now.In(loc)
	return local, local.Format(fc.DateLayout), local.AddDate(0, 0, days).Format(fc.DateLayout)
}

// IssueInvoice numbers a draft and freezes it: its parties are read as they
// are now, its lines' VAT decided for them, and nothing changes afterwards.
func (s *Store) IssueInvoice(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Invoice, error) {
	if !sc.Reach.All {
		return nil, fc.Errorf(fc.EForbidden, "issuing is the provider's")
	}
	var after *fc.Invoice
	// READ COMMITTED on PostgreSQL: the counter's row lock orders the
	// issuers, each reading the last number committed before it.
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		inv, err := findInvoice(ctx, tx, everyInvoice(sc.ProviderID), id)
		if err != nil {
			return err
		}
		if inv.Status != fc.InvoiceDraft {
			return fc.Errorf(fc.EConflict, "invoice %s is %s: only a draft can be issued", id, inv.Status)
		}
		if len(inv.Lines) == 0 {
			return fc.Errorf(fc.EConflict, "invoice %s has no lines", id)
		}
		p, err := findProvider(ctx, tx, sc.ProviderID)
		if err != nil {
			return err
		}
		a, err := s.refAccount(ctx, tx, sc.ProviderID, inv.AccountID)
		if err != nil {
			return err
		}
		before := invoiceBody(inv)
		seller, buyer, category, rateBP, note := parties(p, a, inv.Kind)
		inv.Seller, inv.Buyer, inv.Note = seller, buyer, note
		for i := range inv.Lines {
			inv.Lines[i].VATCategory, inv.Lines[i].VATRateBP = category, rateBP
		}
		fc.SumInvoice(inv)
		now := s.now()
		local, issueDate, dueDate := issueDates(p, now)
		sellerJSON, buyerJSON, err := partiesJSON(inv)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE invoices SET status = 'issued', net = $1, vat = $2, total = $3, seller = $4, buyer = $5,
			note = $6, issue_date = $7, due_date = $8, issued_at = $9, issued_by = $10, updated_at = $11 WHERE id = $12 AND status = 'draft'`,
			inv.Net, inv.VAT, inv.Total, sellerJSON, buyerJSON, inv.Note, issueDate, dueDate, ms(now), nullID(fc.ActorFrom(ctx).UserID),
			ms(now), int64(id))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fc.Errorf(fc.EConflict, "invoice %s changed meanwhile: try again", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invoice_lines SET vat_category = $1, vat_rate_bp = $2 WHERE invoice_id = $3`,
			category, rateBP, int64(id)); err != nil {
			return err
		}
		number, err := nextInvoiceNumber(ctx, tx, p, local.Year())
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET number = $1 WHERE id = $2`, number, int64(id)); err != nil {
			return err
		}
		if after, err = findInvoice(ctx, tx, everyInvoice(sc.ProviderID), id); err != nil {
			return err
		}
		if err := s.emitEvent(ctx, tx, sc.ProviderID, fc.TypeInvoiceIssued, fc.KindInvoice, id, nil, now, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: sc.ProviderID, action: "invoice.issue", kind: fc.KindInvoice, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: before, after: invoiceBody(after)})
	})
	return after, err
}

// CreditInvoice issues a credit note reversing an issued or paid invoice:
// the same lines and amounts, the same parties as frozen, its own number.
// The invoice becomes void and its sessions invoiceable again.
func (s *Store) CreditInvoice(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Invoice, error) {
	if !sc.Reach.All {
		return nil, fc.Errorf(fc.EForbidden, "crediting is the provider's")
	}
	var note *fc.Invoice
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		inv, err := findInvoice(ctx, tx, everyInvoice(sc.ProviderID), id)
		if err != nil {
			return err
		}
		if inv.Kind == fc.InvoiceKindCreditNote {
			return fc.Errorf(fc.EConflict, "invoice %s is a credit note: it cannot be credited", id)
		}
		if inv.Status != fc.InvoiceIssued && inv.Status != fc.InvoicePaid {
			return fc.Errorf(fc.EConflict, "invoice %s is %s: only an issued or paid invoice can be credited", id, inv.Status)
		}
		p, err := findProvider(ctx, tx, sc.ProviderID)
		if err != nil {
			return err
		}
		a, err := s.refAccount(ctx, tx, sc.ProviderID, inv.AccountID)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE invoices SET status = 'void', updated_at = $1 WHERE id = $2 AND status IN ('issued', 'paid')`,
			ms(now), int64(id))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fc.Errorf(fc.EConflict, "invoice %s changed meanwhile: try again", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invoice_lines SET claim = NULL WHERE invoice_id = $1`, int64(id)); err != nil {
			return err
		}
		local, issueDate, _ := issueDates(p, now)
		number, err := nextInvoiceNumber(ctx, tx, p, local.Year())
		if err != nil {
			return err
		}
		text := fmt.Sprintf("Credit note for invoice %s of %s.", inv.Number, inv.IssueDate)
		if inv.Note != "" {
			text += " " + inv.Note
		}
		sellerJSON, buyerJSON, err := partiesJSON(inv)
		if err != nil {
			return err
		}
		var cid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO invoices (provider_id, kind, account_id, period, status, currency, number, net, vat,
			total, lines, corrects_id, corrects_kind, seller, buyer, note, issue_date, due_date, issued_at, issued_by, created_at, updated_at)
			VALUES ($1, 'credit_note', $2, $3, 'issued', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
			RETURNING id`, int64(sc.ProviderID), int64(inv.AccountID), inv.Period, inv.Currency, number, inv.Net, inv.VAT, inv.Total,
			len(inv.Lines), int64(id), inv.Kind, sellerJSON, buyerJSON, text, issueDate, issueDate, ms(now),
			nullID(fc.ActorFrom(ctx).UserID), ms(now), ms(now)).Scan(&cid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_lines (invoice_id, position, session_id, claim, description, quantity_milli,
			unit, unit_price_micros, net, vat_rate_bp, vat_category, original_period) SELECT $1, position, session_id, NULL, description,
			quantity_milli, unit, unit_price_micros, net, vat_rate_bp, vat_category, original_period FROM invoice_lines WHERE invoice_id = $2`,
			cid, int64(id)); err != nil {
			return err
		}
		if note, err = findInvoice(ctx, tx, everyInvoice(sc.ProviderID), fc.ID(cid)); err != nil {
			return err
		}
		voided := *inv
		voided.Status = fc.InvoiceVoid
		if err := s.audit(ctx, tx, change{providerID: sc.ProviderID, action: "invoice.void", kind: fc.KindInvoice, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: invoiceBody(inv), after: invoiceBody(&voided)}); err != nil {
			return err
		}
		if err := s.emitEvent(ctx, tx, sc.ProviderID, fc.TypeInvoiceIssued, fc.KindInvoice, note.ID, nil, now, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: sc.ProviderID, action: "invoice.credit", kind: fc.KindInvoice, id: note.ID,
			orgID: a.OrganizationID, accountID: a.ID, after: invoiceBody(note)})
	})
	return note, err
}

// PayInvoice marks an issued invoice or credit note paid.
func (s *Store) PayInvoice(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.Invoice, error) {
	if !sc.Reach.All {
		return nil, fc.Errorf(fc.EForbidden, "payments are the provider's")
	}
	var after *fc.Invoice
	err := s.write(ctx, func(tx *sql.Tx) error {
		inv, err := findInvoice(ctx, tx, everyInvoice(sc.ProviderID), id)
		if err != nil {
			return err
		}
		if inv.Status != fc.InvoiceIssued {
			return fc.Errorf(fc.EConflict, "invoice %s is %s: only an issued invoice can be paid", id, inv.Status)
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE invoices SET status = 'paid', paid_at = $1, paid_by = $2, updated_at = $3
			WHERE id = $4 AND status = 'issued'`, ms(now), nullID(fc.ActorFrom(ctx).UserID), ms(now), int64(id))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fc.Errorf(fc.EConflict, "invoice %s changed meanwhile: try again", id)
		}
		if after, err = findInvoice(ctx, tx, everyInvoice(sc.ProviderID), id); err != nil {
			return err
		}
		a, err := s.refAccount(ctx, tx, sc.ProviderID, inv.AccountID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: sc.ProviderID, action: "invoice.paid", kind: fc.KindInvoice, id: id,
			orgID: a.OrganizationID, accountID: a.ID, before: invoiceBody(inv), after: invoiceBody(after)})
	})
	return after, err
}
