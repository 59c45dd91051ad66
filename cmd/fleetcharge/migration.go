package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// migrationUsage is the help of the migration command.
const migrationUsage = `fleetcharge migration --kind KIND --ids ID,ID,… (--to-account ID | --to-organization ID)
    [--dry-run] [--with-linked] [--plan FINGERPRINT] [--as EMAIL] [--provider ID] [--json] [--db URL]

Moves accounts to another organization (--kind accounts --to-organization ID), or
cards, employees, stations, locations or charge groups to another account
(--kind cards|employees|stations|locations|charge_groups --to-account ID).
--dry-run prints what would move, the links that would break and who would gain or
lose sight of what, and a fingerprint; pass it back with --plan to migrate only if
nothing changed since. --as acts as that user (a provider admin); without it the
command acts as the provider admin of --provider (default: the only provider).
`

func runMigration(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("migration", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, migrationUsage) }
	kind := fs.String("kind", "", "accounts, cards, employees, stations, locations or charge_groups")
	idList := fs.String("ids", "", "comma-separated IDs of the assets to move")
	toAccount := fs.Int64("to-account", 0, "the account cards, employees, stations, locations and charge groups go to")
	toOrg := fs.Int64("to-organization", 0, "the organization accounts go to")
	dryRun := fs.Bool("dry-run", false, "only print what would change")
	withLinked := fs.Bool("with-linked", false, "also move what the assets are linked to, so that no link breaks")
	plan := fs.String("plan", "", "the fingerprint of the dry run to hold the real run to")
	as := fs.String("as", "", "e-mail of the provider admin to act as")
	providerID := fs.Int64("provider", 0, "the provider, when acting without --as (default: the only one)")
	asJSON := fs.Bool("json", false, "print the whole plan as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ids, err := parseIDList(*idList)
	if err != nil {
		return err
	}
	if *kind == "" || len(ids) == 0 {
		fs.Usage()
		return fmt.Errorf("migration needs --kind and --ids")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &app.Service{Store: st}
	ctx = cliContext(ctx)
	var subj access.Subject
	if *as != "" {
		u, err := st.UserByEmail(ctx, *as)
		if err != nil {
			return fmt.Errorf("user %s: %w", *as, err)
		}
		if subj, err = svc.Subject(ctx, u); err != nil {
			return err
		}
		ctx = fc.WithActor(ctx, fc.Actor{UserID: u.ID, Label: u.Email + " (cli)"})
	} else {
		pid, err := cliProvider(ctx, st, fc.ID(*providerID))
		if err != nil {
			return err
		}
		subj = access.Subject{ProviderID: pid, Assignments: []fc.Assignment{{ProviderID: pid, Role: fc.RoleProviderAdmin}}}
	}
	m := fc.Migration{Kind: *kind, IDs: ids, TargetAccountID: fc.ID(*toAccount), TargetOrganizationID: fc.ID(*toOrg),
		WithLinked: *withLinked, Plan: *plan}
	p, err := svc.Migrate(ctx, subj, m, *dryRun)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	printPlan(stdout, p)
	return nil
}

// cliProvider returns the provider the command acts in: id, or the only
// provider of the database.
func cliProvider(ctx context.Context, st fc.ProviderStore, id fc.ID) (fc.ID, error) {
	if id != 0 {
		p, err := st.Provider(ctx, id)
		if err != nil {
			return 0, err
		}
		return p.ID, nil
	}
	ps, err := st.Providers(ctx)
	if err != nil {
		return 0, err
	}
	if len(ps) != 1 {
		return 0, fmt.Errorf("the database holds %d providers: name one with --provider, or act as a user with --as", len(ps))
	}
	return ps[0].ID, nil
}

// parseIDList parses "1,2, 3".
func parseIDList(s string) ([]fc.ID, error) {
	var out []fc.ID
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := fc.ParseID(part)
		if err != nil {
			return nil, fmt.Errorf("--ids: %w", err)
		}
		out = append(out, id)
	}
	return out, nil
}

// printPlan writes a plan for people: counts of what moves, every link,
// every change of sight, and what to do next.
func printPlan(w io.Writer, p *fc.MigrationPlan) {
	if p.DryRun {
		fmt.Fprintln(w, "Dry run: nothing was changed.")
	} else {
		fmt.Fprintf(w, "Migration %s done.\n", p.ID)
	}
	counts := map[string]int{}
	var kinds []string
	for _, mv := range p.Moves {
		if counts[mv.Kind] == 0 {
			kinds = append(kinds, mv.Kind)
		}
		counts[mv.Kind]++
	}
	fmt.Fprintln(w, "Moves:")
	for _, k := range kinds {
		fmt.Fprintf(w, "  %d %s\n", counts[k], strings.ReplaceAll(k, "_", " "))
	}
	if p.SessionsCardSide+p.SessionsStationSide > 0 {
		fmt.Fprintf(w, "History that follows the moved accounts: %d sessions on the card side, %d on the station side\n",
			p.SessionsCardSide, p.SessionsStationSide)
	}
	if len(p.Links) > 0 {
		fmt.Fprintln(w, "Links:")
		for _, l := range p.Links {
			fmt.Fprintf(w, "  [%s] %s\n", l.Effect, l.Message)
			if l.HowToKeep != "" {
				fmt.Fprintf(w, "      to keep it: %s\n", l.HowToKeep)
			}
		}
	}
	if len(p.Access) > 0 {
		fmt.Fprintln(w, "Access:")
		for _, c := range p.Access {
			fmt.Fprintf(w, "  %s (user %s): %s gains %d, loses %d\n", c.Email, c.UserID, strings.ReplaceAll(c.Kind, "_", " "), c.Gained, c.Lost)
		}
	}
	if p.Blocked {
		fmt.Fprintln(w, "Blocked: some assets must stay in one account; repeat with --with-linked to move them together.")
	}
	fmt.Fprintf(w, "fingerprint: %s\n", p.Fingerprint)
	if p.DryRun && !p.Blocked {
		fmt.Fprintf(w, "To migrate: the same command without --dry-run, with --plan %s\n", p.Fingerprint)
	}
	for _, r := range p.Reverse {
		fmt.Fprintf(w, "To reverse: fleetcharge migration %s\n", migrationArgs(r))
	}
}

// migrationArgs returns the command-line arguments of migration m.
func migrationArgs(m fc.Migration) string {
	ids := make([]string, len(m.IDs))
	for i, id := range m.IDs {
		ids[i] = id.String()
	}
	out := "--kind " + m.Kind + " --ids " + strings.Join(ids, ",")
	if m.TargetOrganizationID != 0 {
		out += " --to-organization " + m.TargetOrganizationID.String()
	} else {
		out += " --to-account " + m.TargetAccountID.String()
	}
	if m.WithLinked {
		out += " --with-linked"
	}
	return out
}
