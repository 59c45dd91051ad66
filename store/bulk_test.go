package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// bulkWorld is a small provider loaded in bulk: one organization and
// account, two cards (one with an employee), and one station with two
// connectors on a charge group priced at 0.30 EUR/kWh + 0.02 EUR/min + 0.50
// EUR per start.
type bulkWorld struct {
	provider         *fc.Provider
	org, account     fc.ID
	employee         fc.ID
	card, poolCard   fc.ID
	location, group  fc.ID
	station          fc.ID
	tariff           fc.Tariff
	locationName     string
	cardTag, poolTag string
}

func loadBulkWorld(t *testing.T, s *store.Store) bulkWorld {
	t.Helper()
	ctx := context.Background()
	w := bulkWorld{
		provider:     mustProvider(t, s, "Bulk CPO"),
		tariff:       fc.Tariff{Currency: "EUR", PerKWhMicros: 300000, PerMinuteMicros: 20000, StartFeeMicros: 500000},
		locationName: "Depot Rotterdam",
		cardTag:      "04AABBCCDDEE01",
		poolTag:      "04AABBCCDDEE02",
	}
	now := time.Now().UnixMilli()
	p := int64(w.provider.ID)
	err := s.BulkLoad(ctx, w.provider.ID, func(l *store.Loader) error {
		ids := map[string]*fc.ID{"organizations": &w.org, "accounts": &w.account, "employees": &w.employee,
			"locations": &w.location, "charge_groups": &w.group, "stations": &w.station}
		for table, id := range ids {
			first, err := l.ReserveIDs(table, 1)
			if err != nil {
				return err
			}
			*id = first
		}
		first, err := l.ReserveIDs("cards", 2)
		if err != nil {
			return err
		}
		w.card, w.poolCard = first, first+1
		inserts := []struct {
			table   string
			columns []string
			rows    [][]any
		}{
			{"organizations", []string{"id", "provider_id", "name", "country", "depth", "created_at", "updated_at"},
				[][]any{{int64(w.org), p, "Bulk Holding", "NL", 0, now, now}}},
			{"org_closure", []string{"ancestor_id", "descendant_id", "distance"}, [][]any{{int64(w.org), int64(w.org), 0}}},
			{"accounts", []string{"id", "provider_id", "organization_id", "name", "kind", "created_at", "updated_at"},
				[][]any{{int64(w.account), p, int64(w.org), "Bulk B.V.", fc.AccountCompany, now, now}}},
			{"employees", []string{"id", "provider_id", "account_id", "name", "active", "created_at", "updated_at"},
				[][]any{{int64(w.employee), p, int64(w.account), "Anna de Vries", true, now, now}}},
			{"cards", []string{"id", "provider_id", "account_id", "employee_id", "internal_id", "external_id", "status", "created_at", "updated_at"},
				[][]any{
					{int64(w.card), p, int64(w.account), int64(w.employee), w.cardTag, "NL-BLK-C00000001", fc.CardActive, now, now},
					{int64(w.poolCard), p, int64(w.account), nil, w.poolTag, "NL-BLK-C00000002", fc.CardActive, now, now},
				}},
			{"locations", []string{"id", "provider_id", "account_id", "name", "kind", "country", "created_at", "updated_at"},
				[][]any{{int64(w.location), p, int64(w.account), w.locationName, fc.LocationOffice, "NL", now, now}}},
			{"charge_groups", []string{"id", "provider_id", "account_id", "name", "kind", "access", "currency", "per_kwh_micros", "per_minute_micros", "start_fee_micros", "created_at", "updated_at"},
				[][]any{{int64(w.group), p, int64(w.account), "Depot", fc.GroupOther, fc.AccessPublic, w.tariff.Currency, w.tariff.PerKWhMicros, w.tariff.PerMinuteMicros, w.tariff.StartFeeMicros, now, now}}},
			{"stations", []string{"id", "provider_id", "account_id", "location_id", "charge_group_id", "identity", "created_at", "updated_at"},
				[][]any{{int64(w.station), p, int64(w.account), int64(w.location), int64(w.group), "BULK-0001", now, now}}},
			{"charge_points", []string{"station_id", "connector_id"}, [][]any{{int64(w.station), 1}, {int64(w.station), 2}}},
		}
		for _, in := range inserts {
			err := l.Insert(in.table, in.columns, func(yield func(values ...any) error) error {
				for _, r := range in.rows {
					if err := yield(r...); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bulk load: %v", err)
	}
	return w
}

func countRows(t *testing.T, s *store.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestBulkLoadReservedIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := loadBulkWorld(t, s)
		all := fc.ProviderScope(w.provider.ID)

		o, err := s.Organization(ctx, all, w.org)
		if err != nil {
			t.Fatalf("read bulk-loaded organization: %v", err)
		}
		if got, want := o.Name, "Bulk Holding"; got != want {
			t.Errorf("organization name = %q, want %q", got, want)
		}
		// IDs handed out after the load must not collide with reserved ones.
		next := mustOrg(t, s, w.provider.ID, w.org, "Created after the load")
		if next.ID <= w.org {
			t.Errorf("organization created after the load has ID %s, want above %s", next.ID, w.org)
		}
		got, err := s.Ancestors(ctx, w.provider.ID, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []fc.ID{w.org, next.ID}; !equalIDs(got, want) {
			t.Errorf("ancestors = %v, want %v", got, want)
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM audit_events WHERE provider_id = $1 AND action = 'bulk.load'`, int64(w.provider.ID)); got != 1 {
			t.Errorf("bulk.load audit events = %d, want 1", got)
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM audit_events WHERE provider_id = $1 AND action = 'card.create'`, int64(w.provider.ID)); got != 0 {
			t.Errorf("per-row audit events of a bulk load = %d, want 0", got)
		}
	})
}

func TestBulkInsertManyRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "Many")
		// More rows than one statement holds, and a last partial statement.
		const n = 2345
		var reported int64
		var first fc.ID
		err := s.BulkLoad(ctx, p.ID, func(l *store.Loader) error {
			l.Progress = func(rows int64) { reported += rows }
			var err error
			if first, err = l.ReserveIDs("organizations", n); err != nil {
				return err
			}
			return l.Insert("organizations", []string{"id", "provider_id", "name", "created_at", "updated_at"}, func(yield func(values ...any) error) error {
				for i := range n {
					if err := yield(int64(first)+int64(i), int64(p.ID), "Org", int64(1), int64(1)); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM organizations WHERE provider_id = $1`, int64(p.ID)); got != n {
			t.Errorf("organizations = %d, want %d", got, n)
		}
		if reported != n {
			t.Errorf("progress reported %d rows, want %d", reported, n)
		}
		if got := countRows(t, s, `SELECT MAX(id) - MIN(id) + 1 FROM organizations WHERE provider_id = $1`, int64(p.ID)); got != n {
			t.Errorf("ID range spans %d, want %d", got, n)
		}
	})
}

func TestBulkLoadRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "Refused")
		tests := []struct {
			name string
			code string // "" for any error
			fn   func(l *store.Loader) error
		}{
			{"identifier", "", func(l *store.Loader) error {
				return l.Insert("organizations; DROP TABLE cards", []string{"name"}, func(func(...any) error) error { return nil })
			}},
			{"value count", "", func(l *store.Loader) error {
				return l.Insert("organizations", []string{"provider_id", "name"}, func(yield func(...any) error) error { return yield(int64(p.ID)) })
			}},
			{"reserved without id", "", func(l *store.Loader) error {
				if _, err := l.ReserveIDs("organizations", 1); err != nil {
					return err
				}
				return l.Insert("organizations", []string{"provider_id", "name", "created_at", "updated_at"}, func(yield func(...any) error) error {
					return yield(int64(p.ID), "X", int64(1), int64(1))
				})
			}},
			{"foreign key", fc.EUnprocessable, func(l *store.Loader) error {
				return l.Insert("accounts", []string{"provider_id", "organization_id", "name", "kind", "created_at", "updated_at"}, func(yield func(...any) error) error {
					return yield(int64(p.ID), int64(987654), "Orphan", fc.AccountCompany, int64(1), int64(1))
				})
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.BulkLoad(ctx, p.ID, tt.fn)
				if err == nil || tt.code != "" && !fc.IsCode(err, tt.code) {
					t.Fatalf("err = %v, want an error with code %q", err, tt.code)
				}
			})
		}
		// The store still writes: no refused load left a transaction open.
		mustOrg(t, s, p.ID, 0, "After the refusals")
		if got := countRows(t, s, `SELECT COUNT(*) FROM organizations WHERE provider_id = $1`, int64(p.ID)); got != 1 {
			t.Errorf("organizations after refused loads and one create = %d, want 1", got)
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM audit_events WHERE provider_id = $1 AND action = 'bulk.load'`, int64(p.ID)); got != 0 {
			t.Errorf("bulk.load audit events after refused loads = %d, want 0", got)
		}
	})
}

// sessionsOf yields the sessions in order.
func sessionsOf(list ...*fc.Session) func(yield func(*fc.Session) error) error {
	return func(yield func(*fc.Session) error) error {
		for _, sess := range list {
			if err := yield(sess); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestBulkSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := loadBulkWorld(t, s)
		start := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
		at := func(d time.Duration) *time.Time { t := start.Add(d); return &t }
		own := &fc.Session{CardID: w.card, StationID: w.station, ConnectorID: 2, StartedAt: start, StoppedAt: at(90 * time.Minute),
			MeterStartWh: 1000, EnergyWh: 12345, StopReason: "Local"}
		later := &fc.Session{CardID: w.card, StationID: w.station, ConnectorID: 1, StartedAt: start.Add(48 * time.Hour), StoppedAt: at(50 * time.Hour), EnergyWh: 5000}
		public := &fc.Session{CardID: w.poolCard, LocationKind: fc.LocationPublic, LocationName: "Fastned Vianen A2", ExternalRef: "CDR-1",
			StartedAt: start.Add(24 * time.Hour), StoppedAt: at(24*time.Hour + 25*time.Minute), EnergyWh: 40000, CostMinor: 2760, Currency: "EUR"}
		var progressed int64
		if err := s.BulkSessions(ctx, w.provider.ID, sessionsOf(own, public, later), func(done int64) { progressed = done }); err != nil {
			t.Fatalf("bulk sessions: %v", err)
		}
		if progressed != 3 {
			t.Errorf("progress = %d, want 3", progressed)
		}

		// 12.345 kWh * 0.30 + 90 min * 0.02 + 0.50 = 3.7035 + 1.80 + 0.50 = 6.0035 EUR.
		if got, want := own.CostMinor, int64(600); got != want {
			t.Errorf("cost = %d, want %d", got, want)
		}
		if got, want := own.CostMinor, w.tariff.Cost(12345, 5400); got != want {
			t.Errorf("cost = %d, want the tariff's %d", got, want)
		}

		type row struct {
			source, idTag, kind, name, currency, ref string
			employee, cardAccount, stationAccount    int64
			location, connector                      int64
			energy, duration, cost, meterStop        int64
			startKeyNull                             bool
		}
		read := func(cardID fc.ID, startedAt time.Time) row {
			t.Helper()
			var r row
			err := s.DB().QueryRowContext(ctx, `SELECT source, id_tag, location_kind, location_name, currency, COALESCE(external_ref, ''),
				COALESCE(employee_id, 0), COALESCE(card_account_id, 0), COALESCE(station_account_id, 0), COALESCE(location_id, 0), connector_id,
				energy_wh, duration_s, cost_minor, COALESCE(meter_stop_wh, -1), start_key IS NULL
				FROM sessions WHERE card_id = $1 AND started_at = $2`, int64(cardID), startedAt.UnixMilli()).
				Scan(&r.source, &r.idTag, &r.kind, &r.name, &r.currency, &r.ref, &r.employee, &r.cardAccount, &r.stationAccount,
					&r.location, &r.connector, &r.energy, &r.duration, &r.cost, &r.meterStop, &r.startKeyNull)
			if err != nil {
				t.Fatalf("read session: %v", err)
			}
			return r
		}
		acc := int64(w.account)
		tests := []struct {
			name string
			got  row
			want row
		}{
			{"own station", read(w.card, own.StartedAt), row{source: fc.SourceOCPP, idTag: w.cardTag, kind: fc.LocationOffice, name: w.locationName, currency: "EUR",
				employee: int64(w.employee), cardAccount: acc, stationAccount: acc, location: int64(w.location), connector: 2,
				energy: 12345, duration: 5400, cost: 600, meterStop: 13345, startKeyNull: true}},
			{"public import", read(w.poolCard, public.StartedAt), row{source: fc.SourceImport, idTag: w.poolTag, kind: fc.LocationPublic,
				name: "Fastned Vianen A2", currency: "EUR", ref: "CDR-1", cardAccount: acc,
				energy: 40000, duration: 1500, cost: 2760, meterStop: 40000, startKeyNull: true}},
		}
		for _, tt := range tests {
			if tt.got != tt.want {
				t.Errorf("%s:\n got %+v\nwant %+v", tt.name, tt.got, tt.want)
			}
		}

		if got := countRows(t, s, `SELECT COUNT(*) FROM audit_events WHERE provider_id = $1 AND action = 'session.bulk_load'`, int64(w.provider.ID)); got != 1 {
			t.Errorf("session.bulk_load audit events = %d, want 1", got)
		}
		for _, c := range []struct {
			card fc.ID
			want time.Time
		}{{w.card, later.StartedAt}, {w.poolCard, public.StartedAt}} {
			if got := countRows(t, s, `SELECT last_used_at FROM cards WHERE id = $1`, int64(c.card)); got != c.want.UnixMilli() {
				t.Errorf("card %s last_used_at = %d, want %d", c.card, got, c.want.UnixMilli())
			}
		}
	})
}

func TestBulkSessionsRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := loadBulkWorld(t, s)
		other := mustProvider(t, s, "Other CPO")
		start := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
		stop := start.Add(time.Hour)
		ok := func() *fc.Session {
			return &fc.Session{CardID: w.card, StationID: w.station, ConnectorID: 1, StartedAt: start, StoppedAt: &stop, EnergyWh: 1000}
		}
		tests := []struct {
			name     string
			provider fc.ID
			edit     func(*fc.Session)
			code     string
		}{
			{"unknown card", w.provider.ID, func(s *fc.Session) { s.CardID = 999999 }, fc.EInvalid},
			{"card of another provider", other.ID, func(s *fc.Session) {}, fc.EInvalid},
			{"unknown connector", w.provider.ID, func(s *fc.Session) { s.ConnectorID = 3 }, fc.EInvalid},
			{"not stopped", w.provider.ID, func(s *fc.Session) { s.StoppedAt = nil }, fc.EInvalid},
			{"foreign without name", w.provider.ID, func(s *fc.Session) { s.StationID, s.LocationKind, s.Currency = 0, fc.LocationPublic, "EUR" }, fc.EInvalid},
			{"foreign without currency", w.provider.ID, func(s *fc.Session) { s.StationID, s.LocationKind, s.LocationName = 0, fc.LocationPublic, "X" }, fc.EInvalid},
			{"duplicate external ref", w.provider.ID, func(s *fc.Session) { s.ExternalRef = "DUP" }, fc.EConflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				first, bad := ok(), ok()
				first.ExternalRef = "FIRST-" + tt.name
				tt.edit(bad)
				list := []*fc.Session{first, bad}
				if tt.code == fc.EConflict {
					dup := ok()
					dup.ExternalRef = bad.ExternalRef
					list = append(list, dup)
				}
				err := s.BulkSessions(ctx, tt.provider, sessionsOf(list...), nil)
				if !fc.IsCode(err, tt.code) {
					t.Fatalf("err = %v, want code %s", err, tt.code)
				}
			})
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM sessions`); got != 0 {
			t.Errorf("sessions after refused loads = %d, want 0 (a refused load stores nothing)", got)
		}
	})
}

func TestBulkSessionsGeneratorError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := loadBulkWorld(t, s)
		boom := errors.New("generator failed")
		stop := time.Now()
		err := s.BulkSessions(context.Background(), w.provider.ID, func(yield func(*fc.Session) error) error {
			if err := yield(&fc.Session{CardID: w.card, StationID: w.station, ConnectorID: 1, StartedAt: stop.Add(-time.Hour), StoppedAt: &stop}); err != nil {
				return err
			}
			return boom
		}, nil)
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
		if got := countRows(t, s, `SELECT COUNT(*) FROM sessions`); got != 0 {
			t.Errorf("sessions = %d, want 0", got)
		}
	})
}

// A bulk load tunes SQLite's writer connection only while it lasts.
func TestBulkRestoresSQLiteSettings(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	pragmas := []string{"foreign_keys", "cache_size"}
	read := func() []int64 {
		t.Helper()
		var out []int64
		for _, p := range pragmas {
			out = append(out, countRows(t, s, "PRAGMA "+p))
		}
		return out
	}
	want := read()
	w := loadBulkWorld(t, s)
	stop := time.Now()
	err := s.BulkSessions(context.Background(), w.provider.ID, sessionsOf(&fc.Session{CardID: w.card, StationID: w.station, ConnectorID: 1,
		StartedAt: stop.Add(-time.Hour), StoppedAt: &stop, EnergyWh: 1000}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(); !slices.Equal(got, want) {
		t.Errorf("%v after bulk loads = %v, want %v", pragmas, got, want)
	}
}
