package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Station jobs (fc.StationJobStore): one command over many stations, a
// result per station. The runner's writes are single-row or single-statement
// updates guarded by the result's current status, so they run at READ
// COMMITTED (writeState) like the OCPP endpoint's.

// jobChunk bounds the rows of one multi-row statement.
const jobChunk = 500

// stationVisible appends the predicate of stations (alias st) visible in
// sc, as stationQuery applies it.
func stationVisible(q *query, sc fc.StationScope) *query {
	q.add("st.provider_id = ").int(int64(sc.ProviderID)).add(" AND (")
	q.reach("st.account_id", sc.Reach)
	if !sc.HomesOf.Empty() {
		q.add(` OR st.location_id IN (SELECT hl.id FROM locations hl JOIN employees he ON he.id = hl.employee_id
			WHERE hl.kind = 'home' AND `).reach("he.account_id", sc.HomesOf).add(")")
	}
	return q.add(")")
}

// JobStations returns the stations of a job's target visible in sc, with
// their connectors and whether command reaches them; a charge group's or
// an organization subtree's only where command reaches.
func (s *Store) JobStations(ctx context.Context, sc fc.StationScope, command fc.Reach, t fc.JobTarget) ([]fc.JobStation, error) {
	q := &query{}
	q.add(`SELECT `+stationColumns+`, CASE WHEN `).reach("st.account_id", command).add(` THEN 1 ELSE 0 END FROM stations st WHERE `)
	stationVisible(q, sc)
	switch {
	case len(t.StationIDs) > 0:
		q.add(" AND st.id IN ").ids(t.StationIDs)
	case t.ChargeGroupID > 0:
		q.add(" AND st.charge_group_id = ").int(int64(t.ChargeGroupID)).add(" AND ").reach("st.account_id", command)
	case t.OrganizationID > 0:
		q.add(` AND st.account_id IN (SELECT ta.id FROM accounts ta JOIN org_closure tc ON tc.descendant_id = ta.organization_id
			WHERE tc.ancestor_id = `).int(int64(t.OrganizationID)).add(") AND ").reach("st.account_id", command)
	default:
		return nil, nil
	}
	q.add(" ORDER BY st.id")
	var out []fc.JobStation
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var js fc.JobStation
			var commandable int
			if err := scanStation(scanWith(rows, &commandable), &js.Station); err != nil {
				return err
			}
			js.Commandable = commandable == 1
			out = append(out, js)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		sts := make([]fc.Station, len(out))
		for i := range out {
			sts[i] = out[i].Station
		}
		for i := 0; i < len(sts); i += jobChunk {
			if err := loadChargePoints(ctx, tx, sts[i:min(i+jobChunk, len(sts))]); err != nil {
				return err
			}
		}
		for i := range out {
			out[i].ChargePoints = sts[i].ChargePoints
		}
		return nil
	})
	return out, err
}

// extraScanner scans a row whose last columns go to extra, the others to
// the wrapped scan.
type extraScanner struct {
	row   rowScanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func scanWith(row rowScanner, extra ...any) rowScanner { return extraScanner{row, extra} }

// CreateStationJob stores a running job with a pending result per station
// and its audit event, in one transaction.
func (s *Store) CreateStationJob(ctx context.Context, j *fc.StationJob, stationIDs []fc.ID) error {
	if len(stationIDs) == 0 {
		return fc.Errorf(fc.EUnprocessable, "a job needs at least one station")
	}
	now := s.now()
	j.Status, j.CreatedAt, j.FinishedAt = fc.JobRunning, now, nil
	j.Deadline = j.Deadline.UTC().Truncate(time.Millisecond)
	if len(j.Args) == 0 {
		j.Args = json.RawMessage("{}")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		j.ID = 0
		err := tx.QueryRowContext(ctx, `INSERT INTO station_jobs (provider_id, created_by, command, args, call_json, request_id, status, deadline, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			int64(j.ProviderID), nullID(j.CreatedBy), j.Command, string(j.Args), string(j.Call), j.RequestID, j.Status, ms(j.Deadline), ms(now)).Scan(&j.ID)
		if err != nil {
			return err
		}
		for i := 0; i < len(stationIDs); i += jobChunk {
			q := &query{}
			q.add(`INSERT INTO station_job_results (job_id, station_id, status, updated_at) VALUES `)
			for k, id := range stationIDs[i:min(i+jobChunk, len(stationIDs))] {
				if k > 0 {
					q.add(", ")
				}
				q.add("(").int(int64(j.ID)).add(", ").int(int64(id)).add(", '" + fc.ResultPending + "', ").int(ms(now)).add(")")
			}
			if _, err := tx.ExecContext(ctx, q.String()); err != nil {
				return err
			}
		}
		j.Progress = map[string]int{fc.ResultPending: len(stationIDs)}
		return s.audit(ctx, tx, change{providerID: j.ProviderID, action: "station_job.create", kind: fc.KindStationJob, id: j.ID,
			after: struct {
				*fc.StationJob
				Stations int `json:"stations"`
			}{j, len(stationIDs)}})
	})
}

const jobColumns = `j.id, j.provider_id, COALESCE(j.created_by, 0), j.command, j.args, j.call_json, j.request_id, j.status, j.deadline, j.created_at, j.finished_at`

func scanJob(row rowScanner, j *fc.StationJob) error {
	var args, call string
	var deadline, created int64
	var finished sql.NullInt64
	if err := row.Scan(&j.ID, &j.ProviderID, &j.CreatedBy, &j.Command, &args, &call, &j.RequestID, &j.Status, &deadline, &created, &finished); err != nil {
		return err
	}
	j.Args, j.Call = json.RawMessage(args), json.RawMessage(call)
	j.Deadline, j.CreatedAt, j.FinishedAt = fromMS(deadline), fromMS(created), fromNullMS(finished)
	return nil
}

// jobQuery starts a SELECT of the jobs sc reads.
func jobQuery(sc fc.JobScope) *query {
	q := &query{}
	q.add(`SELECT ` + jobColumns + ` FROM station_jobs j WHERE j.provider_id = `).int(int64(sc.ProviderID))
	if !sc.All {
		q.add(" AND j.created_by = ").int(int64(sc.UserID))
	}
	return q
}

// StationJob reads one job sc reads, with the progress of the results on
// the stations it sees.
func (s *Store) StationJob(ctx context.Context, sc fc.JobScope, id fc.ID) (*fc.StationJob, error) {
	if sc.UserID <= 0 && !sc.All {
		return nil, notFound("station job", id)
	}
	q := jobQuery(sc).add(" AND j.id = ").int(int64(id))
	var j fc.StationJob
	if err := scanJob(s.reader.QueryRowContext(ctx, q.String(), q.args...), &j); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("station job", id)
		}
		return nil, s.mapErr(err)
	}
	jobs := []fc.StationJob{j}
	if err := s.jobProgress(ctx, sc, jobs); err != nil {
		return nil, err
	}
	return &jobs[0], nil
}

// StationJobs lists the jobs sc reads, by ID.
func (s *Store) StationJobs(ctx context.Context, sc fc.JobScope, f fc.StationJobFilter) ([]fc.StationJob, error) {
	if sc.UserID <= 0 && !sc.All {
		return nil, nil
	}
	q := jobQuery(sc).scoped()
	if f.Status != "" {
		q.add(" AND j.status = ").arg(f.Status)
	}
	q.sortable(s.dialect, jobSorts).page("j.id", f.Page)
	jobs, err := list(ctx, s, q, scanJob)
	if err != nil {
		return nil, err
	}
	return jobs, s.jobProgress(ctx, sc, jobs)
}

// jobProgress counts the results of each job by status, on the stations
// sc sees.
func (s *Store) jobProgress(ctx context.Context, sc fc.JobScope, jobs []fc.StationJob) error {
	if len(jobs) == 0 {
		return nil
	}
	at := map[fc.ID]*fc.StationJob{}
	ids := make([]fc.ID, len(jobs))
	for i := range jobs {
		jobs[i].Progress = map[string]int{}
		at[jobs[i].ID], ids[i] = &jobs[i], jobs[i].ID
	}
	q := &query{}
	q.add(`SELECT r.job_id, r.status, COUNT(*) FROM station_job_results r JOIN stations st ON st.id = r.station_id WHERE r.job_id IN `).ids(ids).add(" AND ")
	stationVisible(q, sc.Stations).add(" GROUP BY r.job_id, r.status")
	return s.each(ctx, q, func(rows *sql.Rows) error {
		var id fc.ID
		var status string
		var n int
		if err := rows.Scan(&id, &status, &n); err != nil {
			return err
		}
		at[id].Progress[status] = n
		return nil
	})
}

const resultColumns = `r.job_id, r.station_id, st.identity, r.status, r.progress, r.reply, r.error, r.final, r.attempts, r.updated_at`

func scanResult(row rowScanner, r *fc.StationJobResult) error {
	var reply sql.NullString
	var updated int64
	if err := row.Scan(&r.JobID, &r.StationID, &r.Identity, &r.Status, &r.Progress, &reply, &r.Error, &r.Final, &r.Attempts, &updated); err != nil {
		return err
	}
	if reply.Valid && reply.String != "" {
		r.Reply = json.RawMessage(reply.String)
	}
	r.UpdatedAt = fromMS(updated)
	return nil
}

// StationJobResults pages a job's results on the stations sc sees.
func (s *Store) StationJobResults(ctx context.Context, sc fc.JobScope, id fc.ID, p fc.Page) ([]fc.StationJobResult, error) {
	if _, err := s.StationJob(ctx, sc, id); err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT ` + resultColumns + ` FROM station_job_results r JOIN stations st ON st.id = r.station_id WHERE r.job_id = `).int(int64(id)).add(" AND ")
	stationVisible(q, sc.Stations)
	q.page("r.station_id", p)
	return list(ctx, s, q, scanResult)
}

// RunningStationJobs returns every running job, oldest first.
func (s *Store) RunningStationJobs(ctx context.Context) ([]fc.StationJob, error) {
	q := &query{}
	q.add(`SELECT ` + jobColumns + ` FROM station_jobs j WHERE j.status = '` + fc.JobRunning + `' ORDER BY j.id`)
	return list(ctx, s, q, scanJob)
}

// ClaimJobResults marks up to n pending results of the job sent and
// returns them with their stations and connectors.
func (s *Store) ClaimJobResults(ctx context.Context, job *fc.StationJob, n int) ([]fc.JobWork, error) {
	if n <= 0 {
		return nil, nil
	}
	// The candidates are read first, so that a job with nothing pending
	// costs no write; the update takes those still pending.
	q := &query{}
	q.add(`SELECT station_id FROM station_job_results WHERE job_id = `).int(int64(job.ID)).
		add(` AND status = '` + fc.ResultPending + `' ORDER BY station_id LIMIT `).int(int64(n))
	var candidates []fc.ID
	if err := s.each(ctx, q, func(rows *sql.Rows) error {
		var id fc.ID
		err := rows.Scan(&id)
		candidates = append(candidates, id)
		return err
	}); err != nil || len(candidates) == 0 {
		return nil, err
	}
	now := ms(s.now())
	var ids []fc.ID
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		ids = ids[:0]
		q := &query{}
		q.add(`UPDATE station_job_results SET status = '` + fc.ResultSent + `', attempts = attempts + 1, updated_at = `).int(now).
			add(` WHERE job_id = `).int(int64(job.ID)).add(` AND status = '` + fc.ResultPending + `' AND station_id IN `).ids(candidates).
			add(` RETURNING station_id`)
		rows, err := tx.QueryContext(ctx, q.String())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id fc.ID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var sts []fc.Station
	err = s.read(ctx, func(tx *sql.Tx) error {
		q := &query{}
		q.add(`SELECT ` + stationColumns + ` FROM stations st WHERE st.id IN `).ids(ids).add(" ORDER BY st.id")
		sts, err = readStations(ctx, tx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]fc.JobWork, len(sts))
	for i := range sts {
		out[i] = fc.JobWork{Job: job, Station: sts[i]}
	}
	return out, nil
}

// UpdateJobResult sets a result's status, progress, reply, error and
// finality when its status is one of from.
func (s *Store) UpdateJobResult(ctx context.Context, r *fc.StationJobResult, from ...string) (bool, error) {
	n, err := s.UpdateJobResults(ctx, []*fc.StationJobResult{r}, from...)
	return n > 0, err
}

// UpdateJobResults updates each result as UpdateJobResult does, in order,
// in one transaction: the runner's answers and progress commit together.
func (s *Store) UpdateJobResults(ctx context.Context, rs []*fc.StationJobResult, from ...string) (int, error) {
	if len(from) == 0 || len(rs) == 0 {
		return 0, nil
	}
	now := s.now()
	var changed int
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		changed = 0
		for _, r := range rs {
			var reply any
			if len(r.Reply) > 0 {
				reply = string(r.Reply)
			}
			q := &query{}
			q.add(`UPDATE station_job_results SET status = `).arg(r.Status).add(", progress = ").arg(r.Progress).
				add(", reply = ").arg(reply).add(", error = ").arg(r.Error).add(", final = ").arg(r.Final).
				add(", updated_at = ").int(ms(now)).
				add(" WHERE job_id = ").int(int64(r.JobID)).add(" AND station_id = ").int(int64(r.StationID)).add(" AND status IN (")
			for i, f := range from {
				if i > 0 {
					q.add(", ")
				}
				q.arg(f)
			}
			q.add(")")
			res, err := tx.ExecContext(ctx, q.String(), q.args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			changed += int(n)
		}
		return nil
	})
	if err == nil {
		for _, r := range rs {
			r.UpdatedAt = now
		}
	}
	return changed, err
}

// runningJobs is the subquery of the running jobs' IDs.
const runningJobs = `(SELECT id FROM station_jobs WHERE status = '` + fc.JobRunning + `')`

// exec runs one statement in a state write and returns the rows it
// changed.
func (s *Store) execState(ctx context.Context, stmt string, args ...any) (int, error) {
	var n int64
	err := s.writeState(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, stmt, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// RequeueOffline puts the stations' offline results of running jobs back
// to pending.
func (s *Store) RequeueOffline(ctx context.Context, stationIDs []fc.ID) (int, error) {
	total := 0
	for i := 0; i < len(stationIDs); i += jobChunk {
		q := &query{}
		q.add(`UPDATE station_job_results SET status = '` + fc.ResultPending + `', updated_at = `).int(ms(s.now())).
			add(` WHERE status = '` + fc.ResultOffline + `' AND station_id IN `).ids(stationIDs[i:min(i+jobChunk, len(stationIDs))]).
			add(` AND job_id IN ` + runningJobs)
		n, err := s.execState(ctx, q.String())
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// RecoverSentResults puts back to pending the results a stopped process
// left sent on their first attempt, and fails those sent before.
func (s *Store) RecoverSentResults(ctx context.Context) (int, error) {
	now := ms(s.now())
	n, err := s.execState(ctx, `UPDATE station_job_results SET status = '`+fc.ResultPending+`', updated_at = $1
		WHERE status = '`+fc.ResultSent+`' AND attempts < 2 AND job_id IN `+runningJobs, now)
	if err != nil {
		return n, err
	}
	m, err := s.execState(ctx, `UPDATE station_job_results SET status = '`+fc.ResultFailed+`', final = $1,
		error = 'the call was out when the server stopped, twice', updated_at = $2
		WHERE status = '`+fc.ResultSent+`' AND job_id IN `+runningJobs, true, now)
	return n + m, err
}

// FollowedJobResults returns the stations' results of running jobs of
// the commands, accepted (or sent: the station may report before its
// answer is recorded) and not final, the latest job's first.
func (s *Store) FollowedJobResults(ctx context.Context, stationIDs []fc.ID, commands []string) ([]fc.FollowedResult, error) {
	var out []fc.FollowedResult
	for i := 0; i < len(stationIDs); i += jobChunk {
		q := &query{}
		q.add(`SELECT ` + resultColumns + `, j.command, j.request_id FROM station_job_results r JOIN station_jobs j ON j.id = r.job_id
			JOIN stations st ON st.id = r.station_id WHERE r.station_id IN `).ids(stationIDs[i:min(i+jobChunk, len(stationIDs))]).
			add(` AND r.status IN ('` + fc.ResultAccepted + `', '` + fc.ResultSent + `') AND NOT r.final AND j.status = '` + fc.JobRunning + `' AND j.command IN (`)
		for k, c := range commands {
			if k > 0 {
				q.add(", ")
			}
			q.arg(c)
		}
		q.add(") ORDER BY j.id DESC")
		err := s.each(ctx, q, func(rows *sql.Rows) error {
			var f fc.FollowedResult
			if err := scanResult(scanWith(rows, &f.Command, &f.RequestID), &f.StationJobResult); err != nil {
				return err
			}
			out = append(out, f)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ExpireStationJobs fails the pending and offline results of running jobs
// past their deadline, and ends the accepted ones still followed.
func (s *Store) ExpireStationJobs(ctx context.Context, now time.Time) (int, error) {
	past := `(SELECT id FROM station_jobs WHERE status = '` + fc.JobRunning + `' AND deadline < $1)`
	var due int
	if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM station_jobs WHERE status = '`+fc.JobRunning+`' AND deadline < $1`, ms(now)).Scan(&due); err != nil || due == 0 {
		return 0, s.mapErr(err)
	}
	n, err := s.execState(ctx, `UPDATE station_job_results SET status = '`+fc.ResultFailed+`', final = $2, error = 'deadline passed', updated_at = $3
		WHERE status IN ('`+fc.ResultPending+`', '`+fc.ResultOffline+`') AND job_id IN `+past, ms(now), true, ms(s.now()))
	if err != nil {
		return n, err
	}
	m, err := s.execState(ctx, `UPDATE station_job_results SET final = $2, error = 'deadline passed before the station reported the end', updated_at = $3
		WHERE status = '`+fc.ResultAccepted+`' AND NOT final AND job_id IN `+past, ms(now), true, ms(s.now()))
	return n + m, err
}

// FinishStationJobs marks done the running jobs without a result that is
// not final; it reads first, so that a pass with none costs no write.
func (s *Store) FinishStationJobs(ctx context.Context) (int, error) {
	q := &query{}
	q.add(`SELECT j.id FROM station_jobs j WHERE j.status = '` + fc.JobRunning + `'
		AND NOT EXISTS (SELECT 1 FROM station_job_results r WHERE r.job_id = j.id AND NOT r.final)`)
	var ids []fc.ID
	if err := s.each(ctx, q, func(rows *sql.Rows) error {
		var id fc.ID
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	}); err != nil || len(ids) == 0 {
		return 0, err
	}
	u := &query{}
	u.add(`UPDATE station_jobs SET status = '` + fc.JobDone + `', finished_at = `).int(ms(s.now())).add(` WHERE status = '` + fc.JobRunning + `' AND id IN `).ids(ids).
		add(` AND NOT EXISTS (SELECT 1 FROM station_job_results r WHERE r.job_id = station_jobs.id AND NOT r.final)`)
	return s.execState(ctx, u.String())
}
