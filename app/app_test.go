package app_test

import (
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

func TestParseResource(t *testing.T) {
	tests := []struct {
		in       string
		wantKind string
		wantID   fc.ID
		wantErr  bool
	}{
		{"card:123", fc.KindCard, 123, false},
		{"charge-group:7", fc.KindChargeGroup, 7, false},
		{"Role-Assignment:2", fc.KindAssignment, 2, false},
		{"provider", fc.KindProvider, 0, false},
		{"provider:1", fc.KindProvider, 1, false},
		{"card", "", 0, true},
		{"card:0", "", 0, true},
		{"card:-3", "", 0, true},
		{"driver:3", "", 0, true},
		{"", "", 0, true},
	}
	for _, tt := range tests {
		kind, id, err := app.ParseResource(tt.in)
		if (err != nil) != tt.wantErr || kind != tt.wantKind || id != tt.wantID {
			t.Errorf("ParseResource(%q) = %q, %d, %v; want %q, %d, error %v", tt.in, kind, id, err, tt.wantKind, tt.wantID, tt.wantErr)
		}
		if err != nil && fc.ErrorFields(err)["resource"] == "" {
			t.Errorf("ParseResource(%q): error %v does not name the resource field", tt.in, err)
		}
	}
}

func TestStationPasswordHash(t *testing.T) {
	for _, tt := range []struct {
		password string
		ok       bool
	}{
		{"0123456789abcdef", true},
		{"0123456789abcde", false},
		{"0123456789abcdef0123456789abcdef01234567", true},
		{"0123456789abcdef0123456789abcdef012345678", false},
		{"0123456789 abcdef", false},
		{"0123456789abcdéf", false},
	} {
		hash, err := app.StationPasswordHash("password", tt.password)
		if (err == nil) != tt.ok || tt.ok && hash == "" {
			t.Errorf("StationPasswordHash(%q) = %q, %v; want ok %v", tt.password, hash, err, tt.ok)
		}
	}
}
