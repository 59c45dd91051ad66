package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/store"
)

// openStore opens and migrates the database named by url.
func openStore(ctx context.Context, url string) (*store.Store, error) {
	st, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// cliContext marks changes made from the command line in the audit log.
func cliContext(ctx context.Context) context.Context {
	return fc.WithActor(ctx, fc.Actor{Label: "cli"})
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("migrate", stderr)
	dryRun := fs.Bool("dry-run", false, "list the pending migrations without applying them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *dryRun {
		return printPending(ctx, st, stdout)
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migrations; schema at version %d (%s)\n", n, store.SchemaVersion(), st.Engine())
	return nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("demo", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	return loadDemo(ctx, st, stdout, newLogger(stderr))
}

// loadDemo loads the demo data into an empty database and prints the
// logins; into a database that has data it loads nothing and says so.
func loadDemo(ctx context.Context, st *store.Store, out io.Writer, log *slog.Logger) error {
	providers, err := st.Providers(ctx)
	if err != nil {
		return err
	}
	if len(providers) > 0 {
		log.Info("the database is not empty: demo data not loaded", "providers", len(providers))
		if slices.ContainsFunc(providers, demo.IsDemo) {
			demo.PrintUsers(out)
		}
		return nil
	}
	start := time.Now()
	res, err := demo.Load(cliContext(ctx), st, demo.Options{Seed: 1, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	log.Info("demo data loaded", "duration_ms", time.Since(start).Milliseconds())
	demo.PrintLogins(out, res)
	return nil
}

func runProviderCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("provider create", stderr)
	name := fs.String("name", "", "the provider's name")
	email := fs.String("admin-email", "", "e-mail of the provider's first admin")
	tz := fs.String("time-zone", "UTC", "the provider's IANA time zone, for report dates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" || strings.TrimSpace(*email) == "" {
		return fmt.Errorf("provider create needs --name and --admin-email")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = cliContext(ctx)
	if _, err := st.UserByEmail(ctx, *email); err == nil {
		return fmt.Errorf("a user with e-mail %s exists already", *email)
	} else if !fc.IsCode(err, fc.ENotFound) {
		return err
	}
	p := &fc.Provider{Name: *name, TimeZone: *tz}
	if err := st.CreateProvider(ctx, p); err != nil {
		return err
	}
	password := secret.Password(16)
	u := &fc.User{ProviderID: p.ID, Email: *email, Name: "Administrator", PasswordHash: secret.HashPassword(password), MustChangePassword: true}
	if err := st.CreateUser(ctx, u); err != nil {
		return err
	}
	if err := st.CreateAssignment(ctx, &fc.Assignment{ProviderID: p.ID, UserID: u.ID, Role: fc.RoleProviderAdmin}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "provider: %s (id %s)\nadmin: %s\npassword: %s\n", p.Name, p.ID, u.Email, password)
	fmt.Fprintln(stdout, "The password is shown once and must be changed at the first sign-in.")
	return nil
}

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("token create", stderr)
	email := fs.String("email", "", "e-mail of the user the token acts for")
	name := fs.String("name", "cli", "a name for the token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("token create needs --email")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = cliContext(ctx)
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	token := secret.Token("fct_")
	if err := st.CreateAPIToken(ctx, &fc.APIToken{UserID: u.ID, Name: *name, Hash: secret.HashToken(token)}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("generate", stderr)
	var sz demo.Sizes
	fs.IntVar(&sz.Orgs, "orgs", 100, "organizations")
	fs.IntVar(&sz.Accounts, "accounts", 200, "accounts")
	fs.IntVar(&sz.Cards, "cards", 2000, "charge cards")
	fs.IntVar(&sz.Stations, "stations", 500, "charge stations")
	fs.IntVar(&sz.Sessions, "sessions", 100000, "charging sessions")
	fs.IntVar(&sz.Depth, "depth", 8, "maximum depth of the organization tree")
	fs.IntVar(&sz.Days, "days", 730, "days of history the sessions spread over")
	fs.Int64Var(&sz.Seed, "seed", 1, "random seed")
	fs.StringVar(&sz.AdminEmail, "admin-email", "", "e-mail of the generated provider admin (default admin-p{provider}@generated.example)")
	fs.StringVar(&sz.StationPassword, "station-password", "", "OCPP password of every generated station, for load tests (default: random)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	sz.Now = time.Now()
	sz.AdminPassword = secret.Password(16)
	bar := newProgress(stderr, "generating")
	start := time.Now()
	if err := demo.Generate(cliContext(ctx), st, sz, bar.update); err != nil {
		bar.finish()
		return err
	}
	bar.finish()
	fmt.Fprintf(stdout, "generated %d organizations, %d accounts, %d cards, %d stations, %d sessions in %s\n",
		sz.Orgs, sz.Accounts, sz.Cards, sz.Stations, sz.Sessions, time.Since(start).Round(time.Millisecond))
	return printGeneratedAdmin(ctx, st, sz, stdout)
}

// printGeneratedAdmin prints the login of the provider admin that generate
// made last, with its one-time password.
func printGeneratedAdmin(ctx context.Context, st *store.Store, sz demo.Sizes, w io.Writer) error {
	providers, err := st.Providers(ctx)
	if err != nil {
		return err
	}
	var newest fc.ID
	for _, p := range providers {
		newest = max(newest, p.ID)
	}
	email := sz.AdminEmail
	if email == "" {
		email = fmt.Sprintf("admin-p%d@generated.example", newest)
	}
	fmt.Fprintf(w, "admin: %s\npassword: %s\n", email, sz.AdminPassword)
	fmt.Fprintln(w, "The password is shown once and must be changed at the first sign-in.")
	return nil
}
