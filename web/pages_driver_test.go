package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The driver's portal joins the page leak walk, whose world has North's
// driver and a colleague planted in every list: the portal's pages as they
// are, start and stop (and the invitation) on every station (employee) the
// persona may not read.
func init() {
	pageCoverage["GET /my"] = wPage
	pageCoverage["GET /my/sessions"] = wPage
	pageCoverage["GET /my/cards"] = wPage
	pageCoverage["GET /my/reimbursement"] = wPage
	pageCoverage["POST /my/stations/{id}/start"] = wCommand
	pageCoverage["POST /my/stations/{id}/stop"] = wCommand
	pageCoverage["POST /employees/{id}/invite-driver"] = wPost
}

var oneTimePassword = regexp.MustCompile(`class="secret"[^>]*>([^<]+)<`)

// TestDriverPortal: a fleet manager invites an employee with a home station
// as a driver from the employee page; the driver signs in with the one-time
// password, chooses its own, lands on its portal and sees its home station
// with a start button, starts charging, and sees its sessions, cards,
// rates and approved statement with the PDF link, which serves a PDF.
// A colleague's card and the fleet manager's other pages are not there.
func TestDriverPortal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		employee, name := homeEmployee(t, w, holdingFleet)
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		sc := fc.ProviderScope(w.res.ProviderID)
		rate := &fc.ReimbursementRate{ProviderID: w.res.ProviderID, EmployeeID: employee, PerKWhMicros: 250000, Currency: "EUR", ValidFrom: "2020-01-01", ValidTo: "2021-01-01"}
		check(t, st.CreateReimbursementRate(ctx, rate))
		stmts, err := st.GenerateReimbursementStatements(ctx, sc, "2020-03")
		check(t, err)
		for _, x := range stmts {
			if x.EmployeeID == employee {
				_, err := st.ApproveReimbursementStatement(ctx, sc, x.ID)
				check(t, err)
			}
		}
		// A colleague's card, in the same account.
		e, err := st.Employee(ctx, sc, employee)
		check(t, err)
		colleague := &fc.Employee{ProviderID: w.res.ProviderID, AccountID: e.AccountID, Name: "Colleague Webtest", Active: true}
		check(t, st.CreateEmployee(ctx, colleague))
		check(t, st.CreateCard(ctx, &fc.Card{ProviderID: w.res.ProviderID, AccountID: e.AccountID, EmployeeID: colleague.ID,
			InternalID: "COLLEAGUE01", ExternalID: "NL-COLLEAGUE-WEB1", Status: fc.CardActive}))

		fm := w.as(t, holdingFleet)
		page := get(t, fm, "/employees/"+employee.String(), http.StatusOK)
		wantIn(t, "employee page", page, `action="/employees/`+employee.String()+`/invite-driver"`, "Invite as driver")
		rec := fm.do("POST", "/employees/"+employee.String()+"/invite-driver",
			url.Values{"csrf_token": {csrfOf(t, page)}, "email": {"driver.webtest@example.com"}})
		wantStatus(t, "invite", rec, http.StatusCreated)
		m := oneTimePassword.FindStringSubmatch(body(rec))
		if m == nil {
			t.Fatalf("no one-time password on the invitation's page:\n%s", body(rec))
		}

		d := &browser{t: t, h: w.srv, cookies: map[string]string{}}
		wantRedirect(t, "the driver signs in", d.signIn("driver.webtest@example.com", m[1]), "/account/password")
		form := url.Values{"csrf_token": {d.csrf("/account/password")}, "current_password": {m[1]},
			"new_password": {"a driver's own long password"}, "confirm_password": {"a driver's own long password"}}
		wantRedirect(t, "password change", d.do("POST", "/account/password", form), "/")
		wantRedirect(t, "the start page", d.do("GET", "/", nil), "/my")

		home := get(t, d, "/my", http.StatusOK)
		wantIn(t, "portal while the station is offline", home, "WEB-TEST-HOME", "The station is offline")
		wantNotIn(t, "portal while the station is offline", home, "Start charging")
		stationID := w.one(t, `SELECT id FROM stations WHERE identity = 'WEB-TEST-HOME'`)
		check(t, st.SetConnection(ctx, stationID, true, "1.6", time.Now()))
		home = get(t, d, "/my", http.StatusOK)
		wantIn(t, "portal", home, "Web test home", "WEB-TEST-HOME", "Start charging", `href="/my/sessions"`)
		nav := navLinks.FindString(home)
		wantIn(t, "driver's navigation", nav, `href="/my"`)
		wantNotIn(t, "driver's navigation", nav, `href="/reports"`, `href="/users"`, `href="/audit"`)
		station := regexp.MustCompile(`action="/my/stations/(\d+)/start"`).FindStringSubmatch(home)
		if station == nil {
			t.Fatalf("no start form:\n%s", home)
		}
		rec = d.do("POST", "/my/stations/"+station[1]+"/start", url.Values{"csrf_token": {csrfOf(t, home)}, "connector_id": {"1"}})
		wantRedirect(t, "start", rec, "/my?done=start-sent")
		if got := w.cmds.calls; len(got) != 1 || got[0] != "WEB-TEST-HOME RemoteStartTransaction" {
			t.Errorf("the stations were sent %v", got)
		}

		sessions := get(t, d, "/my/sessions", http.StatusOK)
		wantIn(t, "sessions", sessions, "Web test home", "12.345", "7.001")
		cards := get(t, d, "/my/cards", http.StatusOK)
		wantNotIn(t, "cards", cards, "NL-COLLEAGUE-WEB1")
		reimb := get(t, d, "/my/reimbursement", http.StatusOK)
		wantIn(t, "reimbursement", reimb, "2020-03", "approved", "4.84 EUR", "0.250000 EUR")
		pdf := regexp.MustCompile(`href="(/reimbursement/statements/\d+/pdf)"`).FindStringSubmatch(reimb)
		if pdf == nil {
			t.Fatalf("no PDF link:\n%s", reimb)
		}
		rec = d.do("GET", pdf[1], nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(body(rec), "%PDF-") {
			t.Errorf("the statement's PDF: %d %.40q", rec.Code, body(rec))
		}
		for _, p := range []string{"/users", "/audit", "/employees/" + colleague.ID.String()} {
			if rec := d.do("GET", p, nil); rec.Code != http.StatusNotFound && rec.Code != http.StatusForbidden {
				t.Errorf("the driver reads %s: %d", p, rec.Code)
			}
		}
		_ = name
	})
}

// TestPortalNotFoundForOthers: the portal is a driver's; a fleet manager who
// is none finds none of it.
func TestPortalNotFoundForOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, holdingFleet)
		for _, p := range []string{"/my", "/my/sessions", "/my/cards", "/my/reimbursement"} {
			get(t, b, p, http.StatusNotFound)
		}
		wantNotIn(t, "fleet manager's navigation", navLinks.FindString(get(t, b, "/", http.StatusOK)), `href="/my"`)
	})
}
