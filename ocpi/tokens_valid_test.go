package ocpi

import (
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestCardTokenValidUntil: an active card is a valid token until its
// validity end, an invalid one from then on.
func TestCardTokenValidUntil(t *testing.T) {
	end := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	card := &fc.Card{InternalID: "04AA", ExternalID: "NL-1", Status: fc.CardActive, ValidUntil: "2026-12-06", ExpiresAt: &end}
	us := Party{CountryCode: "NL", PartyID: "FLC"}
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{end.Add(-time.Second), true},
		{end, false},
		{end.Add(24 * time.Hour), false},
	} {
		tok := cardToken(us, "Fleet", card.InternalID, card, tt.now)
		if tok.Valid == nil || *tok.Valid != tt.want {
			t.Errorf("at %s: valid %v, want %v", tt.now, tok.Valid, tt.want)
		}
	}
	card.ExpiresAt, card.ValidUntil = nil, ""
	if tok := cardToken(us, "Fleet", card.InternalID, card, end.Add(24*time.Hour)); tok.Valid == nil || !*tok.Valid {
		t.Error("a card without an end is not a valid token")
	}
}
