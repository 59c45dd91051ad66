package demo

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Invoicing in the demo (docs/INVOICING.md): the provider's billing data,
// every account's, and the invoices of the last closed month: run,
// issued, the logistics holding's paid, one German invoice credited and its
// corrected invoice waiting as a draft. The Meridian accounts abroad
// (Germany, France, Belgium) are billed under reverse charge; station
// owners whose stations served other accounts' cards get self-billing
// invoices. Everything follows from the sessions and the account names, so
// that two loads with one seed give the same invoices.

// demoVATIDs builds a VAT id of the shape of each country from a number.
var demoVATIDs = map[string]func(n int64) string{
	"NL": func(n int64) string { return fmt.Sprintf("NL%09dB01", n%1_000_000_000) },
	"DE": func(n int64) string { return fmt.Sprintf("DE%09d", n%1_000_000_000) },
	"FR": func(n int64) string { return fmt.Sprintf("FR%02d%09d", n%100, n%1_000_000_000) },
	"BE": func(n int64) string { return fmt.Sprintf("BE0%09d", n%1_000_000_000) },
	"GB": func(n int64) string { return fmt.Sprintf("GB%09d", n%1_000_000_000) },
}

// demoCities are the billing cities by country.
var demoCities = map[string][2]string{
	"NL": {"3511 AA", "Utrecht"}, "DE": {"10115", "Berlin"}, "FR": {"75002", "Paris"}, "BE": {"1000", "Brussels"}, "GB": {"EC1A 1BB", "London"},
}

// demoIBAN returns a valid IBAN of the country with the given basic bank
// account number: the check digits are computed (ISO 13616).
func demoIBAN(country, bban string) string {
	digits := ""
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			digits += fmt.Sprint(int(c-'A') + 10)
		} else {
			digits += string(c)
		}
	}
	n, _ := new(big.Int).SetString(digits, 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", country, check, bban)
}

func (b *builder) invoicing() error {
	ctx, sc := b.ctx, fc.ProviderScope(b.provider.ID)
	p, err := b.st.UpdateProvider(ctx, b.provider.ID, func(p *fc.Provider) error {
		p.Billing = fc.ProviderBilling{LegalName: providerName + " B.V.", VATID: "NL859346012B01", Address: "Catharijnesingel 40",
			PostalCode: "3511 GC", City: "Utrecht", Country: "NL", IBAN: demoIBAN("NL", "INGB0006812345"), VATRateBP: 2100,
			InvoicePrefix: "VLT", RoamingMarginBP: 1500, SelfBillingFeeBP: 1000, PaymentDays: 30,
			// The invoice contact: the seller contact of the e-invoices.
			ContactName: "Femke de Boer", Phone: "+31 30 799 4410", Email: "billing@voltaria.example"}
		return nil
	})
	if err != nil {
		return fmt.Errorf("provider billing: %w", err)
	}
	orgs, err := b.st.Organizations(ctx, sc, fc.OrganizationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
	if err != nil {
		return err
	}
	countryOf := map[fc.ID]string{}
	for _, o := range orgs {
		countryOf[o.ID] = o.Country
	}
	for _, o := range orgs { // an organization without a country is its parent's
		if o.Country == "" {
			countryOf[o.ID] = countryOf[o.ParentID]
		}
	}
	accounts, err := b.st.Accounts(ctx, sc, fc.AccountFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
	if err != nil {
		return err
	}
	for _, a := range accounts {
		country := countryOf[a.OrganizationID]
		if country == "" {
			country = "NL"
		}
		place := demoCities[country]
		slug := strings.Trim(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return '-'
		}, a.Name), "-")
		if _, err := b.st.UpdateAccount(ctx, sc, a.ID, func(a *fc.Account) error {
			a.Country, a.PostalCode, a.City = country, place[0], place[1]
			a.Address = fmt.Sprintf("Industrieweg %d", 10+int(a.ID)%80)
			a.BillingEmail = "invoices@" + slug + ".example"
			if a.Kind == fc.AccountCompany {
				if vat := demoVATIDs[country]; vat != nil {
					a.VATID = vat(812_004_000 + int64(a.ID)*7919)
				}
			}
			if country == "NL" || country == "BE" || country == "DE" || country == "FR" {
				a.IBAN = demoIBAN(country, demoBBAN(country, int64(a.ID)))
			}
			return nil
		}); err != nil {
			return fmt.Errorf("account %s billing: %w", a.Name, err)
		}
	}

	// The last closed month, of the provider's calendar.
	loc := zone(p.TimeZone)
	now := b.now.In(loc)
	period := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0).Format(fc.PeriodLayout)
	drafts, err := b.st.RunInvoices(ctx, sc, period, false)
	if err != nil {
		return fmt.Errorf("invoice run %s: %w", period, err)
	}
	names := map[fc.ID]string{}
	for _, a := range accounts {
		names[a.ID] = a.Name
	}
	var credit fc.ID
	for _, d := range drafts {
		inv, err := b.st.IssueInvoice(ctx, sc, d.ID)
		if err != nil {
			return fmt.Errorf("issue invoice %s: %w", d.ID, err)
		}
		name := names[inv.AccountID]
		switch {
		case strings.HasPrefix(name, "Van Dijk"):
			if _, err := b.st.PayInvoice(ctx, sc, inv.ID); err != nil {
				return err
			}
		case credit == 0 && inv.Kind == fc.InvoiceKindInvoice && strings.HasPrefix(name, "Meridian Consulting GmbH"):
			credit = inv.ID
		}
	}
	if credit != 0 {
		// A correction: the invoice is credited, and the next run of the
		// month makes the corrected invoice, left as a draft to issue.
		if _, err := b.st.CreditInvoice(ctx, sc, credit); err != nil {
			return err
		}
		if _, err := b.st.RunInvoices(ctx, sc, period, false); err != nil {
			return err
		}
	}
	return nil
}

// demoBBAN is a basic bank account number of the country's IBAN length.
func demoBBAN(country string, n int64) string {
	digits := fmt.Sprintf("%020d", 4_000_000_000+n*104_729)
	switch country {
	case "NL":
		return "RABO" + digits[10:]
	case "BE":
		return digits[8:]
	case "DE":
		return digits[2:]
	default: // FR: bank, branch, account and key
		return digits[:10] + "0" + digits[10:20] + "06"
	}
}
