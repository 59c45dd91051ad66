package fleetcharge

import "testing"

func TestTariffCost(t *testing.T) {
	eur := Tariff{Currency: "EUR", PerKWhMicros: 350000, PerMinuteMicros: 10000, StartFeeMicros: 500000}
	tests := []struct {
		name     string
		tariff   Tariff
		wh, secs int64
		want     int64
	}{
		{"start fee only", eur, 0, 0, 50},
		{"energy time and fee", eur, 12345, 3600, 50 + 432 + 60}, // 4.32075 + 0.60 + 0.50 = 5.42075 → 5.42
		{"half cent rounds up", Tariff{Currency: "EUR", PerKWhMicros: 5000}, 1000, 0, 1},
		{"below half cent rounds down", Tariff{Currency: "EUR", PerKWhMicros: 4999}, 1000, 0, 0},
		{"yen has no minor unit", Tariff{Currency: "JPY", PerKWhMicros: 40_000000}, 10000, 0, 400},
		{"dinar has three", Tariff{Currency: "KWD", PerKWhMicros: 100000}, 1500, 0, 150},
		{"free", Tariff{Currency: "EUR"}, 99999, 99999, 0},
		{"huge meter values stay exact", Tariff{Currency: "EUR", PerKWhMicros: 1_000_000_000_000}, 1 << 40, 0, 109951162777600000},
		{"beyond int64 saturates", Tariff{Currency: "EUR", PerKWhMicros: 1_000_000_000_000}, 1 << 62, 0, 1<<63 - 1},
	}
	for _, tt := range tests {
		if got := tt.tariff.Cost(tt.wh, tt.secs); got != tt.want {
			t.Errorf("%s: Cost(%d Wh, %d s) = %d, want %d", tt.name, tt.wh, tt.secs, got, tt.want)
		}
	}
}

func TestAdmits(t *testing.T) {
	card := &Card{ID: 7, AccountID: 3}
	orgs := []ID{1, 2}
	tests := []struct {
		name  string
		group ChargeGroup
		want  bool
	}{
		{"public", ChargeGroup{Access: AccessPublic}, true},
		{"restricted, nobody listed", ChargeGroup{Access: AccessRestricted}, false},
		{"card listed", ChargeGroup{Access: AccessRestricted, AllowedCardIDs: []ID{7}}, true},
		{"account listed", ChargeGroup{Access: AccessRestricted, AllowedAccountIDs: []ID{3}}, true},
		{"ancestor organization listed", ChargeGroup{Access: AccessRestricted, AllowedOrganizationIDs: []ID{1}}, true},
		{"other organization listed", ChargeGroup{Access: AccessRestricted, AllowedOrganizationIDs: []ID{9}}, false},
	}
	for _, tt := range tests {
		if got := tt.group.Admits(card, orgs); got != tt.want {
			t.Errorf("%s: Admits = %v, want %v", tt.name, got, tt.want)
		}
	}
}
