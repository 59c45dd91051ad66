package store_test

import (
	"context"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestMigrateCDRReferences: schema 16 splits the references of CDRs kept
// before it ("NL*CPO*CDR-1") into the CPO's party and the CDR's id when
// the party is a CPO of one of the provider's partners (or the partner is
// a hub), the credits' stop reasons with them; a reference of the same
// shape that names no partner's party, and any other, is left as it was.
func TestMigrateCDRReferences(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.MigrateTo(ctx, 15); err != nil {
				t.Fatal(err)
			}
			db := s.DB()
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
			}
			exec(`INSERT INTO providers (id, name, created_at) VALUES (1, 'One', 0), (2, 'Two', 0)`)
			exec(`INSERT INTO ocpi_partners (id, provider_id, name, status, incoming_hash, incoming_kind, roles, created_at, updated_at)
				VALUES (1, 1, 'CPO', 'connected', 'h1', 'C', $1, 0, 0), (2, 2, 'Hub', 'connected', 'h2', 'C', $2, 0, 0)`,
				`[{"role":"CPO","country_code":"NL","party_id":"CPO","name":"Alpha"},{"role":"EMSP","country_code":"NL","party_id":"MSP"}]`,
				`[{"role":"HUB","country_code":"DE","party_id":"HUB"}]`)
			type row struct {
				id                 int
				provider           int
				ref, reason        string
				wantParty, wantRef string
				wantReason         string
				atStation, notOCPI bool
			}
			rows := []row{
				{id: 1, provider: 1, ref: "NL*CPO*CDR-1", wantParty: "NL*CPO", wantRef: "CDR-1"},
				{id: 2, provider: 1, ref: "NL*CPO*CDR-1-C", reason: "Credit of NL*CPO*CDR-1",
					wantParty: "NL*CPO", wantRef: "CDR-1-C", wantReason: "Credit of CDR-1"},
				{id: 3, provider: 1, ref: "NL*MSP*CDR-1", wantRef: "NL*MSP*CDR-1"}, // an eMSP role, not a CPO
				{id: 4, provider: 1, ref: "BE*GCP*CDR-1", wantRef: "BE*GCP*CDR-1"}, // no partner's party
				{id: 5, provider: 1, ref: "GEN-CDR-000000001", wantRef: "GEN-CDR-000000001"},
				{id: 6, provider: 2, ref: "FR*XYZ*77", wantParty: "FR*XYZ", wantRef: "77"}, // through a hub
				{id: 7, provider: 2, ref: "NL*CPO*CDR-1", wantParty: "NL*CPO", wantRef: "CDR-1"},
			}
			for _, r := range rows {
				exec(`INSERT INTO sessions (id, provider_id, source, external_ref, location_kind, started_at, stopped_at, stop_reason,
					created_at, updated_at) VALUES ($1, $2, 'import', $3, 'public', 0, 1, $4, 0, 0)`, r.id, r.provider, r.ref, r.reason)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				var party, ref, reason string
				if err := db.QueryRowContext(ctx, `SELECT external_party, external_ref, stop_reason FROM sessions WHERE id = $1`, r.id).
					Scan(&party, &ref, &reason); err != nil {
					t.Fatal(err)
				}
				wantReason := r.reason
				if r.wantReason != "" {
					wantReason = r.wantReason
				}
				if party != r.wantParty || ref != r.wantRef || reason != wantReason {
					t.Errorf("session %d (%s): party %q, ref %q, reason %q; want %q, %q, %q",
						r.id, r.ref, party, ref, reason, r.wantParty, r.wantRef, wantReason)
				}
			}
			// The reference is unique per provider and party.
			if _, err := db.ExecContext(ctx, `INSERT INTO sessions (id, provider_id, source, external_party, external_ref, location_kind,
				started_at, created_at, updated_at) VALUES (8, 1, 'import', 'NL*CPO', 'CDR-1', 'public', 0, 0, 0)`); err == nil {
				t.Error("a second session of NL*CPO's CDR-1 was stored")
			}
			exec(`INSERT INTO sessions (id, provider_id, source, external_party, external_ref, location_kind, started_at, created_at, updated_at)
				VALUES (9, 1, 'import', '', 'CDR-1', 'public', 0, 0, 0)`)
		})
	}
}
