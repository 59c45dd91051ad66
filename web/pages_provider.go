package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// The provider's settings (docs/INVOICING.md): its name and time zone, its
// OCPI identity, its billing data (the seller on its invoices, the terms,
// the invoice contact) and whether webhooks may reach private addresses.
// What GET|PATCH /api/v1/provider read and change, for provider admins:
// the page calls the same app functions, so the store checks every field
// and writes the audit entry.

// providerRoutes registers the provider settings page.
func (s *Server) providerRoutes() {
	s.handle("GET /provider", s.providerPage)
	s.handle("POST /provider", s.updateProviderSettings)
}

// providerPath is the provider settings page.
const providerPath = "/provider"

// managesProvider tells whether the view may change the provider: who
// manages the accounts of the whole provider, as app.UpdateProvider asks.
func managesProvider(v *view) bool { return wholeProvider(v.Subj, access.AccountsManage) }

func noProviderSettings() error { return fc.Errorf(fc.ENotFound, "no provider settings") }

func (s *Server) providerPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showProvider(w, r, v, nil)
}

// showProvider draws the settings, a form per part of them; fl, when
// given, is the form that failed, shown with what was typed.
func (s *Server) showProvider(w http.ResponseWriter, r *http.Request, v *view, fl *failure) error {
	if !managesProvider(v) {
		return noProviderSettings()
	}
	ctx := r.Context()
	p, err := s.app.Provider(ctx, v.Subj)
	if err != nil {
		return err
	}
	allow, err := s.app.WebhooksAllowPrivate(ctx, v.Subj)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "Provider settings"}
	bl := p.Billing
	section := func(id, title, intro, submit string, fields ...field) {
		f := v.postForm(id, providerPath, submit, fields...)
		f.Title, f.Intro = title, intro
		f.Hidden = []hidden{{"section", id}}
		b.Forms = append(b.Forms, f)
	}
	section("general", "Provider", "", "Save the provider",
		field{Name: "name", Label: "Name", Value: p.Name, Required: true},
		field{Name: "time_zone", Label: "Time zone", Value: p.TimeZone, Hint: "An IANA time zone, such as Europe/Amsterdam: reports read dates in it."},
		field{Name: "ocpi_country_code", Label: "OCPI country code", Value: p.OCPICountryCode,
			Hint: "ISO 3166-1 alpha-2, such as NL; with the party ID, or both empty (no roaming)."},
		field{Name: "ocpi_party_id", Label: "OCPI party ID", Value: p.OCPIPartyID, Hint: "3 letters or digits, as registered for the provider."})
	section("seller", "Seller on invoices", "What the provider's invoices say about it, and where customers pay.", "Save the billing data",
		field{Name: "legal_name", Label: "Legal name", Value: bl.LegalName, Hint: "Empty: the provider's name."},
		field{Name: "vat_id", Label: "VAT id", Value: bl.VATID, Hint: "With the country's prefix, such as NL123456789B01; needs the country."},
		field{Name: "address", Label: "Address", Value: bl.Address},
		field{Name: "postal_code", Label: "Postal code", Value: bl.PostalCode},
		field{Name: "city", Label: "City", Value: bl.City},
		field{Name: "country", Label: "Country", Value: bl.Country, Hint: "ISO code of two letters, such as NL."},
		field{Name: "iban", Label: "IBAN", Value: bl.IBAN, Hint: "The account customers pay into."})
	section("contact", "Invoice contact", "Who answers questions about invoices: the seller contact of e-invoices. German rules ask for all three between German parties.",
		"Save the invoice contact",
		field{Name: "contact_name", Label: "Contact name", Value: bl.ContactName},
		field{Name: "phone", Label: "Phone", Type: "tel", Value: bl.Phone, Hint: "At least 3 digits, with +, spaces, -, / or parentheses."},
		field{Name: "email", Label: "E-mail", Type: "email", Value: bl.Email})
	section("terms", "Invoicing terms", "", "Save the invoicing terms",
		field{Name: "vat_rate", Label: "VAT rate in percent", Value: percentText(bl.VATRateBP), Hint: "The standard rate of the provider's country, such as 21 or 5.5."},
		field{Name: "invoice_prefix", Label: "Invoice number prefix", Value: bl.InvoicePrefix,
			Hint: "Starts every invoice number (prefix, year, sequence); at most 10 letters, digits, -, / or _."},
		field{Name: "roaming_margin_percent", Label: "Roaming margin in percent", Value: percentText(bl.RoamingMarginBP),
			Hint: "Added to the price of sessions on other networks."},
		field{Name: "self_billing_fee_percent", Label: "Self-billing fee in percent", Value: percentText(bl.SelfBillingFeeBP),
			Hint: "Kept from what station owners' stations earn."},
		field{Name: "payment_days", Label: "Payment days", Type: "number", Value: strconv.Itoa(bl.PaymentDays), Hint: "From issue to due date; 30 when empty."})
	section("webhooks", "Webhooks", "", "Save the webhook setting",
		field{Name: "webhooks_allow_private", Label: "Webhooks may post to private addresses", Type: "checkbox", Checked: allow,
			Hint: "Loopback, link-local and private networks: for receivers on the premises."})
	s.show(w, r, v, b.apply(fl), "detail", "Provider settings", b)
	return nil
}

// providerStrings are the text fields of the provider a form may post.
func providerStrings(p *fc.Provider) map[string]*string {
	b := &p.Billing
	return map[string]*string{"name": &p.Name, "time_zone": &p.TimeZone, "ocpi_country_code": &p.OCPICountryCode,
		"ocpi_party_id": &p.OCPIPartyID, "legal_name": &b.LegalName, "vat_id": &b.VATID, "address": &b.Address,
		"postal_code": &b.PostalCode, "city": &b.City, "country": &b.Country, "iban": &b.IBAN, "invoice_prefix": &b.InvoicePrefix,
		"contact_name": &b.ContactName, "phone": &b.Phone, "email": &b.Email}
}

// setProvider sets the fields a posted form holds, as a PATCH does: a
// field the form does not hold stays as it is. Percentages are read
// here; every other check is the store's.
func setProvider(p *fc.Provider, vals url.Values) error {
	fields := map[string]string{}
	for name, to := range providerStrings(p) {
		if vals.Has(name) {
			*to = vals.Get(name)
		}
	}
	b := &p.Billing
	for name, to := range map[string]*int{"vat_rate": &b.VATRateBP, "roaming_margin_percent": &b.RoamingMarginBP,
		"self_billing_fee_percent": &b.SelfBillingFeeBP} {
		if !vals.Has(name) {
			continue
		}
		v, msg := parsePercent(vals.Get(name))
		if msg != "" {
			fields[name] = msg
		}
		*to = v
	}
	if vals.Has("payment_days") {
		b.PaymentDays = formInt(vals, "payment_days", fields)
	}
	return validated(fields)
}

func (s *Server) updateProviderSettings(w http.ResponseWriter, r *http.Request, v *view) error {
	if !managesProvider(v) {
		return noProviderSettings()
	}
	ctx, vals := r.Context(), r.PostForm
	id := vals.Get("section")
	var err error
	if id == "webhooks" {
		var allow bool
		if allow, err = s.app.WebhooksAllowPrivate(ctx, v.Subj); err == nil && allow != (vals.Get("webhooks_allow_private") != "") {
			err = s.app.SetWebhooksAllowPrivate(ctx, v.Subj, !allow)
		}
	} else {
		_, err = s.app.UpdateProvider(ctx, v.Subj, func(p *fc.Provider) error { return setProvider(p, vals) })
	}
	if err != nil {
		return refail(r, err, id, func(fl *failure) error { return s.showProvider(w, r, v, fl) })
	}
	redirect(w, r, providerPath, "saved")
	return nil
}

// parsePercent reads a percentage with up to 2 decimals ("21", "5.5",
// "12,5") in hundredths of a percent; msg says what is wrong. Empty is 0.
func parsePercent(s string) (bp int, msg string) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return 0, ""
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	digits := func(x string) bool {
		return x != "" && len(x) <= 9 && strings.Trim(x, "0123456789") == ""
	}
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	if !digits(whole) || hasFrac && !digits(frac) {
		return 0, "must be a number, such as 21 or 5.5"
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, "has more than 2 decimals"
	}
	w, _ := strconv.Atoi(whole)
	f, _ := strconv.Atoi((frac + "00")[:2])
	bp = w*100 + f
	if neg {
		bp = -bp
	}
	return bp, ""
}

// percentText shows hundredths of a percent as the form reads them: "21",
// "5.5", "12.25".
func percentText(bp int) string {
	if bp%100 == 0 {
		return strconv.Itoa(bp / 100)
	}
	return strings.TrimRight(decimalText(int64(bp), 2), "0")
}
