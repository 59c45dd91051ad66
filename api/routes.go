package api

import (
	"net/http"
	"reflect"
	"slices"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// route is one row of the route table: how it is served and how the
// OpenAPI document describes it. New registers exactly these rows, and
// openapi.go describes exactly these rows, so a route cannot exist without
// its description.
type route struct {
	method, path string
	id           string // the OpenAPI operationId
	tag          string
	summary      string
	doc          string
	params       []param
	body         reflect.Type // the request body's struct; nil for none
	create       bool         // the body's required fields apply
	bulk         bool         // the body is an array of body, or CSV with its fields as columns
	csv          bool         // the body is CSV only (an import)
	resp         reflect.Type // the response body, or the item type of a list; nil for none
	list         bool         // the response is a listPage of resp
	status       int          // the success status
	also         map[int]string
	media        []string // non-JSON response media types (reports)
	public       bool     // served without authentication
	h            handlerFunc
}

// key is the route's ServeMux pattern, which ServeMux reports back as
// Request.Pattern.
func (rt *route) key() string { return rt.method + " " + rt.path }

func typ[T any]() reflect.Type { return reflect.TypeFor[T]() }

// collection describes the five routes of one collection of CONTRACT.md.
type collection struct {
	name    string // the path segment
	tag     string // the OpenAPI tag
	noun    string // for summaries
	item    reflect.Type
	input   reflect.Type
	filters []param
	list    handlerFunc
	get     handlerFunc
	create  handlerFunc
	update  handlerFunc // nil: the collection has no PATCH
	delete  handlerFunc // nil: the collection has no DELETE
	created reflect.Type
	notes   map[string]string // extra doc by operation: list, get, create, update, delete
	// createdAlso lists other success statuses of the create route.
	createdAlso map[int]string
}

func (c collection) routes() []route {
	base, one := "/api/v1/"+c.name, "/api/v1/"+c.name+"/{id}"
	created := c.created
	if created == nil {
		created = c.item
	}
	out := []route{
		{method: http.MethodGet, path: base, id: "list_" + c.tag, tag: c.tag, summary: "List the " + c.noun + "s the caller may see",
			doc: c.notes["list"], params: slices.Concat(c.filters, pageParams), resp: c.item, list: true, status: http.StatusOK, h: c.list},
		{method: http.MethodGet, path: one, id: "get_" + c.tag, tag: c.tag, summary: "Read one " + c.noun,
			doc: c.notes["get"], resp: c.item, status: http.StatusOK, h: c.get},
	}
	if c.create != nil {
		out = append(out, route{method: http.MethodPost, path: base, id: "create_" + c.tag, tag: c.tag, summary: "Create a " + c.noun,
			doc: c.notes["create"], body: c.input, create: true, resp: created, status: http.StatusCreated, also: c.createdAlso, h: c.create})
	}
	if c.update != nil {
		out = append(out, route{method: http.MethodPatch, path: one, id: "update_" + c.tag, tag: c.tag, summary: "Change a " + c.noun,
			doc:  joinDoc("Only the fields present change (JSON merge semantics); null clears a field.", c.notes["update"]),
			body: c.input, resp: c.item, status: http.StatusOK, h: c.update})
	}
	if c.delete != nil {
		out = append(out, route{method: http.MethodDelete, path: one, id: "delete_" + c.tag, tag: c.tag, summary: "Delete a " + c.noun,
			doc: c.notes["delete"], status: http.StatusNoContent, h: c.delete})
	}
	return out
}

func joinDoc(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

// Filters shared by several collections.
var (
	filterAccount = param{name: "account_id", kind: paramID, doc: "only those of this account"}
	filterSearch  = param{name: "search", kind: paramString, doc: "a text the name (or identifier) contains"}
)

// table returns every route of the API.
func (s *Server) table() []route {
	var rs []route
	add := func(c collection) { rs = append(rs, c.routes()...) }
	add(collection{name: "organizations", tag: "organizations", noun: "organization",
		item: typ[fc.Organization](), input: typ[organizationInput](),
		filters: []param{
			{name: "parent_id", kind: paramID, doc: "only the children of this organization; 0 for the top-level ones"},
			filterSearch,
		},
		list: s.listOrganizations, get: s.getOrganization, create: s.createOrganization, update: s.updateOrganization, delete: s.deleteOrganization,
		notes: map[string]string{
			"create": "A top-level organization needs organizations.manage on the whole provider; one under a parent needs it on the parent.",
			"delete": "Only an empty organization (no child organizations, accounts or role assignments) can be deleted: 422 otherwise.",
		}})
	add(collection{name: "accounts", tag: "accounts", noun: "account",
		item: typ[fc.Account](), input: typ[accountInput](),
		filters: []param{
			{name: "organization_id", kind: paramID, doc: "only the accounts of this organization and its whole subtree"},
			{name: "kind", kind: paramEnum, enum: []string{fc.AccountCompany, fc.AccountPrivate}, doc: "only accounts of this kind"},
			filterSearch,
		},
		list: s.listAccounts, get: s.getAccount, create: s.createAccount, update: s.updateAccount, delete: s.deleteAccount,
		notes: map[string]string{"delete": "Only an account that owns nothing and has no sessions can be deleted: 422 otherwise."}})
	add(collection{name: "employees", tag: "employees", noun: "employee",
		item: typ[fc.Employee](), input: typ[employeeInput](),
		filters: []param{filterAccount,
			{name: "active", kind: paramBool, doc: "only active (true) or former (false) employees"},
			filterSearch,
		},
		list: s.listEmployees, get: s.getEmployee, create: s.createEmployee, update: s.updateEmployee, delete: s.deleteEmployee,
		notes: map[string]string{"delete": "An employee with cards, a home or sessions cannot be deleted (422): deactivate it with active=false."}})
	add(collection{name: "cards", tag: "cards", noun: "charge card",
		item: typ[fc.Card](), input: typ[cardInput](),
		filters: []param{filterAccount,
			{name: "employee_id", kind: paramID, doc: "only the cards of this employee"},
			{name: "status", kind: paramEnum, enum: []string{fc.CardActive, fc.CardInactive, fc.CardDeactivated}, doc: "only cards in this status"},
			{name: "search", kind: paramString, doc: "the start of the internal or external ID, without case"},
			{name: "expiring", kind: paramInteger, doc: "only the cards, not deactivated, whose last valid day (valid_until) is from today to today plus this many days (1 to 3660) in the provider's time zone"},
		},
		list: s.listCards, get: s.getCard, create: s.createCard, update: s.updateCard, delete: s.deleteCard,
		notes: map[string]string{"delete": "A card that was used cannot be deleted (422): set its status to deactivated."}})
	add(collection{name: "locations", tag: "locations", noun: "location",
		item: typ[locationView](), input: typ[locationInput](),
		filters: []param{filterAccount,
			{name: "kind", kind: paramEnum, enum: []string{fc.LocationOffice, fc.LocationHome, fc.LocationPublic}, doc: "only locations of this kind"},
		},
		list: s.listLocations, get: s.getLocation, create: s.createLocation, update: s.updateLocation, delete: s.deleteLocation})
	add(collection{name: "charge-groups", tag: "charge_groups", noun: "charge group",
		item: typ[chargeGroupView](), input: typ[chargeGroupInput](),
		filters: []param{filterAccount},
		list:    s.listChargeGroups, get: s.getChargeGroup, create: s.createChargeGroup, update: s.updateChargeGroup, delete: s.deleteChargeGroup,
		notes: map[string]string{
			"create": "Prices are decimal numbers or strings, kept exactly (in millionths). The accounts, organizations and cards a restricted group admits must be ones the caller can see.",
			"update": "Inside tariff, too, only the fields present change.",
		}})
	add(collection{name: "stations", tag: "stations", noun: "charge station",
		item: typ[stationView](), input: typ[stationInput](), created: typ[stationCreatedView](),
		filters: []param{filterAccount,
			{name: "location_id", kind: paramID, doc: "only the stations at this location"},
			{name: "charge_group_id", kind: paramID, doc: "only the stations of this charge group"},
			{name: "search", kind: paramString, doc: "a text the identity or serial number contains"},
		},
		list: s.listStations, get: s.getStation, create: s.createStation, update: s.updateStation, delete: s.deleteStation,
		notes: map[string]string{
			"list":   "A fleet manager also sees the stations at the homes of its employees.",
			"create": "The password is never returned, except a generated one, once, in this response.",
			"delete": "A station with sessions cannot be deleted: 422.",
		}})
	add(collection{name: "sessions", tag: "sessions", noun: "charge session",
		item: typ[sessionView](), input: typ[sessionInput](),
		filters: []param{
			{name: "from", kind: paramTime, doc: "only sessions started at or after this date or time"},
			{name: "to", kind: paramTime, doc: "only sessions started before this date or time"},
			{name: "account_id", kind: paramID, doc: "only sessions of this account, on either side (as the card side, never matches masked sessions)"},
			{name: "card_id", kind: paramID, doc: "only sessions with this card (never matches masked sessions)"},
			{name: "employee_id", kind: paramID, doc: "only sessions of this employee (never matches masked sessions)"},
			{name: "station_id", kind: paramID, doc: "only sessions on this station"},
			{name: "location_kind", kind: paramEnum, enum: []string{fc.LocationOffice, fc.LocationHome, fc.LocationPublic}, doc: "only sessions at locations of this kind"},
			{name: "active", kind: paramBool, doc: "true: only sessions still running"},
		},
		list: s.listSessions, get: s.getSession, create: s.importSession,
		createdAlso: map[int]string{http.StatusOK: "the session was imported before with this external_ref and the same data: the stored one"},
		notes: map[string]string{
			"list": "Sessions made with the caller's cards (card side) and sessions on its stations (station side); on the latter a foreign card is masked.",
			"create": "Imports a finished session from elsewhere (a previous back office, a roaming network's charge record). Needs " +
				string(app.ImportPermission) + " on the card's account (and the station's). 201 when created; 200 with the stored session when external_ref was imported before with the same data; 409 when with other data.",
		}})
	rs = append(rs, route{method: http.MethodPost, path: "/api/v1/sessions/bulk", id: "import_sessions", tag: "sessions",
		summary: "Import many finished sessions",
		doc: "The body is a JSON array of session imports (as POST /api/v1/sessions takes), or text/csv with a header line naming those fields. " +
			"Rows are imported one by one, each on its own: a failed row does not stop the others, and since an import is idempotent on external_ref, " +
			"sending the whole batch again after fixing the failed rows imports just those. The answer (200) has one result per row. At most 10000 rows and 16 MiB.",
		body: typ[sessionInput](), create: true, bulk: true, resp: typ[bulkResponse](), status: http.StatusOK, h: s.importSessions})
	rs = append(rs, s.meterValuesRoute())
	rs = append(rs, s.tariffVersionsRoute())
	rs = append(rs, s.importRoutes()...)
	add(collection{name: "users", tag: "users", noun: "user",
		item: typ[fc.User](), input: typ[userInput](), created: typ[userCreatedView](),
		filters: []param{{name: "search", kind: paramString, doc: "a text the e-mail address or name contains"}},
		list:    s.listUsers, get: s.getUser, create: s.createUser, update: s.updateUser, delete: s.deleteUser,
		notes: map[string]string{
			"list":   "Needs users.manage: provider admins see every user, admins of a subtree the users holding roles in it.",
			"create": "Needs users.manage on the whole provider. The answer carries a one-time password, shown this once.",
			"delete": "Users are never deleted, so that the audit log keeps its actors: this disables the user.",
		}})
	add(collection{name: "role-assignments", tag: "role_assignments", noun: "role assignment",
		item: typ[fc.Assignment](), input: typ[assignmentInput](),
		filters: []param{{name: "user_id", kind: paramID, doc: "only the assignments of this user"}},
		list:    s.listAssignments, get: s.getAssignment, create: s.createAssignment, delete: s.deleteAssignment,
		notes: map[string]string{
			"create": "Nobody grants more than it holds: the caller needs users.manage and every permission of the role on the whole scope.",
			"delete": "The caller may revoke what it could grant.",
		}})
	add(collection{name: "audit-events", tag: "audit_events", noun: "audit event",
		item: typ[auditView](),
		filters: []param{
			{name: "object_type", kind: paramEnum, enum: auditKinds(), doc: "only events of objects of this kind"},
			{name: "object_id", kind: paramID, doc: "only events of this object"},
		},
		list: s.listAuditEvents, get: s.getAuditEvent,
		notes: map[string]string{"list": "The append-only audit log: provider admins read all of it, fleet and facility managers that of objects in their scope."}})

	for _, c := range append([]struct {
		name string
		body reflect.Type
		doc  string
	}{
		{app.CommandRemoteStart, typ[remoteStartInput](), "asks the station to start a transaction (RemoteStartTransaction)"},
		{app.CommandRemoteStop, typ[remoteStopInput](), "asks the station to stop a transaction (RemoteStopTransaction)"},
		{app.CommandReset, typ[resetInput](), "asks the station to restart (Reset)"},
		{app.CommandUnlock, typ[unlockInput](), "asks the station to unlock a connector (UnlockConnector)"},
		{app.CommandChangeAvailability, typ[changeAvailabilityInput](), "makes a connector or the station operative or inoperative (ChangeAvailability)"},
		{app.CommandGetBaseReport, typ[getBaseReportInput](), "asks the station for its device model (GetBaseReport, answered by NotifyReport; GetConfiguration on 1.6)"},
		{app.CommandGetVariables, typ[getVariablesInput](), "reads variables of the station (GetVariables; GetConfiguration on 1.6)"},
		{app.CommandSetVariables, typ[setVariablesInput](), "sets variables of the station (SetVariables; ChangeConfiguration on 1.6), with the station's answer per variable"},
		{app.CommandGetInstalledCertificateIDs, typ[getInstalledCertificateIDsInput](), "lists the certificates the station trusts (GetInstalledCertificateIds; OCPP 2.0.1 stations, 422 on 1.6)"},
		{app.CommandInstallCertificate, typ[installCertificateInput](), "installs a root certificate on the station (InstallCertificate; OCPP 2.0.1 stations, 422 on 1.6)"},
		{app.CommandDeleteCertificate, typ[deleteCertificateInput](), "deletes a certificate from the station (DeleteCertificate; OCPP 2.0.1 stations, 422 on 1.6)"},
	}, operationRoutes...) {
		rs = append(rs, route{method: http.MethodPost, path: "/api/v1/stations/{id}/commands/" + c.name, id: "command_" + c.name, tag: "stations",
			summary: "Send " + c.name + " to a station",
			doc: "Sends the remote command: " + c.doc + ". Needs " + string(app.CommandPermission(c.name)) + " on the station. " +
				"The answer carries the station's reply; 409 when the station is offline, 503 when it does not answer in time.",
			body: c.body, create: true, resp: typ[commandView](), status: http.StatusOK, h: s.command(c.name)})
	}
	rs = append(rs,
		route{method: http.MethodGet, path: "/api/v1/me/access", id: "my_access", tag: "access", summary: "What the caller holds",
			doc:  "The caller's user, the scopes it holds roles on (each with its roles, permissions and the counts of what it reaches), and the counts of the union of them: everything the caller can see.",
			resp: typ[meView](), status: http.StatusOK, h: s.me},
		route{method: http.MethodGet, path: "/api/v1/access/explain", id: "explain_access", tag: "access", summary: "Whether and why a user holds a permission on an object",
			doc: "Anyone may ask about itself; asking about another user needs users.manage on that user. The object must be one the caller can see. " +
				"For a session the answer also gives the decision of each side.",
			params: []param{
				{name: "user_id", kind: paramID, doc: "the user asked about; the caller when absent"},
				{name: "permission", kind: paramEnum, enum: permissionNames(), required: true, doc: "the permission"},
				{name: "resource", kind: paramString, required: true,
					doc: "the object, as KIND:ID with KIND one of provider, organization, account, employee, card, location, charge_group, station, session, user, role_assignment (hyphens may stand for underscores), e.g. card:123; provider alone for the caller's provider"},
			},
			resp: typ[explanationView](), status: http.StatusOK, h: s.explain},
		route{method: http.MethodGet, path: "/api/v1/openapi.json", id: "openapi", tag: "meta", summary: "This document",
			doc: "The OpenAPI 3.1 description of the whole API.", status: http.StatusOK, public: true, h: s.openAPI},
	)
	rs = append(rs, s.reportRoutes()...)
	rs = append(rs, s.migrationRoute())
	rs = append(rs, s.privacyRoutes()...)
	rs = append(rs, s.jobRoutes()...)
	rs = append(rs, s.localListRoutes()...)
	rs = append(rs, s.reservationRoutes()...)
	rs = append(rs, s.reimbursementRoutes()...)
	rs = append(rs, s.invoiceRoutes()...)
	rs = append(rs, s.driverRoutes()...)
	rs = append(rs, s.loadRoutes()...)
	rs = append(rs, s.ocpiRoutes()...)
	rs = append(rs, s.ocpiCommandRoutes()...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.ssoRoutes()...)
	return rs
}

// auditKinds lists the object kinds of the audit log: those with a read
// permission, and the provider's own objects that only provider-wide
// readers see.
func auditKinds() []string {
	return slices.Sorted(slices.Values(append(access.ReadKinds(), fc.KindProvider, fc.KindAPIToken, fc.KindOCPIPartner, fc.KindIdentityProvider)))
}

// permissionNames lists every permission's name.
func permissionNames() []string {
	var out []string
	for _, p := range access.Permissions() {
		out = append(out, string(p.Permission))
	}
	return out
}
