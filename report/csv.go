package report

import (
	"encoding/csv"
	"io"
)

// csvSink streams RFC 4180 CSV: one header line of column keys, CRLF line
// ends, fields quoted when needed. Numbers are plain decimals with a point,
// times RFC 3339 in the provider's time zone; there is no totals line, so
// that every line is a row.
type csvSink struct {
	w      *csv.Writer
	p      Params
	fields []string
	types  []string
}

func newCSVSink(w io.Writer, p Params) *csvSink {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvSink{w: cw, p: p}
}

func (s *csvSink) begin(cols []column) error {
	s.fields = make([]string, len(cols))
	s.types = make([]string, len(cols))
	for i, c := range cols {
		s.fields[i], s.types[i] = c.Key, c.Type
	}
	return s.w.Write(s.fields)
}

func (s *csvSink) row(cells []Cell) error {
	for i, c := range cells {
		v := c.Format(s.p.Location)
		if s.types[i] == TypeText {
			v = defuse(v)
		}
		s.fields[i] = v
	}
	return s.w.Write(s.fields)
}

func (s *csvSink) end(*Totals, bool, string) error {
	s.w.Flush()
	return s.w.Error()
}

// defuse keeps a spreadsheet from reading a text field as a formula (CSV
// injection): a leading =, +, -, @, tab or carriage return gets a
// quote in front.
func defuse(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}
