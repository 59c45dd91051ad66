package ocpp_test

import (
	"testing"
)

func TestAuthorize(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		public := connect(t, e, w.Station.Identity, w.Password)
		restricted := connect(t, e, w.Restricted.Identity, w.Password)
		tests := []struct {
			name  string
			at    *station
			idTag string
			want  string
		}{
			{"active card", public, w.Good.InternalID, "Accepted"},
			{"inactive card", public, w.Blocked.InternalID, "Blocked"},
			{"deactivated card", public, w.Expired.InternalID, "Expired"},
			{"unknown card", public, "DEADBEEF", "Invalid"},
			{"card of another account, public group", public, w.Foreign.InternalID, "Accepted"},
			{"admitted account, restricted group", restricted, w.Good.InternalID, "Accepted"},
			{"card not admitted by the group", restricted, w.Foreign.InternalID, "Blocked"},
			{"inactive card, restricted group", restricted, w.Blocked.InternalID, "Blocked"},
		}
		for _, tt := range tests {
			var got struct {
				IDTagInfo idTagInfo `json:"idTagInfo"`
			}
			tt.at.call("Authorize", map[string]string{"idTag": tt.idTag}, &got)
			if got.IDTagInfo.Status != tt.want {
				t.Errorf("%s: status %s, want %s", tt.name, got.IDTagInfo.Status, tt.want)
			}
		}
	})
}

// TestAuthorizeDuringTransaction checks that a card charging already is
// still Accepted by Authorize: ConcurrentTx belongs to StartTransaction, and
// a station may authorize the card that is stopping its transaction.
func TestAuthorizeDuringTransaction(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect(t, e, w.Station.Identity, w.Password)
		start(t, st, 1, w.Good.InternalID, 1000)
		var got struct {
			IDTagInfo idTagInfo `json:"idTagInfo"`
		}
		st.call("Authorize", map[string]string{"idTag": w.Good.InternalID}, &got)
		if got.IDTagInfo.Status != "Accepted" {
			t.Errorf("status %s, want Accepted", got.IDTagInfo.Status)
		}
	})
}
