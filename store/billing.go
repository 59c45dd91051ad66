package store

import (
	"context"
	"database/sql"
	"net/mail"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// Billing data of providers and accounts (issue 16): what their invoices
// name. Every field is optional until invoices are issued; what is given
// must be well formed.

// maxBillingBP bounds the VAT rate, margin and fee (100 %).
const maxBillingBP = 100_00

// checkParty normalizes and checks the address fields shared by providers
// and accounts, adding a message per bad field.
func checkParty(fields map[string]string, vatID, address, postalCode, city, country *string) {
	*country = strings.ToUpper(strings.TrimSpace(*country))
	*vatID = fc.NormalizeCode(*vatID)
	*address, *postalCode, *city = strings.TrimSpace(*address), strings.TrimSpace(*postalCode), strings.TrimSpace(*city)
	if msg := textProblem(*address, maxAddressLen, true); msg != "" {
		fields["address"] = msg
	}
	if msg := textProblem(*postalCode, maxCodeLen, false); msg != "" {
		fields["postal_code"] = msg
	}
	if msg := textProblem(*city, maxNameLen, false); msg != "" {
		fields["city"] = msg
	}
	if *country != "" && !fc.ValidCountry(*country) {
		fields["country"] = "must be an ISO 3166-1 alpha-2 code, such as NL"
	}
	switch {
	case *vatID == "":
	case *country == "":
		fields["vat_id"] = "needs the country, whose prefix it starts with"
	case !fc.ValidVATID(*country, *vatID):
		fields["vat_id"] = "is not a VAT id of " + *country + ": it starts with " + fc.VATPrefix(*country) + " and has the country's digits and letters"
	}
}

// checkAccountBilling checks an account's billing data.
func checkAccountBilling(fields map[string]string, a *fc.Account) {
	checkParty(fields, &a.VATID, &a.Address, &a.PostalCode, &a.City, &a.Country)
	a.IBAN = fc.NormalizeCode(a.IBAN)
	if a.IBAN != "" && !fc.ValidIBAN(a.IBAN) {
		fields["iban"] = "is not an IBAN: its country, length or check digits are wrong"
	}
	a.BillingEmail = strings.TrimSpace(a.BillingEmail)
	if a.BillingEmail != "" {
		if m, err := mail.ParseAddress(a.BillingEmail); err != nil || m.Address != a.BillingEmail || len(a.BillingEmail) > maxEmailLen {
			fields["billing_email"] = "must be an e-mail address"
		}
	}
}

// checkProviderBilling checks a provider's billing data.
func checkProviderBilling(fields map[string]string, b *fc.ProviderBilling) {
	b.LegalName = strings.TrimSpace(b.LegalName)
	if msg := textProblem(b.LegalName, maxNameLen, false); msg != "" {
		fields["legal_name"] = msg
	}
	checkParty(fields, &b.VATID, &b.Address, &b.PostalCode, &b.City, &b.Country)
	b.IBAN = fc.NormalizeCode(b.IBAN)
	if b.IBAN != "" && !fc.ValidIBAN(b.IBAN) {
		fields["iban"] = "is not an IBAN: its country, length or check digits are wrong"
	}
	b.ContactName, b.Phone, b.Email = strings.TrimSpace(b.ContactName), strings.TrimSpace(b.Phone), strings.TrimSpace(b.Email)
	if msg := textProblem(b.ContactName, maxNameLen, false); msg != "" {
		fields["contact_name"] = msg
	}
	if !validPhone(b.Phone) {
		fields["phone"] = "must be a telephone number: at least 3 digits, with +, spaces, -, / or parentheses"
	}
	if b.Email != "" {
		if m, err := mail.ParseAddress(b.Email); err != nil || m.Address != b.Email || len(b.Email) > maxEmailLen {
			fields["email"] = "must be an e-mail address"
		}
	}
	b.InvoicePrefix = strings.TrimSpace(b.InvoicePrefix)
	if len(b.InvoicePrefix) > 10 || strings.ContainsFunc(b.InvoicePrefix, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '/' || r == '_')
	}) {
		fields["invoice_prefix"] = "must be at most 10 letters, digits, -, / or _"
	}
	for name, v := range map[string]int{"vat_rate": b.VATRateBP, "roaming_margin_percent": b.RoamingMarginBP,
		"self_billing_fee_percent": b.SelfBillingFeeBP} {
		if v < 0 || v > maxBillingBP {
			fields[name] = "must be a percentage from 0 to 100"
		}
	}
	if b.PaymentDays == 0 {
		b.PaymentDays = fc.DefaultPaymentDays
	}
	if b.PaymentDays < 0 || b.PaymentDays > 365 {
		fields["payment_days"] = "must be from 1 to 365"
	}
}

// updateProviderBilling stores a provider's billing data.
func updateProviderBilling(ctx context.Context, tx *sql.Tx, p *fc.Provider) error {
	b := &p.Billing
	_, err := tx.ExecContext(ctx, `UPDATE providers SET legal_name = $1, vat_id = $2, address = $3, postal_code = $4, city = $5,
		country = $6, iban = $7, vat_rate_bp = $8, invoice_prefix = $9, roaming_margin_bp = $10, self_billing_fee_bp = $11,
		payment_days = $12, contact_name = $13, phone = $14, email = $15 WHERE id = $16`, b.LegalName, b.VATID, b.Address, b.PostalCode,
		b.City, b.Country, b.IBAN, b.VATRateBP, b.InvoicePrefix, b.RoamingMarginBP, b.SelfBillingFeeBP, b.PaymentDays, b.ContactName,
		b.Phone, b.Email, int64(p.ID))
	return err
}

// validPhone reports whether s is empty or a telephone number as invoices
// print it: digits (3 or more, as Peppol DE-R-027 asks), +, spaces, -, /,
// dots and parentheses, at most 30 characters.
func validPhone(s string) bool {
	if s == "" {
		return true
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -/.()", r):
		default:
			return false
		}
	}
	return digits >= 3 && len(s) <= 30
}
