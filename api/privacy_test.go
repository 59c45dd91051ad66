package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/leaktest"
)

// employeeExport and userExport are the parts of the export documents the
// tests read.
type employeeExport struct {
	Employee   fc.Employee      `json:"employee"`
	Cards      []fc.Card        `json:"cards"`
	Homes      []fc.Location    `json:"home_locations"`
	Sessions   []map[string]any `json:"sessions"`
	Statements []struct {
		EmployeeName string           `json:"employee_name"`
		Amount       json.Number      `json:"amount"`
		Lines        []map[string]any `json:"lines"`
	} `json:"statements"`
	Rates []map[string]any `json:"reimbursement_rates"`
	Audit []map[string]any `json:"audit_events"`
}

type userExport struct {
	User        fc.User          `json:"user"`
	Assignments []fc.Assignment  `json:"role_assignments"`
	APITokens   []map[string]any `json:"api_tokens"`
	WebSessions []map[string]any `json:"web_sessions"`
	Audit       []map[string]any `json:"audit_events"`
}

func init() {
	coverage["GET /api/v1/employees/{id}/export"] = exGet
	coverage["GET /api/v1/users/{id}/export"] = exGet
	coverage["POST /api/v1/employees/{id}/erase"] = exDelete
	coverage["POST /api/v1/users/{id}/erase"] = exDelete
}

// TestPrivacyAPI checks the export and erasure routes: who may export an
// employee (provider admins and fleet managers of its organization; an
// account admin sees it but may not, 403; others do not see it, 404), who
// may export and erase users and employees (provider admins), and that an
// erased employee's export and the employee list no longer hold its name.
func TestPrivacyAPI(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		employee := "/api/v1/employees/" + w.north1.employee.String()
		// A home session on a statement, priced at a rate of the employee.
		statement := w.reimbursementStatement(t)
		for _, tt := range []struct {
			who  string
			want int
		}{
			{admin, http.StatusOK}, {holdingMgr, http.StatusOK}, {northFleet, http.StatusOK},
			{northAdmin, http.StatusForbidden}, {northFacility, http.StatusNotFound}, {southFleet, http.StatusNotFound},
			{otherAdmin, http.StatusNotFound}, {nobody, http.StatusNotFound},
		} {
			r := w.do(tt.who, http.MethodGet, employee+"/export", nil)
			if r.status != tt.want {
				t.Errorf("%s exports the employee: %d, want %d; %s", tt.who, r.status, tt.want, r.body)
			}
			if r.status == http.StatusOK {
				var got employeeExport
				r.json(t, &got)
				if got.Employee.Name != "N Driver" || len(got.Cards) != 1 || len(got.Sessions) != 2 || len(got.Audit) == 0 {
					t.Errorf("%s's export: %s", tt.who, r.body)
				}
				// 5 kWh at 0.20.
				if len(got.Statements) != 1 || len(got.Statements[0].Lines) != 1 || got.Statements[0].Amount != "1.00" || len(got.Rates) != 1 {
					t.Errorf("%s's export of the reimbursement: %+v, rates %v", tt.who, got.Statements, got.Rates)
				}
			}
		}
		fleetUser := "/api/v1/users/" + w.users[northFleet].String()
		for _, who := range []string{holdingMgr, northFleet, northAdmin, otherAdmin} {
			if r := w.do(who, http.MethodGet, fleetUser+"/export", nil); r.status != http.StatusNotFound {
				t.Errorf("%s exports a user: %d; %s", who, r.status, r.body)
			}
			if r := w.do(who, http.MethodPost, employee+"/erase", nil); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
				t.Errorf("%s erases the employee: %d; %s", who, r.status, r.body)
			}
		}
		if r := w.do(northFleet, http.MethodPost, employee+"/erase", nil); r.status != http.StatusForbidden {
			t.Errorf("a fleet manager erases its employee: %d, want 403", r.status)
		}
		var u userExport
		w.do(admin, http.MethodGet, fleetUser+"/export", nil).want(t, http.StatusOK).json(t, &u)
		if u.User.ID != w.users[northFleet] || len(u.Assignments) == 0 || strings.Contains(string(w.do(admin, http.MethodGet, fleetUser+"/export", nil).body), "hash") {
			t.Errorf("the user's export: %+v", u)
		}
		w.do(admin, http.MethodPost, "/api/v1/users/"+w.users[admin].String()+"/erase", nil).want(t, http.StatusUnprocessableEntity)
		w.do(admin, http.MethodPost, fleetUser+"/erase", nil).want(t, http.StatusNoContent)
		w.do(admin, http.MethodGet, fleetUser+"/export", nil).want(t, http.StatusOK).json(t, &u)
		if !u.User.Disabled || u.User.Name != fc.ErasedUserName || len(u.Assignments) != 0 || len(u.APITokens) != 0 {
			t.Errorf("the user after its erasure: %+v", u)
		}
		w.do(northFleet, http.MethodGet, "/api/v1/me/access", nil).want(t, http.StatusUnauthorized)

		// An approved statement keeps the name it was approved with, until the erasure.
		w.do(admin, http.MethodPost, "/api/v1/reimbursement-statements/"+statement.String()+"/approve", nil).want(t, http.StatusOK)
		w.do(admin, http.MethodPost, employee+"/erase", nil).want(t, http.StatusNoContent)
		for _, path := range []string{employee + "/export", employee, "/api/v1/employees", "/api/v1/audit-events?object_type=employee&object_id=" + w.north1.employee.String()} {
			if body := string(w.do(admin, http.MethodGet, path, nil).want(t, http.StatusOK).body); strings.Contains(body, "N Driver") {
				t.Errorf("%s after the erasure holds the name: %s", path, body)
			}
		}
		var got employeeExport
		w.do(admin, http.MethodGet, employee+"/export", nil).want(t, http.StatusOK).json(t, &got)
		if got.Employee.Name != fc.ErasedEmployeeName || len(got.Sessions) != 2 || len(got.Cards) != 0 ||
			len(got.Statements) != 1 || got.Statements[0].EmployeeName != fc.ErasedEmployeeName {
			t.Errorf("the employee after its erasure: %+v", got)
		}
	})
}

// TestErasedEmployeeInNoExport erases an employee with a home location, a
// card, a session and a history of changes, then reads every report in
// JSON, CSV and XLSX (each sheet's XML), on both sides, and every list of
// the API as the provider admin: none holds the erased name (or the
// earlier one), e-mail, employee number or home address.
func TestErasedEmployeeInNoExport(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := fc.WithActor(context.Background(), fc.Actor{Label: "test"})
		all := fc.ProviderScope(w.provider)
		needles := []string{"N Driver", "Quentin Zyx", "quentin.zyx@example.test", "EMP-31337", "7 Xylophone Street"}
		_, err := w.st.UpdateEmployee(ctx, all, w.north1.employee, func(e *fc.Employee) error {
			e.Name, e.Email, e.EmployeeNumber = "Quentin Zyx", "quentin.zyx@example.test", "EMP-31337"
			return nil
		})
		check(t, err)
		check(t, w.st.CreateLocation(ctx, &fc.Location{ProviderID: w.provider, AccountID: w.northAcc, Name: "Quentin Zyx home",
			Kind: fc.LocationHome, Address: "7 Xylophone Street", EmployeeID: w.north1.employee}))
		w.do(admin, http.MethodPost, "/api/v1/employees/"+w.north1.employee.String()+"/erase", nil).want(t, http.StatusNoContent)

		var paths []string
		for _, name := range fc.Reports {
			for _, format := range []string{"json", "csv", "xlsx"} {
				for _, side := range []string{"&side=card", "&side=station"} {
					paths = append(paths, "/api/v1/reports/"+name+"?"+leaktest.Period+"&format="+format+side)
				}
			}
		}
		for _, list := range []string{"organizations", "accounts", "employees", "cards", "locations", "charge-groups", "stations",
			"sessions", "users", "role-assignments", "audit-events"} {
			paths = append(paths, "/api/v1/"+list+"?limit=500")
		}
		paths = append(paths, "/api/v1/employees/"+w.north1.employee.String()+"/export")
		for _, path := range paths {
			r := w.do(admin, http.MethodGet, path, nil)
			if r.status == http.StatusBadRequest && strings.Contains(path, "side=") {
				continue // a report that has one side only
			}
			r.want(t, http.StatusOK)
			text := string(r.body)
			if strings.Contains(path, "format=xlsx") {
				text = xlsxText(t, r.body)
			}
			for _, n := range needles {
				if strings.Contains(strings.ToLower(text), strings.ToLower(n)) {
					t.Errorf("%s holds %q", path, n)
				}
			}
			if strings.Contains(path, "employees?") && !strings.Contains(text, fc.ErasedEmployeeName) {
				t.Errorf("%s does not show the erased employee", path)
			}
		}
	})
}

// xlsxText returns the text of every file of an XLSX workbook.
func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not an XLSX file: %v", err)
	}
	var sb strings.Builder
	for _, f := range z.File {
		rc, err := f.Open()
		check(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		check(t, err)
		sb.Write(data)
	}
	return sb.String()
}
