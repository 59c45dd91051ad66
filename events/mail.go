package events

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// E-mail alerts: a subscription's notifications are mailed at once (one
// mail per user and round) or in the day's digest, each mail with the
// links that end its subscriptions.

const mailBatch = 500

// Summary is the line an e-mail gives an event, from its data as the
// recipient reads it (so masked as the recipient sees it). It is English,
// kept with the notification; compose shows it in the recipient's language,
// each of its formats being a message of package i18n.
func Summary(e fc.Event, data json.RawMessage) string {
	var v struct {
		Identity       string `json:"identity"`
		Name           string `json:"name"`
		ExternalID     string `json:"external_id"`
		CardExternalID string `json:"card_external_id"`
		StationID      fc.ID  `json:"station_id"`
		EmployeeName   string `json:"employee_name"`
		Period         string `json:"period"`
		Number         string `json:"number"`
		Kind           string `json:"kind"`
		EnergyKWh      string `json:"energy_kwh"`
		ConnectorID    int    `json:"connector_id"`
		ErrorCode      string `json:"error_code"`
	}
	_ = json.Unmarshal(data, &v)
	if e.Type == fc.TypeStationFaulted {
		var d fc.FaultDetail
		_ = json.Unmarshal(e.Detail, &d)
		v.ConnectorID, v.ErrorCode = d.ConnectorID, d.ErrorCode
	}
	at := e.At.UTC().Format("2006-01-02 15:04 UTC")
	station := firstNonEmpty(v.Identity, v.Name, fmt.Sprintf("station %s", e.ObjectID))
	switch e.Type {
	case fc.TypeStationOffline:
		return fmt.Sprintf("%s: station %s went offline", at, station)
	case fc.TypeStationOnline:
		return fmt.Sprintf("%s: station %s is online", at, station)
	case fc.TypeStationFaulted:
		return fmt.Sprintf("%s: station %s, connector %d is faulted (%s)", at, station, v.ConnectorID, firstNonEmpty(v.ErrorCode, "no error code"))
	case fc.TypeCardBlocked:
		return fmt.Sprintf("%s: card %s was blocked", at, firstNonEmpty(v.ExternalID, e.ObjectID.String()))
	case fc.TypeSessionStarted:
		return fmt.Sprintf("%s: session %s started (card %s, station %s)", at, e.ObjectID, firstNonEmpty(v.CardExternalID, "-"), v.StationID)
	case fc.TypeSessionStopped:
		return fmt.Sprintf("%s: session %s stopped, %s kWh (card %s, station %s)", at, e.ObjectID, firstNonEmpty(v.EnergyKWh, "0"), firstNonEmpty(v.CardExternalID, "-"), v.StationID)
	case fc.TypeReimbursementApproved:
		return fmt.Sprintf("%s: reimbursement statement %s of %s approved", at, e.ObjectID, firstNonEmpty(v.Period, "?"))
	case fc.TypeInvoiceIssued:
		return fmt.Sprintf("%s: %s %s of %s issued", at, strings.ReplaceAll(firstNonEmpty(v.Kind, "invoice"), "_", "-"),
			firstNonEmpty(v.Number, e.ObjectID.String()), firstNonEmpty(v.Period, "?"))
	}
	return fmt.Sprintf("%s: %s %s", at, e.Type, e.ObjectKey())
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// digestTime is the last time digests were due at or before now.
func (s *Service) digestTime(now time.Time) time.Time {
	now = now.UTC()
	t := time.Date(now.Year(), now.Month(), now.Day(), s.cfg.DigestHour, 0, 0, 0, time.UTC)
	if t.After(now) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// mailDue mails the immediate notifications, and the digest ones of
// before the last digest time.
func (s *Service) mailDue(ctx context.Context) {
	if s.cfg.Mailer == nil {
		return
	}
	now := s.cfg.Now()
	s.mail(ctx, fc.SubscriptionImmediate, now.Add(time.Millisecond))
	s.mail(ctx, fc.SubscriptionDigest, s.digestTime(now))
}

func (s *Service) mail(ctx context.Context, mode string, before time.Time) {
	ns, err := s.cfg.Store.DueNotifications(ctx, mode, before, mailBatch)
	if err != nil || len(ns) == 0 {
		if err != nil && ctx.Err() == nil {
			s.log.Warn("reading the e-mail alerts", "err", err)
		}
		return
	}
	byUser := map[fc.ID][]fc.Notification{}
	for _, n := range ns {
		byUser[n.UserID] = append(byUser[n.UserID], n)
	}
	users := make([]fc.ID, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	sort.Slice(users, func(i, j int) bool { return users[i] < users[j] })
	for _, u := range users {
		list := byUser[u]
		subject, body := s.compose(s.language(ctx, u), mode, list)
		err := s.cfg.Mailer.SendMail(ctx, list[0].Email, subject, body)
		if err != nil {
			s.metrics.mails.WithLabelValues("failed").Inc()
			if ctx.Err() == nil {
				s.log.Warn("mailing an alert", "user", u, "err", err)
			}
			continue // tried again next round
		}
		s.metrics.mails.WithLabelValues("sent").Inc()
		ids := make([]fc.ID, len(list))
		for i, n := range list {
			ids[i] = n.ID
		}
		if err := s.cfg.Store.NotificationsSent(ctx, ids, s.cfg.Now()); err != nil && ctx.Err() == nil {
			s.log.Warn("noting mailed alerts", "user", u, "err", err)
		}
	}
}

// language is the language a user chose on the pages, in which its mails
// go out; English when it chose none, or when the store cannot tell (it
// reads users of every provider with AuthUser, as store.Store does).
func (s *Service) language(ctx context.Context, userID fc.ID) language.Tag {
	users, ok := s.cfg.Store.(interface {
		AuthUser(ctx context.Context, id fc.ID) (*fc.User, error)
	})
	if !ok {
		return i18n.English
	}
	u, err := users.AuthUser(ctx, userID)
	if err != nil {
		return i18n.English
	}
	if tag, ok := i18n.Parse(u.Language); ok {
		return tag
	}
	return i18n.English
}

// compose writes one user's mail in its language.
func (s *Service) compose(tag language.Tag, mode string, ns []fc.Notification) (subject, body string) {
	var b strings.Builder
	if mode == fc.SubscriptionDigest {
		subject = i18n.T(tag, "fleetcharge: your daily digest, %d events", len(ns))
	} else if len(ns) == 1 {
		subject = i18n.T(tag, "fleetcharge: %s", i18n.Translate(tag, ns[0].Summary))
	} else {
		subject = i18n.T(tag, "fleetcharge: %d events", len(ns))
	}
	if r := []rune(subject); len(r) > 150 {
		subject = string(r[:150])
	}
	for _, n := range ns {
		fmt.Fprintf(&b, "- %s\r\n", i18n.Translate(tag, n.Summary))
	}
	fmt.Fprintf(&b, "\r\n%s\r\n", i18n.T(tag, "You receive these because you subscribed to them in fleetcharge."))
	seen := map[string]bool{}
	for _, n := range ns {
		if seen[n.Token] {
			continue
		}
		seen[n.Token] = true
		fmt.Fprintf(&b, "%s\r\n", i18n.T(tag, "Stop %s alerts: %s", n.EventType, s.UnsubscribeLink(n.Token)))
	}
	return subject, b.String()
}

// UnsubscribeLink is the link that ends the subscription with the token.
func (s *Service) UnsubscribeLink(token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/unsubscribe?token=" + url.QueryEscape(token)
}

// noticeDisabled tells the owner of a webhook that it was disabled.
func (s *Service) noticeDisabled(ctx context.Context, d fc.WebhookDelivery) {
	if s.cfg.Mailer == nil {
		return
	}
	u, err := s.cfg.Store.User(ctx, fc.ProviderScope(d.ProviderID), d.UserID)
	if err != nil {
		return
	}
	// In the owner's language (English when it chose none).
	tag, _ := i18n.Parse(u.Language)
	lastAnswer := d.Error
	if lastAnswer == "" {
		lastAnswer = i18n.T(tag, "none")
	}
	body := i18n.T(tag, "Your fleetcharge webhook %s (%s) was disabled: its deliveries failed for %s.", d.WebhookID.String(), d.URL, s.cfg.RetryFor.String()) + "\r\n" +
		i18n.T(tag, "Its last answer: %s.", lastAnswer) + "\r\n" +
		i18n.T(tag, "Fix the receiver, then enable the webhook again (PATCH /api/v1/webhooks/%s with enabled true, or on the webhooks page); the deliveries that failed can be retried from its list of deliveries.", d.WebhookID.String()) + "\r\n"
	if err := s.cfg.Mailer.SendMail(ctx, u.Email, i18n.T(tag, "fleetcharge: webhook disabled"), body); err != nil && ctx.Err() == nil {
		s.log.Warn("mailing a disabled webhook's owner", "webhook", d.WebhookID, "err", err)
	}
}
