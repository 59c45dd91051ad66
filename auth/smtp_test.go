package auth_test

import (
	"context"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// smtpSink is a minimal SMTP server that accepts one message and hands it
// over: enough of RFC 5321 for net/smtp's client.
func smtpSink(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		tp.PrintfLine("220 sink ready")
		var msg strings.Builder
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); verb {
			case "EHLO", "HELO":
				tp.PrintfLine("250 sink")
			case "MAIL", "RCPT":
				msg.WriteString(line + "\n")
				tp.PrintfLine("250 ok")
			case "DATA":
				tp.PrintfLine("354 go on")
				data, err := tp.ReadDotLines()
				if err != nil {
					return
				}
				msg.WriteString(strings.Join(data, "\n"))
				tp.PrintfLine("250 queued")
			case "QUIT":
				tp.PrintfLine("221 bye")
				out <- msg.String()
				return
			default:
				tp.PrintfLine("502 not implemented")
			}
		}
	}()
	return ln.Addr().String(), out
}

func TestSMTPMailer(t *testing.T) {
	addr, got := smtpSink(t)
	m, err := auth.ParseSMTPURL("smtp://" + addr + "?from=noreply@fleetcharge.example")
	if err != nil {
		t.Fatal(err)
	}
	link := "https://fleetcharge.example/reset?token=fcr_abc"
	if err := m.SendPasswordReset(context.Background(), "ana@example.com", link, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	msg := <-got
	for _, want := range []string{"MAIL FROM:<noreply@fleetcharge.example>", "RCPT TO:<ana@example.com>", "To: ana@example.com", link, "2026-03-01 12:00 UTC"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q:\n%s", want, msg)
		}
	}
	if err := m.SendPasswordReset(context.Background(), "ana@example.com\r\nBcc: eve@example.com", link, time.Now()); err == nil {
		t.Error("a recipient with a line break was accepted")
	}
}

func TestParseSMTPURL(t *testing.T) {
	m, err := auth.ParseSMTPURL("smtp://user:pw@mail.example.com?from=a@b.example")
	if err != nil || m.Addr != "mail.example.com:587" || m.Username != "user" || m.Password != "pw" || m.From != "a@b.example" {
		t.Errorf("parse = %+v, %v", m, err)
	}
	for _, bad := range []string{"http://mail.example.com?from=a@b.example", "smtp://mail.example.com", "smtp://?from=a@b.example"} {
		if _, err := auth.ParseSMTPURL(bad); err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted", bad)
		}
	}
}

// TestSMTPMailerLanguage: the reset mail is in the language of the request
// that asked for it, its date written as that language writes dates.
func TestSMTPMailerLanguage(t *testing.T) {
	for _, c := range []struct {
		tag   language.Tag
		wants []string
	}{
		{i18n.Dutch, []string{"Iemand heeft gevraagd", "01-03-2026 12:00 UTC", "Subject: Uw fleetcharge-wachtwoord opnieuw instellen"}},
		{i18n.German, []string{"Jemand hat darum gebeten", "01.03.2026 12:00 UTC"}},
	} {
		addr, got := smtpSink(t)
		m, err := auth.ParseSMTPURL("smtp://" + addr + "?from=noreply@fleetcharge.example")
		if err != nil {
			t.Fatal(err)
		}
		ctx := i18n.WithLanguage(context.Background(), c.tag)
		if err := m.SendPasswordReset(ctx, "ana@example.com", "https://fleetcharge.example/reset?token=x", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		msg := <-got
		for _, want := range c.wants {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: the message lacks %q:\n%s", c.tag, want, msg)
			}
		}
	}
}
