package ocpi

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestTokenPush: B's cards reach A through B's outbox once registered, as
// valid tokens while active; a card blocked at B becomes invalid at A.
func TestTokenPush(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		cards := []*fc.Card{b.card("BETA-0001"), b.card("BETA-0002"), b.card("BETA-0003")}
		b.setCard(cards[2], fc.CardInactive)
		b.run()
		bAtA, aAtB := connect(t, a, b)

		for _, c := range cards {
			eventually(t, "token "+c.InternalID+" at A", func() bool {
				_, err := receivedToken(a, bAtA, b, c.InternalID)
				return err == nil
			})
			tok, err := receivedToken(a, bAtA, b, c.InternalID)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Valid != (c.InternalID != "BETA-0003") || tok.VisualNumber != c.ExternalID || tok.ContractID != "DE-MSP-CBETA"+strings.TrimPrefix(c.InternalID, "BETA-") ||
				tok.Issuer != b.provider.Name || tok.Whitelist != "ALLOWED" || tok.Type != "RFID" {
				t.Errorf("token %s at A: %+v", c.InternalID, tok)
			}
		}
		// The card blocked at B; then a new card.
		b.setCard(cards[0], fc.CardInactive)
		fresh := b.card("BETA-0004")
		eventually(t, "the blocked card at A", func() bool {
			tok, err := receivedToken(a, bAtA, b, cards[0].InternalID)
			return err == nil && !tok.Valid
		})
		eventually(t, "the new card at A", func() bool {
			tok, err := receivedToken(a, bAtA, b, fresh.InternalID)
			return err == nil && tok.Valid
		})
		// A card whose internal ID changes: the old UID is invalid at A, the
		// new one valid; a deleted card's UID is invalid.
		if _, err := b.store.UpdateCard(ctx, fc.ProviderScope(b.provider.ID), cards[1].ID, func(c *fc.Card) error {
			c.InternalID = "BETA-0002B"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := b.store.DeleteCard(ctx, fc.ProviderScope(b.provider.ID), fresh.ID); err != nil {
			t.Fatal(err)
		}
		for uid, valid := range map[string]bool{"BETA-0002": false, "BETA-0002B": true, fresh.InternalID: false} {
			eventually(t, "token "+uid+" at A", func() bool {
				tok, err := receivedToken(a, bAtA, b, uid)
				return err == nil && tok.Valid == valid
			})
		}
		// A holds the token before B hears the answer and removes the
		// message: the outbox empties just after.
		eventually(t, "B's outbox empty once delivered", func() bool {
			ms, err := b.store.OCPIOutbox(ctx, b.provider.ID, aAtB.ID, 10)
			return err == nil && len(ms) == 0
		})
		// A's roaming authorization sees the token as A holds it.
		if tok, err := a.store.OCPITokenByUID(ctx, a.provider.ID, cards[0].InternalID); err != nil || tok.Valid {
			t.Errorf("A's lookup of the blocked card: %+v %v", tok, err)
		}
	})
}

// bToken is a valid token of B's party as a map, to be changed by a
// test.
func bToken(uid string, valid bool, updated time.Time) map[string]any {
	return map[string]any{"country_code": "DE", "party_id": "MSP", "uid": uid, "type": "RFID", "contract_id": "DE-MSP-C" + uid,
		"visual_number": "V-" + uid, "issuer": "Beta Mobility", "valid": valid, "whitelist": "ALLOWED", "language": "de",
		"last_updated": FormatDateTime(updated)}
}

// TestTokenReceiver: A's receiver stores B's tokens put to it, refuses
// invalid ones naming the field, patches them (last_updated required), and
// answers 404 with 2004 for a token it does not hold.
func TestTokenReceiver(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		bAtA, aAtB := connect(t, a, b)
		auth := AuthorizationHeader(aAtB.OutgoingToken)
		base := aAtB.EndpointURL(ModuleTokens, RoleReceiver)
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

		call(t, http.MethodPut, base+"/DE/MSP/UID1", auth, bToken("UID1", true, at)).want(t, "PUT", http.StatusOK, StatusSuccess)
		tok, err := receivedToken(a, bAtA, b, "UID1")
		if err != nil || !tok.Valid || tok.ContractID != "DE-MSP-CUID1" || tok.VisualNumber != "V-UID1" || !tok.LastUpdated.Equal(at) {
			t.Fatalf("stored token: %+v %v", tok, err)
		}
		got := call(t, http.MethodGet, base+"/DE/MSP/UID1", auth, nil)
		got.want(t, "GET", http.StatusOK, StatusSuccess)
		var back Token
		if err := json.Unmarshal(got.Env.Data, &back); err != nil || back.UID != "UID1" || back.Valid == nil || !*back.Valid {
			t.Errorf("GET answered %s (%v)", got.Env.Data, err)
		}

		for _, c := range []struct {
			name, path, field string
			change            func(m map[string]any)
		}{
			{"missing issuer", "/DE/MSP/UID2", "issuer", func(m map[string]any) { delete(m, "issuer") }},
			{"missing valid", "/DE/MSP/UID2", "valid", func(m map[string]any) { delete(m, "valid") }},
			{"bad whitelist", "/DE/MSP/UID2", "whitelist", func(m map[string]any) { m["whitelist"] = "SOMETIMES" }},
			{"bad type", "/DE/MSP/UID2", "type", func(m map[string]any) { m["type"] = "BADGE" }},
			{"uid not the URL's", "/DE/MSP/OTHER", "uid", func(m map[string]any) {}},
			{"party not the URL's", "/DE/XYZ/UID2", "party_id", func(m map[string]any) {}},
			{"type not the URL's", "/DE/MSP/UID2?type=APP_USER", "type", func(m map[string]any) {}},
			{"uid too long", "/DE/MSP/" + strings.Repeat("U", 37), "uid", func(m map[string]any) { m["uid"] = strings.Repeat("U", 37) }},
		} {
			m := bToken("UID2", true, at)
			c.change(m)
			got := call(t, http.MethodPut, base+c.path, auth, m)
			got.want(t, c.name, http.StatusOK, StatusInvalidParameters)
			if !strings.Contains(got.Env.StatusMessage, c.field) {
				t.Errorf("%s: message %q does not name %s", c.name, got.Env.StatusMessage, c.field)
			}
		}
		if _, err := receivedToken(a, bAtA, b, "UID2"); !fc.IsCode(err, fc.ENotFound) {
			t.Errorf("a refused token was stored: %v", err)
		}
		got = call(t, http.MethodPut, base+"/DE/MSP/UID2", auth, `{"uid": `)
		if got.HTTP != http.StatusBadRequest || got.Env.StatusCode != StatusInvalidParameters {
			t.Errorf("PUT of broken JSON: HTTP %d, %d", got.HTTP, got.Env.StatusCode)
		}
		// Another type, named in the URL.
		app := bToken("UID1", false, at)
		app["type"] = "APP_USER"
		call(t, http.MethodPut, base+"/DE/MSP/UID1?type=APP_USER", auth, app).want(t, "PUT an app user", http.StatusOK, StatusSuccess)
		if tok, err := a.store.OCPIToken(ctx, bAtA.ID, "DE", "MSP", "UID1", "APP_USER"); err != nil || tok.Valid {
			t.Errorf("app user token: %+v %v", tok, err)
		}
		if tok, err := receivedToken(a, bAtA, b, "UID1"); err != nil || !tok.Valid {
			t.Errorf("the RFID token after the app user's PUT: %+v %v", tok, err)
		}

		// PATCH: last_updated required; then valid changes, the rest stays.
		got = call(t, http.MethodPatch, base+"/DE/MSP/UID1", auth, map[string]any{"valid": false})
		got.want(t, "PATCH without last_updated", http.StatusOK, StatusInvalidParameters)
		if !strings.Contains(got.Env.StatusMessage, "last_updated") {
			t.Errorf("PATCH without last_updated: %q", got.Env.StatusMessage)
		}
		later := at.Add(time.Hour)
		call(t, http.MethodPatch, base+"/DE/MSP/UID1", auth, map[string]any{"valid": false, "last_updated": FormatDateTime(later)}).
			want(t, "PATCH valid", http.StatusOK, StatusSuccess)
		tok, err = receivedToken(a, bAtA, b, "UID1")
		if err != nil || tok.Valid || !tok.LastUpdated.Equal(later) || tok.VisualNumber != "V-UID1" || tok.Language != "de" {
			t.Errorf("patched token: %+v %v", tok, err)
		}
		got = call(t, http.MethodPatch, base+"/DE/MSP/UID1", auth, map[string]any{"whitelist": "MAYBE", "last_updated": FormatDateTime(later)})
		got.want(t, "PATCH to an invalid token", http.StatusOK, StatusInvalidParameters)
		got = call(t, http.MethodPatch, base+"/DE/MSP/UID1", auth, map[string]any{"uid": "UID9", "last_updated": FormatDateTime(later)})
		got.want(t, "PATCH of the uid", http.StatusOK, StatusInvalidParameters)
		if tok, err := receivedToken(a, bAtA, b, "UID1"); err != nil || tok.Whitelist != "ALLOWED" {
			t.Errorf("token after refused patches: %+v %v", tok, err)
		}
		call(t, http.MethodPatch, base+"/DE/MSP/NOPE", auth, map[string]any{"valid": true, "last_updated": FormatDateTime(later)}).
			want(t, "PATCH of an unknown token", http.StatusNotFound, StatusUnknownToken)
		call(t, http.MethodGet, base+"/DE/MSP/NOPE", auth, nil).want(t, "GET of an unknown token", http.StatusNotFound, StatusUnknownToken)
		// Tokens are the partner's own: another partner of A sees none.
		_, cAtA := connectThird(t, a)
		call(t, http.MethodGet, base+"/DE/MSP/UID1", AuthorizationHeader(cAtA), nil).want(t, "another partner's GET", http.StatusNotFound, StatusUnknownToken)
	})
}

// connectThird registers a third platform, on A's store under a provider
// of its own, with A; it returns the platform and the token it sends A.
func connectThird(t *testing.T, a *platform) (*platform, string) {
	t.Helper()
	c := newPlatform(t, a.store, "Gamma Roaming", "BE", "GAM")
	_, aAtC := connect(t, a, c)
	return c, aAtC.OutgoingToken
}

// TestTokenList: B's sender interface pages its cards as tokens with the
// pagination headers; the client follows the links to the end.
func TestTokenList(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		want := map[string]bool{}
		for i := range 7 {
			c := b.card(fmt.Sprintf("BETA-%04d", i))
			want[c.InternalID] = i != 4
			if i == 4 {
				b.setCard(c, fc.CardInactive)
			}
		}
		bAtA, _ := connect(t, a, b)
		list := bAtA.EndpointURL(ModuleTokens, RoleSender)
		auth := AuthorizationHeader(bAtA.OutgoingToken)

		got := call(t, http.MethodGet, list+"?limit=3", auth, nil)
		got.want(t, "first page", http.StatusOK, StatusSuccess)
		var page []Token
		if err := json.Unmarshal(got.Env.Data, &page); err != nil || len(page) != 3 {
			t.Fatalf("first page: %s (%v)", got.Env.Data, err)
		}
		if got.Header.Get(HeaderTotalCount) != "7" || got.Header.Get(HeaderLimit) != "3" {
			t.Errorf("page headers: %v", got.Header)
		}
		next := NextLink(got.Header.Get(HeaderLink))
		if !strings.HasPrefix(next, b.http.URL+emspTokensPath+"?") || !strings.Contains(next, "offset=3") {
			t.Errorf("next link %q", got.Header.Get(HeaderLink))
		}
		last := call(t, http.MethodGet, list+"?limit=3&offset=6", auth, nil)
		if last.Header.Get(HeaderLink) != "" || last.Header.Get(HeaderTotalCount) != "7" {
			t.Errorf("last page headers: %v", last.Header)
		}
		call(t, http.MethodGet, list+"?limit=0", auth, nil).want(t, "limit 0", http.StatusOK, StatusInvalidParameters)
		if got := call(t, http.MethodGet, list+"?limit=5000", auth, nil); got.Header.Get(HeaderLimit) != strconv.Itoa(MaxLimit) {
			t.Errorf("X-Limit of a limit above the most: %q", got.Header.Get(HeaderLimit))
		}

		gotTokens := map[string]bool{}
		pages := 0
		cl := a.server.clientFor(ctx, bAtA, bAtA.OutgoingToken)
		cl.OnExchange = func(fc.OCPIExchange) { pages++ }
		if err := cl.GetAll(ctx, ModuleTokens, list+"?limit=2", func(raw json.RawMessage) error {
			var tok Token
			if err := json.Unmarshal(raw, &tok); err != nil {
				return err
			}
			if fe := tok.Validate(); len(fe) > 0 {
				t.Errorf("listed token %s is invalid: %v", tok.UID, fe)
			}
			if _, dup := gotTokens[tok.UID]; dup {
				t.Errorf("token %s listed twice", tok.UID)
			}
			gotTokens[tok.UID] = *tok.Valid
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(gotTokens, want) || pages != 4 {
			t.Errorf("all tokens in %d pages: %v, want %v", pages, gotTokens, want)
		}

		// Real-time authorization of B's cards.
		authz := func(uid string) (int, string) {
			got := call(t, http.MethodPost, list+"/"+uid+"/authorize", auth, `{"location_id": "LOC1"}`)
			var info AuthorizationInfo
			_ = json.Unmarshal(got.Env.Data, &info)
			if got.Env.StatusCode == StatusSuccess {
				if fe := info.Validate(); len(fe) > 0 || info.Location == nil || info.Location.LocationID != "LOC1" {
					t.Errorf("authorization of %s: %s %v", uid, got.Env.Data, fe)
				}
			}
			return got.Env.StatusCode, info.Allowed
		}
		if code, allowed := authz("BETA-0001"); code != StatusSuccess || allowed != "ALLOWED" {
			t.Errorf("active card: %d %s", code, allowed)
		}
		if code, allowed := authz("BETA-0004"); code != StatusSuccess || allowed != "BLOCKED" {
			t.Errorf("blocked card: %d %s", code, allowed)
		}
		if code, _ := authz("NOPE"); code != StatusUnknownToken {
			t.Errorf("unknown card: %d", code)
		}
	})
}
