package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Webhooks and e-mail alerts (docs/EVENTS.md). Anyone with API access
// registers webhooks; each acts as its creator and is read, changed and
// deleted by its creator alone. Which events it receives is decided when
// each event is dispatched (package events), with the creator's rights of
// that moment.

// eventStore is the store's event half; the SQL store has it.
func (s *Service) eventStore() (fc.EventStore, error) {
	es, ok := s.Store.(fc.EventStore)
	if !ok {
		return nil, fc.Errorf(fc.EUnavailable, "this store keeps no events")
	}
	return es, nil
}

// EventPermission is the read permission of the object of an event type:
// a subscription to it needs that permission somewhere.
func EventPermission(eventType string) []access.Permission {
	switch eventType {
	case fc.TypeSessionStarted, fc.TypeSessionStopped:
		return []access.Permission{access.SessionsCardSideRead, access.SessionsStationSideRead}
	case fc.TypeStationOnline, fc.TypeStationOffline, fc.TypeStationFaulted:
		return []access.Permission{access.StationsRead, access.StationsHomeRead}
	case fc.TypeCardBlocked:
		return []access.Permission{access.CardsRead}
	case fc.TypeReimbursementApproved:
		return []access.Permission{access.ReimbursementRead}
	case fc.TypeInvoiceIssued:
		return []access.Permission{access.InvoicesRead, access.InvoicesSelfBillingRead}
	}
	return nil
}

// mayHear reports whether the subject reads objects of the event type
// anywhere.
func mayHear(subj access.Subject, eventType string) bool {
	for _, p := range EventPermission(eventType) {
		if !access.Reach(subj, p).Empty() {
			return true
		}
	}
	return false
}

// Webhooks lists the subject's webhooks.
func (s *Service) Webhooks(ctx context.Context, subj access.Subject) ([]fc.Webhook, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	return es.Webhooks(ctx, subj.ProviderID, subj.UserID)
}

// Webhook returns one of the subject's webhooks.
func (s *Service) Webhook(ctx context.Context, subj access.Subject, id fc.ID) (*fc.Webhook, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	return es.Webhook(ctx, subj.ProviderID, subj.UserID, id)
}

// checkWebhook checks what a webhook names: the narrowing must be an
// organization or account the subject holds a role over (access.Narrow),
// and a new URL (checkURL) an address the provider's webhooks may reach.
// An unchanged URL is not checked again: the deliverer's dialer checks
// every address it connects to anyway, and the demo's own webhook, on
// loopback, stays editable (docs/EVENTS.md).
func (s *Service) checkWebhook(ctx context.Context, subj access.Subject, es fc.EventStore, w *fc.Webhook, checkURL bool) error {
	if w.OrganizationID != 0 || w.AccountID != 0 {
		kind, objKind, id, field := fc.ScopeOrganization, fc.KindOrganization, w.OrganizationID, "organization_id"
		if w.AccountID != 0 {
			kind, objKind, id, field = fc.ScopeAccount, fc.KindAccount, w.AccountID, "account_id"
		}
		invalid := fc.Invalid(map[string]string{field: "no such " + kindNoun(objKind)})
		o, err := s.Store.Owner(ctx, subj.ProviderID, objKind, id)
		if fc.IsCode(err, fc.ENotFound) {
			return invalid
		}
		if err != nil {
			return err
		}
		_, ok, err := access.Narrow(subj, kind, o, id, func(accountID fc.ID) ([]fc.ID, error) {
			ao, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindAccount, accountID)
			return ao.OrgPath, err
		})
		if err != nil {
			return err
		}
		if !ok {
			return invalid
		}
	}
	if !checkURL {
		return nil
	}
	allow, err := es.WebhooksAllowPrivate(ctx, subj.ProviderID)
	if err != nil {
		return err
	}
	return events.CheckURL(ctx, nil, w.URL, allow)
}

// CreateWebhook registers a webhook acting as the subject and returns its
// signing secret, which is shown this once.
func (s *Service) CreateWebhook(ctx context.Context, subj access.Subject, w *fc.Webhook) (string, error) {
	es, err := s.eventStore()
	if err != nil {
		return "", err
	}
	w.ProviderID, w.UserID = subj.ProviderID, subj.UserID
	if err := s.checkWebhook(ctx, subj, es, w, true); err != nil {
		return "", err
	}
	// The secret is kept sealed with the server's key, in clear on a
	// server without one (events/seal.go).
	plain := events.NewSecret()
	w.Secret = events.SealSecret(s.Secrets, plain)
	if err := es.CreateWebhook(ctx, w); err != nil {
		return "", err
	}
	return plain, nil
}

// UpdateWebhook applies fn to one of the subject's webhooks.
func (s *Service) UpdateWebhook(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.Webhook) error) (*fc.Webhook, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	return es.UpdateWebhook(ctx, subj.ProviderID, subj.UserID, id, func(w *fc.Webhook) error {
		url := w.URL
		if err := fn(w); err != nil {
			return err
		}
		return s.checkWebhook(ctx, subj, es, w, w.URL != url)
	})
}

// DeleteWebhook removes one of the subject's webhooks and its deliveries.
func (s *Service) DeleteWebhook(ctx context.Context, subj access.Subject, id fc.ID) error {
	es, err := s.eventStore()
	if err != nil {
		return err
	}
	return es.DeleteWebhook(ctx, subj.ProviderID, subj.UserID, id)
}

// WebhookDeliveries lists a page of the deliveries of one of the
// subject's webhooks.
func (s *Service) WebhookDeliveries(ctx context.Context, subj access.Subject, id fc.ID, p fc.Page) ([]fc.WebhookDelivery, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	if _, err := es.Webhook(ctx, subj.ProviderID, subj.UserID, id); err != nil {
		return nil, err
	}
	return es.Deliveries(ctx, subj.ProviderID, subj.UserID, id, p)
}

// RetryWebhookDelivery sends a delivery of one of the subject's webhooks
// again, with the same webhook-id, as soon as the deliverer runs.
func (s *Service) RetryWebhookDelivery(ctx context.Context, subj access.Subject, id, deliveryID fc.ID) (*fc.WebhookDelivery, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	return es.RetryDelivery(ctx, subj.ProviderID, subj.UserID, id, deliveryID)
}

// WebhooksAllowPrivate tells whether the provider's webhooks may reach
// private addresses.
func (s *Service) WebhooksAllowPrivate(ctx context.Context, subj access.Subject) (bool, error) {
	es, err := s.eventStore()
	if err != nil {
		return false, err
	}
	return es.WebhooksAllowPrivate(ctx, subj.ProviderID)
}

// SetWebhooksAllowPrivate lets the provider's webhooks reach private
// addresses, or not; only who may change the provider may.
func (s *Service) SetWebhooksAllowPrivate(ctx context.Context, subj access.Subject, allow bool) error {
	if !access.Reach(subj, access.AccountsManage).All {
		return fc.Errorf(fc.EForbidden, "changing the provider needs %s over the whole provider", access.AccountsManage)
	}
	es, err := s.eventStore()
	if err != nil {
		return err
	}
	return es.SetWebhooksAllowPrivate(ctx, subj.ProviderID, allow)
}

// Subscriptions lists the subject's e-mail alerts.
func (s *Service) Subscriptions(ctx context.Context, subj access.Subject) ([]fc.Subscription, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	return es.Subscriptions(ctx, subj.ProviderID, subj.UserID)
}

// Subscribe adds or changes the subject's e-mail alert for an event type,
// which must be about objects the subject reads somewhere.
func (s *Service) Subscribe(ctx context.Context, subj access.Subject, x *fc.Subscription) error {
	es, err := s.eventStore()
	if err != nil {
		return err
	}
	if fc.ValidEventType(x.EventType) && !mayHear(subj, x.EventType) {
		return fc.Invalid(map[string]string{"event_type": "you read no objects of these events"})
	}
	x.ProviderID, x.UserID, x.Token = subj.ProviderID, subj.UserID, secret.Token("unsub_")
	return es.Subscribe(ctx, x)
}

// Unsubscribe ends one of the subject's e-mail alerts.
func (s *Service) Unsubscribe(ctx context.Context, subj access.Subject, id fc.ID) error {
	es, err := s.eventStore()
	if err != nil {
		return err
	}
	return es.Unsubscribe(ctx, subj.ProviderID, subj.UserID, id)
}

// UnsubscribeByToken ends the e-mail alert its unsubscribe link names;
// the link alone authenticates it.
func (s *Service) UnsubscribeByToken(ctx context.Context, token string) (*fc.Subscription, error) {
	es, err := s.eventStore()
	if err != nil {
		return nil, err
	}
	return es.UnsubscribeByToken(ctx, token)
}
