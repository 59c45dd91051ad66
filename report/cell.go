package report

import (
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Column types, as Column.Type names them.
const (
	TypeText     = "text"
	TypeID       = "id"
	TypeInteger  = "integer"
	TypeBoolean  = "boolean"
	TypeTime     = "time"     // an instant, shown in the provider's time zone
	TypeEnergy   = "kwh"      // kWh with three decimals
	TypeMinutes  = "minutes"  // minutes with one decimal
	TypeMoney    = "money"    // in the row's currency, with its minor digits
	TypeFraction = "fraction" // 0..1, four decimals
)

// Column describes one column of a report.
type Column struct {
	Key   string `json:"key"`   // snake_case, the CSV header and the JSON field
	Title string `json:"title"` // for people: the XLSX header
	Type  string `json:"type"`
}

// Cell is one value of a report, kept exact: the formats render it. The
// zero Cell is blank.
type Cell struct {
	typ      string
	text     string
	n        int64 // id, integer, boolean (0/1), Wh, seconds, minor units, numerator
	den      int64 // fraction denominator
	t        *time.Time
	currency string
}

func textCell(s string) Cell { return Cell{typ: TypeText, text: s} }
func idCell(id fc.ID) Cell   { return Cell{typ: TypeID, n: int64(id)} }
func intCell(n int64) Cell   { return Cell{typ: TypeInteger, n: n} }
func boolCell(b bool) Cell {
	if b {
		return Cell{typ: TypeBoolean, n: 1}
	}
	return Cell{typ: TypeBoolean}
}
func timeCell(t *time.Time) Cell       { return Cell{typ: TypeTime, t: t} }
func energyCell(wh int64) Cell         { return Cell{typ: TypeEnergy, n: wh} }
func minutesCell(seconds int64) Cell   { return Cell{typ: TypeMinutes, n: seconds} }
func fractionCell(num, den int64) Cell { return Cell{typ: TypeFraction, n: num, den: den} }
func moneyCell(minor int64, currency string) Cell {
	return Cell{typ: TypeMoney, n: minor, currency: currency}
}

// Null reports whether the cell holds no value: a blank, a zero ID, a
// missing time, a fraction of nothing.
func (c Cell) Null() bool {
	switch c.typ {
	case "":
		return true
	case TypeID:
		return c.n == 0
	case TypeTime:
		return c.t == nil
	case TypeFraction:
		return c.den <= 0
	}
	return false
}

// Format renders the cell as text, times in loc: the CSV and display form.
// Numbers are plain decimals with a point; a null cell is "".
func (c Cell) Format(loc *time.Location) string {
	if c.Null() {
		return ""
	}
	switch c.typ {
	case TypeText:
		return c.text
	case TypeID, TypeInteger:
		return strconv.FormatInt(c.n, 10)
	case TypeBoolean:
		return strconv.FormatBool(c.n != 0)
	case TypeTime:
		return c.t.In(loc).Format(timeLayout)
	case TypeEnergy:
		return decimal(c.n, 3)
	case TypeMinutes:
		return decimal(roundDiv(c.n*10, 60), 1)
	case TypeMoney:
		return decimal(c.n, fc.MinorDigits(c.currency))
	case TypeFraction:
		return decimal(roundDiv(c.n*10000, c.den), 4)
	}
	return c.text
}

// timeLayout is RFC 3339 with milliseconds when there are any.
const timeLayout = "2006-01-02T15:04:05.999Z07:00"

// decimal renders v / 10^digits exactly.
func decimal(v int64, digits int) string {
	s := strconv.FormatInt(v, 10)
	if digits == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	if neg {
		s = "-" + s
	}
	return s
}

// roundDiv returns num/den rounded half away from zero (den > 0).
func roundDiv(num, den int64) int64 {
	if num < 0 {
		return -((-num + den/2) / den)
	}
	return (num + den/2) / den
}

// Type returns the cell's column type, "" for a blank.
func (c Cell) Type() string { return c.typ }

// float returns the cell's number as a float, for spreadsheet cells.
func (c Cell) float() float64 {
	switch c.typ {
	case TypeEnergy:
		return float64(c.n) / 1000
	case TypeMinutes:
		return float64(c.n) / 60
	case TypeMoney:
		d := 1.0
		for i := 0; i < fc.MinorDigits(c.currency); i++ {
			d *= 10
		}
		return float64(c.n) / d
	case TypeFraction:
		return float64(c.n) / float64(c.den)
	}
	return float64(c.n)
}
