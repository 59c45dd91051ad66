package demo

import (
	"context"
	"fmt"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
)

// Events in the demo (docs/EVENTS.md): the fleet and facility manager of
// the logistics holding subscribes to e-mail alerts (a blocked card at
// once, stations offline or faulted in the daily digest), and has a webhook
// to the demo server's own receiver (events.DemoReceiver), so that the
// Notifications and Webhooks pages have something to show and the
// deliveries of the demo's changes go out and succeed.

// alertsUser is the demo persona with the e-mail alerts and the webhook.
const alertsUser = "fleet@vandijk-logistics.example"

// demoWebhookDescription names the demo's own webhook, which Webhook
// points at the receiver of each start.
const demoWebhookDescription = "Demo: the demo server's own receiver (" + events.DemoReceiverPath + "), which logs each delivery"

// alerts subscribes the alerts persona to e-mail alerts.
func (b *builder) alerts() error {
	u, err := b.st.UserByEmail(b.ctx, alertsUser)
	if err != nil {
		return err
	}
	for _, x := range []fc.Subscription{
		{EventType: fc.TypeCardBlocked, Mode: fc.SubscriptionImmediate},
		{EventType: fc.TypeStationOffline, Mode: fc.SubscriptionDigest},
		{EventType: fc.TypeStationFaulted, Mode: fc.SubscriptionDigest},
	} {
		x.ProviderID, x.UserID, x.Token = b.provider.ID, u.ID, secret.Token("unsub_")
		if err := b.st.Subscribe(b.ctx, &x); err != nil {
			return err
		}
	}
	return nil
}

// Webhook points the demo's webhook at url, the receiver of the server
// just started (its address may change between runs), creating it the
// first time with a secret sealed by box (in clear when box is nil). It
// does nothing on a database without the demo provider.
func Webhook(ctx context.Context, st *store.Store, url string, box *secret.Box) error {
	providers, err := st.Providers(ctx)
	if err != nil {
		return err
	}
	var providerID fc.ID
	for _, p := range providers {
		if IsDemo(p) {
			providerID = p.ID
		}
	}
	if providerID == 0 {
		return nil
	}
	ctx = fc.WithActor(ctx, fc.Actor{Label: "demo"})
	u, err := st.UserByEmail(ctx, alertsUser)
	if err != nil {
		return fmt.Errorf("demo webhook: %w", err)
	}
	hooks, err := st.Webhooks(ctx, providerID, u.ID)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if h.Description == demoWebhookDescription {
			if h.URL == url {
				return nil
			}
			_, err := st.UpdateWebhook(ctx, providerID, u.ID, h.ID, func(w *fc.Webhook) error {
				w.URL = url
				return nil
			})
			return err
		}
	}
	return st.CreateWebhook(ctx, &fc.Webhook{ProviderID: providerID, UserID: u.ID, URL: url,
		Events: []string{fc.TypeSessionStarted, fc.TypeSessionStopped, fc.TypeCardBlocked, fc.TypeStationOffline,
			fc.TypeStationOnline, fc.TypeStationFaulted},
		Description: demoWebhookDescription, Secret: events.SealSecret(box, events.NewSecret())})
}
