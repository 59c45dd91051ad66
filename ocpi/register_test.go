package ocpi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestRegistration: B registers with A with the token A that A issued. Both
// end connected with the other's roles and endpoints; token A is gone; the
// tokens each side now sends open the other's functional modules.
func TestRegistration(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		b.card("BETA-0001")
		tokenA := NewToken()
		pending := a.pending("Beta", tokenA)

		// Token A opens versions and credentials only, before registration.
		call(t, http.MethodGet, a.server.VersionsURL(), AuthorizationHeader(tokenA), nil).want(t, "versions with token A", http.StatusOK, StatusSuccess)
		call(t, http.MethodGet, a.http.URL+emspTokensPath, AuthorizationHeader(tokenA), nil).want(t, "tokens with token A", http.StatusUnauthorized, StatusClientError)

		aAtB, err := b.server.Register(ctx, b.provider.ID, "Alpha", a.server.VersionsURL(), tokenA)
		if err != nil {
			t.Fatalf("register: %v", err)
		}
		bAtA := a.partner(pending.ID)

		for _, c := range []struct {
			side          string
			p             *fc.OCPIPartner
			them          *platform
			country, prty string
		}{
			{"A's record of B", bAtA, b, "DE", "MSP"},
			{"B's record of A", aAtB, a, "NL", "CPO"},
		} {
			if c.p.Status != fc.PartnerConnected || c.p.Version != fc.OCPIVersion || c.p.OutgoingToken == "" ||
				c.p.VersionsURL != c.them.server.VersionsURL() {
				t.Errorf("%s: %+v", c.side, c.p)
			}
			var roles []string
			for _, r := range c.p.Roles {
				if r.CountryCode != c.country || r.PartyID != c.prty || r.Name != c.them.provider.Name {
					t.Errorf("%s: role %+v", c.side, r)
				}
				roles = append(roles, r.Role)
			}
			slices.Sort(roles)
			if !slices.Equal(roles, []string{fc.OCPIRoleCPO, fc.OCPIRoleEMSP}) {
				t.Errorf("%s: roles %v", c.side, roles)
			}
			for _, e := range c.them.server.endpoints() {
				if got := c.p.EndpointURL(e.Identifier, e.Role); got != e.URL {
					t.Errorf("%s: endpoint %s %s = %q, want %q", c.side, e.Identifier, e.Role, got, e.URL)
				}
			}
		}
		if aAtB.ID == 0 || b.partner(aAtB.ID).OutgoingToken != aAtB.OutgoingToken {
			t.Errorf("B's record of A is not stored: %+v", aAtB)
		}
		if bAtA.OutgoingToken == aAtB.OutgoingToken || bAtA.OutgoingToken == tokenA || aAtB.OutgoingToken == tokenA {
			t.Error("the two sides send the same token, or token A")
		}

		// Token A is gone, answered with the envelope.
		for _, u := range []string{a.server.VersionsURL(), a.http.URL + credentialsPath} {
			call(t, http.MethodGet, u, AuthorizationHeader(tokenA), nil).want(t, "token A after registration", http.StatusUnauthorized, StatusClientError)
		}
		call(t, http.MethodPost, a.http.URL+credentialsPath, AuthorizationHeader(tokenA), `{}`).want(t, "POST with token A again", http.StatusUnauthorized, StatusClientError)

		// B reads A with token C: credentials (our token back), and A's
		// tokens receiver (an unknown token: 404 2004, past the auth).
		got := call(t, http.MethodGet, aAtB.EndpointURL(ModuleCredentials, RoleSender), AuthorizationHeader(aAtB.OutgoingToken), nil)
		got.want(t, "A's credentials with token C", http.StatusOK, StatusSuccess)
		var creds Credentials
		if err := json.Unmarshal(got.Env.Data, &creds); err != nil || creds.Token != aAtB.OutgoingToken || creds.URL != a.server.VersionsURL() {
			t.Errorf("A's credentials: %s (%v)", got.Env.Data, err)
		}
		call(t, http.MethodGet, aAtB.EndpointURL(ModuleTokens, RoleReceiver)+"/DE/MSP/NOPE", AuthorizationHeader(aAtB.OutgoingToken), nil).
			want(t, "A's tokens receiver with token C", http.StatusNotFound, StatusUnknownToken)

		// A lists B's tokens with the token B gave: B's card is there.
		var uids []string
		cl := a.server.clientFor(ctx, bAtA, bAtA.OutgoingToken)
		if err := cl.GetAll(ctx, ModuleTokens, bAtA.EndpointURL(ModuleTokens, RoleSender), func(raw json.RawMessage) error {
			var tok Token
			if err := json.Unmarshal(raw, &tok); err != nil {
				return err
			}
			uids = append(uids, tok.UID)
			return nil
		}); err != nil {
			t.Fatalf("A lists B's tokens: %v", err)
		}
		if !slices.Equal(uids, []string{"BETA-0001"}) {
			t.Errorf("B's tokens as A lists them: %v", uids)
		}

		// Registering twice with POST is refused; the token C keeps working.
		call(t, http.MethodPost, aAtB.EndpointURL(ModuleCredentials, RoleReceiver), AuthorizationHeader(aAtB.OutgoingToken), `{}`).
			want(t, "POST credentials once registered", http.StatusMethodNotAllowed, StatusClientError)
	})
}

// TestRegistrationFailure: a registration with a wrong token A leaves
// nothing behind at either side.
func TestRegistrationFailure(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		a.pending("Beta", NewToken())
		if _, err := b.server.Register(ctx, b.provider.ID, "Alpha", a.server.VersionsURL(), NewToken()); !fc.IsCode(err, fc.EUnprocessable) {
			t.Fatalf("register with a wrong token A: %v", err)
		}
		if ps, err := b.store.OCPIPartners(ctx, b.provider.ID); err != nil || len(ps) != 0 {
			t.Errorf("B's partners after a failed registration: %+v %v", ps, err)
		}
		if ps, err := a.store.OCPIPartners(ctx, a.provider.ID); err != nil || len(ps) != 1 || ps[0].Status != fc.PartnerPending {
			t.Errorf("A's partners after a failed registration: %+v %v", ps, err)
		}
	})
}

// TestUnregister: either side ends the registration; the other removes its
// record of it, and the token it used stops working.
func TestUnregister(t *testing.T) {
	for _, who := range []string{"B unregisters", "A unregisters"} {
		t.Run(who, func(t *testing.T) {
			twoPlatforms(t, func(t *testing.T, a, b *platform) {
				ctx := context.Background()
				bAtA, aAtB := connect(t, a, b)
				leaving, staying, record, there := b, a, aAtB, bAtA
				if who == "A unregisters" {
					leaving, staying, record, there = a, b, bAtA, aAtB
				}
				// The token the leaving side used works before.
				module := staying.http.URL + credentialsPath
				call(t, http.MethodGet, module, AuthorizationHeader(record.OutgoingToken), nil).want(t, "before", http.StatusOK, StatusSuccess)

				if err := leaving.server.Unregister(ctx, record); err != nil {
					t.Fatalf("unregister: %v", err)
				}
				if _, err := staying.store.OCPIPartner(ctx, staying.provider.ID, there.ID); !fc.IsCode(err, fc.ENotFound) {
					t.Errorf("the other side's record after unregistration: %v", err)
				}
				call(t, http.MethodGet, module, AuthorizationHeader(record.OutgoingToken), nil).want(t, "credentials after", http.StatusUnauthorized, StatusClientError)
				call(t, http.MethodGet, staying.http.URL+emspTokensPath, AuthorizationHeader(record.OutgoingToken), nil).want(t, "tokens after", http.StatusUnauthorized, StatusClientError)
				// Unregistering again fails: the partner no longer knows us.
				if err := leaving.server.Unregister(ctx, record); err == nil {
					t.Error("a second unregistration succeeded")
				}
			})
		})
	}
}

// TestCredentialsUpdate: a registered partner renews its credentials with
// PUT: the new token it gives is the one we send from then on, the token
// we answer replaces the one it had, which stops working. Unregistered
// partners cannot PUT, nor DELETE with token A.
func TestCredentialsUpdate(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		bAtA, aAtB := connect(t, a, b)
		creds := aAtB.EndpointURL(ModuleCredentials, RoleReceiver)
		oldC := aAtB.OutgoingToken

		// B renews: it accepts a new token from A first, then tells A.
		newB := NewToken()
		if _, err := b.store.UpdateOCPIPartner(ctx, b.provider.ID, aAtB.ID, TokenHash(newB), fc.OCPITokenC, func(*fc.OCPIPartner) error { return nil }); err != nil {
			t.Fatal(err)
		}
		ours, err := b.server.ourCredentials(ctx, b.provider.ID, newB)
		if err != nil {
			t.Fatal(err)
		}
		got := call(t, http.MethodPut, creds, AuthorizationHeader(oldC), ours)
		got.want(t, "PUT credentials", http.StatusOK, StatusSuccess)
		var theirs Credentials
		if err := json.Unmarshal(got.Env.Data, &theirs); err != nil || theirs.Token == "" || theirs.Token == oldC || theirs.URL != a.server.VersionsURL() {
			t.Fatalf("A's renewed credentials: %s (%v)", got.Env.Data, err)
		}
		if p := a.partner(bAtA.ID); p.OutgoingToken != newB || p.Status != fc.PartnerConnected {
			t.Errorf("A's record of B after the renewal: status %s, sends the new token: %v", p.Status, p.OutgoingToken == newB)
		}
		call(t, http.MethodGet, creds, AuthorizationHeader(oldC), nil).want(t, "the old token C", http.StatusUnauthorized, StatusClientError)
		call(t, http.MethodGet, a.http.URL+emspTokensPath, AuthorizationHeader(theirs.Token), nil).want(t, "the new token C", http.StatusOK, StatusSuccess)

		// A renewal whose versions cannot be read with the given token
		// fails and changes nothing.
		ours.Token = NewToken()
		got = call(t, http.MethodPut, creds, AuthorizationHeader(theirs.Token), ours)
		if got.Env.StatusCode != StatusClientAPIError {
			t.Errorf("PUT with a token B does not accept: HTTP %d, %s", got.HTTP, got.Raw)
		}
		call(t, http.MethodGet, creds, AuthorizationHeader(theirs.Token), nil).want(t, "token C after a failed renewal", http.StatusOK, StatusSuccess)
		if p := a.partner(bAtA.ID); p.OutgoingToken != newB {
			t.Error("a failed renewal changed the token A sends")
		}

		// Invalid credentials: 2001 naming the field.
		got = call(t, http.MethodPut, creds, AuthorizationHeader(theirs.Token), map[string]any{"token": NewToken(), "url": "not a url", "roles": []any{}})
		got.want(t, "invalid credentials", http.StatusOK, StatusInvalidParameters)
		if !strings.Contains(got.Env.StatusMessage, "url") {
			t.Errorf("invalid credentials: %q", got.Env.StatusMessage)
		}

		// A pending partner can neither PUT nor DELETE.
		tokenA := NewToken()
		a.pending("Gamma", tokenA)
		call(t, http.MethodPut, creds, AuthorizationHeader(tokenA), ours).want(t, "PUT with token A", http.StatusMethodNotAllowed, StatusClientError)
		call(t, http.MethodDelete, creds, AuthorizationHeader(tokenA), nil).want(t, "DELETE with token A", http.StatusMethodNotAllowed, StatusClientError)
		if ps, _ := a.store.OCPIPartners(ctx, a.provider.ID); len(ps) != 2 {
			t.Errorf("A's partners: %d", len(ps))
		}
	})
}

// TestExchangesRecorded: the server keeps the exchanges with a partner,
// refusals with their OCPI status, for provider admins to see.
func TestExchangesRecorded(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		bAtA, aAtB := connect(t, a, b)
		m := bToken("UID1", true, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
		delete(m, "issuer")
		call(t, http.MethodPut, aAtB.EndpointURL(ModuleTokens, RoleReceiver)+"/DE/MSP/UID1", AuthorizationHeader(aAtB.OutgoingToken), m).
			want(t, "PUT without issuer", http.StatusOK, StatusInvalidParameters)
		xs, err := a.store.OCPIExchanges(ctx, a.provider.ID, bAtA.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, x := range xs {
			if x.Module == ModuleTokens && x.Direction == "in" && x.Method == http.MethodPut {
				found = true
				if x.OK || x.HTTPStatus != http.StatusOK || x.OCPIStatus != StatusInvalidParameters || !strings.Contains(x.Error, "issuer") {
					t.Errorf("the refused PUT as recorded: %+v", x)
				}
			}
			if strings.Contains(x.Request+x.Response+x.Error, aAtB.OutgoingToken) || strings.Contains(x.Request+x.Response+x.Error, bAtA.OutgoingToken) {
				t.Errorf("a token in an exchange: %+v", x)
			}
		}
		if !found {
			t.Errorf("the refused PUT was not recorded: %+v", xs)
		}
	})
}
