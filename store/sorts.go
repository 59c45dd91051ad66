package store

// The columns each list can be sorted by (fc.Page.Sort), by the names the
// web pages' links give them. Every expression is never NULL: a missing
// time sorts as the earliest (0), a running session's stop as the latest.
// Text sorts without case, by code point (the same on both engines). A
// list without an entry here is sorted by ID alone.
//
// Only a row's own columns sort, never a name read from another table: a
// user who reads the cards but not the employees would otherwise learn the
// order of names it may not read.
var (
	organizationSorts = sorts{"name": {"o.name", true}, "country": {"o.country", true}}
	accountSorts      = sorts{"name": {"a.name", true}, "kind": {"a.kind", true}, "created": {"a.created_at", false}}
	employeeSorts     = sorts{"name": {"e.name", true}, "email": {"e.email", true}, "number": {"e.employee_number", true},
		"active": {"e.active", false}}
	cardSorts = sorts{"external_id": {"c.external_id", true}, "internal_id": {"c.internal_id", true},
		"status": {"c.status", true}, "last_used": {"COALESCE(c.last_used_at, 0)", false},
		"valid_until": {"COALESCE(c.valid_until, '9999-12-31')", false}}
	locationSorts = sorts{"name": {"l.name", true}, "kind": {"l.kind", true}, "address": {"l.address", true},
		"city": {"l.city", true}}
	chargeGroupSorts = sorts{"name": {"g.name", true}, "kind": {"g.kind", true}, "access": {"g.access", true},
		"currency": {"g.currency", true}}
	stationSorts = sorts{"identity": {"st.identity", true}, "connection": {"st.online", false},
		"last_heartbeat": {"COALESCE(st.last_heartbeat_at, 0)", false}}
	sessionSorts = sorts{"started": {"s.started_at", false}, "stopped": {"COALESCE(s.stopped_at, 9223372036854775807)", false},
		"minutes": {"s.duration_s", false}, "kwh": {"s.energy_wh", false}, "cost": {"s.cost_minor", false},
		"location_kind": {"s.location_kind", true}}
	userSorts = sorts{"email": {"u.email", true}, "name": {"u.name", true}, "totp": {"u.totp_enabled", false},
		"last_sign_in": {"COALESCE(u.last_sign_in_at, 0)", false}, "disabled": {"u.disabled", false}}
	auditSorts = sorts{"at": {"ae.at", false}, "actor": {"ae.actor", true}, "action": {"ae.action", true},
		"object": {"ae.object_type", true}}
	invoiceSorts = sorts{"number": {"COALESCE(i.number, '')", true}, "kind": {"i.kind", true}, "period": {"i.period", true},
		"status": {"i.status", true}, "net": {"i.net", false}, "vat": {"i.vat", false}, "total": {"i.total", false}}
	jobSorts = sorts{"command": {"j.command", true}, "status": {"j.status", true}, "created": {"j.created_at", false}}
	idpSorts = sorts{"issuer": {"p.issuer", true}}
)
