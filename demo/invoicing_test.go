package demo_test

import (
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
)

// checkInvoicing: the provider's billing data, its invoice contact among
// them, is filled in and the last closed month is invoiced for both use
// cases: issued invoices of fleet accounts (among them a reverse-charge one
// abroad), a station owner's self-billing invoice, one credit note whose
// invoice is void, and its corrected invoice as a draft.
func checkInvoicing(t *testing.T, s *store.Store) {
	if got := count(t, s, `SELECT COUNT(*) FROM providers WHERE legal_name <> '' AND vat_id <> '' AND iban <> '' AND vat_rate_bp > 0
		AND contact_name <> '' AND phone <> '' AND email <> ''`); got != 1 {
		t.Errorf("providers with billing data: %d", got)
	}
	if got := count(t, s, `SELECT COUNT(*) FROM accounts WHERE country = ''`); got != 0 {
		t.Errorf("%d accounts without a billing country", got)
	}
	for _, c := range []struct {
		what, query string
		min         int
	}{
		{"issued or paid invoices", `SELECT COUNT(*) FROM invoices WHERE kind = 'invoice' AND status IN ('issued', 'paid')`, 2},
		{"paid invoices", `SELECT COUNT(*) FROM invoices WHERE status = 'paid'`, 1},
		{"issued reverse-charge invoices", `SELECT COUNT(DISTINCT i.id) FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id
			WHERE i.kind = 'invoice' AND i.status IN ('issued', 'paid') AND il.vat_category = 'AE'`, 1},
		{"issued domestic invoices", `SELECT COUNT(DISTINCT i.id) FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id
			WHERE i.kind = 'invoice' AND i.status IN ('issued', 'paid') AND il.vat_category = 'S'`, 1},
		{"issued self-billing invoices", `SELECT COUNT(*) FROM invoices WHERE kind = 'self_billing' AND status IN ('issued', 'paid')`, 1},
		{"issued invoices naming the provider's invoice contact", `SELECT COUNT(*) FROM invoices i JOIN providers p ON p.id = i.provider_id
			WHERE i.kind = 'invoice' AND i.status IN ('issued', 'paid') AND i.seller LIKE '%' || p.phone || '%' AND i.seller LIKE '%' || p.email || '%'`, 1},
	} {
		if got := count(t, s, c.query); got < c.min {
			t.Errorf("%s: %d, want at least %d", c.what, got, c.min)
		}
	}
	if got := count(t, s, `SELECT COUNT(*) FROM invoices n JOIN invoices i ON i.id = n.corrects_id
		WHERE n.kind = 'credit_note' AND n.status = 'issued' AND i.status = 'void'`); got != 1 {
		t.Errorf("credit notes of void invoices: %d, want 1", got)
	}
	if got := count(t, s, `SELECT COUNT(*) FROM invoices d JOIN invoices i ON i.account_id = d.account_id AND i.period = d.period
		AND i.kind = d.kind AND i.status = 'void' WHERE d.status = 'draft'`); got != 1 {
		t.Errorf("corrected drafts: %d, want 1", got)
	}
	if got := count(t, s, `SELECT COUNT(*) FROM invoices WHERE status <> 'draft' AND (number IS NULL OR issue_date = '')`); got != 0 {
		t.Errorf("%d issued documents without number or date", got)
	}
}
