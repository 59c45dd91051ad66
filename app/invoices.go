package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Invoicing (issue 16, docs/INVOICING.md): who may do what.
//
//   - invoices.read reads every invoice of the accounts in scope (fleet
//     managers, account admins, provider admins);
//   - invoices.self_billing.read reads the self-billing invoices, and their
//     credit notes, of the accounts in scope (facility managers);
//   - invoices.manage, held over the whole provider (provider admins), runs
//     the month, issues, credits and marks paid.
//
// An invoice is read in the subject's invoice scope first, so that what it
// may not read is not found (404) and what it may read but not change is
// forbidden (403).

// invoiceStore is the store's invoice half; the SQL store has it.
func (s *Service) invoiceStore() (fc.InvoiceStore, error) {
	is, ok := s.Store.(fc.InvoiceStore)
	if !ok {
		return nil, fc.Errorf(fc.EUnavailable, "this store keeps no invoices")
	}
	return is, nil
}

// MayManageInvoices reports whether the subject runs, issues, credits and
// marks paid the provider's invoices (invoices.manage over the whole
// provider).
func (s *Service) MayManageInvoices(subj access.Subject) bool {
	return access.Reach(subj, access.InvoicesManage).All
}

func (s *Service) mayManageInvoices(subj access.Subject) error {
	if !s.MayManageInvoices(subj) {
		return fc.Errorf(fc.EForbidden, "this needs %s over the whole provider", access.InvoicesManage)
	}
	return nil
}

// Invoices lists the invoices the subject may read, without their lines,
// by ID.
func (s *Service) Invoices(ctx context.Context, subj access.Subject, f fc.InvoiceFilter) ([]fc.Invoice, error) {
	is, err := s.invoiceStore()
	if err != nil {
		return nil, err
	}
	return is.Invoices(ctx, access.InvoiceScopeFor(subj), f)
}

// Invoice returns one invoice the subject may read, with its lines and VAT
// breakdown: what the PDF and UBL documents are made from.
func (s *Service) Invoice(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Invoice, error) {
	is, err := s.invoiceStore()
	if err != nil {
		return nil, err
	}
	return is.Invoice(ctx, access.InvoiceScopeFor(subj), id)
}

// RunInvoices makes or recomputes the draft invoices of a month (YYYY-MM,
// the provider's calendar) and returns every invoice of that month, without
// lines. It needs invoices.manage over the whole provider.
func (s *Service) RunInvoices(ctx context.Context, subj access.Subject, period string) ([]fc.Invoice, error) {
	return s.runInvoices(ctx, subj, period, false)
}

// PreviewInvoices returns the drafts a run of the month would make now,
// without writing anything (new drafts have ID 0), with the month's issued
// invoices; for the run page's totals. It needs invoices.manage over the
// whole provider.
func (s *Service) PreviewInvoices(ctx context.Context, subj access.Subject, period string) ([]fc.Invoice, error) {
	return s.runInvoices(ctx, subj, period, true)
}

func (s *Service) runInvoices(ctx context.Context, subj access.Subject, period string, dryRun bool) ([]fc.Invoice, error) {
	if _, err := fc.ParsePeriod(period); err != nil {
		return nil, err
	}
	if err := s.mayManageInvoices(subj); err != nil {
		return nil, err
	}
	is, err := s.invoiceStore()
	if err != nil {
		return nil, err
	}
	return is.RunInvoices(ctx, fc.ProviderScope(subj.ProviderID), period, dryRun)
}

// IssueInvoice numbers a draft with the provider's next number and freezes
// it; it needs invoices.manage over the whole provider.
func (s *Service) IssueInvoice(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Invoice, error) {
	is, err := s.mayChangeInvoice(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	return is.IssueInvoice(ctx, fc.ProviderScope(subj.ProviderID), id)
}

// CreditInvoice issues a credit note reversing an issued or paid invoice,
// voids the invoice and frees its sessions for the next run; it returns
// the credit note. It needs invoices.manage over the whole provider.
func (s *Service) CreditInvoice(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Invoice, error) {
	is, err := s.mayChangeInvoice(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	return is.CreditInvoice(ctx, fc.ProviderScope(subj.ProviderID), id)
}

// PayInvoice marks an issued invoice or credit note paid; it needs
// invoices.manage over the whole provider.
func (s *Service) PayInvoice(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Invoice, error) {
	is, err := s.mayChangeInvoice(ctx, subj, id)
	if err != nil {
		return nil, err
	}
	return is.PayInvoice(ctx, fc.ProviderScope(subj.ProviderID), id)
}

// mayChangeInvoice reads the invoice in the subject's scope (404 when it
// may not read it) and checks invoices.manage (403).
func (s *Service) mayChangeInvoice(ctx context.Context, subj access.Subject, id fc.ID) (fc.InvoiceStore, error) {
	is, err := s.invoiceStore()
	if err != nil {
		return nil, err
	}
	if _, err := is.Invoice(ctx, access.InvoiceScopeFor(subj), id); err != nil {
		return nil, err
	}
	if !s.MayManageInvoices(subj) {
		return nil, forbidden(fc.KindInvoice, id, access.InvoicesManage)
	}
	return is, nil
}
