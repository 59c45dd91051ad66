package pdf_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/pdf"
)

// pdfText extracts the text of a PDF document with pdftotext (poppler),
// keeping the layout so that a table's row reads as one line. Without
// pdftotext the test is skipped, unless FLEETCHARGE_E2E is set (CI), where
// that is a failure.
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
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return string(out)
}

func statement() *fc.ReimbursementStatement {
	approved := time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC)
	x := &fc.ReimbursementStatement{ID: 4711, EmployeeName: "Jürgen Öztürk", EmployeeNumber: "E-0042", AccountName: "Müller & Söhne GmbH",
		ProviderName: "Ladenetz Nord", TimeZone: "Europe/Amsterdam", Period: "2026-03", Status: fc.StatementApproved, Currency: "EUR",
		ApprovedAt: &approved, CreatedAt: approved.Add(-time.Hour)}
	add := func(start time.Time, station string, wh, micros int64, period string) {
		x.Lines = append(x.Lines, fc.ReimbursementLine{SessionID: fc.ID(len(x.Lines) + 1), StartedAt: start, StationName: station,
			EnergyWh: wh, PerKWhMicros: micros, AmountMinor: fc.ReimbursementAmount(wh, micros, "EUR"), OriginalPeriod: period})
	}
	// A session of February that arrived late, and March's own; the last
	// one starts at 00:30 on 1 March in Amsterdam, still February in UTC.
	add(time.Date(2026, 2, 20, 18, 0, 0, 0, time.UTC), "HOME-JO-1", 4000, 250000, "2026-02")
	add(time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC), "HOME-JO-1", 12345, 250000, "2026-03")
	add(time.Date(2026, 3, 15, 18, 0, 0, 0, time.UTC), "HOME-JO-1", 7001, 275500, "2026-03")
	for _, l := range x.Lines {
		x.Sessions++
		x.EnergyWh += l.EnergyWh
		x.AmountMinor += l.AmountMinor
		if l.Correction(x) {
			x.Corrections++
		}
	}
	return x
}

// TestStatementText renders a statement and reads it back with pdftotext:
// every part the employee files it for is in the text, each line on its
// own row with date (in the provider's time zone), station, kWh, rate and
// amount, and the correction line names its month.
func TestStatementText(t *testing.T) {
	x := statement()
	doc, err := pdf.Statement(x)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", doc[:min(len(doc), 20)])
	}
	text := pdfText(t, doc)
	for _, want := range []string{
		"Ladenetz Nord", "Müller & Söhne GmbH", "Jürgen Öztürk", "E-0042", "March 2026", "4711", "approved on 2026-04-03",
		"outside the scope of VAT", "Total to be reimbursed: 6.02 EUR",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	rows := []struct{ fields []string }{
		// 4 kWh at 0.25: 1.00, a correction of February.
		{[]string{"2026-02-20", "HOME-JO-1", "correction of 2026-02", "4.000", "0.25", "1.00"}},
		// 12.345 kWh at 0.25: 3.08625, rounded half up.
		{[]string{"2026-03-01", "HOME-JO-1", "12.345", "0.25", "3.09"}},
		// 7.001 kWh at 0.2755: 1.9287755.
		{[]string{"2026-03-15", "HOME-JO-1", "7.001", "0.2755", "1.93"}},
		{[]string{"Total", "3 sessions", "23.346", "6.02"}},
	}
	for _, r := range rows {
		if !hasRow(text, r.fields) {
			t.Errorf("no row with %q in:\n%s", r.fields, text)
		}
	}
	if strings.Contains(text, "correction of 2026-03") {
		t.Errorf("March's own sessions are shown as corrections:\n%s", text)
	}
}

// hasRow reports whether a line of text holds the fields in their order.
func hasRow(text string, fields []string) bool {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := line, true
		for _, f := range fields {
			i := strings.Index(rest, f)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(f):]
		}
		if ok {
			return true
		}
	}
	return false
}

// TestStatementStable: the same statement renders to the same bytes, at
// any time (the document's date is the approval's).
func TestStatementStable(t *testing.T) {
	a, err := pdf.Statement(statement())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	b, err := pdf.Statement(statement())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two renderings of one statement differ (%d and %d bytes)", len(a), len(b))
	}
	x := statement()
	x.EmployeeName = "Someone Else"
	c, err := pdf.Statement(x)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Errorf("another employee's name renders the same document")
	}
}
