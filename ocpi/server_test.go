package ocpi

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
)

// TestAuth: a request is let in by its partner's token, Base64 or raw;
// without one, with a wrong one, with token A outside the configuration
// modules, or from a suspended partner it gets 401 with the envelope (2000).
// The request and correlation IDs are answered back either way.
func TestAuth(t *testing.T) {
	twoPlatforms(t, func(t *testing.T, a, b *platform) {
		ctx := context.Background()
		bAtA, aAtB := connect(t, a, b)
		tokenC := aAtB.OutgoingToken
		tokenA := NewToken()
		a.pending("Gamma", tokenA)
		list := a.http.URL + emspTokensPath
		creds := a.http.URL + credentialsPath

		for _, c := range []struct {
			name, url, auth string
			http            int
		}{
			{"no header", list, "", http.StatusUnauthorized},
			{"not a Token header", list, "Bearer " + tokenC, http.StatusUnauthorized},
			{"wrong token", list, AuthorizationHeader(NewToken()), http.StatusUnauthorized},
			{"empty token", list, "Token ", http.StatusUnauthorized},
			{"Base64 of the token", list, AuthorizationHeader(tokenC), http.StatusOK},
			{"the token raw", list, "Token " + tokenC, http.StatusOK},
			{"Base64 with a line break", list, "Token " + base64.StdEncoding.EncodeToString([]byte(tokenC+"\n")), http.StatusOK},
			{"lower-case scheme", list, "token " + tokenC, http.StatusOK},
			{"the other side's token", list, AuthorizationHeader(bAtA.OutgoingToken), http.StatusUnauthorized},
			{"token A on versions", a.server.VersionsURL(), AuthorizationHeader(tokenA), http.StatusOK},
			{"token A on credentials", creds, AuthorizationHeader(tokenA), http.StatusOK},
			{"token A on tokens", list, AuthorizationHeader(tokenA), http.StatusUnauthorized},
			{"token A on a token receiver", a.http.URL + cpoTokensPath + "/DE/MSP/X", AuthorizationHeader(tokenA), http.StatusUnauthorized},
			{"token A on CDRs", a.http.URL + emspCDRsPath + "/1", AuthorizationHeader(tokenA), http.StatusUnauthorized},
		} {
			got := call(t, http.MethodGet, c.url, c.auth, nil, HeaderRequestID, "req-"+c.name, HeaderCorrelationID, "corr-"+c.name)
			want := StatusSuccess
			if c.http == http.StatusUnauthorized {
				want = StatusClientError
			}
			got.want(t, c.name, c.http, want)
			if got.Header.Get(HeaderRequestID) != "req-"+c.name || got.Header.Get(HeaderCorrelationID) != "corr-"+c.name {
				t.Errorf("%s: request and correlation IDs answered %q, %q", c.name, got.Header.Get(HeaderRequestID), got.Header.Get(HeaderCorrelationID))
			}
		}

		// IDs are made when the request has none; routing headers are
		// answered swapped on functional modules.
		got := call(t, http.MethodGet, list, AuthorizationHeader(tokenC), nil,
			HeaderFromCountryCode, "DE", HeaderFromPartyID, "MSP", HeaderToCountryCode, "NL", HeaderToPartyID, "CPO")
		got.want(t, "routed request", http.StatusOK, StatusSuccess)
		if got.Header.Get(HeaderRequestID) == "" || got.Header.Get(HeaderCorrelationID) == "" {
			t.Errorf("no request IDs made: %v", got.Header)
		}
		if r := RoutingOf(got.Header); r.From != (Party{"NL", "CPO"}) || r.To != (Party{"DE", "MSP"}) {
			t.Errorf("answered routing %+v", r)
		}
		got = call(t, http.MethodGet, creds, AuthorizationHeader(tokenC), nil, HeaderFromCountryCode, "DE", HeaderFromPartyID, "MSP")
		if got.Header.Get(HeaderToCountryCode) != "" || got.Header.Get(HeaderFromCountryCode) != "" {
			t.Errorf("routing headers on credentials: %v", got.Header)
		}

		// A suspended partner is refused everywhere, credentials included;
		// resumed, it is let in again.
		suspend := func(status string) {
			t.Helper()
			if _, err := a.store.UpdateOCPIPartner(ctx, a.provider.ID, bAtA.ID, "", "", func(p *fc.OCPIPartner) error {
				p.Status = status
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		suspend(fc.PartnerSuspended)
		for _, u := range []string{list, creds, a.server.VersionsURL()} {
			got := call(t, http.MethodGet, u, AuthorizationHeader(tokenC), nil, HeaderRequestID, "suspended")
			got.want(t, "suspended partner at "+u, http.StatusUnauthorized, StatusClientError)
			if got.Header.Get(HeaderRequestID) != "suspended" {
				t.Errorf("suspended: request ID answered %q", got.Header.Get(HeaderRequestID))
			}
		}
		suspend(fc.PartnerConnected)
		call(t, http.MethodGet, list, AuthorizationHeader(tokenC), nil).want(t, "resumed partner", http.StatusOK, StatusSuccess)

		// No such endpoint: 404 with the envelope.
		call(t, http.MethodGet, a.http.URL+"/ocpi/2.2.1/nothing", AuthorizationHeader(tokenC), nil).want(t, "unknown endpoint", http.StatusNotFound, StatusClientError)
	})
}
