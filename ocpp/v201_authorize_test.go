package ocpp_test

import (
	"strconv"
	"strings"
	"testing"
)

func TestAuthorize201(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world, e *endpoint) {
		st := connect201(t, e, w.Station.Identity, w.Password)
		rs := connect201(t, e, w.Restricted.Identity, w.Password)
		type answer struct {
			IDTokenInfo struct {
				Status              string `json:"status"`
				CacheExpiryDateTime string `json:"cacheExpiryDateTime"`
				GroupIDToken        *struct {
					IDToken string `json:"idToken"`
					Type    string `json:"type"`
				} `json:"groupIdToken"`
			} `json:"idTokenInfo"`
		}
		tests := []struct {
			name    string
			at      *station
			tag     string
			typ     string
			want    string
			account string // the groupIdToken, "" for none
		}{
			{"good card", st, w.Good.InternalID, "ISO14443", "Accepted", strconv.FormatInt(int64(w.Good.AccountID), 10)},
			{"good card, other type", st, w.Good.InternalID, "ISO15693", "Accepted", strconv.FormatInt(int64(w.Good.AccountID), 10)},
			{"as eMAID", st, w.Good.InternalID, "eMAID", "Accepted", strconv.FormatInt(int64(w.Good.AccountID), 10)},
			{"case-insensitive", st, strings.ToLower(w.Good.InternalID), "Local", "Accepted", strconv.FormatInt(int64(w.Good.AccountID), 10)},
			{"blocked", st, w.Blocked.InternalID, "KeyCode", "Blocked", strconv.FormatInt(int64(w.Blocked.AccountID), 10)},
			{"deactivated", st, w.Expired.InternalID, "Central", "Expired", strconv.FormatInt(int64(w.Expired.AccountID), 10)},
			{"unknown", st, "NOBODY-42", "MacAddress", "Unknown", ""},
			{"not admitted by a restricted group", rs, w.Foreign.InternalID, "ISO14443", "Blocked", strconv.FormatInt(int64(w.Foreign.AccountID), 10)},
			{"no authorization, public group", st, "", "NoAuthorization", "Accepted", ""},
			{"no authorization, restricted group", rs, "", "NoAuthorization", "Invalid", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got answer
				tt.at.call("Authorize", map[string]any{"idToken": token(tt.tag, tt.typ)}, &got)
				info := got.IDTokenInfo
				if info.Status != tt.want {
					t.Errorf("status %q, want %q", info.Status, tt.want)
				}
				gotAccount := ""
				if info.GroupIDToken != nil {
					gotAccount = info.GroupIDToken.IDToken
				}
				if gotAccount != tt.account {
					t.Errorf("groupIdToken %q, want %q", gotAccount, tt.account)
				}
				if tt.account != "" && info.CacheExpiryDateTime != "2025-06-03T09:30:00.000Z" {
					t.Errorf("cacheExpiryDateTime %q, want a day after now", info.CacheExpiryDateTime)
				}
			})
		}
	})
}
