package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// platform is one running fleetcharge with a provider, its admin's API
// token and its OCPI identity.
type platform struct {
	m        *Main
	base     string
	token    string
	provider *fc.Provider
	ctx      context.Context
}

func newPlatform(t *testing.T, engine, name, country, party string) *platform {
	t.Helper()
	db := storetest.URL(t, engine)
	ctx := context.Background()
	email := "admin@" + strings.ToLower(party) + ".example"
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"provider", "create", "--name", name, "--admin-email", email, "--db", db}, &out, &errOut); err != nil {
		t.Fatalf("provider create: %v %s", err, errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--email", email, "--db", db}, &out, &errOut); err != nil {
		t.Fatalf("token create: %v", err)
	}
	p := &platform{token: strings.TrimSpace(out.String()), ctx: fc.WithActor(ctx, fc.Actor{Label: "test"})}
	p.m, _ = boot(t, db, false)
	p.base = "http://" + p.m.Addr()
	providers, err := p.m.Store.Providers(ctx)
	if err != nil || len(providers) != 1 {
		t.Fatalf("providers: %v %v", providers, err)
	}
	p.provider, err = p.m.Store.UpdateProvider(p.ctx, providers[0].ID, func(pr *fc.Provider) error {
		pr.OCPICountryCode, pr.OCPIPartyID = country, party
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// api calls the platform's JSON API as its admin and decodes the answer.
func (p *platform) api(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// fixture makes an account of the provider with a location, and returns
// them.
func (p *platform) fixture(t *testing.T) (*fc.Account, *fc.Location) {
	t.Helper()
	s := p.m.Store
	org := &fc.Organization{ProviderID: p.provider.ID, Name: "Holding"}
	if err := s.CreateOrganization(p.ctx, org); err != nil {
		t.Fatal(err)
	}
	acc := &fc.Account{ProviderID: p.provider.ID, OrganizationID: org.ID, Name: "Company", Kind: fc.AccountCompany}
	if err := s.CreateAccount(p.ctx, acc); err != nil {
		t.Fatal(err)
	}
	loc := &fc.Location{ProviderID: p.provider.ID, AccountID: acc.ID, Name: "Car park", Kind: fc.LocationPublic, Address: "Stationsplein 1",
		City: "Utrecht", Country: "NL", Latitude: "52.0894440", Longitude: "5.1101420"}
	if err := s.CreateLocation(p.ctx, loc); err != nil {
		t.Fatal(err)
	}
	return acc, loc
}

// TestRoamingBetweenTwoPlatforms runs two fleetcharge servers, one the CPO
// and one the eMSP: the eMSP registers with the CPO over OCPI 2.2.1 from a
// token A the CPO's admin issued; the eMSP's cards reach the CPO as tokens;
// a station of the CPO's roaming charge group admits an eMSP card over
// OCPP, and refuses it once the eMSP blocks the card.
func TestRoamingBetweenTwoPlatforms(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			cpo := newPlatform(t, engine, "Volt CPO", "NL", "VCP")
			msp := newPlatform(t, engine, "Fleet MSP", "DE", "FMS")

			// The CPO: a roaming charge group with a station.
			cpoAcc, loc := cpo.fixture(t)
			g := &fc.ChargeGroup{ProviderID: cpo.provider.ID, AccountID: cpoAcc.ID, Name: "Roaming car park", Kind: fc.GroupOther,
				Access: fc.AccessPublic, Roaming: true, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 390000}}
			if err := cpo.m.Store.CreateChargeGroup(cpo.ctx, g); err != nil {
				t.Fatal(err)
			}
			identity, password := "CPO-ROAM-1", "station-password-0123456789"
			st := &fc.Station{ProviderID: cpo.provider.ID, AccountID: cpoAcc.ID, LocationID: loc.ID, ChargeGroupID: g.ID,
				Identity: identity, PasswordHash: secret.HashStationPassword(password)}
			if err := cpo.m.Store.CreateStation(cpo.ctx, st, 1); err != nil {
				t.Fatal(err)
			}
			// The eMSP: a fleet account with two cards.
			mspAcc, _ := msp.fixture(t)
			cards := map[string]*fc.Card{}
			for _, uid := range []string{"04A1B2C3D4", "04FFEE0011"} {
				c := &fc.Card{ProviderID: msp.provider.ID, AccountID: mspAcc.ID, InternalID: uid, ExternalID: "DE-FMS-" + uid, Status: fc.CardActive}
				if err := msp.m.Store.CreateCard(msp.ctx, c); err != nil {
					t.Fatal(err)
				}
				cards[uid] = c
			}

			// Registration: the CPO issues token A; the eMSP registers with it.
			var pending struct {
				ID          fc.ID  `json:"id"`
				Status      string `json:"status"`
				TokenA      string `json:"token_a"`
				VersionsURL string `json:"versions_url"`
			}
			cpo.api(t, "POST", "/api/v1/ocpi-partners", map[string]string{"name": "Fleet MSP"}, http.StatusCreated, &pending)
			if pending.Status != fc.PartnerPending || pending.TokenA == "" || !strings.HasSuffix(pending.VersionsURL, "/ocpi/versions") {
				t.Fatalf("pending partner: %+v", pending)
			}
			var connected struct {
				ID     fc.ID  `json:"id"`
				Status string `json:"status"`
				Roles  []struct {
					Role, CountryCode, PartyID string
				} `json:"roles"`
			}
			msp.api(t, "POST", "/api/v1/ocpi-partners", map[string]string{"name": "Volt CPO", "versions_url": pending.VersionsURL,
				"token_a": pending.TokenA}, http.StatusCreated, &connected)
			if connected.Status != fc.PartnerConnected {
				t.Fatalf("the eMSP's partner: %+v", connected)
			}
			var atCPO struct {
				Status string `json:"status"`
			}
			cpo.api(t, "GET", "/api/v1/ocpi-partners/"+pending.ID.String(), nil, http.StatusOK, &atCPO)
			if atCPO.Status != fc.PartnerConnected {
				t.Fatalf("the CPO's partner after registration: %+v", atCPO)
			}

			// The eMSP's cards reach the CPO as tokens.
			waitUntil(t, "the eMSP's tokens at the CPO", func() bool {
				for uid := range cards {
					tok, err := cpo.m.Store.OCPITokenByUID(cpo.ctx, cpo.provider.ID, uid)
					if err != nil || !tok.Valid || tok.CountryCode != "DE" || tok.PartyID != "FMS" {
						return false
					}
				}
				return true
			})

			// A station of the roaming group admits the card over OCPP.
			station := dialStation(t, cpo, identity, password)
			if got := station.call("1", "BootNotification", `{"chargePointVendor": "Alfen", "chargePointModel": "Eve"}`); !strings.Contains(got, "Accepted") {
				t.Fatalf("boot: %s", got)
			}
			if got := station.call("2", "Authorize", `{"idTag": "04A1B2C3D4"}`); !strings.Contains(got, `"Accepted"`) {
				t.Fatalf("authorize a partner's card: %s", got)
			}
			if got := station.call("3", "Authorize", `{"idTag": "04NOTKNOWN"}`); !strings.Contains(got, `"Invalid"`) {
				t.Fatalf("authorize an unknown card: %s", got)
			}

			// The eMSP blocks the card: the CPO's station refuses it.
			if _, err := msp.m.Store.UpdateCard(msp.ctx, fc.ProviderScope(msp.provider.ID), cards["04A1B2C3D4"].ID, func(c *fc.Card) error {
				c.Status = fc.CardInactive
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the blocked card at the CPO", func() bool {
				tok, err := cpo.m.Store.OCPITokenByUID(cpo.ctx, cpo.provider.ID, "04A1B2C3D4")
				return err == nil && !tok.Valid
			})
			if got := station.call("4", "Authorize", `{"idTag": "04A1B2C3D4"}`); !strings.Contains(got, `"Blocked"`) {
				t.Fatalf("authorize a blocked partner card: %s", got)
			}

			// The other card charges 12.5 kWh: the CPO sends the CDR, and the
			// eMSP keeps it as a public session of its fleet account, with
			// the energy and the CPO's price (0.39 per kWh).
			start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
			got := station.call("5", "StartTransaction", `{"connectorId": 1, "idTag": "04FFEE0011", "meterStart": 1000, "timestamp": "`+
				start.Format(time.RFC3339)+`"}`)
			var started []json.RawMessage
			var answer struct {
				TransactionID int64 `json:"transactionId"`
				IDTagInfo     struct{ Status string }
			}
			if json.Unmarshal([]byte(got), &started) != nil || len(started) != 3 || json.Unmarshal(started[2], &answer) != nil ||
				answer.IDTagInfo.Status != "Accepted" {
				t.Fatalf("start with a partner's card: %s", got)
			}
			stop := start.Add(90 * time.Minute)
			if got := station.call("6", "StopTransaction", `{"transactionId": `+strconv.FormatInt(answer.TransactionID, 10)+
				`, "meterStop": 13500, "timestamp": "`+stop.Format(time.RFC3339)+`"}`); !strings.HasPrefix(got, `[3,"6"`) {
				t.Fatalf("stop: %s", got)
			}
			var cdrSession *fc.Session
			waitUntil(t, "the CDR at the eMSP", func() bool {
				list, err := msp.m.Store.Sessions(msp.ctx, fc.SessionScope{ProviderID: msp.provider.ID, CardSide: fc.Everything, StationSide: fc.Everything},
					fc.SessionFilter{CardID: cards["04FFEE0011"].ID})
				if err != nil || len(list) != 1 {
					return false
				}
				cdrSession = &list[0]
				return true
			})
			if cdrSession.ExternalRef != strconv.FormatInt(answer.TransactionID, 10) || cdrSession.EnergyWh != 12500 ||
				cdrSession.CostMinor != 488 || cdrSession.Currency != "EUR" || cdrSession.LocationKind != fc.LocationPublic ||
				!cdrSession.StartedAt.Equal(start) || cdrSession.StoppedAt == nil || !cdrSession.StoppedAt.Equal(stop) {
				t.Errorf("the eMSP's session of the CDR: %+v", cdrSession)
			}
		})
	}
}

// stationConn is an OCPP 1.6 station's connection in a test.
type stationConn struct {
	t   *testing.T
	ws  *websocket.Conn
	ctx context.Context
}

func dialStation(t *testing.T, p *platform, identity, password string) *stationConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	h := http.Header{}
	h.Set("Authorization", "Basic "+basic(identity, password))
	ws, _, err := websocket.Dial(ctx, "ws://"+p.m.Addr()+"/ocpp/"+identity, &websocket.DialOptions{Subprotocols: []string{"ocpp1.6"}, HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &stationConn{t: t, ws: ws, ctx: ctx}
}

// call sends a CALL and returns its answer; the server's own calls are
// answered with a CALLERROR (this station supports none of them).
func (s *stationConn) call(id, action, payload string) string {
	s.t.Helper()
	if err := s.ws.Write(s.ctx, websocket.MessageText, []byte(`[2,"`+id+`","`+action+`",`+payload+`]`)); err != nil {
		s.t.Fatalf("%s: %v", action, err)
	}
	for {
		_, b, err := s.ws.Read(s.ctx)
		if err != nil {
			s.t.Fatalf("%s: %v", action, err)
		}
		var frame []json.RawMessage
		if json.Unmarshal(b, &frame) == nil && len(frame) > 1 && string(frame[0]) == "2" {
			reply := `[4,` + string(frame[1]) + `,"NotSupported","not in this test",{}]`
			if err := s.ws.Write(s.ctx, websocket.MessageText, []byte(reply)); err != nil {
				s.t.Fatal(err)
			}
			continue
		}
		return string(b)
	}
}

// waitUntil waits for cond, failing the test after a while.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
