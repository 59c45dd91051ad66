package e2e

import (
	"strings"
	"testing"
)

// TestInvoicesInTheBrowser: the logistics holding's fleet manager finds the
// demo's invoices of last month under Invoices, opens one, and its PDF and
// Peppol UBL downloads are a PDF and an invoice document; the provider's
// admin previews the month's run (nothing is written) and sees the button
// that makes the drafts, which the fleet manager has no page for.
func TestInvoicesInTheBrowser(t *testing.T) {
	t.Parallel()
	fm := tab(t, fleetFacility)
	if got := open(t, fm, "/invoices"); got != 200 {
		t.Fatalf("GET /invoices: %d", got)
	}
	links := eval[[]string](t, fm, `[...document.querySelectorAll("main table tbody tr td:first-child a")].map(a => a.getAttribute("href"))`)
	if len(links) == 0 {
		t.Fatalf("the fleet manager lists no invoices:\n%s", pageText(t, fm))
	}
	if got := open(t, fm, links[0]); got != 200 {
		t.Fatalf("GET %s: %d", links[0], got)
	}
	if text := pageText(t, fm); !strings.Contains(text, "VAT breakdown") || !strings.Contains(text, "Total") {
		t.Errorf("the invoice's page lacks its breakdown or total:\n%s", text)
	}
	// The downloads, fetched by the page itself with its session.
	head := eval[[]string](t, fm, `(() => {
		const get = p => { const x = new XMLHttpRequest(); x.open("GET", p, false); x.send(); return x.status + " " + x.responseText.slice(0, 400); };
		return [get(location.pathname + "/pdf"), get(location.pathname + "/ubl")];
	})()`)
	if len(head) != 2 || !strings.HasPrefix(head[0], "200 %PDF-") {
		t.Errorf("the PDF download: %.60q", head)
	}
	if len(head) == 2 && (!strings.HasPrefix(head[1], "200 ") || !strings.Contains(head[1], "urn:fdc:peppol.eu:2017:poacc:billing:3.0")) {
		t.Errorf("the UBL download: %.400q", head[1])
	}
	if got := open(t, fm, "/invoices/run"); got != 404 {
		t.Errorf("the fleet manager's run page: %d, want 404", got)
	}

	admin := ""
	for email := range env.srv.Passwords {
		if strings.HasPrefix(email, "admin@") {
			admin = email
		}
	}
	ad := tab(t, admin)
	if got := open(t, ad, "/invoices/run"); got != 200 {
		t.Fatalf("the admin's run page: %d", got)
	}
	if text := pageText(t, ad); !strings.Contains(text, "Preview") || !strings.Contains(text, "Create the drafts") {
		t.Errorf("the run page lacks its preview or its button:\n%s", text)
	}
}
