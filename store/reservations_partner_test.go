package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestMigratePartnerReservations: schema 22 rebuilds reservations so that a
// partner's token may stand for the card: a reservation kept before keeps
// its ID and values, the next one gets a new ID after it (PostgreSQL's
// identity follows the copied IDs), and a partner's is refused without
// its token's UID or with a card. Both engines.
func TestMigratePartnerReservations(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.MigrateTo(ctx, 21); err != nil {
				t.Fatal(err)
			}
			// Today's store writes columns of later schemas (26: the
			// provider's invoice contact; 31: a card's validity end): they
			// stand in while the world is built at 21 and go before
			// migrating on.
			later := []string{"providers.contact_name", "providers.phone", "providers.email", "cards.valid_until"}
			for _, tc := range later {
				table, c, _ := strings.Cut(tc, ".")
				def := ` TEXT NOT NULL DEFAULT ''`
				if table == "cards" {
					def = ` TEXT` // NULL: no end
				}
				if _, err := s.DB().ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+c+def); err != nil {
					t.Fatal(err)
				}
			}
			w := mustWorld(t, s, "Mig")
			for _, tc := range later {
				table, c, _ := strings.Cut(tc, ".")
				if _, err := s.DB().ExecContext(ctx, `ALTER TABLE `+table+` DROP COLUMN `+c); err != nil {
					t.Fatal(err)
				}
			}
			expires := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO reservations (id, provider_id, station_id, connector_id, reservation_id,
				card_id, expires_at, status, created_at) VALUES (41, $1, $2, 1, 7, $3, $4, 'active', $5)`,
				int64(w.Provider.ID), int64(w.Station.ID), int64(w.Card.ID), expires.UnixMilli(), time.Now().UnixMilli()); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			all := fc.ReservationScope{ProviderID: w.Provider.ID, Stations: fc.StationScope{ProviderID: w.Provider.ID, Reach: fc.Everything}, CardSide: fc.Everything}
			old, err := s.Reservation(ctx, all, 41)
			if err != nil || old.CardID != w.Card.ID || old.OCPPID != 7 || old.Status != fc.ReservationActive || !old.ExpiresAt.Equal(expires) || old.CardMasked {
				t.Fatalf("the reservation kept: %+v, %v", old, err)
			}
			partner := mustPartner(t, s, w.Provider.ID, "eMSP", fc.PartnerConnected, "hash-mig")
			r := &fc.Reservation{StationID: w.Station.ID, ConnectorID: 2, OCPPID: 8, PartnerID: partner.ID, PartnerIDTag: "TOKEN-0099", ExpiresAt: expires}
			if err := s.CreateReservation(ctx, r); err != nil {
				t.Fatal(err)
			}
			if r.ID <= 41 {
				t.Errorf("the next reservation got ID %s, want one after 41", r.ID)
			}
			for name, bad := range map[string]fc.Reservation{
				"no token":   {StationID: w.Station.ID, ConnectorID: 1, OCPPID: 9, PartnerID: partner.ID, ExpiresAt: expires},
				"and card":   {StationID: w.Station.ID, ConnectorID: 1, OCPPID: 9, PartnerID: partner.ID, PartnerIDTag: "T", CardID: w.Card.ID, ExpiresAt: expires},
				"no partner": {StationID: w.Station.ID, ConnectorID: 1, OCPPID: 9, PartnerID: 999999, PartnerIDTag: "T", ExpiresAt: expires},
			} {
				if err := s.CreateReservation(ctx, &bad); !fc.IsCode(err, fc.EInvalid) {
					t.Errorf("%s: %v, want invalid", name, err)
				}
			}
			// Another provider's partner is no partner of this station's.
			other := mustProvider(t, s, "Mig other")
			foreign := mustPartner(t, s, other.ID, "Foreign", fc.PartnerConnected, "hash-mig-2")
			if err := s.CreateReservation(ctx, &fc.Reservation{StationID: w.Station.ID, ConnectorID: 1, OCPPID: 10, PartnerID: foreign.ID,
				PartnerIDTag: "T", ExpiresAt: expires}); !fc.IsCode(err, fc.EInvalid) {
				t.Errorf("another provider's partner: %v", err)
			}
			// The card filter never matches a partner's reservation.
			got, err := s.Reservations(ctx, all, fc.ReservationFilter{CardID: w.Card.ID, Page: fc.Page{Limit: 10}})
			if err != nil || len(got) != 1 || got[0].ID != 41 {
				t.Errorf("the card's reservations: %+v, %v", got, err)
			}
		})
	}
}
