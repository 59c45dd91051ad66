package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// utilizationLookback is how long before a period's start a session may
// have started and still count, for its part inside the period, in the
// charging time (utilization) of station reports. Sessions longer than this
// are rare enough that the bounded index range is worth it.
const utilizationLookback = 7 * 24 * time.Hour

// maxReportBuckets bounds ReportQuery.Buckets (ten years of months).
const maxReportBuckets = 120

// Report computes one report (fc.ReportStore) and streams its rows to fn
// within one read transaction. The SQL reads the sessions of the side's
// accounts in scope by index range (sessions_card_side or
// sessions_station_side on account and start), groups them by subject,
// account, currency and bucket, and joins the subjects' descriptions; the
// organization paths come from one small query of the organizations above
// the accounts in scope.
func (s *Store) Report(ctx context.Context, rq fc.ReportQuery, fn func(*fc.ReportRow) error) error {
	return s.report(ctx, rq, fn, readRollups)
}

// readRollups says whether reports read the daily roll-ups. They are kept
// and proven equal to the sessions (TestRollupsEqualSessions), but measured
// side by side on 10 million sessions every report read them slower than the
// sessions, in time and in CPU (docs/BENCHMARKS.md, Reports from roll-ups): a
// card charges about once on the days it charges, so a day's row per card
// folds nothing. Reports read the sessions until coarser roll-ups pay.
const readRollups = false

// report is Report, reading the daily roll-ups of the whole days of the
// period when rollups is set, or every session otherwise (the reference
// the roll-ups' equivalence test compares with).
func (s *Store) report(ctx context.Context, rq fc.ReportQuery, fn func(*fc.ReportRow) error, rollups bool) error {
	b, err := newReportSQL(s.dialect, rq, s.now())
	if err != nil {
		return err
	}
	if !rollups {
		b.whole = nil
	}
	return s.read(ctx, func(tx *sql.Tx) error {
		if err := b.checkScope(ctx, tx); err != nil {
			return err
		}
		orgs := &reportOrgs{}
		if !rq.TotalsOnly {
			var err error
			if orgs, err = b.loadOrgs(ctx, tx); err != nil {
				return fmt.Errorf("report %s: organizations: %w", rq.Report, err)
			}
		}
		q := b.build()
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return fmt.Errorf("report %s: %w", rq.Report, err)
		}
		defer rows.Close()
		var r fc.ReportRow
		for rows.Next() {
			r = fc.ReportRow{} // one row, reused: fn copies what it keeps
			orgID, err := b.scan(rows, &r)
			if err != nil {
				return fmt.Errorf("report %s: %w", rq.Report, err)
			}
			r.OrgIDs, r.OrgNames = orgs.chain(orgID)
			if err := fn(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// reportSQL builds the statements of one report.
type reportSQL struct {
	d        dialect
	rq       fc.ReportQuery
	side     string
	reach    fc.Reach // the reach of the side's report right
	sideCol  string   // the session column of the side's account
	from, to int64    // the period, ms
	bounds   []int64  // from, the buckets, to
	now      int64
	// kinds splits the figures by location kind; idle adds the subjects
	// without sessions; busy computes the charging time (station reports);
	// reimbursed adds the energy and amount of the sessions on approved
	// or paid reimbursement statements in the session's currency.
	kinds, idle, busy, reimbursed bool
	// whole holds, per bucket, the whole roll-up days inside it (empty
	// when none, or when the report reads no roll-up).
	whole []span
}

func newReportSQL(d dialect, rq fc.ReportQuery, now time.Time) (*reportSQL, error) {
	b := &reportSQL{d: d, rq: rq, side: rq.Side, now: ms(now)}
	fields := map[string]string{}
	own := fc.ReportSide(rq.Report)
	switch {
	case !knownReport(rq.Report):
		fields["report"] = "is not a report"
	case b.side == "":
		b.side = own
	case b.side != own && rq.Report != fc.ReportChargeSessions:
		fields["side"] = "must be " + own + " for this report"
	case b.side != fc.SideCard && b.side != fc.SideStation:
		fields["side"] = "must be card or station"
	}
	if rq.From.IsZero() || rq.To.IsZero() {
		fields["period"] = "needs a start and an end"
	} else if !rq.From.Before(rq.To) {
		fields["period"] = "must end after it starts"
	}
	if len(rq.Buckets) > maxReportBuckets {
		fields["buckets"] = fmt.Sprintf("are more than %d", maxReportBuckets)
	}
	b.from, b.to = ms(rq.From), ms(rq.To)
	b.bounds = append(b.bounds, b.from)
	for _, t := range rq.Buckets {
		v := ms(t)
		if v <= b.bounds[len(b.bounds)-1] || v >= b.to {
			fields["buckets"] = "must be sorted and inside the period"
			break
		}
		b.bounds = append(b.bounds, v)
	}
	b.bounds = append(b.bounds, b.to)
	switch rq.LocationKind {
	case "", fc.LocationOffice, fc.LocationHome, fc.LocationPublic:
	default:
		fields["location_kind"] = "must be office, home or public"
	}
	if rq.OrganizationID != 0 && rq.AccountID != 0 {
		fields["scope"] = "is an organization or an account, not both"
	}
	if rq.Limit < 0 {
		fields["limit"] = "must not be negative"
	}
	if rq.After != nil && rq.Report != fc.ReportChargeSessions {
		fields["after"] = "is for the charge session report only"
	}
	if rq.ByAccount && b.side == fc.SideStation && rq.Report != fc.ReportChargeSessions {
		fields["by_account"] = "is not for the station reports, whose utilization needs every charge point"
	}
	if rq.After != nil && rq.ByAccount {
		fields["after"] = "does not page a roll-up"
	}
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	if b.side == fc.SideStation {
		b.reach, b.sideCol = rq.Scope.StationSide, "s.station_account_id"
	} else {
		b.reach, b.sideCol = rq.Scope.CardSide, "s.card_account_id"
	}
	switch rq.Report {
	case fc.ReportSessionsPerEmployee, fc.ReportSessionsPerCard:
		b.kinds = true
		b.reimbursed = rq.Report == fc.ReportSessionsPerEmployee
	case fc.ReportChargeStations, fc.ReportSessionsPerChargePoint:
		b.busy = true
	}
	switch {
	case rq.ByAccount:
		// Roll-up rows have no subjects, idle or not.
	case rq.Report == fc.ReportChargeCards || rq.Report == fc.ReportEmployees:
		// Listing reports filtered by what only sessions have list no
		// subject without sessions.
		b.idle = rq.Idle && rq.StationID == 0 && rq.LocationKind == ""
	case rq.Report == fc.ReportChargeStations || rq.Report == fc.ReportSessionsPerChargePoint:
		b.idle = rq.Idle && rq.EmployeeID == 0 && rq.CardID == 0
	}
	b.planRollups()
	return b, nil
}

func knownReport(name string) bool {
	for _, r := range fc.Reports {
		if r == name {
			return true
		}
	}
	return false
}

// checkScope refuses an asked organization or account outside the reach, as
// not found.
func (b *reportSQL) checkScope(ctx context.Context, tx *sql.Tx) error {
	q := &query{}
	var kind string
	var id fc.ID
	switch {
	case b.rq.OrganizationID != 0:
		kind, id = fc.KindOrganization, b.rq.OrganizationID
		q.add(`SELECT COUNT(*) FROM organizations o WHERE o.id = `).arg(int64(id)).
			add(` AND o.provider_id = `).arg(int64(b.rq.Scope.ProviderID)).add(` AND `).orgReach("o.id", b.reach)
	case b.rq.AccountID != 0:
		kind, id = fc.KindAccount, b.rq.AccountID
		q.add(`SELECT COUNT(*) FROM accounts a WHERE a.id = `).arg(int64(id)).
			add(` AND a.provider_id = `).arg(int64(b.rq.Scope.ProviderID)).add(` AND `).reach("a.id", b.reach)
	default:
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound(kind, id)
	}
	return nil
}

// inScope appends a predicate that holds when the account ID in col is one
// of the report's accounts: in the provider, within the reach, and within the
// asked organization subtree or account. It is what scopes every row of a
// report to the provider, too: subjects and sessions are taken through
// their account, whose index drives the plan.
func (b *reportSQL) inScope(q *query, col string) *query {
	if b.rq.OrganizationID != 0 {
		// From the subtree down: the closure finds its organizations, their
		// accounts come by index. The unary plus keeps SQLite from reading
		// the provider's every account by the provider index instead.
		q.add(col + ` IN (SELECT sa.id FROM org_closure sc JOIN accounts sa ON sa.organization_id = sc.descendant_id WHERE sc.ancestor_id = `).
			arg(int64(b.rq.OrganizationID)).add(` AND +sa.provider_id = `).arg(int64(b.rq.Scope.ProviderID))
	} else {
		q.add(col + ` IN (SELECT sa.id FROM accounts sa WHERE sa.provider_id = `).arg(int64(b.rq.Scope.ProviderID))
	}
	q.add(` AND `).reach("sa.id", b.reach)
	if b.rq.AccountID != 0 {
		q.add(` AND sa.id = `).arg(int64(b.rq.AccountID))
	}
	return q.add(`)`)
}

// big appends v as a placeholder typed BIGINT, for positions where
// PostgreSQL cannot infer the type.
func (q *query) big(v int64) *query {
	q.add(`CAST(`).arg(v)
	return q.add(` AS BIGINT)`)
}

// build returns the report's statement.
func (b *reportSQL) build() *query {
	q := &query{}
	if b.rq.TotalsOnly {
		b.totals(q)
		return q
	}
	b.rows(q)
	if b.rq.Limit > 0 {
		q.add(` LIMIT `).arg(b.rq.Limit)
	}
	return q
}

// rows appends the statement of the report's rows.
func (b *reportSQL) rows(q *query) {
	if b.rq.ByAccount {
		account := strings.TrimPrefix(b.sideCol, "s.")
		b.aggregate(q, account, "", account)
		b.idleRows(q, nil)
		q.add(`SELECT ` + b.rowColumns() + `, a.name, a.organization_id FROM r JOIN accounts a ON a.id = r.account_id` +
			b.orderBy(""))
		return
	}
	switch b.rq.Report {
	case fc.ReportChargeSessions:
		b.sessionList(q)
	case fc.ReportChargeCards, fc.ReportSessionsPerCard:
		b.aggregate(q, "card_id", "", "card_account_id")
		b.idleRows(q, func() {
			q.add(`SELECT c.id, 0, c.account_id` + b.zeros() + ` FROM cards c LEFT JOIN (SELECT DISTINCT subject_id FROM agg) u ON u.subject_id = c.id
				WHERE u.subject_id IS NULL AND `)
			b.inScope(q, "c.account_id")
			if b.rq.CardID != 0 {
				q.add(` AND c.id = `).arg(int64(b.rq.CardID))
			}
			if b.rq.EmployeeID != 0 {
				q.add(` AND c.employee_id = `).arg(int64(b.rq.EmployeeID))
			}
		})
		q.add(`SELECT ` + b.rowColumns() + `, COALESCE(c.external_id, ''), COALESCE(c.internal_id, ''), COALESCE(c.status, ''),
			c.created_at, c.last_used_at, COALESCE(c.employee_id, 0), COALESCE(e.name, ''), a.name, a.organization_id
			FROM r LEFT JOIN cards c ON c.id = r.subject_id JOIN accounts a ON a.id = r.account_id
			LEFT JOIN employees e ON e.id = c.employee_id
			` + b.orderBy("COALESCE(c.external_id, '')", "COALESCE(r.subject_id, 0)"))
	case fc.ReportEmployees, fc.ReportSessionsPerEmployee:
		b.aggregate(q, "employee_id", "", "card_account_id")
		b.idleRows(q, func() {
			q.add(`SELECT e.id, 0, e.account_id` + b.zeros() + ` FROM employees e LEFT JOIN (SELECT DISTINCT subject_id FROM agg) u ON u.subject_id = e.id
				WHERE u.subject_id IS NULL AND `)
			b.inScope(q, "e.account_id")
			if b.rq.EmployeeID != 0 {
				q.add(` AND e.id = `).arg(int64(b.rq.EmployeeID))
			}
			if b.rq.CardID != 0 {
				q.add(` AND e.id IN (SELECT fc.employee_id FROM cards fc WHERE fc.id = `).arg(int64(b.rq.CardID)).add(`)`)
			}
		})
		q.add(`SELECT ` + b.rowColumns() + `, COALESCE(e.name, ''), COALESCE(e.email, ''), COALESCE(e.employee_number, ''),
			COALESCE(e.active, FALSE),
			(SELECT COUNT(*) FROM cards ec WHERE ec.employee_id = e.id),
			COALESCE((SELECT MIN(hl.name) FROM locations hl WHERE hl.employee_id = e.id AND hl.kind = 'home'), ''),
			a.name, a.organization_id
			FROM r LEFT JOIN employees e ON e.id = r.subject_id JOIN accounts a ON a.id = r.account_id
			` + b.orderBy("COALESCE(e.name, '')", "COALESCE(r.subject_id, 0)"))
	case fc.ReportChargeStations:
		b.aggregate(q, "station_id", "", "station_account_id")
		b.idleRows(q, func() {
			q.add(`SELECT st.id, 0, st.account_id` + b.zeros() + ` FROM stations st LEFT JOIN (SELECT DISTINCT subject_id FROM agg) u ON u.subject_id = st.id
				WHERE u.subject_id IS NULL AND `)
			b.inScope(q, "st.account_id")
			b.stationFilters(q)
		})
		q.add(`SELECT ` + b.rowColumns() + `, COALESCE(st.identity, ''), COALESCE(l.name, ''), COALESCE(l.kind, ''),
			COALESCE(st.vendor, ''), COALESCE(st.model, ''), COALESCE(st.firmware, ''), COALESCE(st.online, FALSE), st.last_heartbeat_at,
			(SELECT COUNT(*) FROM charge_points cp WHERE cp.station_id = st.id), 0, '', a.name, a.organization_id
			FROM r LEFT JOIN stations st ON st.id = r.subject_id LEFT JOIN locations l ON l.id = st.location_id
			JOIN accounts a ON a.id = r.account_id
			` + b.orderBy("COALESCE(st.identity, '')", "COALESCE(r.subject_id, 0)"))
	case fc.ReportSessionsPerChargePoint:
		b.aggregate(q, "station_id", "connector_id", "station_account_id")
		b.idleRows(q, func() {
			q.add(`SELECT cp.station_id, cp.connector_id, st.account_id` + b.zeros() + ` FROM charge_points cp JOIN stations st ON st.id = cp.station_id
				LEFT JOIN (SELECT DISTINCT subject_id, sub2 FROM agg) u ON u.subject_id = cp.station_id AND u.sub2 = cp.connector_id
				WHERE u.subject_id IS NULL AND `)
			b.inScope(q, "st.account_id")
			b.stationFilters(q)
		})
		q.add(`SELECT ` + b.rowColumns() + `, COALESCE(st.identity, ''), COALESCE(l.name, ''), COALESCE(l.kind, ''),
			COALESCE(st.vendor, ''), COALESCE(st.model, ''), COALESCE(st.firmware, ''), COALESCE(st.online, FALSE), st.last_heartbeat_at,
			1, r.sub2, COALESCE(cp.status, ''), a.name, a.organization_id
			FROM r LEFT JOIN stations st ON st.id = r.subject_id LEFT JOIN locations l ON l.id = st.location_id
			LEFT JOIN charge_points cp ON cp.station_id = r.subject_id AND cp.connector_id = r.sub2
			JOIN accounts a ON a.id = r.account_id
			` + b.orderBy("COALESCE(st.identity, '')", "COALESCE(r.subject_id, 0)", "r.sub2"))
	}
}

// orderBy returns the ORDER BY clause of the rows r of an aggregated report
// joined to accounts a: by account name, account, the subject's text key
// (sorted by code point on both engines, like the names; none when ""),
// the subject's IDs, currency and bucket.
func (b *reportSQL) orderBy(textKey string, ids ...string) string {
	by := []string{b.d.byCodePoint("a.name"), "a.id"}
	if textKey != "" {
		by = append(by, b.d.byCodePoint(textKey))
	}
	by = append(by, ids...)
	by = append(by, b.d.byCodePoint("r.currency"), "r.bucket")
	return " ORDER BY " + strings.Join(by, ", ")
}

// stationFilters appends the filters that apply to stations without
// sessions.
func (b *reportSQL) stationFilters(q *query) {
	if b.rq.StationID != 0 {
		q.add(` AND st.id = `).arg(int64(b.rq.StationID))
	}
	if b.rq.LocationKind != "" {
		q.add(` AND st.location_id IN (SELECT fl.id FROM locations fl WHERE fl.kind = `).arg(b.rq.LocationKind).add(`)`)
	}
}

// sessionsWhere appends the conditions on the sessions s of the report: the
// period, the side's accounts in scope, and the filters.
func (b *reportSQL) sessionsWhere(q *query) {
	if b.busy {
		// Sessions that started shortly before the period count for their
		// charging time inside it; their other figures are left out.
		q.add(`s.started_at >= `).arg(b.from - utilizationLookback.Milliseconds()).add(` AND s.started_at < `).arg(b.to).
			add(` AND (s.started_at >= `).arg(b.from).add(` OR COALESCE(s.stopped_at, `).big(b.now).add(`) > `).arg(b.from).add(`)`)
	} else {
		q.add(`s.started_at >= `).arg(b.from).add(` AND s.started_at < `).arg(b.to)
	}
	q.add(` AND `)
	b.sessionFilters(q)
}

// sessionFilters appends the conditions on the sessions s of the report but
// the period: the side's accounts in scope, and the filters.
func (b *reportSQL) sessionFilters(q *query) {
	b.inScope(q, b.sideCol)
	if b.rq.Report == fc.ReportEmployees {
		q.add(` AND s.employee_id IS NOT NULL`)
	}
	if b.rq.EmployeeID != 0 {
		q.add(` AND s.employee_id = `).arg(int64(b.rq.EmployeeID))
	}
	if b.rq.CardID != 0 {
		q.add(` AND s.card_id = `).arg(int64(b.rq.CardID))
	}
	if b.side == fc.SideStation && (b.rq.EmployeeID != 0 || b.rq.CardID != 0) {
		// From the station side, a filter on a card or an employee only
		// finds what the caller sees on the card side too.
		q.add(` AND `).reach("s.card_account_id", b.rq.Scope.CardSide)
	}
	if b.rq.StationID != 0 {
		q.add(` AND s.station_id = `).arg(int64(b.rq.StationID))
	}
	if b.rq.LocationKind != "" {
		q.add(` AND s.location_kind = `).arg(b.rq.LocationKind)
	}
	if a := b.rq.After; a != nil && !b.rq.TotalsOnly {
		// In the index's (account, start, ID) order: a range on the start,
		// then the ID among the sessions of the same start.
		t := ms(a.StartedAt)
		q.add(` AND s.started_at >= `).arg(t).add(` AND (s.started_at > `).arg(t).add(` OR s.id > `).arg(int64(a.ID)).add(`)`)
	}
}

// bucketExpr appends the CASE that picks a session's bucket (value), or the
// bucket's start (start) or end (end) instant.
func (b *reportSQL) bucketExpr(q *query, what string) {
	b.bucketOf(q, what, "s.started_at")
}

// bucketOf is bucketExpr on the instant in column col.
func (b *reportSQL) bucketOf(q *query, what, col string) {
	n := len(b.bounds) - 1
	if n == 1 {
		switch what {
		case "start":
			q.big(b.from)
		case "end":
			q.big(b.to)
		default:
			q.add(`0`)
		}
		return
	}
	q.add(`CASE`)
	for i := 0; i < n-1; i++ {
		q.add(` WHEN ` + col + ` < `).arg(b.bounds[i+1]).add(` THEN `)
		b.bucketValue(q, what, i)
	}
	q.add(` ELSE `)
	b.bucketValue(q, what, n-1)
	q.add(` END`)
}

func (b *reportSQL) bucketValue(q *query, what string, i int) {
	switch what {
	case "start":
		q.big(b.bounds[i])
	case "end":
		q.big(b.bounds[i+1])
	default:
		q.add(fmt.Sprint(i))
	}
}

// aggregate appends the CTEs agg (the sessions grouped by subject, sub2,
// account, currency and bucket) and starts r, the rows of the report.
// subject, sub2 and account are session columns; sub2 is "" when the
// subject has one key.
func (b *reportSQL) aggregate(q *query, subject, sub2, account string) {
	cols := []string{subject, account}
	if subject == account {
		cols = cols[:1]
	}
	sel := []string{"x." + subject + " AS subject_id", "0 AS sub2", "x." + account + " AS account_id"}
	if sub2 != "" {
		cols = append(cols, sub2)
		sel[1] = "x." + sub2 + " AS sub2"
	}
	q.add(`WITH agg AS (`)
	b.grouped(q, cols, sel)
	q.add(`), r AS (SELECT subject_id, sub2, account_id, currency, bucket, ` + strings.Join(b.figureColumns(), ", ") + ` FROM agg`)
}

// grouped appends a SELECT of the report's sessions grouped by the session
// columns cols (selected as sel), currency and bucket, with their figures.
// The sessions come from the parts of sources: the daily roll-ups of the
// whole days of the period and the sessions of the rest.
func (b *reportSQL) grouped(q *query, cols, sel []string) {
	q.add(`SELECT `)
	for _, c := range sel {
		q.add(c + `, `)
	}
	q.add(`x.currency, x.bucket`)
	names := b.figureColumns()
	next := func() string { c := names[0]; names = names[1:]; return c }
	figures := func(cond string) {
		for _, expr := range []string{"x.n", "x.wh", "x.s", "x.cost"} {
			if cond == "" {
				q.add(`, CAST(SUM(` + expr + `) AS BIGINT) AS ` + next())
			} else {
				q.add(`, CAST(SUM(CASE WHEN ` + cond + ` THEN ` + expr + ` ELSE 0 END) AS BIGINT) AS ` + next())
			}
		}
	}
	figures("")
	if b.busy {
		q.add(`, CAST(SUM(x.busy) AS BIGINT) AS ` + next())
	} else {
		q.add(`, 0 AS ` + next())
	}
	if b.kinds {
		for _, k := range fc.LocationKinds {
			figures("x.location_kind = '" + k + "'")
		}
	}
	if b.reimbursed {
		q.add(`, CAST(SUM(x.r_wh) AS BIGINT) AS ` + next() + `, CAST(SUM(x.r_minor) AS BIGINT) AS ` + next())
	}
	q.add(` FROM (`)
	b.sources(q, cols)
	q.add(`) x GROUP BY `)
	for _, c := range cols {
		q.add(`x.` + c + `, `)
	}
	q.add(`x.currency, x.bucket`)
}

// totals appends the statement of TotalsOnly: the report's sessions by
// currency and bucket.
func (b *reportSQL) totals(q *query) {
	b.grouped(q, nil, nil)
	q.add(` ORDER BY ` + b.d.byCodePoint("x.currency") + `, x.bucket`)
}

// figureColumns names the figure columns of agg: the four figures, the
// charging time, and the four figures of each location kind.
func (b *reportSQL) figureColumns() []string {
	cols := []string{"f_n", "f_wh", "f_s", "f_cost", "f_busy"}
	if b.kinds {
		for k := range fc.LocationKinds {
			for _, f := range []string{"n", "wh", "s", "cost"} {
				cols = append(cols, fmt.Sprintf("k%d_%s", k, f))
			}
		}
	}
	if b.reimbursed {
		cols = append(cols, "f_rwh", "f_rminor")
	}
	return cols
}

// zeros returns the currency, bucket and figures of a row without sessions.
func (b *reportSQL) zeros() string {
	return `, '', 0` + strings.Repeat(", 0", len(b.figureColumns()))
}

// idleRows ends r, adding the subjects without sessions when asked.
func (b *reportSQL) idleRows(q *query, idle func()) {
	if b.idle {
		q.add(` UNION ALL `)
		idle()
	}
	q.add(`) `)
}

// rowColumns lists the columns of r in the final select.
func (b *reportSQL) rowColumns() string {
	cols := []string{"r.subject_id", "r.sub2", "r.account_id", "r.currency", "r.bucket"}
	for _, c := range b.figureColumns() {
		cols = append(cols, "r."+c)
	}
	return strings.Join(cols, ", ")
}

// sessionList appends the statement of the charge session report.
func (b *reportSQL) sessionList(q *query) {
	q.add(`SELECT x.id, x.started_at, x.stopped_at, x.duration_s, x.energy_wh, x.cost_minor, x.currency, x.bucket,
		CASE WHEN x.masked = 0 THEN x.card_id ELSE NULL END,
		CASE WHEN x.masked = 0 THEN COALESCE(c.external_id, '')
			WHEN LENGTH(c.external_id) > 4 THEN SUBSTR(c.external_id, LENGTH(c.external_id) - 3, 4) ELSE '' END,
		COALESCE(LENGTH(c.external_id), 0), x.masked,
		CASE WHEN x.masked = 0 THEN x.employee_id ELSE NULL END,
		CASE WHEN x.masked = 0 THEN COALESCE(e.name, '') ELSE '' END,
		x.station_id, COALESCE(st.identity, ''), x.connector_id, COALESCE(l.name, x.location_name), x.location_kind,
		CASE WHEN x.location_kind = 'home' THEN 'home' WHEN x.own = 1 THEN 'own' ELSE 'external' END,
		COALESCE(x.stop_reason, ''), x.account_id, a.name, a.organization_id
		FROM (SELECT s.id, s.started_at, s.stopped_at, s.duration_s, s.energy_wh, s.cost_minor, s.currency, s.card_id,
			s.employee_id, s.station_id, s.connector_id, s.location_id, s.location_name, s.location_kind, s.stop_reason, `)
	q.add(b.sideCol + ` AS account_id, `)
	b.bucketExpr(q, "value")
	q.add(` AS bucket, CASE WHEN `)
	if b.side == fc.SideStation {
		q.reach("s.card_account_id", b.rq.Scope.CardSide)
	} else {
		q.add(`1 = 1`)
	}
	q.add(` THEN 0 ELSE 1 END AS masked, CASE WHEN s.station_account_id IS NOT NULL AND `)
	b.inScope(q, "s.station_account_id")
	q.add(` THEN 1 ELSE 0 END AS own FROM sessions s WHERE `)
	if b.rq.Limit > 0 {
		// Pick the first sessions by their IDs and starts alone, which an
		// index holds, before reading and joining anything of them.
		q.add(`s.id IN (SELECT s.id FROM sessions s WHERE `)
		b.sessionsWhere(q)
		q.add(` ORDER BY s.started_at, s.id LIMIT `).arg(b.rq.Limit).add(`)`)
	} else {
		b.sessionsWhere(q)
	}
	q.add(`) x LEFT JOIN cards c ON c.id = x.card_id LEFT JOIN employees e ON e.id = x.employee_id
		LEFT JOIN stations st ON st.id = x.station_id LEFT JOIN locations l ON l.id = x.location_id
		JOIN accounts a ON a.id = x.account_id
		ORDER BY x.started_at, x.id`)
}

// scan reads one row into r and returns the organization of its account.
func (b *reportSQL) scan(rows *sql.Rows, r *fc.ReportRow) (fc.ID, error) {
	if b.rq.TotalsOnly {
		dest := append([]any{&r.Currency, &r.Bucket}, b.figureDest(r)...)
		return 0, rows.Scan(dest...)
	}
	var subject, orgID sql.NullInt64
	var sub2 int64
	dest := append([]any{&subject, &sub2, &r.AccountID, &r.Currency, &r.Bucket}, b.figureDest(r)...)
	switch {
	case b.rq.ByAccount:
		err := rows.Scan(append(dest, &r.AccountName, &orgID)...)
		return fc.ID(orgID.Int64), err
	case b.rq.Report == fc.ReportChargeSessions:
		return b.scanSession(rows, r)
	}
	var created, lastUsed, heartbeat sql.NullInt64
	var employeeID int64
	switch b.rq.Report {
	case fc.ReportChargeCards, fc.ReportSessionsPerCard:
		dest = append(dest, &r.CardExternalID, &r.CardInternalID, &r.CardStatus, &created, &lastUsed, &employeeID, &r.EmployeeName)
	case fc.ReportEmployees, fc.ReportSessionsPerEmployee:
		dest = append(dest, &r.EmployeeName, &r.EmployeeEmail, &r.EmployeeNumber, &r.EmployeeActive, &r.EmployeeCards, &r.HomeLocation)
	default:
		dest = append(dest, &r.Identity, &r.LocationName, &r.LocationKind, &r.Vendor, &r.Model, &r.Firmware, &r.Online, &heartbeat,
			&r.ChargePoints, &r.ConnectorID, &r.ChargePointStatus)
	}
	dest = append(dest, &r.AccountName, &orgID)
	if err := rows.Scan(dest...); err != nil {
		return 0, err
	}
	switch b.rq.Report {
	case fc.ReportChargeCards, fc.ReportSessionsPerCard:
		r.CardID, r.EmployeeID = fc.ID(subject.Int64), fc.ID(employeeID)
		r.CardCreatedAt, r.CardLastUsedAt = fromNullMS(created), fromNullMS(lastUsed)
	case fc.ReportEmployees, fc.ReportSessionsPerEmployee:
		r.EmployeeID = fc.ID(subject.Int64)
	default:
		r.StationID, r.LastHeartbeatAt = fc.ID(subject.Int64), fromNullMS(heartbeat)
	}
	return fc.ID(orgID.Int64), nil
}

// figureDest returns the scan destinations of the figure columns.
func (b *reportSQL) figureDest(r *fc.ReportRow) []any {
	dest := []any{&r.Figures.Sessions, &r.Figures.EnergyWh, &r.Figures.DurationS, &r.Figures.CostMinor, &r.Figures.BusyMS}
	if b.kinds {
		for k := range r.ByKind {
			f := &r.ByKind[k]
			dest = append(dest, &f.Sessions, &f.EnergyWh, &f.DurationS, &f.CostMinor)
		}
	}
	if b.reimbursed {
		dest = append(dest, &r.Figures.ReimbursedWh, &r.Figures.ReimbursedMinor)
	}
	return dest
}

func (b *reportSQL) scanSession(rows *sql.Rows, r *fc.ReportRow) (fc.ID, error) {
	var started int64
	var stopped, cardID, employeeID, stationID sql.NullInt64
	var extLen int
	var orgID int64
	if err := rows.Scan(&r.SessionID, &started, &stopped, &r.Figures.DurationS, &r.Figures.EnergyWh, &r.Figures.CostMinor,
		&r.Currency, &r.Bucket, &cardID, &r.CardExternalID, &extLen, &r.CardMasked, &employeeID, &r.EmployeeName,
		&stationID, &r.Identity, &r.ConnectorID, &r.LocationName, &r.LocationKind, &r.LocationOrigin,
		&r.StopReason, &r.AccountID, &r.AccountName, &orgID); err != nil {
		return 0, err
	}
	r.Figures.Sessions = 1
	t := fromMS(started)
	r.StartedAt, r.StoppedAt = &t, fromNullMS(stopped)
	r.CardID, r.EmployeeID, r.StationID = fc.ID(cardID.Int64), fc.ID(employeeID.Int64), fc.ID(stationID.Int64)
	if r.CardMasked {
		r.CardExternalID = maskTail(r.CardExternalID, extLen)
	}
	return fc.ID(orgID), nil
}

// maskTail returns the mask of an identifier of n characters whose last
// four are tail: a '*' for every other character. An identifier of four
// characters or fewer is masked whole.
func maskTail(tail string, n int) string {
	if n <= 4 {
		return strings.Repeat("*", n)
	}
	return strings.Repeat("*", n-4) + tail
}

// reportOrgs holds the organizations above the accounts in scope, to give
// each row its organization chain.
type reportOrgs struct {
	parent map[fc.ID]fc.ID
	name   map[fc.ID]string
	chains map[fc.ID]orgChain
}

type orgChain struct {
	ids   []fc.ID
	names []string
}

// loadOrgs reads the organizations on the chains of the accounts in scope.
func (b *reportSQL) loadOrgs(ctx context.Context, tx *sql.Tx) (*reportOrgs, error) {
	q := &query{}
	q.add(`SELECT o.id, COALESCE(o.parent_id, 0), o.name FROM organizations o WHERE o.provider_id = `).arg(int64(b.rq.Scope.ProviderID)).
		add(` AND o.id IN (SELECT oc.ancestor_id FROM org_closure oc JOIN accounts oa ON oa.organization_id = oc.descendant_id WHERE `)
	b.inScope(q, "oa.id")
	q.add(`)`)
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	o := &reportOrgs{parent: map[fc.ID]fc.ID{}, name: map[fc.ID]string{}, chains: map[fc.ID]orgChain{}}
	for rows.Next() {
		var id, parent fc.ID
		var name string
		if err := rows.Scan(&id, &parent, &name); err != nil {
			return nil, err
		}
		o.parent[id], o.name[id] = parent, name
	}
	return o, rows.Err()
}

// chain returns the organization chain from the top down to id; rows share
// the slices, which nobody changes.
func (o *reportOrgs) chain(id fc.ID) ([]fc.ID, []string) {
	if id == 0 {
		return nil, nil
	}
	if c, ok := o.chains[id]; ok {
		return c.ids, c.names
	}
	var c orgChain
	for at := id; at != 0 && len(c.ids) <= len(o.parent); at = o.parent[at] {
		name, ok := o.name[at]
		if !ok {
			break
		}
		c.ids = append(c.ids, at)
		c.names = append(c.names, name)
	}
	for i, j := 0, len(c.ids)-1; i < j; i, j = i+1, j-1 {
		c.ids[i], c.ids[j] = c.ids[j], c.ids[i]
		c.names[i], c.names[j] = c.names[j], c.names[i]
	}
	o.chains[id] = c
	return c.ids, c.names
}
