package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

func TestParseRetention(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, true},
		{"2160h", 2160 * time.Hour, true},
		{"90d", 90 * 24 * time.Hour, true},
		{" 1d ", 24 * time.Hour, true},
		{"0", 0, false},
		{"-5d", 0, false},
		{"three months", 0, false},
		{"d", 0, false},
	} {
		got, err := parseRetention("retain-meter-values", tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseRetention(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestServeRetains: a process served with meter values and audit events
// retentions drops the older samples and events at start, keeping the
// session and the recent events.
func TestServeRetains(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "fc.db")
	m, _ := boot(t, db, true)
	ctx := context.Background()
	var sessionID, stationID fc.ID
	if err := m.Store.DB().QueryRowContext(ctx, `SELECT id, station_id FROM sessions WHERE station_id IS NOT NULL ORDER BY id LIMIT 1`).
		Scan(&sessionID, &stationID); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	v := 1.0
	if err := m.Store.RecordMeterValues(ctx, stationID, sessionID, nil, time.Time{}, []fc.MeterSample{
		{At: now.AddDate(0, 0, -100), Value: &v}, {At: now.Add(-time.Hour), Value: &v}}); err != nil {
		t.Fatal(err)
	}
	// One audit event is made 100 days old; the others are of today.
	var oldEvent, events int64
	if err := m.Store.DB().QueryRowContext(ctx, `SELECT MIN(id), COUNT(*) FROM audit_events`).Scan(&oldEvent, &events); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store.DB().ExecContext(ctx, `UPDATE audit_events SET at = $1 WHERE id = $2`,
		now.AddDate(0, 0, -100).UnixMilli(), oldEvent); err != nil {
		t.Fatal(err)
	}
	m.Close()

	m = NewMain(Config{Addr: "127.0.0.1:0", DB: db, Logger: newLogger(io.Discard), Out: io.Discard,
		RetainMeterValues: 90 * 24 * time.Hour, RetainAuditEvents: 90 * 24 * time.Hour})
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	count := func() (n int) {
		if err := m.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM meter_values WHERE session_id = $1`, int64(sessionID)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() != 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := count(); n != 1 {
		t.Errorf("samples after retention = %d, want 1 (the recent one)", n)
	}
	audit := func() (n int64) {
		if err := m.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE at < $1`, now.Add(-time.Hour).UnixMilli()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for audit() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var left int64
	if err := m.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if n := audit(); n != 0 || left < events-1 {
		t.Errorf("audit events after retention: %d old left, %d in all; want none old and the %d recent ones", n, left, events-1)
	}
	var sessions int
	if err := m.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id = $1`, int64(sessionID)).Scan(&sessions); err != nil || sessions != 1 {
		t.Errorf("session after retention: %d, err %v", sessions, err)
	}
}
