package auth

import (
	"context"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/fleetcharge/fleetcharge/i18n"
)

// SMTPMailer sends password reset links through an SMTP server. Send uses
// STARTTLS whenever the server offers it, and authenticates (PLAIN, which
// net/smtp allows only over TLS or to localhost) when a user is set.
type SMTPMailer struct {
	Addr     string // host:port
	From     string // the sender address
	Username string
	Password string
}

// ParseSMTPURL reads smtp://user:password@host:port?from=sender@example.com.
// The port defaults to 587.
func ParseSMTPURL(raw string) (*SMTPMailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL %q: want smtp://[user:password@]host[:port]?from=address", raw)
	}
	from := u.Query().Get("from")
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("SMTP URL: the from parameter %q is not an e-mail address", from)
	}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	m := &SMTPMailer{Addr: net.JoinHostPort(u.Hostname(), port), From: from, Username: u.User.Username()}
	m.Password, _ = u.User.Password()
	return m, nil
}

// SendPasswordReset mails the link to the user.
func (m *SMTPMailer) SendPasswordReset(ctx context.Context, to, link string, expires time.Time) error {
	// In the language ctx carries (package i18n): the user's own, else
	// that of the request that asked for it (RequestPasswordReset).
	tag := i18n.FromContext(ctx)
	var text strings.Builder
	fmt.Fprintf(&text, "%s\r\n\r\n", i18n.T(tag, "Someone asked to reset the password of your fleetcharge account."))
	fmt.Fprintf(&text, "%s\r\n\r\n%s\r\n\r\n", i18n.T(tag, "To choose a new password, open this link before %s:", i18n.DateTime(tag, expires.UTC())+" UTC"), link)
	fmt.Fprintf(&text, "%s\r\n", i18n.T(tag, "If it was not you, ignore this message: your password stays as it is."))
	if err := m.SendMail(ctx, to, i18n.T(tag, "Your fleetcharge password reset"), text.String()); err != nil {
		return fmt.Errorf("send password reset: %w", err)
	}
	return nil
}

// SendMail mails a plain-text message (lines ending in CRLF) to one
// recipient: password resets, and the event alerts of package events.
func (m *SMTPMailer) SendMail(ctx context.Context, to, subject, text string) error {
	if strings.ContainsAny(to, "\r\n") || strings.ContainsAny(subject, "\r\n") {
		return fmt.Errorf("send mail: invalid recipient or subject")
	}
	var body strings.Builder
	fmt.Fprintf(&body, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", m.From, to, mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&body, "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", time.Now().Format(time.RFC1123Z))
	body.WriteString(text)
	var auth smtp.Auth
	if m.Username != "" {
		host, _, _ := net.SplitHostPort(m.Addr)
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(m.Addr, auth, m.From, []string{to}, []byte(body.String())) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
