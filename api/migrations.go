package api

import (
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// migrationInput is the body of POST /api/v1/migrations (CONTRACT.md).
type migrationInput struct {
	DryRun               bool    `json:"dry_run" required:"true" doc:"true: only tell what would change; false: migrate"`
	Kind                 string  `json:"kind" required:"true" enum:"accounts,cards,employees,stations,locations,charge_groups" doc:"what moves: accounts to an organization, the rest to an account"`
	IDs                  []fc.ID `json:"ids" required:"true" doc:"the assets of that kind to move, at most 100000"`
	TargetOrganizationID fc.ID   `json:"target_organization_id" doc:"where accounts go"`
	TargetAccountID      fc.ID   `json:"target_account_id" doc:"where cards, employees, stations, locations and charge groups go"`
	WithLinked           bool    `json:"with_linked" doc:"also move what the assets are linked to and must share an account with (a station's location and charge group, an employee's cards and home, …), so that no link breaks"`
	Plan                 string  `json:"plan" doc:"on a real run, the fingerprint of the dry run that was reviewed: the run is refused with 409 if anything it covers changed since"`
}

func (s *Server) migrate(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *migrationInput, _ fieldSet) error {
		m := fc.Migration{Kind: in.Kind, IDs: in.IDs, TargetOrganizationID: in.TargetOrganizationID,
			TargetAccountID: in.TargetAccountID, WithLinked: in.WithLinked, Plan: in.Plan}
		p, err := s.app.Migrate(r.Context(), subj, m, in.DryRun)
		if err != nil {
			return err
		}
		if in.DryRun {
			writeJSON(w, http.StatusOK, p)
			return nil
		}
		writeJSON(w, http.StatusCreated, p)
		return nil
	})(w, r)
}

// migrationRoute is the route of asset migrations.
func (s *Server) migrationRoute() route {
	return route{method: http.MethodPost, path: "/api/v1/migrations", id: "migrate", tag: "migrations",
		summary: "Migrate assets between organizations and accounts",
		doc: "Moves accounts to another organization, or cards, employees, stations, locations or charge groups to another account. " +
			"Needs " + string(access.MigrationsRun) + " (provider admins): 403 without it. " +
			"A dry run (200) lists every asset that moves, every link that breaks or changes (card and employee, home and employee, station and location, " +
			"station and charge group, charge-group access lists) with how to keep it, the sessions whose history follows a moved account, " +
			"which users gain or lose sight of what, and a fingerprint. A real run (201) is all-or-nothing, refused with 422 when a link " +
			"cannot be split (repeat with with_linked), and with 409 when plan is given and anything changed since that dry run; its answer carries " +
			"the migration's id, the audit event that records everything moved. A card's or station's past sessions stay with the account they were in; " +
			"an account's history follows it.",
		body: typ[migrationInput](), create: true, resp: typ[fc.MigrationPlan](), status: http.StatusCreated,
		also: map[int]string{http.StatusOK: "the dry run's plan"}, h: s.migrate}
}
