package access

import fc "github.com/fleetcharge/fleetcharge"

// InvoiceScopeFor returns the scope of s's invoice reads: every invoice of
// the accounts in Reach(invoices.read), and the self-billing invoices (with
// their credit notes) of the accounts in Reach(invoices.self_billing.read),
// which is how a facility manager reads what its stations' accounts earned
// without reading what they pay.
func InvoiceScopeFor(s Subject) fc.InvoiceScope {
	return fc.InvoiceScope{
		ProviderID:  s.ProviderID,
		Reach:       Reach(s, InvoicesRead),
		SelfBilling: Reach(s, InvoicesSelfBillingRead),
		Drafts:      Reach(s, InvoicesManage),
	}
}

// CanReadInvoice reports whether s reads an invoice of the account at owner
// o; selfBilled is whether it is a self-billing invoice or the credit note
// of one, draft whether it is still a draft. It is the rule InvoiceScopeFor
// applies in SQL.
func CanReadInvoice(s Subject, o fc.Owner, selfBilled, draft bool) bool {
	if draft && !Can(s, InvoicesManage, o) {
		return false
	}
	return Can(s, InvoicesRead, o) || selfBilled && Can(s, InvoicesSelfBillingRead, o)
}
