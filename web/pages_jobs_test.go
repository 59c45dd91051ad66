package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The station job pages join the page leak walk: the list and the form
// (whose organization and group choices are what the persona sees) as
// they are; the job page's walk over every persona's jobs is
// TestStationJobPages' (a job is readable by its creator and provider
// admins alone).
func init() {
	pageCoverage["GET /station-jobs"] = wList
	pageCoverage["GET /station-jobs/new"] = wPage
	pageCoverage["POST /station-jobs"] = wPage
	pageCoverage["GET /station-jobs/{id}"] = wPage
}

// TestStationJobPages: a facility manager starts a job over its
// organization from the form and follows it on the job page, which
// refreshes itself while the job runs and lists only the organization's
// stations; a bad argument is shown on its field and starts nothing; the
// job is the creator's and the provider admin's to read (the demo's
// finished campaign is the admin's), and the pages are
// not found for those who command no station.
func TestStationJobPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		org := w.one(t, `SELECT ra.organization_id FROM role_assignments ra JOIN users u ON u.id = ra.user_id
			WHERE u.email = '`+facilitiesDE+`' AND ra.organization_id IS NOT NULL`)
		b := w.as(t, facilitiesDE)
		wantIn(t, "empty list", get(t, b, "/station-jobs", http.StatusOK), "No jobs yet.", `href="/station-jobs/new"`)
		nav := navLinks.FindString(get(t, b, "/", http.StatusOK))
		wantIn(t, "navigation", nav, `href="/station-jobs"`)
		page := get(t, b, "/station-jobs/new", http.StatusOK)
		wantIn(t, "form", page, `<option value="`+org.String()+`"`, `<option value="update-firmware"`, `name="charge_group_id"`)
		post := func(vals url.Values) (int, string, string) {
			t.Helper()
			vals.Set("csrf_token", csrfOf(t, page))
			rec := b.do("POST", "/station-jobs", vals)
			return rec.Code, rec.Header().Get("Location"), rec.Body.String()
		}
		before := len(w.ids(t, `SELECT id FROM station_jobs`))
		code, _, body := post(url.Values{"command": {"reset"}, "type": {"Gentle"}, "organization_id": {org.String()}})
		if code != http.StatusBadRequest || !strings.Contains(body, "must be one of") {
			t.Fatalf("a bad type: %d\n%.2000s", code, body)
		}
		code, _, body = post(url.Values{"command": {"reset"}, "type": {"Soft"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "exactly one of") {
			t.Fatalf("no target: %d\n%.2000s", code, body)
		}
		if n := len(w.ids(t, `SELECT id FROM station_jobs`)); n != before {
			t.Fatalf("a refused job was stored")
		}
		code, loc, body := post(url.Values{"command": {"reset"}, "type": {"Soft"}, "organization_id": {org.String()}})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/station-jobs/") {
			t.Fatalf("start a job: %d %s\n%.2000s", code, loc, body)
		}
		page = get(t, b, loc, http.StatusOK)
		identities := w.ids(t, `SELECT st.id FROM stations st JOIN accounts a ON a.id = st.account_id
			JOIN org_closure c ON c.descendant_id = a.organization_id WHERE c.ancestor_id = $1`, int64(org))
		if len(identities) == 0 {
			t.Fatal("the organization has no stations")
		}
		wantIn(t, "job page", page, "Station job #", "reset", "running", `id="live-results" data-live`, `{&#34;type&#34;:&#34;Soft&#34;}`,
			`href="/stations/`+identities[0].String()+`"`)
		others := w.ids(t, `SELECT st.id FROM stations st WHERE st.id NOT IN (SELECT st.id FROM stations st JOIN accounts a ON a.id = st.account_id
			JOIN org_closure c ON c.descendant_id = a.organization_id WHERE c.ancestor_id = $1)`, int64(org))
		for _, id := range others {
			wantNotIn(t, "job page", page, `href="/stations/`+id.String()+`"`)
		}
		wantIn(t, "list", get(t, b, "/station-jobs", http.StatusOK), `href="`+loc+`"`, "pending")

		admin := w.as(t, adminEmail)
		get(t, admin, loc, http.StatusOK)
		// The demo's finished firmware campaign, the admin's.
		list := get(t, admin, "/station-jobs", http.StatusOK)
		wantIn(t, "admin's jobs", list, "update-firmware", "done", `href="`+loc+`"`)
		demoJob := w.one(t, `SELECT id FROM station_jobs WHERE command = 'update-firmware'`)
		wantIn(t, "demo job", get(t, admin, "/station-jobs/"+demoJob.String(), http.StatusOK), "InstallationFailed", "Installed", "rejected")
		get(t, w.as(t, holdingFleet), loc, http.StatusNotFound)
		get(t, w.as(t, fleetWest), "/station-jobs", http.StatusNotFound)
		get(t, w.as(t, fleetWest), "/station-jobs/new", http.StatusNotFound)
	})
}
