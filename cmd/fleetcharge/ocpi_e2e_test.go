package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// thirdPartyStation is a station of ocpp/e2e/roaming.js (ocpp-rpc in
// strict mode) connected to a platform: the test writes it commands and
// reads what it prints.
type thirdPartyStation struct {
	t     *testing.T
	stdin io.WriteCloser
	lines chan string
	done  chan error
	out   *bytes.Buffer
}

// startThirdPartyStation runs roaming.js as the station identity of p.
// Without Node it skips, unless FLEETCHARGE_E2E is set (CI), where that
// fails.
func startThirdPartyStation(t *testing.T, p *platform, identity, password string) *thirdPartyStation {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("FLEETCHARGE_E2E") != "" {
			t.Fatal("node is required for the third-party OCPP station")
		}
		t.Skip("node is not installed: the third-party station is skipped (FLEETCHARGE_E2E=1 makes this a failure)")
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "ocpp", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ocpp-rpc")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, node, "roaming.js", "ws://"+p.m.Addr()+"/ocpp", identity, password)
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &thirdPartyStation{t: t, stdin: stdin, lines: make(chan string, 100), done: make(chan error, 1), out: &bytes.Buffer{}}
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		cancel()
	})
	s.expect("BOOTED")
	return s
}

// send writes one command to the station.
func (s *thirdPartyStation) send(command string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, command+"\n"); err != nil {
		s.t.Fatalf("%s: %v", command, err)
	}
}

// expect reads the station's lines until one starts with prefix, and
// returns it; a FAIL line or the station's end fails the test.
func (s *thirdPartyStation) expect(prefix string) string {
	s.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("the station ended before %q: %v\n%s", prefix, <-s.done, s.out.String())
			}
			if strings.HasPrefix(line, "FAIL") {
				s.t.Fatalf("the station: %s\n%s", line, s.out.String())
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			s.t.Fatalf("timed out waiting for the station's %q", prefix)
		}
	}
}

// quit ends the station and checks that it found nothing wrong.
func (s *thirdPartyStation) quit() {
	s.t.Helper()
	s.send("QUIT")
	for line := range s.lines {
		if strings.HasPrefix(line, "FAIL") {
			s.t.Errorf("the station: %s", line)
		}
	}
	if err := <-s.done; err != nil {
		s.t.Errorf("the station: %v\n%s", err, s.out.String())
	}
}

// register makes the eMSP register with the CPO from a token A the CPO's
// admin issued, and returns the partner's ID at the CPO and at the eMSP.
func register(t *testing.T, cpo, msp *platform) (atCPO, atMSP fc.ID) {
	t.Helper()
	var pending struct {
		ID          fc.ID  `json:"id"`
		TokenA      string `json:"token_a"`
		VersionsURL string `json:"versions_url"`
	}
	cpo.api(t, "POST", "/api/v1/ocpi-partners", map[string]string{"name": msp.provider.Name}, http.StatusCreated, &pending)
	var connected struct {
		ID     fc.ID  `json:"id"`
		Status string `json:"status"`
	}
	msp.api(t, "POST", "/api/v1/ocpi-partners", map[string]string{"name": cpo.provider.Name, "versions_url": pending.VersionsURL,
		"token_a": pending.TokenA}, http.StatusCreated, &connected)
	if connected.Status != fc.PartnerConnected {
		t.Fatalf("the eMSP's partner: %+v", connected)
	}
	return pending.ID, connected.ID
}

// userToken makes a user of p with role on org and returns an API token of
// theirs.
func userToken(t *testing.T, p *platform, email string, role fc.Role, org fc.ID) string {
	t.Helper()
	u := &fc.User{ProviderID: p.provider.ID, Email: email, Name: "Fleet Manager"}
	if err := p.m.Store.CreateUser(p.ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := p.m.Store.CreateAssignment(p.ctx, &fc.Assignment{ProviderID: p.provider.ID, UserID: u.ID, Role: role, OrganizationID: org}); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--email", email, "--db", p.m.cfg.DB}, &out, &errOut); err != nil {
		t.Fatalf("token create: %v %s", err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// TestRoamingThirdPartyStation runs two fleetcharge servers, a CPO and an
// eMSP registered with each other over OCPI 2.2.1, and a station of the
// CPO's roaming charge group built on ocpp-rpc in strict mode. The station
// authorizes an eMSP card and charges with it: the CPO pushes the session
// while it runs and when it ends, then the CDR; the eMSP's fleet manager
// finds the session, with its energy and the CPO's price, in the charge
// sessions report. The fleet manager then starts a session of another
// card at the CPO's station from the eMSP: the command reaches the station
// over OCPI and OCPP, and its result comes back.
func TestRoamingThirdPartyStation(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			cpo := newPlatform(t, engine, "Volt CPO", "NL", "VCP")
			msp := newPlatform(t, engine, "Fleet MSP", "DE", "FMS")

			cpoAcc, loc := cpo.fixture(t)
			g := &fc.ChargeGroup{ProviderID: cpo.provider.ID, AccountID: cpoAcc.ID, Name: "Roaming car park", Kind: fc.GroupOther,
				Access: fc.AccessPublic, Roaming: true, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 390000}}
			if err := cpo.m.Store.CreateChargeGroup(cpo.ctx, g); err != nil {
				t.Fatal(err)
			}
			identity, password := "CPO-RPC-1", "station-password-0123456789"
			st := &fc.Station{ProviderID: cpo.provider.ID, AccountID: cpoAcc.ID, LocationID: loc.ID, ChargeGroupID: g.ID,
				Identity: identity, PasswordHash: secret.HashStationPassword(password)}
			if err := cpo.m.Store.CreateStation(cpo.ctx, st, 2); err != nil {
				t.Fatal(err)
			}
			mspAcc, _ := msp.fixture(t)
			local := &fc.Card{ProviderID: msp.provider.ID, AccountID: mspAcc.ID, InternalID: "04AA000001", ExternalID: "DE-FMS-1", Status: fc.CardActive}
			remote := &fc.Card{ProviderID: msp.provider.ID, AccountID: mspAcc.ID, InternalID: "04AA000002", ExternalID: "DE-FMS-2", Status: fc.CardActive}
			for _, c := range []*fc.Card{local, remote} {
				if err := msp.m.Store.CreateCard(msp.ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			manager := userToken(t, msp, "fleet@fms.example", fc.RoleFleetManager, mspAcc.OrganizationID)
			_, cpoAtMSP := register(t, cpo, msp)
			waitUntil(t, "the eMSP's tokens at the CPO", func() bool {
				for _, c := range []*fc.Card{local, remote} {
					if tok, err := cpo.m.Store.OCPITokenByUID(cpo.ctx, cpo.provider.ID, c.InternalID); err != nil || !tok.Valid {
						return false
					}
				}
				return true
			})

			station := startThirdPartyStation(t, cpo, identity, password)
			station.send("AUTHORIZE " + local.InternalID)
			if line := station.expect("AUTHORIZED"); !strings.HasSuffix(line, " Accepted") {
				t.Fatalf("authorize a partner's card: %s", line)
			}
			// 12.5 kWh in 90 minutes, reported as it happened.
			start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
			station.send("START 1 " + local.InternalID + " 1000 " + start.Format(time.RFC3339))
			if line := station.expect("STARTED 1"); !strings.HasSuffix(line, " Accepted") {
				t.Fatalf("start with a partner's card: %s", line)
			}
			session := func(status string, kwh float64) func() bool {
				return func() bool {
					list, _, err := msp.m.Store.OCPIObjects(msp.ctx, msp.provider.ID, cpoAtMSP, fc.OCPIModuleSessions, 0, 10)
					if err != nil || len(list) != 1 {
						return false
					}
					var s struct {
						Status string  `json:"status"`
						KWh    float64 `json:"kwh"`
					}
					return json.Unmarshal(list[0].Object, &s) == nil && s.Status == status && s.KWh == kwh
				}
			}
			waitUntil(t, "the running session at the eMSP", session("ACTIVE", 0))
			station.send("METER 1 6000 " + start.Add(30*time.Minute).Format(time.RFC3339))
			station.expect("METERED 1")
			waitUntil(t, "the session's energy at the eMSP", session("ACTIVE", 5))
			station.send("STOP 1 13500 " + start.Add(90*time.Minute).Format(time.RFC3339))
			station.expect("STOPPED 1")
			waitUntil(t, "the completed session at the eMSP", session("COMPLETED", 12.5))
			defer func() {
				if t.Failed() {
					ps, _ := cpo.m.Store.OCPIPartners(cpo.ctx, cpo.provider.ID)
					for _, p := range ps {
						out, _ := cpo.m.Store.OCPIOutbox(cpo.ctx, cpo.provider.ID, p.ID, 20)
						ex, _ := cpo.m.Store.OCPIExchanges(cpo.ctx, cpo.provider.ID, p.ID, 20)
						t.Logf("the CPO's outbox for %s: %+v\nexchanges: %+v", p.Name, out, ex)
					}
				}
			}()
			waitUntil(t, "the CDR at the eMSP", func() bool {
				list, err := msp.m.Store.Sessions(msp.ctx, fc.SessionScope{ProviderID: msp.provider.ID, CardSide: fc.Everything, StationSide: fc.Everything},
					fc.SessionFilter{CardID: local.ID})
				return err == nil && len(list) == 1
			})

			// The eMSP's fleet manager sees it in the charge sessions report.
			fm := &platform{m: msp.m, base: msp.base, token: manager, provider: msp.provider, ctx: msp.ctx}
			var report struct {
				Rows []map[string]any `json:"rows"`
			}
			fm.api(t, "GET", "/api/v1/reports/charge-sessions", nil, http.StatusOK, &report)
			if len(report.Rows) != 1 || fmt.Sprint(report.Rows[0]["energy_kwh"]) != "12.5" || fmt.Sprint(report.Rows[0]["cost"]) != "4.88" ||
				report.Rows[0]["location_kind"] != fc.LocationPublic || report.Rows[0]["card_external_id"] != local.ExternalID {
				t.Errorf("the fleet manager's charge sessions report: %+v", report.Rows)
			}

			// Remote start from the eMSP reaches the CPO's station.
			var cmd struct {
				ID     fc.ID  `json:"id"`
				Result string `json:"result"`
			}
			fm.api(t, "POST", "/api/v1/ocpi-partners/"+cpoAtMSP.String()+"/commands/start-session", map[string]any{
				"card_id": remote.ID, "location_id": loc.ID.String(), "evse_uid": st.ID.String() + "-2", "connector_id": "2",
			}, http.StatusAccepted, &cmd)
			if line := station.expect("REMOTE 2 " + remote.InternalID); !strings.HasSuffix(line, " Accepted") {
				t.Fatalf("the remotely started transaction: %s", line)
			}
			waitUntil(t, "the command's result at the eMSP", func() bool {
				var got struct {
					Result string `json:"result"`
				}
				fm.api(t, "GET", "/api/v1/ocpi-commands/"+cmd.ID.String(), nil, http.StatusOK, &got)
				return got.Result == "ACCEPTED"
			})
			station.quit()
		})
	}
}
