package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The invoice pages join the page leak walk: the list as a list (every
// scope and account filter), the run page as a page, every invoice of the
// world (March 2025, leaktest) by ID on its page and downloads, and the
// buttons with the invoices the persona may not read.
func init() {
	pageCoverage["GET /invoices"] = wList
	pageCoverage["GET /invoices/run"] = wPage
	pageCoverage["POST /invoices/run"] = wCreate
	pageCoverage["GET /invoices/{id}"] = wGet
	pageCoverage["GET /invoices/{id}/pdf"] = wGet
	pageCoverage["GET /invoices/{id}/ubl"] = wGet
	pageCoverage["POST /invoices/{id}/issue"] = wPost
	pageCoverage["POST /invoices/{id}/credit"] = wPost
	pageCoverage["POST /invoices/{id}/paid"] = wPost
	listFilters["/invoices"] = []string{"account_id"}
	paramKinds["invoices"] = leaktest.KindInvoice
}

// invoiceWorld is the leak walk's world, with its invoices of March 2025,
// and a page walk signed in as every persona.
func invoiceWorld(t *testing.T, st *store.Store) *pageWalk {
	t.Helper()
	w := leaktest.New(t, st)
	logger := slog.New(slog.DiscardHandler)
	w.Auth.Logger = logger
	srv, err := New(Config{Logger: logger, Auth: w.Auth, Store: st, Commander: &fakeCommander{offline: true}})
	if err != nil {
		t.Fatal(err)
	}
	pw := &pageWalk{Findings: leaktest.NewFindings(w), t: t, w: w, srv: srv, grants: map[string]*auth.Grant{}}
	for _, p := range leaktest.Personas {
		g, err := w.Auth.SignIn(context.Background(), w.Users[p].Email, w.Password, auth.Client{Addr: "192.0.2.30"})
		if err != nil || g.Session.Stage != auth.StageActive {
			t.Fatalf("sign in as %s: %v", p, err)
		}
		pw.grants[p] = g
	}
	return pw
}

// TestInvoicePagesScope: the month's list names exactly the invoices each
// persona reads (as the world says who reads which), and the run page
// exists for a provider's invoicing staff only (the other provider's admin
// has its own). The pages and downloads of each invoice are walked by
// TestNoPageLeaks.
func TestInvoicePagesScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pw := invoiceWorld(t, st)
		invoices := pw.w.Of(leaktest.KindInvoice)
		if len(invoices) == 0 {
			t.Fatal("the leak world has no invoices")
		}
		for _, p := range leaktest.Personas {
			list := pw.call("GET /invoices", p, http.MethodGet, "/invoices?period=2025-03", nil, 0)
			for _, o := range invoices {
				listed := list.Code == http.StatusOK && strings.Contains(list.Body.String(), `href="/invoices/`+o.ID.String()+`"`)
				if listed != o.Reads(p) {
					t.Errorf("%s: the list shows %s: %v, reads it: %v", p, o.Name, listed, o.Reads(p))
				}
			}
			run := http.StatusNotFound
			if p == leaktest.Admin || p == leaktest.Other {
				run = http.StatusOK
			}
			pw.call("GET /invoices/run", p, http.MethodGet, "/invoices/run?period=2025-03", nil, run)
		}
		pw.report(t)
	})
}

// report fails t with what the walk found. Whether every marker shows on
// some page is the whole page walk's question (TestNoPageLeaks), not this
// one's: the markers are noted as seen first, so that only leaks fail.
func (pw *pageWalk) report(t *testing.T) {
	t.Helper()
	for _, m := range pw.w.Markers {
		if len(m.Readers) > 0 {
			pw.Look("marker", m.Readers[0], "", "", []byte(m.Value), nil)
		}
	}
	pw.Report(t, "invoice page")
}

// TestInvoicePagesManage runs a month from the run page as the provider's
// admin: the preview shows the totals and writes nothing, the run makes the
// drafts, the detail page issues one (a number), marks it paid, credits it
// (a credit note naming it), and the downloads are a PDF and a UBL
// document. A fleet manager who reads the invoice has no buttons and may
// not press them.
func TestInvoicePagesManage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pw := invoiceWorld(t, st)
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		sc := fc.ProviderScope(pw.w.Provider)
		// The customers' billing data, for a UBL document; then April's
		// sessions (the world invoices March): North's card at South's
		// station and back.
		if _, err := st.DB().ExecContext(ctx, `UPDATE accounts SET vat_id = 'NL987654321B01', address = 'Havenweg 12',
			postal_code = '3011 AA', city = 'Rotterdam', country = 'NL' WHERE provider_id = $1`, int64(pw.w.Provider)); err != nil {
			t.Fatal(err)
		}
		named := func(kind, name string) fc.ID {
			for _, o := range pw.w.Of(kind) {
				if o.Name == name {
					return o.ID
				}
			}
			t.Fatalf("no %s %s", kind, name)
			return 0
		}
		for i, x := range [][2]string{{"N", "S"}, {"S", "N"}} {
			start := time.Date(2025, 4, 10+i, 8, 0, 0, 0, time.UTC)
			stop := start.Add(time.Hour)
			if _, err := st.ImportSession(ctx, &fc.Session{ProviderID: pw.w.Provider, ExternalRef: "web-" + x[0] + "@" + x[1],
				CardID: named(leaktest.KindCard, x[0]), StationID: named(leaktest.KindStation, x[1]), ConnectorID: 1,
				StartedAt: start, StoppedAt: &stop, EnergyWh: 20000, CostMinor: 800, Currency: "EUR"}); err != nil {
				t.Fatal(err)
			}
		}
		before, err := st.Invoices(ctx, fc.InvoiceScope{ProviderID: pw.w.Provider, Reach: sc.Reach, SelfBilling: sc.Reach, Drafts: sc.Reach},
			fc.InvoiceFilter{Page: fc.Page{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		preview := pw.call("GET /invoices/run", leaktest.Admin, http.MethodGet, "/invoices/run?period=2025-04", nil, http.StatusOK).Body.String()
		for _, want := range []string{"Invoice run: April 2025", "Create the drafts", "Drafts in EUR"} {
			if !strings.Contains(preview, want) {
				t.Errorf("the run page lacks %q", want)
			}
		}
		after, err := st.Invoices(ctx, fc.InvoiceScope{ProviderID: pw.w.Provider, Reach: sc.Reach, SelfBilling: sc.Reach, Drafts: sc.Reach},
			fc.InvoiceFilter{Page: fc.Page{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("the preview wrote invoices: %d before, %d after", len(before), len(after))
		}
		rec := pw.call("POST /invoices/run", leaktest.Admin, http.MethodPost, "/invoices/run", url.Values{"period": {"2025-04"}}, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); !strings.Contains(loc, "done=invoices-run") {
			t.Fatalf("the run answers %s", loc)
		}
		drafts, err := st.Invoices(ctx, fc.InvoiceScope{ProviderID: pw.w.Provider, Reach: sc.Reach, SelfBilling: sc.Reach, Drafts: sc.Reach},
			fc.InvoiceFilter{Period: "2025-04", Status: fc.InvoiceDraft, Page: fc.Page{Limit: 1000}})
		if err != nil || len(drafts) == 0 {
			t.Fatalf("no drafts of April after the run: %v", err)
		}
		d := drafts[0]
		for _, x := range drafts {
			if x.Kind == fc.InvoiceKindInvoice {
				d = x
				break
			}
		}
		base := "/invoices/" + d.ID.String()
		page := pw.call("GET /invoices/{id}", leaktest.Admin, http.MethodGet, base, nil, http.StatusOK).Body.String()
		if !strings.Contains(page, "DRAFT") && !strings.Contains(page, "draft") || !strings.Contains(page, base+"/issue") {
			t.Errorf("the draft's page has no issue button")
		}
		pw.call("POST /invoices/{id}/issue", leaktest.Admin, http.MethodPost, base+"/issue", url.Values{}, http.StatusSeeOther)
		issued, err := st.Invoice(ctx, fc.InvoiceScope{ProviderID: pw.w.Provider, Reach: sc.Reach, SelfBilling: sc.Reach, Drafts: sc.Reach}, d.ID)
		if err != nil || issued.Number == "" || issued.Status != fc.InvoiceIssued {
			t.Fatalf("issuing from the page: %+v, %v", issued, err)
		}
		page = pw.call("GET /invoices/{id}", leaktest.Admin, http.MethodGet, base, nil, http.StatusOK).Body.String()
		for _, want := range []string{issued.Number, base + "/pdf", base + "/ubl", base + "/paid", base + "/credit", "VAT breakdown"} {
			if !strings.Contains(page, want) {
				t.Errorf("the issued invoice's page lacks %q", want)
			}
		}
		pdfRec := pw.call("GET /invoices/{id}/pdf", leaktest.Admin, http.MethodGet, base+"/pdf", nil, http.StatusOK)
		if pdfRec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdfRec.Body.String(), "%PDF-") {
			t.Errorf("the PDF download is %s", pdfRec.Header().Get("Content-Type"))
		}
		ubl := pw.call("GET /invoices/{id}/ubl", leaktest.Admin, http.MethodGet, base+"/ubl", nil, 0)
		if ubl.Code != http.StatusOK || ubl.Header().Get("Content-Type") != "application/xml" ||
			!strings.Contains(ubl.Body.String(), "<cbc:ID>"+issued.Number+"</cbc:ID>") {
			t.Errorf("the UBL download answers %d %s:\n%s", ubl.Code, ubl.Header().Get("Content-Type"), ubl.Body.String())
		}
		// A customer without a country cannot be written; the page says why.
		if _, err := st.DB().ExecContext(ctx, `UPDATE invoices SET buyer = REPLACE(buyer, '"country":"NL"', '"country":""') WHERE id = $1`,
			int64(d.ID)); err != nil {
			t.Fatal(err)
		}
		if rec := pw.call("GET /invoices/{id}/ubl", leaktest.Admin, http.MethodGet, base+"/ubl", nil, http.StatusUnprocessableEntity); !strings.Contains(rec.Body.String(), "country") {
			t.Errorf("the UBL refusal does not say why:\n%s", rec.Body.String())
		}
		// A fleet manager who reads it sees no buttons and may not press them.
		for _, p := range []string{leaktest.NorthFleet, leaktest.SouthFleet, leaktest.Holding} {
			rec := pw.call("GET /invoices/{id}", p, http.MethodGet, base, nil, 0)
			if rec.Code != http.StatusOK {
				continue
			}
			if strings.Contains(rec.Body.String(), base+"/credit") {
				t.Errorf("%s sees the credit button", p)
			}
			if got := pw.call("POST /invoices/{id}/credit", p, http.MethodPost, base+"/credit", url.Values{}, 0).Code; got != http.StatusForbidden {
				t.Errorf("%s credits: %d, want 403", p, got)
			}
		}
		pw.call("POST /invoices/{id}/paid", leaktest.Admin, http.MethodPost, base+"/paid", url.Values{}, http.StatusSeeOther)
		rec = pw.call("POST /invoices/{id}/credit", leaktest.Admin, http.MethodPost, base+"/credit", url.Values{}, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		if !strings.Contains(loc, "done=invoice-credited") {
			t.Fatalf("credit answers %s", loc)
		}
		credit := pw.call("GET /invoices/{id}", leaktest.Admin, http.MethodGet, strings.Split(loc, "?")[0], nil, http.StatusOK).Body.String()
		if !strings.Contains(credit, "Credit note") || !strings.Contains(credit, issued.Number) {
			t.Errorf("the credit note's page does not name %s", issued.Number)
		}
		pw.report(t)
	})
}
