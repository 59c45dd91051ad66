package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/fleetcharge/fleetcharge/store"
)

// version is the release, set at build time with
// -ldflags "-X main.version=v1.2.0"; otherwise the module's version.
var version = ""

// buildInfo is what `fleetcharge version` prints.
type buildInfo struct {
	Version, Commit, Time, Go string
	Modified                  bool
	Schema                    int
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version(), Schema: store.SchemaVersion(), Commit: "unknown (built without version control information)"}
	info, ok := debug.ReadBuildInfo()
	if ok {
		if b.Version == "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("version takes no arguments")
	}
	b := readBuildInfo()
	fmt.Fprintf(stdout, "fleetcharge %s\n", b.Version)
	commit := b.Commit
	if b.Modified {
		commit += " (with uncommitted changes)"
	}
	if b.Time != "" {
		commit += ", " + b.Time
	}
	fmt.Fprintf(stdout, "commit:  %s\n", commit)
	fmt.Fprintf(stdout, "go:      %s\n", b.Go)
	fmt.Fprintf(stdout, "schema:  %d\n", b.Schema)
	return nil
}

// printPending lists the migrations `migrate` would apply (--dry-run).
func printPending(ctx context.Context, st *store.Store, w io.Writer) error {
	pending, err := st.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintf(w, "no pending migrations; schema at version %d (%s)\n", store.SchemaVersion(), st.Engine())
		return nil
	}
	fmt.Fprintf(w, "%d pending migrations (%s), not applied:\n", len(pending), st.Engine())
	for _, m := range pending {
		fmt.Fprintf(w, "  %s\n", m.Name)
	}
	return nil
}
