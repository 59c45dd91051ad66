package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Events (fleetcharge.EventStore): the outbox written in the transaction of
// each change, the webhooks and their deliveries, the e-mail subscriptions.

// DefaultOfflineGrace is how long a station must stay away before its
// station.offline leaves, when the store's OfflineGrace is zero.
const DefaultOfflineGrace = 2 * time.Minute

func (s *Store) offlineGrace() time.Duration {
	if s.OfflineGrace > 0 {
		return s.OfflineGrace
	}
	return DefaultOfflineGrace
}

// emitEvent adds an event to the outbox within tx, due at due, with the
// snapshot of its object.
func (s *Store) emitEvent(ctx context.Context, tx *sql.Tx, providerID fc.ID, typ, kind string, id fc.ID, detail any, at, due time.Time) error {
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		d = string(b)
	}
	snap, err := s.snapshot(ctx, tx, providerID, kind, id)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (provider_id, type, object_kind, object_id, detail, at, due_at, snapshot)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, int64(providerID), typ, kind, int64(id), d, ms(at), ms(due), snap)
	return err
}

// emitSessionEvent adds a session's event within tx, with its snapshot.
func emitSessionEvent(ctx context.Context, tx *sql.Tx, typ string, sessionID fc.ID, now time.Time) error {
	x, snap, err := sessionSnapshot(ctx, tx, sessionID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (provider_id, type, object_kind, object_id, detail, at, due_at, snapshot)
		VALUES ($1, $2, $3, $4, '', $5, $6, $7)`, int64(x.ProviderID), typ, fc.KindSession, int64(sessionID), ms(now), ms(now), snap)
	return err
}

// lastConnectionEvent is the station's newest online or offline event
// ("" for none), whether dispatched or waiting.
const lastConnectionEvent = `COALESCE((SELECT e.type FROM events e WHERE e.object_kind = 'station' AND e.object_id = st.id
	AND e.type IN ('station.online', 'station.offline') ORDER BY e.id DESC LIMIT 1), '')`

// stationConnectionEvent records, within tx, that the station connected
// or went away. Going away adds a station.offline due after the grace
// period; coming back within it deletes that event (a blip, no event at
// all), and after it adds a station.online. A repeat of the state the
// last event told adds nothing.
func (s *Store) stationConnectionEvent(ctx context.Context, tx *sql.Tx, stationID fc.ID, online bool, now time.Time) error {
	typ, due := fc.TypeStationOffline, now.Add(s.offlineGrace())
	if online {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE object_kind = 'station' AND object_id = $1 AND type = 'station.offline'
			AND dispatched_at IS NULL AND due_at > $2`, int64(stationID), ms(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		typ, due = fc.TypeStationOnline, now
	}
	var providerID int64
	var last string
	err := tx.QueryRowContext(ctx, `SELECT st.provider_id, `+lastConnectionEvent+` FROM stations st WHERE st.id = $1`,
		int64(stationID)).Scan(&providerID, &last)
	if errors.Is(err, sql.ErrNoRows) || err == nil && last == typ {
		return nil
	}
	if err != nil {
		return err
	}
	return s.emitEvent(ctx, tx, fc.ID(providerID), typ, fc.KindStation, stationID, nil, now, due)
}

// allOfflineEvents adds, within tx, the station.offline of every station
// marked online (a process that starts has no connection yet), in one
// statement and without snapshots: most are dropped when their station
// connects again within the grace period, and reading every station and
// its owners would hold the start's transaction for seconds on a large
// fleet. Those that leave are decided on and rendered at dispatch, as the
// events written before snapshots.
func (s *Store) allOfflineEvents(ctx context.Context, tx *sql.Tx, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (provider_id, type, object_kind, object_id, detail, at, due_at)
		SELECT st.provider_id, 'station.offline', 'station', st.id, '', $1, $2 FROM stations st
		WHERE st.online AND `+lastConnectionEvent+` <> 'station.offline'`, ms(now), ms(now.Add(s.offlineGrace())))
	return err
}

// faultEvent adds, within tx, a station.faulted when the connector's
// status becomes Faulted; was is its status before.
func (s *Store) faultEvent(ctx context.Context, tx *sql.Tx, r fc.StatusReport, was string, now time.Time) error {
	if r.Status != "Faulted" || was == "Faulted" {
		return nil
	}
	var providerID int64
	err := tx.QueryRowContext(ctx, `SELECT provider_id FROM stations WHERE id = $1`, int64(r.StationID)).Scan(&providerID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.emitEvent(ctx, tx, fc.ID(providerID), fc.TypeStationFaulted, fc.KindStation, r.StationID,
		fc.FaultDetail{ConnectorID: r.ConnectorID, ErrorCode: clip(r.ErrorCode, 50)}, r.At, now)
}

const eventColumns = `id, provider_id, type, object_kind, object_id, detail, at, due_at, snapshot`

func scanEvent(row rowScanner, e *fc.Event) error {
	var detail, snap string
	var at, due int64
	if err := row.Scan(&e.ID, &e.ProviderID, &e.Type, &e.ObjectKind, &e.ObjectID, &detail, &at, &due, &snap); err != nil {
		return err
	}
	if detail != "" {
		e.Detail = json.RawMessage(detail)
	}
	e.At, e.DueAt = fromMS(at), fromMS(due)
	// A snapshot that does not decode (a domain type changed in a way gob
	// cannot follow while the event waited across an upgrade) leaves the
	// event without one: it is read at dispatch, as events written before
	// snapshots, instead of holding up the outbox.
	if d, err := decodeSnapshot(e.ObjectKind, snap); err == nil {
		e.Snapshot = d
	}
	return nil
}

// DueEvents returns the events due by now not dispatched yet, oldest first
// (fleetcharge.EventStore).
func (s *Store) DueEvents(ctx context.Context, now time.Time, limit int) ([]fc.Event, error) {
	q := &query{}
	q.add(`SELECT ` + eventColumns + ` FROM events WHERE dispatched_at IS NULL AND due_at <= `).arg(ms(now)).
		add(` ORDER BY id LIMIT `).int(int64(limit))
	return list(ctx, s, q, scanEvent)
}

// Events lists a provider's events of an object, oldest first, for tests
// and the web's object pages.
func (s *Store) Events(ctx context.Context, providerID fc.ID, kind string, id fc.ID) ([]fc.Event, error) {
	q := &query{}
	q.add(`SELECT ` + eventColumns + ` FROM events WHERE provider_id = `).arg(int64(providerID)).
		add(` AND object_kind = `).arg(kind).add(` AND object_id = `).arg(int64(id)).add(` ORDER BY id`)
	return list(ctx, s, q, scanEvent)
}

// DispatchEvent stores the deliveries and notifications an event became
// and marks it dispatched, in one write; a repeat adds nothing twice
// (fleetcharge.EventStore).
func (s *Store) DispatchEvent(ctx context.Context, eventID fc.ID, out fc.EventFanout) error {
	return s.DispatchEvents(ctx, []fc.ID{eventID}, []fc.EventFanout{out})
}

// PruneEvents deletes the dispatched events and the finished deliveries
// (with their attempts) and sent notifications older than before.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, stmt := range []string{
			`DELETE FROM events WHERE dispatched_at IS NOT NULL AND dispatched_at < $1`,
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1)`,
			`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1`,
			`DELETE FROM event_notifications WHERE sent_at IS NOT NULL AND sent_at < $1`,
		} {
			res, err := tx.ExecContext(ctx, stmt, ms(before))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}

// Webhooks.

// validateWebhook checks what the store can: the URL's form (the address
// policy is the events package's), the event types, the narrowing.
func validateWebhook(w *fc.Webhook) error {
	fields := map[string]string{}
	w.URL = strings.TrimSpace(w.URL)
	if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(w.URL) > 2000 {
		fields["url"] = "must be an http or https URL of at most 2000 characters"
	}
	if len(w.Events) == 0 {
		fields["events"] = "must name at least one event type, or *"
	}
	for _, e := range w.Events {
		if e == "*" && len(w.Events) > 1 {
			fields["events"] = "* stands alone"
		} else if e != "*" && !fc.ValidEventType(e) {
			fields["events"] = fmt.Sprintf("unknown event type %q", e)
		}
	}
	if w.OrganizationID != 0 && w.AccountID != 0 {
		fields["account_id"] = "give organization_id or account_id, not both"
	}
	if len(w.Description) > 200 {
		fields["description"] = "must be at most 200 characters"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

const webhookColumns = `w.id, w.provider_id, w.user_id, w.url, w.events, COALESCE(w.organization_id, 0), COALESCE(w.account_id, 0),
	w.description, w.secret, w.enabled, w.disabled_reason, w.failing_since, w.created_at, w.updated_at`

func scanWebhook(row rowScanner, w *fc.Webhook) error {
	var events string
	var failing sql.NullInt64
	var created, updated int64
	if err := row.Scan(&w.ID, &w.ProviderID, &w.UserID, &w.URL, &events, &w.OrganizationID, &w.AccountID, &w.Description,
		&w.Secret, &w.Enabled, &w.DisabledReason, &failing, &created, &updated); err != nil {
		return err
	}
	w.Events = strings.Split(events, ",")
	w.FailingSince, w.CreatedAt, w.UpdatedAt = fromNullMS(failing), fromMS(created), fromMS(updated)
	return nil
}

// CreateWebhook stores a new webhook (fleetcharge.EventStore).
func (s *Store) CreateWebhook(ctx context.Context, w *fc.Webhook) error {
	if err := validateWebhook(w); err != nil {
		return err
	}
	if w.Secret == "" {
		return fc.Errorf(fc.EInvalid, "a webhook needs its secret")
	}
	now := s.now()
	w.CreatedAt, w.UpdatedAt, w.Enabled = now, now, true
	return s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (provider_id, user_id, url, events, organization_id, account_id,
			description, secret, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $10) RETURNING id`,
			int64(w.ProviderID), int64(w.UserID), w.URL, strings.Join(w.Events, ","), nullID(w.OrganizationID), nullID(w.AccountID),
			w.Description, w.Secret, ms(now), ms(now)).Scan(&id); err != nil {
			return err
		}
		w.ID = fc.ID(id)
		return s.audit(ctx, tx, change{providerID: w.ProviderID, action: "webhook.create", kind: fc.KindWebhook, id: w.ID,
			after: webhookBody(w)})
	})
}

// SealWebhookSecrets replaces every webhook secret kept in clear (not yet
// sealed, "v1:...") by seal(secret), in one transaction, and returns how
// many; seal nil only counts them (events.SecretSealer).
func (s *Store) SealWebhookSecrets(ctx context.Context, seal func(string) string) (int, error) {
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, secret FROM webhooks WHERE secret NOT LIKE 'v1:%' ORDER BY id`)
		if err != nil {
			return err
		}
		type clear struct {
			id     int64
			secret string
		}
		var found []clear
		for rows.Next() {
			var c clear
			if err := rows.Scan(&c.id, &c.secret); err != nil {
				rows.Close()
				return err
			}
			found = append(found, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(found)
		if seal == nil {
			return nil
		}
		for _, c := range found {
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = $1 WHERE id = $2`, seal(c.secret), c.id); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// webhookBody is what the audit log keeps of a webhook: never its secret.
func webhookBody(w *fc.Webhook) any {
	return map[string]any{"url": w.URL, "events": w.Events, "organization_id": w.OrganizationID, "account_id": w.AccountID,
		"user_id": w.UserID, "enabled": w.Enabled}
}

func findWebhook(ctx context.Context, tx *sql.Tx, providerID, userID, id fc.ID) (*fc.Webhook, error) {
	var w fc.Webhook
	err := scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks w
		WHERE w.id = $1 AND w.provider_id = $2 AND w.user_id = $3`, int64(id), int64(providerID), int64(userID)), &w)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fc.KindWebhook, id)
	}
	return &w, err
}

// Webhook reads one webhook of the user (fleetcharge.EventStore).
func (s *Store) Webhook(ctx context.Context, providerID, userID, id fc.ID) (*fc.Webhook, error) {
	var out *fc.Webhook
	err := s.read(ctx, func(tx *sql.Tx) error {
		w, err := findWebhook(ctx, tx, providerID, userID, id)
		out = w
		return err
	})
	return out, err
}

// Webhooks lists the user's webhooks (fleetcharge.EventStore).
func (s *Store) Webhooks(ctx context.Context, providerID, userID fc.ID) ([]fc.Webhook, error) {
	q := &query{}
	q.add(`SELECT ` + webhookColumns + ` FROM webhooks w WHERE w.provider_id = `).arg(int64(providerID)).
		add(` AND w.user_id = `).arg(int64(userID)).add(` ORDER BY w.id`)
	return list(ctx, s, q, scanWebhook)
}

// ProviderWebhooks lists the provider's enabled webhooks
// (fleetcharge.EventStore).
func (s *Store) ProviderWebhooks(ctx context.Context, providerID fc.ID) ([]fc.Webhook, error) {
	q := &query{}
	q.add(`SELECT ` + webhookColumns + ` FROM webhooks w WHERE w.enabled AND w.provider_id = `).arg(int64(providerID)).add(` ORDER BY w.id`)
	return list(ctx, s, q, scanWebhook)
}

// UpdateWebhook applies fn to the user's webhook; enabling it again clears
// its failures (fleetcharge.EventStore).
func (s *Store) UpdateWebhook(ctx context.Context, providerID, userID, id fc.ID, fn func(*fc.Webhook) error) (*fc.Webhook, error) {
	var out *fc.Webhook
	err := s.write(ctx, func(tx *sql.Tx) error {
		before, err := findWebhook(ctx, tx, providerID, userID, id)
		if err != nil {
			return err
		}
		w := *before
		if err := fn(&w); err != nil {
			return err
		}
		w.ID, w.ProviderID, w.UserID, w.Secret, w.CreatedAt = before.ID, before.ProviderID, before.UserID, before.Secret, before.CreatedAt
		if err := validateWebhook(&w); err != nil {
			return err
		}
		if w.Enabled && !before.Enabled {
			w.DisabledReason, w.FailingSince = "", nil
		}
		w.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET url = $1, events = $2, organization_id = $3, account_id = $4,
			description = $5, enabled = $6, disabled_reason = $7, failing_since = $8, updated_at = $9 WHERE id = $10`,
			w.URL, strings.Join(w.Events, ","), nullID(w.OrganizationID), nullID(w.AccountID), w.Description, w.Enabled,
			w.DisabledReason, msPtr(w.FailingSince), ms(w.UpdatedAt), int64(w.ID)); err != nil {
			return err
		}
		out = &w
		return s.audit(ctx, tx, change{providerID: providerID, action: "webhook.update", kind: fc.KindWebhook, id: id,
			before: webhookBody(before), after: webhookBody(&w)})
	})
	return out, err
}

// DeleteWebhook removes the user's webhook with its deliveries
// (fleetcharge.EventStore).
func (s *Store) DeleteWebhook(ctx context.Context, providerID, userID, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		w, err := findWebhook(ctx, tx, providerID, userID, id)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)`,
			`DELETE FROM webhook_deliveries WHERE webhook_id = $1`,
			`DELETE FROM webhooks WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, int64(id)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: "webhook.delete", kind: fc.KindWebhook, id: id,
			before: webhookBody(w)})
	})
}

// Deliveries.

const deliveryColumns = `d.id, d.webhook_id, d.event_id, d.event_type, d.object_key, d.payload, d.status, d.attempts, d.next_at,
	d.last_attempt_at, d.response_status, d.latency_ms, d.response_excerpt, d.error, d.created_at, d.delivered_at,
	w.provider_id, w.user_id, w.url, w.secret`

func scanDelivery(row rowScanner, d *fc.WebhookDelivery) error {
	var next, created int64
	var last, delivered sql.NullInt64
	if err := row.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.ObjectKey, &d.Payload, &d.Status, &d.Attempts, &next,
		&last, &d.ResponseStatus, &d.LatencyMS, &d.ResponseExcerpt, &d.Error, &created, &delivered,
		&d.ProviderID, &d.UserID, &d.URL, &d.Secret); err != nil {
		return err
	}
	d.NextAt, d.CreatedAt = fromMS(next), fromMS(created)
	d.LastAttemptAt, d.DeliveredAt = fromNullMS(last), fromNullMS(delivered)
	return nil
}

// DueDeliveries returns the pending deliveries of enabled webhooks due by
// now, each the oldest pending one of its webhook and object
// (fleetcharge.EventStore).
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]fc.WebhookDelivery, error) {
	return list(ctx, s, dueDeliveries(now, limit, nil), scanDelivery)
}

// RecordAttempt stores one attempt of a delivery. A failure without a next
// time gives the delivery up; when nothing the webhook sent succeeded since
// the delivery's first attempt (disableAfter, the retry period, ago), or at
// once when disableAfter is 0 (the receiver answered 410 Gone), the webhook
// is disabled and disabled is true (fleetcharge.EventStore).
func (s *Store) RecordAttempt(ctx context.Context, deliveryID fc.ID, a fc.DeliveryAttempt, disableAfter time.Duration) (bool, error) {
	disabled, err := s.RecordAttempts(ctx, []fc.AttemptRecord{{DeliveryID: deliveryID, Attempt: a, DisableAfter: disableAfter}})
	return len(disabled) > 0, err
}

// RecordAttempts stores the attempts of a round of deliveries in one
// write, each as RecordAttempt does, and returns the deliveries whose
// webhook it disabled (fleetcharge.EventStore).
func (s *Store) RecordAttempts(ctx context.Context, rs []fc.AttemptRecord) ([]fc.ID, error) {
	var disabled []fc.ID
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		disabled, err = recordAttempts(ctx, tx, rs)
		return err
	})
	return disabled, err
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Deliveries lists a page of the deliveries of the user's webhook, by ID
// (fleetcharge.EventStore).
func (s *Store) Deliveries(ctx context.Context, providerID, userID, webhookID fc.ID, p fc.Page) ([]fc.WebhookDelivery, error) {
	q := &query{}
	q.add(`SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE w.provider_id = `).arg(int64(providerID)).add(` AND w.user_id = `).arg(int64(userID)).
		add(` AND d.webhook_id = `).arg(int64(webhookID)).page("d.id", p)
	return list(ctx, s, q, scanDelivery)
}

// RetryDelivery makes a delivery of the user's webhook pending again, due
// now, with the same ID (fleetcharge.EventStore).
func (s *Store) RetryDelivery(ctx context.Context, providerID, userID, webhookID, deliveryID fc.ID) (*fc.WebhookDelivery, error) {
	var out fc.WebhookDelivery
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := findWebhook(ctx, tx, providerID, userID, webhookID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_at = $1, created_at = $2
			WHERE id = $3 AND webhook_id = $4`, ms(s.now()), ms(s.now()), int64(deliveryID), int64(webhookID))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = notFound("webhook_delivery", deliveryID)
			}
			return err
		}
		return scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
			JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, int64(deliveryID)), &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// WebhooksAllowPrivate tells whether the provider's webhooks may reach
// private addresses (fleetcharge.EventStore).
func (s *Store) WebhooksAllowPrivate(ctx context.Context, providerID fc.ID) (bool, error) {
	var allow bool
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT allow_private FROM webhook_settings WHERE provider_id = $1`, int64(providerID)).Scan(&allow)
		if errors.Is(err, sql.ErrNoRows) {
			allow, err = false, nil
		}
		return err
	})
	return allow, err
}

// SetWebhooksAllowPrivate sets whether the provider's webhooks may reach
// private addresses (fleetcharge.EventStore).
func (s *Store) SetWebhooksAllowPrivate(ctx context.Context, providerID fc.ID, allow bool) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_settings (provider_id, allow_private) VALUES ($1, $2)
			ON CONFLICT (provider_id) DO UPDATE SET allow_private = excluded.allow_private`, int64(providerID), allow)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: "provider.webhooks_allow_private", kind: fc.KindProvider,
			id: providerID, after: map[string]any{"webhooks_allow_private": allow}})
	})
}

// Subscriptions.

const subscriptionColumns = `x.id, x.provider_id, x.user_id, x.event_type, x.mode, x.token, x.created_at`

func scanSubscription(row rowScanner, x *fc.Subscription) error {
	var created int64
	if err := row.Scan(&x.ID, &x.ProviderID, &x.UserID, &x.EventType, &x.Mode, &x.Token, &created); err != nil {
		return err
	}
	x.CreatedAt = fromMS(created)
	return nil
}

// ProviderSubscriptions lists the provider's subscriptions to eventType
// (fleetcharge.EventStore).
func (s *Store) ProviderSubscriptions(ctx context.Context, providerID fc.ID, eventType string) ([]fc.Subscription, error) {
	q := &query{}
	q.add(`SELECT ` + subscriptionColumns + ` FROM event_subscriptions x WHERE x.provider_id = `).arg(int64(providerID)).
		add(` AND x.event_type = `).arg(eventType).add(` ORDER BY x.id`)
	return list(ctx, s, q, scanSubscription)
}

// Subscriptions lists the user's subscriptions (fleetcharge.EventStore).
func (s *Store) Subscriptions(ctx context.Context, providerID, userID fc.ID) ([]fc.Subscription, error) {
	q := &query{}
	q.add(`SELECT ` + subscriptionColumns + ` FROM event_subscriptions x WHERE x.provider_id = `).arg(int64(providerID)).
		add(` AND x.user_id = `).arg(int64(userID)).add(` ORDER BY x.event_type`)
	return list(ctx, s, q, scanSubscription)
}

// Subscribe adds or changes the user's subscription to its event type
// (fleetcharge.EventStore).
func (s *Store) Subscribe(ctx context.Context, x *fc.Subscription) error {
	fields := map[string]string{}
	if !fc.ValidEventType(x.EventType) {
		fields["event_type"] = "must be an event type"
	}
	if x.Mode != fc.SubscriptionImmediate && x.Mode != fc.SubscriptionDigest {
		fields["mode"] = "must be immediate or digest"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	x.CreatedAt = s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO event_subscriptions (provider_id, user_id, event_type, mode, token, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (user_id, event_type) DO UPDATE SET mode = excluded.mode RETURNING id`,
			int64(x.ProviderID), int64(x.UserID), x.EventType, x.Mode, x.Token, ms(x.CreatedAt)).Scan(&id); err != nil {
			return err
		}
		x.ID = fc.ID(id)
		return scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM event_subscriptions x WHERE x.id = $1`, id), x)
	})
}

// Unsubscribe removes one of the user's subscriptions
// (fleetcharge.EventStore).
func (s *Store) Unsubscribe(ctx context.Context, providerID, userID, id fc.ID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_notifications WHERE subscription_id IN
			(SELECT id FROM event_subscriptions WHERE id = $1 AND provider_id = $2 AND user_id = $3)`, int64(id), int64(providerID), int64(userID)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM event_subscriptions WHERE id = $1 AND provider_id = $2 AND user_id = $3`,
			int64(id), int64(providerID), int64(userID))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = notFound(fc.KindSubscription, id)
			}
			return err
		}
		return nil
	})
}

// UnsubscribeByToken removes the subscription its unsubscribe link names
// (fleetcharge.EventStore).
func (s *Store) UnsubscribeByToken(ctx context.Context, token string) (*fc.Subscription, error) {
	var x fc.Subscription
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM event_subscriptions x WHERE x.token = $1`, token), &x)
		if errors.Is(err, sql.ErrNoRows) || token == "" {
			return fc.Errorf(fc.ENotFound, "no such subscription: it may have ended already")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_notifications WHERE subscription_id = $1`, int64(x.ID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM event_subscriptions WHERE id = $1`, int64(x.ID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// DueNotifications returns unsent notifications of mode from before
// before, oldest first, with their user's e-mail (fleetcharge.EventStore).
func (s *Store) DueNotifications(ctx context.Context, mode string, before time.Time, limit int) ([]fc.Notification, error) {
	q := &query{}
	q.add(`SELECT n.id, n.subscription_id, x.user_id, u.email, x.token, x.event_type, x.mode, n.summary, n.at
		FROM event_notifications n JOIN event_subscriptions x ON x.id = n.subscription_id JOIN users u ON u.id = x.user_id
		WHERE n.sent_at IS NULL AND x.mode = `).arg(mode).add(` AND n.at < `).arg(ms(before)).
		add(` ORDER BY n.id LIMIT `).int(int64(limit))
	return list(ctx, s, q, func(row rowScanner, n *fc.Notification) error {
		var at int64
		if err := row.Scan(&n.ID, &n.SubscriptionID, &n.UserID, &n.Email, &n.Token, &n.EventType, &n.Mode, &n.Summary, &at); err != nil {
			return err
		}
		n.At = fromMS(at)
		return nil
	})
}

// NotificationsSent marks notifications mailed (fleetcharge.EventStore).
func (s *Store) NotificationsSent(ctx context.Context, ids []fc.ID, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		q := &query{}
		q.add(`UPDATE event_notifications SET sent_at = `).arg(ms(at)).add(` WHERE id IN `).ids(ids)
		_, err := tx.ExecContext(ctx, q.String(), q.args...)
		return err
	})
}

// connectorStatusIfFaulted reads the connector's status before a report
// of Faulted ("" otherwise, and for a new connector): whether the report
// is a new fault.
func connectorStatusIfFaulted(ctx context.Context, tx *sql.Tx, r fc.StatusReport) (string, error) {
	if r.Status != "Faulted" {
		return "", nil
	}
	var was sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT status FROM charge_points WHERE station_id = $1 AND connector_id = $2`,
		int64(r.StationID), r.ConnectorID).Scan(&was)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return was.String, err
}
