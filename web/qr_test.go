package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestTOTPSetupQR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, fleetWest)
		page := get(t, b, "/account/totp", http.StatusOK)
		wantIn(t, "TOTP setup", page, `<svg class="qr"`, `aria-label="QR code of the key for your authenticator app"`,
			`<nav class="nav" aria-label="Main">`, `href="/cards"`, `class="secret"`)
		// The code is a square of dark modules in a quiet zone: an
		// otpauth link of this length needs more than version 1 (21
		// modules) and, at the sizes here, at most version 21 (101 modules).
		m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(page)
		if m == nil || m[1] != m[2] {
			t.Fatalf("QR code without a square viewBox: %v", m)
		}
		side, _ := strconv.Atoi(m[1])
		if modules := side - 8; modules < 25 || modules > 101 || (modules-21)%4 != 0 {
			t.Errorf("QR code of %d modules a side: no QR version of an otpauth link", modules)
		}
		if n := strings.Count(page, "h1v1h-1z"); n < 100 {
			t.Errorf("QR code has %d dark modules", n)
		}
	})
}
