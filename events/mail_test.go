package events_test

import (
	"context"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// mailbox is a real SMTP server (go-smtp) on loopback that keeps every
// message it accepts, and the project's SMTP mailer pointed at it.
type mailbox struct {
	*auth.SMTPMailer
	mu   sync.Mutex
	msgs []message
}

type message struct {
	from, to, subject, body string
}

func newMailbox(t *testing.T) *mailbox {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{mb: mb}, nil }))
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, "listen", err)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	mb.SMTPMailer = &auth.SMTPMailer{Addr: l.Addr().String(), From: "alerts@fleetcharge.example"}
	return mb
}

func (mb *mailbox) all() []message {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]message(nil), mb.msgs...)
}

// to waits until n messages reached the address and returns them.
func (mb *mailbox) wait(t *testing.T, n int) []message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := mb.all(); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails arrived, want %d: %+v", len(mb.all()), n, mb.all())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type smtpSession struct {
	mb       *mailbox
	from, to string
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, message{from: s.from, to: s.to, subject: subject, body: string(body)})
	s.mb.mu.Unlock()
	return nil
}

// TestEmailAlerts: each user gets the events it subscribed to, in its
// scope only, at once or in the day's digest, through a real SMTP server;
// the link in the mail ends the subscription.
func TestEmailAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.OfflineGrace = time.Millisecond
		w := newWorld(t, s, "Mail")
		facility, fleet := w.subjects[w.facilityA.ID], w.subjects[w.fleetA.ID]
		for _, sub := range []struct {
			subj  *fc.User
			typ   string
			mode  string
			valid bool
		}{
			{w.facilityA, fc.TypeStationFaulted, fc.SubscriptionImmediate, true},
			{w.facilityA, fc.TypeStationOffline, fc.SubscriptionDigest, true},
			{w.fleetA, fc.TypeCardBlocked, fc.SubscriptionImmediate, true},
			// A facility manager reads no cards: no card alerts.
			{w.facilityA, fc.TypeCardBlocked, fc.SubscriptionImmediate, false},
		} {
			x := fc.Subscription{EventType: sub.typ, Mode: sub.mode}
			err := w.app.Subscribe(ctx, w.subjects[sub.subj.ID], &x)
			if (err == nil) != sub.valid {
				t.Fatalf("subscribe %s to %s: %v, want valid %v", sub.subj.Email, sub.typ, err, sub.valid)
			}
		}
		must(t, "fault", s.RecordStatus(ctx, w.station.ID, 1, "Faulted", "GroundFailure", time.Now()))
		must(t, "online", s.SetConnection(ctx, w.station.ID, true, fc.OCPP16, time.Now()))
		must(t, "offline", s.SetConnection(ctx, w.station.ID, false, fc.OCPP16, time.Now()))
		for _, c := range []*fc.Card{w.cardB, w.cardA} {
			_, err := s.UpdateCard(ctx, fc.ProviderScope(w.provider.ID), c.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil })
			must(t, "block", err)
		}
		mb := newMailbox(t)
		// A day later: the digest of the day before is due.
		w.service(t, events.Config{Mailer: mb, BaseURL: "https://fleet.example", Now: func() time.Time { return time.Now().Add(24 * time.Hour) }})
		msgs := mb.wait(t, 3)
		time.Sleep(100 * time.Millisecond) // nothing more comes
		if msgs = mb.all(); len(msgs) != 3 {
			t.Fatalf("%d mails, want 3: %+v", len(msgs), msgs)
		}
		byTo := map[string][]message{}
		for _, m := range msgs {
			byTo[m.to] = append(byTo[m.to], m)
		}
		fl := byTo[w.fleetA.Email]
		if len(fl) != 1 || !strings.Contains(fl[0].body, w.cardA.ExternalID+" was blocked") || strings.Contains(fl[0].body, w.cardB.ExternalID) {
			t.Errorf("the fleet manager's mails: %+v", fl)
		}
		fa := byTo[w.facilityA.Email]
		var immediate, digest *message
		for i := range fa {
			if strings.Contains(fa[i].subject, "digest") {
				digest = &fa[i]
			} else {
				immediate = &fa[i]
			}
		}
		if immediate == nil || !strings.Contains(immediate.body, w.station.Identity+", connector 1 is faulted (GroundFailure)") {
			t.Errorf("the facility manager's alert: %+v", immediate)
		}
		if digest == nil || !strings.Contains(digest.body, w.station.Identity+" went offline") {
			t.Errorf("the facility manager's digest: %+v", digest)
		}
		if msgs[0].from != "alerts@fleetcharge.example" {
			t.Errorf("from %q", msgs[0].from)
		}

		// The link ends the subscription.
		link := regexp.MustCompile(`https://fleet\.example/unsubscribe\?token=\S+`).FindString(fl[0].body)
		u, err := url.Parse(link)
		if link == "" || err != nil {
			t.Fatalf("no unsubscribe link in %q", fl[0].body)
		}
		x, err := w.app.UnsubscribeByToken(ctx, u.Query().Get("token"))
		if err != nil || x.EventType != fc.TypeCardBlocked || x.UserID != w.fleetA.ID {
			t.Fatalf("unsubscribe: %+v, %v", x, err)
		}
		if subs, err := w.app.Subscriptions(ctx, fleet); err != nil || len(subs) != 0 {
			t.Errorf("after unsubscribing: %+v, %v", subs, err)
		}
		if subs, err := w.app.Subscriptions(ctx, facility); err != nil || len(subs) != 2 {
			t.Errorf("the facility manager's subscriptions: %+v, %v", subs, err)
		}
	})
}
