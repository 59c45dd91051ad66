package report

import (
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
)

// Totals are a report's totals over all its rows. Money is never summed
// across currencies: the figures are kept per currency, and only sessions,
// energy, duration and utilization are also given over all currencies.
type Totals struct {
	Rows int64 // rows of the report (roll-up rows when rolled up)
	// All sums the figures of every currency; its CostMinor is meaningless
	// and left zero.
	All fc.ReportFigures
	// AllByKind splits All by location kind (split reports).
	AllByKind [3]fc.ReportFigures
	// Currencies are the totals per currency, sorted by currency code.
	Currencies []CurrencyTotals
	// CapacityMS is the measured part of the period times the charge points
	// of the stations (or the charge points) of the report: with
	// All.BusyMS, its utilization.
	CapacityMS int64
	// AvailableMS and KnownMS are the availability of the report's
	// stations (or charge points) over the period: the time their charge
	// points were available, of the time their state was known.
	AvailableMS, KnownMS int64

	byCurrency map[string]int // index in Currencies
	points     map[capKey]int64
}

// CurrencyTotals are the totals of one currency.
type CurrencyTotals struct {
	Currency string
	Figures  fc.ReportFigures
	ByKind   [3]fc.ReportFigures
}

func newTotals() *Totals {
	return &Totals{byCurrency: map[string]int{}, points: map[capKey]int64{}}
}

// add counts a stored row; rows without sessions or charging time count
// only for the charge points they measure.
func (t *Totals) add(d *definition, r *fc.ReportRow) {
	if d.points != nil && r.StationID != 0 {
		k, n := d.points(r)
		t.points[k] = n
	}
	if r.Figures.Sessions == 0 && r.Figures.BusyMS == 0 {
		return
	}
	i, ok := t.byCurrency[r.Currency]
	if !ok {
		i = len(t.Currencies)
		t.byCurrency[r.Currency] = i
		t.Currencies = append(t.Currencies, CurrencyTotals{Currency: r.Currency})
	}
	c := &t.Currencies[i]
	c.Figures.Add(r.Figures)
	f := r.Figures
	f.CostMinor, f.ReimbursedMinor = 0, 0
	t.All.Add(f)
	for k := range r.ByKind {
		c.ByKind[k].Add(r.ByKind[k])
		f := r.ByKind[k]
		f.CostMinor = 0
		t.AllByKind[k].Add(f)
	}
}

// finish sorts the currencies and computes the capacity over the measured
// part of the period.
func (t *Totals) finish(measured int64) {
	slices.SortFunc(t.Currencies, func(a, b CurrencyTotals) int {
		switch {
		case a.Currency < b.Currency:
			return -1
		case a.Currency > b.Currency:
			return 1
		}
		return 0
	})
	for i, c := range t.Currencies {
		t.byCurrency[c.Currency] = i
	}
	var points int64
	for _, n := range t.points {
		points += n
	}
	t.CapacityMS = points * measured
}

// Utilization returns the share of the capacity spent charging, and false
// when the report measures none.
func (t *Totals) Utilization() (float64, bool) {
	if t.CapacityMS <= 0 {
		return 0, false
	}
	return float64(t.All.BusyMS) / float64(t.CapacityMS), true
}

// cells returns the totals as rows aligned to the columns, one per
// currency (one with zeros when there is none): "Total" in the first
// column, the figures in theirs, utilization over all currencies.
func (t *Totals) cells(cols []column) [][]Cell {
	cur := t.Currencies
	if len(cur) == 0 {
		cur = []CurrencyTotals{{}}
	}
	var out [][]Cell
	for _, c := range cur {
		r := &row{ReportRow: &fc.ReportRow{Currency: c.Currency, Figures: c.Figures, ByKind: c.ByKind},
			busy: t.All.BusyMS, capacity: t.CapacityMS, avail: span{t.AvailableMS, t.KnownMS}}
		cells := make([]Cell, len(cols))
		for i, col := range cols {
			switch {
			case col.figure:
				cells[i] = col.get(r)
			case i == 0:
				cells[i] = textCell("Total")
			}
		}
		out = append(out, cells)
	}
	return out
}
