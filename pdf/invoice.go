package pdf

import (
	"bytes"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	fc "github.com/fleetcharge/fleetcharge"
)

// Column widths of an invoice's lines, in mm: description, quantity, unit,
// unit price, net, VAT rate.
var invoiceWidths = []float64{78, 22, 12, 26, 26, 16}

// Invoice renders an invoice, a self-billing invoice or a credit note as a
// customer recognises it: the title (with "Self-billing invoice" or "Credit
// note for invoice N"), seller and buyer with their addresses and VAT ids,
// number, dates and period, each line with its quantity, unit price, net
// and VAT rate, the VAT per category and rate, the totals, the notes (the
// reverse-charge note among them) and how to pay. A draft is marked DRAFT
// on every page and has no number. The same invoice renders to the same
// bytes: the document's date is its issue (or creation) time.
func Invoice(inv *fc.Invoice) ([]byte, error) {
	digits := fc.MinorDigits(inv.Currency)
	money := func(v int64) string { return decimal(v, digits) }
	f := fpdf.New("P", "mm", "A4", "")
	tr := f.UnicodeTranslatorFromDescriptor("")
	f.SetCompression(true)
	f.SetCatalogSort(true)
	date := inv.CreatedAt
	if inv.IssuedAt != nil {
		date = *inv.IssuedAt
	}
	f.SetCreationDate(date)
	f.SetModificationDate(date)
	f.SetProducer("fleetcharge", true)
	title := invoiceTitle(inv)
	draft := inv.Status == fc.InvoiceDraft || inv.Number == ""
	ref := inv.Number
	if draft {
		ref = "draft " + inv.ID.String()
	}
	f.SetTitle(tr(title+" "+ref), true)
	f.SetAuthor(tr(inv.Seller.Name), true)
	f.SetMargins(15, 15, 15)
	f.SetAutoPageBreak(true, 20)
	f.SetHeaderFunc(func() {
		if !draft {
			return
		}
		f.SetFont("Helvetica", "B", 28)
		f.SetTextColor(200, 0, 0)
		f.SetXY(130, 8)
		f.CellFormat(65, 12, "DRAFT", "1", 0, "C", false, 0, "")
		f.SetTextColor(0, 0, 0)
		f.SetXY(15, 15)
	})
	f.SetFooterFunc(func() {
		f.SetY(-15)
		f.SetFont("Helvetica", "", 8)
		f.CellFormat(0, 5, tr(fmt.Sprintf("%s %s, page %d of {nb}", title, ref, f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AliasNbPages("")
	f.AddPage()

	f.SetFont("Helvetica", "B", 16)
	f.CellFormat(0, 9, tr(title), "", 1, "L", false, 0, "")
	if draft {
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(0, 6, "DRAFT: not issued, no number yet; not valid as an invoice.", "", 1, "L", false, 0, "")
	}
	f.Ln(3)

	// Seller on the left, buyer on the right.
	top := f.GetY()
	partyBlock(f, tr, "Seller", inv.Seller, 15, top)
	leftEnd := f.GetY()
	partyBlock(f, tr, "Buyer", inv.Buyer, 110, top)
	f.SetXY(15, max(leftEnd, f.GetY())+4)

	number := inv.Number
	if number == "" {
		number = "(assigned when issued)"
	}
	facts := [][2]string{{"Invoice number", number}}
	if inv.Kind == fc.InvoiceKindCreditNote {
		facts[0][0] = "Credit note number"
		facts = append(facts, [2]string{"Corrects invoice", inv.CorrectsNumber})
	}
	if inv.IssueDate != "" {
		facts = append(facts, [2]string{"Issue date", inv.IssueDate})
	}
	facts = append(facts, [2]string{"Period", periodName(inv.Period)})
	if inv.DueDate != "" && inv.Kind != fc.InvoiceKindCreditNote {
		facts = append(facts, [2]string{"Due date", inv.DueDate})
	}
	facts = append(facts, [2]string{"Customer account", inv.AccountID.String()}, [2]string{"Status", inv.Status})
	for _, kv := range facts {
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(40, 6, kv[0], "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		f.CellFormat(0, 6, tr(kv[1]), "", 1, "L", false, 0, "")
	}
	f.Ln(4)

	header := func() {
		f.SetFont("Helvetica", "B", 9)
		invoiceRow(f, []string{"Description", "Quantity", "Unit", "Unit price", "Net " + inv.Currency, "VAT"}, "B")
		f.SetFont("Helvetica", "", 9)
	}
	header()
	_, pageHeight := f.GetPageSize()
	_, _, _, bottom := f.GetMargins()
	for _, l := range inv.Lines {
		// The description wraps; the figures stand on its first line. A
		// line that would not fit starts a new page with the header again.
		desc := f.SplitText(tr(l.Description), invoiceWidths[0]-2)
		if len(desc) == 0 {
			desc = []string{""}
		}
		h := 5 * float64(len(desc))
		if f.GetY()+h > pageHeight-bottom {
			f.AddPage()
			header()
		}
		x, y := f.GetXY()
		f.MultiCell(invoiceWidths[0], 5, strings.Join(desc, "\n"), "", "L", false)
		f.SetXY(x+invoiceWidths[0], y)
		cells := []string{decimal(l.QuantityMilli, 3), unitName(l.Unit), rateText(l.UnitPriceMicros), money(l.Net), vatRate(l.VATCategory, l.VATRateBP)}
		for i, c := range cells {
			align := "R"
			if i == 1 {
				align = "L"
			}
			f.CellFormat(invoiceWidths[i+1], 5, c, "", 0, align, false, 0, "")
		}
		f.SetXY(x, y+h+1)
	}
	f.Ln(4)

	// The VAT breakdown, then the totals, right-aligned, on one page.
	if need := 6*float64(len(inv.Breakdown)+1) + 2 + 18; f.GetY()+need > pageHeight-bottom {
		f.AddPage()
	}
	f.SetFont("Helvetica", "B", 9)
	sub := []float64{60, 30, 30, 30}
	f.SetX(15 + 180 - 150)
	for i, h := range []string{"VAT", "Taxable " + inv.Currency, "VAT " + inv.Currency, ""} {
		f.CellFormat(sub[i], 6, h, "B", 0, alignFor(i), false, 0, "")
	}
	f.Ln(-1)
	f.SetFont("Helvetica", "", 9)
	for _, st := range inv.Breakdown {
		label := vatLabel(st)
		f.SetX(15 + 180 - 150)
		for i, c := range []string{label, money(st.Taxable), money(st.VAT), ""} {
			f.CellFormat(sub[i], 6, tr(c), "", 0, alignFor(i), false, 0, "")
		}
		f.Ln(-1)
	}
	f.Ln(2)
	for i, kv := range [][2]string{{"Total net", money(inv.Net)}, {"Total VAT", money(inv.VAT)}, {"Total " + inv.Currency, money(inv.Total)}} {
		if i == 2 {
			f.SetFont("Helvetica", "B", 11)
		} else {
			f.SetFont("Helvetica", "", 10)
		}
		f.SetX(15 + 180 - 90)
		f.CellFormat(60, 6, kv[0], "", 0, "L", false, 0, "")
		f.CellFormat(30, 6, kv[1], "", 1, "R", false, 0, "")
	}
	f.Ln(4)

	f.SetFont("Helvetica", "", 10)
	if inv.SelfBilled() && !strings.Contains(inv.Note, fc.SelfBillingNote) {
		f.MultiCell(0, 5, tr(fc.SelfBillingNote), "", "L", false)
	}
	if n := strings.TrimSpace(inv.Note); n != "" {
		f.MultiCell(0, 5, tr(n), "", "L", false)
	}
	f.Ln(2)
	switch {
	case inv.Kind == fc.InvoiceKindCreditNote:
		f.MultiCell(0, 5, tr(fmt.Sprintf("This credit note reverses invoice %s; the amount of %s %s is refunded or set off against it.",
			inv.CorrectsNumber, money(inv.Total), inv.Currency)), "", "L", false)
	case inv.Seller.IBAN != "":
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(0, 6, "Payment", "", 1, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		pay := fmt.Sprintf("Please transfer %s %s to IBAN %s (%s)", money(inv.Total), inv.Currency, inv.Seller.IBAN, inv.Seller.Name)
		if inv.DueDate != "" {
			pay += " by " + inv.DueDate
		}
		if !draft {
			pay += ", quoting " + number
		}
		pay += "."
		if inv.Kind == fc.InvoiceKindSelfBilling {
			pay = fmt.Sprintf("%s pays %s %s to IBAN %s (%s)", inv.Buyer.Name, money(inv.Total), inv.Currency, inv.Seller.IBAN, inv.Seller.Name)
			if inv.DueDate != "" {
				pay += " by " + inv.DueDate
			}
			pay += "."
		}
		f.MultiCell(0, 5, tr(pay), "", "L", false)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("invoice %s as PDF: %w", ref, err)
	}
	return buf.Bytes(), nil
}

func invoiceTitle(inv *fc.Invoice) string {
	switch inv.Kind {
	case fc.InvoiceKindSelfBilling:
		return "Self-billing invoice"
	case fc.InvoiceKindCreditNote:
		if inv.CorrectsNumber != "" {
			return "Credit note for invoice " + inv.CorrectsNumber
		}
		return "Credit note"
	}
	return "Invoice"
}

// partyBlock writes a party's name, address, VAT id and e-mail at x, y in a
// column 85 mm wide.
func partyBlock(f *fpdf.Fpdf, tr func(string) string, label string, p fc.BillingParty, x, y float64) {
	f.SetXY(x, y)
	f.SetFont("Helvetica", "B", 9)
	f.CellFormat(85, 5, label, "", 2, "L", false, 0, "")
	f.SetFont("Helvetica", "B", 10)
	f.CellFormat(85, 5, tr(p.Name), "", 2, "L", false, 0, "")
	f.SetFont("Helvetica", "", 10)
	city := strings.TrimSpace(p.PostalCode + " " + p.City)
	for _, s := range []string{p.Address, city, p.Country} {
		if s = strings.TrimSpace(s); s != "" {
			f.CellFormat(85, 5, tr(s), "", 2, "L", false, 0, "")
		}
	}
	if p.VATID != "" {
		f.CellFormat(85, 5, tr("VAT id "+p.VATID), "", 2, "L", false, 0, "")
	}
	if p.Email != "" {
		f.CellFormat(85, 5, tr(p.Email), "", 2, "L", false, 0, "")
	}
}

func invoiceRow(f *fpdf.Fpdf, cells []string, border string) {
	for i, c := range cells {
		align := "R"
		if i == 0 || i == 2 {
			align = "L"
		}
		f.CellFormat(invoiceWidths[i], 6, c, border, 0, align, false, 0, "")
	}
	f.Ln(-1)
}

func alignFor(i int) string {
	if i == 0 {
		return "L"
	}
	return "R"
}

func unitName(unit string) string {
	switch unit {
	case fc.UnitKWh:
		return "kWh"
	case fc.UnitPiece, "":
		return "pc"
	}
	return unit
}

// vatRate names a line's VAT: its rate, or its category when that has none.
func vatRate(category string, rateBP int) string {
	switch category {
	case fc.VATStandard:
		return percentText(rateBP) + " %"
	case fc.VATReverseCharge:
		return "RC"
	case fc.VATZeroRated:
		return "0 %"
	case fc.VATExempt:
		return "exempt"
	case fc.VATOutsideScope:
		return "n/a"
	}
	return category
}

func vatLabel(st fc.VATSubtotal) string {
	switch st.Category {
	case fc.VATStandard:
		return "VAT " + percentText(st.RateBP) + " %"
	case fc.VATReverseCharge:
		return "Reverse charge (0 %)"
	case fc.VATZeroRated:
		return "Zero rated (0 %)"
	case fc.VATExempt:
		return "Exempt"
	case fc.VATOutsideScope:
		return "Not subject to VAT"
	}
	return st.Category
}

// percentText renders hundredths of a percent without trailing zeros.
func percentText(bp int) string {
	s := decimal(int64(bp), 2)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// InvoiceFileName names an invoice's PDF file by its kind and number, or
// by its ID while it is a draft; nothing personal.
func InvoiceFileName(inv *fc.Invoice) string {
	kind := "invoice"
	switch inv.Kind {
	case fc.InvoiceKindCreditNote:
		kind = "credit-note"
	case fc.InvoiceKindSelfBilling:
		kind = "self-billing-invoice"
	}
	name := inv.Number
	if name == "" {
		name = "draft-" + inv.ID.String()
	}
	return kind + "-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, name) + ".pdf"
}
