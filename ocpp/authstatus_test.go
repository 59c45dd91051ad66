package ocpp

import (
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

func TestAuthStatus(t *testing.T) {
	public := &fc.ChargeGroup{Access: fc.AccessPublic}
	restricted := &fc.ChargeGroup{Access: fc.AccessRestricted, AllowedOrganizationIDs: []fc.ID{10}}
	card := func(status string) *fc.Card { return &fc.Card{ID: 1, AccountID: 2, Status: status} }
	tests := []struct {
		name string
		auth fc.CardAuth
		want string
	}{
		{"unknown", fc.CardAuth{Group: public}, fc.AuthInvalid},
		{"active", fc.CardAuth{Card: card(fc.CardActive), Group: public}, fc.AuthAccepted},
		{"inactive", fc.CardAuth{Card: card(fc.CardInactive), Group: public}, fc.AuthBlocked},
		{"deactivated", fc.CardAuth{Card: card(fc.CardDeactivated), Group: public}, fc.AuthExpired},
		{"odd status", fc.CardAuth{Card: card("lost"), Group: public}, fc.AuthInvalid},
		{"admitted by organization", fc.CardAuth{Card: card(fc.CardActive), CardOrgs: []fc.ID{10, 11}, Group: restricted}, fc.AuthAccepted},
		{"not admitted", fc.CardAuth{Card: card(fc.CardActive), CardOrgs: []fc.ID{12}, Group: restricted}, fc.AuthBlocked},
		{"no group", fc.CardAuth{Card: card(fc.CardActive)}, fc.AuthBlocked},
		{"running elsewhere is not Authorize's business", fc.CardAuth{Card: card(fc.CardActive), Group: public, ActiveTxID: 9}, fc.AuthAccepted},
	}
	for _, tt := range tests {
		if got := authStatus(tt.auth, time.Now()); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestAuthStatusValidUntil: a card is Expired from the end of its last
// valid day on, decided at the time of the question.
func TestAuthStatusValidUntil(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	end, err := fc.DayEnd("2026-12-06", loc)
	if err != nil {
		t.Fatal(err)
	}
	auth := fc.CardAuth{Card: &fc.Card{ID: 1, AccountID: 2, Status: fc.CardActive, ValidUntil: "2026-12-06", ExpiresAt: &end},
		Group: &fc.ChargeGroup{Access: fc.AccessPublic}}
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 6, 23, 59, 59, 0, loc), fc.AuthAccepted},
		{time.Date(2026, 12, 6, 22, 59, 59, 0, time.UTC), fc.AuthAccepted},
		{time.Date(2026, 12, 7, 0, 0, 0, 0, loc), fc.AuthExpired},
		{time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC), fc.AuthExpired},
	} {
		if got := authStatus(auth, tt.at); got != tt.want {
			t.Errorf("at %s: got %s, want %s", tt.at, got, tt.want)
		}
	}
	if got := cardTagInfo(fc.AuthAccepted, auth).ExpiryDate; got != "2026-12-06T23:00:00.000Z" {
		t.Errorf("expiryDate %q, want the end of the day in Amsterdam", got)
	}
}
