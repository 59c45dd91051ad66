package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// world is the seed's case A, a logistics holding in one country, on a
// fresh store: the holding's organization with two subsidiaries, North and
// South, each with a company account holding an employee, a card, an office
// location, a charge group and a station, and a session with the card at
// the station; plus a second provider with its own admin. Personas hold
// the roles the seed describes, each with an API token.
type world struct {
	t   *testing.T
	st  *store.Store
	srv *api.Server
	cmd *fakeCommander

	provider, other                fc.ID
	holding, north, south          fc.ID // organizations
	holdingAcc, northAcc, southAcc fc.ID // accounts
	north1, south1                 assets
	otherAcc                       fc.ID
	users                          map[string]fc.ID
	tokens                         map[string]string
}

// assets are the objects of one subsidiary's account.
type assets struct {
	employee, card, location, group, station, session fc.ID
	identity                                          string
}

// The personas, by the names tests use.
const (
	admin         = "admin"          // provider admin on the whole provider
	holdingMgr    = "holding"        // fleet + facility manager on the holding
	northFleet    = "north-fleet"    // fleet manager on North
	northFacility = "north-facility" // facility manager on North
	northAdmin    = "north-admin"    // account admin of North's company account
	southFleet    = "south-fleet"    // fleet manager on South: another subsidiary's manager
	otherAdmin    = "other"          // provider admin of another provider
	nobody        = "nobody"         // a user without roles
)

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eachWorld runs fn on a fresh world on every engine.
func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st *store.Store) { fn(t, newWorld(t, st)) })
}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
	w := &world{t: t, st: st, cmd: &fakeCommander{online: map[string]bool{}}, users: map[string]fc.ID{}, tokens: map[string]string{}}
	p := &fc.Provider{Name: "Logistics CPO"}
	check(t, st.CreateProvider(ctx, p))
	q := &fc.Provider{Name: "Other CPO"}
	check(t, st.CreateProvider(ctx, q))
	w.provider, w.other = p.ID, q.ID

	org := func(providerID, parent fc.ID, name string) fc.ID {
		o := &fc.Organization{ProviderID: providerID, ParentID: parent, Name: name}
		check(t, st.CreateOrganization(ctx, o))
		return o.ID
	}
	account := func(providerID, orgID fc.ID, name string) fc.ID {
		a := &fc.Account{ProviderID: providerID, OrganizationID: orgID, Name: name, Kind: fc.AccountCompany}
		check(t, st.CreateAccount(ctx, a))
		return a.ID
	}
	w.holding = org(p.ID, 0, "Logistics Holding")
	w.north = org(p.ID, w.holding, "North")
	w.south = org(p.ID, w.holding, "South")
	w.holdingAcc = account(p.ID, w.holding, "Holding fleet account")
	w.northAcc = account(p.ID, w.north, "North Transport")
	w.southAcc = account(p.ID, w.south, "South Transport")
	w.north1 = w.subsidiary(ctx, p.ID, w.northAcc, "N")
	w.south1 = w.subsidiary(ctx, p.ID, w.southAcc, "S")
	w.otherAcc = account(q.ID, org(q.ID, 0, "Elsewhere"), "Elsewhere Ltd")

	authSvc := auth.New(st, auth.Config{})
	authSvc.Logger = slog.New(slog.DiscardHandler)
	persona := func(name string, providerID fc.ID, as ...fc.Assignment) {
		u := &fc.User{ProviderID: providerID, Email: name + "@example.com", Name: name, PasswordHash: "unused"}
		check(t, st.CreateUser(ctx, u))
		for _, a := range as {
			a.UserID = u.ID
			check(t, st.CreateAssignment(ctx, &a))
		}
		token, _, err := authSvc.CreateAPIToken(ctx, u, "test")
		check(t, err)
		w.users[name], w.tokens[name] = u.ID, token
	}
	onOrg := func(r fc.Role, id fc.ID) fc.Assignment { return fc.Assignment{Role: r, OrganizationID: id} }
	persona(admin, p.ID, fc.Assignment{Role: fc.RoleProviderAdmin})
	persona(holdingMgr, p.ID, onOrg(fc.RoleFleetManager, w.holding), onOrg(fc.RoleFacilityManager, w.holding))
	persona(northFleet, p.ID, onOrg(fc.RoleFleetManager, w.north))
	persona(northFacility, p.ID, onOrg(fc.RoleFacilityManager, w.north))
	persona(northAdmin, p.ID, fc.Assignment{Role: fc.RoleAccountAdmin, AccountID: w.northAcc})
	persona(southFleet, p.ID, onOrg(fc.RoleFleetManager, w.south))
	persona(otherAdmin, q.ID, fc.Assignment{Role: fc.RoleProviderAdmin})
	persona(nobody, p.ID)

	w.srv = api.New(api.Config{Store: st, Auth: authSvc, Commander: w.cmd, Logger: slog.New(slog.DiscardHandler)})
	return w
}

// subsidiary creates the assets of one account and a session with its
// card at its station.
func (w *world) subsidiary(ctx context.Context, providerID, accountID fc.ID, prefix string) assets {
	t := w.t
	e := &fc.Employee{ProviderID: providerID, AccountID: accountID, Name: prefix + " Driver", Active: true}
	check(t, w.st.CreateEmployee(ctx, e))
	c := &fc.Card{ProviderID: providerID, AccountID: accountID, EmployeeID: e.ID, InternalID: prefix + "04A1B2C3", ExternalID: prefix + "-0001", Status: fc.CardActive}
	check(t, w.st.CreateCard(ctx, c))
	l := &fc.Location{ProviderID: providerID, AccountID: accountID, Name: prefix + " Depot", Kind: fc.LocationOffice}
	check(t, w.st.CreateLocation(ctx, l))
	g := &fc.ChargeGroup{ProviderID: providerID, AccountID: accountID, Name: prefix + " Depot chargers", Kind: fc.GroupOther,
		Access: fc.AccessPublic, Tariff: fc.Tariff{Currency: "EUR", PerKWhMicros: 350000}}
	check(t, w.st.CreateChargeGroup(ctx, g))
	st := &fc.Station{ProviderID: providerID, AccountID: accountID, LocationID: l.ID, ChargeGroupID: g.ID, Identity: prefix + "-DEPOT-1",
		PasswordHash: "unused"}
	check(t, w.st.CreateStation(ctx, st, 2))
	start := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	stop := start.Add(90 * time.Minute)
	x := &fc.Session{ProviderID: providerID, ExternalRef: prefix + "-ref-1", CardID: c.ID, StationID: st.ID, ConnectorID: 1,
		StartedAt: start, StoppedAt: &stop, EnergyWh: 12345, CostMinor: 432, Currency: "EUR"}
	_, err := w.st.ImportSession(ctx, x)
	check(t, err)
	return assets{employee: e.ID, card: c.ID, location: l.ID, group: g.ID, station: st.ID, session: x.ID, identity: st.Identity}
}

// response is an answer of the API.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d, body %s: %v", r.status, r.body, err)
	}
}

// object returns the body as a JSON object.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// errorCode returns the code of an error body, "" for another body.
func (r response) errorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// fields returns the field errors of an error body.
func (r response) fields() map[string]string {
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Fields
}

// do sends a request as the persona who ("" for none). A string or []byte
// body is sent as it is, anything else as JSON.
func (w *world) do(who, method, path string, body any) response {
	return w.send(who, method, path, "application/json", body)
}

func (w *world) send(who, method, path, contentType string, body any) response {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		check(w.t, err)
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	}
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// want fails the test unless the response has the status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// ids returns the IDs of a list response's data.
func (r response) ids(t *testing.T) []string {
	t.Helper()
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	r.json(t, &page)
	out := make([]string, len(page.Data))
	for i, d := range page.Data {
		out[i] = d.ID
	}
	return out
}

// fakeCommander answers remote commands for the stations marked online:
// with the reply set for the action, or Accepted.
type fakeCommander struct {
	online  map[string]bool
	calls   []string
	last    any
	replies map[string]string // by action
}

func (f *fakeCommander) Call(ctx context.Context, identity, action string, req any) (json.RawMessage, error) {
	if !f.online[identity] {
		return nil, fc.Errorf(fc.EConflict, "station %s is offline", identity)
	}
	f.calls = append(f.calls, identity+" "+action)
	f.last = req
	if reply, ok := f.replies[action]; ok {
		return json.RawMessage(reply), nil
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}
