package store_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/report"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The reimbursement benchmark of issue 15 (docs/BENCHMARKS.md) builds a
// provider with 10,000 employees, each with a home, a home charger, a card
// and a rate, and 300,000 home sessions in March 2026; it runs only with
// FLEETCHARGE_BENCH=1, since building that takes a while:
//
//	FLEETCHARGE_BENCH=1 go test ./store -run '^$' -bench Reimbursement -benchtime 3x
//
// generate: the month's statements made anew (the drafts of the previous
// iteration are deleted, untimed); regenerate: the month generated again
// over its unchanged drafts; payroll: the month's payroll file of every
// statement, in CSV and in XLSX, as the API writes it.

const (
	benchEmployees       = 10_000
	benchSessionsPerHome = 30
)

func BenchmarkReimbursement(b *testing.B) {
	if os.Getenv("FLEETCHARGE_BENCH") == "" {
		b.Skip("set FLEETCHARGE_BENCH=1 to build 10,000 homes and 300,000 home sessions and measure")
	}
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := storetest.Open(b, engine)
			ctx := fc.WithActor(context.Background(), fc.Actor{Label: "bench"})
			start := time.Now()
			p := buildHomes(b, ctx, s)
			b.Logf("built %d homes with %d sessions in %s", benchEmployees, benchEmployees*benchSessionsPerHome, time.Since(start).Round(time.Millisecond))
			sc := fc.ProviderScope(p)
			clear := func() {
				for _, q := range []string{`DELETE FROM reimbursement_lines`, `DELETE FROM reimbursement_statements`} {
					if _, err := s.DB().ExecContext(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("generate", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					clear()
					b.StartTimer()
					xs, err := s.GenerateReimbursementStatements(ctx, sc, "2026-03")
					if err != nil || len(xs) != benchEmployees {
						b.Fatalf("generate: %d statements, %v", len(xs), err)
					}
				}
			})
			b.Run("regenerate", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.GenerateReimbursementStatements(ctx, sc, "2026-03"); err != nil {
						b.Fatal(err)
					}
				}
			})
			svc := &app.Service{Store: s}
			admin := access.Subject{ProviderID: p, Assignments: []fc.Assignment{{ProviderID: p, Role: fc.RoleProviderAdmin}}}
			for _, format := range []string{report.PayrollCSV, report.PayrollXLSX} {
				b.Run("payroll-"+format, func(b *testing.B) {
					for b.Loop() {
						xs, err := svc.AllReimbursementStatements(ctx, admin, fc.ReimbursementStatementFilter{Period: "2026-03"})
						if err != nil || len(xs) != benchEmployees {
							b.Fatalf("statements: %d, %v", len(xs), err)
						}
						if err := report.WritePayroll(io.Discard, format, xs); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// buildHomes loads the benchmark's provider through the bulk loader and
// returns it.
func buildHomes(b *testing.B, ctx context.Context, s *store.Store) fc.ID {
	b.Helper()
	pr := &fc.Provider{Name: "Reimbursement bench"}
	if err := s.CreateProvider(ctx, pr); err != nil {
		b.Fatal(err)
	}
	p, now := int64(pr.ID), time.Now().UnixMilli()
	n := benchEmployees
	ids := map[string]fc.ID{}
	err := s.BulkLoad(ctx, pr.ID, func(l *store.Loader) error {
		for table, count := range map[string]int{"organizations": 1, "accounts": 1, "employees": n, "cards": n, "locations": n,
			"charge_groups": 1, "stations": n} {
			first, err := l.ReserveIDs(table, count)
			if err != nil {
				return err
			}
			ids[table] = first
		}
		id := func(table string, i int) int64 { return int64(ids[table]) + int64(i) }
		rows := func(count int, row func(i int) []any) func(yield func(...any) error) error {
			return func(yield func(...any) error) error {
				for i := range count {
					if err := yield(row(i)...); err != nil {
						return err
					}
				}
				return nil
			}
		}
		steps := []struct {
			table string
			cols  []string
			count int
			row   func(i int) []any
		}{
			{"organizations", []string{"id", "provider_id", "name", "country", "depth", "created_at", "updated_at"}, 1,
				func(int) []any { return []any{id("organizations", 0), p, "Bench holding", "NL", 0, now, now} }},
			{"org_closure", []string{"ancestor_id", "descendant_id", "distance"}, 1,
				func(int) []any { return []any{id("organizations", 0), id("organizations", 0), 0} }},
			{"accounts", []string{"id", "provider_id", "organization_id", "name", "kind", "created_at", "updated_at"}, 1,
				func(int) []any {
					return []any{id("accounts", 0), p, id("organizations", 0), "Bench fleet", "company", now, now}
				}},
			{"employees", []string{"id", "provider_id", "account_id", "name", "email", "employee_number", "active", "created_at", "updated_at"}, n,
				func(i int) []any {
					return []any{id("employees", i), p, id("accounts", 0), fmt.Sprintf("Employee %05d", i), fmt.Sprintf("e%05d@bench.example", i),
						fmt.Sprintf("B-%05d", i), true, now, now}
				}},
			{"cards", []string{"id", "provider_id", "account_id", "employee_id", "internal_id", "external_id", "status", "created_at", "updated_at"}, n,
				func(i int) []any {
					return []any{id("cards", i), p, id("accounts", 0), id("employees", i), fmt.Sprintf("04BE%010X", i), fmt.Sprintf("NL-BEN-C%08d", i),
						fc.CardActive, now, now}
				}},
			{"locations", []string{"id", "provider_id", "account_id", "name", "kind", "address", "city", "postal_code", "country", "employee_id",
				"created_at", "updated_at"}, n,
				func(i int) []any {
					return []any{id("locations", i), p, id("accounts", 0), fmt.Sprintf("Home %05d", i), fc.LocationHome, "Street 1", "Utrecht",
						"3500 AA", "NL", id("employees", i), now, now}
				}},
			{"charge_groups", []string{"id", "provider_id", "account_id", "name", "kind", "access", "currency", "per_kwh_micros",
				"per_minute_micros", "start_fee_micros", "created_at", "updated_at"}, 1,
				func(int) []any {
					return []any{id("charge_groups", 0), p, id("accounts", 0), "Home chargers", fc.GroupHome, fc.AccessPublic, "EUR", 300000, 0, 0, now, now}
				}},
			{"stations", []string{"id", "provider_id", "account_id", "location_id", "charge_group_id", "identity", "password_hash", "vendor", "model",
				"serial_number", "firmware", "online", "created_at", "updated_at"}, n,
				func(i int) []any {
					return []any{id("stations", i), p, id("accounts", 0), id("locations", i), id("charge_groups", 0), fmt.Sprintf("BENCH-HOME-%05d", i),
						"unused", "Alfen", "Eve Single", fmt.Sprintf("AL%08d", i), "1.0", false, now, now}
				}},
			{"charge_points", []string{"station_id", "connector_id", "status"}, n,
				func(i int) []any { return []any{id("stations", i), 1, "Unknown"} }},
			{"reimbursement_rates", []string{"provider_id", "employee_id", "per_kwh_micros", "currency", "valid_from", "created_at", "updated_at"}, n,
				func(i int) []any {
					return []any{p, id("employees", i), 250000 + int64(i%100)*1000, "EUR", "2026-01-01", now, now}
				}},
		}
		for _, st := range steps {
			if err := l.Insert(st.table, st.cols, rows(st.count, st.row)); err != nil {
				return fmt.Errorf("%s: %w", st.table, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// 30 evenings of March 2026 at each home, in the order they started.
	march := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	err = s.BulkSessions(ctx, pr.ID, func(yield func(*fc.Session) error) error {
		for day := range benchSessionsPerHome {
			for i := range n {
				start := march.AddDate(0, 0, day).Add(time.Duration(i%240) * time.Minute)
				stop := start.Add(3 * time.Hour)
				x := &fc.Session{CardID: ids["cards"] + fc.ID(i), StationID: ids["stations"] + fc.ID(i), ConnectorID: 1,
					StartedAt: start, StoppedAt: &stop, EnergyWh: 5000 + int64((i*7+day*13)%30000), StopReason: "EVDisconnected"}
				if err := yield(x); err != nil {
					return err
				}
			}
		}
		return nil
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	return pr.ID
}
