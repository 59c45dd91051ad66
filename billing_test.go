package fleetcharge

import "testing"

func TestValidIBAN(t *testing.T) {
	for _, tt := range []struct {
		iban string
		want bool
	}{
		{"NL91ABNA0417164300", true},
		{"DE89370400440532013000", true},
		{"BE68539007547034", true},
		{"GB29NWBK60161331926819", true},
		{"NL92ABNA0417164300", false}, // check digits
		{"NL91ABNA0417164301", false}, // a changed digit
		{"XX91ABNA0417164300", false}, // no such country
		{"NL91ABNA04171", false},      // too short
		{"NL91abna0417164300", false}, // lower case: NormalizeCode first
		{"", false},
	} {
		if got := ValidIBAN(tt.iban); got != tt.want {
			t.Errorf("ValidIBAN(%q) = %v, want %v", tt.iban, got, tt.want)
		}
	}
	if got := NormalizeCode(" nl91 abna-0417.1643 00 "); got != "NL91ABNA0417164300" {
		t.Errorf("NormalizeCode = %q", got)
	}
}

func TestValidVATID(t *testing.T) {
	for _, tt := range []struct {
		country, id string
		want        bool
	}{
		{"NL", "NL123456789B01", true},
		{"NL", "NL123456789", false}, // the B and two digits
		{"BE", "BE0123456749", true},
		{"DE", "DE123456789", true},
		{"DE", "NL123456789B01", false}, // another country's prefix
		{"GR", "EL123456789", true},     // Greece writes EL
		{"GR", "GR123456789", false},
		{"AT", "ATU12345678", true},
		{"FR", "FRXX123456789", true},
		{"CH", "CHE123456789", true}, // outside the EU: prefix and 2 to 13 letters or digits
		{"CH", "CH1", false},
		{"", "NL123456789B01", false},
	} {
		if got := ValidVATID(tt.country, tt.id); got != tt.want {
			t.Errorf("ValidVATID(%q, %q) = %v, want %v", tt.country, tt.id, got, tt.want)
		}
	}
	for _, c := range []string{"NL", "DE", "GB", "XI", "US"} {
		if !ValidCountry(c) {
			t.Errorf("%s is no country", c)
		}
	}
	for _, c := range []string{"XX", "nl", "NLD", ""} {
		if ValidCountry(c) {
			t.Errorf("%q is a country", c)
		}
	}
}

// TestVATFor checks the VAT decision of docs/INVOICING.md case by case.
func TestVATFor(t *testing.T) {
	provider := BillingParty{Name: "CPO", Country: "NL", VATID: "NL123456789B01"}
	nl := BillingParty{Name: "Dutch fleet", Country: "NL", VATID: "NL000099998B57"}
	be := BillingParty{Name: "Belgian fleet", Country: "BE", VATID: "BE0123456749"}
	beNoVAT := BillingParty{Name: "Belgian fleet", Country: "BE"}
	beBadVAT := BillingParty{Name: "Belgian fleet", Country: "BE", VATID: "NL000099998B57"}
	ch := BillingParty{Name: "Swiss fleet", Country: "CH", VATID: "CHE123456789"}
	noCountry := BillingParty{Name: "Somewhere"}
	for _, tt := range []struct {
		name                  string
		seller, buyer         BillingParty
		sellerPriv, buyerPriv bool
		cat                   string
		rate                  int
	}{
		{"domestic B2B", provider, nl, false, false, VATStandard, 2100},
		{"EU cross-border B2B with a VAT id", provider, be, false, false, VATReverseCharge, 0},
		{"EU cross-border B2B without a VAT id", provider, beNoVAT, false, false, VATStandard, 2100},
		{"EU cross-border with a VAT id of another country", provider, beBadVAT, false, false, VATStandard, 2100},
		{"EU cross-border private", provider, be, false, true, VATStandard, 2100},
		{"domestic private", provider, BillingParty{Country: "NL"}, false, true, VATStandard, 2100},
		{"outside the EU", provider, ch, false, false, VATStandard, 2100},
		{"no country: the seller's", provider, noCountry, false, false, VATStandard, 2100},
		{"self-billing, domestic owner", nl, provider, false, false, VATStandard, 2100},
		{"self-billing, Belgian owner", be, provider, false, false, VATReverseCharge, 0},
		{"self-billing, private owner", BillingParty{Country: "NL"}, provider, true, false, VATOutsideScope, 0},
	} {
		cat, rate := VATFor(tt.seller, tt.buyer, tt.sellerPriv, tt.buyerPriv, 2100)
		if cat != tt.cat || rate != tt.rate {
			t.Errorf("%s: %s %d, want %s %d", tt.name, cat, rate, tt.cat, tt.rate)
		}
	}
}
