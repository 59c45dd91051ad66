package fleetcharge_test

import (
	"math/big"
	"math/rand/v2"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

func TestReimbursementAmount(t *testing.T) {
	for _, c := range []struct {
		wh, micros int64
		currency   string
		want       int64
	}{
		{10000, 250000, "EUR", 250},                            // 10 kWh at 0.25
		{12345, 250000, "EUR", 309},                            // 308.625 cents, half up
		{1000, 5000, "EUR", 1},                                 // exactly half a cent rounds up
		{1000, 4999, "EUR", 0},                                 // just under half a cent
		{1, 1, "EUR", 0},                                       // a millionth of a cent
		{1500, 20_000_000, "JPY", 30},                          // no minor unit
		{1234, 123456, "BHD", 152},                             // three decimals: 152.344 fils
		{0, 250000, "EUR", 0},                                  // no energy
		{1_000_000_000, 1_000_000_000, "EUR", 100_000_000_000}, // a million MWh at 1000 per kWh
	} {
		if got := fc.ReimbursementAmount(c.wh, c.micros, c.currency); got != c.want {
			t.Errorf("ReimbursementAmount(%d Wh, %d micros, %s) = %d, want %d", c.wh, c.micros, c.currency, got, c.want)
		}
	}
}

func TestReimbursementRateDates(t *testing.T) {
	open := &fc.ReimbursementRate{ValidFrom: "2026-03-01"}
	winter := &fc.ReimbursementRate{ValidFrom: "2026-01-01", ValidTo: "2026-03-01"}
	if winter.Covers("2026-03-01") || !winter.Covers("2026-02-28") || !winter.Covers("2026-01-01") || winter.Covers("2025-12-31") {
		t.Error("a rate covers from its first day until the day before valid_to")
	}
	if !open.Covers("2099-01-01") || open.Covers("2026-02-28") {
		t.Error("an open-ended rate covers every day from valid_from")
	}
	if winter.Overlaps(open) || open.Overlaps(winter) {
		t.Error("touching rates do not overlap")
	}
	if spring := (&fc.ReimbursementRate{ValidFrom: "2026-02-28", ValidTo: "2026-03-02"}); !spring.Overlaps(open) || !spring.Overlaps(winter) {
		t.Error("a rate sharing a day overlaps")
	}
	for _, p := range []string{"2026-6", "2026-13", "26-06", "2026-06-01", ""} {
		if _, err := fc.ParsePeriod(p); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("ParsePeriod(%q): err = %v, want invalid", p, err)
		}
	}
}

// TestReimbursementAmountProperty checks ReimbursementAmount against exact
// rational arithmetic: the amount is the exact value rounded to the nearest
// minor unit, a half rounding up.
func TestReimbursementAmountProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	half, minusHalf := big.NewRat(1, 2), big.NewRat(-1, 2)
	for range 20000 {
		wh, micros := rng.Int64N(2_000_000), rng.Int64N(2_000_000)
		currency := []string{"EUR", "JPY", "BHD"}[rng.IntN(3)]
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(fc.MinorDigits(currency))), nil)
		// Wh/1000 kWh at micros/10^6 per kWh, in units of 10^-digits.
		exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(wh*micros), scale), big.NewInt(1_000_000_000))
		got := fc.ReimbursementAmount(wh, micros, currency)
		diff := new(big.Rat).Sub(new(big.Rat).SetInt64(got), exact)
		if diff.Cmp(half) > 0 || diff.Cmp(minusHalf) <= 0 {
			t.Fatalf("ReimbursementAmount(%d, %d, %s) = %d, exact %s", wh, micros, currency, got, exact.FloatString(6))
		}
	}
}
