package fleetcharge

import "testing"

func TestVATOf(t *testing.T) {
	for _, tt := range []struct {
		amount int64
		rate   int
		want   int64
	}{
		{10000, 2100, 2100},
		{1, 2100, 0},     // 0.21 cent
		{3, 2100, 1},     // 0.63 cent
		{50, 1000, 5},    // exact
		{5, 1000, 1},     // 0.5 cent: half up
		{-5, 1000, -1},   // half away from zero
		{1999, 550, 110}, // 109.945
		{0, 2100, 0},
	} {
		if got := VATOf(tt.amount, tt.rate); got != tt.want {
			t.Errorf("VATOf(%d, %d) = %d, want %d", tt.amount, tt.rate, got, tt.want)
		}
	}
}

// The VAT of a category is rounded once over the sum of its lines, not per
// line: three lines of 0.03 at 21 % carry 0.02 VAT together, not 0.03.
func TestSumInvoiceRoundsPerCategory(t *testing.T) {
	inv := Invoice{Lines: []InvoiceLine{
		{Net: 3, VATRateBP: 2100, VATCategory: VATStandard},
		{Net: 3, VATRateBP: 2100, VATCategory: VATStandard},
		{Net: 3, VATRateBP: 2100, VATCategory: VATStandard},
		{Net: 1000, VATRateBP: 900, VATCategory: VATStandard},
		{Net: 500, VATCategory: VATReverseCharge, VATRateBP: 2100},
	}}
	SumInvoice(&inv)
	if inv.Net != 1509 || inv.VAT != 2+90 || inv.Total != 1509+92 {
		t.Fatalf("net %d vat %d total %d", inv.Net, inv.VAT, inv.Total)
	}
	want := []VATSubtotal{
		{Category: VATReverseCharge, Taxable: 500, Exemption: "Reverse charge"},
		{Category: VATStandard, RateBP: 900, Taxable: 1000, VAT: 90},
		{Category: VATStandard, RateBP: 2100, Taxable: 9, VAT: 2},
	}
	if len(inv.Breakdown) != len(want) {
		t.Fatalf("breakdown %+v", inv.Breakdown)
	}
	for i := range want {
		if inv.Breakdown[i] != want[i] {
			t.Errorf("subtotal %d = %+v, want %+v", i, inv.Breakdown[i], want[i])
		}
	}
}
