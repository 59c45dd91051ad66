package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/loadgen"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

const loadPassword = "backup-load-password"

// TestBackupWhileCharging takes a backup with the command line while
// simulated stations charge on the running server, restores it into an
// empty database and finds there every session whose stop the server
// acknowledged before the backup started, with the integrity checks
// passing; the backup file verifies too. Both engines (PostgreSQL through
// pg_dump and pg_restore).
func TestBackupWhileCharging(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { testBackupWhileCharging(t, engine) })
	}
}

func testBackupWhileCharging(t *testing.T, engine string) {
	ctx := context.Background()
	const stations = 4
	dbURL := storetest.URL(t, engine)
	prefix := generateStations(t, dbURL, stations)
	m, _ := boot(t, dbURL, false)
	db, err := loadgen.OpenDB(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := loadgen.OCPPConfig{
		URL: "ws://" + m.Addr() + "/ocpp", Stations: stations, Prefix: prefix, Password: loadPassword,
		Duration: time.Second, Grace: 10 * time.Second, CallTimeout: 10 * time.Second,
		ReconnectDelay: 200 * time.Millisecond, Seed: 1,
		TxInterval: 50 * time.Millisecond, TxDuration: 40 * time.Millisecond, MeterValues: 1,
	}
	if cfg.Tags, err = db.Tags(ctx, prefix); err != nil {
		t.Fatal(err)
	}

	// The first run's stops are all acknowledged before the backup starts.
	since := time.Now()
	before, err := loadgen.RunOCPP(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Stopped) == 0 {
		t.Fatal("the first run stopped no transaction")
	}
	// The second charges while the backup is taken.
	cfg.Duration, cfg.Seed = 3*time.Second, 2
	during := make(chan *loadgen.OCPPResult, 1)
	go func() {
		res, err := loadgen.RunOCPP(ctx, cfg)
		if err != nil {
			t.Error(err)
		}
		during <- res
	}()
	time.Sleep(700 * time.Millisecond) // let the second run start charging
	file := filepath.Join(t.TempDir(), "backup")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"backup", "--db", dbURL, "--to", file}, &out, &errOut); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut.String())
	}
	if res := <-during; res != nil && res.TxStarted == 0 {
		t.Error("the second run started no transaction: the backup ran without load")
	}

	restored := storetest.EmptyDatabase(t, engine)
	out.Reset()
	if err := run(ctx, []string{"restore", "--from", file, "--db", restored}, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "integrity ok") || !strings.Contains(out.String(), "sessions") {
		t.Errorf("restore printed:\n%s", out.String())
	}
	st, err := store.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Verify(ctx); err != nil {
		t.Errorf("the restored database: %v", err)
	}
	rdb, err := loadgen.OpenDB(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	v, err := rdb.Verify(ctx, prefix, since, before.Stopped)
	if err != nil {
		t.Fatal(err)
	}
	if v.Lost != 0 || v.Stored < v.Acknowledged {
		t.Errorf("the restored backup lost %d of %d sessions acknowledged before the backup (%+v)", v.Lost, v.Acknowledged, *v)
	}

	out.Reset()
	if err := run(ctx, []string{"backup", "--verify", file, "--db", os.Getenv(storetest.EnvPostgres)}, &out, io.Discard); err != nil {
		t.Fatalf("backup --verify: %v", err)
	}
	if want := fmt.Sprintf("schema version %d", store.SchemaVersion()); !strings.Contains(out.String(), want) {
		t.Errorf("backup --verify printed no %q:\n%s", want, out.String())
	}
}

// generateStations generates a provider with n stations whose OCPP
// password is loadPassword and returns their identities' prefix.
func generateStations(t *testing.T, dbURL string, n int) string {
	t.Helper()
	ctx := context.Background()
	s, err := openStore(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sz := demo.Sizes{Orgs: 2, Accounts: 3, Cards: 10 * n, Stations: n, StationPassword: loadPassword, Seed: 7, Now: time.Now()}
	if err := demo.Generate(ctx, s, sz, nil); err != nil {
		t.Fatal(err)
	}
	providers, err := s.Providers(ctx)
	if err != nil || len(providers) != 1 {
		t.Fatalf("providers %v, %v; want one", providers, err)
	}
	return fmt.Sprintf("P%d-S", providers[0].ID)
}

// TestScheduledBackups checks the schedule's naming, pruning and metrics,
// and that serve prints the URL to open.
func TestScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: storetest.URL(t, "sqlite"), Logger: newLogger(io.Discard), Out: &out,
		BackupDir: dir, BackupEvery: time.Hour, BackupKeep: 2})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if want := "open http://" + m.Addr() + "/"; !strings.Contains(out.String(), want) {
		t.Errorf("serve printed %q, want %q", out.String(), want)
	}
	var taken []string
	for range 3 {
		path, err := m.backups.once(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, filepath.Base(path))
		time.Sleep(2 * time.Millisecond) // names are by the millisecond
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := taken[1:]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("backups kept %v, want the newest two %v", got, want)
	}
	if _, err := store.VerifyBackup(context.Background(), filepath.Join(dir, got[len(got)-1]), ""); err != nil {
		t.Errorf("the newest scheduled backup: %v", err)
	}
	_, body := get(t, "http://"+m.Addr()+"/metrics")
	if !strings.Contains(body, `fleetcharge_backups_total{result="ok"} 3`) || !strings.Contains(body, "fleetcharge_backup_last_success_timestamp_seconds") {
		t.Errorf("/metrics lacks the backups' metrics")
	}
	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}
