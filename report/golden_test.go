package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/report"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the SQLite run")

// demoNow is when the demo data's sessions end, and the stores' clock.
var demoNow = time.Date(2025, 6, 16, 12, 0, 0, 0, time.UTC)

// demoWorld is the demo data loaded into a fresh store.
type demoWorld struct {
	s    *store.Store
	p    *fc.Provider
	loc  *time.Location
	orgs map[string]fc.ID // by name
}

func loadDemo(t *testing.T, engine string) *demoWorld {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t, engine)
	s.Now = func() time.Time { return demoNow }
	res, err := demo.Load(ctx, s, demo.Options{Seed: 1, Now: demoNow})
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	w := &demoWorld{s: s, orgs: map[string]fc.ID{}}
	if w.p, err = s.Provider(ctx, res.ProviderID); err != nil {
		t.Fatal(err)
	}
	if w.loc, err = time.LoadLocation(w.p.TimeZone); err != nil {
		t.Fatal(err)
	}
	orgs, err := s.Organizations(ctx, fc.ProviderScope(w.p.ID), fc.OrganizationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		w.orgs[o.Name] = o.ID
	}
	return w
}

// params parses a report's query string, {org:NAME} standing for the ID of
// the organization named NAME.
func (w *demoWorld) params(t *testing.T, report, query string) report.Params {
	t.Helper()
	for name, id := range w.orgs {
		query = strings.ReplaceAll(query, "{org:"+name+"}", id.String())
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	p, err := reportParse(report, v, w.loc)
	if err != nil {
		t.Fatalf("%s?%s: %v", report, query, err)
	}
	return p
}

func reportParse(name string, v url.Values, loc *time.Location) (report.Params, error) {
	return report.Parse(name, v, loc, demoNow)
}

// admin is the provider admin's scope: both rights on everything.
func (w *demoWorld) admin() fc.SessionScope {
	return fc.SessionScope{ProviderID: w.p.ID, CardSide: fc.Everything, StationSide: fc.Everything}
}

// goldenCase is one golden export: a report, its query, the scope it runs
// in ("" for the provider admin, else the organization both rights are held
// on), and the formats to export.
type goldenCase struct {
	name, report, query, heldOn string
	formats                     []string
}

const week = "from=2025-06-02&to=2025-06-09"

var allFormats = []string{report.FormatJSON, report.FormatCSV, report.FormatXLSX}

var goldenCases = []goldenCase{
	{"charge-cards", fc.ReportChargeCards, week, "", allFormats},
	{"charge-sessions", fc.ReportChargeSessions, week + "&organization_id={org:Meridian Consulting Group}", "", allFormats},
	{"employees", fc.ReportEmployees, week, "", allFormats},
	{"sessions-per-employee", fc.ReportSessionsPerEmployee, week, "", allFormats},
	{"sessions-per-card", fc.ReportSessionsPerCard, week, "", allFormats},
	{"charge-stations", fc.ReportChargeStations, week, "", allFormats},
	{"sessions-per-charge-point", fc.ReportSessionsPerChargePoint, week, "", allFormats},
	// Van Dijk's fleet and facility manager sees the consultancy's cards at
	// its public car park masked.
	{"charge-sessions_station-side", fc.ReportChargeSessions, week + "&side=station", "Van Dijk Logistics Groep",
		[]string{report.FormatJSON, report.FormatCSV}},
	{"sessions-per-card_by-organization", fc.ReportSessionsPerCard, week + "&group_by=organization", "", allFormats},
	{"employees_by-account", fc.ReportEmployees, week + "&group_by=account", "", []string{report.FormatCSV}},
	{"charge-stations_by-month", fc.ReportChargeStations, "from=2025-04-01&to=2025-06-17&group_by=month", "",
		[]string{report.FormatJSON, report.FormatCSV}},
}

// TestGolden exports every report in every format from the demo data and
// compares with testdata; go test -run TestGolden -update rewrites it. Both
// engines must give the same bytes (for XLSX, the same cells read back).
func TestGolden(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			w := loadDemo(t, engine)
			for _, c := range goldenCases {
				sc := w.admin()
				if c.heldOn != "" {
					r := fc.Reach{OrgIDs: []fc.ID{w.orgs[c.heldOn]}}
					sc.CardSide, sc.StationSide = r, r
				}
				for _, format := range c.formats {
					p := w.params(t, c.report, c.query+"&format="+format)
					var out bytes.Buffer
					if err := report.Write(context.Background(), w.s, sc, p, &out); err != nil {
						t.Fatalf("%s.%s: %v", c.name, format, err)
					}
					got, file := out.Bytes(), c.name+"."+format
					switch format {
					case report.FormatXLSX:
						got, file = []byte(dumpXLSX(t, out.Bytes())), file+".txt"
					case report.FormatJSON:
						// Indented, for diffs a person can read.
						var b bytes.Buffer
						if err := json.Indent(&b, got, "", "  "); err != nil {
							t.Fatalf("%s: %v", file, err)
						}
						got = b.Bytes()
					}
					golden(t, engine, filepath.Join("testdata", file), got)
				}
			}
		})
	}
}

func golden(t *testing.T, engine, path string, got []byte) {
	t.Helper()
	if *update && engine == "sqlite" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", path, firstDiff(string(got), string(want)))
	}
}

// firstDiff shows the first differing line.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, a, b)
		}
	}
	return "(same lines)"
}

// dumpXLSX reads a workbook back and renders its one sheet: the sheet's
// name and frozen rows, then every non-empty cell as REF TYPE VALUE, with
// numbers also as the sheet shows them.
func dumpXLSX(t *testing.T, b []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "sheet %s, frozen rows %d\n", sheet, panes.YSplit)
	for r, cells := range raw {
		for c, v := range cells {
			if v == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			typ, err := f.GetCellType(sheet, ref)
			if err != nil {
				t.Fatal(err)
			}
			switch typ {
			case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
				fmt.Fprintf(&sb, "%s text %s\n", ref, v)
			case excelize.CellTypeBool:
				fmt.Fprintf(&sb, "%s bool %s\n", ref, v)
			default:
				fmt.Fprintf(&sb, "%s number %s [%s]\n", ref, v, shown[r][c])
			}
		}
	}
	return sb.String()
}
