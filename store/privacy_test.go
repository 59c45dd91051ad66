package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The erased person's identity, as distinctive strings that nothing else in
// the database contains.
const (
	erasedOldName = "Zofia Oldfieldname"
	erasedName    = "Zofia Quartermaine"
	erasedEmail   = "zofia.quartermaine@example.test"
	erasedNumber  = "EMPNO-987654"
	erasedAddress = "12 Quincunx Lane"
)

var erasedNeedles = []string{erasedOldName, erasedName, erasedEmail, erasedNumber, erasedAddress}

// TestEraseEmployeeLeavesNoTrace erases an employee with a year of
// sessions, a home location with its station, two cards and an audit
// history of changes, then looks for the erased name (and an earlier one),
// e-mail, employee number and home address in every text column of every
// table, in the employee's export, in every report, in a backup made
// afterwards (restored and dumped) and, on SQLite, in the raw database
// file, its WAL and the backup file: none may be found; every report's
// figures are unchanged.
func TestEraseEmployeeLeavesNoTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "admin@provider.test", RemoteAddr: "192.0.2.1"})
		w := mustWorld(t, s, "erase")
		all := fc.ProviderScope(w.Provider.ID)
		other := mustEmployee(t, s, w.Account, "Bob Keeper")
		otherCard := mustCard(t, s, w.Account, other.ID, "erase-TAG9")
		e, err := s.UpdateEmployee(ctx, all, w.Employee.ID, func(e *fc.Employee) error {
			e.Name, e.Email = erasedOldName, erasedEmail
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = s.UpdateEmployee(ctx, all, e.ID, func(e *fc.Employee) error {
			e.Name, e.EmployeeNumber = erasedName, erasedNumber
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		home := &fc.Location{ProviderID: w.Provider.ID, AccountID: w.Account.ID, Name: erasedName + " home", Kind: fc.LocationHome,
			Address: erasedAddress, City: "Utrecht", PostalCode: "3511 AB", Country: "NL", EmployeeID: e.ID}
		if err := s.CreateLocation(ctx, home); err != nil {
			t.Fatal(err)
		}
		homeStation := mustStation(t, s, w.Account, home, w.Group, "erase-HOME")
		card2 := mustCard(t, s, w.Account, e.ID, "erase-TAG2")
		start := time.Date(2025, 1, 1, 7, 0, 0, 0, time.UTC)
		for day := 0; day < 365; day++ {
			card, st := w.Card, w.Station
			if day%3 == 0 {
				card, st = card2, homeStation
			}
			if day%7 == 0 {
				card = otherCard
			}
			at := start.Add(time.Duration(day) * 24 * time.Hour)
			stop := at.Add(time.Duration(30+day%90) * time.Minute)
			meter := int64(8000 + day*13)
			if _, err := s.ImportSession(ctx, &fc.Session{ProviderID: w.Provider.ID, ExternalRef: fmt.Sprintf("y%d", day),
				CardID: card.ID, StationID: st.ID, ConnectorID: 1, StartedAt: at, StoppedAt: &stop,
				MeterStopWh: &meter, EnergyWh: meter, Currency: "EUR"}); err != nil {
				t.Fatalf("import session %d: %v", day, err)
			}
		}
		record, err := s.EmployeeRecord(ctx, everything(w.Provider.ID), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(record.Sessions) < 200 || len(record.Cards) != 2 || len(record.Homes) != 1 || len(record.Audit) < 3 {
			t.Fatalf("record before: %d sessions, %d cards, %d homes, %d audit events", len(record.Sessions), len(record.Cards),
				len(record.Homes), len(record.Audit))
		}
		if !strings.Contains(fmt.Sprint(record), erasedOldName) {
			t.Fatalf("the audit events of the record do not show the earlier name")
		}
		sessions := len(record.Sessions)
		before := reportTexts(t, s, w.Provider.ID, start)
		// With the planner's statistics, which sample column values.
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}

		if err := s.EraseEmployee(ctx, all, e.ID); err != nil {
			t.Fatal(err)
		}

		after := reportTexts(t, s, w.Provider.ID, start)
		for name, want := range before {
			if got := after[name]; got.totals != want.totals {
				t.Errorf("report %s: totals %s after the erasure, want %s", name, got.totals, want.totals)
			}
			noNeedle(t, "report "+name, after[name].text)
		}
		record, err = s.EmployeeRecord(ctx, everything(w.Provider.ID), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		noNeedle(t, "the export", fmt.Sprintf("%+v", record))
		if record.Employee.Name != fc.ErasedEmployeeName || len(record.Cards) != 0 || len(record.Sessions) != sessions {
			t.Errorf("after: name %q, %d cards, %d sessions", record.Employee.Name, len(record.Cards), len(record.Sessions))
		}
		for _, c := range []*fc.Card{w.Card, card2} {
			got, err := s.Card(ctx, all, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.EmployeeID != 0 || got.Status != fc.CardInactive {
				t.Errorf("card %s after the erasure: employee %s, status %s", c.ID, got.EmployeeID, got.Status)
			}
		}
		if got, err := s.Employee(ctx, all, other.ID); err != nil || got.Name != "Bob Keeper" {
			t.Errorf("another employee after the erasure: %v, %v", got, err)
		}
		events, err := s.AuditEvents(ctx, all, fc.AuditFilter{ObjectType: fc.KindEmployee, ObjectID: e.ID})
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if last.Action != "employee.erase" || last.Actor != "admin@provider.test" || last.Before != "" || last.After != "" {
			t.Errorf("the erasure's audit event: %+v", last)
		}

		noNeedleInTables(t, "the database", s.DB())
		file := filepath.Join(t.TempDir(), "after-erasure")
		if err := s.Backup(ctx, file); err != nil {
			t.Fatal(err)
		}
		target := storetest.EmptyDatabase(t, s.Engine())
		if err := store.Restore(ctx, file, target); err != nil {
			t.Fatal(err)
		}
		restored, err := store.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer restored.Close()
		noNeedleInTables(t, "the backup", restored.DB())
		if s.Engine() == "sqlite" {
			path := strings.TrimPrefix(s.URL, "sqlite://")
			for _, f := range []string{path, path + "-wal", file} {
				b, err := os.ReadFile(f)
				if os.IsNotExist(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(b) == 0 && f == path {
					t.Fatalf("%s is empty: the test reads the wrong file", f)
				}
				for _, n := range erasedNeedles {
					if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(n))) {
						t.Errorf("%s holds %q", filepath.Base(f), n)
					}
				}
			}
		}
	})
}

func everything(providerID fc.ID) fc.RecordScope {
	return fc.RecordScope{Scope: fc.ProviderScope(providerID), Locations: fc.Everything, Sessions: fc.Everything, Audit: fc.Everything}
}

// reportText is one report's rows as text and its summed figures.
type reportText struct {
	rows   []string
	text   string
	totals string
}

// reportTexts runs every report over the year from start for the whole
// provider.
func reportTexts(t *testing.T, s *store.Store, providerID fc.ID, start time.Time) map[string]reportText {
	t.Helper()
	reports := map[string]string{"cards": fc.ReportChargeCards, "sessions": fc.ReportChargeSessions, "employees": fc.ReportEmployees,
		"per-employee": fc.ReportSessionsPerEmployee, "per-card": fc.ReportSessionsPerCard, "stations": fc.ReportChargeStations,
		"per-charge-point": fc.ReportSessionsPerChargePoint}
	out := map[string]reportText{}
	for name, report := range reports {
		var r reportText
		var total fc.ReportFigures
		q := fc.ReportQuery{Report: report, From: start, To: start.AddDate(1, 0, 0), Idle: true,
			Scope: fc.SessionScope{ProviderID: providerID, CardSide: fc.Everything, StationSide: fc.Everything}}
		err := s.Report(context.Background(), q, func(row *fc.ReportRow) error {
			r.rows = append(r.rows, fmt.Sprintf("%+v", *row))
			total.Add(row.Figures)
			return nil
		})
		if err != nil {
			t.Fatalf("report %s: %v", name, err)
		}
		r.text, r.totals = strings.Join(r.rows, "\n"), fmt.Sprintf("%+v", total)
		out[name] = r
	}
	return out
}

func noNeedle(t *testing.T, where, text string) {
	t.Helper()
	for _, n := range erasedNeedles {
		if strings.Contains(strings.ToLower(text), strings.ToLower(n)) {
			t.Errorf("%s holds %q", where, n)
		}
	}
}

// noNeedleInTables reads every column of every table of db as text and
// looks for the erased values.
func noNeedleInTables(t *testing.T, where string, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Driver() != nil && fmt.Sprintf("%T", db.Driver()) != "*sqlite.Driver" {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("%s: only tables %v", where, tables)
	}
	if list != `SELECT name FROM sqlite_master WHERE type = 'table'` {
		// The planner's samples of column values.
		tables = append(tables, `(SELECT tablename, attname, most_common_vals::text, histogram_bounds::text FROM pg_stats
			WHERE schemaname = current_schema()) AS stats`)
	}
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			for i, v := range vals {
				noNeedle(t, fmt.Sprintf("%s: %s.%s", where, table, cols[i]), v.String)
			}
		}
		rows.Close()
	}
}

// TestEmployeeRecordScope checks that an employee's record holds only the
// sessions and audit events its scope reads: none of those whose card side
// is another account than the reach.
func TestEmployeeRecordScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		w := mustWorld(t, s, "scope")
		rawSession(t, s, w.Card, w.Station)
		other := mustAccount(t, s, w.Provider.ID, w.Org.ID, "Other")
		mine := fc.Reach{AccountIDs: []fc.ID{w.Account.ID}}
		for _, tt := range []struct {
			name             string
			sessions, audit  fc.Reach
			wantSessions     int
			wantAuditAtLeast int
		}{
			{"its account", mine, mine, 1, 2},
			{"sessions of another account", fc.Reach{AccountIDs: []fc.ID{other.ID}}, mine, 0, 2},
			{"audit of another account", mine, fc.Reach{AccountIDs: []fc.ID{other.ID}}, 1, 0},
		} {
			r, err := s.EmployeeRecord(ctx, fc.RecordScope{Scope: fc.Scope{ProviderID: w.Provider.ID, Reach: mine},
				Locations: mine, Sessions: tt.sessions, Audit: tt.audit}, w.Employee.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Sessions) != tt.wantSessions || len(r.Audit) < tt.wantAuditAtLeast || tt.wantAuditAtLeast == 0 && len(r.Audit) != 0 {
				t.Errorf("%s: %d sessions, %d audit events; want %d, at least %d", tt.name, len(r.Sessions), len(r.Audit), tt.wantSessions, tt.wantAuditAtLeast)
			}
		}
		_, err := s.EmployeeRecord(ctx, fc.RecordScope{Scope: fc.Scope{ProviderID: w.Provider.ID, Reach: fc.Reach{AccountIDs: []fc.ID{other.ID}}},
			Sessions: fc.Everything, Audit: fc.Everything}, w.Employee.ID)
		wantCode(t, "the record of an employee out of reach", err, fc.ENotFound)
	})
}

// TestEraseUserLeavesNoTrace erases a user who signed in, holds a role,
// an API token, a web session and a password reset, changed its own name
// and made changes of its own, then looks for its e-mail and names in
// every text column of every table and, on SQLite, the raw file and WAL;
// its sign-in data must be gone and the audit events it made must name
// ErasedUserName as their actor.
func TestEraseUserLeavesNoTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "admin@provider.test"})
		w := mustWorld(t, s, "eraseuser")
		all := fc.ProviderScope(w.Provider.ID)
		u := &fc.User{ProviderID: w.Provider.ID, Email: erasedEmail, Name: erasedOldName, PasswordHash: "hash", TOTPSecret: "SECRET"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, all, u.ID, func(u *fc.User) error { u.Name = erasedName; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAssignment(ctx, &fc.Assignment{ProviderID: w.Provider.ID, UserID: u.ID, Role: fc.RoleFleetManager, OrganizationID: w.Org.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, &fc.APIToken{UserID: u.ID, Name: erasedName + "'s laptop", Hash: "tokenhash"}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := s.CreateWebSession(ctx, &fc.WebSession{ID: "wsid", UserID: u.ID, Stage: "full", CSRFToken: "csrf", CreatedAt: now,
			LastSeenAt: now, ExpiresAt: now.Add(time.Hour), RemoteAddr: "198.51.100.7", UserAgent: erasedNumber}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreatePasswordReset(ctx, &fc.PasswordReset{TokenHash: "reset", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		byUser := fc.WithActor(context.Background(), fc.Actor{UserID: u.ID, Label: erasedEmail, RemoteAddr: "198.51.100.7"})
		if _, err := s.UpdateCard(byUser, all, w.Card.ID, func(c *fc.Card) error { c.Status = fc.CardInactive; return nil }); err != nil {
			t.Fatal(err)
		}
		signingIn := fc.WithActor(context.Background(), fc.Actor{Label: erasedEmail, RemoteAddr: "198.51.100.9"})
		if err := s.RecordSignIn(signingIn, u.ID, "password"); err != nil {
			t.Fatal(err)
		}
		r, err := s.UserRecord(ctx, all, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Assignments) != 1 || len(r.APITokens) != 1 || len(r.WebSessions) != 1 || len(r.Acted) != 1 || len(r.Audit) < 3 ||
			r.APITokens[0].Hash != "" || r.WebSessions[0].ID != "" {
			t.Fatalf("record before: %+v", r)
		}

		// With the planner's statistics: SQLite samples the keys of
		// users_email in sqlite_stat4.
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.EraseUser(ctx, all, u.ID); err != nil {
			t.Fatal(err)
		}

		got, err := s.User(ctx, all, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != "" || got.TOTPSecret != "" || !got.Disabled || got.Name != fc.ErasedUserName {
			t.Errorf("the user after its erasure: %+v", got)
		}
		r, err = s.UserRecord(ctx, all, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Assignments)+len(r.APITokens)+len(r.WebSessions) != 0 || len(r.Acted) != 1 ||
			r.Acted[0].Actor != fc.ErasedUserName || r.Acted[0].RemoteAddr != "" {
			t.Errorf("record after: %+v", r)
		}
		if _, err := s.WebSession(ctx, "wsid"); fc.ErrorCode(err) != fc.ENotFound {
			t.Errorf("the web session after the erasure: %v", err)
		}
		noNeedle(t, "the export", fmt.Sprintf("%+v", r))
		if text := fmt.Sprintf("%+v", r); strings.Contains(text, "198.51.100.9") || strings.Contains(text, "198.51.100.7") {
			t.Errorf("the export after the erasure holds the user's address: %s", text)
		}
		noNeedleInTables(t, "the database", s.DB())
		if s.Engine() == "sqlite" {
			path := strings.TrimPrefix(s.URL, "sqlite://")
			for _, f := range []string{path, path + "-wal"} {
				b, err := os.ReadFile(f)
				if os.IsNotExist(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range erasedNeedles {
					if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(n))) {
						t.Errorf("%s holds %q", filepath.Base(f), n)
					}
				}
			}
		}
	})
}

// TestPruneAuditEvents checks that pruning deletes the audit events older
// than the limit, keeps the newer ones and the records of erasures.
func TestPruneAuditEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return at }
		w := mustWorld(t, s, "prune")
		all := fc.ProviderScope(w.Provider.ID)
		if err := s.EraseEmployee(ctx, all, w.Employee.ID); err != nil {
			t.Fatal(err)
		}
		old, err := s.AuditEvents(ctx, all, fc.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		at = at.AddDate(1, 0, 0)
		mustEmployee(t, s, w.Account, "Newer")

		n, err := s.PruneAuditEvents(ctx, at.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(old) - 1); n != want {
			t.Errorf("pruned %d events, want %d", n, want)
		}
		left, err := s.AuditEvents(ctx, all, fc.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range left {
			actions = append(actions, e.Action)
		}
		if got, want := strings.Join(actions, " "), "employee.erase employee.create"; got != want {
			t.Errorf("left %s, want %s", got, want)
		}
	})
}
