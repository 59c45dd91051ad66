package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestRollupsEqualSessions checks that every report read from the daily
// roll-ups is the report read from every session, row for row, on random
// generated data, random periods (cut anywhere, with buckets), scopes and
// filters, after rounds of random session writes (starts, stops, running
// and very long sessions, corrections of keys, times and figures, deletions)
// and random migrations of cards, stations and accounts.
func TestRollupsEqualSessions(t *testing.T) {
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine)
			now := end.Add(36 * time.Hour)
			s.Now = func() time.Time { return now }
			err := demo.Generate(ctx, s, demo.Sizes{Orgs: 12, Accounts: 16, Cards: 60, Stations: 14, Sessions: 2500,
				Days: 50, Seed: 3, Now: end}, nil)
			if err != nil {
				t.Fatal(err)
			}
			w := &rollupWorld{t: t, s: s, ctx: ctx, rng: rand.New(rand.NewPCG(11, 25)), end: end}
			w.load()
			for round := 0; round < 6; round++ {
				if round > 0 {
					w.mutate()
					w.migrate()
					w.load()
				}
				for i := 0; i < 60; i++ {
					w.compare(round, w.query())
				}
			}
		})
	}
}

type rollupWorld struct {
	t                                          *testing.T
	s                                          *store.Store
	ctx                                        context.Context
	rng                                        *rand.Rand
	end                                        time.Time
	provider                                   fc.ID
	orgs, accounts, cards, employees, stations []fc.ID
}

func (w *rollupWorld) ids(q string) []fc.ID {
	w.t.Helper()
	rows, err := w.s.DB().QueryContext(w.ctx, q)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []fc.ID
	for rows.Next() {
		var id fc.ID
		if err := rows.Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func (w *rollupWorld) load() {
	w.provider = w.ids(`SELECT id FROM providers`)[0]
	w.orgs = w.ids(`SELECT id FROM organizations ORDER BY id`)
	w.accounts = w.ids(`SELECT id FROM accounts ORDER BY id`)
	w.cards = w.ids(`SELECT id FROM cards ORDER BY id`)
	w.employees = w.ids(`SELECT id FROM employees ORDER BY id`)
	w.stations = w.ids(`SELECT id FROM stations ORDER BY id`)
}

func (w *rollupWorld) pick(ids []fc.ID) fc.ID { return ids[w.rng.IntN(len(ids))] }

func (w *rollupWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.s.DB().ExecContext(w.ctx, q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

// mutate writes sessions the ways the code paths do: new sessions (some
// running, some longer than a week), stops, corrections of a session's
// card side, employee, station side, connector, start, figures and
// currency, and deletions.
func (w *rollupWorld) mutate() {
	m := func() int { return 7 + w.rng.IntN(40) }
	r := func() int { return w.rng.IntN(7) }
	w.exec(fmt.Sprintf(`INSERT INTO sessions (provider_id, source, card_id, id_tag, employee_id, card_account_id, station_id, connector_id,
		station_account_id, location_id, location_kind, started_at, stopped_at, energy_wh, duration_s, cost_minor, currency, created_at, updated_at)
		SELECT provider_id, source, card_id, id_tag, employee_id, card_account_id, station_id, connector_id, station_account_id, location_id,
		location_kind, started_at + %d, CASE WHEN id %% 3 = 0 THEN NULL WHEN id %% 3 = 1 THEN stopped_at + %d ELSE started_at + %d END,
		energy_wh + 7, duration_s, cost_minor + 1, currency, created_at, updated_at FROM sessions WHERE id %% %d = %d`,
		w.rng.Int64N(40*86_400_000)-20*86_400_000, w.rng.Int64N(3_600_000), 8*86_400_000+w.rng.Int64N(9*86_400_000), m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET stopped_at = started_at + %d, energy_wh = energy_wh + 100, duration_s = duration_s + 60
		WHERE stopped_at IS NULL AND id %% 2 = 0`, w.rng.Int64N(2*86_400_000)))
	w.exec(fmt.Sprintf(`UPDATE sessions SET card_account_id = %d, card_id = %d WHERE id %% %d = %d`,
		w.pick(w.accounts), w.pick(w.cards), m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET employee_id = NULL WHERE id %% %d = %d`, m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET employee_id = %d WHERE id %% %d = %d`, w.pick(w.employees), m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET station_account_id = %d, station_id = %d, connector_id = %d WHERE id %% %d = %d`,
		w.pick(w.accounts), w.pick(w.stations), 1+w.rng.IntN(3), m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET started_at = started_at + %d WHERE id %% %d = %d`, w.rng.Int64N(86_400_000)-43_200_000, m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET energy_wh = energy_wh * 2, cost_minor = cost_minor + 5, currency = 'GBP', location_kind = 'public'
		WHERE id %% %d = %d`, m(), r()))
	w.exec(fmt.Sprintf(`UPDATE sessions SET card_account_id = NULL WHERE id %% %d = %d`, 3*m(), r()))
	w.exec(fmt.Sprintf(`DELETE FROM sessions WHERE id %% %d = %d AND id NOT IN (SELECT session_id FROM reimbursement_lines)
		AND id NOT IN (SELECT session_id FROM meter_values)`, m(), r()))
}

// migrate moves random cards and stations to other accounts and an account
// to another organization, as a provider admin's migration does.
func (w *rollupWorld) migrate() {
	moves := []fc.Migration{
		{Kind: fc.MigrateCards, IDs: []fc.ID{w.pick(w.cards), w.pick(w.cards)}, TargetAccountID: w.pick(w.accounts), WithLinked: true},
		{Kind: fc.MigrateStations, IDs: []fc.ID{w.pick(w.stations)}, TargetAccountID: w.pick(w.accounts), WithLinked: true},
		{Kind: fc.MigrateAccounts, IDs: []fc.ID{w.pick(w.accounts)}, TargetOrganizationID: w.pick(w.orgs)},
	}
	for _, m := range moves {
		m.ProviderID = w.provider
		if _, err := w.s.RunMigration(w.ctx, m, nil); err != nil && fc.ErrorCode(err) == "" {
			w.t.Fatalf("migration %+v: %v", m, err)
		}
	}
}

// query returns a random report query.
func (w *rollupWorld) query() fc.ReportQuery {
	rng := w.rng
	q := fc.ReportQuery{Report: fc.Reports[rng.IntN(len(fc.Reports))],
		Scope: fc.SessionScope{ProviderID: w.provider, CardSide: fc.Everything, StationSide: fc.Everything}}
	if rng.IntN(4) == 0 {
		q.Scope.CardSide = fc.Reach{AccountIDs: []fc.ID{w.pick(w.accounts), w.pick(w.accounts), w.pick(w.accounts)}}
	}
	if rng.IntN(4) == 0 {
		q.Scope.StationSide = fc.Reach{OrgIDs: []fc.ID{w.pick(w.orgs)}}
	}
	// From at a midnight, an hour or any millisecond; periods from an hour
	// to two months.
	start := w.end.AddDate(0, 0, -60)
	switch rng.IntN(3) {
	case 0:
		q.From = start.AddDate(0, 0, rng.IntN(60))
	case 1:
		q.From = start.Add(time.Duration(rng.IntN(60*24)) * time.Hour)
	default:
		q.From = start.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))).Truncate(time.Millisecond))
	}
	switch rng.IntN(3) {
	case 0:
		q.To = q.From.AddDate(0, 0, 1+rng.IntN(62))
	case 1:
		q.To = q.From.Add(time.Duration(1+rng.IntN(24*40)) * time.Hour)
	default:
		q.To = q.From.Add(time.Duration(1 + rng.Int64N(int64(62*24*time.Hour))).Truncate(time.Millisecond))
	}
	if !q.From.Before(q.To) {
		q.To = q.From.Add(time.Hour)
	}
	if n := rng.IntN(4); n > 0 && q.To.Sub(q.From) > time.Duration(n+1)*time.Millisecond {
		span := q.To.Sub(q.From)
		at := q.From
		for i := 0; i < n; i++ {
			at = at.Add(time.Duration(1 + rng.Int64N(int64(span)/int64(n+1))).Truncate(time.Millisecond))
			if at.After(q.From) && at.Before(q.To) && (len(q.Buckets) == 0 || at.After(q.Buckets[len(q.Buckets)-1])) {
				q.Buckets = append(q.Buckets, at)
			}
		}
	}
	switch rng.IntN(4) {
	case 0:
		q.OrganizationID = w.pick(w.orgs)
	case 1:
		q.AccountID = w.pick(w.accounts)
	}
	switch rng.IntN(8) {
	case 0:
		q.EmployeeID = w.pick(w.employees)
	case 1:
		q.CardID = w.pick(w.cards)
	case 2:
		q.StationID = w.pick(w.stations)
	case 3:
		q.LocationKind = fc.LocationKinds[rng.IntN(3)]
	}
	station := fc.ReportSide(q.Report) == fc.SideStation
	if q.Report == fc.ReportChargeSessions && rng.IntN(2) == 0 {
		q.Side = fc.SideStation
		station = true
	}
	q.Idle = rng.IntN(2) == 0
	switch rng.IntN(4) {
	case 0:
		q.TotalsOnly = true
	case 1:
		if !station || q.Report == fc.ReportChargeSessions {
			q.ByAccount = true
		}
	}
	if q.Report == fc.ReportChargeSessions && !q.ByAccount {
		q.TotalsOnly = true // the listing reads sessions, never roll-ups
	}
	return q
}

func rowString(r *fc.ReportRow) string {
	c := *r
	t := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(p.UnixMilli())
	}
	extra := t(c.CardCreatedAt) + " " + t(c.CardLastUsedAt) + " " + t(c.LastHeartbeatAt) + " " + t(c.StartedAt) + " " + t(c.StoppedAt)
	c.CardCreatedAt, c.CardLastUsedAt, c.LastHeartbeatAt, c.StartedAt, c.StoppedAt = nil, nil, nil, nil, nil
	return fmt.Sprintf("%+v %s", c, extra)
}

func (w *rollupWorld) compare(round int, q fc.ReportQuery) {
	w.t.Helper()
	var got, want []string
	if err := w.s.ReportFromRollups(w.ctx, q, func(r *fc.ReportRow) error { got = append(got, rowString(r)); return nil }); err != nil {
		if fc.ErrorCode(err) == fc.ENotFound {
			return
		}
		w.t.Fatalf("%+v: %v", q, err)
	}
	if err := w.s.ReportFromSessions(w.ctx, q, func(r *fc.ReportRow) error { want = append(want, rowString(r)); return nil }); err != nil {
		w.t.Fatalf("%+v: %v", q, err)
	}
	if g, x := strings.Join(got, "\n"), strings.Join(want, "\n"); g != x {
		for i := 0; i < len(got) || i < len(want); i++ {
			var a, b string
			if i < len(got) {
				a = got[i]
			}
			if i < len(want) {
				b = want[i]
			}
			if a != b {
				w.t.Fatalf("round %d, %+v:\nrow %d from roll-ups: %s\nfrom sessions:      %s\n(%d rows, %d from sessions)", round, q, i, a, b, len(got), len(want))
			}
		}
	}
}
