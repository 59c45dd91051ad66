package ocpi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// aCDR is a valid 2.2.1 CDR of A (NL CPO) for the token uid of B (DE
// MSP), changed by a test as it needs.
func aCDR(id, uid string, start time.Time, kwh, exclVAT float64) map[string]any {
	end := start.Add(90 * time.Minute)
	return map[string]any{
		"country_code": "NL", "party_id": "CPO", "id": id,
		"start_date_time": FormatDateTime(start), "end_date_time": FormatDateTime(end),
		"session_id":  "S-" + id,
		"cdr_token":   map[string]any{"country_code": "DE", "party_id": "MSP", "uid": uid, "type": "RFID", "contract_id": "DE-MSP-C" + uid},
		"auth_method": "WHITELIST",
		"cdr_location": map[string]any{"id": "LOC1", "name": "Stationsplein Utrecht", "address": "Stationsplein 1", "city": "Utrecht",
			"postal_code": "3511 ED", "country": "NLD", "coordinates": map[string]any{"latitude": "52.08950", "longitude": "5.11000"},
			"evse_uid": "EVSE1", "evse_id": "NL*CPO*E1*1", "connector_id": "1", "connector_standard": "IEC_62196_T2",
			"connector_format": "SOCKET", "connector_power_type": "AC_3_PHASE"},
		"currency": "EUR",
		"charging_periods": []any{map[string]any{"start_date_time": FormatDateTime(start),
			"dimensions": []any{map[string]any{"type": "ENERGY", "volume": kwh}}}},
		"total_cost":   map[string]any{"excl_vat": exclVAT, "incl_vat": exclVAT * 1.21},
		"total_energy": kwh, "total_time": 1.5,
		"last_updated": FormatDateTime(end),
	}
}

// cardSessions lists the sessions of a card of b.
func cardSessions(t *testing.T, b *platform, c *fc.Card) []fc.Session {
	t.Helper()
	ss, err := b.store.Sessions(context.Background(), fc.SessionScope{ProviderID: b.provider.ID, CardSide: fc.Everything, StationSide: fc.Everything},
		fc.SessionFilter{CardID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestCDRReceiver: A's CDR of B's card becomes one public session at B,
// once; the same CDR again is acknowledged, the same ID with other content
// refused; a CDR of a token B does not have is 2004, an invalid one 2001
// naming the field.
func TestCDRReceiver(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		card := b.card("BETA-0001")
		bAtA, _ := connect(t, a, b)
		receiver := bAtA.EndpointURL(ModuleCDRs, RoleReceiver)
		if receiver != b.http.URL+emspCDRsPath {
			t.Fatalf("B's CDRs receiver %q", receiver)
		}
		auth := AuthorizationHeader(bAtA.OutgoingToken)
		start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		cdr := aCDR("CDR-0001", card.InternalID, start, 12.345, 4.32)

		got := call(t, http.MethodPost, receiver, auth, cdr)
		got.want(t, "first POST", http.StatusCreated, StatusSuccess)
		if got.Header.Get("Location") != receiver+"/CDR-0001" {
			t.Errorf("Location %q", got.Header.Get("Location"))
		}
		ss := cardSessions(t, b, card)
		if len(ss) != 1 {
			t.Fatalf("sessions of the card: %+v", ss)
		}
		s := ss[0]
		if s.ExternalRef != "CDR-0001" || s.ExternalParty != "NL*CPO" || s.EnergyWh != 12345 || s.CostMinor != 432 || s.Currency != "EUR" ||
			s.LocationKind != fc.LocationPublic || s.LocationName != "Stationsplein Utrecht" || !s.StartedAt.Equal(start) ||
			s.StoppedAt == nil || !s.StoppedAt.Equal(start.Add(90*time.Minute)) || s.StationID != 0 || s.CardAccountID != b.account.ID {
			t.Errorf("session from the CDR: %+v", s)
		}

		call(t, http.MethodPost, receiver, auth, cdr).want(t, "the same CDR again", http.StatusOK, StatusSuccess)
		if ss := cardSessions(t, b, card); len(ss) != 1 {
			t.Errorf("sessions after the CDR came twice: %d", len(ss))
		}

		changed := aCDR("CDR-0001", card.InternalID, start, 20, 7)
		got = call(t, http.MethodPost, receiver, auth, changed)
		if got.Env.StatusCode < 2000 || got.Env.StatusCode >= 3000 {
			t.Errorf("the same ID with other content: HTTP %d, %s", got.HTTP, got.Raw)
		}
		if ss := cardSessions(t, b, card); len(ss) != 1 || ss[0].EnergyWh != 12345 {
			t.Errorf("sessions after a changed CDR: %+v", ss)
		}

		unknown := aCDR("CDR-0002", "NO-SUCH-CARD", start, 1, 1)
		call(t, http.MethodPost, receiver, auth, unknown).want(t, "unknown token", http.StatusOK, StatusUnknownToken)
		foreign := aCDR("CDR-0003", card.InternalID, start, 1, 1)
		foreign["cdr_token"].(map[string]any)["party_id"] = "XYZ"
		call(t, http.MethodPost, receiver, auth, foreign).want(t, "another party's token", http.StatusOK, StatusUnknownToken)

		for _, c := range []struct {
			name, field string
			change      func(m map[string]any)
		}{
			{"no total cost", "total_cost", func(m map[string]any) { delete(m, "total_cost") }},
			{"no coordinates", "cdr_location.coordinates", func(m map[string]any) { delete(m["cdr_location"].(map[string]any), "coordinates") }},
			{"bad auth method", "auth_method", func(m map[string]any) { m["auth_method"] = "MAGIC" }},
			{"end before start", "end_date_time", func(m map[string]any) { m["end_date_time"] = FormatDateTime(start.Add(-time.Hour)) }},
			{"negative energy", "total_energy", func(m map[string]any) { m["total_energy"] = -1 }},
			{"no charging periods", "charging_periods", func(m map[string]any) { m["charging_periods"] = []any{} }},
		} {
			m := aCDR("CDR-0004", card.InternalID, start, 1, 1)
			c.change(m)
			got := call(t, http.MethodPost, receiver, auth, m)
			got.want(t, c.name, http.StatusOK, StatusInvalidParameters)
			if !strings.Contains(got.Env.StatusMessage, c.field) {
				t.Errorf("%s: message %q does not name %s", c.name, got.Env.StatusMessage, c.field)
			}
		}
		if ss := cardSessions(t, b, card); len(ss) != 1 {
			t.Errorf("sessions after refused CDRs: %d", len(ss))
		}
		// A CDR with a token nobody has is refused at the transport.
		call(t, http.MethodPost, receiver, AuthorizationHeader(NewToken()), cdr).want(t, "CDR with a wrong token", http.StatusUnauthorized, StatusClientError)
	})
}

// TestCDRTwiceConcurrently: the same CDR posted by several requests at once
// becomes one session; every request is answered with success.
func TestCDRTwiceConcurrently(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		card := b.card("BETA-0001")
		bAtA, _ := connect(t, a, b)
		receiver := bAtA.EndpointURL(ModuleCDRs, RoleReceiver)
		auth := AuthorizationHeader(bAtA.OutgoingToken)
		start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
		for round := range 3 {
			cdr := aCDR("CDR-R"+string(rune('0'+round)), card.InternalID, start.Add(-time.Duration(round)*10*time.Hour), 10, 3)
			const n = 4
			answers := make([]answer, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					var err error
					if answers[i], err = tryCall(http.MethodPost, receiver, auth, cdr); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			created := 0
			for _, got := range answers {
				if got.Env.StatusCode != StatusSuccess {
					t.Errorf("round %d: HTTP %d, %s", round, got.HTTP, got.Raw)
				}
				if got.HTTP == http.StatusCreated {
					created++
				}
			}
			if created != 1 {
				t.Errorf("round %d: %d answers say created", round, created)
			}
			if ss := cardSessions(t, b, card); len(ss) != round+1 {
				t.Errorf("round %d: %d sessions", round, len(ss))
			}
		}
	})
}

// TestLongNamesCutWhole: names cut to what OCPI or the session holds are
// cut between characters: a CDR of a location with a long name in a
// multi-byte script is kept, and a provider's long name reaches partners
// as valid text.
func TestLongNamesCutWhole(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		card := b.card("BETA-0001")
		bAtA, _ := connect(t, a, b)
		if _, err := b.store.UpdateProvider(ctx, b.provider.ID, func(p *fc.Provider) error {
			p.Name = strings.Repeat("€", 60)
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		cdr := aCDR("CDR-LONG", card.InternalID, time.Now().UTC().Add(-3*time.Hour).Truncate(time.Second), 1, 1)
		cdr["cdr_location"].(map[string]any)["name"] = strings.Repeat("€", 100)
		call(t, http.MethodPost, bAtA.EndpointURL(ModuleCDRs, RoleReceiver), AuthorizationHeader(bAtA.OutgoingToken), cdr).
			want(t, "CDR of a long name", http.StatusCreated, StatusSuccess)
		if ss := cardSessions(t, b, card); len(ss) != 1 || !strings.HasPrefix(strings.Repeat("€", 100), ss[0].LocationName) || len(ss[0].LocationName) < 150 {
			t.Errorf("sessions: %+v", ss)
		}

		auth := AuthorizationHeader(bAtA.OutgoingToken)
		for _, u := range []string{bAtA.EndpointURL(ModuleCredentials, RoleSender), bAtA.EndpointURL(ModuleTokens, RoleSender)} {
			got := call(t, http.MethodGet, u, auth, nil)
			got.want(t, u, http.StatusOK, StatusSuccess)
			if strings.Contains(got.Raw, "\ufffd") || strings.Contains(got.Raw, `\ufffd`) || !strings.Contains(got.Raw, strings.Repeat("€", 20)) {
				t.Errorf("%s: the name is not cut whole: %s", u, got.Raw)
			}
		}
	})
}
