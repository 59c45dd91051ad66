package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestBackupRestoreVerify backs up the demo database, restores it into an
// empty database and verifies both the restored database and the backup
// file (in a scratch database): the same schema version and row counts.
func TestBackupRestoreVerify(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			src := storetest.Open(t, engine)
			if _, err := demo.Load(fc.WithActor(ctx, fc.Actor{Label: "test"}), src, demo.Options{Seed: 1, Now: time.Now()}); err != nil {
				t.Fatal(err)
			}
			want, err := src.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "backup")
			if err := src.Backup(ctx, file); err != nil {
				t.Fatal(err)
			}
			if err := src.Backup(ctx, file); fc.ErrorCode(err) != fc.EConflict {
				t.Errorf("a backup over an existing file: %v, want %s", err, fc.EConflict)
			}

			target := storetest.EmptyDatabase(t, engine)
			if err := store.Restore(ctx, file, target); err != nil {
				t.Fatal(err)
			}
			restored, err := store.Open(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			defer restored.Close()
			got, err := restored.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			compareChecks(t, "restored", got, want)
			if err := store.Restore(ctx, file, target); fc.ErrorCode(err) != fc.EConflict {
				t.Errorf("a restore into a database with data: %v, want %s", err, fc.EConflict)
			}

			verified, err := store.VerifyBackup(ctx, file, os.Getenv(storetest.EnvPostgres))
			if err != nil {
				t.Fatal(err)
			}
			compareChecks(t, "verified", verified, want)
		})
	}
}

func compareChecks(t *testing.T, what string, got, want *store.Check) {
	t.Helper()
	if got.SchemaVersion != store.SchemaVersion() || got.SchemaVersion != want.SchemaVersion {
		t.Errorf("%s: schema version %d, want %d", what, got.SchemaVersion, want.SchemaVersion)
	}
	if !slices.Equal(got.Tables, want.Tables) {
		t.Errorf("%s: tables\n%v\nwant\n%v", what, got.Tables, want.Tables)
	}
	var sessions int64
	for _, tr := range got.Tables {
		if tr.Table == "sessions" {
			sessions = tr.Rows
		}
	}
	if sessions == 0 {
		t.Errorf("%s: no sessions in %v", what, got.Tables)
	}
}

// TestVerifyFindsDamage checks that Verify fails on a SQLite backup whose
// rows break a foreign key.
func TestVerifyFindsDamage(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, "sqlite")
	if _, err := demo.Load(fc.WithActor(ctx, fc.Actor{Label: "test"}), src, demo.Options{Seed: 1, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := src.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	if _, err := store.VerifyBackup(ctx, file, ""); err != nil {
		t.Fatalf("a sound backup: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE cards SET account_id = 999999 WHERE id = (SELECT MIN(id) FROM cards)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.VerifyBackup(ctx, file, "")
	if err == nil || !strings.Contains(err.Error(), "foreign key") {
		t.Errorf("a backup with a dangling card: %v, want a foreign key error", err)
	}
	if _, err := store.VerifyBackup(ctx, filepath.Join("testdata", "no-such-file"), ""); err == nil {
		t.Error("a missing file verified")
	}
}

// TestBackupRefusesOldPGDump puts a pg_dump older than the server first on
// the PATH and checks that the backup names both versions.
func TestBackupRefusesOldPGDump(t *testing.T) {
	s := storetest.Open(t, "postgres")
	dir := t.TempDir()
	script := "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n"
	if err := os.WriteFile(filepath.Join(dir, "pg_dump"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "b"))
	if err == nil || !strings.Contains(err.Error(), "pg_dump is version 9, older than the PostgreSQL server") {
		t.Errorf("backup with pg_dump 9.6: %v", err)
	}
	var e *fc.Error
	if !errors.As(err, &e) || e.Code != fc.EUnavailable {
		t.Errorf("error code: %v, want %s", err, fc.EUnavailable)
	}
}

// TestBackupPublicSchema backs up a PostgreSQL database that works in the
// schema public, as most do, and restores it into a new database whose
// public schema exists already, empty.
func TestBackupPublicSchema(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	ctx := context.Background()
	src, err := store.Open(ctx, storetest.EmptyDatabase(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(fc.WithActor(ctx, fc.Actor{Label: "test"}), src, demo.Options{Seed: 1, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	want, err := src.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.pgdump")
	if err := src.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	verified, err := store.VerifyBackup(ctx, file, os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	compareChecks(t, "verified", verified, want)
	target := storetest.EmptyDatabase(t, "postgres")
	if err := store.Restore(ctx, file, target); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	got, err := restored.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	compareChecks(t, "restored", got, want)
}
