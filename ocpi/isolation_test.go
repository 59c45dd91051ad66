package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestProvidersApartOnOnePlatform runs two providers on one store (one
// platform, two OCPI identities) and a partner registered with the first
// only. Whatever the partner does through its token, at either provider's
// address, reaches the first provider only: it lists the first's tokens,
// never the second's; its tokens admit no station of the second; its CDR
// of a card of the second is an unknown token and makes no session there;
// and the second provider's admins do not see the partner.
func TestProvidersApartOnOnePlatform(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine)
			first := newPlatform(t, s, "First Charging", "NL", "FST")
			second := newPlatform(t, s, "Second Charging", "NL", "SND")
			partner := newPlatform(t, storetest.Open(t, engine), "Partner Mobility", "DE", "PRT")
			ours := first.card("FIRST-0001")
			theirs := second.card("SECOND-0001")
			pAtFirst, firstAtP := connect(t, first, partner)
			auth := AuthorizationHeader(firstAtP.OutgoingToken)
			ctx := context.Background()

			// The token list, asked at either provider's address.
			for _, base := range []string{first.http.URL, second.http.URL} {
				got := call(t, http.MethodGet, base+emspTokensPath, auth, nil)
				got.want(t, "tokens list", http.StatusOK, StatusSuccess)
				var tokens []Token
				if err := json.Unmarshal(got.Env.Data, &tokens); err != nil {
					t.Fatal(err)
				}
				if len(tokens) != 1 || tokens[0].UID != ours.InternalID || tokens[0].CountryCode != "NL" || tokens[0].PartyID != "FST" {
					t.Errorf("tokens the partner lists at %s: %+v", base, tokens)
				}
				call(t, http.MethodPost, base+emspTokensPath+"/"+theirs.InternalID+"/authorize", auth, map[string]any{}).
					want(t, "authorizing the second provider's card", http.StatusNotFound, StatusUnknownToken)
			}

			// A token the partner pushes belongs to the first provider only.
			tok := map[string]any{"country_code": "DE", "party_id": "PRT", "uid": "PRT-TOKEN-1", "type": "RFID",
				"contract_id": "DE-PRT-C00001", "issuer": "Partner Mobility", "valid": true, "whitelist": "ALWAYS",
				"last_updated": FormatDateTime(time.Now().UTC())}
			call(t, http.MethodPut, second.http.URL+cpoTokensPath+"/DE/PRT/PRT-TOKEN-1", auth, tok).
				want(t, "pushing a token", http.StatusOK, StatusSuccess)
			if _, err := s.OCPITokenByUID(ctx, first.provider.ID, "PRT-TOKEN-1"); err != nil {
				t.Errorf("the first provider does not hold the partner's token: %v", err)
			}
			if got, err := s.OCPITokenByUID(ctx, second.provider.ID, "PRT-TOKEN-1"); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("the second provider holds the partner's token: %+v, %v", got, err)
			}

			// A CDR of the second provider's card is an unknown token.
			start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
			cdr := aCDR("CDR-X-1", theirs.InternalID, start, 10, 3)
			cdr["country_code"], cdr["party_id"] = "DE", "PRT"
			cdr["cdr_token"] = map[string]any{"country_code": "NL", "party_id": "SND", "uid": theirs.InternalID, "type": "RFID", "contract_id": "NL-SND-C1"}
			call(t, http.MethodPost, second.http.URL+emspCDRsPath, auth, cdr).
				want(t, "a CDR of the second provider's card", http.StatusOK, StatusUnknownToken)
			if ss := cardSessions(t, second, theirs); len(ss) != 0 {
				t.Errorf("the second provider's card has sessions: %+v", ss)
			}

			// The second provider's admins do not see the partner.
			if list, err := s.OCPIPartners(ctx, second.provider.ID); err != nil || len(list) != 0 {
				t.Errorf("the second provider's partners: %+v, %v", list, err)
			}
			if _, err := s.OCPIPartner(ctx, second.provider.ID, pAtFirst.ID); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("the first provider's partner read as the second's: %v", err)
			}
			if _, err := s.OCPIExchanges(ctx, second.provider.ID, pAtFirst.ID, 10); !fc.IsCode(err, fc.ENotFound) {
				t.Errorf("the first provider's exchanges read as the second's: %v", err)
			}
		})
	}
}

// TestPartnerSpeaksForItsParties: a partner pushes tokens of the parties
// of its credentials only; a hub, which forwards every party's, any.
func TestPartnerSpeaksForItsParties(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		bAtA, aAtB := connect(t, a, b)
		target := aAtB.EndpointURL(ModuleTokens, RoleReceiver)
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		token := func(party string) map[string]any {
			return map[string]any{"country_code": "DE", "party_id": party, "uid": "UID-" + party, "type": "RFID",
				"contract_id": "DE-" + party + "-C00001", "issuer": "Someone", "valid": true, "whitelist": "ALWAYS",
				"last_updated": FormatDateTime(time.Now().UTC())}
		}
		call(t, http.MethodPut, target+"/DE/MSP/UID-MSP", auth, token("MSP")).want(t, "its own party's token", http.StatusOK, StatusSuccess)
		call(t, http.MethodPut, target+"/DE/OTH/UID-OTH", auth, token("OTH")).want(t, "another party's token", http.StatusOK, StatusClientError)
		if _, err := a.store.OCPITokenByUID(context.Background(), a.provider.ID, "UID-OTH"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("another party's token was kept: %v", err)
		}
		if _, err := a.store.UpdateOCPIPartner(context.Background(), a.provider.ID, bAtA.ID, "", "", func(p *fc.OCPIPartner) error {
			p.Roles = append(p.Roles, fc.OCPIRole{Role: fc.OCPIRoleHub, CountryCode: "DE", PartyID: "HUB"})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		call(t, http.MethodPut, target+"/DE/OTH/UID-OTH", auth, token("OTH")).want(t, "a token through a hub", http.StatusOK, StatusSuccess)
	})
}
