// Command fleetcharge runs the fleetcharge back office: the web application,
// the JSON API and the OCPP endpoint in one process, and the maintenance
// commands (migrate, demo, provider create, provider ca, token create,
// generate).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `fleetcharge — EV charging back office with Fleet Roles

Usage:
  fleetcharge serve [--addr :8080] [--db URL] [--demo] [--tls-cert FILE --tls-key FILE] [--base-url URL --smtp URL] [--trusted-proxies CIDR,...] [--backup-dir DIR --backup-every 24h --backup-keep 7]
  fleetcharge migrate [--dry-run] [--db URL]
  fleetcharge backup --to FILE [--db URL]
  fleetcharge backup --verify FILE [--db URL]
  fleetcharge restore --from FILE [--db URL]
  fleetcharge version
  fleetcharge demo [--db URL]
  fleetcharge provider create --name NAME --admin-email EMAIL [--db URL]
  fleetcharge provider ca --provider-id ID (--generate | --cert FILE [--key FILE]) [--db URL]
  fleetcharge token create --email EMAIL [--name NAME] [--db URL]
  fleetcharge generate --orgs N --accounts N --cards N --stations N --sessions N [--db URL]
  fleetcharge password reset --email EMAIL [--base-url URL] [--db URL]
  fleetcharge user grant --email EMAIL --role ROLE [--organization-id ID | --account-id ID] [--db URL]
  fleetcharge migration --kind KIND --ids 1,2 --to-account ID | --to-organization ID [--dry-run] [--with-linked] [--plan FP] [--as EMAIL] [--db URL]

--db defaults to $FLEETCHARGE_DB, then to the SQLite file fleetcharge.db in the
working directory; sqlite:///path/file.db or a postgres:// URL select the engine.
--addr defaults to $FLEETCHARGE_ADDR, then :8080 (127.0.0.1:8080 with --demo).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "fleetcharge:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; it is main without the process around it,
// so that tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "provider" || cmd == "token") && len(rest) > 0 && rest[0] == "create" {
		cmd, rest = cmd+" create", rest[1:]
	}
	if cmd == "provider" && len(rest) > 0 && rest[0] == "ca" {
		cmd, rest = "provider ca", rest[1:]
	}
	if cmd == "user" && len(rest) > 0 && rest[0] == "grant" {
		cmd, rest = "user grant", rest[1:]
	}
	if cmd == "password" && len(rest) > 0 && rest[0] == "reset" {
		cmd, rest = "password reset", rest[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "version":
		return runVersion(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "provider create":
		return runProviderCreate(ctx, rest, stdout, stderr)
	case "provider ca":
		return runProviderCA(ctx, rest, stdout, stderr)
	case "token create":
		return runTokenCreate(ctx, rest, stdout, stderr)
	case "generate":
		return runGenerate(ctx, rest, stdout, stderr)
	case "password reset":
		return runPasswordReset(ctx, rest, stdout, stderr)
	case "migration":
		return runMigration(ctx, rest, stdout, stderr)
	case "user grant":
		return runUserGrant(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// newFlags returns a flag set with the --db flag every command has.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr("FLEETCHARGE_DB", "fleetcharge.db"), "database URL: sqlite:///path/file.db, a file path, or postgres://…")
	return fs, db
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// newLogger returns the process's structured logger: text by default,
// JSON with FLEETCHARGE_LOG_FORMAT=json; level from FLEETCHARGE_LOG_LEVEL.
func newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(envOr("FLEETCHARGE_LOG_LEVEL", "info")))
	opts := &slog.HandlerOptions{Level: level}
	if os.Getenv("FLEETCHARGE_LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
