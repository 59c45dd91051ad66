package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// migrationRoutes registers the asset migration pages (docs/MIGRATION.md).
// Only provider admins hold access.MigrationsRun; for everybody else these
// pages do not exist.
func (s *Server) migrationRoutes() {
	s.handle("GET /migrations", s.migrationPage)
	s.handle("POST /migrations/preview", s.previewMigration)
	s.handle("POST /migrations/run", s.runMigration)
	s.handle("GET /migrations/{id}", s.migrationResultPage)
}

func init() {
	notices["migrated"] = "The migration is done. To undo it, run the reverse migration below."
}

// maxPlanRows bounds the rows of each table of a migration page; the
// counts above the tables are always complete.
const maxPlanRows = 500

// maxListedIDs bounds the IDs a cell of the access table lists.
const maxListedIDs = 12

// migrationBody is the body of the migration pages: the request form, a
// dry run's plan with the form that runs it, or a migration's result.
type migrationBody struct {
	Heading string
	Intro   string
	Error   string // a message about the whole page: a stale plan, a refused run
	Back    link
	Facts   []fact
	// Blocked lists why the plan cannot run as asked; Fix previews it again
	// with the linked assets moved along.
	Blocked  []string
	Fix      *form
	Sections []section
	Run      *form // runs the plan; nil when it is blocked
	Reverse  []reverseMigration
	Links    []link
	Request  *form
}

// section is a titled table of a migration page.
type section struct {
	ID, Heading, Intro string
	Table              table
}

// reverseMigration is a migration that moves back what one moved: a button
// that makes its dry run, and a link to the form filled with it.
type reverseMigration struct {
	Text string
	Form *form
	Href string
}

// mayMigrate answers "not found" to anybody who may not migrate, as every
// page does for what its user may not use.
func mayMigrate(v *view) error {
	if !v.can(access.MigrationsRun) {
		return fc.Errorf(fc.ENotFound, "no migrations")
	}
	return nil
}

// migrationPage shows the request form, filled from the query: a link such
// as /migrations?kind=cards&ids=1,2 prepares a migration.
func (s *Server) migrationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := mayMigrate(v); err != nil {
		return err
	}
	f, err := s.migrationForm(r, v, r.URL.Query())
	if err != nil {
		return err
	}
	b := &migrationBody{Heading: "Move assets", Request: f,
		Intro: "Move accounts to another organization, or cards, employees, stations, locations and charge groups to another account. " +
			"A dry run first shows everything that moves, every link that breaks and who gains or loses sight of what; nothing changes until you run it."}
	s.show(w, r, v, http.StatusOK, "migration", "Move assets", b)
	return nil
}

// migrationKindOptions are the kinds of the request form.
var migrationKindOptions = []option{
	{fc.MigrateAccounts, "Accounts (to another organization)"},
	{fc.MigrateCards, "Cards"},
	{fc.MigrateEmployees, "Employees"},
	{fc.MigrateStations, "Stations"},
	{fc.MigrateLocations, "Locations"},
	{fc.MigrateChargeGroups, "Charge groups"},
}

// migrationForm is the request form, filled with vals.
func (s *Server) migrationForm(r *http.Request, v *view, vals url.Values) (*form, error) {
	ctx := r.Context()
	accounts, err := s.accountOptions(ctx, v, 0, "– Choose –")
	if err != nil {
		return nil, err
	}
	orgs, err := s.orgOptions(ctx, v, 0, "– Choose –")
	if err != nil {
		return nil, err
	}
	f := v.postForm("migration", "/migrations/preview", "Make a dry run",
		field{Name: "kind", Label: "What moves", Type: "select", Value: fc.MigrateCards, Options: migrationKindOptions, Required: true},
		field{Name: "find", Label: "Find an asset", Type: "picker", Source: "/pick?kind=" + fc.MigrateCards, With: "kind", Append: "migration-ids",
			Hint: "Type part of a name or ID and choose a suggestion: it is added to the list below."},
		field{Name: "ids", Label: "Assets", Type: "textarea", Required: true, Hint: "One asset a line, as chosen above, or IDs separated by commas, spaces or new lines."},
		field{Name: "target_organization_id", Label: "Target organization", Type: "select", Options: orgs, Hint: "Where accounts go."},
		field{Name: "target_account_id", Label: "Target account", Type: "select", Options: accounts,
			Hint: "Where cards, employees, stations, locations and charge groups go."},
		field{Name: "with_linked", Label: "Move linked assets along", Type: "checkbox",
			Hint: "Also move what must stay in one account with them: a station's location and charge group, an employee's cards and home, …"},
	)
	f.Title = "Migration"
	f.fill(vals)
	for i := range f.Fields {
		fl := &f.Fields[i]
		if fl.Type == "select" && fl.Value != "" {
			fl.Options = withOption(fl.Options, fl.Value)
		}
	}
	return f, nil
}

// withOption adds the value to a select's options when a prefilled value is
// not among them (a list cut at its page size), so that it stays chosen.
func withOption(opts []option, value string) []option {
	for _, o := range opts {
		if o.Value == value {
			return opts
		}
	}
	return append(opts, option{Value: value, Label: "#" + value})
}

// migrationFrom reads a migration from a posted form; only the target its
// kind uses is read.
func (s *Server) migrationFrom(ctx context.Context, v *view, vals url.Values) (fc.Migration, error) {
	fields := map[string]string{}
	m := fc.Migration{Kind: strings.TrimSpace(vals.Get("kind")), WithLinked: vals.Get("with_linked") != ""}
	m.IDs = s.pickedList(ctx, v, vals.Get("ids"), m.Kind, "ids", fields)
	if m.Kind == fc.MigrateAccounts {
		m.TargetOrganizationID = formID(vals, "target_organization_id", fields)
	} else {
		m.TargetAccountID = formID(vals, "target_account_id", fields)
	}
	return m, validated(fields)
}

// migrationValues is m as the fields of the request form.
func migrationValues(m fc.Migration) url.Values {
	vals := url.Values{"kind": {m.Kind}, "ids": {idList(m.IDs)}}
	if m.TargetOrganizationID != 0 {
		vals.Set("target_organization_id", m.TargetOrganizationID.String())
	}
	if m.TargetAccountID != 0 {
		vals.Set("target_account_id", m.TargetAccountID.String())
	}
	if m.WithLinked {
		vals.Set("with_linked", "on")
	}
	return vals
}

// hiddenOf carries form values as hidden fields, in a stable order.
func hiddenOf(vals url.Values) []hidden {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []hidden
	for _, k := range keys {
		for _, x := range vals[k] {
			out = append(out, hidden{k, x})
		}
	}
	return out
}

// showMigrationForm draws the request form again with err: each field's
// message next to it. An asset that is not found is the IDs' error, since
// the user typed it.
func (s *Server) showMigrationForm(w http.ResponseWriter, r *http.Request, v *view, vals url.Values, err error) error {
	if fc.IsCode(err, fc.EInternal) {
		return err
	}
	f, ferr := s.migrationForm(r, v, vals)
	if ferr != nil {
		return ferr
	}
	status := f.fail(err)
	if fc.IsCode(err, fc.ENotFound) && len(fc.ErrorFields(err)) == 0 {
		for i := range f.Fields {
			if f.Fields[i].Name == "ids" {
				f.Fields[i].Error = f.Error
			}
		}
		f.Error = "Please correct the marked fields."
	}
	b := &migrationBody{Heading: "Move assets", Request: f}
	s.show(w, r, v, status, "migration", "Move assets", b)
	return nil
}

// previewMigration makes the dry run of the posted migration and shows its
// plan.
func (s *Server) previewMigration(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := mayMigrate(v); err != nil {
		return err
	}
	m, err := s.migrationFrom(r.Context(), v, r.PostForm)
	if err != nil {
		return s.showMigrationForm(w, r, v, r.PostForm, err)
	}
	return s.showPlan(w, r, v, m, http.StatusOK, "")
}

// runMigration runs the migration of a reviewed dry run, held to its
// fingerprint: when anything changed since, it shows why and the fresh dry
// run instead.
func (s *Server) runMigration(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := mayMigrate(v); err != nil {
		return err
	}
	m, err := s.migrationFrom(r.Context(), v, r.PostForm)
	if err != nil {
		return s.showMigrationForm(w, r, v, r.PostForm, err)
	}
	m.Plan = strings.TrimSpace(r.PostForm.Get("plan"))
	if m.Plan == "" {
		return s.showPlan(w, r, v, m, http.StatusBadRequest, "Review the dry run below before running the migration.")
	}
	p, err := s.app.Migrate(r.Context(), v.Subj, m, false)
	switch {
	case err == nil:
		redirect(w, r, "/migrations/"+p.ID.String(), "migrated")
		return nil
	case fc.IsCode(err, fc.EConflict):
		return s.showPlan(w, r, v, m, http.StatusConflict, "Nothing was moved: the assets, their links or the roles have changed since your dry run. "+
			"Below is a fresh dry run; review it and run it again.")
	case fc.IsCode(err, fc.EUnprocessable):
		return s.showPlan(w, r, v, m, http.StatusUnprocessableEntity, "Nothing was moved. "+sentence(webAdvice(fc.ErrorMessage(err))))
	}
	return s.showMigrationForm(w, r, v, r.PostForm, err)
}

// showPlan makes a dry run of m and shows its plan with the form that runs
// it, and msg as the page's message.
func (s *Server) showPlan(w http.ResponseWriter, r *http.Request, v *view, m fc.Migration, status int, msg string) error {
	ctx := r.Context()
	m.Plan = ""
	vals := migrationValues(m)
	p, err := s.app.Migrate(ctx, v.Subj, m, true)
	if err != nil {
		return s.showMigrationForm(w, r, v, vals, err)
	}
	n := s.names(ctx, v)
	objKind := fc.MigrationObjectKind(p.Kind)
	heading := "Dry run: move " + countOf(objKind, len(p.IDs))
	b := &migrationBody{Heading: heading, Error: msg, Back: link{"/migrations", "New migration"},
		Intro: "Nothing has changed yet. Review what would happen, then run it."}
	b.Facts = s.planFacts(n, p)
	if p.Blocked {
		for _, l := range p.Links {
			if l.Blocking {
				reason := sentence(l.Message)
				if l.HowToKeep != "" {
					reason += " " + sentence(webAdvice(l.HowToKeep))
				}
				b.Blocked = append(b.Blocked, reason)
			}
		}
		if !m.WithLinked {
			fix := migrationValues(m)
			fix.Set("with_linked", "on")
			b.Fix = v.button("fix", "/migrations/preview", "Dry run with the linked assets moved along", "secondary", hiddenOf(fix)...)
		}
	} else {
		run := migrationValues(m)
		run.Set("plan", p.Fingerprint)
		b.Run = v.button("run", "/migrations/run", "Run this migration", "", hiddenOf(run)...)
		b.Run.Inline = false
		b.Run.Title = "Run it"
		b.Run.Intro = fmt.Sprintf("Moves %s in one step, all or nothing, and records it in the audit log. "+
			"If anything changed since this dry run, nothing moves and you see the new plan.", countMoves(p.Moves))
		b.Run.Confirm = "Move " + countMoves(p.Moves) + " now?"
	}
	b.Sections = append(b.Sections, s.movesSection(n, p.Moves, "What moves"))
	b.Sections = append(b.Sections, linksSection(p.Links, "Links that break or change",
		"Links between what moves and what stays, what happens to each and how to keep it.", "No link breaks or changes."))
	b.Sections = append(b.Sections, accessSection(p.Access))
	f, err := s.migrationForm(r, v, migrationValues(m))
	if err != nil {
		return err
	}
	f.Title = "Change the request"
	b.Request = f
	s.show(w, r, v, status, "migration", heading, b)
	return nil
}

// planFacts sums a plan up: what moves where, how history follows.
func (s *Server) planFacts(n *names, p *fc.MigrationPlan) []fact {
	objKind := fc.MigrationObjectKind(p.Kind)
	facts := []fact{{Label: "Asked to move", Value: countWithIDs(objKind, p.IDs)}}
	if p.Kind == fc.MigrateAccounts {
		facts = append(facts, n.fact("To organization", fc.KindOrganization, p.TargetOrganizationID))
	} else {
		facts = append(facts, n.fact("To account", fc.KindAccount, p.TargetAccountID))
	}
	facts = append(facts, fact{Label: "Linked assets", Value: map[bool]string{true: "moved along", false: "stay where they are"}[p.WithLinked]},
		fact{Label: "Moves in all", Value: countMoves(p.Moves)})
	if p.Kind == fc.MigrateAccounts {
		facts = append(facts, fact{Label: "History", Value: fmt.Sprintf("%d sessions with the accounts' cards and %d at their stations follow the accounts: "+
			"the reports of the old organization lose them and those of the new one gain them.", p.SessionsCardSide, p.SessionsStationSide)})
	} else {
		facts = append(facts, fact{Label: "History", Value: "Past sessions stay in the reports of the account they were in; only future sessions follow."})
	}
	status := fact{Label: "Status", Value: "Ready to run", Class: "answer-yes"}
	if p.Blocked {
		status = fact{Label: "Status", Value: "Blocked: it would split assets that must stay in one account", Class: "answer-no"}
	}
	facts = append(facts, status)
	if p.Fingerprint != "" {
		facts = append(facts, fact{Label: "Fingerprint", Value: p.Fingerprint, Class: "mono"})
	}
	return facts
}

// movesSection lists the moved assets, from where to where and why.
func (s *Server) movesSection(n *names, moves []fc.MigrationMove, heading string) section {
	sec := section{ID: "moves", Heading: heading}
	sec.Table = table{Columns: []string{"What", "Name", "From", "To", "Why"}, Empty: "Nothing moves."}
	for i, mv := range moves {
		if i == maxPlanRows {
			sec.Intro = fmt.Sprintf("The first %d of %d are listed.", maxPlanRows, len(moves))
			break
		}
		from, to := n.cell(fc.KindAccount, mv.FromAccount), n.cell(fc.KindAccount, mv.ToAccount)
		if mv.Kind == fc.KindAccount {
			from, to = n.cell(fc.KindOrganization, mv.FromOrg), n.cell(fc.KindOrganization, mv.ToOrg)
		}
		why := mv.Reason
		if why == fc.MoveRequested {
			why = "asked for"
		}
		sec.Table.Rows = append(sec.Table.Rows, []cell{{Text: kindLabel(mv.Kind) + " " + mv.ID.String()},
			{Text: or(mv.Name, "#"+mv.ID.String()), Href: objectPath(mv.Kind, mv.ID)}, from, to, {Text: why}})
	}
	return sec
}

// linksSection lists links a migration breaks or changes.
func linksSection(links []fc.MigrationLink, heading, intro, empty string) section {
	sec := section{ID: "links", Heading: heading, Intro: intro}
	sec.Table = table{Columns: []string{"Link", "Effect", "From", "To", "What happens", "How to keep it"}, Empty: empty}
	for i, l := range links {
		if i == maxPlanRows {
			sec.Intro += fmt.Sprintf(" The first %d of %d are listed.", maxPlanRows, len(links))
			break
		}
		effect := effectLabel(l.Effect)
		if l.Count > 0 {
			effect += " (" + countOf(fc.KindCard, int(l.Count)) + ")"
		}
		sec.Table.Rows = append(sec.Table.Rows, []cell{{Text: titleCase(l.Kind)}, {Text: effect, Class: "effect-" + l.Effect},
			{Text: kindLabel(l.FromKind) + " " + l.FromID.String(), Href: objectPath(l.FromKind, l.FromID)},
			{Text: kindLabel(l.ToKind) + " " + l.ToID.String(), Href: objectPath(l.ToKind, l.ToID)},
			{Text: sentence(l.Message)}, {Text: sentence(webAdvice(l.HowToKeep))}})
	}
	return sec
}

// accessSection lists who gains or loses sight of what.
func accessSection(changes []fc.AccessChange) section {
	sec := section{ID: "access", Heading: "Who gains or loses sight",
		Intro: "For every user whose view changes, per kind of object, as the access rules decide on where each object is before and after."}
	sec.Table = table{Columns: []string{"User", "Of", "Gains", "Loses", "Gained", "Lost"}, Empty: "Nobody gains or loses sight of anything."}
	for i, c := range changes {
		if i == maxPlanRows {
			sec.Intro += fmt.Sprintf(" The first %d of %d are listed.", maxPlanRows, len(changes))
			break
		}
		sec.Table.Rows = append(sec.Table.Rows, []cell{{Text: c.Email, Href: objectPath(fc.KindUser, c.UserID)}, {Text: pluralLabel(c.Kind)},
			{Text: strconv.FormatInt(c.Gained, 10), Class: "num"}, {Text: strconv.FormatInt(c.Lost, 10), Class: "num"},
			{Text: shortIDs(c.GainedIDs), Class: "mono"}, {Text: shortIDs(c.LostIDs), Class: "mono"}})
	}
	return sec
}

// migrationResultPage shows a migration that ran, from its audit event: what
// moved, the links it detached, and the migrations that move it back.
func (s *Server) migrationResultPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := mayMigrate(v); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// The event of a migration belongs to no organization: it is read with
	// all the user's roles, whatever scope the page shows.
	e, err := s.app.AuditEvent(ctx, v.Full, id)
	if err != nil {
		return err
	}
	if e.Action != "migration.run" {
		return fc.Errorf(fc.ENotFound, "no migration %s", id)
	}
	var rec fc.MigrationRecord
	if err := json.Unmarshal([]byte(e.After), &rec); err != nil {
		return fmt.Errorf("migration %s: read its audit event: %w", id, err)
	}
	n := s.names(ctx, v)
	objKind := fc.MigrationObjectKind(rec.Kind)
	heading := "Migration " + id.String()
	b := &migrationBody{Heading: heading, Back: link{"/migrations", "New migration"}}
	b.Facts = []fact{{Label: "When", Value: v.when(e.At)}, {Label: "Who", Value: e.Actor},
		{Label: "Asked to move", Value: countWithIDs(objKind, rec.IDs)}}
	if rec.Kind == fc.MigrateAccounts {
		b.Facts = append(b.Facts, n.fact("To organization", fc.KindOrganization, rec.TargetOrganizationID))
	} else {
		b.Facts = append(b.Facts, n.fact("To account", fc.KindAccount, rec.TargetAccountID))
	}
	b.Facts = append(b.Facts, fact{Label: "Moved in all", Value: countMoves(rec.Moves)})
	b.Sections = append(b.Sections, s.movesSection(n, rec.Moves, "What moved"))
	if len(rec.Detached) > 0 {
		b.Sections = append(b.Sections, linksSection(rec.Detached, "Links it removed",
			"Cards it unassigned from their employees. Moving them back does not assign them again.", ""))
	}
	p := &fc.MigrationPlan{Kind: rec.Kind, Moves: rec.Moves, WithLinked: rec.WithLinked}
	for i, m := range p.ReverseMigrations(e.ProviderID) {
		vals := migrationValues(m)
		where := n.get(fc.KindAccount, m.TargetAccountID)
		if m.Kind == fc.MigrateAccounts {
			where = n.get(fc.KindOrganization, m.TargetOrganizationID)
		}
		f := v.button("reverse-"+strconv.Itoa(i), "/migrations/preview", "Dry run of moving back", "secondary", hiddenOf(vals)...)
		b.Reverse = append(b.Reverse, reverseMigration{Text: "Move " + countOf(objKind, len(m.IDs)) + " back to " + where + ".",
			Form: f, Href: "/migrations?" + vals.Encode()})
	}
	b.Links = []link{{"/audit/" + id.String(), "Its audit event"}}
	s.show(w, r, v, http.StatusOK, "migration", heading, b)
	return nil
}

// kindLabel names an object kind for a table: "Charge group".
func kindLabel(kind string) string {
	switch kind {
	case fc.SessionsCardSide:
		return "Sessions with the cards"
	case fc.SessionsStationSide:
		return "Sessions at the stations"
	}
	return titleCase(kind)
}

// pluralLabel names the objects of a kind: "Charge groups".
func pluralLabel(kind string) string {
	if kind == fc.SessionsCardSide || kind == fc.SessionsStationSide {
		return kindLabel(kind)
	}
	return titleCase(kind) + "s"
}

// countOf counts objects of a kind: "1 card", "3 charge groups".
func countOf(kind string, n int) string {
	noun := strings.ReplaceAll(kind, "_", " ")
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

// countWithIDs counts objects and lists their IDs: "2 cards (IDs 5, 9)".
func countWithIDs(kind string, ids []fc.ID) string {
	label := " (ID "
	if len(ids) != 1 {
		label = " (IDs "
	}
	return countOf(kind, len(ids)) + label + shortIDs(ids) + ")"
}

// countMoves sums moves up by kind: "3 cards and 1 employee".
func countMoves(moves []fc.MigrationMove) string {
	counts := map[string]int{}
	var kinds []string
	for _, mv := range moves {
		if counts[mv.Kind] == 0 {
			kinds = append(kinds, mv.Kind)
		}
		counts[mv.Kind]++
	}
	if len(kinds) == 0 {
		return "nothing"
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = countOf(k, counts[k])
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// webAdvice words the planner's advice for this page, where with_linked is
// a checkbox.
func webAdvice(s string) string {
	return strings.ReplaceAll(s, "repeat with with_linked", "tick “Move linked assets along”")
}

// effectLabel reads a link's effect.
func effectLabel(effect string) string {
	switch effect {
	case fc.LinkDetached:
		return "Removed"
	case fc.LinkBlocking:
		return "Blocks the migration"
	case fc.LinkKept:
		return "Kept"
	case fc.LinkAdmitLost:
		return "Admission lost"
	case fc.LinkAdmitWon:
		return "Admission gained"
	}
	return titleCase(effect)
}

// shortIDs lists the first IDs, and how many more there are.
func shortIDs(ids []fc.ID) string {
	if len(ids) <= maxListedIDs {
		return idList(ids)
	}
	return idList(ids[:maxListedIDs]) + fmt.Sprintf(" and %d more", len(ids)-maxListedIDs)
}
