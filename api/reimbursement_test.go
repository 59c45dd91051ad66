package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	fc "github.com/fleetcharge/fleetcharge"
)

func init() {
	for _, k := range []string{
		"GET /api/v1/reimbursement-rates", "GET /api/v1/reimbursement-rates/{id}", "POST /api/v1/reimbursement-rates",
		"PATCH /api/v1/reimbursement-rates/{id}", "DELETE /api/v1/reimbursement-rates/{id}",
		"GET /api/v1/reimbursement-statements", "GET /api/v1/reimbursement-statements/{id}",
		"POST /api/v1/reimbursement-statements/generate", "POST /api/v1/reimbursement-statements/{id}/approve",
		"POST /api/v1/reimbursement-statements/{id}/paid",
	} {
		coverage[k] = exPlain
	}
}

// reimbursementRate stores an open-ended rate of North's employee from
// 2025 and returns its ID.
func (w *world) reimbursementRate(t *testing.T) fc.ID {
	t.Helper()
	r := &fc.ReimbursementRate{ProviderID: w.provider, EmployeeID: w.north1.employee, PerKWhMicros: 250000, Currency: "EUR", ValidFrom: "2025-01-01"}
	check(t, w.st.CreateReimbursementRate(context.Background(), r))
	return r.ID
}

// homeOf gives the employee a home with a station of the account and
// returns the station.
func (w *world) homeOf(t *testing.T, accountID, employeeID fc.ID, identity string) fc.ID {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	l := &fc.Location{ProviderID: w.provider, AccountID: accountID, Name: identity + " home", Kind: fc.LocationHome, EmployeeID: employeeID}
	check(t, w.st.CreateLocation(ctx, l))
	g := &fc.ChargeGroup{ProviderID: w.provider, AccountID: accountID, Name: identity + " home", Kind: fc.GroupHome, Access: fc.AccessPublic,
		Tariff: fc.Tariff{Currency: "EUR"}}
	check(t, w.st.CreateChargeGroup(ctx, g))
	st := &fc.Station{ProviderID: w.provider, AccountID: accountID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: identity, PasswordHash: "unused"}
	check(t, w.st.CreateStation(ctx, st, 1))
	return st.ID
}

// homeCharge imports a one-hour session of the card at the station.
func (w *world) homeCharge(t *testing.T, card, station fc.ID, start time.Time, wh int64) {
	t.Helper()
	stop := start.Add(time.Hour)
	_, err := w.st.ImportSession(context.Background(), &fc.Session{ProviderID: w.provider, ExternalRef: fmt.Sprintf("home-%s-%d", station, start.Unix()),
		CardID: card, StationID: station, ConnectorID: 1, StartedAt: start, StoppedAt: &stop, EnergyWh: wh, Currency: "EUR"})
	check(t, err)
}

// reimbursementStatement stores a draft statement of January 2020 for
// North's employee (a home, a rate of that month, a session) and returns
// its ID.
func (w *world) reimbursementStatement(t *testing.T) fc.ID {
	t.Helper()
	ctx := context.Background()
	station := w.homeOf(t, w.northAcc, w.north1.employee, "N-HOME-2020")
	check(t, w.st.CreateReimbursementRate(ctx, &fc.ReimbursementRate{ProviderID: w.provider, EmployeeID: w.north1.employee,
		PerKWhMicros: 200000, Currency: "EUR", ValidFrom: "2020-01-01", ValidTo: "2020-02-01"}))
	w.homeCharge(t, w.north1.card, station, time.Date(2020, 1, 15, 18, 0, 0, 0, time.UTC), 5000)
	xs, err := w.st.GenerateReimbursementStatements(ctx, fc.ProviderScope(w.provider), "2020-01")
	check(t, err)
	if len(xs) != 1 {
		t.Fatalf("statements of January 2020: %v", xs)
	}
	return xs[0].ID
}

// TestReimbursementRoutes walks rates and statements through the API as
// North's fleet manager, North's account admin and South's fleet manager
// (who sees nothing of North through any route), and checks that the
// payroll CSV and XLSX sum to the statements. Both engines.
func TestReimbursementRoutes(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		rates := "/api/v1/reimbursement-rates"
		rate := w.do(northFleet, "POST", rates, map[string]any{"employee_id": w.north1.employee.String(), "per_kwh": "0.25",
			"currency": "EUR", "valid_from": "2026-01-01", "valid_to": "2026-04-01"}).want(t, http.StatusCreated).object(t)
		if rate["per_kwh"] != 0.25 || rate["valid_to"] != "2026-04-01" {
			t.Errorf("rate: %v", rate)
		}
		rateID := rate["id"].(string)
		w.do(northFleet, "POST", rates, map[string]any{"employee_id": w.north1.employee.String(), "per_kwh": 0.3,
			"currency": "EUR", "valid_from": "2026-03-01"}).want(t, http.StatusConflict)
		w.do(northFleet, "POST", rates, map[string]any{"employee_id": w.north1.employee.String(), "per_kwh": "0.1234567",
			"currency": "EUR", "valid_from": "2027-01-01"}).want(t, http.StatusBadRequest)
		w.do(northAdmin, "POST", rates, map[string]any{"employee_id": w.north1.employee.String(), "per_kwh": 0.3,
			"currency": "EUR", "valid_from": "2026-04-01"}).want(t, http.StatusForbidden)
		w.do(northFleet, "PATCH", rates+"/"+rateID, map[string]any{"valid_to": nil}).want(t, http.StatusOK)

		// A second employee of North, with a home and a rate, so that the
		// payroll has more than one line.
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		bob := &fc.Employee{ProviderID: w.provider, AccountID: w.northAcc, Name: "=Bob, the second", EmployeeNumber: "E-2", Active: true}
		check(t, w.st.CreateEmployee(ctx, bob))
		bobCard := &fc.Card{ProviderID: w.provider, AccountID: w.northAcc, EmployeeID: bob.ID, InternalID: "NB0B0001", ExternalID: "N-0002", Status: fc.CardActive}
		check(t, w.st.CreateCard(ctx, bobCard))
		check(t, w.st.CreateReimbursementRate(ctx, &fc.ReimbursementRate{ProviderID: w.provider, EmployeeID: bob.ID, PerKWhMicros: 333333,
			Currency: "EUR", ValidFrom: "2026-01-01"}))
		evaHome := w.homeOf(t, w.northAcc, w.north1.employee, "N-HOME-EVA")
		bobHome := w.homeOf(t, w.northAcc, bob.ID, "N-HOME-BOB")
		march := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)
		w.homeCharge(t, w.north1.card, evaHome, march, 12345)
		w.homeCharge(t, w.north1.card, evaHome, march.AddDate(0, 0, 1), 7001)
		w.homeCharge(t, bobCard.ID, bobHome, march, 9999)

		gen := "/api/v1/reimbursement-statements/generate"
		body := map[string]any{"period": "2026-03", "organization_id": w.north.String()}
		w.do(southFleet, "POST", gen, body).want(t, http.StatusBadRequest)
		w.do(northAdmin, "POST", gen, map[string]any{"period": "2026-03", "account_id": w.northAcc.String()}).want(t, http.StatusForbidden)
		w.do(northFleet, "POST", gen, map[string]any{"period": "March"}).want(t, http.StatusBadRequest)
		var page struct {
			Data []struct {
				ID, Status, Currency string
				EmployeeID           string `json:"employee_id"`
			} `json:"data"`
		}
		w.do(northFleet, "POST", gen, body).want(t, http.StatusOK).json(t, &page)
		if len(page.Data) != 2 {
			t.Fatalf("generated: %+v", page.Data)
		}
		eva := page.Data[0]
		if eva.EmployeeID != w.north1.employee.String() {
			eva = page.Data[1]
		}
		one := "/api/v1/reimbursement-statements/" + eva.ID
		got := w.do(northFleet, "GET", one, nil).want(t, http.StatusOK).object(t)
		// 12.345 kWh and 7.001 kWh at 0.25: 3.08625 and 1.75025, each rounded half up.
		if got["amount"] != 4.84 || got["status"] != "draft" || got["energy_kwh"] != 19.346 || len(got["lines"].([]any)) != 2 {
			t.Errorf("Eva's statement: %v", got)
		}

		// South's fleet manager sees nothing of it, through any route.
		w.do(southFleet, "GET", rates+"/"+rateID, nil).want(t, http.StatusNotFound)
		w.do(southFleet, "PATCH", rates+"/"+rateID, map[string]any{}).want(t, http.StatusNotFound)
		w.do(southFleet, "DELETE", rates+"/"+rateID, nil).want(t, http.StatusNotFound)
		w.do(southFleet, "POST", rates, map[string]any{"employee_id": w.north1.employee.String(), "per_kwh": 0.3,
			"currency": "EUR", "valid_from": "2030-01-01"}).want(t, http.StatusBadRequest)
		if ids := w.do(southFleet, "GET", rates, nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
			t.Errorf("South lists rates %v", ids)
		}
		if ids := w.do(southFleet, "GET", "/api/v1/reimbursement-statements", nil).want(t, http.StatusOK).ids(t); len(ids) != 0 {
			t.Errorf("South lists statements %v", ids)
		}
		w.do(southFleet, "GET", one, nil).want(t, http.StatusNotFound)
		w.do(southFleet, "POST", one+"/approve", nil).want(t, http.StatusNotFound)
		w.do(southFleet, "POST", one+"/paid", nil).want(t, http.StatusNotFound)
		csvSouth := w.do(southFleet, "GET", "/api/v1/reimbursement-statements?format=csv", nil).want(t, http.StatusOK)
		if lines := strings.Count(string(csvSouth.body), "\n"); lines != 1 {
			t.Errorf("South's payroll has %d lines: %s", lines, csvSouth.body)
		}
		w.do(southFleet, "POST", gen, map[string]any{"period": "2026-03"}).want(t, http.StatusOK)
		w.do(northFleet, "GET", one, nil).want(t, http.StatusOK)

		// The account admin approves but does not pay; the fleet manager pays.
		w.do(northFleet, "POST", one+"/paid", nil).want(t, http.StatusConflict)
		w.do(northAdmin, "POST", one+"/approve", nil).want(t, http.StatusOK)
		w.do(northAdmin, "POST", one+"/approve", nil).want(t, http.StatusConflict)
		w.do(northAdmin, "POST", one+"/paid", nil).want(t, http.StatusForbidden)
		w.do(northFleet, "POST", one+"/paid", nil).want(t, http.StatusOK)

		// The PDF statement, to whoever reads the statement.
		doc := w.do(northAdmin, "GET", one+"?format=pdf", nil).want(t, http.StatusOK)
		if ct := doc.header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(doc.body, []byte("%PDF-")) {
			t.Errorf("PDF: %s, %q", ct, doc.body[:min(len(doc.body), 16)])
		}
		if text := pdfText(t, doc.body); !strings.Contains(text, "Total to be reimbursed: 4.84 EUR") ||
			!strings.Contains(text, "outside the scope of VAT") {
			t.Errorf("the PDF's text:\n%s", text)
		}
		w.do(southFleet, "GET", one+"?format=pdf", nil).want(t, http.StatusNotFound)
		w.do(northFleet, "GET", one+"?format=ubl", nil).want(t, http.StatusBadRequest)

		// The payroll file sums to the statements.
		var list struct {
			Data []struct{ Amount float64 } `json:"data"`
		}
		w.do(northFleet, "GET", "/api/v1/reimbursement-statements?period=2026-03", nil).want(t, http.StatusOK).json(t, &list)
		want := 0.0
		for _, x := range list.Data {
			want += x.Amount
		}
		res := w.do(northFleet, "GET", "/api/v1/reimbursement-statements?period=2026-03&format=csv", nil).want(t, http.StatusOK)
		rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
		check(t, err)
		if len(rows) != 3 || strings.Join(rows[0], ",") != "employee_number,employee_name,account_name,period,sessions,energy_kwh,amount,currency,statement_id,status" {
			t.Fatalf("payroll CSV: %q", rows)
		}
		sumCents := 0
		for _, row := range rows[1:] {
			var units, cents int
			if _, err := fmt.Sscanf(row[6], "%d.%d", &units, &cents); err != nil {
				t.Fatalf("amount %q: %v", row[6], err)
			}
			sumCents += units*100 + cents
			if strings.HasPrefix(row[1], "=") {
				t.Errorf("a name that reads as a formula is not defused: %q", row[1])
			}
		}
		if fmt.Sprintf("%.2f", want) != fmt.Sprintf("%d.%02d", sumCents/100, sumCents%100) || sumCents != 484+333 {
			t.Errorf("payroll CSV sums to %d cents, the statements to %.2f", sumCents, want)
		}
		res = w.do(northFleet, "GET", "/api/v1/reimbursement-statements?period=2026-03&format=xlsx", nil).want(t, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(res.body))
		check(t, err)
		xrows, err := f.GetRows(f.GetSheetName(0))
		check(t, err)
		if len(xrows) != 3 || xrows[0][6] != "amount" {
			t.Errorf("payroll XLSX: %q", xrows)
		}
	})
}

// pdfText extracts the text of a PDF with pdftotext (poppler); without it
// the test is skipped, unless FLEETCHARGE_E2E is set (CI): then it fails.
func pdfText(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("FLEETCHARGE_E2E") != "" {
			t.Fatal("FLEETCHARGE_E2E is set but pdftotext is missing (apt-get install poppler-utils)")
		}
		t.Skip("no pdftotext on this machine (apt-get install poppler-utils); set FLEETCHARGE_E2E to make that a failure")
	}
	cmd := exec.Command(bin, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
