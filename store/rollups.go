package store

import (
	"fmt"
	"strings"
)

// Daily roll-ups of sessions (schema 23). Every session is counted on the
// UTC day it started, in session_days_card under its card side (card
// account, card, employee, location kind, currency) and in
// session_days_station under its station side (station account, station,
// connector, location kind, currency): sessions, energy, duration, cost,
// and on the station side busy_ms, the charging time of its stopped
// sessions (stop minus start; a running session, or one stopped before it
// started, counts 0).
// The keys are the session's own stored IDs, so moving a card or station
// changes no roll-up, and moving an account moves its roll-ups with it
// (reports place accounts in their organizations when they run). A missing
// card, employee or station is kept as 0.
//
// Triggers on sessions keep them in the transaction of every write that
// inserts a session, changes one of its keys or figures, or deletes it,
// whichever code path does it (OCPP, imports, CDRs, corrections, bulk
// loads). A row whose sessions all left is deleted, so that a roll-up holds
// a row exactly when raw sessions would give one.

// rollupDayMS is the length of a roll-up day.
const rollupDayMS = 86_400_000

// rollupTriggersMarker is the migration statement replaced by the
// dialect's roll-up triggers.
const rollupTriggersMarker = "{{ROLLUP_TRIGGERS}}"

type rollupSide struct {
	table   string
	cond    string   // the session has this side
	keys    []string // roll-up key column = session expression ({{R}} for NEW/OLD)
	figures []string // figure column = expression
	watch   []string // session columns whose change re-counts the session
}

var rollupSides = []rollupSide{
	{
		table: "session_days_card",
		cond:  "{{R}}.card_account_id IS NOT NULL",
		keys: []string{"card_account_id = {{R}}.card_account_id", "card_id = COALESCE({{R}}.card_id, 0)",
			"employee_id = COALESCE({{R}}.employee_id, 0)", "location_kind = {{R}}.location_kind", "currency = {{R}}.currency",
			"day = {{R}}.started_at - {{R}}.started_at % 86400000"},
		figures: []string{"n = 1", "energy_wh = {{R}}.energy_wh", "duration_s = {{R}}.duration_s", "cost_minor = {{R}}.cost_minor"},
		watch:   []string{"card_account_id", "card_id", "employee_id", "location_kind", "currency", "started_at", "energy_wh", "duration_s", "cost_minor"},
	},
	{
		table: "session_days_station",
		cond:  "{{R}}.station_account_id IS NOT NULL",
		keys: []string{"station_account_id = {{R}}.station_account_id", "station_id = COALESCE({{R}}.station_id, 0)",
			"connector_id = {{R}}.connector_id", "location_kind = {{R}}.location_kind", "currency = {{R}}.currency",
			"day = {{R}}.started_at - {{R}}.started_at % 86400000"},
		figures: []string{"n = 1", "energy_wh = {{R}}.energy_wh", "duration_s = {{R}}.duration_s", "cost_minor = {{R}}.cost_minor",
			"busy_ms = CASE WHEN {{R}}.stopped_at >= {{R}}.started_at THEN {{R}}.stopped_at - {{R}}.started_at ELSE 0 END"},
		watch: []string{"station_account_id", "station_id", "connector_id", "location_kind", "currency", "started_at", "stopped_at",
			"energy_wh", "duration_s", "cost_minor"},
	},
}

func splitAssign(a string) (col, expr string) {
	col, expr, _ = strings.Cut(a, " = ")
	return col, expr
}

// upsert returns the statement that adds (sign "") or removes (sign "-")
// the session row r (NEW or OLD) to its roll-up.
func (x rollupSide) upsert(r, sign string) string {
	var cols, vals, keys, sets []string
	for _, k := range x.keys {
		c, e := splitAssign(k)
		cols, vals, keys = append(cols, c), append(vals, e), append(keys, c)
	}
	for _, f := range x.figures {
		c, e := splitAssign(f)
		cols, vals = append(cols, c), append(vals, sign+"("+e+")")
		sets = append(sets, fmt.Sprintf("%[1]s = %[2]s.%[1]s + excluded.%[1]s", c, x.table))
	}
	s := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s WHERE %s ON CONFLICT (%s) DO UPDATE SET %s",
		x.table, strings.Join(cols, ", "), strings.Join(vals, ", "), x.cond, strings.Join(keys, ", "), strings.Join(sets, ", "))
	return strings.ReplaceAll(s, "{{R}}", r)
}

// prune returns the statement that deletes the roll-up row of the session
// row r once it counts no session.
func (x rollupSide) prune(r string) string {
	var where []string
	for _, k := range x.keys {
		c, e := splitAssign(k)
		where = append(where, c+" = "+e)
	}
	s := fmt.Sprintf("DELETE FROM %s WHERE %s AND n = 0 AND %s", x.table, strings.Join(where, " AND "), x.cond)
	return strings.ReplaceAll(s, "{{R}}", r)
}

// watched lists the session columns whose change re-counts a session.
func rollupWatched() []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range rollupSides {
		for _, c := range x.watch {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// rollupBodies returns the statements of the insert, update and delete
// triggers.
func rollupBodies() (ins, upd, del []string) {
	for _, x := range rollupSides {
		ins = append(ins, x.upsert("NEW", ""))
		upd = append(upd, x.upsert("OLD", "-"), x.prune("OLD"), x.upsert("NEW", ""))
		del = append(del, x.upsert("OLD", "-"), x.prune("OLD"))
	}
	return ins, upd, del
}

// rollupTriggers returns the statements that create the roll-up triggers
// in the dialect.
func rollupTriggers(dialect string) []string {
	ins, upd, del := rollupBodies()
	of := strings.Join(rollupWatched(), ", ")
	if dialect == "postgres" {
		fn := func(name, ret string, body []string) string {
			return "CREATE OR REPLACE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN " +
				strings.Join(body, "; ") + "; RETURN " + ret + "; END $fn$"
		}
		return []string{
			fn("session_days_ins", "NEW", ins),
			fn("session_days_upd", "NEW", upd),
			fn("session_days_del", "OLD", del),
			"CREATE TRIGGER session_days_ins AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION session_days_ins()",
			"CREATE TRIGGER session_days_upd AFTER UPDATE OF " + of + " ON sessions FOR EACH ROW EXECUTE FUNCTION session_days_upd()",
			"CREATE TRIGGER session_days_del AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION session_days_del()",
		}
	}
	trg := func(name, event string, body []string) string {
		return "CREATE TRIGGER " + name + " AFTER " + event + " ON sessions FOR EACH ROW BEGIN " + strings.Join(body, "; ") + "; END"
	}
	return []string{
		trg("session_days_ins", "INSERT", ins),
		trg("session_days_upd", "UPDATE OF "+of, upd),
		trg("session_days_del", "DELETE", del),
	}
}
