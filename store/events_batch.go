package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The deliverer's writes in batches: a round of events dispatched in one
// transaction, a round of delivery attempts claimed and recorded in one
// transaction, each with a few multi-row statements instead of a few
// statements per row. On PostgreSQL every statement is a round trip, and
// per-row statements held the deliverer to about 800 deliveries a second.

// batchRows bounds the rows of one multi-row statement: at most seven
// placeholders a row, well under both engines' limits (SQLite 32,766,
// PostgreSQL 65,535).
const batchRows = 500

// lockDispatch and lockWebhook are the classes of the PostgreSQL advisory
// locks of the deliverer: one dispatcher of the outbox at a time, and one
// drainer of a webhook at a time, whatever the number of nodes.
const (
	lockDispatch = 21
	lockWebhook  = 22
)

// DispatchEvents stores what each event of ids became (outs, by index)
// and marks them dispatched, in one write; events dispatched already are
// left as they are, and a repeat adds nothing twice. On PostgreSQL the
// write holds the outbox's advisory lock, so that two nodes never
// dispatch at once and deliveries get their IDs in the events' order
// (which is the order per object).
func (s *Store) DispatchEvents(ctx context.Context, ids []fc.ID, outs []fc.EventFanout) error {
	if len(ids) != len(outs) {
		return fmt.Errorf("store: %d events and %d fanouts", len(ids), len(outs))
	}
	if len(ids) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.writeState(ctx, func(tx *sql.Tx) error {
		if s.Engine() == "postgres" {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockDispatch); err != nil {
				return err
			}
		}
		q := &query{}
		q.add(`SELECT id FROM events WHERE dispatched_at IS NOT NULL AND id IN `).ids(ids)
		dispatched := map[fc.ID]bool{}
		if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
			var id fc.ID
			err := rows.Scan(&id)
			dispatched[id] = true
			return err
		}); err != nil {
			return err
		}
		type dRow struct {
			eventID fc.ID
			d       *fc.WebhookDelivery
		}
		type nRow struct {
			eventID fc.ID
			n       *fc.Notification
		}
		var ds []dRow
		var ns []nRow
		var done []fc.ID
		for i, id := range ids {
			if dispatched[id] {
				continue // by another node, or before a crash
			}
			done = append(done, id)
			for j := range outs[i].Deliveries {
				ds = append(ds, dRow{id, &outs[i].Deliveries[j]})
			}
			for j := range outs[i].Notifications {
				ns = append(ns, nRow{id, &outs[i].Notifications[j]})
			}
		}
		for chunk := range chunks(len(ds)) {
			q := &query{}
			q.add(`INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, object_key, payload, status, attempts, next_at,
				created_at) VALUES `)
			for i, r := range ds[chunk[0]:chunk[1]] {
				if i > 0 {
					q.add(", ")
				}
				q.add("(").int(int64(r.d.WebhookID)).add(", ").int(int64(r.eventID)).add(", ").arg(r.d.EventType).add(", ").
					arg(r.d.ObjectKey).add(", ").arg(r.d.Payload).add(", 'pending', 0, ").int(now).add(", ").int(now).add(")")
			}
			q.add(` ON CONFLICT (webhook_id, event_id) DO NOTHING`)
			if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
				return err
			}
		}
		for chunk := range chunks(len(ns)) {
			q := &query{}
			q.add(`INSERT INTO event_notifications (subscription_id, event_id, summary, at) VALUES `)
			for i, r := range ns[chunk[0]:chunk[1]] {
				if i > 0 {
					q.add(", ")
				}
				q.add("(").int(int64(r.n.SubscriptionID)).add(", ").int(int64(r.eventID)).add(", ").arg(clip(r.n.Summary, 500)).
					add(", ").int(ms(r.n.At)).add(")")
			}
			q.add(` ON CONFLICT (subscription_id, event_id) DO NOTHING`)
			if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
				return err
			}
		}
		if len(done) == 0 {
			return nil
		}
		q = &query{}
		// The snapshot served the dispatch: the event keeps only its name.
		q.add(`UPDATE events SET dispatched_at = `).int(now).add(`, snapshot = '' WHERE id IN `).ids(done)
		_, err := tx.ExecContext(ctx, q.String(), q.args...)
		return err
	})
}

// chunks yields the [start, end) bounds of the batches of n rows.
func chunks(n int) func(yield func([2]int) bool) {
	return func(yield func([2]int) bool) {
		for i := 0; i < n; i += batchRows {
			if !yield([2]int{i, min(i+batchRows, n)}) {
				return
			}
		}
	}
}

// dueDeliveries is the query of the due deliveries, each the oldest
// pending one of its webhook and object, of the webhooks hooks (all when
// nil).
func dueDeliveries(now time.Time, limit int, hooks []fc.ID) *query {
	q := &query{}
	q.add(`SELECT ` + deliveryColumns + ` FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.enabled
		WHERE d.status = 'pending' AND d.next_at <= `).int(ms(now))
	if hooks != nil {
		q.add(` AND d.webhook_id IN `).ids(hooks)
	}
	q.add(` AND NOT EXISTS (SELECT 1 FROM webhook_deliveries b WHERE b.webhook_id = d.webhook_id AND b.object_key = d.object_key
		AND b.status = 'pending' AND b.id < d.id)`)
	q.add(` ORDER BY d.next_at, d.id LIMIT `).int(int64(limit))
	return q
}

// DeliverRound is one round of the deliverer: it claims at most limit due
// deliveries (each the oldest pending one of its webhook and object),
// hands them to attempt, which sends them and returns the outcomes to
// record (none for a delivery it did not finish), and records those; it
// returns how many deliveries it claimed and those whose webhook it
// disabled.
//
// On PostgreSQL the round is one transaction at READ COMMITTED: it takes
// the advisory lock of every webhook it drains, skipping those another
// node holds (one drainer per webhook at a time, so that the deliveries of
// an object go out in order and none twice at once), locks the rows it
// claims (FOR UPDATE SKIP LOCKED), and commits the outcomes at the end.
// A process killed in the middle commits nothing: its deliveries are
// pending still and go out again, with the same webhook-id. On SQLite,
// where one process owns the database, the round reads the due deliveries
// and records the outcomes in one write.
func (s *Store) DeliverRound(ctx context.Context, now time.Time, limit int,
	attempt func([]fc.WebhookDelivery) []fc.AttemptRecord) (int, []fc.ID, error) {
	if s.Engine() != "postgres" {
		ds, err := list(ctx, s, dueDeliveries(now, limit, nil), scanDelivery)
		if err != nil || len(ds) == 0 {
			return 0, nil, err
		}
		rs := attempt(ds)
		disabled, err := s.RecordAttempts(context.WithoutCancel(ctx), rs)
		return len(ds), disabled, err
	}
	// The outcomes are recorded even when ctx ends during the attempts:
	// what was sent is not sent again.
	dbCtx := context.WithoutCancel(ctx)
	tx, err := s.writer.BeginTx(dbCtx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return 0, nil, s.mapErr(err)
	}
	defer func() { _ = tx.Rollback() }()
	var candidates []fc.ID
	q := &query{}
	q.add(`SELECT w.id FROM webhooks w WHERE w.enabled AND EXISTS (SELECT 1 FROM webhook_deliveries d
		WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_at <= `).int(ms(now)).add(`) ORDER BY w.id`)
	if err := eachRow(dbCtx, tx, q, func(rows *sql.Rows) error {
		var id fc.ID
		err := rows.Scan(&id)
		candidates = append(candidates, id)
		return err
	}); err != nil || len(candidates) == 0 {
		return 0, nil, s.mapErr(err)
	}
	q = &query{}
	q.add(`SELECT c.id FROM (VALUES `)
	for i, id := range candidates {
		if i > 0 {
			q.add(", ")
		}
		q.add("(CAST(").int(int64(id)).add(" AS BIGINT))")
	}
	q.add(`) AS c (id) WHERE pg_try_advisory_xact_lock(`).int(lockWebhook).add(`, CAST(c.id % 2147483647 AS INTEGER))`)
	hooks := []fc.ID{}
	if err := eachRow(dbCtx, tx, q, func(rows *sql.Rows) error {
		var id fc.ID
		err := rows.Scan(&id)
		hooks = append(hooks, id)
		return err
	}); err != nil || len(hooks) == 0 {
		return 0, nil, s.mapErr(err)
	}
	// The planner's statistics lag behind a burst of deliveries: thinking
	// the table small, it read and sorted every due delivery of a backlog
	// (260 ms at 40,000) instead of walking webhook_deliveries_due in
	// order up to the limit.
	if _, err := tx.ExecContext(dbCtx, `SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off`); err != nil {
		return 0, nil, s.mapErr(err)
	}
	q = dueDeliveries(now, limit, hooks)
	q.add(` FOR UPDATE OF d SKIP LOCKED`)
	var ds []fc.WebhookDelivery
	if err := eachRow(dbCtx, tx, q, func(rows *sql.Rows) error {
		var d fc.WebhookDelivery
		err := scanDelivery(rows, &d)
		ds = append(ds, d)
		return err
	}); err != nil || len(ds) == 0 {
		return 0, nil, s.mapErr(err)
	}
	rs := attempt(ds)
	disabled, err := recordAttempts(dbCtx, tx, rs)
	if err != nil {
		return len(ds), nil, s.mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return len(ds), nil, s.mapErr(err)
	}
	return len(ds), disabled, nil
}

// recordAttempts stores a round of attempts within tx: the attempts in
// multi-row INSERTs, the deliveries' new state in multi-row UPDATEs, each
// webhook's failing_since in one UPDATE; then, for each delivery that
// gives up, whether its webhook is disabled. It returns the deliveries
// whose webhook it disabled.
func recordAttempts(ctx context.Context, tx *sql.Tx, rs []fc.AttemptRecord) ([]fc.ID, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	ids := make([]fc.ID, len(rs))
	for i, r := range rs {
		ids[i] = r.DeliveryID
	}
	hookOf := map[fc.ID]fc.ID{}
	q := &query{}
	q.add(`SELECT id, webhook_id FROM webhook_deliveries WHERE id IN `).ids(ids)
	if err := eachRow(ctx, tx, q, func(rows *sql.Rows) error {
		var id, hook fc.ID
		err := rows.Scan(&id, &hook)
		hookOf[id] = hook
		return err
	}); err != nil {
		return nil, err
	}
	for _, r := range rs {
		if _, ok := hookOf[r.DeliveryID]; !ok {
			return nil, notFound("webhook_delivery", r.DeliveryID)
		}
	}
	big := func(q *query, v int64) *query { return q.add("CAST(").int(v).add(" AS BIGINT)") }
	nullBig := func(q *query, t *time.Time) *query {
		if t == nil {
			return q.add("CAST(NULL AS BIGINT)")
		}
		return big(q, ms(*t))
	}
	for chunk := range chunks(len(rs)) {
		part := rs[chunk[0]:chunk[1]]
		ins := &query{}
		ins.add(`INSERT INTO webhook_attempts (delivery_id, at, response_status, latency_ms, response_excerpt, error) VALUES `)
		upd := &query{}
		upd.add(`WITH v (id, status, next_at, last_at, response_status, latency_ms, excerpt, msg, delivered) AS (VALUES `)
		for i, r := range part {
			a := r.Attempt
			if i > 0 {
				ins.add(", ")
				upd.add(", ")
			}
			excerpt, msg := clip(a.ResponseExcerpt, 1000), clip(a.Error, 500)
			ins.add("(").int(int64(r.DeliveryID)).add(", ").int(ms(a.At)).add(", ").int(int64(a.ResponseStatus)).add(", ").
				int(a.Latency.Milliseconds()).add(", ").arg(excerpt).add(", ").arg(msg).add(")")
			status, next := fc.DeliveryPending, a.NextAt
			var delivered *time.Time
			switch {
			case a.Delivered:
				status, next, delivered = fc.DeliveryDelivered, a.At, &a.At
			case a.NextAt.IsZero():
				status, next = fc.DeliveryFailed, a.At
			}
			upd.add("(")
			big(upd, int64(r.DeliveryID)).add(", ").arg(status).add(", ")
			big(upd, ms(next)).add(", ")
			big(upd, ms(a.At)).add(", ")
			big(upd, int64(a.ResponseStatus)).add(", ")
			big(upd, a.Latency.Milliseconds()).add(", ").arg(excerpt).add(", ").arg(msg).add(", ")
			nullBig(upd, delivered).add(")")
		}
		upd.add(`) UPDATE webhook_deliveries SET status = v.status, attempts = webhook_deliveries.attempts + 1, next_at = v.next_at,
			last_attempt_at = v.last_at, response_status = v.response_status, latency_ms = v.latency_ms,
			response_excerpt = v.excerpt, error = v.msg, delivered_at = COALESCE(v.delivered, webhook_deliveries.delivered_at)
			FROM v WHERE webhook_deliveries.id = v.id`)
		if _, err := tx.ExecContext(ctx, ins.String(), ins.args...); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, upd.String(), upd.args...); err != nil {
			return nil, err
		}
	}
	// A webhook is failing since the first failed attempt after its last
	// success: a round with a success clears it (or restarts it at a
	// failure that came later), a round of failures only starts it.
	type hookRound struct {
		ok    bool
		okAt  time.Time
		fails []time.Time
	}
	rounds := map[fc.ID]*hookRound{}
	var order []fc.ID
	for _, r := range rs {
		h := hookOf[r.DeliveryID]
		hr := rounds[h]
		if hr == nil {
			hr = &hookRound{}
			rounds[h] = hr
			order = append(order, h)
		}
		if r.Attempt.Delivered {
			if !hr.ok || r.Attempt.At.After(hr.okAt) {
				hr.ok, hr.okAt = true, r.Attempt.At
			}
		} else {
			hr.fails = append(hr.fails, r.Attempt.At)
		}
	}
	q = &query{}
	q.add(`WITH v (id, keep, since) AS (VALUES `)
	for i, h := range order {
		hr := rounds[h]
		keep := int64(0)
		var since *time.Time
		for _, at := range hr.fails {
			if hr.ok && !at.After(hr.okAt) {
				continue
			}
			if since == nil || at.Before(*since) {
				since = &at
			}
		}
		if !hr.ok {
			keep = 1 // failures only: failing since the first of them, or since before
		}
		if i > 0 {
			q.add(", ")
		}
		q.add("(")
		big(q, int64(h)).add(", ")
		big(q, keep).add(", ")
		nullBig(q, since).add(")")
	}
	const failing = `CASE WHEN v.keep = 1 THEN COALESCE(webhooks.failing_since, v.since) ELSE v.since END`
	q.add(`) UPDATE webhooks SET failing_since = ` + failing + ` FROM v
		WHERE webhooks.id = v.id AND webhooks.failing_since IS DISTINCT FROM ` + failing)
	if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
		return nil, err
	}
	var disabled []fc.ID
	for _, r := range rs {
		a := r.Attempt
		if a.Delivered || !a.NextAt.IsZero() {
			continue
		}
		off, err := disableIfFailing(ctx, tx, hookOf[r.DeliveryID], r.DeliveryID, a, r.DisableAfter)
		if err != nil {
			return nil, err
		}
		if off {
			disabled = append(disabled, r.DeliveryID)
		}
	}
	return disabled, nil
}

// disableIfFailing disables the webhook of a delivery that gave up when
// nothing it sent succeeded since the delivery's first attempt (the retry
// period, disableAfter, ago), or at once when disableAfter is 0 (the
// receiver answered 410 Gone), and reports whether it did.
func disableIfFailing(ctx context.Context, tx *sql.Tx, webhookID, deliveryID fc.ID, a fc.DeliveryAttempt, disableAfter time.Duration) (bool, error) {
	since := ms(a.At.Add(-disableAfter))
	if disableAfter > 0 {
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(at) FROM webhook_attempts WHERE delivery_id = $1`, int64(deliveryID)).Scan(&first); err != nil {
			return false, err
		}
		if !first.Valid {
			return false, errors.New("store: a delivery that gives up has no attempt")
		}
		since = first.Int64
	}
	msg := clip(firstNonEmpty(clip(a.Error, 500), fmt.Sprintf("HTTP %d", a.ResponseStatus)), 200)
	res, err := tx.ExecContext(ctx, `UPDATE webhooks SET enabled = FALSE, disabled_reason = $1, updated_at = $2
		WHERE id = $3 AND enabled AND failing_since <= $4`,
		fmt.Sprintf("every delivery failed for %s (the last: %s)", disableAfter, msg), ms(a.At), int64(webhookID), since)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
