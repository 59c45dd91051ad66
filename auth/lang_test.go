package auth_test

import (
	"context"
	"mime"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/i18n"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestPasswordResetLanguage: the reset mail is in the language the user
// chose on the pages; a user who chose none gets it in the language of
// the request that asked for it.
func TestPasswordResetLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, false)
		f.svc.Config.BaseURL = "https://charge.example.com/"
		f.user("nl@example.com", func(u *fc.User) { u.Language = "nl" })
		f.user("none@example.com", nil)
		// The request asks in German.
		ctx := i18n.WithLanguage(context.Background(), i18n.German)
		for _, c := range []struct {
			email string
			want  string
		}{
			{"nl@example.com", i18n.T(i18n.Dutch, "Your fleetcharge password reset")},
			{"none@example.com", i18n.T(i18n.German, "Your fleetcharge password reset")},
		} {
			sink, got := smtpSink(t)
			f.svc.Mailer = &auth.SMTPMailer{Addr: sink, From: "noreply@fleetcharge.example"}
			if err := f.svc.RequestPasswordReset(ctx, c.email, auth.Client{Addr: addr}); err != nil {
				t.Fatal(err)
			}
			var msg string
			select {
			case msg = <-got:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no mail", c.email)
			}
			var subject string
			for _, line := range strings.Split(msg, "\n") {
				if s, ok := strings.CutPrefix(line, "Subject: "); ok {
					subject, _ = new(mime.WordDecoder).DecodeHeader(s)
				}
			}
			if c.want == "Your fleetcharge password reset" || subject != c.want {
				t.Errorf("%s: subject %q, want %q", c.email, subject, c.want)
			}
		}
	})
}
