package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Home-charging reimbursement (fc.ReimbursementStore; the rules are in the
// domain package's reimbursement.go). Rates are scoped by their employee's
// account, statements by the account they were generated on.

// maxRateMicros bounds a rate (one thousand currency units per kWh), so
// that no line can overflow.
const maxRateMicros = 1_000 * 1_000_000

const rateColumns = `r.id, r.provider_id, r.employee_id, e.account_id, r.per_kwh_micros, r.currency, r.valid_from,
	COALESCE(r.valid_to, ''), r.created_at, r.updated_at`

func scanRate(row rowScanner, r *fc.ReimbursementRate) error {
	var created, updated int64
	if err := row.Scan(&r.ID, &r.ProviderID, &r.EmployeeID, &r.AccountID, &r.PerKWhMicros, &r.Currency, &r.ValidFrom,
		&r.ValidTo, &created, &updated); err != nil {
		return err
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

// rateBody is a rate as the audit log records it.
func rateBody(r *fc.ReimbursementRate) map[string]any {
	return map[string]any{"id": r.ID, "employee_id": r.EmployeeID, "per_kwh_micros": r.PerKWhMicros, "currency": r.Currency,
		"valid_from": r.ValidFrom, "valid_to": r.ValidTo}
}

func validateRate(r *fc.ReimbursementRate) error {
	r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency))
	fields := map[string]string{}
	if r.EmployeeID <= 0 {
		fields["employee_id"] = "is required"
	}
	if r.PerKWhMicros < 0 || r.PerKWhMicros > maxRateMicros {
		fields["per_kwh"] = "must be from 0 to 1000"
	}
	if !isCurrencyCode(r.Currency) {
		fields["currency"] = "must be an ISO 4217 code of 3 letters"
	}
	if !fc.ValidDate(r.ValidFrom) {
		fields["valid_from"] = "must be a date: YYYY-MM-DD"
	}
	switch {
	case r.ValidTo == "":
	case !fc.ValidDate(r.ValidTo):
		fields["valid_to"] = "must be a date: YYYY-MM-DD"
	case r.ValidTo <= r.ValidFrom:
		fields["valid_to"] = "must be after valid_from"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// checkRateFits refuses a rate that overlaps another rate of its employee
// or is in another currency than they are; except is the rate's own ID
// when it changes.
func checkRateFits(ctx context.Context, tx *sql.Tx, r *fc.ReimbursementRate, except fc.ID) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, currency, valid_from, COALESCE(valid_to, '') FROM reimbursement_rates
		WHERE employee_id = $1 AND id <> $2 ORDER BY valid_from`, int64(r.EmployeeID), int64(except))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o fc.ReimbursementRate
		if err := rows.Scan(&o.ID, &o.Currency, &o.ValidFrom, &o.ValidTo); err != nil {
			return err
		}
		if o.Currency != r.Currency {
			return fc.Errorf(fc.EConflict, "employee %s is reimbursed in %s (rate %s): a rate in %s is refused", r.EmployeeID, o.Currency, o.ID, r.Currency)
		}
		if r.Overlaps(&o) {
			to := o.ValidTo
			if to == "" {
				to = "open end"
			}
			return fc.Errorf(fc.EConflict, "the rate overlaps rate %s of employee %s (%s to %s)", o.ID, r.EmployeeID, o.ValidFrom, to)
		}
	}
	return rows.Err()
}

// CreateReimbursementRate stores a rate of an employee of r.ProviderID.
func (s *Store) CreateReimbursementRate(ctx context.Context, r *fc.ReimbursementRate) error {
	if err := validateRate(r); err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		e, err := s.findEmployee(ctx, tx, fc.ProviderScope(r.ProviderID), r.EmployeeID)
		if err != nil {
			return refErr(err, "employee_id", "no such employee")
		}
		a, err := s.refAccount(ctx, tx, e.ProviderID, e.AccountID)
		if err != nil {
			return err
		}
		if err := checkRateFits(ctx, tx, r, 0); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO reimbursement_rates (provider_id, employee_id, per_kwh_micros, currency,
			valid_from, valid_to, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			int64(r.ProviderID), int64(r.EmployeeID), r.PerKWhMicros, r.Currency, r.ValidFrom, nullText(r.ValidTo),
			ms(now), ms(now)).Scan(&id); err != nil {
			return err
		}
		r.ID, r.AccountID, r.CreatedAt, r.UpdatedAt = fc.ID(id), e.AccountID, now, now
		return s.audit(ctx, tx, change{providerID: r.ProviderID, action: "reimbursement_rate.create", kind: fc.KindReimbursementRate,
			id: r.ID, orgID: a.OrganizationID, accountID: a.ID, after: rateBody(r)})
	})
}

func nullText(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// findRate reads one rate within the scope of its employee's account.
func findRate(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.ReimbursementRate, error) {
	q := &query{}
	q.add(`SELECT `+rateColumns+` FROM reimbursement_rates r JOIN employees e ON e.id = r.employee_id WHERE r.id = `).arg(int64(id)).
		add(" AND r.provider_id = ").arg(int64(sc.ProviderID)).add(" AND ").reachOf("e.account_id", "r.employee_id", sc.Reach)
	var r fc.ReimbursementRate
	if err := scanRate(tx.QueryRowContext(ctx, q.String(), q.args...), &r); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindReimbursementRate, id)
		}
		return nil, err
	}
	return &r, nil
}

// ReimbursementRate returns one rate.
func (s *Store) ReimbursementRate(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.ReimbursementRate, error) {
	var r *fc.ReimbursementRate
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		r, err = findRate(ctx, tx, sc, id)
		return err
	})
	return r, err
}

// ReimbursementRates lists the rates within the scope, by ID.
func (s *Store) ReimbursementRates(ctx context.Context, sc fc.Scope, f fc.ReimbursementRateFilter) ([]fc.ReimbursementRate, error) {
	q := &query{}
	q.add(`SELECT `+rateColumns+` FROM reimbursement_rates r JOIN employees e ON e.id = r.employee_id WHERE r.provider_id = `).
		arg(int64(sc.ProviderID)).add(" AND ").reachOf("e.account_id", "r.employee_id", sc.Reach)
	if f.EmployeeID != 0 {
		q.add(" AND r.employee_id = ").arg(int64(f.EmployeeID))
	}
	if f.AccountID != 0 {
		q.add(" AND e.account_id = ").arg(int64(f.AccountID))
	}
	q.page("r.id", f.Page)
	return list(ctx, s, q, scanRate)
}

// UpdateReimbursementRate applies fn to a rate; its employee stays. The
// statements already generated keep the rate they were priced at until
// their month is generated again (drafts only).
func (s *Store) UpdateReimbursementRate(ctx context.Context, sc fc.Scope, id fc.ID, fn func(*fc.ReimbursementRate) error) (*fc.ReimbursementRate, error) {
	var after *fc.ReimbursementRate
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findRate(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		r := *before
		if err := fn(&r); err != nil {
			return err
		}
		r.ID, r.ProviderID, r.EmployeeID, r.AccountID, r.CreatedAt = before.ID, before.ProviderID, before.EmployeeID, before.AccountID, before.CreatedAt
		if err := validateRate(&r); err != nil {
			return err
		}
		if err := checkRateFits(ctx, tx, &r, r.ID); err != nil {
			return err
		}
		a, err := s.refAccount(ctx, tx, r.ProviderID, r.AccountID)
		if err != nil {
			return err
		}
		r.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE reimbursement_rates SET per_kwh_micros = $1, currency = $2, valid_from = $3, valid_to = $4,
			updated_at = $5 WHERE id = $6`, r.PerKWhMicros, r.Currency, r.ValidFrom, nullText(r.ValidTo), ms(r.UpdatedAt), int64(r.ID)); err != nil {
			return err
		}
		after = &r
		return s.audit(ctx, tx, change{providerID: r.ProviderID, action: "reimbursement_rate.update", kind: fc.KindReimbursementRate,
			id: r.ID, orgID: a.OrganizationID, accountID: a.ID, before: rateBody(before), after: rateBody(&r)})
	})
	return after, err
}

// DeleteReimbursementRate deletes a rate.
func (s *Store) DeleteReimbursementRate(ctx context.Context, sc fc.Scope, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := findRate(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		a, err := s.refAccount(ctx, tx, r.ProviderID, r.AccountID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM reimbursement_rates WHERE id = $1`, int64(id)); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: r.ProviderID, action: "reimbursement_rate.delete", kind: fc.KindReimbursementRate,
			id: r.ID, orgID: a.OrganizationID, accountID: a.ID, before: rateBody(r)})
	})
}

// Statements.

// statementColumns reads the names of a draft as they are now and those of
// an approved or paid statement as they were at its approval.
const statementColumns = `rs.id, rs.provider_id, rs.employee_id, COALESCE(rs.employee_name, e.name),
	COALESCE(rs.employee_number, e.employee_number), rs.account_id, COALESCE(rs.account_name, a.name),
	COALESCE(rs.provider_name, pv.name), COALESCE(rs.time_zone, pv.time_zone), rs.period, rs.status,
	rs.currency, rs.sessions, rs.energy_wh, rs.amount_minor,
	(SELECT COUNT(*) FROM reimbursement_lines rl WHERE rl.statement_id = rs.id AND rl.original_period <> rs.period),
	rs.approved_at, COALESCE(rs.approved_by, 0), rs.paid_at, COALESCE(rs.paid_by, 0), rs.created_at, rs.updated_at`

const statementFrom = ` FROM reimbursement_statements rs JOIN employees e ON e.id = rs.employee_id JOIN accounts a ON a.id = rs.account_id
	JOIN providers pv ON pv.id = rs.provider_id`

func scanStatement(row rowScanner, x *fc.ReimbursementStatement) error {
	var approved, paid sql.NullInt64
	var created, updated int64
	if err := row.Scan(&x.ID, &x.ProviderID, &x.EmployeeID, &x.EmployeeName, &x.EmployeeNumber, &x.AccountID, &x.AccountName,
		&x.ProviderName, &x.TimeZone, &x.Period, &x.Status, &x.Currency, &x.Sessions, &x.EnergyWh, &x.AmountMinor, &x.Corrections,
		&approved, &x.ApprovedBy, &paid, &x.PaidBy, &created, &updated); err != nil {
		return err
	}
	x.ApprovedAt, x.PaidAt, x.CreatedAt, x.UpdatedAt = fromNullMS(approved), fromNullMS(paid), fromMS(created), fromMS(updated)
	return nil
}

// statementBody is a statement as the audit log records it: its totals
// and state, not its lines.
func statementBody(x *fc.ReimbursementStatement) map[string]any {
	return map[string]any{"id": x.ID, "employee_id": x.EmployeeID, "account_id": x.AccountID, "period": x.Period, "status": x.Status,
		"currency": x.Currency, "sessions": x.Sessions, "energy_wh": x.EnergyWh, "amount_minor": x.AmountMinor}
}

func selectStatements(q *query, sc fc.Scope) *query {
	return q.add(`SELECT `+statementColumns+statementFrom+` WHERE rs.provider_id = `).arg(int64(sc.ProviderID)).
		add(" AND ").reachOf("rs.account_id", "rs.employee_id", sc.Reach)
}

// findStatement reads one statement within the scope, with its lines.
func findStatement(ctx context.Context, tx *sql.Tx, sc fc.Scope, id fc.ID) (*fc.ReimbursementStatement, error) {
	q := &query{}
	selectStatements(q, sc).add(" AND rs.id = ").arg(int64(id))
	var x fc.ReimbursementStatement
	if err := scanStatement(tx.QueryRowContext(ctx, q.String(), q.args...), &x); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(fc.KindReimbursementStatement, id)
		}
		return nil, err
	}
	lines, err := statementLines(ctx, tx, x.ID)
	if err != nil {
		return nil, err
	}
	x.Lines = lines
	return &x, nil
}

// statementLines reads the lines of a statement by start and session.
func statementLines(ctx context.Context, tx *sql.Tx, id fc.ID) ([]fc.ReimbursementLine, error) {
	rows, err := tx.QueryContext(ctx, `SELECT session_id, started_at, COALESCE(station_id, 0), station_name, energy_wh, per_kwh_micros,
		amount_minor, original_period FROM reimbursement_lines WHERE statement_id = $1 ORDER BY started_at, session_id`, int64(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fc.ReimbursementLine{}
	for rows.Next() {
		var l fc.ReimbursementLine
		var started int64
		if err := rows.Scan(&l.SessionID, &started, &l.StationID, &l.StationName, &l.EnergyWh, &l.PerKWhMicros, &l.AmountMinor,
			&l.OriginalPeriod); err != nil {
			return nil, err
		}
		l.StartedAt = fromMS(started)
		out = append(out, l)
	}
	return out, rows.Err()
}

// ReimbursementStatement returns one statement with its lines.
func (s *Store) ReimbursementStatement(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.ReimbursementStatement, error) {
	var x *fc.ReimbursementStatement
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		x, err = findStatement(ctx, tx, sc, id)
		return err
	})
	return x, err
}

// ReimbursementStatements lists the statements within the scope, by ID,
// without their lines.
func (s *Store) ReimbursementStatements(ctx context.Context, sc fc.Scope, f fc.ReimbursementStatementFilter) ([]fc.ReimbursementStatement, error) {
	q, err := statementsQuery(sc, f)
	if err != nil {
		return nil, err
	}
	return list(ctx, s, q, scanStatement)
}

func statementsQuery(sc fc.Scope, f fc.ReimbursementStatementFilter) (*query, error) {
	q := &query{}
	selectStatements(q, sc)
	if f.Period != "" {
		if _, err := fc.ParsePeriod(f.Period); err != nil {
			return nil, err
		}
		q.add(" AND rs.period = ").arg(f.Period)
	}
	if f.Status != "" {
		if !slices.Contains(fc.StatementStatuses, f.Status) {
			return nil, fc.Invalid(map[string]string{"status": "must be one of draft, approved, paid"})
		}
		q.add(" AND rs.status = ").arg(f.Status)
	}
	if f.EmployeeID != 0 {
		q.add(" AND rs.employee_id = ").arg(int64(f.EmployeeID))
	}
	if f.AccountID != 0 {
		q.add(" AND rs.account_id = ").arg(int64(f.AccountID))
	}
	q.page("rs.id", f.Page)
	return q, nil
}

// ApproveReimbursementStatement approves a draft statement: from now on it
// never changes.
func (s *Store) ApproveReimbursementStatement(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.ReimbursementStatement, error) {
	return s.advanceStatement(ctx, sc, id, fc.StatementDraft, fc.StatementApproved, "approved")
}

// PayReimbursementStatement marks an approved statement paid.
func (s *Store) PayReimbursementStatement(ctx context.Context, sc fc.Scope, id fc.ID) (*fc.ReimbursementStatement, error) {
	return s.advanceStatement(ctx, sc, id, fc.StatementApproved, fc.StatementPaid, "paid")
}

// advanceStatement moves a statement from status from to status to,
// recording when and by whom in the columns named by column (approved,
// paid).
func (s *Store) advanceStatement(ctx context.Context, sc fc.Scope, id fc.ID, from, to, column string) (*fc.ReimbursementStatement, error) {
	var after *fc.ReimbursementStatement
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findStatement(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if before.Status != from {
			return fc.Errorf(fc.EConflict, "statement %s is %s: only a %s statement can be %s", id, before.Status, from, column)
		}
		now, actor := s.now(), fc.ActorFrom(ctx)
		res, err := tx.ExecContext(ctx, `UPDATE reimbursement_statements SET status = $1, `+column+`_at = $2, `+column+`_by = $3, updated_at = $4
			WHERE id = $5 AND status = $6`, to, ms(now), nullID(actor.UserID), ms(now), int64(id), from)
		if err == nil && to == fc.StatementApproved {
			// From now on the statement reads the names as they are now.
			_, err = tx.ExecContext(ctx, `UPDATE reimbursement_statements SET employee_name = $1, employee_number = $2, account_name = $3,
				provider_name = $4, time_zone = $5 WHERE id = $6`, before.EmployeeName, before.EmployeeNumber, before.AccountName,
				before.ProviderName, before.TimeZone, int64(id))
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fc.Errorf(fc.EConflict, "statement %s changed meanwhile: try again", id)
		}
		if after, err = findStatement(ctx, tx, sc, id); err != nil {
			return err
		}
		if to == fc.StatementApproved {
			if err := s.emitEvent(ctx, tx, after.ProviderID, fc.TypeReimbursementApproved, fc.KindReimbursementStatement, id, nil, now, now); err != nil {
				return err
			}
		}
		a, err := s.refAccount(ctx, tx, after.ProviderID, after.AccountID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: after.ProviderID, action: "reimbursement_statement." + column,
			kind: fc.KindReimbursementStatement, id: id, orgID: a.OrganizationID, accountID: a.ID,
			before: statementBody(before), after: statementBody(after)})
	})
	return after, err
}

// Generation.

// homeSession is a reimbursable session as generation reads it.
type homeSession struct {
	id, employeeID, accountID, stationID fc.ID
	startedAt, energyWh                  int64
	stationName                          string
}

// reimbursableSessions appends the reimbursable sessions (the rule of
// fc.ReimbursementStore) of the employees of accounts in sc, started in
// [from, to), that are on no statement but, possibly, the draft of period:
// the sessions at the home of an employee, and the imported home sessions
// of an employee's card. Each row is the session with the employee it is
// reimbursed to.
func reimbursableSessions(q *query, sc fc.Scope, from, to int64, period string) *query {
	tail := func() {
		q.add(" AND s.provider_id = ").arg(int64(sc.ProviderID)).add(" AND s.stopped_at IS NOT NULL AND s.energy_wh > 0")
		q.add(" AND s.started_at >= ").int(from).add(" AND s.started_at < ").int(to)
		q.add(" AND s.card_account_id = e.account_id AND ").reach("e.account_id", sc.Reach)
		q.add(` AND NOT EXISTS (SELECT 1 FROM reimbursement_lines rl JOIN reimbursement_statements rs ON rs.id = rl.statement_id
			WHERE rl.session_id = s.id AND NOT (rs.status = 'draft' AND rs.period = `).arg(period).add("))")
	}
	q.add(`SELECT s.id, e.id, e.account_id, COALESCE(s.station_id, 0), s.started_at, s.energy_wh, COALESCE(st.identity, s.location_name)
		FROM sessions s JOIN locations hl ON hl.id = s.location_id JOIN employees e ON e.id = hl.employee_id
		LEFT JOIN stations st ON st.id = s.station_id
		WHERE hl.kind = 'home' AND (s.employee_id IS NULL OR s.employee_id = e.id)`)
	tail()
	q.add(` UNION ALL SELECT s.id, e.id, e.account_id, 0, s.started_at, s.energy_wh, s.location_name
		FROM sessions s JOIN employees e ON e.id = s.employee_id
		WHERE s.station_id IS NULL AND s.location_id IS NULL AND s.location_kind = 'home'`)
	tail()
	return q
}

// statementKey names the statement of an employee and month.
type statementKey struct {
	employeeID fc.ID
	period     string
}

// GenerateReimbursementStatements creates or recomputes the draft
// statements of period for the employees of accounts in sc; see
// fc.ReimbursementStore. An approved or paid statement of the month is left
// as it is; the month's sessions it does not hold wait for a later month's
// statement, as corrections.
func (s *Store) GenerateReimbursementStatements(ctx context.Context, sc fc.Scope, period string) ([]fc.ReimbursementStatement, error) {
	month, err := fc.ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	var out []fc.ReimbursementStatement
	err = s.write(ctx, func(tx *sql.Tx) error {
		p, err := findProvider(ctx, tx, sc.ProviderID)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(p.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		start := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, loc)
		end := start.AddDate(0, 1, 0)
		// The months closed for the employees in scope: approved or paid
		// statements of earlier months, whose late sessions become
		// corrections now.
		closed := map[statementKey]bool{}
		earliest := period
		q := &query{}
		q.add(`SELECT rs.employee_id, rs.period FROM reimbursement_statements rs WHERE rs.provider_id = `).arg(int64(sc.ProviderID)).
			add(" AND rs.status <> 'draft' AND rs.period < ").arg(period).add(" AND ").reach("rs.account_id", sc.Reach)
		if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var k statementKey
			if err := rows.Scan(&k.employeeID, &k.period); err != nil {
				return err
			}
			closed[k] = true
			earliest = min(earliest, k.period)
			return nil
		}); err != nil {
			return err
		}
		from := start
		if earliest != period {
			m, _ := fc.ParsePeriod(earliest)
			from = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
		}
		// The candidates, by employee.
		byEmployee := map[fc.ID][]homeSession{}
		var employees []fc.ID
		q = &query{}
		reimbursableSessions(q, sc, ms(from), ms(end), period)
		if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var h homeSession
			if err := rows.Scan(&h.id, &h.employeeID, &h.accountID, &h.stationID, &h.startedAt, &h.energyWh, &h.stationName); err != nil {
				return err
			}
			month := time.UnixMilli(h.startedAt).In(loc).Format(fc.PeriodLayout)
			if month != period && !closed[statementKey{h.employeeID, month}] {
				return nil // its own month's statement is still to be approved
			}
			if byEmployee[h.employeeID] == nil {
				employees = append(employees, h.employeeID)
			}
			byEmployee[h.employeeID] = append(byEmployee[h.employeeID], h)
			return nil
		}); err != nil {
			return err
		}
		rates, err := employeeRates(ctx, tx, sc, employees)
		if err != nil {
			return err
		}
		existing := map[fc.ID]*fc.ReimbursementStatement{}
		q = &query{}
		selectStatements(q, sc).add(" AND rs.period = ").arg(period)
		if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var x fc.ReimbursementStatement
			if err := scanStatement(rows, &x); err != nil {
				return err
			}
			existing[x.EmployeeID] = &x
			return nil
		}); err != nil {
			return err
		}
		g := generation{s: s, tx: tx, providerID: sc.ProviderID, period: period, loc: loc, now: s.now()}
		slices.Sort(employees)
		for _, eid := range employees {
			if x := existing[eid]; x != nil && x.Status != fc.StatementDraft {
				continue
			}
			if err := g.refresh(ctx, existing[eid], byEmployee[eid], rates[eid]); err != nil {
				return err
			}
		}
		if err := g.flush(ctx); err != nil {
			return err
		}
		// Drafts left without a reimbursable session go.
		for eid, x := range existing {
			if x.Status == fc.StatementDraft && len(byEmployee[eid]) == 0 {
				if err := g.remove(ctx, x); err != nil {
					return err
				}
			}
		}
		out = nil
		q = &query{}
		selectStatements(q, sc).add(" AND rs.period = ").arg(period).add(" ORDER BY rs.id")
		return eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var x fc.ReimbursementStatement
			if err := scanStatement(rows, &x); err != nil {
				return err
			}
			out = append(out, x)
			return nil
		})
	})
	return out, err
}

// eachRow runs q in tx and calls fn on every row.
func eachRow(ctx context.Context, tx *sql.Tx, q *query, fn func(rows *sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// employeeRates reads the rates of the employees, by employee.
func employeeRates(ctx context.Context, tx *sql.Tx, sc fc.Scope, employees []fc.ID) (map[fc.ID][]fc.ReimbursementRate, error) {
	out := map[fc.ID][]fc.ReimbursementRate{}
	for chunk := range slices.Chunk(employees, 500) {
		q := &query{}
		q.add(`SELECT ` + rateColumns + ` FROM reimbursement_rates r JOIN employees e ON e.id = r.employee_id WHERE r.provider_id = `).
			arg(int64(sc.ProviderID)).add(" AND r.employee_id IN ").ids(chunk)
		if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var r fc.ReimbursementRate
			if err := scanRate(rows, &r); err != nil {
				return err
			}
			out[r.EmployeeID] = append(out[r.EmployeeID], r)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// generation is one run of GenerateReimbursementStatements.
type generation struct {
	s          *Store
	tx         *sql.Tx
	providerID fc.ID
	period     string
	loc        *time.Location
	now        time.Time
	// pending are the lines of the statements refreshed so far, written
	// many statements at a time by flush.
	pending []pendingLine
	// created are the new statements refreshed so far, with their lines:
	// flush inserts them many at a time, then their lines and audit events.
	created []createdStatement
	// accounts are the accounts read so far, for the audit events.
	accounts map[fc.ID]*fc.Account
}

type createdStatement struct {
	x     *fc.ReimbursementStatement
	lines []fc.ReimbursementLine
}

// statementBatch is how many new statements one INSERT writes.
const statementBatch = 500

type pendingLine struct {
	statementID fc.ID
	fc.ReimbursementLine
}

// lineBatch is how many lines one INSERT writes.
const lineBatch = 500

// flush writes the new statements, their audit events and the pending
// lines, many rows to a statement: round trips, not rows, are what a
// generation of many statements spends its time on.
func (g *generation) flush(ctx context.Context) error {
	if err := g.insertStatements(ctx); err != nil {
		return err
	}
	for chunk := range slices.Chunk(g.pending, lineBatch) {
		if err := insertLines(ctx, g.tx, chunk); err != nil {
			return err
		}
	}
	g.pending = g.pending[:0]
	return nil
}

// account returns an account of the provider, read once per generation.
func (g *generation) account(ctx context.Context, id fc.ID) (*fc.Account, error) {
	if a := g.accounts[id]; a != nil {
		return a, nil
	}
	a, err := g.s.refAccount(ctx, g.tx, g.providerID, id)
	if err != nil {
		return nil, err
	}
	if g.accounts == nil {
		g.accounts = map[fc.ID]*fc.Account{}
	}
	g.accounts[id] = a
	return a, nil
}

// insertStatements inserts the created statements, statementBatch to an
// INSERT, reads their IDs back by employee (one statement per employee and
// period), queues their lines and writes their audit events.
func (g *generation) insertStatements(ctx context.Context) error {
	for chunk := range slices.Chunk(g.created, statementBatch) {
		q := &query{}
		q.add(`INSERT INTO reimbursement_statements (provider_id, employee_id, account_id, period, status, currency, sessions, energy_wh,
			amount_minor, created_at, updated_at) VALUES `)
		employees := make([]fc.ID, 0, len(chunk))
		byEmployee := make(map[fc.ID]*createdStatement, len(chunk))
		for i := range chunk {
			c := &chunk[i]
			if i > 0 {
				q.add(", ")
			}
			// Integers as literals, texts as placeholders (insertLines).
			x := c.x
			q.add("(").int(int64(g.providerID)).add(", ").int(int64(x.EmployeeID)).add(", ").int(int64(x.AccountID)).add(", ").
				arg(g.period).add(", 'draft', ").arg(x.Currency).add(", ").int(int64(x.Sessions)).add(", ").int(x.EnergyWh).
				add(", ").int(x.AmountMinor).add(", ").int(ms(g.now)).add(", ").int(ms(g.now)).add(")")
			employees = append(employees, x.EmployeeID)
			byEmployee[x.EmployeeID] = c
		}
		if _, err := g.tx.ExecContext(ctx, q.String(), q.args...); err != nil {
			return err
		}
		q = &query{}
		q.add(`SELECT id, employee_id FROM reimbursement_statements WHERE period = `).arg(g.period).add(" AND employee_id IN ").ids(employees)
		if err := eachRow(ctx, g.tx, q, func(rows *sql.Rows) error {
			var id, employee fc.ID
			if err := rows.Scan(&id, &employee); err != nil {
				return err
			}
			if c := byEmployee[employee]; c != nil {
				c.x.ID = id
			}
			return nil
		}); err != nil {
			return err
		}
		changes := make([]change, 0, len(chunk))
		for _, c := range chunk {
			if c.x.ID == 0 {
				return fmt.Errorf("reimbursement statement of employee %s: inserted but not found", c.x.EmployeeID)
			}
			for _, l := range c.lines {
				g.pending = append(g.pending, pendingLine{c.x.ID, l})
			}
			a, err := g.account(ctx, c.x.AccountID)
			if err != nil {
				return err
			}
			changes = append(changes, change{providerID: a.ProviderID, action: "reimbursement_statement.create",
				kind: fc.KindReimbursementStatement, id: c.x.ID, orgID: a.OrganizationID, accountID: a.ID, after: statementBody(c.x)})
		}
		if err := g.s.auditMany(ctx, g.tx, changes); err != nil {
			return err
		}
	}
	g.created = g.created[:0]
	return nil
}

// auditMany writes the audit events of many changes (Store.audit) in one
// INSERT.
func (s *Store) auditMany(ctx context.Context, tx *sql.Tx, cs []change) error {
	if len(cs) == 0 {
		return nil
	}
	a := fc.ActorFrom(ctx)
	now := ms(s.now())
	q := &query{}
	q.add(`INSERT INTO audit_events (provider_id, at, actor_user_id, actor, action, object_type, object_id, organization_id, account_id,
		before_json, after_json, remote_addr) VALUES `)
	lit := func(id fc.ID) {
		if id == 0 {
			q.add("NULL")
		} else {
			q.int(int64(id))
		}
	}
	for i, c := range cs {
		enc := func(v any) (string, error) {
			if v == nil {
				return "", nil
			}
			b, err := json.Marshal(v)
			return string(b), err
		}
		before, err := enc(c.before)
		if err != nil {
			return fmt.Errorf("audit %s: %w", c.action, err)
		}
		after, err := enc(c.after)
		if err != nil {
			return fmt.Errorf("audit %s: %w", c.action, err)
		}
		if i > 0 {
			q.add(", ")
		}
		q.add("(").int(int64(c.providerID)).add(", ").int(now).add(", ")
		lit(a.UserID)
		q.add(", ").arg(a.Label).add(", ").arg(c.action).add(", ").arg(c.kind).add(", ")
		lit(c.id)
		q.add(", ")
		lit(c.orgID)
		q.add(", ")
		lit(c.accountID)
		q.add(", ").arg(before).add(", ").arg(after).add(", ").arg(a.RemoteAddr).add(")")
	}
	if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("audit %s: %w", cs[0].action, err)
	}
	return nil
}

// lines prices the sessions of one employee at the rates valid on their
// start dates; a session on a date without a rate is left out.
func (g *generation) lines(sessions []homeSession, rates []fc.ReimbursementRate) ([]fc.ReimbursementLine, string) {
	var out []fc.ReimbursementLine
	currency := ""
	for _, h := range sessions {
		started := time.UnixMilli(h.startedAt).In(g.loc)
		day := started.Format(fc.DateLayout)
		for i := range rates {
			r := &rates[i]
			if !r.Covers(day) {
				continue
			}
			currency = r.Currency
			out = append(out, fc.ReimbursementLine{SessionID: h.id, StartedAt: fromMS(h.startedAt), StationID: h.stationID,
				StationName: h.stationName, EnergyWh: h.energyWh, PerKWhMicros: r.PerKWhMicros,
				AmountMinor:    fc.ReimbursementAmount(h.energyWh, r.PerKWhMicros, r.Currency),
				OriginalPeriod: started.Format(fc.PeriodLayout)})
			break
		}
	}
	slices.SortFunc(out, func(a, b fc.ReimbursementLine) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return int(a.SessionID - b.SessionID)
	})
	return out, currency
}

// refresh writes the draft statement of one employee: x is the existing
// draft, or nil.
func (g *generation) refresh(ctx context.Context, x *fc.ReimbursementStatement, sessions []homeSession, rates []fc.ReimbursementRate) error {
	lines, currency := g.lines(sessions, rates)
	if len(lines) == 0 {
		if x != nil {
			return g.remove(ctx, x)
		}
		return nil
	}
	var energy, amount int64
	for _, l := range lines {
		energy += l.EnergyWh
		amount += l.AmountMinor
	}
	tx := g.tx
	var before map[string]any
	action := "reimbursement_statement.create"
	if x != nil {
		old, err := statementLines(ctx, tx, x.ID)
		if err != nil {
			return err
		}
		if slices.EqualFunc(old, lines, sameLine) && x.Currency == currency {
			return nil
		}
		before, action = statementBody(x), "reimbursement_statement.update"
		if _, err := tx.ExecContext(ctx, `DELETE FROM reimbursement_lines WHERE statement_id = $1`, int64(x.ID)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reimbursement_statements SET currency = $1, sessions = $2, energy_wh = $3, amount_minor = $4,
			updated_at = $5 WHERE id = $6 AND status = 'draft'`, currency, len(lines), energy, amount, ms(g.now), int64(x.ID)); err != nil {
			return err
		}
	} else {
		// A new statement is inserted by flush, with many others.
		x = &fc.ReimbursementStatement{ProviderID: g.providerID, EmployeeID: sessions[0].employeeID, AccountID: sessions[0].accountID,
			Period: g.period, Status: fc.StatementDraft, Currency: currency, Sessions: len(lines), EnergyWh: energy, AmountMinor: amount}
		g.created = append(g.created, createdStatement{x: x, lines: lines})
		if len(g.created) >= statementBatch {
			return g.flush(ctx)
		}
		return nil
	}
	for _, l := range lines {
		g.pending = append(g.pending, pendingLine{x.ID, l})
	}
	if len(g.pending) >= lineBatch {
		if err := g.flush(ctx); err != nil {
			return err
		}
	}
	x.Status, x.Currency, x.Sessions, x.EnergyWh, x.AmountMinor = fc.StatementDraft, currency, len(lines), energy, amount
	a, err := g.account(ctx, x.AccountID)
	if err != nil {
		return err
	}
	return g.s.audit(ctx, tx, change{providerID: a.ProviderID, action: action, kind: fc.KindReimbursementStatement, id: x.ID,
		orgID: a.OrganizationID, accountID: a.ID, before: before, after: statementBody(x)})
}

// insertLines writes lines of statements in one INSERT of many rows.
func insertLines(ctx context.Context, tx *sql.Tx, lines []pendingLine) error {
	if len(lines) == 0 {
		return nil
	}
	q := &query{}
	q.add(`INSERT INTO reimbursement_lines (statement_id, session_id, started_at, station_id, station_name, energy_wh, per_kwh_micros,
		amount_minor, original_period) VALUES `)
	for i, l := range lines {
		if i > 0 {
			q.add(", ")
		}
		// Integers as literals, texts as placeholders: a placeholder of
		// a multi-row VALUES list is typed by its rows, not its column.
		q.add("(").int(int64(l.statementID)).add(", ").int(int64(l.SessionID)).add(", ").int(ms(l.StartedAt)).add(", ")
		if l.StationID == 0 {
			q.add("NULL")
		} else {
			q.int(int64(l.StationID))
		}
		q.add(", ").arg(l.StationName).add(", ").int(l.EnergyWh).add(", ").int(l.PerKWhMicros).
			add(", ").int(l.AmountMinor).add(", ").arg(l.OriginalPeriod).add(")")
	}
	_, err := tx.ExecContext(ctx, q.String(), q.args...)
	return err
}

func sameLine(a, b fc.ReimbursementLine) bool {
	return a.SessionID == b.SessionID && a.StartedAt.Equal(b.StartedAt) && a.StationID == b.StationID && a.StationName == b.StationName &&
		a.EnergyWh == b.EnergyWh && a.PerKWhMicros == b.PerKWhMicros && a.AmountMinor == b.AmountMinor && a.OriginalPeriod == b.OriginalPeriod
}

// remove deletes a draft left without reimbursable sessions.
func (g *generation) remove(ctx context.Context, x *fc.ReimbursementStatement) error {
	if _, err := g.tx.ExecContext(ctx, `DELETE FROM reimbursement_lines WHERE statement_id = $1`, int64(x.ID)); err != nil {
		return err
	}
	if _, err := g.tx.ExecContext(ctx, `DELETE FROM reimbursement_statements WHERE id = $1 AND status = 'draft'`, int64(x.ID)); err != nil {
		return err
	}
	a, err := g.s.refAccount(ctx, g.tx, x.ProviderID, x.AccountID)
	if err != nil {
		return err
	}
	return g.s.audit(ctx, g.tx, change{providerID: x.ProviderID, action: "reimbursement_statement.delete", kind: fc.KindReimbursementStatement,
		id: x.ID, orgID: a.OrganizationID, accountID: a.ID, before: statementBody(x)})
}
