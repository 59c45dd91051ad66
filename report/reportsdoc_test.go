package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/report"
)

// TestReportsDocUpToDate fails when the generated part of docs/REPORTS.md
// (from its "Columns" heading to the end) is not what the report
// definitions generate; run it with -update (the flag of golden_test.go)
// to rewrite that part, keeping the prose above it.
func TestReportsDocUpToDate(t *testing.T) {
	path := filepath.Join("..", filepath.FromSlash(report.ReportsDocPath))
	gen := report.ReportsDoc()
	heading, _, _ := strings.Cut(gen, "\n")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prose, _, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no line %q: the generated part goes from there to the end", report.ReportsDocPath, heading)
	}
	want := prose + "\n" + gen
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		b = []byte(want)
	}
	if string(b) != want {
		t.Errorf("%s is stale: run go test ./report -run TestReportsDocUpToDate -update", report.ReportsDocPath)
	}
	for _, name := range fc.Reports {
		if !strings.Contains(gen, "(`"+name+"`)\n") || strings.Contains(gen, "### (`"+name+"`)") {
			t.Errorf("the generated part has no titled section for %s", name)
		}
		// The prose explains every column type the tables show.
		for _, g := range []string{"", report.GroupByAccount, report.GroupByOrganization, report.GroupByMonth} {
			for _, c := range report.Columns(name, g) {
				if !strings.Contains(prose, "`"+c.Type+"`") {
					t.Errorf("%s: column %s has type %s, which the prose does not explain", name, c.Key, c.Type)
				}
			}
		}
	}
}
