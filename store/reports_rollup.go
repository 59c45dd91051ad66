package store

import (
	"sort"

	fc "github.com/fleetcharge/fleetcharge"
)

// span is an interval of instants [from, to), in ms.
type span struct{ from, to int64 }

// floorDay and ceilDay round an instant to the roll-up days (UTC), as the
// roll-ups' day column does: started_at - started_at % 86400000.
func floorDay(t int64) int64 { return t - t%rollupDayMS }
func ceilDay(t int64) int64 {
	if f := floorDay(t); f != t {
		return f + rollupDayMS
	}
	return t
}

// maxRollupHoles bounds the days cut by bucket bounds that a roll-up read
// leaves out; more (buckets shorter than days) read every session.
const maxRollupHoles = 400

// planRollups decides which days of the period the report reads from the
// daily roll-ups: the whole UTC days inside each bucket. A filter the
// roll-ups do not key (a station on the card side, a card or employee on
// the station side) reads every session, as does a period before 1970.
func (b *reportSQL) planRollups() {
	switch {
	case b.side == fc.SideCard && b.rq.StationID != 0,
		b.side == fc.SideStation && (b.rq.EmployeeID != 0 || b.rq.CardID != 0),
		b.from-utilizationLookback.Milliseconds() < 0:
		return
	}
	whole := make([]span, len(b.bounds)-1)
	any, holes := false, 0
	var last int64 = -1
	for k := range whole {
		fs, fe := ceilDay(b.bounds[k]), floorDay(b.bounds[k+1])
		if fs < fe {
			whole[k], any = span{fs, fe}, true
			if last >= 0 {
				holes += int((fs - last) / rollupDayMS)
			}
			last = fe
		}
	}
	if any && holes <= maxRollupHoles {
		b.whole = whole
	}
}

// wholeSpans returns the non-empty whole-day spans.
func (b *reportSQL) wholeSpans() []span {
	var out []span
	for _, w := range b.whole {
		if w.from < w.to {
			out = append(out, w)
		}
	}
	return out
}

// rawSpans returns, sorted and disjoint, the starts of the sessions read
// one by one: the period (with the look-back of station reports) less the
// whole days, and on station reports the last seven days of each bucket's
// whole days, whose sessions may charge past the bucket's end.
func (b *reportSQL) rawSpans() []span {
	lo := b.from
	if b.busy {
		lo -= utilizationLookback.Milliseconds()
	}
	var out []span
	at := lo
	for _, w := range b.wholeSpans() {
		if at < w.from {
			out = append(out, span{at, w.from})
		}
		at = w.to
	}
	if at < b.to {
		out = append(out, span{at, b.to})
	}
	if b.busy {
		for k, w := range b.whole {
			if w.from < w.to {
				out = append(out, span{max(w.from, b.bounds[k+1]-utilizationLookback.Milliseconds()), w.to})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	var merged []span
	for _, s := range out {
		if n := len(merged); n > 0 && s.from <= merged[n-1].to {
			merged[n-1].to = max(merged[n-1].to, s.to)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// spansPred appends a predicate that holds when col lies in one of spans
// (FALSE for none). Bounds are integers, written as literals.
func spansPred(q *query, col string, spans []span) *query {
	if len(spans) == 0 {
		return q.add(`1 = 0`)
	}
	q.add(`(`)
	for i, s := range spans {
		if i > 0 {
			q.add(` OR `)
		}
		q.add(`(` + col + ` >= `).int(s.from).add(` AND ` + col + ` < `).int(s.to).add(`)`)
	}
	return q.add(`)`)
}

// sources appends the UNION ALL of the parts whose rows grouped sums,
// each with the columns cols, location_kind, currency, bucket, n, wh, s,
// cost, busy, r_wh and r_minor.
func (b *reportSQL) sources(q *query, cols []string) {
	if b.whole == nil {
		b.rawPart(q, cols, func() { b.sessionsWhere(q) })
		return
	}
	whole := b.wholeSpans()
	lo := b.from
	if b.busy {
		lo -= utilizationLookback.Milliseconds()
	}
	overlap := func() {
		if b.busy {
			q.add(` AND (s.started_at >= `).arg(b.from).add(` OR COALESCE(s.stopped_at, `).big(b.now).add(`) > `).arg(b.from).add(`)`)
		}
		q.add(` AND `)
		b.sessionFilters(q)
	}
	raw := b.rawSpans()
	for i, r := range raw {
		if i > 0 {
			q.add(` UNION ALL `)
		}
		b.rawPart(q, cols, func() {
			q.add(`s.started_at >= `).int(r.from).add(` AND s.started_at < `).int(r.to)
			overlap()
		})
	}
	if b.busy {
		// Running sessions, those longer than the look-back and those
		// stopped before they started, in whole days, for their charging
		// time past their bucket's end (or before its start).
		q.add(` UNION ALL `)
		b.rawPart(q, cols, func() {
			q.add(`s.started_at >= `).int(lo).add(` AND s.started_at < `).int(b.to).
				add(` AND (s.stopped_at IS NULL OR s.stopped_at - s.started_at > 604800000 OR s.stopped_at < s.started_at) AND NOT `)
			spansPred(q, "s.started_at", raw)
			overlap()
		})
	}
	if len(raw) > 0 {
		q.add(` UNION ALL `)
	}
	b.rollupPart(q, cols, whole)
	if b.reimbursed {
		q.add(` UNION ALL `)
		b.reimbursedPart(q, cols, whole)
	}
}

// rawPart appends the SELECT of the sessions s that where selects, one row
// each. On station reports a session in whole days is counted by the
// roll-ups with its charging time up to its stop: its row here adds only
// what its bucket's end (or the time still running) changes of that.
func (b *reportSQL) rawPart(q *query, cols []string, where func()) {
	q.add(`SELECT `)
	for _, c := range cols {
		q.add(`y.` + c + `, `)
	}
	q.add(`y.location_kind, y.currency, y.bucket, y.cnt AS n, y.cnt * y.energy_wh AS wh, y.cnt * y.duration_s AS s, y.cnt * y.cost_minor AS cost, `)
	if b.busy {
		q.add(`CASE WHEN y.se > y.ws AND y.started_at < y.we THEN
			(CASE WHEN y.se > y.we THEN y.we ELSE y.se END) - (CASE WHEN y.started_at < y.ws THEN y.ws ELSE y.started_at END)
			ELSE 0 END - y.rolled_busy AS busy`)
	} else {
		q.add(`0 AS busy`)
	}
	if b.reimbursed {
		q.add(`, y.r_wh, y.r_minor`)
	} else {
		q.add(`, 0 AS r_wh, 0 AS r_minor`)
	}
	q.add(` FROM (SELECT `)
	for _, c := range cols {
		q.add(`s.` + c + `, `)
	}
	q.add(`s.location_kind, s.currency, s.started_at, s.energy_wh, s.duration_s, s.cost_minor, `)
	b.bucketExpr(q, "value")
	q.add(` AS bucket`)
	whole := b.wholeSpans()
	if b.busy {
		q.add(`, CASE WHEN s.started_at >= `).arg(b.from)
		if len(whole) > 0 {
			q.add(` AND NOT `)
			spansPred(q, "s.started_at", whole)
		}
		q.add(` THEN 1 ELSE 0 END AS cnt, `)
		b.bucketExpr(q, "start")
		q.add(` AS ws, `)
		b.bucketExpr(q, "end")
		q.add(` AS we, COALESCE(s.stopped_at, `).big(b.now).add(`) AS se, `)
		if len(whole) > 0 {
			q.add(`CASE WHEN `)
			spansPred(q, "s.started_at", whole)
			q.add(` THEN CASE WHEN s.stopped_at >= s.started_at THEN s.stopped_at - s.started_at ELSE 0 END ELSE 0 END AS rolled_busy`)
		} else {
			q.add(`0 AS rolled_busy`)
		}
	} else {
		q.add(`, 1 AS cnt`)
	}
	if b.reimbursed {
		// A session is on one statement at most.
		q.add(`, CASE WHEN rs.id IS NULL THEN 0 ELSE rl.energy_wh END AS r_wh, CASE WHEN rs.id IS NULL THEN 0 ELSE rl.amount_minor END AS r_minor
			FROM sessions s LEFT JOIN reimbursement_lines rl ON rl.session_id = s.id
			LEFT JOIN reimbursement_statements rs ON rs.id = rl.statement_id AND rs.status <> 'draft' AND rs.currency = s.currency WHERE `)
	} else {
		q.add(` FROM sessions s WHERE `)
	}
	where()
	q.add(`) y`)
}

// rollupPart appends the SELECT of the roll-up rows of the whole days.
func (b *reportSQL) rollupPart(q *query, cols []string, whole []span) {
	table, account := "session_days_card", "r.card_account_id"
	if b.side == fc.SideStation {
		table, account = "session_days_station", "r.station_account_id"
	}
	q.add(`SELECT `)
	for _, c := range cols {
		switch c {
		case "card_id", "employee_id", "station_id":
			q.add(`NULLIF(r.` + c + `, 0) AS ` + c + `, `)
		default:
			q.add(`r.` + c + `, `)
		}
	}
	q.add(`r.location_kind, r.currency, `)
	b.bucketOf(q, "value", "r.day")
	q.add(` AS bucket, r.n, r.energy_wh AS wh, r.duration_s AS s, r.cost_minor AS cost, `)
	if b.busy {
		q.add(`r.busy_ms AS busy`)
	} else {
		q.add(`0 AS busy`)
	}
	q.add(`, 0 AS r_wh, 0 AS r_minor FROM ` + table + ` r WHERE r.day >= `).int(whole[0].from).add(` AND r.day < `).int(whole[len(whole)-1].to)
	if len(whole) > 1 {
		q.add(` AND `)
		spansPred(q, "r.day", whole)
	}
	q.add(` AND `)
	b.inScope(q, account)
	if b.rq.Report == fc.ReportEmployees {
		q.add(` AND r.employee_id <> 0`)
	}
	if b.rq.EmployeeID != 0 {
		q.add(` AND r.employee_id = `).arg(int64(b.rq.EmployeeID))
	}
	if b.rq.CardID != 0 {
		q.add(` AND r.card_id = `).arg(int64(b.rq.CardID))
	}
	if b.rq.StationID != 0 {
		q.add(` AND r.station_id = `).arg(int64(b.rq.StationID))
	}
	if b.rq.LocationKind != "" {
		q.add(` AND r.location_kind = `).arg(b.rq.LocationKind)
	}
}

// reimbursedPart appends the SELECT of the reimbursed energy and amounts of
// the sessions in whole days (the roll-ups count their other figures),
// read from the approved and paid statements' lines.
func (b *reportSQL) reimbursedPart(q *query, cols []string, whole []span) {
	q.add(`SELECT `)
	for _, c := range cols {
		q.add(`s.` + c + `, `)
	}
	q.add(`s.location_kind, s.currency, `)
	b.bucketExpr(q, "value")
	q.add(` AS bucket, 0 AS n, 0 AS wh, 0 AS s, 0 AS cost, 0 AS busy, rl.energy_wh AS r_wh, rl.amount_minor AS r_minor
		FROM reimbursement_statements rs JOIN reimbursement_lines rl ON rl.statement_id = rs.id JOIN sessions s ON s.id = rl.session_id
		WHERE rs.provider_id = `).arg(int64(b.rq.Scope.ProviderID)).add(` AND rs.status <> 'draft' AND rs.currency = s.currency AND `)
	spansPred(q, "s.started_at", whole)
	q.add(` AND `)
	b.sessionFilters(q)
}
