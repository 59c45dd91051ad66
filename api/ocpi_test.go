package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/store"
)

// The provider and OCPI partner routes join the leak walk as plain
// requests (the walk's server has no OCPI edge, and its personas' writes
// carry no body); TestOCPIPartnersAPI checks who may read and change them.
func init() {
	for _, k := range []string{
		"GET /api/v1/provider", "PATCH /api/v1/provider",
		"POST /api/v1/ocpi-partners", "GET /api/v1/ocpi-partners", "GET /api/v1/ocpi-partners/{id}",
		"POST /api/v1/ocpi-partners/{id}/sync", "POST /api/v1/ocpi-partners/{id}/retry", "POST /api/v1/ocpi-partners/{id}/suspend", "POST /api/v1/ocpi-partners/{id}/resume",
		"DELETE /api/v1/ocpi-partners/{id}", "GET /api/v1/partner-locations",
	} {
		coverage[k] = exPlain
	}
}

// ocpiPartner stores a pending partner of the world's provider and
// returns its ID.
func (w *world) ocpiPartner(t *testing.T) fc.ID {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	p := &fc.OCPIPartner{ProviderID: w.provider, Name: "Pending partner", Status: fc.PartnerPending}
	check(t, w.st.CreateOCPIPartner(ctx, p, "hash-of-a-pending-token", fc.OCPITokenA))
	return p.ID
}

// fakeRoaming is an OCPI edge that registers without a network: the
// partner it stores is connected with fixed roles and endpoints and one
// exchange; a sync queues one token push.
type fakeRoaming struct {
	st           *store.Store
	synced       []fc.ID
	unregistered []fc.ID
}

const (
	fakeVersionsURL = "https://cpo.example/ocpi/versions"
	fakeOutgoing    = "outgoing-token-C-never-shown"
)

func (f *fakeRoaming) VersionsURL() string { return fakeVersionsURL }

func (f *fakeRoaming) Register(ctx context.Context, providerID fc.ID, name, versionsURL, tokenA string) (*fc.OCPIPartner, error) {
	p := &fc.OCPIPartner{ProviderID: providerID, Name: name, Status: fc.PartnerConnected, VersionsURL: versionsURL, Version: fc.OCPIVersion,
		Roles: []fc.OCPIRole{{Role: fc.OCPIRoleEMSP, CountryCode: "DE", PartyID: "ABC", Name: "Partner GmbH"}},
		Endpoints: []fc.OCPIEndpoint{
			{Identifier: "credentials", Role: "RECEIVER", URL: "https://emsp.example/ocpi/2.2.1/credentials"},
			{Identifier: "tokens", Role: "RECEIVER", URL: "https://emsp.example/ocpi/2.2.1/tokens"},
		},
		OutgoingToken: fakeOutgoing}
	if err := f.st.CreateOCPIPartner(ctx, p, "hash-of-a-token-C-"+name, fc.OCPITokenC); err != nil {
		return nil, err
	}
	err := f.st.RecordOCPIExchange(ctx, fc.OCPIExchange{PartnerID: p.ID, Module: "credentials", Direction: "out", Method: "POST",
		URL: "https://emsp.example/ocpi/2.2.1/credentials", At: time.Now(), HTTPStatus: 200, OCPIStatus: 1000, OK: true,
		Request: `{"token":"` + fakeOutgoing + `"}`})
	return p, err
}

func (f *fakeRoaming) Unregister(ctx context.Context, p *fc.OCPIPartner) error {
	f.unregistered = append(f.unregistered, p.ID)
	return nil
}

func (f *fakeRoaming) Sync(ctx context.Context, p *fc.OCPIPartner) error {
	f.synced = append(f.synced, p.ID)
	return f.st.EnqueueOCPI(ctx, []fc.OCPIMessage{{PartnerID: p.ID, Module: "tokens", Key: "token:N04A1B2C3", Method: "PUT",
		Path: "/NL/VLT/N04A1B2C3", Body: json.RawMessage(`{"uid":"N04A1B2C3"}`)}})
}

// withRoaming gives the world's API an OCPI edge set on Operations.
func (w *world) withRoaming(t *testing.T) *fakeRoaming {
	t.Helper()
	f := &fakeRoaming{st: w.st}
	logger := slog.New(slog.DiscardHandler)
	ops := app.NewOperations(w.st, logger, nil)
	ops.SetRoaming(f)
	authSvc := auth.New(w.st, auth.Config{})
	authSvc.Logger = logger
	w.srv = api.New(api.Config{Store: w.st, Auth: authSvc, Commander: w.cmd, Logger: logger, Operations: ops})
	return f
}

// TestProviderAPI: every user of the provider reads it; only a provider
// admin changes it, with bad OCPI codes refused by field and unknown
// fields refused.
func TestProviderAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var p struct {
			ID, Name, TimeZone   string
			CountryCode, PartyID string
		}
		read := func(who string) {
			t.Helper()
			raw := w.do(who, "GET", "/api/v1/provider", nil).want(t, http.StatusOK).object(t)
			str := func(k string) string { v, _ := raw[k].(string); return v }
			p.ID, p.Name, p.TimeZone, p.CountryCode, p.PartyID = str("id"), str("name"), str("time_zone"), str("ocpi_country_code"), str("ocpi_party_id")
		}
		read(northFleet)
		if p.Name != "Logistics CPO" || p.ID != w.provider.String() || p.CountryCode != "" {
			t.Fatalf("provider as a fleet manager: %+v", p)
		}
		read(otherAdmin)
		if p.Name != "Other CPO" {
			t.Fatalf("the other provider's admin reads %+v", p)
		}

		for _, who := range []string{northFleet, holdingMgr, northAdmin, nobody} {
			if r := w.do(who, "PATCH", "/api/v1/provider", map[string]any{"ocpi_country_code": "NL", "ocpi_party_id": "VLT"}); r.status != http.StatusForbidden {
				t.Errorf("%s patches the provider: %d %s", who, r.status, r.body)
			}
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"ocpi_country_code": "nl", "ocpi_party_id": "VLT"}, "ocpi_country_code"},
			{map[string]any{"ocpi_country_code": "NLD", "ocpi_party_id": "VLT"}, "ocpi_country_code"},
			{map[string]any{"ocpi_country_code": "NL", "ocpi_party_id": "VL"}, "ocpi_party_id"},
			{map[string]any{"ocpi_country_code": "NL", "ocpi_party_id": "vl!"}, "ocpi_party_id"},
			{map[string]any{"ocpi_country_code": "NL"}, "ocpi_party_id"},
			{map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
			{map[string]any{"name": ""}, "name"},
			{map[string]any{"iban": "NL00ABNA0417164300"}, "iban"},
		} {
			r := w.do(admin, "PATCH", "/api/v1/provider", c.body).want(t, http.StatusBadRequest)
			if _, ok := r.fields()[c.field]; !ok {
				t.Errorf("PATCH %v: fields %v, want %s", c.body, r.fields(), c.field)
			}
		}
		read(admin)
		if p.CountryCode != "" || p.Name != "Logistics CPO" {
			t.Fatalf("a refused patch changed the provider: %+v", p)
		}
		w.do(admin, "PATCH", "/api/v1/provider", map[string]any{"ocpi_country_code": "NL", "ocpi_party_id": "VLT", "time_zone": "Europe/Amsterdam"}).
			want(t, http.StatusOK)
		read(northFleet)
		if p.CountryCode != "NL" || p.PartyID != "VLT" || p.TimeZone != "Europe/Amsterdam" || p.Name != "Logistics CPO" {
			t.Fatalf("after the patch: %+v", p)
		}
		read(otherAdmin)
		if p.CountryCode != "" {
			t.Fatalf("the patch reached the other provider: %+v", p)
		}
	})
}

// partnerJSON is a partner as the API answers it.
type partnerJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Status      string            `json:"status"`
	Roles       []fc.OCPIRole     `json:"roles"`
	VersionsURL string            `json:"versions_url"`
	Version     string            `json:"version"`
	Endpoints   []fc.OCPIEndpoint `json:"endpoints"`
	TokenA      string            `json:"token_a"`
	Exchanges   []map[string]any  `json:"exchanges"`
	Waiting     []map[string]any  `json:"waiting"`
}

// TestOCPIPartnersAPI: without an OCPI edge partners are unavailable;
// with one, a provider admin adds a pending partner (token A shown once)
// and registers with another, lists, reads their traffic, suspends and
// resumes, syncs and removes them; nobody else may.
func TestOCPIPartnersAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		if r := w.do(admin, "POST", "/api/v1/ocpi-partners", map[string]any{"name": "Hub"}); r.status != http.StatusServiceUnavailable || r.errorCode() != fc.EUnavailable {
			t.Fatalf("without an edge: %d %s", r.status, r.body)
		}
		f := w.withRoaming(t)
		if r := w.do(admin, "POST", "/api/v1/ocpi-partners", map[string]any{"name": "Hub"}); r.status != http.StatusConflict {
			t.Fatalf("without an OCPI identity: %d %s", r.status, r.body)
		}
		w.do(admin, "PATCH", "/api/v1/provider", map[string]any{"ocpi_country_code": "NL", "ocpi_party_id": "VLT"}).want(t, http.StatusOK)

		for _, who := range []string{northFleet, holdingMgr, northFacility, nobody} {
			w.do(who, "POST", "/api/v1/ocpi-partners", map[string]any{"name": "Hub"}).want(t, http.StatusForbidden)
			w.do(who, "GET", "/api/v1/ocpi-partners", nil).want(t, http.StatusForbidden)
		}

		// A partner that will register with us.
		var pending partnerJSON
		r := w.do(admin, "POST", "/api/v1/ocpi-partners", map[string]any{"name": "Hub"}).want(t, http.StatusCreated)
		r.json(t, &pending)
		if pending.Status != fc.PartnerPending || pending.TokenA == "" || pending.VersionsURL != fakeVersionsURL || pending.Name != "Hub" {
			t.Fatalf("pending partner: %s", r.body)
		}
		if loc := r.header.Get("Location"); loc != "/api/v1/ocpi-partners/"+pending.ID {
			t.Errorf("Location %q", loc)
		}
		one := "/api/v1/ocpi-partners/" + pending.ID
		got := w.do(admin, "GET", one, nil).want(t, http.StatusOK)
		if strings.Contains(string(got.body), pending.TokenA) || strings.Contains(string(got.body), "token_a") {
			t.Fatalf("token A shown again: %s", got.body)
		}

		// Registering with a partner.
		w.do(admin, "POST", "/api/v1/ocpi-partners", map[string]any{"name": "Bad", "versions_url": "ftp://emsp.example"}).
			want(t, http.StatusBadRequest)
		const theirTokenA = "their-token-A-given-to-us"
		var connected partnerJSON
		r = w.do(admin, "POST", "/api/v1/ocpi-partners", map[string]any{"name": "eMSP", "versions_url": "https://emsp.example/ocpi/versions", "token_a": theirTokenA}).
			want(t, http.StatusCreated)
		r.json(t, &connected)
		if connected.Status != fc.PartnerConnected || connected.TokenA != "" || connected.VersionsURL != "https://emsp.example/ocpi/versions" ||
			len(connected.Roles) != 1 || connected.Roles[0].PartyID != "ABC" || len(connected.Endpoints) != 2 {
			t.Fatalf("registered partner: %s", r.body)
		}
		if strings.Contains(string(r.body), theirTokenA) || strings.Contains(string(r.body), fakeOutgoing) {
			t.Fatalf("a token in the answer: %s", r.body)
		}
		two := "/api/v1/ocpi-partners/" + connected.ID

		var list struct{ Data []partnerJSON }
		w.do(admin, "GET", "/api/v1/ocpi-partners", nil).want(t, http.StatusOK).json(t, &list)
		if len(list.Data) != 2 || list.Data[0].Name != "Hub" || list.Data[1].Name != "eMSP" {
			t.Fatalf("list: %+v", list.Data)
		}
		w.do(otherAdmin, "GET", "/api/v1/ocpi-partners", nil).want(t, http.StatusOK).json(t, &list)
		if len(list.Data) != 0 {
			t.Fatalf("the other provider's admin lists %+v", list.Data)
		}
		for _, path := range []string{one, two} {
			w.do(otherAdmin, "GET", path, nil).want(t, http.StatusNotFound)
			w.do(otherAdmin, "POST", path+"/suspend", nil).want(t, http.StatusNotFound)
			w.do(otherAdmin, "DELETE", path, nil).want(t, http.StatusNotFound)
			w.do(northFleet, "GET", path, nil).want(t, http.StatusForbidden)
			w.do(northFleet, "DELETE", path, nil).want(t, http.StatusForbidden)
		}

		// Status changes.
		w.do(admin, "POST", one+"/suspend", nil).want(t, http.StatusConflict)
		w.do(admin, "POST", one+"/sync", nil).want(t, http.StatusConflict)
		var after partnerJSON
		w.do(admin, "POST", two+"/suspend", nil).want(t, http.StatusOK).json(t, &after)
		if after.Status != fc.PartnerSuspended {
			t.Fatalf("suspended: %+v", after)
		}
		w.do(admin, "POST", two+"/sync", nil).want(t, http.StatusConflict)
		w.do(admin, "POST", two+"/resume", nil).want(t, http.StatusOK).json(t, &after)
		if after.Status != fc.PartnerConnected {
			t.Fatalf("resumed: %+v", after)
		}
		w.do(admin, "POST", two+"/sync", nil).want(t, http.StatusAccepted)
		if len(f.synced) != 1 || f.synced[0].String() != connected.ID {
			t.Fatalf("synced %v", f.synced)
		}

		// The traffic: the exchange and the waiting push, without bodies.
		r = w.do(admin, "GET", two, nil).want(t, http.StatusOK)
		var detail partnerJSON
		r.json(t, &detail)
		if len(detail.Exchanges) != 1 || detail.Exchanges[0]["module"] != "credentials" || detail.Exchanges[0]["ok"] != true ||
			detail.Exchanges[0]["direction"] != "out" {
			t.Fatalf("exchanges: %s", r.body)
		}
		if len(detail.Waiting) != 1 || detail.Waiting[0]["module"] != "tokens" || detail.Waiting[0]["key"] != "token:N04A1B2C3" ||
			detail.Waiting[0]["method"] != "PUT" {
			t.Fatalf("waiting: %s", r.body)
		}
		var retried struct {
			Waiting int64 `json:"waiting"`
		}
		w.do(admin, "POST", two+"/retry", nil).want(t, http.StatusAccepted).json(t, &retried)
		if retried.Waiting != 1 {
			t.Fatalf("retry now: %+v", retried)
		}
		w.do(otherAdmin, "POST", two+"/retry", nil).want(t, http.StatusNotFound)
		w.do(northFleet, "POST", two+"/retry", nil).want(t, http.StatusForbidden)
		for _, secret := range []string{fakeOutgoing, theirTokenA, `"uid"`, "hash-of"} {
			if strings.Contains(string(r.body), secret) {
				t.Fatalf("the partner's page holds %q: %s", secret, r.body)
			}
		}

		var events struct{ Data []map[string]any }
		w.do(admin, "GET", "/api/v1/audit-events?object_type="+fc.KindOCPIPartner, nil).want(t, http.StatusOK).json(t, &events)
		if len(events.Data) == 0 {
			t.Fatal("no audit event of a partner")
		}

		// Removal: the registered partner is told, the pending one not.
		w.do(admin, "DELETE", one, nil).want(t, http.StatusNoContent)
		w.do(admin, "DELETE", two, nil).want(t, http.StatusNoContent)
		if len(f.unregistered) != 1 || f.unregistered[0].String() != connected.ID {
			t.Fatalf("unregistered %v", f.unregistered)
		}
		w.do(admin, "GET", two, nil).want(t, http.StatusNotFound)
		w.do(admin, "GET", "/api/v1/ocpi-partners", nil).want(t, http.StatusOK).json(t, &list)
		if len(list.Data) != 0 {
			t.Fatalf("after removal: %+v", list.Data)
		}
	})
}

// TestChargeGroupRoaming: a charge group's roaming flag is read and
// written through the charge group API, false by default.
func TestChargeGroupRoaming(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		path := "/api/v1/charge-groups/" + w.north1.group.String()
		if got := w.do(admin, "GET", path, nil).want(t, http.StatusOK).object(t)["roaming"]; got != false {
			t.Fatalf("roaming by default: %v", got)
		}
		if got := w.do(admin, "PATCH", path, map[string]any{"roaming": true}).want(t, http.StatusOK).object(t)["roaming"]; got != true {
			t.Fatalf("roaming after the patch: %v", got)
		}
		if got := w.do(northFacility, "GET", path, nil).want(t, http.StatusOK).object(t)["roaming"]; got != true {
			t.Fatalf("roaming read back: %v", got)
		}
		w.do(admin, "PATCH", path, map[string]any{"roaming": "yes"}).want(t, http.StatusBadRequest)
		if got := w.do(admin, "PATCH", path, map[string]any{"load_priority": 5}).want(t, http.StatusOK).object(t)["roaming"]; got != true {
			t.Fatalf("a patch without roaming changed it: %v", got)
		}
	})
}

// TestPartnerLocationsAPI: the locations partners published are listed,
// page by page, to whoever reads cards (fleet side and admins) with their
// EVSEs counted (removed ones not); a facility manager and a user without
// roles are refused, another provider's admin sees none.
func TestPartnerLocationsAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		partner := w.ocpiPartner(t)
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		for i, name := range []string{"Harbour", "Station square", "Airport"} {
			obj := `{"id":"LOC` + string(rune('1'+i)) + `","name":"` + name + `","address":"Kade 1","city":"Rotterdam","country":"NLD",` +
				`"coordinates":{"latitude":"51.90000","longitude":"4.40000"},"evses":[{"uid":"E1","status":"AVAILABLE"},` +
				`{"uid":"E2","status":"CHARGING"},{"uid":"E3","status":"REMOVED"}]}`
			check(t, w.st.PutOCPIObject(ctx, fc.OCPIObject{PartnerID: partner, Module: fc.OCPIModuleLocations, CountryCode: "NL", PartyID: "ABC",
				ObjectID: "LOC" + string(rune('1'+i)), LastUpdated: at.Add(time.Duration(i) * time.Hour), Object: json.RawMessage(obj)}))
		}
		type page struct {
			Data []struct {
				ID        string `json:"id"`
				Name      string `json:"name"`
				Partner   string `json:"partner"`
				EVSEs     int    `json:"evses"`
				Available int    `json:"available"`
			}
			NextCursor *string `json:"next_cursor"`
		}
		var first page
		w.do(admin, "GET", "/api/v1/partner-locations?limit=2", nil).want(t, http.StatusOK).json(t, &first)
		if len(first.Data) != 2 || first.Data[0].Name != "Airport" || first.Data[0].Partner != "Pending partner" ||
			first.Data[0].EVSEs != 2 || first.Data[0].Available != 1 || first.NextCursor == nil {
			t.Fatalf("the first page: %+v", first)
		}
		var second page
		w.do(admin, "GET", "/api/v1/partner-locations?limit=2&after="+*first.NextCursor, nil).want(t, http.StatusOK).json(t, &second)
		if len(second.Data) != 1 || second.Data[0].Name != "Harbour" || second.NextCursor != nil {
			t.Fatalf("the second page: %+v", second)
		}
		var fleet page
		w.do(northFleet, "GET", "/api/v1/partner-locations?partner_id="+partner.String(), nil).want(t, http.StatusOK).json(t, &fleet)
		if len(fleet.Data) != 3 {
			t.Errorf("the fleet manager's list: %+v", fleet)
		}
		for _, who := range []string{northFacility, nobody} {
			w.do(who, "GET", "/api/v1/partner-locations", nil).want(t, http.StatusForbidden)
		}
		var other page
		w.do(otherAdmin, "GET", "/api/v1/partner-locations", nil).want(t, http.StatusOK).json(t, &other)
		if len(other.Data) != 0 {
			t.Errorf("another provider's admin lists %+v", other.Data)
		}
		w.do(admin, "GET", "/api/v1/partner-locations?after=x", nil).want(t, http.StatusBadRequest)
	})
}
