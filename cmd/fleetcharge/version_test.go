package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fleetcharge ", "commit:", "go:      " + runtime.Version(), fmt.Sprintf("schema:  %d", store.SchemaVersion())} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version printed no %q:\n%s", want, out.String())
		}
	}
}

// TestMigrateDryRun lists every migration on an empty database, applies
// none, and lists none once migrated. The files of store/migrations must
// be numbered 1 to N without a gap: a database never applies a migration
// numbered below its version, so one filled in later would be skipped.
func TestMigrateDryRun(t *testing.T) {
	ctx := context.Background()
	files, err := filepath.Glob("../../store/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files: %v", err)
	}
	count := len(files)
	for i, f := range files { // Glob sorts them
		if want := fmt.Sprintf("%04d_", i+1); !strings.HasPrefix(filepath.Base(f), want) {
			t.Fatalf("migration %s: want the number %s (numbered without gaps or repeats)", filepath.Base(f), want)
		}
	}
	db := storetest.URL(t, "sqlite")
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--dry-run", "--db", db}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d pending migrations", count); !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "0001_foundation.sql") {
		t.Errorf("dry run on an empty database printed:\n%s\nwant %q and the first migration", out.String(), want)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := st.Pending(ctx)
	st.Close()
	if err != nil || len(pending) != count {
		t.Errorf("after the dry run %d pending (%v), want all %d still", len(pending), err, count)
	}
	if err := run(ctx, []string{"migrate", "--db", db}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--dry-run", "--db", db}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "no pending migrations") {
		t.Errorf("dry run on a migrated database printed:\n%s", out.String())
	}
}

// TestGeneratePrintsAdmin checks that generate prints a login whose
// password signs in once, to be changed.
func TestGeneratePrintsAdmin(t *testing.T) {
	ctx := context.Background()
	db := storetest.URL(t, "sqlite")
	var out bytes.Buffer
	args := []string{"generate", "--db", db, "--orgs", "2", "--accounts", "2", "--cards", "4", "--stations", "1", "--sessions", "5"}
	if err := run(ctx, args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`admin: (\S+)\npassword: (\S+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("generate printed no admin login:\n%s", out.String())
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, m[1])
	if err != nil {
		t.Fatal(err)
	}
	if !secret.CheckPassword(u.PasswordHash, m[2]) || !u.MustChangePassword {
		t.Errorf("the printed password does not sign %s in, or need not be changed (must change: %v)", m[1], u.MustChangePassword)
	}
}
