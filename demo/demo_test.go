package demo_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var demoNow = time.Date(2025, 6, 16, 12, 0, 0, 0, time.UTC)

func mustLoad(t *testing.T, s *store.Store, seed int64) demo.Result {
	t.Helper()
	res, err := demo.Load(context.Background(), s, demo.Options{Seed: seed, Now: demoNow})
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	return res
}

// queryStrings returns the first column of every row of the query.
func queryStrings(t *testing.T, s *store.Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, s *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestLoad loads the demo three times per engine, twice with one seed and
// once with another, and checks the first load in subtests.
func TestLoad(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine)
			res := mustLoad(t, s, 7)
			t.Run("counts", func(t *testing.T) { checkCounts(t, s, res) })
			t.Run("personas", func(t *testing.T) { checkPersonas(t, s, res) })
			t.Run("sessions", func(t *testing.T) { checkSessions(t, s) })
			t.Run("ocpp 2.0.1", func(t *testing.T) { checkOCPP201(t, s, res) })
			t.Run("load management", func(t *testing.T) { checkLoad(t, s) })
			t.Run("reimbursement", func(t *testing.T) { checkReimbursement(t, s) })
			t.Run("invoicing", func(t *testing.T) { checkInvoicing(t, s) })
			t.Run("deterministic", func(t *testing.T) { checkDeterministic(t, engine, s, res) })
		})
	}
}

// checkCounts checks the result's counts against the tables, and the shape
// of the data.
func checkCounts(t *testing.T, s *store.Store, res demo.Result) {
	c := res.Counts
	tests := []struct {
		table string
		want  int
	}{
		{"providers", 1},
		{"organizations", c.Organizations},
		{"accounts", c.Accounts},
		{"employees", c.Employees},
		{"cards", c.Cards},
		{"locations", c.Locations},
		{"charge_groups", c.ChargeGroups},
		{"stations", c.Stations},
		{"users", c.Users},
		{"sessions", c.Sessions},
	}
	for _, tt := range tests {
		if got := count(t, s, "SELECT COUNT(*) FROM "+tt.table); got != tt.want {
			t.Errorf("%s = %d, want %d", tt.table, got, tt.want)
		}
	}
	// The seed's two customers: a holding with four subsidiaries, and one
	// with four countries of two accounts each, plus the fleet account.
	if c.Organizations != 10 || c.Accounts != 13 {
		t.Errorf("organizations, accounts = %d, %d; want 10, 13", c.Organizations, c.Accounts)
	}
	if c.Sessions < 1500 || c.Sessions > 6000 {
		t.Errorf("sessions = %d, want a few thousand", c.Sessions)
	}
	if got, want := len(res.Logins), c.Users; got != want {
		t.Errorf("logins = %d, want one per user (%d)", got, want)
	}
	if got, want := len(res.Stations), c.Stations; got != want {
		t.Errorf("station logins = %d, want one per station (%d)", got, want)
	}
	for _, status := range []string{fc.CardActive, fc.CardInactive, fc.CardDeactivated} {
		if got := count(t, s, "SELECT COUNT(*) FROM cards WHERE status = $1", status); got == 0 {
			t.Errorf("no %s cards", status)
		}
	}
	if got := count(t, s, "SELECT COUNT(*) FROM users WHERE must_change_password"); got != 0 {
		t.Errorf("%d demo users must change their password, want none", got)
	}
}

func TestLoadRefusesNonEmptyDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if err := s.CreateProvider(context.Background(), &fc.Provider{Name: "Existing CPO"}); err != nil {
			t.Fatal(err)
		}
		_, err := demo.Load(context.Background(), s, demo.Options{Seed: 1, Now: demoNow})
		if !fc.IsCode(err, fc.EConflict) {
			t.Fatalf("load into a non-empty database: err = %v, want %s", err, fc.EConflict)
		}
		if got := count(t, s, "SELECT COUNT(*) FROM organizations"); got != 0 {
			t.Errorf("organizations = %d, want 0", got)
		}
	})
}

// fingerprint is what must not change between two loads with one seed.
func fingerprint(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"organizations": `SELECT id || ' ' || name || ' ' || country FROM organizations ORDER BY id`,
		"accounts":      `SELECT id || ' ' || name FROM accounts ORDER BY id`,
		"employees":     `SELECT id || ' ' || name || ' ' || email || ' ' || employee_number FROM employees ORDER BY id`,
		"cards":         `SELECT id || ' ' || internal_id || ' ' || external_id || ' ' || status || ' ' || COALESCE(last_used_at, 0) FROM cards ORDER BY id`,
		"locations":     `SELECT id || ' ' || name || ' ' || address || ' ' || city FROM locations ORDER BY id`,
		"stations":      `SELECT id || ' ' || identity || ' ' || serial_number FROM stations ORDER BY id`,
		"sessions": `SELECT id || ' ' || card_id || ' ' || COALESCE(station_id, 0) || ' ' || started_at || ' ' || stopped_at || ' ' ||
			energy_wh || ' ' || cost_minor || ' ' || currency || ' ' || meter_start_wh FROM sessions ORDER BY id`,
	}
	out := map[string][]string{}
	for name, q := range queries {
		out[name] = queryStrings(t, s, q)
	}
	return out
}

func checkDeterministic(t *testing.T, engine string, a *store.Store, ra demo.Result) {
	b := storetest.Open(t, engine)
	rb := mustLoad(t, b, 7)
	fa, fb := fingerprint(t, a), fingerprint(t, b)
	for name, got := range fa {
		if want := fb[name]; !slices.Equal(got, want) {
			t.Errorf("%s differ between two loads with one seed:\n%v\n%v", name, head(got), head(want))
		}
	}
	if ra.Counts != rb.Counts {
		t.Errorf("counts differ: %+v, %+v", ra.Counts, rb.Counts)
	}
	for i := range ra.Logins {
		if ra.Logins[i].Email != rb.Logins[i].Email || ra.Logins[i].UserID != rb.Logins[i].UserID {
			t.Errorf("login %d differs: %s, %s", i, ra.Logins[i].Email, rb.Logins[i].Email)
		}
	}

	c := storetest.Open(t, engine)
	mustLoad(t, c, 8)
	if slices.Equal(fingerprint(t, c)["sessions"], fa["sessions"]) {
		t.Errorf("another seed gave the same sessions")
	}
}

func head(list []string) []string { return list[:min(len(list), 5)] }

// checkPersonas checks that the personas hold the roles the seed's use cases
// describe, and that their printed passwords work.
func checkPersonas(t *testing.T, s *store.Store, res demo.Result) {
	type grant struct {
		role  fc.Role
		scope string // organization or account name; "" for the provider
	}
	want := map[string][]grant{
		"admin@voltaria.example": {{fc.RoleProviderAdmin, ""}},
		// Case A: fleet + facility on the holding, account admins per subsidiary.
		"fleet@vandijk-logistics.example": {
			{fc.RoleFleetManager, "Van Dijk Logistics Groep"}, {fc.RoleFacilityManager, "Van Dijk Logistics Groep"}},
		"admin.transport@vandijk-logistics.example":   {{fc.RoleAccountAdmin, "Van Dijk Transport B.V."}},
		"admin.warehousing@vandijk-logistics.example": {{fc.RoleAccountAdmin, "Van Dijk Warehousing B.V."}},
		"admin.express@vandijk-logistics.example":     {{fc.RoleAccountAdmin, "Van Dijk Express B.V."}},
		"admin.coldchain@vandijk-logistics.example":   {{fc.RoleAccountAdmin, "Van Dijk Cold Chain B.V."}},
		// Case B: fleet + facility on the holding, facility and fleet at
		// country level (fleet over two countries), account admins per country.
		"group.fleet@meridian-consulting.example": {
			{fc.RoleFleetManager, "Meridian Consulting Group"}, {fc.RoleFacilityManager, "Meridian Consulting Group"}},
		"facilities.de@meridian-consulting.example": {{fc.RoleFacilityManager, "Meridian Consulting Deutschland"}},
		"fleet.west@meridian-consulting.example": {
			{fc.RoleFleetManager, "Meridian Conseil France"}, {fc.RoleFleetManager, "Meridian Consulting Belgium"}},
		"admin.de@meridian-consulting.example": {
			{fc.RoleAccountAdmin, "Meridian Consulting GmbH – Home Charging"}, {fc.RoleAccountAdmin, "Meridian Consulting GmbH – Offices"}},
		"admin.fr@meridian-consulting.example": {
			{fc.RoleAccountAdmin, "Meridian Conseil SAS – Home Charging"}, {fc.RoleAccountAdmin, "Meridian Conseil SAS – Offices"}},
		"admin.be@meridian-consulting.example": {
			{fc.RoleAccountAdmin, "Meridian Consulting BV – Home Charging"}, {fc.RoleAccountAdmin, "Meridian Consulting BV – Offices"}},
		"admin.uk@meridian-consulting.example": {
			{fc.RoleAccountAdmin, "Meridian Consulting Ltd – Home Charging"}, {fc.RoleAccountAdmin, "Meridian Consulting Ltd – Offices"}},
	}
	ctx := context.Background()
	orgNames, accountNames := map[fc.ID]string{}, map[fc.ID]string{}
	for q, names := range map[string]map[fc.ID]string{`SELECT id, name FROM organizations`: orgNames, `SELECT id, name FROM accounts`: accountNames} {
		rows, err := s.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id fc.ID
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			names[id] = name
		}
		rows.Close()
	}
	if got := len(res.Logins); got != len(want) {
		t.Errorf("logins = %d, want %d", got, len(want))
	}
	for _, l := range res.Logins {
		u, err := s.UserByEmail(ctx, l.Email)
		if err != nil {
			t.Fatalf("user %s: %v", l.Email, err)
		}
		if u.ID != l.UserID || l.Provider != res.Provider || l.Role == "" || len(l.Password) < 12 {
			t.Errorf("login %+v does not describe user %d of %s", l, u.ID, res.Provider)
		}
		as, err := s.UserAssignments(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []grant
		for _, a := range as {
			got = append(got, grant{a.Role, orgNames[a.OrganizationID] + accountNames[a.AccountID]})
		}
		key := func(g grant) string { return string(g.role) + "|" + g.scope }
		slices.SortFunc(got, func(a, b grant) int { return strings.Compare(key(a), key(b)) })
		w := slices.Clone(want[l.Email])
		slices.SortFunc(w, func(a, b grant) int { return strings.Compare(key(a), key(b)) })
		if !slices.Equal(got, w) {
			t.Errorf("%s holds %v, want %v", l.Email, got, w)
		}
	}
	// One password check: argon2id is slow on purpose.
	u, err := s.UserByEmail(ctx, res.Logins[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	if !secret.CheckPassword(u.PasswordHash, res.Logins[0].Password) {
		t.Errorf("the printed password of %s does not match its hash", u.Email)
	}
	for _, sl := range res.Stations {
		st, err := s.StationByIdentity(ctx, sl.Identity)
		if err != nil {
			t.Fatalf("station %s: %v", sl.Identity, err)
		}
		if !secret.CheckStationPassword(st.PasswordHash, sl.Password) {
			t.Errorf("the printed password of station %s does not match its hash", sl.Identity)
		}
		if got := count(t, s, `SELECT COUNT(*) FROM charge_points WHERE station_id = $1`, int64(st.ID)); got != sl.Connectors {
			t.Errorf("station %s has %d charge points, want %d", sl.Identity, got, sl.Connectors)
		}
	}
}

// checkSessions checks that every session is plausible and consistent with
// its card and station, and that every kind of session occurs.
func checkSessions(t *testing.T, s *store.Store) {
	from, to := demoNow.AddDate(0, 0, -91).UnixMilli(), demoNow.UnixMilli()
	checks := []struct {
		name  string
		query string
	}{
		{"card side differs from the card", `SELECT COUNT(*) FROM sessions s JOIN cards c ON c.id = s.card_id
			WHERE s.card_account_id <> c.account_id OR COALESCE(s.employee_id, 0) <> COALESCE(c.employee_id, 0) OR s.id_tag <> c.internal_id`},
		{"station side differs from the station", `SELECT COUNT(*) FROM sessions s JOIN stations st ON st.id = s.station_id
			JOIN locations l ON l.id = st.location_id
			WHERE s.station_account_id <> st.account_id OR s.location_id <> st.location_id OR s.location_kind <> l.kind OR s.source <> 'ocpp'`},
		{"own-station session priced in another currency than its group", `SELECT COUNT(*) FROM sessions s JOIN stations st ON st.id = s.station_id
			JOIN charge_groups g ON g.id = st.charge_group_id WHERE s.currency <> g.currency`},
		{"foreign session not a public import", `SELECT COUNT(*) FROM sessions WHERE station_id IS NULL
			AND (source <> 'import' OR location_kind <> 'public' OR location_name = '' OR external_ref IS NULL OR station_account_id IS NOT NULL)`},
		{"energy outside 3-60 kWh", `SELECT COUNT(*) FROM sessions WHERE energy_wh < 3000 OR energy_wh > 60000`},
		{"duration outside 20 min-10 h", `SELECT COUNT(*) FROM sessions WHERE duration_s < 1200 OR duration_s > 36000 OR duration_s * 1000 <> stopped_at - started_at`},
		{"outside the 90 days (a year at home)", fmt.Sprintf(`SELECT COUNT(*) FROM sessions WHERE started_at < %d AND location_kind <> 'home'
			OR started_at < %d OR stopped_at > %d`, from, demoNow.AddDate(-1, 0, -31).UnixMilli(), to)},
		{"without cost", `SELECT COUNT(*) FROM sessions WHERE cost_minor <= 0`},
		{"with a start key", `SELECT COUNT(*) FROM sessions WHERE start_key IS NOT NULL`},
		{"overlapping on one connector", `SELECT COUNT(*) FROM sessions a JOIN sessions b ON a.station_id = b.station_id
			AND a.connector_id = b.connector_id AND a.id < b.id AND a.started_at < b.stopped_at AND b.started_at < a.stopped_at`},
		{"overlapping on one card", `SELECT COUNT(*) FROM sessions a JOIN sessions b ON a.card_id = b.card_id
			AND a.id < b.id AND a.started_at < b.stopped_at AND b.started_at < a.stopped_at`},
		{"card used after it was blocked", `SELECT COUNT(*) FROM cards c WHERE c.status <> 'active' AND c.last_used_at > ` + fmt.Sprint(demoNow.AddDate(0, 0, -7).UnixMilli())},
		{"last_used_at not the latest start", `SELECT COUNT(*) FROM cards c WHERE COALESCE(c.last_used_at, 0) <> COALESCE((SELECT MAX(started_at) FROM sessions s WHERE s.card_id = c.id), 0)`},
		{"at a UK station not in GBP", `SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.station_account_id
			WHERE a.name LIKE '%Ltd%' AND s.currency <> 'GBP'`},
		{"of a UK card on the road not in GBP", `SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.card_account_id
			WHERE s.station_id IS NULL AND a.name LIKE '%Ltd%' AND s.currency <> 'GBP'`},
	}
	for _, c := range checks {
		if got := count(t, s, c.query); got != 0 {
			t.Errorf("%d sessions %s", got, c.name)
		}
	}
	wants := []struct {
		name  string
		query string
	}{
		{"office sessions", `SELECT COUNT(*) FROM sessions WHERE location_kind = 'office'`},
		{"home sessions", `SELECT COUNT(*) FROM sessions WHERE location_kind = 'home'`},
		{"public imports", `SELECT COUNT(*) FROM sessions WHERE location_kind = 'public' AND source = 'import'`},
		{"sessions on own public stations", `SELECT COUNT(*) FROM sessions WHERE location_kind = 'public' AND source = 'ocpp'`},
		{"GBP sessions", `SELECT COUNT(*) FROM sessions WHERE currency = 'GBP'`},
		{"sessions of one customer's card at the other's station", `SELECT COUNT(*) FROM sessions s
			JOIN org_closure ca ON ca.descendant_id = (SELECT organization_id FROM accounts WHERE id = s.card_account_id)
			JOIN org_closure sa ON sa.descendant_id = (SELECT organization_id FROM accounts WHERE id = s.station_account_id)
			JOIN organizations co ON co.id = ca.ancestor_id AND co.parent_id IS NULL
			JOIN organizations so ON so.id = sa.ancestor_id AND so.parent_id IS NULL
			WHERE co.id <> so.id`},
		{"sessions of one subsidiary's card at another's office", `SELECT COUNT(*) FROM sessions s JOIN accounts ca ON ca.id = s.card_account_id
			JOIN accounts sa ON sa.id = s.station_account_id WHERE s.location_kind = 'office' AND ca.organization_id <> sa.organization_id`},
	}
	for _, w := range wants {
		if got := count(t, s, w.query); got == 0 {
			t.Errorf("no %s", w.name)
		}
	}
}

func TestPrintLogins(t *testing.T) {
	r := demo.Result{Provider: "CPO", Counts: demo.Counts{Users: 1, Stations: 1},
		Logins:   []demo.Login{{Email: "a@b.example", Password: "pw123456789012", Provider: "CPO", Role: "fleet manager on X"}},
		Stations: []demo.StationLogin{{Identity: "ST-01", Password: "stationpassword", Connectors: 2, Location: "Depot"}}}
	var buf bytes.Buffer
	demo.PrintLogins(&buf, r)
	for _, want := range []string{"a@b.example", "pw123456789012", "fleet manager on X", "ST-01", "stationpassword", "Depot"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

// checkOCPP201 checks that the demo shows OCPP 2.0.1 stations: their
// version as read, a device model with one EVSE per charge point, and
// security events.
func checkOCPP201(t *testing.T, s *store.Store, res demo.Result) {
	ctx := context.Background()
	var n int
	for _, login := range res.Stations {
		st, err := s.StationByIdentity(ctx, login.Identity)
		if err != nil {
			t.Fatal(err)
		}
		if st.OCPPVersion != login.OCPP {
			t.Errorf("%s speaks %q, the result says %q", login.Identity, st.OCPPVersion, login.OCPP)
		}
		if login.OCPP != fc.OCPP201 {
			continue
		}
		n++
		model, err := s.DeviceModel(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		evses := map[int]bool{}
		for _, v := range model {
			if v.Component == "EVSE" {
				evses[v.EVSEID] = true
			}
		}
		if len(model) == 0 || len(evses) != login.Connectors {
			t.Errorf("%s: %d variables, EVSEs %v; want some, one per charge point (%d)", login.Identity, len(model), evses, login.Connectors)
		}
		if events, err := s.SecurityEvents(ctx, st.ID, 10); err != nil || len(events) == 0 {
			t.Errorf("%s: security events %v, %v; want some", login.Identity, events, err)
		}
	}
	if n == 0 {
		t.Error("no OCPP 2.0.1 station in the demo")
	}
}

// checkReimbursement: both customers have employees with home chargers,
// rates (two each, one after the other) and a statement for each of the
// twelve months before the present one whose home sessions it holds: the
// last month a draft, the one before approved, the older ones paid; every
// home session of an employee's own card in those months is on one.
func checkReimbursement(t *testing.T, s *store.Store) {
	t.Helper()
	for _, like := range []string{"Van Dijk%", "Meridian%"} {
		if got := count(t, s, `SELECT COUNT(DISTINCT rs.employee_id) FROM reimbursement_statements rs JOIN accounts a ON a.id = rs.account_id
			WHERE a.name LIKE $1`, like); got < 4 {
			t.Errorf("%s: %d employees with statements", like, got)
		}
	}
	if got := count(t, s, `SELECT COUNT(*) FROM reimbursement_rates r WHERE NOT EXISTS (SELECT 1 FROM reimbursement_rates o
		WHERE o.employee_id = r.employee_id AND o.id <> r.id AND (o.valid_to = r.valid_from OR r.valid_to = o.valid_from))`); got != 0 {
		t.Errorf("%d rates without a neighbour", got)
	}
	periods := count(t, s, `SELECT COUNT(DISTINCT period) FROM reimbursement_statements`)
	last := count(t, s, `SELECT COUNT(*) FROM reimbursement_statements WHERE period = (SELECT MAX(period) FROM reimbursement_statements) AND status <> 'draft'`)
	before := count(t, s, `SELECT COUNT(*) FROM reimbursement_statements WHERE period = (SELECT MAX(period) FROM reimbursement_statements
		WHERE period < (SELECT MAX(period) FROM reimbursement_statements)) AND status <> 'approved'`)
	older := count(t, s, `SELECT COUNT(*) FROM reimbursement_statements WHERE period < (SELECT MAX(period) FROM reimbursement_statements
		WHERE period < (SELECT MAX(period) FROM reimbursement_statements)) AND status <> 'paid'`)
	if periods != 12 || last != 0 || before != 0 || older != 0 {
		t.Errorf("statements: %d months; not draft last month %d, not approved the month before %d, not paid before %d", periods, last, before, older)
	}
	if got := count(t, s, `SELECT COUNT(*) FROM reimbursement_statements rs WHERE rs.amount_minor <> (SELECT SUM(amount_minor)
		FROM reimbursement_lines rl WHERE rl.statement_id = rs.id) OR rs.sessions <> (SELECT COUNT(*) FROM reimbursement_lines rl WHERE rl.statement_id = rs.id)`); got != 0 {
		t.Errorf("%d statements whose totals are not their lines'", got)
	}
	first := demoNow.AddDate(0, -12, -31).UnixMilli()
	if got := count(t, s, `SELECT COUNT(*) FROM sessions s JOIN locations l ON l.id = s.location_id JOIN cards c ON c.id = s.card_id
		WHERE l.kind = 'home' AND c.employee_id = l.employee_id AND s.started_at < (SELECT MAX(started_at) FROM reimbursement_lines)
		AND s.started_at > $1 AND NOT EXISTS (SELECT 1 FROM reimbursement_lines rl WHERE rl.session_id = s.id)`, first); got != 0 {
		t.Errorf("%d home sessions of the statements' months on no statement", got)
	}
}
