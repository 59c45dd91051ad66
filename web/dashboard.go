package web

import (
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/i18n"
	"github.com/fleetcharge/fleetcharge/report"
)

// The start page at a glance: this month's sessions, energy and cost (the
// matching report's own summary), the stations' health now, the latest
// sessions and what needs attention.

// dashboardStationsScanned bounds the stations the health counts read.
const dashboardStationsScanned = 5000

// dashboardGlance is the start page's figures.
type dashboardGlance struct {
	PeriodTitle string
	Period      []reportFigure
	PeriodLink  string
	// PeriodChart draws the period's energy per week (days 1–7, 8–14, 15–21, 22–end),
	// each bar the same report over those days; periodWh are the bars'
	// energies, which add up to the period's.
	PeriodChart *reportChart
	periodWh    []int64
	Health      []fact
	Latest      *table
	Attention   []attention
}

// attention is one thing that needs attention: a message with two
// arguments, translated as a whole, and the page where it is dealt with.
type attention struct {
	Href, Format, A, B string
}

// dashboardExpiringDays is how far ahead the start page looks for cards
// about to expire.
const dashboardExpiringDays = 30

// dashboardStatementsScanned bounds the statements to approve the start
// page reads.
const dashboardStatementsScanned = 5000

// glance fills the start page's figures the view's rights allow.
func (s *Server) glance(r *http.Request, v *view) (*dashboardGlance, error) {
	ctx := r.Context()
	g := &dashboardGlance{}
	now := s.cfg.Now().In(v.Loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, v.Loc)
	// The period: the charge-sessions report of this month, on the card
	// side for fleet managers, else on the station side.
	side := ""
	switch {
	case v.can(access.ReportsFleet):
		side = fc.SideCard
	case v.can(access.ReportsFacility):
		side = fc.SideStation
	}
	if side != "" {
		q := url.Values{"from": {month.Format(time.DateOnly)}, "to": {month.AddDate(0, 1, 0).Format(time.DateOnly)}}
		if side != fc.ReportSide(fc.ReportChargeSessions) {
			q.Set("side", side)
		}
		target := "/reports/" + fc.ReportChargeSessions + "?" + q.Encode()
		rq := r.Clone(ctx)
		rq.URL, _ = url.Parse(target)
		rq.SetPathValue("report", fc.ReportChargeSessions)
		rr, err := s.readReport(rq, v)
		if err != nil {
			return nil, err
		}
		if rr.Err == nil {
			p := rr.Params
			p.Format, p.Limit = report.FormatJSON, 1
			res, err := report.Run(ctx, rr.Store, rr.Scope, p)
			if err != nil {
				return nil, err
			}
			g.PeriodTitle = "This month, " + month.Format("January 2006")
			g.Period, g.PeriodLink = reportSummary(res.Totals, side == fc.SideStation), target
			if g.PeriodChart, g.periodWh, err = s.glanceChart(r, rr); err != nil {
				return nil, err
			}
		}
	}
	// Station health now.
	if v.can(access.StationsRead) || v.can(access.StationsHomeRead) {
		online, offline, faulted := 0, 0, 0
		f := fc.StationFilter{Page: fc.Page{Limit: fc.MaxPageSize}}
		for scanned := 0; scanned < dashboardStationsScanned; {
			sts, err := s.app.Stations(ctx, v.Subj, f)
			if err != nil {
				return nil, err
			}
			for _, st := range sts {
				if st.Connection == fc.StationOnline {
					online++
				} else {
					offline++
				}
				for _, cp := range st.ChargePoints {
					if cp.Status == "Faulted" {
						faulted++
						g.Attention = append(g.Attention, attention{objectPath(fc.KindStation, st.ID), "Station %s: connector %s faulted",
							st.Identity, strconv.Itoa(cp.ConnectorID)})
						break
					}
				}
			}
			scanned += len(sts)
			if len(sts) < f.Limit {
				break
			}
			f.After = sts[len(sts)-1].ID
		}
		g.Health = []fact{
			{Label: "Online", Value: strconv.Itoa(online), Href: "/stations?state=" + fc.StationOnline, Class: "conn-online"},
			{Label: "Offline", Value: strconv.Itoa(offline), Href: "/stations?state=" + fc.StationOffline, Class: "conn-offline"},
			{Label: "A connector faulted", Value: strconv.Itoa(faulted), Href: "/stations?state=faulted", Class: "cp-faulted"},
		}
	}
	// Reimbursement statements to approve, by month, newest first.
	if v.can(access.ReimbursementApprove) {
		items, err := s.statementsToApprove(r, v)
		if err != nil {
			return nil, err
		}
		g.Attention = append(g.Attention, items...)
	}
	// Cards about to expire, counted by the cards list's own scoped query
	// with the filter the link opens.
	if v.can(access.CardsRead) {
		n := 0
		if _, err := s.app.Cards(ctx, v.Subj, fc.CardFilter{ExpiringDays: dashboardExpiringDays, Page: fc.Page{Limit: 1, Count: &n}}); err != nil {
			return nil, err
		}
		if n > 0 {
			days := strconv.Itoa(dashboardExpiringDays)
			g.Attention = append(g.Attention, attention{"/cards?expiring=" + days, "Cards that expire within %s days: %s", days, strconv.Itoa(n)})
		}
	}
	// The latest sessions.
	if v.can(access.SessionsCardSideRead) || v.can(access.SessionsStationSideRead) {
		xs, err := s.app.Sessions(ctx, v.Subj, fc.SessionFilter{Page: fc.Page{Limit: 5, Desc: true}})
		if err != nil {
			return nil, err
		}
		n := s.names(ctx, v)
		t := &table{Caption: "Latest sessions", Columns: []string{"Session", "Started", "kWh", "Station"}, Empty: "No sessions yet."}
		for i := range xs {
			x := &xs[i]
			t.Rows = append(t.Rows, []cell{{Text: x.ID.String(), Href: objectPath(fc.KindSession, x.ID)}, {Text: v.when(x.StartedAt)},
				{Text: energyText(x.EnergyWh), Class: "num"}, n.sessionStation(x)})
		}
		g.Latest = t
	}
	return g, nil
}

// statementsToApprove counts the draft statements the user may approve,
// by month, each linking to its month's page, where they are the ones
// with a box to tick. The count reads the same scoped store query as
// approving does (app.ReimbursementStatementsToApprove).
func (s *Server) statementsToApprove(r *http.Request, v *view) ([]attention, error) {
	perMonth := map[string]int{}
	f := fc.ReimbursementStatementFilter{Page: fc.Page{Limit: fc.MaxPageSize}}
	for scanned := 0; scanned < dashboardStatementsScanned; {
		xs, err := s.app.ReimbursementStatementsToApprove(r.Context(), v.Subj, f)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			perMonth[x.Period]++
		}
		scanned += len(xs)
		if len(xs) < f.Limit {
			break
		}
		f.After = xs[len(xs)-1].ID
	}
	months := slices.Sorted(maps.Keys(perMonth))
	slices.Reverse(months)
	var out []attention
	for _, p := range months {
		month, err := fc.ParsePeriod(p)
		if err != nil {
			return nil, err
		}
		out = append(out, attention{"/reimbursement?period=" + p, "Reimbursement statements of %s to approve: %s",
			month.Format("January 2006"), strconv.Itoa(perMonth[p])})
	}
	return out, nil
}

// glanceChart draws the energy of the start page's period per week: the
// days 1–7, 8–14, 15–21 and 22 to the month's end, each bar the same report
// (the same store and scope, the same filters) over those days with the
// totals only. The report's periods start sessions in [From, To), so the
// weeks partition the period and their energies add up to its figure.
func (s *Server) glanceChart(r *http.Request, rr *reportRequest) (*reportChart, []int64, error) {
	ctx := r.Context()
	tag := i18n.FromContext(ctx)
	title := i18n.T(tag, "Energy (kWh) per week of the month")
	c := &reportChart{ID: "chart-glance", Title: title, Width: barWidth}
	type week struct {
		label string
		wh    int64
	}
	var weeks []week
	var whs []int64
	p := rr.Params
	p.Format, p.Limit, p.GroupBy = report.FormatJSON, 1, ""
	for i, from := 0, rr.Params.From; from.Before(rr.Params.To); i++ {
		to := from.AddDate(0, 0, 7)
		if i == 3 || to.After(rr.Params.To) {
			to = rr.Params.To // the fourth week runs to the month's end
		}
		p.From, p.To = from, to
		res, err := report.Run(ctx, rr.Store, rr.Scope, p)
		if err != nil {
			return nil, nil, err
		}
		last := to.Add(-time.Nanosecond).In(from.Location())
		weeks = append(weeks, week{i18n.T(tag, "days %d–%d", from.Day(), last.Day()), res.Totals.All.EnergyWh})
		whs = append(whs, res.Totals.All.EnergyWh)
		from = to
	}
	top := int64(0)
	for _, w := range weeks {
		top = max(top, w.wh)
	}
	if top <= 0 {
		c.Empty = true
		return c, whs, nil
	}
	span := float64(barWidth - barLabelWidth - barValueWidth)
	var desc []string
	for i, w := range weeks {
		y := 4 + i*barRow
		n := int(math.Round(float64(w.wh) / float64(top) * span))
		if n == 0 && w.wh > 0 {
			n = 1
		}
		v := energyKWhText(w.wh)
		c.Bars = append(c.Bars, chartBar{Label: w.label, Value: v, Y: y, W: n, TextY: y + 13, Color: barColor})
		desc = append(desc, w.label+i18n.Colon(tag)+i18n.Localize(tag, v))
	}
	c.Height = 8 + len(weeks)*barRow
	c.Desc = title + ". " + strings.Join(desc, i18n.Semicolon(tag)) + "."
	return c, whs, nil
}

// energyKWhText writes energy as the start page's figures do: kWh with one
// decimal, thousands grouped.
func energyKWhText(wh int64) string {
	return groupThousands(strconv.FormatFloat(float64(wh)/1000, 'f', 1, 64)) + " kWh"
}
