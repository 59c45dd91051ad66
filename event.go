package fleetcharge

import (
	"context"
	"encoding/json"
	"time"
)

// Event types (CONTRACT.md, Events and webhooks).
const (
	TypeSessionStarted        = "session.started"
	TypeSessionStopped        = "session.stopped"
	TypeStationOnline         = "station.online"
	TypeStationOffline        = "station.offline"
	TypeStationFaulted        = "station.faulted"
	TypeCardBlocked           = "card.blocked"
	TypeReimbursementApproved = "reimbursement.approved"
	TypeInvoiceIssued         = "invoice.issued"
)

// EventTypes lists every event type, in the contract's order.
func EventTypes() []string {
	return []string{TypeSessionStarted, TypeSessionStopped, TypeStationOnline, TypeStationOffline,
		TypeStationFaulted, TypeCardBlocked, TypeReimbursementApproved, TypeInvoiceIssued}
}

// ValidEventType reports whether t is an event type.
func ValidEventType(t string) bool {
	for _, v := range EventTypes() {
		if v == t {
			return true
		}
	}
	return false
}

// Kinds of the objects the events are about.
const (
	KindWebhook      = "webhook"
	KindSubscription = "event_subscription"
)

// Event is one change that users and integrations react to, written by the
// store in the transaction of the change (the outbox). It names its object;
// the consumers read the object as each recipient may see it. Detail holds
// what the object alone does not tell (a faulted connector and its error
// code).
type Event struct {
	ID         ID              `json:"id"`
	ProviderID ID              `json:"-"`
	Type       string          `json:"type"`
	ObjectKind string          `json:"object_kind"`
	ObjectID   ID              `json:"object_id"`
	Detail     json.RawMessage `json:"detail,omitempty"`
	At         time.Time       `json:"at"`
	// DueAt is when the event may leave: later than At for a station
	// offline, which waits out a grace period and is cancelled when the
	// station comes back in it.
	DueAt time.Time `json:"-"`
	// Snapshot is the object and where it sat when the event happened,
	// written in the change's transaction; nil for an event written before
	// snapshots were (its object is read at dispatch).
	Snapshot *EventSnapshot `json:"-"`
}

// EventSnapshot is what deciding on an event's recipients and rendering its
// data need, as it was in the transaction of the change: the owners of the
// object, which the access package decides against with each recipient's
// roles, and the object unmasked, which each recipient gets masked as the
// API masks it for them.
type EventSnapshot struct {
	// Owner is where the object sat (Store.Owner); for a session, its card
	// side: the owner of its card's account with its employee, zero when
	// the card is not the provider's.
	Owner Owner
	// Station is a session's station side (the owner of its station's
	// account, zero when the station is not the provider's).
	Station Owner
	// Home is, for a station at an employee's home, the owner of that
	// employee's account.
	Home Owner
	// Object is the object as the store reads it for the whole provider:
	// a *Session, *Station, *Card, *ReimbursementStatement or *Invoice.
	Object any
}

// ObjectKey names the event's object: the deliveries of one object go out
// in order.
func (e *Event) ObjectKey() string { return e.ObjectKind + ":" + e.ObjectID.String() }

// FaultDetail is the detail of a station.faulted event.
type FaultDetail struct {
	ConnectorID int    `json:"connector_id"`
	ErrorCode   string `json:"error_code"`
}

// Webhook is an integration's endpoint for events. It acts as the user who
// created it: it receives only events about objects that user may read when
// the event happens, narrowed to OrganizationID or AccountID when set.
type Webhook struct {
	ID             ID       `json:"id"`
	ProviderID     ID       `json:"-"`
	UserID         ID       `json:"user_id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"` // event types, or "*" alone for all
	OrganizationID ID       `json:"organization_id"`
	AccountID      ID       `json:"account_id"`
	Description    string   `json:"description"`
	// Secret is whsec_ and the base64 of the signing key.
	Secret         string     `json:"-"`
	Enabled        bool       `json:"enabled"`
	DisabledReason string     `json:"disabled_reason"`
	FailingSince   *time.Time `json:"failing_since"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Wants reports whether the webhook takes events of type t.
func (w *Webhook) Wants(t string) bool {
	for _, e := range w.Events {
		if e == "*" || e == t {
			return true
		}
	}
	return false
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // retried for the whole retry period in vain
)

// WebhookDelivery is one event for one webhook: its payload as signed, and
// its last attempt. Its ID is the webhook-id header, the same on every
// attempt and replay.
type WebhookDelivery struct {
	ID              ID         `json:"id"`
	WebhookID       ID         `json:"webhook_id"`
	EventID         ID         `json:"event_id"`
	EventType       string     `json:"event_type"`
	ObjectKey       string     `json:"object_key"`
	Payload         string     `json:"-"`
	Status          string     `json:"status"`
	Attempts        int        `json:"attempts"`
	NextAt          time.Time  `json:"next_at"`
	LastAttemptAt   *time.Time `json:"last_attempt_at"`
	ResponseStatus  int        `json:"response_status"`
	LatencyMS       int64      `json:"latency_ms"`
	ResponseExcerpt string     `json:"response_excerpt"`
	Error           string     `json:"error"`
	CreatedAt       time.Time  `json:"created_at"`
	DeliveredAt     *time.Time `json:"delivered_at"`
	// ProviderID, UserID, URL and Secret are the webhook's, for the
	// deliverer.
	ProviderID ID     `json:"-"`
	UserID     ID     `json:"-"`
	URL        string `json:"-"`
	Secret     string `json:"-"`
}

// DeliveryAttempt is the outcome of one attempt of a delivery.
type DeliveryAttempt struct {
	At              time.Time
	ResponseStatus  int
	Latency         time.Duration
	ResponseExcerpt string
	Error           string
	Delivered       bool
	// NextAt is when to try again; zero with Delivered false: give up.
	NextAt time.Time
}

// AttemptRecord is one attempt to store, with the retry period after
// which a delivery that gives up disables its webhook (0: at once).
type AttemptRecord struct {
	DeliveryID   ID
	Attempt      DeliveryAttempt
	DisableAfter time.Duration
}

// Subscription modes.
const (
	SubscriptionImmediate = "immediate"
	SubscriptionDigest    = "digest"
)

// Subscription is a user's e-mail alert for one event type in its scope.
type Subscription struct {
	ID         ID        `json:"id"`
	ProviderID ID        `json:"-"`
	UserID     ID        `json:"user_id"`
	EventType  string    `json:"event_type"`
	Mode       string    `json:"mode"`
	Token      string    `json:"-"` // names the subscription in its unsubscribe link
	CreatedAt  time.Time `json:"created_at"`
}

// Notification is one event for one subscription, waiting to be mailed
// (immediately, or in the day's digest).
type Notification struct {
	ID             ID
	SubscriptionID ID
	UserID         ID
	Email          string
	Token          string
	EventType      string
	Mode           string
	Summary        string
	At             time.Time
}

// EventFanout is what one dispatched event becomes.
type EventFanout struct {
	Deliveries    []WebhookDelivery
	Notifications []Notification
}

// EventStore keeps the outbox of events, the webhooks and their
// deliveries, and the e-mail subscriptions.
type EventStore interface {
	// DueEvents returns events whose time has come and that were not
	// dispatched yet, oldest first.
	DueEvents(ctx context.Context, now time.Time, limit int) ([]Event, error)
	// DispatchEvent records what the event became and marks it
	// dispatched, in one write; a repeat adds nothing twice.
	DispatchEvent(ctx context.Context, eventID ID, out EventFanout) error

	CreateWebhook(ctx context.Context, w *Webhook) error
	Webhook(ctx context.Context, providerID, userID, id ID) (*Webhook, error)
	Webhooks(ctx context.Context, providerID, userID ID) ([]Webhook, error)
	// ProviderWebhooks lists the enabled webhooks of a provider.
	ProviderWebhooks(ctx context.Context, providerID ID) ([]Webhook, error)
	UpdateWebhook(ctx context.Context, providerID, userID, id ID, fn func(*Webhook) error) (*Webhook, error)
	DeleteWebhook(ctx context.Context, providerID, userID, id ID) error

	// DueDeliveries returns pending deliveries whose time has come, each
	// the oldest pending one of its webhook and object.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error)
	// RecordAttempt stores an attempt's outcome. A failure that gives up
	// disables the webhook when disable is true and returns true then.
	RecordAttempt(ctx context.Context, deliveryID ID, a DeliveryAttempt, disableAfter time.Duration) (disabled bool, err error)
	// RecordAttempts stores a round of attempts in one write and returns
	// the deliveries whose webhook it disabled.
	RecordAttempts(ctx context.Context, rs []AttemptRecord) (disabled []ID, err error)
	Deliveries(ctx context.Context, providerID, userID, webhookID ID, p Page) ([]WebhookDelivery, error)
	// RetryDelivery makes a delivery pending again, due now.
	RetryDelivery(ctx context.Context, providerID, userID, webhookID, deliveryID ID) (*WebhookDelivery, error)

	WebhooksAllowPrivate(ctx context.Context, providerID ID) (bool, error)
	SetWebhooksAllowPrivate(ctx context.Context, providerID ID, allow bool) error

	// ProviderSubscriptions lists the subscriptions of a provider to one
	// event type.
	ProviderSubscriptions(ctx context.Context, providerID ID, eventType string) ([]Subscription, error)
	Subscriptions(ctx context.Context, providerID, userID ID) ([]Subscription, error)
	Subscribe(ctx context.Context, sub *Subscription) error
	Unsubscribe(ctx context.Context, providerID, userID, id ID) error
	UnsubscribeByToken(ctx context.Context, token string) (*Subscription, error)
	// DueNotifications returns unsent notifications of mode, at most
	// limit, oldest first, with their user's e-mail.
	DueNotifications(ctx context.Context, mode string, before time.Time, limit int) ([]Notification, error)
	NotificationsSent(ctx context.Context, ids []ID, at time.Time) error
}
