package report

import (
	"slices"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// rollup folds a report's rows into groups: accounts, organizations (each
// with all its subtree), or months. Groups are few (accounts, organizations,
// months), so they are held in memory while the rows stream by.
type rollup struct {
	j      *job
	by     string
	groups map[int64]*group
}

// group is one roll-up: what names it, its figures per currency, its
// charging time over all currencies, and the charge points it measures.
type group struct {
	head fc.ReportRow // AccountID/AccountName, OrgIDs/OrgNames
	// sort orders groups by organization path, a parent before its
	// children, then by account name.
	sort   string
	bucket int
	cur    map[string]*fc.ReportRow
	busy   int64
	points map[capKey]int64
}

func newRollup(j *job) *rollup {
	g := &rollup{j: j, by: j.p.GroupBy, groups: map[int64]*group{}}
	if g.by == GroupByMonth {
		// Every month of the period has a row, with or without sessions.
		for i := 0; i < len(j.bounds)-1; i++ {
			g.group(int64(i), func(x *group) { x.bucket = i })
		}
	}
	return g
}

func (g *rollup) group(key int64, init func(x *group)) *group {
	x, ok := g.groups[key]
	if !ok {
		x = &group{cur: map[string]*fc.ReportRow{}, points: map[capKey]int64{}}
		init(x)
		g.groups[key] = x
	}
	return x
}

// add folds one stored row into the groups it belongs to.
func (g *rollup) add(r *fc.ReportRow) {
	switch g.by {
	case GroupByAccount:
		g.group(int64(r.AccountID), func(x *group) {
			x.head = fc.ReportRow{AccountID: r.AccountID, AccountName: r.AccountName, OrgIDs: r.OrgIDs, OrgNames: r.OrgNames}
			x.sort = strings.Join(r.OrgNames, "\x01") + "\x00" + r.AccountName + "\x00" + r.AccountID.String()
		}).add(g.j.d, r)
	case GroupByOrganization:
		for i := g.j.firstCovered(r); i < len(r.OrgIDs); i++ {
			g.group(int64(r.OrgIDs[i]), func(x *group) {
				x.head = fc.ReportRow{OrgIDs: r.OrgIDs[:i+1], OrgNames: r.OrgNames[:i+1]}
				x.sort = strings.Join(r.OrgNames[:i+1], "\x01") + "\x00" + r.OrgIDs[i].String()
			}).add(g.j.d, r)
		}
	case GroupByMonth:
		g.groups[int64(r.Bucket)].add(g.j.d, r)
	}
}

func (x *group) add(d *definition, r *fc.ReportRow) {
	if d.points != nil && r.StationID != 0 {
		k, n := d.points(r)
		x.points[k] = n
	}
	if r.Figures.Sessions == 0 && r.Figures.BusyMS == 0 {
		return
	}
	c, ok := x.cur[r.Currency]
	if !ok {
		c = &fc.ReportRow{Currency: r.Currency}
		x.cur[r.Currency] = c
	}
	c.Figures.Add(r.Figures)
	for k := range r.ByKind {
		c.ByKind[k].Add(r.ByKind[k])
	}
	x.busy += r.Figures.BusyMS
}

// rows returns the roll-up rows in order, one per group and currency (one
// with zeros for a group without sessions). Utilization is the group's,
// over all its currencies: its charging time over the measured part of its
// period times its charge points (every charge point of the report, for a
// month).
func (g *rollup) rows(t *Totals) []row {
	list := make([]*group, 0, len(g.groups))
	for _, x := range g.groups {
		list = append(list, x)
	}
	slices.SortFunc(list, func(a, b *group) int {
		if c := strings.Compare(a.sort, b.sort); c != 0 {
			return c
		}
		return a.bucket - b.bucket
	})
	var allPoints int64
	for _, n := range t.points {
		allPoints += n
	}
	var out []row
	for _, x := range list {
		var capacity int64
		var avail span
		if g.by == GroupByMonth {
			capacity = allPoints * g.j.measured(x.bucket)
			for k := range t.points {
				avail.add(g.j.availability(k, x.bucket))
			}
		} else {
			for k, n := range x.points {
				capacity += n
				avail.add(g.j.availability(k, -1))
			}
			capacity *= g.j.measured(-1)
		}
		month := ""
		if g.by == GroupByMonth {
			month = g.j.monthLabel(x.bucket)
		}
		currencies := make([]string, 0, len(x.cur))
		for c := range x.cur {
			currencies = append(currencies, c)
		}
		slices.Sort(currencies)
		if len(currencies) == 0 {
			currencies = []string{""}
		}
		for _, c := range currencies {
			r := x.head
			if f := x.cur[c]; f != nil {
				r.Figures, r.ByKind = f.Figures, f.ByKind
			}
			r.Currency, r.Bucket = c, x.bucket
			out = append(out, row{ReportRow: &r, busy: x.busy, capacity: capacity, avail: avail, month: month})
		}
	}
	return out
}
