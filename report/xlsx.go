package report

import (
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/fleetcharge/fleetcharge/i18n"

	fc "github.com/fleetcharge/fleetcharge"
)

// maxXLSXRows is the most rows a worksheet holds.
const maxXLSXRows = 1048576

// xlsxSink writes one worksheet through excelize's StreamWriter, which
// keeps rows in a temporary file rather than in memory: a bold, frozen
// header of column titles; typed cells (numbers with the format of their
// unit, times as local date-times, text as text); bold totals rows, one
// per currency. The workbook reaches w only at the end, so a failure on the
// way writes nothing.
type xlsxSink struct {
	w      io.Writer
	p      Params
	f      *excelize.File
	sw     *excelize.StreamWriter
	cols   []column
	values []any
	rows   int
	styles map[string]int // by type, plus "header", "total", "total:"+type; money by digits
}

func newXLSXSink(w io.Writer, p Params) *xlsxSink {
	return &xlsxSink{w: w, p: p}
}

// numFmts are the number formats of the numeric types.
var numFmts = map[string]string{
	TypeTime:     "yyyy-mm-dd hh:mm:ss",
	TypeEnergy:   "#,##0.000",
	TypeMinutes:  "#,##0.0",
	TypeFraction: "0.00%",
	TypeInteger:  "0",
	"money0":     "#,##0",
	"money2":     "#,##0.00",
	"money3":     "#,##0.000",
}

func (s *xlsxSink) begin(cols []column) (err error) {
	s.cols = cols
	s.values = make([]any, len(cols))
	s.f = excelize.NewFile()
	sheet := s.f.GetSheetName(0)
	if len(s.p.Report) <= 31 {
		if err := s.f.SetSheetName(sheet, s.p.Report); err != nil {
			return err
		}
		sheet = s.p.Report
	}
	s.styles = map[string]int{}
	for _, bold := range []bool{false, true} {
		prefix := ""
		if bold {
			prefix = "total:"
		}
		for key, fmtCode := range numFmts {
			code := fmtCode
			if s.styles[prefix+key], err = s.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: bold}, CustomNumFmt: &code}); err != nil {
				return err
			}
		}
	}
	if s.styles["header"], err = s.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}}); err != nil {
		return err
	}
	if s.styles["total"], err = s.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	if s.sw, err = s.f.NewStreamWriter(sheet); err != nil {
		return err
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, c := range cols {
		if err := s.sw.SetColWidth(i+1, i+1, colWidth(c)); err != nil {
			return err
		}
	}
	for i, c := range cols {
		s.values[i] = excelize.Cell{StyleID: s.styles["header"], Value: i18n.Translate(s.p.Lang, c.Title)}
	}
	return s.next()
}

func colWidth(c column) float64 {
	switch c.Type {
	case TypeTime:
		return 20
	case TypeText:
		if c.Key == "organization_path" {
			return 40
		}
		return 24
	}
	return max(12, float64(len(c.Title))+2)
}

// next writes s.values as the next row.
func (s *xlsxSink) next() error {
	if s.rows >= maxXLSXRows {
		return fc.Errorf(fc.ETooLarge, "the report has more rows than a worksheet holds (%d): export it as CSV", maxXLSXRows-1)
	}
	s.rows++
	cell, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, s.values)
}

// value returns a cell's spreadsheet value with its style.
func (s *xlsxSink) value(c Cell, total bool) any {
	if c.Null() || c.typ == TypeText && c.text == "" {
		return nil
	}
	prefix := ""
	if total {
		prefix = "total:"
	}
	switch c.typ {
	case TypeText, TypeID:
		if total {
			return excelize.Cell{StyleID: s.styles["total"], Value: c.Format(s.p.Location)}
		}
		return c.Format(s.p.Location)
	case TypeBoolean:
		return c.n != 0
	case TypeInteger:
		return excelize.Cell{StyleID: s.styles[prefix+TypeInteger], Value: c.n}
	case TypeTime:
		return excelize.Cell{StyleID: s.styles[prefix+TypeTime], Value: c.t.In(s.p.Location)}
	case TypeMoney:
		key := "money2"
		switch fc.MinorDigits(c.currency) {
		case 0:
			key = "money0"
		case 3:
			key = "money3"
		}
		return excelize.Cell{StyleID: s.styles[prefix+key], Value: c.float()}
	}
	return excelize.Cell{StyleID: s.styles[prefix+c.typ], Value: c.float()}
}

func (s *xlsxSink) row(cells []Cell) error {
	for i, c := range cells {
		s.values[i] = s.value(c, false)
	}
	return s.next()
}

func (s *xlsxSink) end(t *Totals, _ bool, _ string) error {
	for _, cells := range t.cells(s.cols) {
		for i, c := range cells {
			s.values[i] = s.value(c, true)
		}
		if err := s.next(); err != nil {
			return err
		}
	}
	if err := s.sw.Flush(); err != nil {
		return err
	}
	return s.f.Write(s.w)
}

// close removes the workbook's temporary files.
func (s *xlsxSink) close() {
	if s.f != nil {
		_ = s.f.Close()
	}
}
