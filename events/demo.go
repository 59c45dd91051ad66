package events

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// The demo (serve --demo) shows webhooks and e-mail alerts without any
// outside service: its own webhook receiver on the server's loopback
// address, and a mailer that writes the alerts to the log when no SMTP
// server is configured. Both exist only in the demo: the server-side
// request forgery checks of everything else are unchanged (CheckURL still
// refuses loopback URLs that users register), and the one allowance,
// SetDemoReceiver, lets the dialer reach that exact loopback address and
// port, for deliveries to that exact URL prefix.

// DemoReceiverPath is where serve --demo receives its own webhook.
const DemoReceiverPath = "/demo/webhook-receiver"

// SetDemoReceiver lets deliveries to rawURL, the demo's receiver on this
// server, through: its host must be a loopback address with a port.
// Production servers never call it.
func (s *Service) SetDemoReceiver(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	ap, err := netip.ParseAddrPort(u.Host)
	if err != nil || !ap.Addr().Unmap().IsLoopback() || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("the demo's webhook receiver must be an http(s) URL on a loopback address and port, not %q", rawURL)
	}
	s.demoURL, s.demoAddr = rawURL, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	return nil
}

// isDemoDelivery reports whether a delivery goes to the demo's receiver.
func (s *Service) isDemoDelivery(rawURL string) bool {
	return s.demoURL != "" && (rawURL == s.demoURL || strings.HasPrefix(rawURL, s.demoURL+"?"))
}

// demoGuard is guard, but lets the demo receiver's address and port
// through.
func demoGuard(allowPrivate bool, receiver netip.AddrPort) func(network, address string, c syscall.RawConn) error {
	next := guard(allowPrivate)
	return func(network, address string, c syscall.RawConn) error {
		if ap, err := netip.ParseAddrPort(address); err == nil && netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) == receiver {
			return nil
		}
		return next(network, address, c)
	}
}

// DemoReceiver is the demo's webhook receiver: it logs each delivery (its
// webhook-id and type) and answers 204, so the webhook page shows
// deliveries going out and succeeding.
func DemoReceiver(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST a webhook delivery here", http.StatusMethodNotAllowed)
			return
		}
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var body struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(b, &body)
		log.Info("demo webhook receiver: delivery received", "webhook_id", r.Header.Get("webhook-id"), "type", body.Type,
			"signed", r.Header.Get("webhook-signature") != "", "bytes", len(b))
		w.WriteHeader(http.StatusNoContent)
	})
}

// LogMailer writes the e-mail alerts to the log instead of mailing them:
// the demo's mailer when no SMTP server is configured.
type LogMailer struct{ Log *slog.Logger }

// SendMail logs the mail.
func (m LogMailer) SendMail(_ context.Context, to, subject, body string) error {
	m.Log.Info("demo mail (no --smtp: written to the log)", "to", to, "subject", subject, "body", body)
	return nil
}
