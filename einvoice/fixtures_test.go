package einvoice_test

import (
	fc "github.com/fleetcharge/fleetcharge"
)

// The parties of the test invoices: a Dutch provider, a Dutch fleet, a
// Belgian fleet (reverse charge), a private driver without VAT id, a German
// station owner paid by self-billing, and a German provider with a German
// customer (the German national rules of Peppol apply then).
var (
	provider = fc.BillingParty{Name: "Laadnet Noord B.V.", VATID: "NL123456789B01", Address: "Stationsplein 1",
		PostalCode: "9711 AA", City: "Groningen", Country: "NL", Email: "billing@laadnet.example", IBAN: "NL91 ABNA 0417 1643 00"}
	dutchFleet = fc.BillingParty{Name: "Van Dijk Transport B.V.", VATID: "NL987654321B01", Address: "Havenweg 12",
		PostalCode: "3011 AA", City: "Rotterdam", Country: "NL", Email: "ap@vandijk.example"}
	belgianFleet = fc.BillingParty{Name: "Peeters Logistiek NV", VATID: "BE0123456749", Address: "Kaai 5",
		PostalCode: "2000", City: "Antwerpen", Country: "BE"}
	privateDriver = fc.BillingParty{Name: "Jan de Vries", Address: "Dorpsstraat 3", PostalCode: "1234 AB",
		City: "Zwolle", Country: "NL", Email: "jan@example.org"}
	germanOwner = fc.BillingParty{Name: "Müller & Söhne GmbH", VATID: "DE123456789", Address: "Hauptstraße 7",
		PostalCode: "26122", City: "Oldenburg", Country: "DE", IBAN: "DE89 3704 0044 0532 0130 00"}
	germanProvider = fc.BillingParty{Name: "Ladenetz Nord GmbH", VATID: "DE811907980", Address: "Am Markt 2",
		PostalCode: "28195", City: "Bremen", Country: "DE", IBAN: "DE02 1001 0010 0006 8201 01", Email: "rechnung@ladenetz.example"}
	germanFleet = fc.BillingParty{Name: "Nordflotte GmbH & Co. KG", VATID: "DE136695976", Address: "Ring 4",
		PostalCode: "20095", City: "Hamburg", Country: "DE"}
)

// session is a line of one charging session: kWh in Wh, the price per kWh
// in millionths, and an optional fee in minor units on top (a start fee,
// an idle fee), so that the net is not always kWh times the price.
func session(id int64, wh, perKWhMicros, feeMinor int64, digits int, category string, rateBP int) fc.InvoiceLine {
	// Wh * micros / 1000 is in millionths; to the minor unit, half up.
	unit := int64(1000000)
	for i := 0; i < digits; i++ {
		unit /= 10
	}
	millionths := wh * perKWhMicros / 1000
	net := (millionths+unit/2)/unit + feeMinor
	return fc.InvoiceLine{Description: "Charging session " + fc.ID(id).String(), QuantityMilli: wh, Unit: fc.UnitKWh,
		UnitPriceMicros: perKWhMicros, Net: net, VATRateBP: rateBP, VATCategory: category, SessionID: fc.ID(id)}
}

func issued(number, kind string, seller, buyer fc.BillingParty, currency string, lines ...fc.InvoiceLine) *fc.Invoice {
	inv := &fc.Invoice{ID: 7, Number: number, Kind: kind, AccountID: 42, Period: "2026-06", Status: fc.InvoiceIssued,
		Currency: currency, Seller: seller, Buyer: buyer, IssueDate: "2026-07-01", DueDate: "2026-07-31", Lines: lines}
	fc.SumInvoice(inv)
	return inv
}

// invoices returns one issued invoice of every kind and VAT case.
func invoices() map[string]*fc.Invoice {
	s, ae := fc.VATStandard, fc.VATReverseCharge
	domestic := issued("LN-2026-0001", fc.InvoiceKindInvoice, provider, dutchFleet, "EUR",
		session(101, 23456, 390000, 0, 2, s, 2100), session(102, 7001, 275500, 50, 2, s, 2100), session(103, 0, 0, 250, 2, s, 2100))
	reverse := issued("LN-2026-0002", fc.InvoiceKindInvoice, provider, belgianFleet, "EUR",
		session(201, 41234, 390000, 0, 2, ae, 0), session(202, 12000, 450000, 120, 2, ae, 0))
	reverse.Note = fc.ReverseChargeNote
	private := issued("LN-2026-0003", fc.InvoiceKindInvoice, provider, privateDriver, "EUR",
		session(301, 15500, 420000, 0, 2, s, 2100))
	self := issued("LN-2026-0004", fc.InvoiceKindSelfBilling, germanOwner, provider, "EUR",
		session(401, 30000, 300000, 0, 2, ae, 0), session(402, 8000, 300000, 0, 2, ae, 0))
	self.Note = fc.SelfBillingNote + " " + fc.ReverseChargeNote // as the run writes it
	// A private station owner: no VAT id, no IBAN on file (paid as the
	// self-billing agreement says).
	selfDomestic := issued("LN-2026-0005", fc.InvoiceKindSelfBilling, fc.BillingParty{Name: "Anna Bakker", Address: "Laan 9",
		PostalCode: "9712 BB", City: "Groningen", Country: "NL"}, provider, "EUR",
		session(501, 20000, 280000, 0, 2, fc.VATOutsideScope, 0))
	credit := issued("LN-2026-0006", fc.InvoiceKindCreditNote, provider, dutchFleet, "EUR", domestic.Lines...)
	credit.CorrectsID, credit.CorrectsNumber, credit.CorrectsKind, credit.CorrectsDate = domestic.ID, domestic.Number, domestic.Kind, domestic.IssueDate
	multi := issued("LN-2026-0007", fc.InvoiceKindInvoice, provider, dutchFleet, "EUR",
		session(701, 10000, 390000, 0, 2, s, 2100), session(702, 5000, 390000, 0, 2, s, 900), session(703, 3333, 333333, 17, 2, s, 2100),
		session(704, 1000, 100000, 0, 2, fc.VATZeroRated, 0),
		// A goodwill credit on the invoice: a negative line without energy.
		fc.InvoiceLine{Description: "Goodwill for a failed session", Unit: fc.UnitPiece, Net: -50, VATRateBP: 2100, VATCategory: s})
	// Yen have no minor unit: amounts without decimals.
	yen := issued("LN-2026-0008", fc.InvoiceKindInvoice, provider, dutchFleet, "JPY",
		session(801, 12345, 55000000, 0, 0, s, 2100), session(802, 999, 61000000, 300, 0, s, 2100))
	creditSelf := issued("LN-2026-0009", fc.InvoiceKindCreditNote, germanOwner, provider, "EUR", self.Lines...)
	creditSelf.CorrectsNumber, creditSelf.CorrectsKind, creditSelf.Note = self.Number, self.Kind, fc.ReverseChargeNote
	creditOwner := issued("LN-2026-0010", fc.InvoiceKindCreditNote, selfDomestic.Seller, provider, "EUR", selfDomestic.Lines...)
	creditOwner.CorrectsNumber, creditOwner.CorrectsKind, creditOwner.CorrectsDate = selfDomestic.Number, selfDomestic.Kind, selfDomestic.IssueDate
	// A Belgian private driver at the Dutch provider's rate.
	abroad := issued("LN-2026-0011", fc.InvoiceKindInvoice, provider, fc.BillingParty{Name: "Marie Dubois", Address: "Rue Haute 1",
		PostalCode: "1000", City: "Bruxelles", Country: "BE"}, "EUR", session(1101, 9000, 450000, 35, 2, s, 2100))
	return map[string]*fc.Invoice{
		"credit-note-private-owner": creditOwner, "private-abroad": abroad,
		"domestic": domestic, "reverse-charge": reverse, "private": private, "self-billing": self,
		"self-billing-private-owner": selfDomestic, "credit-note": credit, "multi-rate": multi, "jpy": yen,
		"credit-note-self-billing": creditSelf,
	}
}
