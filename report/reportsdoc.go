package report

import (
	"fmt"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// ReportsDocPath is where the reports document lives, relative to the
// module root. Its prose is written by hand; its last part, from the
// heading ReportsDoc starts with to the end, is ReportsDoc's.
const ReportsDocPath = "docs/REPORTS.md"

// ReportsDoc returns the generated part of docs/REPORTS.md, generated from
// the report definitions: for each report in fc.Reports order, its title
// and side, the table of its columns as the exports name and type them,
// and the columns of its roll-ups.
func ReportsDoc() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	keys := func(cols []column) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = "`" + c.Key + "`"
		}
		return strings.Join(out, ", ")
	}

	w("## Columns\n\n")
	w("<!-- Generated from the report definitions in report/columns.go by\n")
	w("     `go test ./report -run TestReportsDocUpToDate -update`. Do not edit by hand\n")
	w("     from the \"Columns\" heading to the end of the file. -->\n\n")
	w("Each report's columns, in their order: the key names the JSON field and the CSV\n")
	w("column, the title heads the XLSX column. Rolled up (`group_by`), the rows have the\n")
	w("columns of the second table: the group's, then the report's figures.\n")
	for _, name := range fc.Reports {
		d := def(name)
		w("\n### %s (`%s`)\n\n", Title(name), name)
		if fc.ReportSide(name) == fc.SideStation {
			w("Station side: a facility report.")
		} else {
			w("Card side: a fleet report.")
		}
		if name == fc.ReportChargeSessions {
			w(" With `side=station`, station side: a facility report.")
		}
		if d.idle {
			w(" Subjects without sessions in the period are listed too, with zero figures.")
		}
		w("\n\n| key | title | type |\n|---|---|---|\n")
		for _, c := range d.columns {
			w("| `%s` | %s | `%s` |\n", c.Key, c.Title, c.Type)
		}
		w("\n| `group_by` | columns |\n|---|---|\n")
		for _, g := range []string{GroupByAccount, GroupByOrganization, GroupByMonth} {
			w("| `%s` | %s |\n", g, keys(d.groupCols(g)))
		}
	}
	return b.String()
}
