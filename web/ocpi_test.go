package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The roaming pages join the page leak walk as they are: for every persona
// but a provider admin they are not found, and the walk's posts carry no
// valid form (the identity form needs both codes, the walk's server has
// no OCPI edge, a partner's path names none). TestRoamingPages checks
// them with partners.
func init() {
	for _, p := range []string{
		"GET /roaming", "POST /roaming/identity", "POST /roaming/partners", "POST /roaming/register",
		"GET /roaming/partners/{id}", "POST /roaming/partners/{id}/sync", "POST /roaming/partners/{id}/retry", "POST /roaming/partners/{id}/suspend",
		"POST /roaming/partners/{id}/resume", "POST /roaming/partners/{id}/delete", "GET /partner-locations",
	} {
		pageCoverage[p] = wPage
	}
}

// fakeRoaming is an OCPI edge without a network: registering stores a
// connected partner with its modules and one exchange; a sync queues one
// token push.
type fakeRoaming struct {
	st           *store.Store
	unregistered int
}

const (
	fakeVersionsURL = "https://cpo.example/ocpi/versions"
	fakeOutgoing    = "outgoing-token-C-never-shown"
)

func (f *fakeRoaming) VersionsURL() string { return fakeVersionsURL }

func (f *fakeRoaming) Register(ctx context.Context, providerID fc.ID, name, versionsURL, tokenA string) (*fc.OCPIPartner, error) {
	p := &fc.OCPIPartner{ProviderID: providerID, Name: name, Status: fc.PartnerConnected, VersionsURL: versionsURL, Version: fc.OCPIVersion,
		Roles:         []fc.OCPIRole{{Role: fc.OCPIRoleEMSP, CountryCode: "DE", PartyID: "ABC", Name: "Partner GmbH"}},
		Endpoints:     []fc.OCPIEndpoint{{Identifier: "tokens", Role: "RECEIVER", URL: "https://emsp.example/ocpi/2.2.1/tokens"}},
		OutgoingToken: fakeOutgoing}
	if err := f.st.CreateOCPIPartner(ctx, p, "hash-of-a-token-C", fc.OCPITokenC); err != nil {
		return nil, err
	}
	err := f.st.RecordOCPIExchange(ctx, fc.OCPIExchange{PartnerID: p.ID, Module: "versions", Direction: "out", Method: "GET",
		URL: "https://emsp.example/ocpi/2.2.1", At: time.Now(), HTTPStatus: 502, Error: "the partner's gateway failed"})
	return p, err
}

func (f *fakeRoaming) Unregister(ctx context.Context, p *fc.OCPIPartner) error {
	f.unregistered++
	return nil
}

func (f *fakeRoaming) Sync(ctx context.Context, p *fc.OCPIPartner) error {
	return f.st.EnqueueOCPI(ctx, []fc.OCPIMessage{{PartnerID: p.ID, Module: "tokens", Key: "token:SYNCED-CARD", Method: "PUT",
		Path: "/NL/VLT/SYNCED-CARD", Body: json.RawMessage(`{"uid":"SYNCED-CARD"}`)}})
}

var (
	tokenAFact  = regexp.MustCompile(`<dt>Token A \(shown this once\)</dt><dd>([^<]+)</dd>`)
	partnerLink = regexp.MustCompile(`href="(/roaming/partners/[0-9]+)"`)
)

// TestRoamingPages: a provider admin sets the OCPI identity (a bad code
// is shown on its field), adds a partner that registers with us (token A
// shown once), registers with another, follows its modules, exchanges and
// waiting pushes, syncs, suspends, resumes and removes it; a fleet manager
// has no roaming; a charge group's roaming box is saved.
func TestRoamingPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		// The demo's provider has an OCPI identity and a partner: this test
		// starts without either.
		if _, err := st.UpdateProvider(context.Background(), w.res.ProviderID, func(p *fc.Provider) error {
			p.OCPICountryCode, p.OCPIPartyID = "", ""
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		demoPartners, err := st.OCPIPartners(context.Background(), w.res.ProviderID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range demoPartners {
			if err := st.DeleteOCPIPartner(context.Background(), w.res.ProviderID, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		f := &fakeRoaming{st: st}
		ops := app.NewOperations(st, slog.New(slog.DiscardHandler), nil)
		ops.SetRoaming(f)
		srv, err := New(Config{Logger: w.srv.cfg.Logger, Auth: w.srv.cfg.Auth, Store: st, Commander: w.cmds, Operations: ops})
		if err != nil {
			t.Fatal(err)
		}
		w.srv = srv

		fleet := w.as(t, holdingFleet)
		wantNotIn(t, "fleet manager's navigation", navLinks.FindString(get(t, fleet, "/", http.StatusOK)), `href="/roaming"`)
		get(t, fleet, "/roaming", http.StatusNotFound)

		b := w.as(t, adminEmail)
		wantIn(t, "admin's navigation", navLinks.FindString(get(t, b, "/", http.StatusOK)), `href="/roaming"`)
		page := get(t, b, "/roaming", http.StatusOK)
		wantIn(t, "roaming page", page, "Not set", "No partners yet.", `name="ocpi_country_code"`, `action="/roaming/register"`)
		post := func(path string, vals url.Values) (int, string, string) {
			t.Helper()
			vals.Set("csrf_token", csrfOf(t, page))
			rec := b.do("POST", path, vals)
			return rec.Code, rec.Header().Get("Location"), rec.Body.String()
		}
		// Refused fleet manager posts change nothing.
		vals := url.Values{"csrf_token": {csrfOf(t, get(t, fleet, "/", http.StatusOK))}, "name": {"Fleet's partner"}}
		if rec := fleet.do("POST", "/roaming/partners", vals); rec.Code != http.StatusNotFound {
			t.Fatalf("a fleet manager adds a partner: %d", rec.Code)
		}

		code, _, body := post("/roaming/identity", url.Values{"ocpi_country_code": {"NLD"}, "ocpi_party_id": {"VLT"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "ISO 3166-1 alpha-2") {
			t.Fatalf("a bad country code: %d\n%.3000s", code, body)
		}
		code, _, body = post("/roaming/partners", url.Values{"name": {"Hub"}})
		if code != http.StatusConflict || !strings.Contains(body, "ocpi_country_code") {
			t.Fatalf("a partner without an identity: %d\n%.3000s", code, body)
		}
		code, loc, _ := post("/roaming/identity", url.Values{"ocpi_country_code": {"nl"}, "ocpi_party_id": {"vlt"}})
		if code != http.StatusSeeOther {
			t.Fatalf("set the identity: %d", code)
		}
		page = get(t, b, loc, http.StatusOK)
		wantIn(t, "identity", page, "NL VLT", "Your changes are saved.")

		// A partner that registers with us: token A on this answer only.
		code, _, body = post("/roaming/partners", url.Values{"name": {"Hub"}})
		m := tokenAFact.FindStringSubmatch(body)
		if code != http.StatusOK || m == nil || !strings.Contains(body, fakeVersionsURL) {
			t.Fatalf("add a pending partner: %d\n%.3000s", code, body)
		}
		tokenA := m[1]
		pendingPath := partnerLink.FindStringSubmatch(body)[1]
		page = get(t, b, "/roaming", http.StatusOK)
		wantIn(t, "list", page, "Hub", "pending")
		wantNotIn(t, "list", page, tokenA)
		pending := get(t, b, pendingPath, http.StatusOK)
		wantIn(t, "pending partner", pending, "None yet: the partner has not registered.", "Remove the partner")
		wantNotIn(t, "pending partner", pending, tokenA, "Sync now", "Suspend")

		// Registering with a partner.
		code, _, body = post("/roaming/register", url.Values{"name": {"eMSP"}, "versions_url": {"ftp://emsp.example"}, "token_a": {"their-token-A"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "http or https") || strings.Contains(body, "their-token-A") {
			t.Fatalf("a bad versions URL: %d\n%.3000s", code, body)
		}
		code, loc, _ = post("/roaming/register", url.Values{"name": {"eMSP"}, "versions_url": {"https://emsp.example/ocpi/versions"}, "token_a": {"their-token-A"}})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/roaming/partners/") {
			t.Fatalf("register: %d %s", code, loc)
		}
		partnerPath, _, _ := strings.Cut(loc, "?")
		page = get(t, b, loc, http.StatusOK)
		wantIn(t, "registered partner", page, "connected", "EMSP DE ABC (Partner GmbH)", "https://emsp.example/ocpi/2.2.1/tokens",
			"the partner&#39;s gateway failed", "502", "Nothing waits.", "Sync now", "Suspend")
		wantNotIn(t, "registered partner", page, fakeOutgoing, "their-token-A")

		code, loc, _ = post(partnerPath+"/sync", url.Values{})
		if code != http.StatusSeeOther {
			t.Fatalf("sync: %d", code)
		}
		page = get(t, b, loc, http.StatusOK)
		wantIn(t, "after the sync", page, "token:SYNCED-CARD", "PUT", "Everything we publish is queued")
		wantNotIn(t, "after the sync", page, `{&#34;uid&#34;`)

		code, loc, _ = post(partnerPath+"/suspend", url.Values{})
		if code != http.StatusSeeOther {
			t.Fatalf("suspend: %d", code)
		}
		page = get(t, b, loc, http.StatusOK)
		wantIn(t, "suspended", page, "partner-suspended", "Resume")
		wantNotIn(t, "suspended", page, "Sync now")
		code, _, body = post(pendingPath+"/suspend", url.Values{})
		if code != http.StatusConflict || !strings.Contains(body, "cannot be suspended") {
			t.Fatalf("suspend a pending partner: %d\n%.3000s", code, body)
		}
		if code, _, _ = post(partnerPath+"/resume", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("resume: %d", code)
		}
		wantIn(t, "resumed", get(t, b, partnerPath, http.StatusOK), "partner-connected")

		get(t, fleet, partnerPath, http.StatusNotFound)
		vals = url.Values{"csrf_token": {csrfOf(t, get(t, fleet, "/", http.StatusOK))}}
		if rec := fleet.do("POST", partnerPath+"/delete", vals); rec.Code != http.StatusNotFound {
			t.Fatalf("a fleet manager removes a partner: %d", rec.Code)
		}

		for _, path := range []string{partnerPath, pendingPath} {
			if code, loc, _ = post(path+"/delete", url.Values{}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/roaming") {
				t.Fatalf("remove %s: %d %s", path, code, loc)
			}
			get(t, b, path, http.StatusNotFound)
		}
		if f.unregistered != 1 {
			t.Fatalf("told %d partners, want the registered one", f.unregistered)
		}
		wantIn(t, "after removal", get(t, b, "/roaming", http.StatusOK), "No partners yet.")

		// The charge group form's roaming box.
		groupID := w.one(t, `SELECT MIN(id) FROM charge_groups WHERE NOT roaming AND provider_id = `+w.res.ProviderID.String())
		groupPath := "/charge-groups/" + groupID.String()
		form := get(t, b, groupPath, http.StatusOK)
		wantIn(t, "group form", form, `name="roaming"`)
		g := w.group(t, groupPath)
		edit := url.Values{"csrf_token": {csrfOf(t, form)}, "name": {g.Name}, "kind": {g.Kind}, "access": {g.Access},
			"account_id": {g.AccountID.String()}, "tariff.currency": {g.Tariff.Currency}, "tariff.per_kwh": {micros(g.Tariff.PerKWhMicros)},
			"tariff.per_minute": {micros(g.Tariff.PerMinuteMicros)}, "tariff.start_fee": {micros(g.Tariff.StartFeeMicros)},
			"load_priority": {"0"}, "roaming": {"on"}}
		for _, id := range g.AllowedAccountIDs {
			edit.Add("allowed_account_ids", id.String())
		}
		for _, id := range g.AllowedOrganizationIDs {
			edit.Add("allowed_organization_ids", id.String())
		}
		for _, id := range g.AllowedCardIDs {
			edit.Add("allowed_card_ids", id.String())
		}
		if rec := b.do("POST", groupPath, edit); rec.Code != http.StatusSeeOther {
			t.Fatalf("save the group: %d\n%.3000s", rec.Code, rec.Body)
		}
		if !w.group(t, groupPath).Roaming {
			t.Fatal("the roaming box was not saved")
		}
		wantIn(t, "group page", get(t, b, groupPath, http.StatusOK), "<dt>Roaming</dt><dd>yes</dd>")
	})
}

// TestPartnerLocationsPage: the demo's partner published its locations; a
// fleet manager finds them in the navigation, with their charge points
// and how many are available; a facility manager, who reads no cards, has
// neither the link nor the page.
func TestPartnerLocationsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		fleet := w.as(t, holdingFleet)
		wantIn(t, "fleet manager's navigation", navLinks.FindString(get(t, fleet, "/", http.StatusOK)), `href="/partner-locations"`)
		page := get(t, fleet, "/partner-locations", http.StatusOK)
		wantIn(t, "partner locations", page, "Rastanlage Würzburg A3", "Parking Brussel Zuid", "Europa Charge Network", "DEU")
		facility := w.as(t, facilitiesDE)
		wantNotIn(t, "facility manager's navigation", navLinks.FindString(get(t, facility, "/", http.StatusOK)), `href="/partner-locations"`)
		if rec := facility.do("GET", "/partner-locations", nil); rec.Code == http.StatusOK {
			t.Errorf("a facility manager reads the partner locations: %d", rec.Code)
		}
	})
}

// TestPartnerCommandsAndSessions: a partner's page lists the commands sent
// to it and received from it, with their results, and the sessions its
// drivers charge at our roaming stations, running and completed.
func TestPartnerCommandsAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newDemoWorld(t, st)
		partners, err := st.OCPIPartners(ctx, w.res.ProviderID)
		if err != nil || len(partners) == 0 {
			t.Fatalf("the demo's partners: %v %v", partners, err)
		}
		p := partners[0]
		stationID := w.one(t, `SELECT MIN(id) FROM stations WHERE provider_id = `+w.res.ProviderID.String())
		station, err := st.Station(ctx, fc.StationScope{ProviderID: w.res.ProviderID, Reach: fc.Everything}, stationID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateChargeGroup(ctx, fc.ProviderScope(w.res.ProviderID), station.ChargeGroupID, func(g *fc.ChargeGroup) error {
			g.Roaming = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		cardID := w.one(t, `SELECT MIN(id) FROM cards WHERE provider_id = `+w.res.ProviderID.String())
		for _, c := range []fc.OCPICommand{
			{PartnerID: p.ID, Direction: fc.OCPICommandOut, Command: fc.OCPIStartSession, CardID: cardID, Request: json.RawMessage(`{}`),
				Result: "ACCEPTED"},
			{PartnerID: p.ID, Direction: fc.OCPICommandIn, Command: fc.OCPIUnlockConnector, StationID: stationID, ConnectorID: 1,
				Request: json.RawMessage(`{}`), Result: "FAILED", Message: "the connector did not unlock"},
		} {
			if err := st.CreateOCPICommand(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.PutOCPIToken(ctx, fc.OCPIToken{PartnerID: p.ID, CountryCode: "DE", PartyID: "ECN", UID: "ROAMER-1", Type: "RFID",
			ContractID: "DE-ECN-CROAMER1", Issuer: "Europa", Valid: true, Whitelist: "ALWAYS", LastUpdated: time.Now(), Object: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		started := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		sess, _, err := st.StartTransaction(ctx, fc.StartTransaction{StationID: stationID, ConnectorID: 1, IDTag: "ROAMER-1",
			MeterStart: 1000, Timestamp: started})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RecordMeter(ctx, stationID, sess.ID, 3500, started.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}

		b := w.as(t, adminEmail)
		page := get(t, b, partnerPath(p.ID), http.StatusOK)
		wantIn(t, "partner page", page, "Commands", "START_SESSION", "sent", `href="/cards/`+cardID.String()+`"`, "ACCEPTED",
			"UNLOCK_CONNECTOR", "received", "the connector did not unlock", "Sessions of the partner&#39;s drivers at our stations",
			`href="/sessions/`+sess.ID.String()+`"`, "running", "DE-ECN-CROAMER1", "2.500")

		if _, err := st.StopTransaction(ctx, fc.StopTransaction{StationID: stationID, TransactionID: sess.ID, MeterStop: 6000,
			Timestamp: started.Add(30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		wantIn(t, "partner page after the stop", get(t, b, partnerPath(p.ID), http.StatusOK), "completed", "5.000")
	})
}
