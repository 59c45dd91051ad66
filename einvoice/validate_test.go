package einvoice_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/einvoice"
)

// saxonJar is where Debian's libsaxonhe-java puts Saxon HE.
const saxonJar = "/usr/share/java/Saxon-HE.jar"

// rulesDir holds the official rules, vendored by
// scripts/vendor-einvoice-rules.sh.
const rulesDir = "../third_party/einvoice-rules"

// saxon returns the java binary, or skips the test when java or Saxon HE
// is missing, unless FLEETCHARGE_E2E is set (CI), where that is a failure.
func saxon(t *testing.T) string {
	t.Helper()
	java, err := exec.LookPath("java")
	if err == nil {
		_, err = os.Stat(saxonJar)
	}
	if err != nil {
		if os.Getenv("FLEETCHARGE_E2E") != "" {
			t.Fatalf("FLEETCHARGE_E2E is set but java or Saxon HE is missing (apt-get install libsaxonhe-java): %v", err)
		}
		t.Skipf("no java or Saxon HE on this machine (apt-get install libsaxonhe-java); set FLEETCHARGE_E2E to make that a failure: %v", err)
	}
	return java
}

// finding is a failed assertion of an SVRL report.
type finding struct {
	ID, Flag, Location, Text string
}

func (f finding) String() string {
	return "[" + f.ID + "] (" + f.Flag + ") " + strings.Join(strings.Fields(f.Text), " ") + " at " + f.Location
}

// parseSVRL reads the failed assertions of an SVRL report.
func parseSVRL(t *testing.T, report []byte) []finding {
	t.Helper()
	var out []finding
	dec := xml.NewDecoder(bytes.NewReader(report))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "failed-assert" || se.Name.Space != "http://purl.oclc.org/dsdl/svrl" {
			continue
		}
		var fa struct {
			ID       string `xml:"id,attr"`
			Flag     string `xml:"flag,attr"`
			Location string `xml:"location,attr"`
			Text     string `xml:"text"`
		}
		if err := dec.DecodeElement(&fa, &se); err != nil {
			t.Fatalf("reading an SVRL report: %v", err)
		}
		out = append(out, finding{fa.ID, fa.Flag, fa.Location, fa.Text})
	}
	return out
}

// validate runs the EN 16931 and the Peppol rules over the documents (file
// name to content) in two Java runs, one per XSLT over the whole folder,
// and returns each document's failed assertions of both. It fails the test
// when a report is missing: a validator that did not run proves nothing.
func validate(t *testing.T, docs map[string][]byte) map[string][]finding {
	t.Helper()
	java := saxon(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, doc := range docs {
		if err := os.WriteFile(filepath.Join(in, name+".xml"), doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string][]finding{}
	for _, xslt := range []string{"EN16931-UBL-validation.xslt", "PEPPOL-EN16931-UBL.xslt"} {
		rules, err := filepath.Abs(filepath.Join(rulesDir, xslt))
		if err != nil {
			t.Fatal(err)
		}
		reports := filepath.Join(dir, strings.TrimSuffix(xslt, ".xslt"))
		if err := os.Mkdir(reports, 0o755); err != nil {
			t.Fatal(err)
		}
		// With a folder as source, Saxon transforms each of its files into
		// the output folder under the same name.
		cmd := exec.Command(java, "-cp", saxonJar, "net.sf.saxon.Transform", "-s:"+in, "-xsl:"+rules, "-o:"+reports)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("Saxon with %s: %v\n%s", xslt, err, b)
		}
		for name := range docs {
			report, err := os.ReadFile(filepath.Join(reports, name+".xml"))
			if err != nil {
				t.Fatalf("no %s report for %s: %v", xslt, name, err)
			}
			if !bytes.Contains(report, []byte("schematron-output")) {
				t.Fatalf("the %s report for %s is no SVRL:\n%s", xslt, name, report)
			}
			out[name] = append(out[name], parseSVRL(t, report)...)
		}
	}
	return out
}

// TestUBLValidates writes an invoice of every kind and VAT case (domestic,
// reverse charge across a border, a private customer, self-billing with
// and without VAT, credit notes of an invoice and of a self-billing
// invoice, several rates with the German national rules, a currency
// without minor unit), those the store makes of a month (storeDocuments)
// and those of the demo data (demoDocuments),
// and runs the official EN 16931 and Peppol BIS Billing 3.0 rules over them:
// no fatal finding may remain. The same run
// validates a copy of the domestic invoice whose payable amount is wrong,
// which must be reported as BR-CO-16, so that a validator that checks
// nothing cannot pass the test.
func TestUBLValidates(t *testing.T) {
	docs := map[string][]byte{}
	for name, inv := range invoices() {
		doc, err := einvoice.UBL(inv)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs[name] = doc
	}
	for name, doc := range storeDocuments(t) {
		docs[name] = doc
	}
	for name, doc := range demoDocuments(t) {
		docs[name] = doc
	}
	broken, n := wrongPayable(docs["domestic"])
	if n != 1 {
		t.Fatalf("the domestic invoice has %d payable amounts, want 1", n)
	}
	docs["broken-payable"] = broken

	findings := validate(t, docs)
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var fatal, other []string
		for _, f := range findings[name] {
			if f.Flag == "fatal" {
				fatal = append(fatal, f.String())
			} else {
				other = append(other, f.String())
			}
		}
		if name == "broken-payable" {
			found := false
			for _, f := range findings[name] {
				found = found || f.ID == "BR-CO-16" && f.Flag == "fatal"
			}
			if !found {
				t.Errorf("a wrong payable amount is not reported as BR-CO-16; findings: %q", fatal)
			}
			continue
		}
		if len(fatal) > 0 {
			t.Errorf("%s: %d fatal findings:\n  %s\n%s", name, len(fatal), strings.Join(fatal, "\n  "), docs[name])
		}
		for _, w := range other {
			t.Logf("%s: %s", name, w)
		}
	}
}

// wrongPayable returns doc with its PayableAmount raised by one, and how
// many it found.
func wrongPayable(doc []byte) ([]byte, int) {
	s := string(doc)
	const open = "<cbc:PayableAmount currencyID=\"EUR\">"
	i := strings.Index(s, open)
	if i < 0 {
		return doc, 0
	}
	j := strings.Index(s[i:], "</cbc:PayableAmount>")
	return []byte(s[:i+len(open)] + "999999.99" + s[i+j:]), strings.Count(s, open)
}
