package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestAuditNeverHoldsSecrets runs every change that handles a secret (user
// password hashes and TOTP secrets, password reset tokens, station password
// hashes, API token hashes) and checks that no audit event, before or
// after, holds any of them.
func TestAuditNeverHoldsSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustWorld(t, s, "Secrets")
		p := w.Provider.ID
		secrets := []string{"user-hash-1", "TOTPSECRET1", "user-hash-2", "TOTPSECRET2", "user-hash-3", "reset-token-hash-4",
			"user-hash-5", "station-hash-6", "station-hash-7", "api-token-hash-8"}

		u := &fc.User{ProviderID: p, Email: "secret@example.com", Name: "Secret Keeper", PasswordHash: secrets[0], TOTPSecret: secrets[1], TOTPEnabled: true}
		must(t, "create user", s.CreateUser(ctx, u))
		_, err := s.UpdateUser(ctx, fc.ProviderScope(p), u.ID, func(x *fc.User) error {
			x.PasswordHash, x.TOTPSecret, x.Name = secrets[2], secrets[3], "Secret Keeper II"
			return nil
		})
		must(t, "update user", err)
		must(t, "change password", s.ChangePassword(ctx, u.ID, secrets[4], nil))
		must(t, "issue a reset", s.CreatePasswordReset(ctx, &fc.PasswordReset{TokenHash: secrets[5], UserID: u.ID,
			CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))
		_, err = s.UsePasswordReset(ctx, secrets[5], secrets[6])
		must(t, "use the reset", err)

		st := &fc.Station{ProviderID: p, AccountID: w.Account.ID, LocationID: w.Office.ID, ChargeGroupID: w.Group.ID,
			Identity: "SECRET-CP", PasswordHash: secrets[7]}
		must(t, "create station", s.CreateStation(ctx, st, 1))
		_, err = s.UpdateStation(ctx, fc.ProviderScope(p), st.ID, func(x *fc.Station) error {
			x.PasswordHash = secrets[8]
			return nil
		})
		must(t, "update station", err)
		tok := &fc.APIToken{UserID: u.ID, Name: "ci", Hash: secrets[9]}
		must(t, "create token", s.CreateAPIToken(ctx, tok))
		must(t, "revoke token", s.RevokeAPIToken(ctx, u.ID, tok.ID))

		rows, err := s.DB().QueryContext(ctx, `SELECT id, action, before_json, after_json FROM audit_events`)
		must(t, "read the audit log", err)
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id int64
			var action, before, after string
			must(t, "read the audit log", rows.Scan(&id, &action, &before, &after))
			n++
			for _, sec := range secrets {
				if strings.Contains(before, sec) || strings.Contains(after, sec) {
					t.Errorf("audit event %d (%s) holds the secret %q: before %s, after %s", id, action, sec, before, after)
				}
			}
		}
		must(t, "read the audit log", rows.Err())
		if n < 8 {
			t.Errorf("%d audit events, want one per change at least", n)
		}
	})
}

// TestAuditLogByKind reads the audit log of a card's session at a station
// of another account, as a fleet manager of the card's account and as a
// facility manager of the station's account would (their reaches of
// audit.read and of each kind's read): each reads only the events of the
// objects it reads, and the facility manager the session's event masked.
func TestAuditLogByKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := mustSessionWorld(t, s, "AuditKind")
		x := mustImport(t, s, w, "audit-1", 0)
		p := w.provider.ID
		fleet, site := reachAccounts(w.fleet.ID), reachAccounts(w.site.ID)
		none := fc.Reach{}
		fleetScope := fc.AuditScope{ProviderID: p, Audit: fleet,
			Kinds:    map[string]fc.Reach{fc.KindAccount: fleet, fc.KindEmployee: fleet, fc.KindCard: fleet, fc.KindLocation: none, fc.KindChargeGroup: none},
			Sessions: fc.SessionScope{ProviderID: p, CardSide: fleet}}
		facilityScope := fc.AuditScope{ProviderID: p, Audit: site,
			Kinds:    map[string]fc.Reach{fc.KindAccount: site, fc.KindEmployee: none, fc.KindCard: none, fc.KindLocation: site, fc.KindChargeGroup: site},
			Stations: fc.StationScope{ProviderID: p, Reach: site},
			Sessions: fc.SessionScope{ProviderID: p, StationSide: site}}

		for _, tc := range []struct {
			name   string
			sc     fc.AuditScope
			want   []string // object kinds read, in order of the events
			masked bool
		}{
			{"fleet manager", fleetScope, []string{fc.KindAccount, fc.KindEmployee, fc.KindCard, fc.KindSession}, false},
			{"facility manager", facilityScope, []string{fc.KindAccount, fc.KindLocation, fc.KindChargeGroup, fc.KindStation, fc.KindSession}, true},
			{"audit.read alone", fc.AuditScope{ProviderID: p, Audit: fc.Everything}, []string{fc.KindProvider}, false},
		} {
			events, err := s.AuditLog(ctx, tc.sc, fc.AuditFilter{})
			must(t, tc.name, err)
			var got []string
			for _, e := range events {
				got = append(got, e.ObjectType)
				if e.ObjectType != fc.KindSession {
					continue
				}
				var body fc.Session
				must(t, tc.name+": session body", json.Unmarshal([]byte(e.After), &body))
				if tc.masked {
					if e.AccountID != 0 || body.CardID != 0 || body.CardAccountID != 0 || body.EmployeeID != 0 || body.IDTag != "" ||
						!strings.HasSuffix(body.ExternalID, "*TAG9") || strings.Contains(e.After, "AuditKind-TAG9") {
						t.Errorf("%s: masked session event names its card side: account %s, body %s", tc.name, e.AccountID, e.After)
					}
				} else if e.AccountID != w.fleet.ID || body.CardID != w.card.ID || body.IDTag != "AuditKind-TAG9" || body.EmployeeID != w.driver.ID {
					t.Errorf("%s: session event: account %s, body %s", tc.name, e.AccountID, e.After)
				}
				if body.ID != x.ID || body.StationAccountID != w.site.ID {
					t.Errorf("%s: session event body %s, want session %s at account %s", tc.name, e.After, x.ID, w.site.ID)
				}
			}
			if strings.Join(got, " ") != strings.Join(dedupe(got, tc.want), " ") {
				t.Errorf("%s: events of %v, want one or more of each of %v in turn", tc.name, got, tc.want)
			}
		}
	})
}

// dedupe returns got when its kinds, with repeats folded, are want; and
// want otherwise, so that a comparison with got fails.
func dedupe(got, want []string) []string {
	var folded []string
	for i, k := range got {
		if i == 0 || got[i-1] != k {
			folded = append(folded, k)
		}
	}
	if strings.Join(folded, " ") == strings.Join(want, " ") {
		return got
	}
	return want
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
