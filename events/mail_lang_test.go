package events_test

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestEmailAlertsInLanguage: an alert mail reaches a user in the language
// it chose on the pages (Dutch here), dates written as Dutch writes them;
// a user who chose none gets English. Through a real SMTP server.
func TestEmailAlertsInLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Taal")
		must(t, "language", s.SetUserLanguage(ctx, w.facilityA.ID, "nl"))
		for _, sub := range []struct {
			u   *fc.User
			typ string
		}{
			{w.facilityA, fc.TypeStationFaulted},
			{w.fleetA, fc.TypeCardBlocked},
		} {
			x := fc.Subscription{EventType: sub.typ, Mode: fc.SubscriptionImmediate}
			must(t, "subscribe", w.app.Subscribe(ctx, w.subjects[sub.u.ID], &x))
		}
		at := time.Date(2026, 3, 31, 14, 5, 0, 0, time.UTC)
		must(t, "fault", s.RecordStatus(ctx, w.station.ID, 1, "Faulted", "GroundFailure", at))
		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		mb := newMailbox(t)
		w.service(t, events.Config{Mailer: mb, BaseURL: "https://fleet.example"})
		byTo := map[string]message{}
		for _, m := range mb.wait(t, 2) {
			byTo[m.to] = m
		}
		nl := byTo[w.facilityA.Email]
		for _, want := range []string{
			"laadpaal " + w.station.Identity + ", connector 1 heeft een storing (GroundFailure)",
			"31-03-2026 14:05 UTC",
			"U ontvangt deze berichten omdat u zich er in fleetcharge op hebt geabonneerd.",
			"Meldingen " + fc.TypeStationFaulted + " stoppen: https://fleet.example/unsubscribe?token=",
		} {
			if !strings.Contains(nl.body, want) {
				t.Errorf("the Dutch mail lacks %q:\n%s", want, nl.body)
			}
		}
		if !strings.HasPrefix(nl.subject, "fleetcharge: 31-03-2026 14:05 UTC: laadpaal ") {
			t.Errorf("the Dutch subject: %q", nl.subject)
		}
		en := byTo[w.fleetA.Email]
		if !strings.Contains(en.body, "card "+w.cardA.ExternalID+" was blocked") || !strings.Contains(en.body, "You receive these because") {
			t.Errorf("the English mail:\n%s", en.body)
		}
	})
}

// TestWebhookDisabledInLanguage: the notice of a disabled webhook reaches
// its owner in the language it chose (German here).
func TestWebhookDisabledInLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newWorld(t, s, "Sprache")
		must(t, "language", s.SetUserLanguage(ctx, w.fleetA.ID, "de"))
		rc := newReceiver(t, func(string, int) int { return 500 })
		h, _ := w.webhook(t, w.fleetA, rc.URL, 0, fc.TypeCardBlocked)
		_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), w.cardA.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
		must(t, "block", err)
		mail := newMailbox(t)
		w.service(t, events.Config{RetryFirst: 50 * time.Millisecond, RetryFor: 600 * time.Millisecond, Mailer: mail})
		m := mail.wait(t, 1)
		if m[0].to != w.fleetA.Email || m[0].subject != "fleetcharge: Webhook deaktiviert" {
			t.Errorf("the notice: to %s, subject %q", m[0].to, m[0].subject)
		}
		for _, want := range []string{"Ihr fleetcharge-Webhook " + h.ID.String() + " (" + rc.URL + ") wurde deaktiviert", "Seine letzte Antwort: ", "PATCH /api/v1/webhooks/" + h.ID.String() + " mit enabled true"} {
			if !strings.Contains(m[0].body, want) {
				t.Errorf("the notice lacks %q:\n%s", want, m[0].body)
			}
		}
	})
}
