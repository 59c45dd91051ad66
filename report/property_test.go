package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/report"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// byCurrency is a report's totals per currency, without the charging time.
type byCurrency map[string]fc.ReportFigures

func (b byCurrency) add(o byCurrency) {
	for cur, f := range o {
		g := b[cur]
		g.Add(f)
		b[cur] = g
	}
}

func (b byCurrency) String() string {
	var parts []string
	for _, cur := range []string{"", "CHF", "EUR", "GBP"} {
		if f, ok := b[cur]; ok && f.Sessions > 0 {
			parts = append(parts, fmt.Sprintf("%s:%d/%dWh/%ds/%d", cur, f.Sessions, f.EnergyWh, f.DurationS, f.CostMinor))
		}
	}
	return strings.Join(parts, " ")
}

func (w *demoWorld) totals(t *testing.T, report string, query string) byCurrency {
	t.Helper()
	res := w.run(t, report, query)
	out := byCurrency{}
	for _, c := range res.Totals.Currencies {
		f := c.Figures
		f.BusyMS = 0
		out[c.Currency] = f
	}
	return out
}

func (w *demoWorld) run(t *testing.T, name, query string) *report.Result {
	t.Helper()
	res, err := report.Run(context.Background(), w.s, w.admin(), w.params(t, name, query))
	if err != nil {
		t.Fatalf("%s?%s: %v", name, query, err)
	}
	return res
}

// TestFiguresAgree checks on the demo data that the reports tell the same
// story: the per-employee and per-card reports add up to the session
// report, the station reports to each other; an organization's figures are
// those of its child organizations and its own accounts, and its roll-up
// row says the same; consecutive periods add up to the period they make,
// whether they meet at a local midnight or at the exact start of a session.
func TestFiguresAgree(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			w := loadDemo(t, engine)
			ctx := context.Background()
			const all = "from=2025-03-01&to=2025-06-17"

			sessions := w.totals(t, fc.ReportChargeSessions, all)
			if sessions[""].Sessions > 0 || sessions["EUR"].Sessions < 1000 || sessions["GBP"].Sessions < 100 {
				t.Fatalf("demo sessions by currency: %v", sessions)
			}
			for _, name := range []string{fc.ReportSessionsPerEmployee, fc.ReportSessionsPerCard} {
				if got := w.totals(t, name, all); got.String() != sessions.String() {
					t.Errorf("%s: %v, sessions report %v", name, got, sessions)
				}
			}
			// A page of the session report, with or without a limit, has
			// the totals of the whole period; a roll-up too.
			page := w.run(t, fc.ReportChargeSessions, all+"&limit=100")
			for _, query := range []string{"&after=" + page.Next, "&after=" + page.Next + "&limit=7", "&group_by=month", "&group_by=organization"} {
				if got := w.totals(t, fc.ReportChargeSessions, all+query); got.String() != sessions.String() {
					t.Errorf("sessions report%s: %v, the whole listing %v", query, got, sessions)
				}
			}
			stations := w.run(t, fc.ReportChargeStations, all).Totals
			points := w.run(t, fc.ReportSessionsPerChargePoint, all).Totals
			if fmt.Sprint(stations.Currencies) != fmt.Sprint(points.Currencies) || stations.CapacityMS != points.CapacityMS || stations.All.BusyMS == 0 {
				t.Errorf("stations %+v, charge points %+v", stations, points)
			}

			orgs, err := w.s.Organizations(ctx, fc.ProviderScope(w.p.ID), fc.OrganizationFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			accounts, err := w.s.Accounts(ctx, fc.ProviderScope(w.p.ID), fc.AccountFilter{Page: fc.Page{Limit: fc.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			rollup := w.run(t, fc.ReportSessionsPerCard, all+"&group_by=organization")
			rows := map[string]bool{}
			for _, cells := range rollup.Rows {
				rows[rowKey(rollup, cells)] = true
			}
			for _, o := range orgs {
				whole := w.totals(t, fc.ReportSessionsPerCard, all+"&organization_id="+o.ID.String())
				parts := byCurrency{}
				for _, c := range orgs {
					if c.ParentID == o.ID {
						parts.add(w.totals(t, fc.ReportSessionsPerCard, all+"&organization_id="+c.ID.String()))
					}
				}
				for _, a := range accounts {
					if a.OrganizationID == o.ID {
						parts.add(w.totals(t, fc.ReportSessionsPerCard, all+"&account_id="+a.ID.String()))
					}
				}
				if whole.String() != parts.String() {
					t.Errorf("organization %s: %v, its parts %v", o.Name, whole, parts)
				}
				for cur, f := range whole {
					if f.Sessions == 0 {
						continue
					}
					if key := fmt.Sprintf("%s|%s|%d|%s", o.ID, cur, f.Sessions, kwh(f.EnergyWh)); !rows[key] {
						t.Errorf("no roll-up row %s in %v", key, rows)
					}
				}
			}

			// A month of a roll-up by month is the report over that month
			// alone: the card-side roll-ups read figures by account, the
			// reports themselves by subject.
			months := []string{"2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01", "2025-06-17"}
			for _, name := range []string{fc.ReportChargeCards, fc.ReportChargeSessions, fc.ReportEmployees,
				fc.ReportSessionsPerEmployee, fc.ReportSessionsPerCard, fc.ReportChargeStations} {
				got := map[string]bool{}
				res := w.run(t, name, all+"&group_by=month")
				for _, cells := range res.Rows {
					got[monthKey(res, cells)] = true
				}
				want := map[string]bool{}
				for i := range len(months) - 1 {
					month := months[i][:7]
					want[month+"||0|0.000"] = true // a month without sessions
					for cur, f := range w.totals(t, name, "from="+months[i]+"&to="+months[i+1]) {
						delete(want, month+"||0|0.000")
						want[fmt.Sprintf("%s|%s|%d|%s", month, cur, f.Sessions, kwh(f.EnergyWh))] = true
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s by month:\n got %v\nwant %v", name, got, want)
				}
			}

			// A session's exact start splits a period: it falls after.
			list := w.run(t, fc.ReportChargeSessions, "from=2025-05-10&to=2025-05-11")
			if len(list.Rows) < 2 {
				t.Fatal("no sessions on 2025-05-10")
			}
			start := list.Rows[1][1].Format(time.UTC)
			for _, split := range []string{"2025-05-01", escape(start)} {
				whole := w.totals(t, fc.ReportSessionsPerCard, "from=2025-04-01&to=2025-06-01")
				parts := w.totals(t, fc.ReportSessionsPerCard, "from=2025-04-01&to="+split)
				parts.add(w.totals(t, fc.ReportSessionsPerCard, "from="+split+"&to=2025-06-01"))
				if whole.String() != parts.String() {
					t.Errorf("split at %s: %v, parts %v", split, whole, parts)
				}
			}
			after := w.run(t, fc.ReportChargeSessions, "from="+escape(start)+"&to=2025-05-11")
			if len(after.Rows) != len(list.Rows)-1 || after.Rows[0][1].Format(time.UTC) != start {
				t.Errorf("from the exact start %s: %d sessions, want %d starting with it", start, len(after.Rows), len(list.Rows)-1)
			}
		})
	}
}

// rowKey names a roll-up row by organization, currency, sessions and energy.
func rowKey(res *report.Result, cells []report.Cell) string {
	var id, cur, n, e string
	for i, c := range res.Columns {
		switch c.Key {
		case "organization_id":
			id = cells[i].Format(time.UTC)
		case "currency":
			cur = cells[i].Format(time.UTC)
		case "sessions":
			n = cells[i].Format(time.UTC)
		case "energy_kwh":
			e = cells[i].Format(time.UTC)
		}
	}
	return id + "|" + cur + "|" + n + "|" + e
}

// monthKey names a month roll-up row by month, currency, sessions and
// energy.
func monthKey(res *report.Result, cells []report.Cell) string {
	var month string
	for i, c := range res.Columns {
		if c.Key == "month" {
			month = cells[i].Format(time.UTC)
		}
	}
	k := rowKey(res, cells)
	return month + k[strings.Index(k, "|"):]
}

func kwh(wh int64) string { return fmt.Sprintf("%d.%03d", wh/1000, wh%1000) }

// escape escapes the + of a time zone offset for a query string.
func escape(s string) string { return strings.ReplaceAll(s, "+", "%2B") }
