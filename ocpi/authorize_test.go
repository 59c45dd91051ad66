package ocpi

import (
	"context"
	"encoding/json"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestRealTimeAuthorization: A (the CPO) asks B (the eMSP) about B's
// token over real HTTP, with the station's location and EVSE, and gets
// B's answer: allowed while the card is active, blocked while inactive,
// expired once deactivated; a UID B does not know is Unknown; a B that
// is down is an error.
func TestRealTimeAuthorization(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		card := b.card("BETA-0001")
		bAtA, _ := connect(t, a, b)
		b.drain()
		tok, err := receivedToken(a, bAtA, b, card.InternalID)
		if err != nil {
			t.Fatalf("B's token at A: %v", err)
		}
		st := &fc.Station{ID: 42, LocationID: 7}

		ask := func(what, want string) {
			t.Helper()
			got, err := a.server.AuthorizeRoaming(ctx, st, 2, tok)
			if err != nil || got != want {
				t.Errorf("%s: %q, %v, want %q", what, got, err, want)
			}
		}
		ask("active card", "ALLOWED")
		reqs := b.requests(emspTokensPath + "/" + card.InternalID + "/authorize")
		if len(reqs) != 1 {
			t.Fatalf("authorize requests at B: %d", len(reqs))
		}
		var loc LocationReferences
		if err := json.Unmarshal(reqs[0].Body, &loc); err != nil || loc.LocationID != "7" || len(loc.EVSEUIDs) != 1 || loc.EVSEUIDs[0] != EVSEUID(42, 2) {
			t.Errorf("location sent: %s (%v)", reqs[0].Body, err)
		}
		b.setCard(card, fc.CardInactive)
		ask("inactive card", "BLOCKED")
		b.setCard(card, fc.CardDeactivated)
		ask("deactivated card", "EXPIRED")

		unknown := *tok
		unknown.UID = "NO-SUCH-CARD"
		if got, err := a.server.AuthorizeRoaming(ctx, st, 0, &unknown); err != nil || got != Unknown {
			t.Errorf("unknown UID: %q, %v", got, err)
		}
		b.down.Store(true)
		if got, err := a.server.AuthorizeRoaming(ctx, st, 0, tok); err == nil {
			t.Errorf("B down: %q without an error", got)
		}
	})
}
