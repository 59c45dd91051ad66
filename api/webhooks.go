package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/events"
)

// Webhooks and e-mail alerts (app/webhooks.go, package events,
// docs/EVENTS.md).

type webhookInput struct {
	URL            string   `json:"url" required:"true" doc:"where deliveries are posted: http or https; loopback, link-local and private addresses are refused unless the provider sets webhooks_allow_private"`
	Events         []string `json:"events" required:"true" doc:"the event types delivered (session.started, session.stopped, station.online, station.offline, station.faulted, card.blocked, reimbursement.approved, invoice.issued), or [\"*\"] for all"`
	OrganizationID fc.ID    `json:"organization_id" doc:"only events about objects in this organization's subtree (one the caller holds a role over)"`
	AccountID      fc.ID    `json:"account_id" doc:"only events about objects of this account (one the caller holds a role over)"`
	Description    string   `json:"description" doc:"a note for people, at most 200 characters"`
	Enabled        *bool    `json:"enabled" doc:"false pauses deliveries; true enables a webhook that was disabled after failing, and clears its failures"`
}

// webhookView is a webhook as its creator reads it, never with its secret.
type webhookView struct {
	*fc.Webhook
}

func viewWebhook(w *fc.Webhook) webhookView { return webhookView{w} }

// webhookCreatedView is a new webhook with its signing secret, shown this
// once.
type webhookCreatedView struct {
	webhookView
	Secret string `json:"secret" doc:"whsec_ and the base64 of the signing key (Standard Webhooks); shown this once"`
}

type deliveryView struct {
	*fc.WebhookDelivery
	Payload json.RawMessage `json:"payload" doc:"the body as posted: {\"type\", \"timestamp\", \"data\"}"`
}

func viewDelivery(d *fc.WebhookDelivery) deliveryView {
	p := json.RawMessage(d.Payload)
	if !json.Valid(p) {
		p = json.RawMessage("null")
	}
	return deliveryView{WebhookDelivery: d, Payload: p}
}

type subscriptionInput struct {
	EventType string `json:"event_type" required:"true" doc:"the event type mailed; it must be about objects the caller reads"`
	Mode      string `json:"mode" required:"true" enum:"immediate,digest" doc:"immediate: a mail as the events come; digest: one mail a day"`
}

// webhookRoutes are the routes of webhooks and e-mail subscriptions.
func (s *Server) webhookRoutes() []route {
	const tag = "webhooks"
	own := "A webhook acts as the user who created it: it receives only events about objects that user may read when the event happens, " +
		"as the API shows them to that user. Each user reads and changes its own webhooks only. "
	rs := collection{name: "webhooks", tag: tag, noun: "webhook", item: typ[webhookView](), input: typ[webhookInput](),
		created: typ[webhookCreatedView](),
		list:    s.listWebhooks, get: s.getWebhook, create: s.createWebhook, update: s.updateWebhook, delete: s.deleteWebhook,
		notes: map[string]string{
			"list":   own + "The caller's webhooks, in one page.",
			"create": own + "The answer carries the signing secret, shown this once. Deliveries are signed per the Standard Webhooks specification.",
		}}.routes()
	rs = append(rs,
		route{method: http.MethodGet, path: "/api/v1/webhooks/{id}/deliveries", id: "list_webhook_deliveries", tag: tag,
			summary: "List a webhook's deliveries",
			doc: "Every delivery of one of the caller's webhooks, oldest first: its status (pending, delivered, failed), attempts, the last answer's " +
				"status, latency and excerpt, and the payload posted.",
			params: pageParams, resp: typ[deliveryView](), list: true, status: http.StatusOK, h: s.listDeliveries},
		route{method: http.MethodPost, path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", id: "retry_webhook_delivery", tag: tag,
			summary: "Send a delivery again",
			doc:     "The delivery is pending again and goes out at once, with the same webhook-id (receivers use it to drop repeats).",
			resp:    typ[deliveryView](), status: http.StatusAccepted, h: s.retryDelivery},
	)
	rs = append(rs, collection{name: "event-subscriptions", tag: "event_subscriptions", noun: "e-mail alert",
		item: typ[fc.Subscription](), input: typ[subscriptionInput](),
		list: s.listSubscriptions, get: s.getSubscription, create: s.createSubscription, delete: s.deleteSubscription,
		notes: map[string]string{
			"list":   "The caller's e-mail alerts: one event type each, mailed immediately or as a daily digest, for the objects the caller reads.",
			"create": "Subscribes the caller (again: the mode changes). Each mail has a link that ends the alert.",
		}}.routes()...)
	return rs
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (struct{}, fc.Page) { return struct{}{}, q.page() },
		func(ctx context.Context, subj access.Subject, _ struct{}) ([]fc.Webhook, error) {
			return s.app.Webhooks(ctx, subj)
		},
		viewWebhook, func(v *webhookView) fc.ID { return v.ID })(w, r)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Webhook, viewWebhook)(w, r)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *webhookInput, _ fieldSet) error {
		h := fc.Webhook{URL: in.URL, Events: in.Events, OrganizationID: in.OrganizationID, AccountID: in.AccountID, Description: in.Description}
		secret, err := s.app.CreateWebhook(r.Context(), subj, &h)
		if err != nil {
			return err
		}
		writeCreated(w, r, h.ID, webhookCreatedView{webhookView: viewWebhook(&h), Secret: secret})
		return nil
	})(w, r)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateWebhook, func(h *fc.Webhook, in *webhookInput, set fieldSet) error {
		setIf(set, "url", &h.URL, in.URL)
		if set.has("events") {
			h.Events = slices.Clone(in.Events)
		}
		setIf(set, "organization_id", &h.OrganizationID, in.OrganizationID)
		setIf(set, "account_id", &h.AccountID, in.AccountID)
		setIf(set, "description", &h.Description, in.Description)
		if set.has("enabled") && in.Enabled != nil {
			h.Enabled = *in.Enabled
		}
		return nil
	}, viewWebhook)(w, r)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteWebhook)(w, r)
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return listOf(s, func(q *queryReader) (fc.Page, fc.Page) { p := q.page(); return p, p },
		func(ctx context.Context, subj access.Subject, p fc.Page) ([]fc.WebhookDelivery, error) {
			return s.app.WebhookDeliveries(ctx, subj, id, p)
		}, viewDelivery, func(v *deliveryView) fc.ID { return v.ID })(w, r)
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	deliveryID, err := fc.ParseID(r.PathValue("delivery_id"))
	if err != nil {
		return fc.Errorf(fc.ENotFound, "nothing has the ID %q", r.PathValue("delivery_id"))
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	d, err := s.app.RetryWebhookDelivery(r.Context(), subj, id, deliveryID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, viewDelivery(d))
	return nil
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (struct{}, fc.Page) { return struct{}{}, q.page() },
		func(ctx context.Context, subj access.Subject, _ struct{}) ([]fc.Subscription, error) {
			return s.app.Subscriptions(ctx, subj)
		}, same, func(x **fc.Subscription) fc.ID { return (*x).ID })(w, r)
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, func(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Subscription, error) {
		xs, err := s.app.Subscriptions(ctx, subj)
		if err != nil {
			return nil, err
		}
		for i := range xs {
			if xs[i].ID == id {
				return &xs[i], nil
			}
		}
		return nil, fc.Errorf(fc.ENotFound, "no e-mail alert %s", id)
	}, same)(w, r)
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *subscriptionInput, _ fieldSet) error {
		x := fc.Subscription{EventType: in.EventType, Mode: in.Mode}
		if err := s.app.Subscribe(r.Context(), subj, &x); err != nil {
			return err
		}
		writeCreated(w, r, x.ID, &x)
		return nil
	})(w, r)
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.Unsubscribe)(w, r)
}

// EventData is an event's data as subj reads it: the object as the API
// shows subj (a session's foreign card masked as in GET
// /api/v1/sessions/{id}), through the same reads, so that an event about
// an object subj may not read is fleetcharge.ENotFound. An event with a
// snapshot carries its object and owners as they were when the event
// happened: subj reads it where it sat then, masked as the store masks it
// (events.ReadBy), and nothing is read. A station.faulted event adds the
// connector and its error code to the station. It is the render function
// of package events.
func (s *Server) EventData(ctx context.Context, subj access.Subject, e fc.Event) (json.RawMessage, error) {
	if e.Snapshot != nil {
		read, ok := events.ReadBy(subj, e)
		if !ok {
			return nil, fc.Errorf(fc.ENotFound, "no %s %s", e.ObjectKind, e.ObjectID)
		}
		return eventView(read, read.Snapshot.Object)
	}
	var obj any
	var err error
	switch e.ObjectKind {
	case fc.KindSession:
		obj, err = s.app.Session(ctx, subj, e.ObjectID)
	case fc.KindStation:
		obj, err = s.app.Station(ctx, subj, e.ObjectID)
	case fc.KindCard:
		obj, err = s.app.Card(ctx, subj, e.ObjectID)
	case fc.KindReimbursementStatement:
		obj, err = s.app.ReimbursementStatement(ctx, subj, e.ObjectID)
	case fc.KindInvoice:
		obj, err = s.app.Invoice(ctx, subj, e.ObjectID)
	default:
		return nil, fc.Errorf(fc.ENotFound, "no data for events about %s", e.ObjectKind)
	}
	if err != nil {
		return nil, err
	}
	return eventView(e, obj)
}

// eventView renders the object of an event as the API shows it.
func eventView(e fc.Event, obj any) (json.RawMessage, error) {
	var v any
	switch x := obj.(type) {
	case *fc.Session:
		v = viewSession(x)
	case *fc.Station:
		v = viewStation(x)
		if e.Type == fc.TypeStationFaulted {
			var d fc.FaultDetail
			if err := json.Unmarshal(e.Detail, &d); err != nil {
				return nil, err
			}
			v = struct {
				stationView
				ConnectorID int    `json:"connector_id"`
				ErrorCode   string `json:"error_code"`
			}{viewStation(x), d.ConnectorID, d.ErrorCode}
		}
	case *fc.Card:
		v = x
	case *fc.ReimbursementStatement:
		st := *x
		st.Lines = nil // as in the list: the lines are read with the statement alone
		v = viewStatement(&st)
	case *fc.Invoice:
		inv := *x
		inv.Lines, inv.Breakdown = nil, nil // as in the list
		v = viewInvoice(&inv)
	default:
		return nil, fc.Errorf(fc.ENotFound, "no data for events about %s", e.ObjectKind)
	}
	return json.Marshal(v)
}
