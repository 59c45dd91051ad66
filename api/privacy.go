package api

import (
	"net/http"
	"reflect"

	fc "github.com/fleetcharge/fleetcharge"
)

// employeeExportView is fc.EmployeeRecord with sessions and audit events as
// the API shows them everywhere.
type employeeExportView struct {
	Employee   *fc.Employee                 `json:"employee"`
	Cards      []fc.Card                    `json:"cards"`
	Homes      []fc.Location                `json:"home_locations" doc:"the locations that are the employee's home"`
	Sessions   []sessionView                `json:"sessions" doc:"the sessions made with the employee's cards that the caller reads on the card side, with place and time"`
	Statements []reimbursementStatementView `json:"statements" doc:"the employee's reimbursement statements that the caller reads, each with its lines"`
	Rates      []reimbursementRateView      `json:"reimbursement_rates" doc:"the employee's reimbursement rates that the caller reads"`
	Audit      []auditView                  `json:"audit_events" doc:"the audit events about the employee, its cards, homes and sessions that the caller reads"`
}

// userExportView is fc.UserRecord with audit events as the API shows them.
type userExportView struct {
	User        *fc.User        `json:"user"`
	Assignments []fc.Assignment `json:"role_assignments"`
	APITokens   []fc.APIToken   `json:"api_tokens" doc:"the user's API tokens, without their secrets"`
	WebSessions []fc.WebSession `json:"web_sessions" doc:"the user's web sessions, without their tokens"`
	Audit       []auditView     `json:"audit_events" doc:"the audit events about the user, its role assignments and API tokens"`
	Acted       []auditView     `json:"audit_events_acted" doc:"the audit events of the changes the user made"`
}

func viewAudits(es []fc.AuditEvent) []auditView {
	out := make([]auditView, len(es))
	for i := range es {
		out[i] = viewAudit(&es[i])
	}
	return out
}

func viewEmployeeRecord(r *fc.EmployeeRecord) employeeExportView {
	v := employeeExportView{Employee: &r.Employee, Cards: r.Cards, Homes: r.Homes, Statements: []reimbursementStatementView{},
		Rates: []reimbursementRateView{}, Sessions: make([]sessionView, len(r.Sessions)), Audit: viewAudits(r.Audit)}
	for i := range r.Statements {
		v.Statements = append(v.Statements, viewStatement(&r.Statements[i]))
	}
	for i := range r.Rates {
		v.Rates = append(v.Rates, viewRate(&r.Rates[i]))
	}
	for i := range r.Sessions {
		v.Sessions[i] = viewSession(&r.Sessions[i])
	}
	return v
}

func viewUserRecord(r *fc.UserRecord) userExportView {
	return userExportView{User: &r.User, Assignments: r.Assignments, APITokens: r.APITokens, WebSessions: r.WebSessions,
		Audit: viewAudits(r.Audit), Acted: viewAudits(r.Acted)}
}

// The data subject requests (docs/PRIVACY.md): export and erasure of an
// employee or a user. app/privacy.go decides who may.

func (s *Server) privacyRoutes() []route {
	var rs []route
	for _, c := range []struct {
		name, noun, tag  string
		resp             any
		exportDoc, erase string
	}{
		{"employees", "employee", "employees", employeeExportView{},
			"Needs employees.read, cards.read, sessions.card_side.read and audit.read on the employee's account (provider admins, fleet managers of its organization): 403 without them. " +
				"Sessions and audit events are those the caller reads, as in their lists; statements is empty until reimbursement statements exist.",
			"Removes the employee's name, e-mail, employee number and home address everywhere, audit bodies included; keeps its sessions and figures for the reports, under the name \"" +
				fc.ErasedEmployeeName + "\"; detaches and deactivates its cards; records the erasure in the audit log without the erased values."},
		{"users", "user", "users", userExportView{},
			"Needs users.manage on the whole provider (provider admins): 403 without it. Tokens and web sessions are listed without their secrets.",
			"Removes the user's e-mail and name everywhere, audit bodies and the actor of the events it made included; deletes its password, TOTP, API tokens, web sessions, " +
				"password resets and role assignments, and disables it; records the erasure in the audit log without the erased values. Nobody erases itself (422), nor the last active provider admin (422)."},
	} {
		one := "/api/v1/" + c.name + "/{id}"
		rs = append(rs,
			route{method: http.MethodGet, path: one + "/export", id: "export_" + c.tag, tag: c.tag,
				summary: "Everything held about one " + c.noun + " (GDPR art. 15)", doc: c.exportDoc,
				resp: reflect.TypeOf(c.resp), status: http.StatusOK, h: s.export(c.name)},
			route{method: http.MethodPost, path: one + "/erase", id: "erase_" + c.tag, tag: c.tag,
				summary: "Erase one " + c.noun + "'s identity (GDPR art. 17)",
				doc:     c.erase + " Needs users.manage on the whole provider (provider admins): 403 without it. The answer comes once the erased values are gone from the database's files (docs/PRIVACY.md).",
				status:  http.StatusNoContent, h: s.erase(c.name)})
	}
	return rs
}

// export serves GET /{employees,users}/{id}/export.
func (s *Server) export(collection string) handlerFunc {
	if collection == "employees" {
		return getOf(s, s.app.ExportEmployee, viewEmployeeRecord)
	}
	return getOf(s, s.app.ExportUser, viewUserRecord)
}

// erase serves POST /{employees,users}/{id}/erase.
func (s *Server) erase(collection string) handlerFunc {
	if collection == "employees" {
		return deleteOf(s, s.app.EraseEmployee)
	}
	return deleteOf(s, s.app.EraseUser)
}
