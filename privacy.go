package fleetcharge

import "context"

// ErasedEmployeeName is the name an employee keeps after an erasure: the
// sessions and money figures stay in the employer's reports under it.
const ErasedEmployeeName = "erased employee"

// ErasedUserName is the name, and the actor label in the audit log, of a
// user after an erasure.
const ErasedUserName = "erased user"

// EmployeeRecord is everything fleetcharge holds about one employee, for a
// data subject's access request (GDPR art. 15).
type EmployeeRecord struct {
	Employee Employee   `json:"employee"`
	Cards    []Card     `json:"cards"`
	Homes    []Location `json:"home_locations"`
	Sessions []Session  `json:"sessions"`
	// Statements are the employee's reimbursement statements, with their
	// lines, and Rates its reimbursement rates, as far as the caller reads
	// them (reimbursement.read); the service fills them in.
	Statements []ReimbursementStatement `json:"statements"`
	Rates      []ReimbursementRate      `json:"reimbursement_rates"`
	Audit      []AuditEvent             `json:"audit_events"`
}

// UserRecord is everything fleetcharge holds about one user: its profile,
// role assignments, API tokens (without their secrets), web sessions
// (without their tokens), the audit events about it and those it acted in.
type UserRecord struct {
	User        User         `json:"user"`
	Assignments []Assignment `json:"role_assignments"`
	APITokens   []APIToken   `json:"api_tokens"`
	WebSessions []WebSession `json:"web_sessions"`
	Audit       []AuditEvent `json:"audit_events"`
	Acted       []AuditEvent `json:"audit_events_acted"`
}

// RecordScope is what an employee's record may hold: the employee read
// within Scope (with its cards, of the same account), its home locations
// in Locations, its sessions whose card side lies in Sessions, and the
// audit events that sit in Audit (those of homes in Locations too).
type RecordScope struct {
	Scope     Scope
	Locations Reach
	Sessions  Reach
	Audit     Reach
}

// PrivacyStore answers data subject requests. The records are read within
// the scope; an erasure removes the person's identity everywhere and keeps
// the figures (see docs/PRIVACY.md).
type PrivacyStore interface {
	EmployeeRecord(ctx context.Context, sc RecordScope, id ID) (*EmployeeRecord, error)
	UserRecord(ctx context.Context, sc Scope, id ID) (*UserRecord, error)
	EraseEmployee(ctx context.Context, sc Scope, id ID) error
	EraseUser(ctx context.Context, sc Scope, id ID) error
}
