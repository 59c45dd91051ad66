// Package pdf renders fleetcharge's documents as PDF: the reimbursement
// statement an employee files (docs/REIMBURSEMENT.md). It reads domain
// values only and does no I/O of its own.
//
// Documents are made with codeberg.org/go-pdf/fpdf in its core Helvetica
// font, whose text is Windows-1252: a character outside it (rare in
// European names) prints as a dot. The same statement renders to the same
// bytes: the document's date is the statement's approval (or creation)
// time, not the time it is rendered.
package pdf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	fc "github.com/fleetcharge/fleetcharge"
)

// OutsideVAT is the statement's note on VAT.
const OutsideVAT = "Reimbursement of energy charged at home: outside the scope of VAT."

// Column widths of the lines' table, in mm (the page's text is 180 mm wide).
var widths = []float64{22, 48, 40, 22, 24, 24}

// Statement renders a statement with its lines: the provider's and the
// account's names, the employee, the period, each session with its date
// (in the statement's time zone), station, kWh, rate and amount, correction
// lines naming their original month, the total and the note on VAT.
func Statement(x *fc.ReimbursementStatement) ([]byte, error) {
	loc, err := time.LoadLocation(x.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	digits := fc.MinorDigits(x.Currency)
	f := fpdf.New("P", "mm", "A4", "")
	tr := f.UnicodeTranslatorFromDescriptor("")
	f.SetCompression(true)
	f.SetCatalogSort(true)
	date := x.CreatedAt
	if x.ApprovedAt != nil {
		date = *x.ApprovedAt
	}
	f.SetCreationDate(date)
	f.SetModificationDate(date)
	f.SetProducer("fleetcharge", true)
	f.SetTitle(fmt.Sprintf("Reimbursement statement %s, %s", x.Period, x.EmployeeName), true)
	f.SetAuthor(x.ProviderName, true)
	f.SetMargins(15, 15, 15)
	f.SetAutoPageBreak(true, 20)
	f.SetFooterFunc(func() {
		f.SetY(-15)
		f.SetFont("Helvetica", "", 8)
		f.CellFormat(0, 5, tr(fmt.Sprintf("Statement %s, page %d of {nb}", x.ID, f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AliasNbPages("")
	f.AddPage()

	f.SetFont("Helvetica", "B", 14)
	f.CellFormat(0, 8, tr(x.ProviderName), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "B", 12)
	f.CellFormat(0, 8, "Home-charging reimbursement statement", "", 1, "L", false, 0, "")
	f.Ln(2)
	f.SetFont("Helvetica", "", 10)
	employee := x.EmployeeName
	if x.EmployeeNumber != "" {
		employee += " (employee number " + x.EmployeeNumber + ")"
	}
	for _, kv := range [][2]string{
		{"Account", x.AccountName},
		{"Employee", employee},
		{"Period", periodName(x.Period)},
		{"Statement", x.ID.String()},
		{"Status", status(x, loc)},
	} {
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(30, 6, kv[0], "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		f.CellFormat(0, 6, tr(kv[1]), "", 1, "L", false, 0, "")
	}
	f.Ln(4)

	rate := "Rate " + x.Currency + "/kWh"
	header := []string{"Date", "Station", "Note", "kWh", rate, "Amount " + x.Currency}
	f.SetFont("Helvetica", "B", 9)
	row(f, header, "B")
	f.SetFont("Helvetica", "", 9)
	for i := range x.Lines {
		l := &x.Lines[i]
		note := ""
		if l.Correction(x) {
			note = "correction of " + l.OriginalPeriod
		}
		row(f, []string{l.StartedAt.In(loc).Format(fc.DateLayout), tr(fit(f, l.StationName, widths[1])), note,
			decimal(l.EnergyWh, 3), rateText(l.PerKWhMicros), decimal(l.AmountMinor, digits)}, "")
	}
	f.SetFont("Helvetica", "B", 9)
	sessions := fmt.Sprintf("%d sessions", x.Sessions)
	if x.Sessions == 1 {
		sessions = "1 session"
	}
	row(f, []string{"Total", sessions, "", decimal(x.EnergyWh, 3), "", decimal(x.AmountMinor, digits)}, "T")
	f.Ln(6)
	f.SetFont("Helvetica", "B", 11)
	f.CellFormat(0, 7, fmt.Sprintf("Total to be reimbursed: %s %s", decimal(x.AmountMinor, digits), x.Currency), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "", 10)
	f.CellFormat(0, 6, OutsideVAT, "", 1, "L", false, 0, "")
	if x.Corrections > 0 {
		f.MultiCell(0, 5, "A correction is a session of an earlier month that reached the back office after that month's statement "+
			"was approved; it is reimbursed here, at the rate valid on its date.", "", "L", false)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("statement %s as PDF: %w", x.ID, err)
	}
	return buf.Bytes(), nil
}

// row writes one line of the table; figures are right-aligned.
func row(f *fpdf.Fpdf, cells []string, border string) {
	for i, c := range cells {
		align := "L"
		if i >= 3 {
			align = "R"
		}
		f.CellFormat(widths[i], 6, c, border, 0, align, false, 0, "")
	}
	f.Ln(-1)
}

// fit shortens s with an ellipsis of dots until it fits width mm.
func fit(f *fpdf.Fpdf, s string, width float64) string {
	if f.GetStringWidth(s) <= width-2 {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && f.GetStringWidth(string(r)+"...") > width-2 {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}

func status(x *fc.ReimbursementStatement, loc *time.Location) string {
	switch {
	case x.Status == fc.StatementPaid && x.PaidAt != nil:
		return "paid on " + x.PaidAt.In(loc).Format(fc.DateLayout)
	case x.Status != fc.StatementDraft && x.ApprovedAt != nil:
		return "approved on " + x.ApprovedAt.In(loc).Format(fc.DateLayout)
	}
	return "draft (not approved yet)"
}

// periodName names a month: "March 2026".
func periodName(period string) string {
	t, err := fc.ParsePeriod(period)
	if err != nil {
		return period
	}
	return t.Format("January 2006")
}

// decimal renders v / 10^digits exactly.
func decimal(v int64, digits int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := strconv.FormatInt(v, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// rateText renders a rate in millionths with at least 2 decimals and no
// trailing zeros beyond them.
func rateText(v int64) string {
	s := decimal(v, 6)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// StatementFileName names a statement's PDF file: the period and the
// statement's ID, nothing personal.
func StatementFileName(x *fc.ReimbursementStatement) string {
	return "reimbursement-" + x.Period + "-" + x.ID.String() + ".pdf"
}
