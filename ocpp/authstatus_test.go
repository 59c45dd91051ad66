package ocpp

import (
	"testing"

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
		if got := authStatus(tt.auth); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
