package auth

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The RFC's test key for SHA-1, "12345678901234567890".
var rfcKey = []byte("12345678901234567890")

func TestHOTPVectors(t *testing.T) {
	// RFC 4226, appendix D.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, w := range want {
		if got := hotp(rfcKey, int64(counter), 6); got != w {
			t.Errorf("hotp(counter %d) = %s, want %s", counter, got, w)
		}
	}
}

func TestTOTPVectors(t *testing.T) {
	// RFC 6238, appendix B (SHA-1, 8 digits).
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tt := range tests {
		if got := hotp(rfcKey, totpStep(time.Unix(tt.unix, 0)), 8); got != tt.want {
			t.Errorf("TOTP at %d = %s, want %s", tt.unix, got, tt.want)
		}
	}
	// The six-digit code of an encoded secret is the same number's tail.
	sec := base32.StdEncoding.EncodeToString(rfcKey)
	got, err := TOTPCode(sec, time.Unix(59, 0))
	if err != nil || got != "287082" {
		t.Errorf("TOTPCode = %q, %v; want 287082", got, err)
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	sec := NewTOTPSecret()
	now := time.Date(2025, 3, 1, 9, 0, 10, 0, time.UTC)
	cur := totpStep(now)
	codeAt := func(d time.Duration) string {
		c, err := TOTPCode(sec, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastStep int64
		wantStep int64
		wantOK   bool
	}{
		{"current step", codeAt(0), 0, cur, true},
		{"with spaces", codeAt(0)[:3] + " " + codeAt(0)[3:], 0, cur, true},
		{"one step behind", codeAt(-30 * time.Second), 0, cur - 1, true},
		{"one step ahead", codeAt(30 * time.Second), 0, cur + 1, true},
		{"two steps behind", codeAt(-60 * time.Second), 0, 0, false},
		{"two steps ahead", codeAt(60 * time.Second), 0, 0, false},
		{"current step used", codeAt(0), cur, 0, false},
		{"older step than the used one", codeAt(-30 * time.Second), cur, 0, false},
		{"newer step than the used one", codeAt(30 * time.Second), cur, cur + 1, true},
		{"too short", "12345", 0, 0, false},
		{"letters", "abcdef", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		step, ok := matchTOTP(sec, tt.code, now, tt.lastStep)
		if ok != tt.wantOK || step != tt.wantStep {
			t.Errorf("%s: matchTOTP = %d, %v; want %d, %v", tt.name, step, ok, tt.wantStep, tt.wantOK)
		}
	}
	if _, ok := matchTOTP("not base32!", "123456", now, 0); ok {
		t.Error("a malformed secret matched")
	}
}

func TestTOTPURI(t *testing.T) {
	got := TOTPURI("fleetcharge", "ann@example.com", "JBSWY3DPEHPK3PXP")
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || !strings.HasPrefix(u.Path, "/fleetcharge:ann@example.com") ||
		q.Get("secret") != "JBSWY3DPEHPK3PXP" || q.Get("issuer") != "fleetcharge" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("TOTPURI = %s", got)
	}
	if got := GroupSecret("JBSWY3DPEHPK3PXP"); got != "JBSW Y3DP EHPK 3PXP" {
		t.Errorf("GroupSecret = %q", got)
	}
}

func TestNewTOTPSecret(t *testing.T) {
	a, b := NewTOTPSecret(), NewTOTPSecret()
	key, err := decodeTOTPSecret(a)
	if err != nil || len(key) != totpSecretLen {
		t.Errorf("secret %q decodes to %d bytes (%v), want %d", a, len(key), err, totpSecretLen)
	}
	if a == b {
		t.Error("two secrets are equal")
	}
}
