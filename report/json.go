package report

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// jsonSink streams {"report": ..., "period": ..., "columns": [...], "rows":
// [...], "totals": {...}}, then "truncated": true when a limit left rows
// out and, on a session listing, "next_cursor" (null on the last page). Text is a string, an ID a string (null for
// none), a time an RFC 3339 string in the provider's time zone, energy,
// minutes, integers and utilization numbers, money a decimal string in the
// row's currency.
type jsonSink struct {
	w    *bufio.Writer
	p    Params
	cols []column
	buf  []byte
	rows int
}

func newJSONSink(w io.Writer, p Params) *jsonSink {
	return &jsonSink{w: bufio.NewWriterSize(w, 64<<10), p: p}
}

func (s *jsonSink) begin(cols []column) error {
	s.cols = cols
	b := s.buf[:0]
	b = append(b, `{"report":`...)
	b = appendString(b, s.p.Report)
	b = append(b, `,"side":`...)
	b = appendString(b, s.p.side())
	b = append(b, `,"period":{"from":`...)
	b = appendString(b, s.p.From.In(s.p.Location).Format(timeLayout))
	b = append(b, `,"to":`...)
	b = appendString(b, s.p.To.In(s.p.Location).Format(timeLayout))
	b = append(b, `,"time_zone":`...)
	b = appendString(b, s.p.Location.String())
	b = append(b, `},"scope":{"organization_id":`...)
	b = appendCell(b, idCell(s.p.OrganizationID), s.p.Location)
	b = append(b, `,"account_id":`...)
	b = appendCell(b, idCell(s.p.AccountID), s.p.Location)
	b = append(b, `},"group_by":`...)
	if s.p.GroupBy == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, s.p.GroupBy)
	}
	b = append(b, `,"columns":`...)
	cj, err := json.Marshal(publicColumns(cols))
	if err != nil {
		return err
	}
	b = append(b, cj...)
	b = append(b, `,"rows":[`...)
	s.buf = b
	_, err = s.w.Write(b)
	return err
}

func (s *jsonSink) row(cells []Cell) error {
	b := s.buf[:0]
	if s.rows > 0 {
		b = append(b, ',')
	}
	s.rows++
	b = append(b, '{')
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s.cols[i].Key)
		b = append(b, ':')
		b = appendCell(b, c, s.p.Location)
	}
	b = append(b, '}')
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

func (s *jsonSink) end(t *Totals, truncated bool, next string) error {
	b := s.buf[:0]
	b = append(b, `],"totals":`...)
	b = appendTotals(b, t, s.cols)
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	if s.p.Report == fc.ReportChargeSessions && s.p.GroupBy == "" {
		b = append(b, `,"next_cursor":`...)
		if next == "" {
			b = append(b, "null"...)
		} else {
			b = appendString(b, next)
		}
	}
	b = append(b, "}\n"...)
	s.buf = b
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.w.Flush()
}

// appendTotals renders the totals: rows; sessions, energy_kwh,
// duration_minutes over all currencies; cost keyed by currency;
// utilization (station reports); the same per location kind (split
// reports); and by_currency, the figures of each currency.
func appendTotals(b []byte, t *Totals, cols []column) []byte {
	has := map[string]bool{}
	for _, c := range cols {
		has[c.Key] = true
	}
	b = append(b, `{"rows":`...)
	b = strconv.AppendInt(b, t.Rows, 10)
	figures := func(b []byte, prefix string, all fc.ReportFigures, cost func(c CurrencyTotals) int64) []byte {
		b = append(b, `,"`+prefix+`sessions":`...)
		b = strconv.AppendInt(b, all.Sessions, 10)
		b = append(b, `,"`+prefix+`energy_kwh":`...)
		b = appendCell(b, energyCell(all.EnergyWh), time.UTC)
		b = append(b, `,"`+prefix+`duration_minutes":`...)
		b = appendCell(b, minutesCell(all.DurationS), time.UTC)
		b = append(b, `,"`+prefix+`cost":{`...)
		n := 0
		for _, c := range t.Currencies {
			if c.Currency == "" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, c.Currency)
			b = append(b, ':')
			b = appendCell(b, moneyCell(cost(c), c.Currency), time.UTC)
		}
		return append(b, '}')
	}
	b = figures(b, "", t.All, func(c CurrencyTotals) int64 { return c.Figures.CostMinor })
	if has["utilization"] {
		b = append(b, `,"utilization":`...)
		b = appendCell(b, fractionCell(t.All.BusyMS, t.CapacityMS), time.UTC)
	}
	if has["availability"] {
		b = append(b, `,"availability":`...)
		b = appendCell(b, fractionCell(t.AvailableMS, t.KnownMS), time.UTC)
	}
	kinds := has["office_sessions"]
	if kinds {
		for k, kind := range fc.LocationKinds {
			b = figures(b, kind+"_", t.AllByKind[k], func(c CurrencyTotals) int64 { return c.ByKind[k].CostMinor })
		}
	}
	b = append(b, `,"by_currency":[`...)
	for i, c := range t.Currencies {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"currency":`...)
		b = appendString(b, c.Currency)
		one := func(b []byte, prefix string, f fc.ReportFigures) []byte {
			b = append(b, `,"`+prefix+`sessions":`...)
			b = strconv.AppendInt(b, f.Sessions, 10)
			b = append(b, `,"`+prefix+`energy_kwh":`...)
			b = appendCell(b, energyCell(f.EnergyWh), time.UTC)
			b = append(b, `,"`+prefix+`duration_minutes":`...)
			b = appendCell(b, minutesCell(f.DurationS), time.UTC)
			b = append(b, `,"`+prefix+`cost":`...)
			return appendCell(b, moneyCell(f.CostMinor, c.Currency), time.UTC)
		}
		b = one(b, "", c.Figures)
		if kinds {
			for k, kind := range fc.LocationKinds {
				b = one(b, kind+"_", c.ByKind[k])
			}
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendCell renders one cell as a JSON value.
func appendCell(b []byte, c Cell, loc *time.Location) []byte {
	if c.Null() {
		return append(b, "null"...)
	}
	switch c.typ {
	case TypeText, TypeID, TypeTime, TypeMoney:
		return appendString(b, c.Format(loc))
	case TypeBoolean:
		return strconv.AppendBool(b, c.n != 0)
	}
	return append(b, c.Format(loc)...)
}

// appendString renders s as a JSON string; plain ASCII takes the short way.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
