package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func init() {
	// The leak walk reads the invoices of its world (leaktest): listed
	// and read as every persona; issued, credited and paid only where the
	// persona may not read them (404). TestInvoiceDocumentLeaks downloads
	// every document in every format as every persona.
	coverage["GET /api/v1/invoices"] = exList
	coverage["GET /api/v1/invoices/{id}"] = exGet
	coverage["POST /api/v1/invoices/run"] = exPlain
	coverage["POST /api/v1/invoices/{id}/issue"] = exDelete
	coverage["POST /api/v1/invoices/{id}/credit"] = exDelete
	coverage["POST /api/v1/invoices/{id}/pay"] = exDelete
	kinds["invoices"] = leaktest.KindInvoice
}

// invoice stores a priced session of North's card at South's station in
// May 2019, runs that month and returns North's draft invoice.
func (w *world) invoice(t *testing.T) fc.ID {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2019, 5, 6, 9, 0, 0, 0, time.UTC)
	stop := start.Add(time.Hour)
	_, err := w.st.ImportSession(ctx, &fc.Session{ProviderID: w.provider, ExternalRef: "invoice-2019-05", CardID: w.north1.card,
		StationID: w.south1.station, ConnectorID: 1, StartedAt: start, StoppedAt: &stop, EnergyWh: 7000, CostMinor: 350, Currency: "EUR"})
	check(t, err)
	xs, err := w.st.RunInvoices(ctx, fc.ProviderScope(w.provider), "2019-05", false)
	check(t, err)
	for _, x := range xs {
		if x.Kind == fc.InvoiceKindInvoice && x.AccountID == w.northAcc {
			return x.ID
		}
	}
	t.Fatalf("no invoice of North in May 2019: %+v", xs)
	return 0
}

// TestInvoiceDocumentLeaks downloads every invoice of the leak world as
// JSON, PDF and UBL as every persona: 404 where the persona may not read
// it. An invoice shows its number, its parties (the accounts' names, IDs
// and billing e-mails) and the stations of its sessions to its readers,
// and no other planted value to anyone.
func TestInvoiceDocumentLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		srv := api.New(api.Config{Store: st, Auth: w.Auth, Commander: offline{}, Logger: slog.New(slog.DiscardHandler)})
		shown := func(what string) bool {
			for _, s := range []string{"N account's ", "S account's ", "N station's identity", "S station's identity"} {
				if strings.HasPrefix(what, s) {
					return true
				}
			}
			return strings.HasSuffix(what, "invoice's number")
		}
		docs := *w
		docs.Markers = nil
		for _, m := range w.Markers {
			if !shown(m.What) {
				m.Readers = nil // on no invoice document, for nobody
			}
			docs.Markers = append(docs.Markers, m)
		}
		lw := &leakWalk{Findings: leaktest.NewFindings(&docs), t: t, w: w, srv: srv, tokens: map[string]string{}}
		for _, p := range leaktest.Personas {
			lw.tokens[p] = w.APIToken(t, p)
		}
		invoices := w.Of(leaktest.KindInvoice)
		if len(invoices) != 4 {
			t.Fatalf("%d invoices in the leak world", len(invoices))
		}
		for _, p := range leaktest.Personas {
			seen := 0
			for _, o := range invoices {
				for _, format := range []string{"json", "pdf", "ubl"} {
					want := http.StatusNotFound
					if o.Reads(p) {
						want = http.StatusOK
						if format == "ubl" && strings.HasSuffix(o.Name, "draft") {
							want = http.StatusConflict // a draft has no UBL document
						}
					}
					lw.call("GET /api/v1/invoices/{id}", p, http.MethodGet, "/api/v1/invoices/"+o.ID.String()+"?format="+format, nil, want)
				}
				if o.Reads(p) {
					seen++
				}
			}
			// The list shows exactly what the persona reads.
			_, body := lw.call("GET /api/v1/invoices", p, http.MethodGet, "/api/v1/invoices?limit=500", nil, 0)
			if got := bytes.Count(body, []byte(`"kind":`)); got != seen {
				lw.Fail("GET /api/v1/invoices", p, "lists %d invoices, reads %d", got, seen)
			}
		}
		lw.Report(t, "invoice document")
	})
}

// TestInvoiceRoutes runs a month through the API: billing data, a dry
// run, the run, issue, the documents, a credit note and payment, as the
// provider's admin, with each manager reading only its own.
func TestInvoiceRoutes(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		// Billing data.
		w.do(admin, "PATCH", "/api/v1/provider", map[string]any{"legal_name": "Logistics CPO B.V.", "vat_id": "NL 1234.56789.B01",
			"address": "Stationsplein 1", "postal_code": "3511 AA", "city": "Utrecht", "country": "NL", "iban": "NL91 ABNA 0417 1643 00",
			"vat_rate": "21", "invoice_prefix": "LC", "roaming_margin_percent": 12.5, "self_billing_fee_percent": "10"}).want(t, http.StatusOK)
		p := w.do(admin, "GET", "/api/v1/provider", nil).want(t, http.StatusOK).object(t)
		if p["vat_id"] != "NL123456789B01" || p["iban"] != "NL91ABNA0417164300" || p["vat_rate"] != 21.0 || p["roaming_margin_percent"] != 12.5 ||
			p["payment_days"] != 30.0 {
			t.Errorf("provider billing: %v", p)
		}
		for field, body := range map[string]map[string]any{
			"iban":     {"iban": "NL91ABNA0417164301"},
			"vat_id":   {"vat_id": "BE0123456749", "country": "NL"},
			"country":  {"country": "Netherlands"},
			"vat_rate": {"vat_rate": 121},
		} {
			if r := w.do(admin, "PATCH", "/api/v1/provider", body).want(t, http.StatusBadRequest); r.fields()[field] == "" {
				t.Errorf("PATCH %v: fields %v", body, r.fields())
			}
		}
		w.do(northFleet, "PATCH", "/api/v1/provider", map[string]any{"vat_rate": 5}).want(t, http.StatusForbidden)
		for _, acc := range []struct {
			id      fc.ID
			country string
			vat     string
		}{{w.northAcc, "BE", "BE0123456749"}, {w.southAcc, "NL", "NL000099998B57"}} {
			w.do(admin, "PATCH", "/api/v1/accounts/"+acc.id.String(), map[string]any{"country": acc.country, "vat_id": acc.vat,
				"address": "Dock 4", "city": "Antwerp", "postal_code": "2000", "billing_email": "ap@example.com",
				"iban": "BE68539007547034"}).want(t, http.StatusOK)
		}
		if a := w.do(northFleet, "GET", "/api/v1/accounts/"+w.northAcc.String(), nil).want(t, http.StatusOK).object(t); a["vat_id"] != "BE0123456749" {
			t.Errorf("account billing: %v", a)
		}
		// North's card at South's station, South's at North's, in June 2026.
		for i, x := range []struct{ card, station fc.ID }{{w.north1.card, w.south1.station}, {w.south1.card, w.north1.station}} {
			start := time.Date(2026, 6, 10+i, 9, 0, 0, 0, time.UTC)
			stop := start.Add(time.Hour)
			_, err := w.st.ImportSession(ctx, &fc.Session{ProviderID: w.provider, ExternalRef: fmt.Sprintf("inv-%d", i), CardID: x.card,
				StationID: x.station, ConnectorID: 1, StartedAt: start, StoppedAt: &stop, EnergyWh: 12_500, CostMinor: 1000, Currency: "EUR"})
			check(t, err)
		}
		run := "/api/v1/invoices/run"
		w.do(northFleet, "POST", run, map[string]any{"period": "2026-06"}).want(t, http.StatusForbidden)
		w.do(admin, "POST", run, map[string]any{"period": "June"}).want(t, http.StatusBadRequest)
		var page struct{ Data []map[string]any }
		w.do(admin, "POST", run, map[string]any{"period": "2026-06", "dry_run": true}).want(t, http.StatusOK).json(t, &page)
		if len(page.Data) != 4 || page.Data[0]["id"] != nil {
			t.Fatalf("dry run: %v", page.Data)
		}
		if ids := w.do(admin, "GET", "/api/v1/invoices?period=2026-06", nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
			t.Fatalf("the dry run wrote %v", ids)
		}
		w.do(admin, "POST", run, map[string]any{"period": "2026-06"}).want(t, http.StatusOK).json(t, &page)
		byKey := map[string]string{}
		for _, x := range page.Data {
			byKey[fmt.Sprint(x["kind"], "/", x["account_id"])] = x["id"].(string)
		}
		northInv, northSelf := byKey["invoice/"+w.northAcc.String()], byKey["self_billing/"+w.northAcc.String()]
		if northInv == "" || northSelf == "" || len(byKey) != 4 {
			t.Fatalf("run: %v", byKey)
		}
		// Drafts are the provider's: nobody else lists or reads them.
		if ids := w.do(northFleet, "GET", "/api/v1/invoices", nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
			t.Errorf("North's fleet manager lists drafts: %v", ids)
		}
		w.do(northFleet, "GET", "/api/v1/invoices/"+northInv, nil).want(t, http.StatusNotFound)
		w.do(northFleet, "POST", "/api/v1/invoices/"+northInv+"/issue", nil).want(t, http.StatusNotFound)
		for _, id := range byKey {
			w.do(admin, "POST", "/api/v1/invoices/"+id+"/issue", nil).want(t, http.StatusOK)
		}
		w.do(northFleet, "POST", "/api/v1/invoices/"+northInv+"/credit", nil).want(t, http.StatusForbidden)
		inv := w.do(northAdmin, "GET", "/api/v1/invoices/"+northInv, nil).want(t, http.StatusOK).object(t)
		lines, _ := inv["lines"].([]any)
		if inv["number"] == nil || inv["net"] != 10.0 || inv["vat"] != 0.0 || inv["total"] != 10.0 || len(lines) != 1 || inv["status"] != "issued" {
			t.Fatalf("North's invoice (reverse charge): %v", inv)
		}
		if l := lines[0].(map[string]any); l["vat_category"] != "AE" || l["quantity"] != 12.5 || l["unit"] != "KWH" || l["unit_price"] != 0.8 ||
			l["vat_rate"] != 0.0 || l["session_id"] == nil || l["description"] == "" {
			t.Errorf("line: %v", l)
		}
		if !strings.Contains(fmt.Sprint(inv["note"]), "Reverse charge") {
			t.Errorf("note: %v", inv["note"])
		}
		pdfDoc := w.do(northFleet, "GET", "/api/v1/invoices/"+northInv+"?format=pdf", nil).want(t, http.StatusOK)
		if !bytes.HasPrefix(pdfDoc.body, []byte("%PDF")) || pdfDoc.header.Get("Content-Type") != "application/pdf" {
			t.Errorf("pdf: %s %.20q", pdfDoc.header.Get("Content-Type"), pdfDoc.body)
		}
		ubl := w.do(northFleet, "GET", "/api/v1/invoices/"+northInv+"?format=ubl", nil).want(t, http.StatusOK)
		if !bytes.Contains(ubl.body, []byte(inv["number"].(string))) || !bytes.Contains(ubl.body, []byte("AE")) {
			t.Errorf("ubl: %.400s", ubl.body)
		}
		w.do(northFleet, "GET", "/api/v1/invoices/"+northInv+"?format=docx", nil).want(t, http.StatusBadRequest)
		// Each reads its own: South's fleet manager nothing of North; North's
		// facility manager North's self-billing invoice only.
		w.do(southFleet, "GET", "/api/v1/invoices/"+northInv+"?format=pdf", nil).want(t, http.StatusNotFound)
		if ids := w.do(southFleet, "GET", "/api/v1/invoices?account_id="+w.northAcc.String(), nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
			t.Errorf("South's fleet manager lists North's invoices: %v", ids)
		}
		if ids := w.do(northFacility, "GET", "/api/v1/invoices", nil).want(t, http.StatusOK).ids(t); len(ids) != 1 || ids[0] != northSelf {
			t.Errorf("North's facility manager lists %v, want only %s", ids, northSelf)
		}
		w.do(northFacility, "GET", "/api/v1/invoices/"+northInv, nil).want(t, http.StatusNotFound)
		self := w.do(northFacility, "GET", "/api/v1/invoices/"+northSelf+"?format=json", nil).want(t, http.StatusOK).object(t)
		// South pays 10.00; North earns 9.00 after the 10 % fee, at 21 %
		// Dutch VAT? No: North is Belgian with a VAT id, selling to a Dutch
		// provider: reverse charge.
		if self["net"] != 9.0 || self["self_billed"] != true || self["vat"] != 0.0 {
			t.Errorf("North's self-billing invoice: %v", self)
		}
		// Credit, pay.
		note := w.do(admin, "POST", "/api/v1/invoices/"+northInv+"/credit", nil).want(t, http.StatusOK).object(t)
		if note["kind"] != "credit_note" || note["corrects_id"] != northInv || note["total"] != 10.0 || note["number"] == inv["number"] {
			t.Errorf("credit note: %v", note)
		}
		w.do(admin, "POST", "/api/v1/invoices/"+northInv+"/pay", nil).want(t, http.StatusConflict)
		if got := w.do(northFleet, "GET", "/api/v1/invoices/"+northInv, nil).want(t, http.StatusOK).object(t); got["status"] != "void" {
			t.Errorf("credited invoice: %v", got["status"])
		}
		paid := w.do(admin, "POST", "/api/v1/invoices/"+northSelf+"/pay", nil).want(t, http.StatusOK).object(t)
		if paid["status"] != "paid" || paid["paid_at"] == nil {
			t.Errorf("paid: %v", paid)
		}
		if ids := w.do(admin, "GET", "/api/v1/invoices?status=void", nil).want(t, http.StatusOK).ids(t); len(ids) != 1 || ids[0] != northInv {
			t.Errorf("void invoices: %v", ids)
		}
		w.do(admin, "GET", "/api/v1/invoices?status=lost", nil).want(t, http.StatusBadRequest)
	})
}

// TestInvoiceIssuedEvent checks that issuing writes an invoice.issued event
// whose data each recipient reads as the API shows it: North's fleet
// manager reads North's invoice, South's fleet manager does not.
func TestInvoiceIssuedEvent(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		id := w.invoice(t)
		if _, err := w.st.IssueInvoice(ctx, fc.ProviderScope(w.provider), id); err != nil {
			t.Fatal(err)
		}
		es, err := w.st.DueEvents(ctx, time.Now().Add(time.Hour), 1000)
		check(t, err)
		var issued *fc.Event
		for i := range es {
			if es[i].Type == fc.TypeInvoiceIssued && es[i].ObjectID == id {
				issued = &es[i]
			}
		}
		if issued == nil || issued.ObjectKind != fc.KindInvoice {
			t.Fatalf("no invoice.issued event of invoice %s: %+v", id, es)
		}
		subject := func(persona string) access.Subject {
			u, err := w.st.User(ctx, fc.ProviderScope(w.provider), w.users[persona])
			check(t, err)
			as, err := w.st.UserAssignments(ctx, u.ID)
			check(t, err)
			return access.NewSubject(u, as)
		}
		data, err := w.srv.EventData(ctx, subject(northFleet), *issued)
		if err != nil || !bytes.Contains(data, []byte(`"number":"`)) || !bytes.Contains(data, []byte(`"period":"2019-05"`)) {
			t.Errorf("North's fleet manager reads %s, %v", data, err)
		}
		if _, err := w.srv.EventData(ctx, subject(southFleet), *issued); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("South's fleet manager reads the event: %v", err)
		}
		if got := app.EventPermission(fc.TypeInvoiceIssued); len(got) == 0 {
			t.Error("nobody may subscribe to invoice.issued")
		}
	})
}
