package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestProviderSettingsPage: a provider admin reads the demo provider's
// settings (its invoice contact among them) and changes them a form at a
// time, each save one audit entry as the API writes it; a bad phone,
// e-mail or percentage is the store's message next to its field with what
// was typed kept, and nothing written; every other persona has neither the
// page nor its link, and its posts change nothing.
func TestProviderSettingsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		provider := w.one(t, `SELECT id FROM providers`)
		read := func() *fc.Provider {
			t.Helper()
			p, err := st.Provider(ctx, provider)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		audits := func(action string) int {
			t.Helper()
			var n int
			if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = $1 AND object_id = $2`,
				action, int64(provider)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := read()
		if before.Billing.ContactName == "" || before.Billing.Phone == "" || before.Billing.Email == "" {
			t.Fatalf("the demo provider has no invoice contact: %+v", before.Billing)
		}

		admin := w.as(t, adminEmail)
		page := get(t, admin, "/", http.StatusOK)
		wantIn(t, "the admin's navigation", navLinks.FindString(page), `href="/provider"`)
		page = get(t, admin, "/provider", http.StatusOK)
		attr := func(s string) string { return strings.ReplaceAll(s, "+", "&#43;") } // as html/template writes a value
		wantIn(t, "the settings", page, before.Name, before.Billing.LegalName, before.Billing.VATID, before.Billing.IBAN,
			before.Billing.ContactName, attr(before.Billing.Phone), before.Billing.Email, `value="`+percentText(before.Billing.VATRateBP)+`"`,
			`value="`+percentText(before.Billing.RoamingMarginBP)+`"`, `name="webhooks_allow_private"`)
		post := func(b *browser, vals url.Values) *http.Response {
			t.Helper()
			vals.Set("csrf_token", csrfOf(t, get(t, b, "/", http.StatusOK)))
			rec := b.do("POST", "/provider", vals)
			res := rec.Result()
			res.Body = http.NoBody
			if rec.Code != http.StatusSeeOther {
				page = body(rec)
			}
			return res
		}

		// Bad values: the store's messages, what was typed kept, nothing written.
		updates := audits("provider.update")
		for _, c := range []struct {
			vals  url.Values
			wants []string
		}{
			{url.Values{"section": {"contact"}, "contact_name": {"Iris Bakker"}, "phone": {"call me"}, "email": {"iris at example"}},
				[]string{"Phone must be a telephone number: at least 3 digits", "E-mail must be an e-mail address.", `value="call me"`,
					`value="iris at example"`, `value="Iris Bakker"`}},
			{url.Values{"section": {"terms"}, "vat_rate": {"121"}, "invoice_prefix": {"L C"}, "payment_days": {"366"}},
				[]string{"VAT rate in percent must be a percentage from 0 to 100.", "Invoice number prefix must be at most 10 letters",
					"Payment days must be from 1 to 365.", `value="121"`, `value="L C"`, `value="366"`}},
			{url.Values{"section": {"terms"}, "roaming_margin_percent": {"5.555"}, "self_billing_fee_percent": {"ten"}},
				[]string{"Roaming margin in percent has more than 2 decimals.", "Self-billing fee in percent must be a number",
					`value="5.555"`, `value="ten"`}},
			{url.Values{"section": {"seller"}, "vat_id": {"BE0123456749"}, "country": {"NL"}, "iban": {"NL91ABNA0417164301"}},
				[]string{"VAT id is not a VAT id of NL", "IBAN is not an IBAN", `value="NL91ABNA0417164301"`}},
		} {
			if res := post(admin, c.vals); res.StatusCode != http.StatusBadRequest {
				t.Fatalf("POST %v: status %d, want 400", c.vals, res.StatusCode)
			}
			wantIn(t, "the failed form", page, c.wants...)
		}
		if got := read(); *got != *before {
			t.Errorf("a failed save changed the provider: %+v, was %+v", got, before)
		}
		if got := audits("provider.update"); got != updates {
			t.Errorf("failed saves wrote %d audit entries", got-updates)
		}

		// Good values: saved, one audit entry each, the rest as it was.
		if res := post(admin, url.Values{"section": {"contact"}, "contact_name": {"Iris Bakker"}, "phone": {"+31 30 123 45 67"},
			"email": {"iris@voltaria.example"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/provider?done=saved" {
			t.Fatalf("save the contact: status %d to %q\n%.2000s", res.StatusCode, res.Header.Get("Location"), page)
		}
		if res := post(admin, url.Values{"section": {"terms"}, "vat_rate": {"5,5"}, "roaming_margin_percent": {"12.50"},
			"self_billing_fee_percent": {"0"}, "invoice_prefix": {"LC-"}, "payment_days": {"14"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save the terms: status %d\n%.2000s", res.StatusCode, page)
		}
		want := *before
		want.Billing.ContactName, want.Billing.Phone, want.Billing.Email = "Iris Bakker", "+31 30 123 45 67", "iris@voltaria.example"
		want.Billing.VATRateBP, want.Billing.RoamingMarginBP, want.Billing.SelfBillingFeeBP = 550, 1250, 0
		want.Billing.InvoicePrefix, want.Billing.PaymentDays = "LC-", 14
		if got := read(); *got != want {
			t.Errorf("after saving: %+v, want %+v", got.Billing, want.Billing)
		}
		if got := audits("provider.update"); got != updates+2 {
			t.Errorf("two saves wrote %d audit entries", got-updates)
		}
		page = get(t, admin, "/provider?done=saved", http.StatusOK)
		wantIn(t, "the saved settings", page, `value="5.5"`, `value="12.5"`, `value="iris@voltaria.example"`, "Your changes are saved.")

		// The webhook setting: saved when changed, with its own audit entry.
		if res := post(admin, url.Values{"section": {"webhooks"}, "webhooks_allow_private": {"on"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("allow private webhooks: status %d", res.StatusCode)
		}
		if allow, err := st.WebhooksAllowPrivate(ctx, provider); err != nil || !allow {
			t.Errorf("webhooks to private addresses: %v, %v", allow, err)
		}
		if got := audits("provider.webhooks_allow_private"); got != 1 {
			t.Errorf("%d webhook setting audit entries, want 1", got)
		}
		wantIn(t, "the settings", get(t, admin, "/provider", http.StatusOK), `name="webhooks_allow_private" value="on" checked`)

		// Anyone else: no link, no page, no change.
		saved := read()
		for _, email := range []string{holdingFleet, facilitiesDE, transportAcct} {
			b := w.as(t, email)
			if nav := navLinks.FindString(get(t, b, "/", http.StatusOK)); nav == "" {
				t.Fatalf("%s: no navigation", email)
			} else {
				wantNotIn(t, email+"'s navigation", nav, `href="/provider"`)
			}
			get(t, b, "/provider", http.StatusNotFound)
			for _, section := range []string{"seller", "webhooks"} {
				if res := post(b, url.Values{"section": {section}, "legal_name": {"Taken over"}}); res.StatusCode != http.StatusNotFound {
					t.Errorf("%s posts the %s settings: status %d", email, section, res.StatusCode)
				}
			}
		}
		if got := read(); *got != *saved {
			t.Errorf("another persona's post changed the provider: %+v", got)
		}
		if allow, _ := st.WebhooksAllowPrivate(ctx, provider); !allow {
			t.Errorf("another persona's post changed the webhook setting")
		}
	})
}

// TestParsePercent reads percentages as the form takes them.
func TestParsePercent(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		bad  bool
	}{
		{"", 0, false}, {"21", 2100, false}, {"5.5", 550, false}, {"5,5", 550, false}, {" 12.50 ", 1250, false},
		{"0.01", 1, false}, {"-1", -100, false}, {"5.555", 0, true}, {"ten", 0, true}, {"5.", 0, true}, {".5", 0, true},
		{"1e2", 0, true}, {"--1", 0, true},
	} {
		got, msg := parsePercent(c.in)
		if (msg != "") != c.bad || got != c.want {
			t.Errorf("parsePercent(%q) = %d, %q; want %d, bad %v", c.in, got, msg, c.want, c.bad)
		}
	}
	for bp, want := range map[int]string{0: "0", 2100: "21", 550: "5.5", 1225: "12.25", 1: "0.01"} {
		if got := percentText(bp); got != want {
			t.Errorf("percentText(%d) = %q, want %q", bp, got, want)
		}
	}
}
