package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The reimbursement pages join the page leak walk: the month's page and
// the rates as lists (every scope of the switcher), the forms with the
// objects the persona may not read (createForms), the statement pages and
// rate changes with every planted object's ID in place of theirs.
func init() {
	pageCoverage["GET /reimbursement"] = wList
	pageCoverage["POST /reimbursement/generate"] = wCreate
	pageCoverage["POST /reimbursement/approve"] = wCreate
	pageCoverage["GET /reimbursement/payroll"] = wPage
	pageCoverage["GET /reimbursement/statements/{id}"] = wGet
	pageCoverage["GET /reimbursement/statements/{id}/pdf"] = wGet
	pageCoverage["POST /reimbursement/statements/{id}/approve"] = wPost
	pageCoverage["POST /reimbursement/statements/{id}/paid"] = wPost
	pageCoverage["GET /reimbursement/rates"] = wList
	pageCoverage["POST /reimbursement/rates"] = wCreate
	pageCoverage["POST /reimbursement/rates/{id}/end"] = wPost
	listFilters["/reimbursement/rates"] = []string{"employee_id"}
}

// homeEmployee gives an employee of the fleet manager's organization that
// has a card a home with a station and two sessions of that card there in
// March 2020, and returns the employee.
func homeEmployee(t *testing.T, w *demoWorld, fleetEmail string) (employee fc.ID, name string) {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	org := w.one(t, `SELECT ra.organization_id FROM role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE u.email = '`+fleetEmail+`' AND ra.organization_id IS NOT NULL`)
	cards := w.ids(t, `SELECT c.id FROM cards c JOIN accounts a ON a.id = c.account_id JOIN employees e ON e.id = c.employee_id
		JOIN org_closure oc ON oc.descendant_id = a.organization_id WHERE oc.ancestor_id = $1 AND a.kind = 'company' ORDER BY c.id`, int64(org))
	if len(cards) == 0 {
		t.Fatal("no employee's card in the fleet manager's organization")
	}
	sc := fc.ProviderScope(w.res.ProviderID)
	card, err := w.st.Card(ctx, sc, cards[0])
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.st.Employee(ctx, sc, card.EmployeeID)
	if err != nil {
		t.Fatal(err)
	}
	l := &fc.Location{ProviderID: w.res.ProviderID, AccountID: card.AccountID, Name: "Web test home", Kind: fc.LocationHome, EmployeeID: e.ID}
	check(t, w.st.CreateLocation(ctx, l))
	g := &fc.ChargeGroup{ProviderID: w.res.ProviderID, AccountID: card.AccountID, Name: "Web test home", Kind: fc.GroupHome,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR"}}
	check(t, w.st.CreateChargeGroup(ctx, g))
	st := &fc.Station{ProviderID: w.res.ProviderID, AccountID: card.AccountID, LocationID: l.ID, ChargeGroupID: g.ID,
		Identity: "WEB-TEST-HOME", PasswordHash: "unused"}
	check(t, w.st.CreateStation(ctx, st, 1))
	for i, wh := range []int64{12345, 7001} {
		start := time.Date(2020, 3, 2+i, 18, 0, 0, 0, time.UTC)
		stop := start.Add(time.Hour)
		_, err := w.st.ImportSession(ctx, &fc.Session{ProviderID: w.res.ProviderID, ExternalRef: fmt.Sprintf("web-home-%d", i), CardID: card.ID,
			StationID: st.ID, ConnectorID: 1, StartedAt: start, StoppedAt: &stop, EnergyWh: wh, Currency: "EUR"})
		check(t, err)
	}
	return e.ID, e.Name
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestReimbursementPages: a fleet manager sets a rate (an overlapping one
// is refused on the form), generates March 2020 for its organization,
// approves the ticked drafts, reads the statement with its lines, downloads
// its PDF and the payroll CSV (which sums to the statements), marks it
// paid, and ends the rate. A facility manager has no link to the section
// and finds none of its pages.
func TestReimbursementPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		employee, name := homeEmployee(t, w, holdingFleet)
		b := w.as(t, holdingFleet)
		nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
		wantIn(t, "fleet manager's navigation", nav, `href="/reimbursement"`)

		rates := get(t, b, "/reimbursement/rates?employee_id="+employee.String(), http.StatusOK)
		wantIn(t, "rates page", rates, `name="per_kwh"`, `<option value="`+employee.String()+`" selected`)
		post := func(path string, vals url.Values) *struct {
			code      int
			loc, body string
		} {
			t.Helper()
			vals.Set("csrf_token", csrfOf(t, rates))
			rec := b.do("POST", path, vals)
			return &struct {
				code      int
				loc, body string
			}{rec.Code, rec.Header().Get("Location"), rec.Body.String()}
		}
		res := post("/reimbursement/rates", url.Values{"employee_id": {employee.String()}, "per_kwh": {"0.25"}, "currency": {"EUR"},
			"valid_from": {"2020-01-01"}, "valid_to": {"2020-06-01"}})
		if res.code != http.StatusSeeOther {
			t.Fatalf("set a rate: %d\n%.3000s", res.code, res.body)
		}
		res = post("/reimbursement/rates", url.Values{"employee_id": {employee.String()}, "per_kwh": {"0.30"}, "currency": {"EUR"},
			"valid_from": {"2020-05-01"}, "valid_to": {"2020-07-01"}})
		if res.code != http.StatusConflict && res.code != http.StatusBadRequest || !strings.Contains(res.body, "overlaps") {
			t.Fatalf("an overlapping rate: %d\n%.3000s", res.code, res.body)
		}
		rates = get(t, b, "/reimbursement/rates?employee_id="+employee.String(), http.StatusOK)
		wantIn(t, "rate history", rates, "0.25 EUR", "2020-01-01", "2020-06-01", `/end"`)

		month := get(t, b, "/reimbursement?period=2020-03", http.StatusOK)
		wantIn(t, "empty month", month, "No statements of this month yet.", `name="scope"`)
		res = post("/reimbursement/generate", url.Values{"period": {"2020-03"}, "scope": {""}})
		if res.code != http.StatusSeeOther || !strings.Contains(res.loc, "period=2020-03") {
			t.Fatalf("generate: %d %s\n%.3000s", res.code, res.loc, res.body)
		}
		month = get(t, b, res.loc, http.StatusOK)
		ids := w.ids(t, `SELECT id FROM reimbursement_statements WHERE period = '2020-03' AND employee_id = $1`, int64(employee))
		if len(ids) != 1 {
			t.Fatalf("statements of March 2020: %v", ids)
		}
		id := ids[0].String()
		// 12.345 kWh and 7.001 kWh at 0.25: 3.09 and 1.75.
		wantIn(t, "month", month, name, "19.346", "4.84 EUR", `name="statement_id" value="`+id+`"`, "draft", "Approve the ticked statements")
		res = post("/reimbursement/approve", url.Values{"period": {"2020-03"}, "statement_id": {id}})
		if res.code != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%.3000s", res.code, res.body)
		}
		month = get(t, b, res.loc, http.StatusOK)
		wantIn(t, "approved month", month, "approved")
		wantNotIn(t, "approved month", month, `value="`+id+`" id=`)

		page := get(t, b, "/reimbursement/statements/"+id, http.StatusOK)
		wantIn(t, "statement", page, name, "WEB-TEST-HOME", "12.345", "3.09", "4.84 EUR", "outside the scope of VAT",
			`href="/reimbursement/statements/`+id+`/pdf"`, "Mark paid")
		rec := b.do("GET", "/reimbursement/statements/"+id+"/pdf", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
			t.Fatalf("PDF: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		rec = b.do("GET", "/reimbursement/payroll?period=2020-03&status=approved&format=csv", nil)
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil || rec.Code != http.StatusOK || len(rows) != 2 || rows[1][6] != "4.84" || rows[1][8] != id {
			t.Fatalf("payroll CSV: %d %q %v", rec.Code, rows, err)
		}
		res = post("/reimbursement/statements/"+id+"/paid", url.Values{})
		if res.code != http.StatusSeeOther {
			t.Fatalf("paid: %d\n%.3000s", res.code, res.body)
		}
		wantIn(t, "paid statement", get(t, b, res.loc, http.StatusOK), "paid", "The statement is marked paid.")
		// Approving it again is refused, on the month's page.
		res = post("/reimbursement/approve", url.Values{"period": {"2020-03"}, "statement_id": {id}})
		if res.code != http.StatusConflict || !strings.Contains(res.body, "were not approved") {
			t.Fatalf("approve a paid statement: %d\n%.3000s", res.code, res.body)
		}

		rate := w.one(t, `SELECT id FROM reimbursement_rates WHERE valid_from = '2020-01-01' AND employee_id = `+employee.String())
		res = post("/reimbursement/rates/"+rate.String()+"/end", url.Values{"valid_to": {"2020-04-01"}})
		if res.code != http.StatusSeeOther {
			t.Fatalf("end the rate: %d\n%.3000s", res.code, res.body)
		}
		wantIn(t, "ended rate", get(t, b, res.loc, http.StatusOK), "2020-04-01")
		// The approved statement keeps its rate and amount.
		wantIn(t, "statement after the rate ended", get(t, b, "/reimbursement/statements/"+id, http.StatusOK), "4.84 EUR")

		f := w.as(t, facilitiesDE)
		wantNotIn(t, "facility manager's navigation", navLinks.FindString(get(t, f, "/", http.StatusOK)), `href="/reimbursement"`)
		for _, path := range []string{"/reimbursement", "/reimbursement/rates", "/reimbursement/statements/" + id,
			"/reimbursement/statements/" + id + "/pdf", "/reimbursement/payroll?period=2020-03&format=csv"} {
			get(t, f, path, http.StatusNotFound)
		}
	})
}
