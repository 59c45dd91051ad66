package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// maxMigrationIDs bounds the assets one migration names.
const maxMigrationIDs = 100_000

// inChunk is how many IDs one "IN (…)" list of a migration holds.
const inChunk = 1000

// moveSpec tells how to read one kind of movable asset: its table, the
// column of its account, a name to show, and up to two columns naming the
// objects it is linked to (0 when none).
type moveSpec struct {
	table, account, name, ref1, ref2 string
}

var moveSpecs = map[string]moveSpec{
	fc.KindAccount:     {"accounts", "id", "name", "organization_id", "0"},
	fc.KindEmployee:    {"employees", "account_id", "name", "0", "0"},
	fc.KindCard:        {"cards", "account_id", "external_id", "COALESCE(employee_id, 0)", "0"},
	fc.KindLocation:    {"locations", "account_id", "name", "COALESCE(employee_id, 0)", "0"},
	fc.KindChargeGroup: {"charge_groups", "account_id", "name", "0", "0"},
	fc.KindStation:     {"stations", "account_id", "identity", "location_id", "charge_group_id"},
}

// movedRow is an asset read for a migration. ref1 is an account's
// organization, a card's or a home's employee, a station's location; ref2 a
// station's charge group.
type movedRow struct {
	kind              string
	id, account       fc.ID
	ref1, ref2        fc.ID
	name              string
	version           int64
	reason            string
	homeAccount       fc.ID // stations at an employee's home: that employee's account
	homeEmployeeMoves bool  // and whether the employee moves too
}

// planner computes one migration's plan inside a transaction.
type planner struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	m   fc.Migration

	objKind   string
	targetOrg fc.ID // the organization accounts go to, or the target account's
	moved     map[string]map[fc.ID]*movedRow
	order     []*movedRow
	chains    map[fc.ID][]fc.ID // organization → its chain from the top
	accOrg    map[fc.ID]fc.ID   // account → its organization now
	detach    []fc.ID           // cards whose employee stays behind
	plan      *fc.MigrationPlan
}

// PlanMigration computes what m would change, changing nothing.
func (s *Store) PlanMigration(ctx context.Context, m fc.Migration) (*fc.MigrationPlan, error) {
	var p *fc.MigrationPlan
	err := s.read(ctx, func(tx *sql.Tx) error {
		pl, err := s.planMigration(ctx, tx, m)
		if err != nil {
			return err
		}
		p = pl.plan
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan migration of %s: %w", m.Kind, err)
	}
	p.DryRun = true
	return p, nil
}

// RunMigration runs m in one transaction; see fleetcharge.MigrationStore.
func (s *Store) RunMigration(ctx context.Context, m fc.Migration, check func(*fc.MigrationPlan) error) (*fc.MigrationPlan, error) {
	var p *fc.MigrationPlan
	err := s.write(ctx, func(tx *sql.Tx) error {
		pl, err := s.planMigration(ctx, tx, m)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(pl.plan); err != nil {
				return err
			}
		}
		if m.Plan != "" && m.Plan != pl.plan.Fingerprint {
			return fc.Errorf(fc.EConflict, "what this migration moves has changed since the dry run %s: make a new dry run and review it", m.Plan)
		}
		if pl.plan.Blocked {
			return pl.blockedErr()
		}
		if err := pl.apply(); err != nil {
			return err
		}
		p = pl.plan
		p.Reverse = p.ReverseMigrations(m.ProviderID)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", m.Kind, err)
	}
	return p, nil
}

func (s *Store) planMigration(ctx context.Context, tx *sql.Tx, m fc.Migration) (*planner, error) {
	m.IDs = normIDs(m.IDs)
	p := &planner{s: s, ctx: ctx, tx: tx, m: m, objKind: fc.MigrationObjectKind(m.Kind),
		moved: map[string]map[fc.ID]*movedRow{}, chains: map[fc.ID][]fc.ID{}, accOrg: map[fc.ID]fc.ID{}}
	p.plan = &fc.MigrationPlan{Kind: m.Kind, IDs: m.IDs, TargetOrganizationID: m.TargetOrganizationID,
		TargetAccountID: m.TargetAccountID, WithLinked: m.WithLinked, Moves: []fc.MigrationMove{}, Links: []fc.MigrationLink{}, Access: []fc.AccessChange{}}
	if err := p.validate(); err != nil {
		return nil, err
	}
	if err := p.loadRequested(); err != nil {
		return nil, err
	}
	if m.WithLinked && p.objKind != fc.KindAccount {
		if err := p.closure(); err != nil {
			return nil, err
		}
	}
	steps := []func() error{p.linkBreaks, p.accessLists, p.homes, p.moves, p.groups, p.users}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	p.plan.Fingerprint = p.fingerprint()
	return p, nil
}

// validate checks the request and finds its target.
func (p *planner) validate() error {
	m := p.m
	fields := map[string]string{}
	switch {
	case p.objKind == "":
		fields["kind"] = "must be one of " + strings.Join(fc.MigrationKinds, ", ")
	case p.objKind == fc.KindAccount:
		if m.TargetOrganizationID <= 0 {
			fields["target_organization_id"] = "is required to move accounts"
		}
		if m.TargetAccountID != 0 {
			fields["target_account_id"] = "is not for accounts: they move to an organization"
		}
	default:
		if m.TargetAccountID <= 0 {
			fields["target_account_id"] = "is required to move " + strings.ReplaceAll(m.Kind, "_", " ")
		}
		if m.TargetOrganizationID != 0 {
			fields["target_organization_id"] = "is only for accounts"
		}
	}
	switch {
	case len(m.IDs) == 0:
		fields["ids"] = "is required"
	case m.IDs[0] <= 0:
		fields["ids"] = "holds an invalid ID"
	case len(m.IDs) > maxMigrationIDs:
		fields["ids"] = "holds more than " + strconv.Itoa(maxMigrationIDs) + " IDs"
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	if p.objKind == fc.KindAccount {
		p.targetOrg = m.TargetOrganizationID
		if _, err := p.chain(p.targetOrg); err != nil {
			return refErr(err, "target_organization_id", "no such organization")
		}
		return nil
	}
	a, err := p.s.findAccount(p.ctx, p.tx, fc.ProviderScope(m.ProviderID), m.TargetAccountID)
	if err != nil {
		return refErr(err, "target_account_id", "no such account")
	}
	p.targetOrg = a.OrganizationID
	p.accOrg[a.ID] = a.OrganizationID
	return nil
}

// chain returns the organization chain from the top down to org.
func (p *planner) chain(org fc.ID) ([]fc.ID, error) {
	if c, ok := p.chains[org]; ok {
		return c, nil
	}
	c, err := ancestors(p.ctx, p.tx, p.m.ProviderID, org)
	if err != nil {
		return nil, err
	}
	p.chains[org] = c
	return c, nil
}

// eachChunk calls fn with ids in slices of at most inChunk.
func eachChunk(ids []fc.ID, fn func(chunk []fc.ID) error) error {
	for len(ids) > 0 {
		n := min(len(ids), inChunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// load reads the assets of kind whose column col is one of ids, in the
// migration's provider.
func (p *planner) load(kind, col string, ids []fc.ID) ([]*movedRow, error) {
	sp := moveSpecs[kind]
	var out []*movedRow
	err := eachChunk(ids, func(chunk []fc.ID) error {
		q := &query{}
		q.add(`SELECT x.id, x.` + sp.account + `, x.` + sp.name + `, x.updated_at, ` + prefixed(sp.ref1) + `, ` + prefixed(sp.ref2) +
			` FROM ` + sp.table + ` x WHERE x.provider_id = `).arg(int64(p.m.ProviderID)).add(" AND x." + col + " IN ").ids(chunk).add(" ORDER BY x.id")
		rows, err := p.tx.QueryContext(p.ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r := &movedRow{kind: kind}
			if err := rows.Scan(&r.id, &r.account, &r.name, &r.version, &r.ref1, &r.ref2); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// prefixed qualifies the column in expr with the alias x.
func prefixed(expr string) string {
	switch {
	case expr == "0":
		return "0"
	case strings.HasPrefix(expr, "COALESCE("):
		return "COALESCE(x." + strings.TrimPrefix(expr, "COALESCE(")
	}
	return "x." + expr
}

// add records r as moved unless it is already; it reports whether it was new.
func (p *planner) add(r *movedRow, reason string) bool {
	set := p.moved[r.kind]
	if set == nil {
		set = map[fc.ID]*movedRow{}
		p.moved[r.kind] = set
	}
	if _, ok := set[r.id]; ok {
		return false
	}
	r.reason = reason
	set[r.id] = r
	p.order = append(p.order, r)
	return true
}

func (p *planner) isMoved(kind string, id fc.ID) bool {
	_, ok := p.moved[kind][id]
	return ok
}

// loadRequested reads the assets the migration names: all must exist in the
// provider, and none may be where it would go already.
func (p *planner) loadRequested() error {
	rows, err := p.load(p.objKind, "id", p.m.IDs)
	if err != nil {
		return err
	}
	found := map[fc.ID]bool{}
	for _, r := range rows {
		found[r.id] = true
	}
	for _, id := range p.m.IDs {
		if !found[id] {
			return notFound(p.objKind, id)
		}
	}
	var already []fc.ID
	for _, r := range rows {
		if p.objKind == fc.KindAccount && r.ref1 == p.targetOrg || p.objKind != fc.KindAccount && r.account == p.m.TargetAccountID {
			already = append(already, r.id)
		}
		p.add(r, fc.MoveRequested)
	}
	if len(already) > 0 {
		return fc.Invalid(map[string]string{"ids": "already where they would go: " + joinIDs(already)})
	}
	return nil
}

// ids returns the IDs of the moved assets of kind, sorted.
func (p *planner) ids(kind string) []fc.ID {
	out := make([]fc.ID, 0, len(p.moved[kind]))
	for id := range p.moved[kind] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// refs returns the distinct non-zero ref1 (or ref2) of rows.
func refs(rows []*movedRow, second bool) []fc.ID {
	var out []fc.ID
	for _, r := range rows {
		v := r.ref1
		if second {
			v = r.ref2
		}
		if v != 0 {
			out = append(out, v)
		}
	}
	return normIDs(out)
}

// closure adds, until nothing more comes, what the moved assets are linked
// to and must share an account with: a station's location and charge group,
// a location's stations and home employee, a group's stations, an
// employee's cards and home, a card's employee.
func (p *planner) closure() error {
	frontier := slices.Clone(p.order)
	type pull struct {
		kind, col string
		ids       []fc.ID
		reason    func(r *movedRow) string
	}
	for len(frontier) > 0 {
		by := map[string][]*movedRow{}
		for _, r := range frontier {
			by[r.kind] = append(by[r.kind], r)
		}
		idsOf := func(kind string) []fc.ID {
			var out []fc.ID
			for _, r := range by[kind] {
				out = append(out, r.id)
			}
			return out
		}
		pulls := []pull{
			{fc.KindLocation, "id", refs(by[fc.KindStation], false), func(r *movedRow) string { return "location of a moved station" }},
			{fc.KindChargeGroup, "id", refs(by[fc.KindStation], true), func(r *movedRow) string { return "charge group of a moved station" }},
			{fc.KindStation, "location_id", idsOf(fc.KindLocation), func(r *movedRow) string { return "station at location " + r.ref1.String() }},
			{fc.KindEmployee, "id", refs(by[fc.KindLocation], false), func(r *movedRow) string { return "employee living at a moved home" }},
			{fc.KindStation, "charge_group_id", idsOf(fc.KindChargeGroup), func(r *movedRow) string { return "station of charge group " + r.ref2.String() }},
			{fc.KindLocation, "employee_id", idsOf(fc.KindEmployee), func(r *movedRow) string { return "home of employee " + r.ref1.String() }},
			{fc.KindCard, "employee_id", idsOf(fc.KindEmployee), func(r *movedRow) string { return "card of employee " + r.ref1.String() }},
			{fc.KindEmployee, "id", refs(by[fc.KindCard], false), func(r *movedRow) string { return "employee of a moved card" }},
		}
		frontier = nil
		for _, pl := range pulls {
			if len(pl.ids) == 0 {
				continue
			}
			rows, err := p.load(pl.kind, pl.col, pl.ids)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if p.add(r, pl.reason(r)) {
					frontier = append(frontier, r)
				}
			}
		}
	}
	return nil
}

// pairs runs a query selecting (id, ref) pairs for ref in ids.
func (p *planner) pairs(sqlText string, ids []fc.ID) ([][2]fc.ID, error) {
	var out [][2]fc.ID
	err := eachChunk(ids, func(chunk []fc.ID) error {
		q := &query{}
		q.add(sqlText).ids(chunk)
		rows, err := p.tx.QueryContext(p.ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, b fc.ID
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
			out = append(out, [2]fc.ID{a, b})
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(x, y [2]fc.ID) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	return out, err
}

func (p *planner) link(l fc.MigrationLink) {
	if l.Effect == fc.LinkBlocking {
		l.Blocking = true
		p.plan.Blocked = true
	}
	p.plan.Links = append(p.plan.Links, l)
}

// keepAdvice is how to keep a link whose other end stays behind.
func keepAdvice(kind string, id fc.ID) string {
	return fmt.Sprintf("move %s %s along: repeat with with_linked, which moves everything linked to what moves", kindWord(kind), id)
}

func kindWord(kind string) string { return strings.ReplaceAll(kind, "_", " ") }

// linkBreaks lists the links between a moved asset and one that stays:
// cards lose an employee that stays (detached); stations, locations, homes
// and charge groups cannot be split from each other (blocking).
func (p *planner) linkBreaks() error {
	for _, c := range p.sortedRows(fc.KindCard) {
		if c.ref1 != 0 && !p.isMoved(fc.KindEmployee, c.ref1) {
			p.detach = append(p.detach, c.id)
			p.link(fc.MigrationLink{Kind: fc.LinkCardEmployee, Effect: fc.LinkDetached, FromKind: fc.KindCard, FromID: c.id, ToKind: fc.KindEmployee, ToID: c.ref1,
				Message:   fmt.Sprintf("card %s is assigned to employee %s, who stays in account %s: the card is unassigned", c.id, c.ref1, c.account),
				HowToKeep: keepAdvice(fc.KindEmployee, c.ref1)})
		}
	}
	if emps := p.ids(fc.KindEmployee); len(emps) > 0 {
		cards, err := p.pairs(`SELECT id, employee_id FROM cards WHERE employee_id IN `, emps)
		if err != nil {
			return err
		}
		for _, pr := range cards {
			if !p.isMoved(fc.KindCard, pr[0]) {
				p.detach = append(p.detach, pr[0])
				p.link(fc.MigrationLink{Kind: fc.LinkCardEmployee, Effect: fc.LinkDetached, FromKind: fc.KindCard, FromID: pr[0], ToKind: fc.KindEmployee, ToID: pr[1],
					Message:   fmt.Sprintf("card %s of employee %s stays in its account: the card is unassigned", pr[0], pr[1]),
					HowToKeep: keepAdvice(fc.KindCard, pr[0])})
			}
		}
		homes, err := p.pairs(`SELECT id, employee_id FROM locations WHERE employee_id IN `, emps)
		if err != nil {
			return err
		}
		for _, pr := range homes {
			if !p.isMoved(fc.KindLocation, pr[0]) {
				p.link(fc.MigrationLink{Kind: fc.LinkHomeEmployee, Effect: fc.LinkBlocking, FromKind: fc.KindLocation, FromID: pr[0], ToKind: fc.KindEmployee, ToID: pr[1],
					Message:   fmt.Sprintf("employee %s lives at home location %s, which would stay in another account", pr[1], pr[0]),
					HowToKeep: keepAdvice(fc.KindLocation, pr[0])})
			}
		}
	}
	for _, l := range p.sortedRows(fc.KindLocation) {
		if l.ref1 != 0 && !p.isMoved(fc.KindEmployee, l.ref1) {
			p.link(fc.MigrationLink{Kind: fc.LinkHomeEmployee, Effect: fc.LinkBlocking, FromKind: fc.KindLocation, FromID: l.id, ToKind: fc.KindEmployee, ToID: l.ref1,
				Message:   fmt.Sprintf("location %s is the home of employee %s, who would stay in account %s", l.id, l.ref1, l.account),
				HowToKeep: keepAdvice(fc.KindEmployee, l.ref1)})
		}
	}
	for _, stays := range []struct {
		kind, col, link string
	}{
		{fc.KindLocation, "location_id", fc.LinkStationLocation},
		{fc.KindChargeGroup, "charge_group_id", fc.LinkStationChargeGroup},
	} {
		ids := p.ids(stays.kind)
		if len(ids) == 0 {
			continue
		}
		sts, err := p.pairs(`SELECT id, `+stays.col+` FROM stations WHERE `+stays.col+` IN `, ids)
		if err != nil {
			return err
		}
		for _, pr := range sts {
			if !p.isMoved(fc.KindStation, pr[0]) {
				p.link(fc.MigrationLink{Kind: stays.link, Effect: fc.LinkBlocking, FromKind: fc.KindStation, FromID: pr[0], ToKind: stays.kind, ToID: pr[1],
					Message:   fmt.Sprintf("station %s belongs to %s %s, which moves without it", pr[0], kindWord(stays.kind), pr[1]),
					HowToKeep: keepAdvice(fc.KindStation, pr[0])})
			}
		}
	}
	for _, st := range p.sortedRows(fc.KindStation) {
		if !p.isMoved(fc.KindLocation, st.ref1) {
			p.link(fc.MigrationLink{Kind: fc.LinkStationLocation, Effect: fc.LinkBlocking, FromKind: fc.KindStation, FromID: st.id, ToKind: fc.KindLocation, ToID: st.ref1,
				Message:   fmt.Sprintf("station %s stands at location %s, which would stay in account %s", st.id, st.ref1, st.account),
				HowToKeep: keepAdvice(fc.KindLocation, st.ref1)})
		}
		if !p.isMoved(fc.KindChargeGroup, st.ref2) {
			p.link(fc.MigrationLink{Kind: fc.LinkStationChargeGroup, Effect: fc.LinkBlocking, FromKind: fc.KindStation, FromID: st.id, ToKind: fc.KindChargeGroup, ToID: st.ref2,
				Message:   fmt.Sprintf("station %s is in charge group %s, which would stay in account %s", st.id, st.ref2, st.account),
				HowToKeep: keepAdvice(fc.KindChargeGroup, st.ref2)})
		}
	}
	return nil
}

// sortedRows returns the moved rows of kind by ID.
func (p *planner) sortedRows(kind string) []*movedRow {
	out := make([]*movedRow, 0, len(p.moved[kind]))
	for _, r := range p.moved[kind] {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *movedRow) int { return cmp.Compare(a.id, b.id) })
	return out
}

// restrictedGroup is what a restricted charge group admits through its
// account and organization lists.
type restrictedGroup struct {
	id, account fc.ID
	accounts    map[fc.ID]bool
	orgs        map[fc.ID]bool
}

func (g *restrictedGroup) admits(account fc.ID, chain []fc.ID) bool {
	if g.accounts[account] {
		return true
	}
	for _, o := range chain {
		if g.orgs[o] {
			return true
		}
	}
	return false
}

// restrictedGroups loads the account and organization lists of every
// restricted charge group of the provider.
func (p *planner) restrictedGroups() ([]*restrictedGroup, error) {
	rows, err := p.tx.QueryContext(p.ctx, `SELECT g.id, g.account_id, ga.subject_kind, ga.subject_id FROM charge_groups g
		JOIN charge_group_access ga ON ga.charge_group_id = g.id
		WHERE g.provider_id = $1 AND g.access = 'restricted' AND ga.subject_kind IN ('account', 'organization')
		ORDER BY g.id`, int64(p.m.ProviderID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*restrictedGroup
	for rows.Next() {
		var id, account, subject fc.ID
		var kind string
		if err := rows.Scan(&id, &account, &kind, &subject); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].id != id {
			out = append(out, &restrictedGroup{id: id, account: account, accounts: map[fc.ID]bool{}, orgs: map[fc.ID]bool{}})
		}
		g := out[len(out)-1]
		if kind == subjectAccount {
			g.accounts[subject] = true
		} else {
			g.orgs[subject] = true
		}
	}
	return out, rows.Err()
}

// orgOf returns the organization of an account as it is now.
func (p *planner) orgOf(account fc.ID) (fc.ID, error) {
	if o, ok := p.accOrg[account]; ok {
		return o, nil
	}
	var o fc.ID
	if err := p.tx.QueryRowContext(p.ctx, `SELECT organization_id FROM accounts WHERE id = $1 AND provider_id = $2`,
		int64(account), int64(p.m.ProviderID)).Scan(&o); err != nil {
		return 0, err
	}
	p.accOrg[account] = o
	return o, nil
}

// accessLists lists what the charge groups' access lists do about the
// migration: cards and accounts they name by ID stay admitted (kept), cards
// admitted through their account or organization are admitted no more, or
// newly (admission lost or gained), and a moved group still names its
// former account.
func (p *planner) accessLists() error {
	cards := p.ids(fc.KindCard)
	listed := map[fc.ID]map[fc.ID]bool{} // group → moved cards it names
	if len(cards) > 0 {
		named, err := p.pairs(`SELECT charge_group_id, subject_id FROM charge_group_access WHERE subject_kind = 'card' AND subject_id IN `, cards)
		if err != nil {
			return err
		}
		for _, pr := range named {
			if listed[pr[0]] == nil {
				listed[pr[0]] = map[fc.ID]bool{}
			}
			listed[pr[0]][pr[1]] = true
			if !p.isMoved(fc.KindChargeGroup, pr[0]) {
				p.link(fc.MigrationLink{Kind: fc.LinkChargeGroupAccess, Effect: fc.LinkKept, FromKind: fc.KindChargeGroup, FromID: pr[0], ToKind: fc.KindCard, ToID: pr[1],
					Message: fmt.Sprintf("charge group %s admits card %s by its ID, and still will in its new account: remove it from the list if it should not charge there any more", pr[0], pr[1])})
			}
		}
	}
	accounts := p.ids(fc.KindAccount)
	if len(accounts) > 0 {
		named, err := p.pairs(`SELECT charge_group_id, subject_id FROM charge_group_access WHERE subject_kind = 'account' AND subject_id IN `, accounts)
		if err != nil {
			return err
		}
		for _, pr := range named {
			p.link(fc.MigrationLink{Kind: fc.LinkChargeGroupAccess, Effect: fc.LinkKept, FromKind: fc.KindChargeGroup, FromID: pr[0], ToKind: fc.KindAccount, ToID: pr[1],
				Message: fmt.Sprintf("charge group %s admits account %s by its ID, and still will in its new organization", pr[0], pr[1])})
		}
	}
	if len(cards) == 0 && len(accounts) == 0 && len(p.moved[fc.KindChargeGroup]) == 0 {
		return nil
	}
	groups, err := p.restrictedGroups()
	if err != nil {
		return err
	}
	// Cards change account: per account they leave, the groups that admit
	// that account (or an organization above it) but not the target, or the
	// other way round.
	if len(cards) > 0 {
		fromCards := map[fc.ID][]fc.ID{}
		for _, c := range p.sortedRows(fc.KindCard) {
			fromCards[c.account] = append(fromCards[c.account], c.id)
		}
		targetChain, err := p.chain(p.targetOrg)
		if err != nil {
			return err
		}
		for _, from := range sortedKeys(fromCards) {
			org, err := p.orgOf(from)
			if err != nil {
				return err
			}
			fromChain, err := p.chain(org)
			if err != nil {
				return err
			}
			for _, g := range groups {
				before, after := g.admits(from, fromChain), g.admits(p.m.TargetAccountID, targetChain)
				if before == after {
					continue
				}
				var n int64
				for _, c := range fromCards[from] {
					if !listed[g.id][c] {
						n++
					}
				}
				if n > 0 {
					p.admission(g.id, from, n, before)
				}
			}
		}
	}
	// Accounts change organization.
	for _, a := range p.sortedRows(fc.KindAccount) {
		fromChain, err := p.chain(a.ref1)
		if err != nil {
			return err
		}
		toChain, err := p.chain(p.targetOrg)
		if err != nil {
			return err
		}
		for _, g := range groups {
			before, after := g.admits(a.id, fromChain), g.admits(a.id, toChain)
			if before == after {
				continue
			}
			var n int64
			if err := p.tx.QueryRowContext(p.ctx, `SELECT COUNT(*) FROM cards c WHERE c.account_id = $1 AND c.id NOT IN
				(SELECT ga.subject_id FROM charge_group_access ga WHERE ga.charge_group_id = $2 AND ga.subject_kind = 'card')`,
				int64(a.id), int64(g.id)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				p.admission(g.id, a.id, n, before)
			}
		}
	}
	// A moved group naming its former account.
	for _, g := range groups {
		r, ok := p.moved[fc.KindChargeGroup][g.id]
		if ok && g.accounts[r.account] {
			p.link(fc.MigrationLink{Kind: fc.LinkChargeGroupAccess, Effect: fc.LinkKept, FromKind: fc.KindChargeGroup, FromID: g.id, ToKind: fc.KindAccount, ToID: r.account,
				Message: fmt.Sprintf("charge group %s still admits the cards of account %s, its former owner", g.id, r.account),
				HowToKeep: fmt.Sprintf("to admit the new owner's cards instead, replace account %s by %s in the group's allowed accounts after the migration",
					r.account, p.m.TargetAccountID)})
		}
	}
	return nil
}

func (p *planner) admission(group, account fc.ID, n int64, lost bool) {
	l := fc.MigrationLink{Kind: fc.LinkChargeGroupAccess, FromKind: fc.KindChargeGroup, FromID: group, ToKind: fc.KindAccount, ToID: account, Count: n}
	if lost {
		l.Effect = fc.LinkAdmitLost
		l.Message = fmt.Sprintf("restricted charge group %s admits %d moved cards of account %s through its account or organization list, and will not after the migration", group, n, account)
		l.HowToKeep = fmt.Sprintf("add the cards, or their new account or organization, to the allowed lists of charge group %s", group)
	} else {
		l.Effect = fc.LinkAdmitWon
		l.Message = fmt.Sprintf("restricted charge group %s will admit %d moved cards of account %s through its account or organization list", group, n, account)
	}
	p.link(l)
}

func sortedKeys[V any](m map[fc.ID]V) []fc.ID {
	out := make([]fc.ID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// homes finds, for every moved station, the employee at whose home it
// stands, and whether that employee moves too.
func (p *planner) homes() error {
	sts := p.ids(fc.KindStation)
	if len(sts) == 0 {
		return nil
	}
	return eachChunk(sts, func(chunk []fc.ID) error {
		q := &query{}
		q.add(`SELECT st.id, he.id, he.account_id FROM stations st JOIN locations l ON l.id = st.location_id
			JOIN employees he ON he.id = l.employee_id AND l.kind = 'home' WHERE st.id IN `).ids(chunk)
		rows, err := p.tx.QueryContext(p.ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st, e, a fc.ID
			if err := rows.Scan(&st, &e, &a); err != nil {
				return err
			}
			r := p.moved[fc.KindStation][st]
			r.homeAccount, r.homeEmployeeMoves = a, p.isMoved(fc.KindEmployee, e)
		}
		return rows.Err()
	})
}

// moves fills the plan's moved assets, requested first, then by kind and ID.
func (p *planner) moves() error {
	rows := slices.Clone(p.order)
	slices.SortStableFunc(rows, func(a, b *movedRow) int {
		ra, rb := a.reason != fc.MoveRequested, b.reason != fc.MoveRequested
		switch {
		case ra != rb && !ra:
			return -1
		case ra != rb:
			return 1
		}
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
	})
	for _, r := range rows {
		mv := fc.MigrationMove{Kind: r.kind, ID: r.id, Name: r.name, Reason: r.reason, Version: r.version}
		if r.kind == fc.KindAccount {
			mv.FromOrg, mv.ToOrg = r.ref1, p.targetOrg
		} else {
			org, err := p.orgOf(r.account)
			if err != nil {
				return err
			}
			mv.FromAccount, mv.ToAccount, mv.FromOrg, mv.ToOrg = r.account, p.m.TargetAccountID, org, p.targetOrg
		}
		p.plan.Moves = append(p.plan.Moves, mv)
	}
	return nil
}

// orgAfter returns the organization an account is in after the migration.
func (p *planner) orgAfter(account fc.ID) (fc.ID, error) {
	if p.isMoved(fc.KindAccount, account) {
		return p.targetOrg, nil
	}
	return p.orgOf(account)
}

// owner returns the owner of an object of account, before or after the
// migration.
func (p *planner) owner(account fc.ID, after bool) (fc.Owner, error) {
	if account == 0 {
		return fc.Owner{}, nil
	}
	org, err := p.orgOf(account)
	if after && err == nil {
		org, err = p.orgAfter(account)
	}
	if err != nil {
		return fc.Owner{}, err
	}
	ch, err := p.chain(org)
	if err != nil {
		return fc.Owner{}, err
	}
	return fc.Owner{ProviderID: p.m.ProviderID, AccountID: account, OrgPath: ch}, nil
}

// groupKey identifies a set of objects that sit at the same place before
// and after.
type groupKey struct {
	kind                             string
	fromAcc, toAcc, fromHome, toHome fc.ID
}

// groups sorts what changes place into MigrationGroups: the moved assets;
// for moved accounts everything they hold, the stations at their
// employees' homes, and their sessions on either side.
func (p *planner) groups() error {
	type entry struct {
		key groupKey
		ids []fc.ID
		n   int64
	}
	var keys []groupKey
	at := map[groupKey]*entry{}
	put := func(k groupKey, id fc.ID, n int64) {
		e := at[k]
		if e == nil {
			e = &entry{key: k}
			at[k] = e
			keys = append(keys, k)
		}
		if id != 0 {
			e.ids = append(e.ids, id)
		}
		e.n += n
	}
	target := p.m.TargetAccountID
	for _, r := range p.order {
		if r.kind == fc.KindAccount {
			put(groupKey{kind: fc.KindAccount, fromAcc: r.id, toAcc: r.id}, r.id, 1)
			continue
		}
		k := groupKey{kind: r.kind, fromAcc: r.account, toAcc: target}
		if r.kind == fc.KindStation && r.homeAccount != 0 {
			k.fromHome, k.toHome = r.homeAccount, r.homeAccount
			if r.homeEmployeeMoves {
				k.toHome = target
			}
		}
		put(k, r.id, 1)
	}
	if accounts := p.ids(fc.KindAccount); len(accounts) > 0 {
		for _, kind := range []string{fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup} {
			held, err := p.pairs(`SELECT id, account_id FROM `+moveSpecs[kind].table+` WHERE account_id IN `, accounts)
			if err != nil {
				return err
			}
			for _, pr := range held {
				put(groupKey{kind: kind, fromAcc: pr[1], toAcc: pr[1]}, pr[0], 1)
			}
		}
		// Stations of the accounts, and stations anywhere at the homes of
		// their employees.
		seen := map[fc.ID]bool{}
		for _, sel := range []string{"st.account_id", "he.account_id"} {
			err := eachChunk(accounts, func(chunk []fc.ID) error {
				q := &query{}
				q.add(`SELECT st.id, st.account_id, COALESCE(he.account_id, 0) FROM stations st JOIN locations l ON l.id = st.location_id
					LEFT JOIN employees he ON he.id = l.employee_id AND l.kind = 'home' WHERE ` + sel + ` IN `).ids(chunk)
				rows, err := p.tx.QueryContext(p.ctx, q.String(), q.args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id, acc, home fc.ID
					if err := rows.Scan(&id, &acc, &home); err != nil {
						return err
					}
					if !seen[id] {
						seen[id] = true
						put(groupKey{kind: fc.KindStation, fromAcc: acc, toAcc: acc, fromHome: home, toHome: home}, id, 1)
					}
				}
				return rows.Err()
			})
			if err != nil {
				return err
			}
		}
		for _, side := range []struct{ kind, col string }{{fc.SessionsCardSide, "card_account_id"}, {fc.SessionsStationSide, "station_account_id"}} {
			for _, a := range accounts {
				var n int64
				if err := p.tx.QueryRowContext(p.ctx, `SELECT COUNT(*) FROM sessions WHERE `+side.col+` = $1`, int64(a)).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					put(groupKey{kind: side.kind, fromAcc: a, toAcc: a}, 0, n)
				}
				if side.kind == fc.SessionsCardSide {
					p.plan.SessionsCardSide += n
				} else {
					p.plan.SessionsStationSide += n
				}
			}
		}
	}
	for _, k := range keys {
		e := at[k]
		g := fc.MigrationGroup{Kind: k.kind, IDs: e.ids, Count: e.n,
			Historical: k.kind == fc.SessionsCardSide || k.kind == fc.SessionsStationSide}
		var err error
		if g.From, err = p.owner(k.fromAcc, false); err != nil {
			return err
		}
		if g.To, err = p.owner(k.toAcc, true); err != nil {
			return err
		}
		if g.FromHome, err = p.owner(k.fromHome, false); err != nil {
			return err
		}
		if g.ToHome, err = p.owner(k.toHome, true); err != nil {
			return err
		}
		g.From.HomeOfAccountID, g.To.HomeOfAccountID = k.fromHome, k.toHome
		slices.Sort(g.IDs)
		p.plan.Groups = append(p.plan.Groups, g)
	}
	return nil
}

// users loads the provider's enabled users with their role assignments.
func (p *planner) users() error {
	rows, err := p.tx.QueryContext(p.ctx, `SELECT id, email, name FROM users WHERE provider_id = $1 AND NOT disabled ORDER BY id`, int64(p.m.ProviderID))
	if err != nil {
		return err
	}
	at := map[fc.ID]int{}
	for rows.Next() {
		u := fc.User{ProviderID: p.m.ProviderID}
		if err := rows.Scan(&u.ID, &u.Email, &u.Name); err != nil {
			rows.Close()
			return err
		}
		at[u.ID] = len(p.plan.Users)
		p.plan.Users = append(p.plan.Users, fc.MigrationUser{User: u})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = p.tx.QueryContext(p.ctx, `SELECT `+assignmentColumns+` FROM role_assignments a WHERE a.provider_id = $1 ORDER BY a.id`, int64(p.m.ProviderID))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a fc.Assignment
		if err := scanAssignment(rows, &a); err != nil {
			return err
		}
		if i, ok := at[a.UserID]; ok {
			p.plan.Users[i].Assignments = append(p.plan.Users[i].Assignments, a)
		}
	}
	return rows.Err()
}

// fingerprint hashes everything the plan was made from, but the count of
// sessions (which keep coming, and whose history simply follows).
func (p *planner) fingerprint() string {
	h := sha256.New()
	w := func(parts ...any) { fmt.Fprintln(h, parts...) }
	pl := p.plan
	w("migration", pl.Kind, pl.TargetOrganizationID, pl.TargetAccountID, pl.WithLinked, pl.IDs)
	for _, mv := range pl.Moves {
		w("move", mv.Kind, mv.ID, mv.FromAccount, mv.ToAccount, mv.FromOrg, mv.ToOrg, mv.Version)
	}
	for _, l := range pl.Links {
		w("link", l.Kind, l.Effect, l.FromKind, l.FromID, l.ToKind, l.ToID, l.Count)
	}
	for _, g := range pl.Groups {
		if g.Historical {
			w("history", g.Kind, g.From.AccountID, g.From.OrgPath, g.To.OrgPath)
			continue
		}
		w("group", g.Kind, g.From.AccountID, g.From.OrgPath, g.To.AccountID, g.To.OrgPath, g.FromHome.AccountID, g.FromHome.OrgPath,
			g.ToHome.AccountID, g.ToHome.OrgPath, g.IDs)
	}
	for _, u := range pl.Users {
		w("user", u.User.ID, u.User.Email)
		for _, a := range u.Assignments {
			w("assignment", a.ID, a.Role, a.OrganizationID, a.AccountID)
		}
	}
	return hexSum(h)
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil))[:32] }

// blockedErr is the error of a migration that a blocking link refuses.
func (p *planner) blockedErr() error {
	var msgs []string
	for _, l := range p.plan.Links {
		if l.Blocking {
			msgs = append(msgs, l.Message)
			if len(msgs) == 5 {
				break
			}
		}
	}
	return fc.Errorf(fc.EUnprocessable, "the migration would split assets that must stay in one account (%s); make a dry run for the full list, or repeat with with_linked",
		strings.Join(msgs, "; "))
}

// afterMigrationStep, when set (by tests), is called after each step of a
// real run; an error aborts the run.
var afterMigrationStep func(step string) error

func (p *planner) step(name string) error {
	if afterMigrationStep != nil {
		return afterMigrationStep(name)
	}
	return nil
}

// apply makes the moves the plan lists, unassigns the cards whose employee
// stays, and audits it all: one migration event with everything, and one
// event per moved object where it now sits.
func (p *planner) apply() error {
	now := ms(p.s.now())
	id, err := p.auditMigration(now)
	if err != nil {
		return err
	}
	p.plan.ID = id
	if err := p.step("audit"); err != nil {
		return err
	}
	if err := eachChunk(normIDs(p.detach), func(chunk []fc.ID) error {
		q := &query{}
		q.add(`UPDATE cards SET employee_id = NULL, updated_at = `).int(now).add(` WHERE id IN `).ids(chunk)
		_, err := p.tx.ExecContext(p.ctx, q.String(), q.args...)
		return err
	}); err != nil {
		return err
	}
	for _, kind := range []string{fc.KindAccount, fc.KindEmployee, fc.KindCard, fc.KindLocation, fc.KindChargeGroup, fc.KindStation} {
		ids := p.ids(kind)
		if len(ids) == 0 {
			continue
		}
		if err := p.auditObjects(kind, ids, id, now); err != nil {
			return err
		}
		sp := moveSpecs[kind]
		set, to := "account_id", p.m.TargetAccountID
		if kind == fc.KindAccount {
			set, to = "organization_id", p.targetOrg
		}
		err := eachChunk(ids, func(chunk []fc.ID) error {
			q := &query{}
			q.add(`UPDATE ` + sp.table + ` SET ` + set + ` = `).int(int64(to)).add(`, updated_at = `).int(now).add(` WHERE id IN `).ids(chunk)
			_, err := p.tx.ExecContext(p.ctx, q.String(), q.args...)
			return err
		})
		if err != nil {
			return err
		}
		if err := p.step(kind); err != nil {
			return err
		}
	}
	return nil
}

// auditMigration writes the migration's own audit event and returns its ID.
func (p *planner) auditMigration(now int64) (fc.ID, error) {
	rec := fc.MigrationRecord{Kind: p.plan.Kind, IDs: p.plan.IDs, TargetOrganizationID: p.plan.TargetOrganizationID,
		TargetAccountID: p.plan.TargetAccountID, WithLinked: p.plan.WithLinked, Fingerprint: p.plan.Fingerprint,
		Moves: p.plan.Moves, Detached: []fc.MigrationLink{}}
	for _, l := range p.plan.Links {
		if l.Effect == fc.LinkDetached {
			rec.Detached = append(rec.Detached, l)
		}
	}
	after, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	a := fc.ActorFrom(p.ctx)
	var id fc.ID
	if err := p.tx.QueryRowContext(p.ctx, `INSERT INTO audit_events
		(provider_id, at, actor_user_id, actor, action, object_type, object_id, organization_id, account_id, before_json, after_json, remote_addr)
		VALUES ($1, $2, $3, $4, 'migration.run', 'migration', NULL, NULL, NULL, '', $5, $6) RETURNING id`,
		int64(p.m.ProviderID), now, nullID(a.UserID), a.Label, string(after), a.RemoteAddr).Scan(&id); err != nil {
		return 0, fmt.Errorf("audit migration: %w", err)
	}
	if _, err := p.tx.ExecContext(p.ctx, `UPDATE audit_events SET object_id = $1 WHERE id = $1`, int64(id)); err != nil {
		return 0, fmt.Errorf("audit migration: %w", err)
	}
	return id, nil
}

// auditObjects writes one "<kind>.migrate" event per moved object of kind,
// placed where the object goes, naming where it came from, in one statement
// per chunk.
func (p *planner) auditObjects(kind string, ids []fc.ID, migration fc.ID, now int64) error {
	a := fc.ActorFrom(p.ctx)
	sp := moveSpecs[kind]
	field, to, toOrg, toAccount := "account_id", p.m.TargetAccountID, p.targetOrg, "x.account_id"
	if kind == fc.KindAccount {
		field, to, toAccount = "organization_id", p.targetOrg, "x.id"
	}
	return eachChunk(ids, func(chunk []fc.ID) error {
		q := &query{}
		q.add(`INSERT INTO audit_events
			(provider_id, at, actor_user_id, actor, action, object_type, object_id, organization_id, account_id, before_json, after_json, remote_addr)
			SELECT x.provider_id, `).int(now).add(`, CAST(`).arg(nullID(a.UserID)).add(` AS BIGINT), CAST(`).arg(a.Label).
			add(` AS TEXT), CAST(`).arg(kind + ".migrate").add(` AS TEXT), CAST(`).arg(kind).add(` AS TEXT), x.id, `).int(int64(toOrg)).add(`, `)
		if kind == fc.KindAccount {
			q.add(toAccount)
		} else {
			q.int(int64(to))
		}
		q.add(`, '{"` + field + `":"' || CAST(x.` + field + ` AS TEXT) || '"}', `).
			add(`CAST(`).arg(fmt.Sprintf(`{"%s":"%d","migration_id":"%d"}`, field, to, migration)).add(` AS TEXT), CAST(`).arg(a.RemoteAddr).add(` AS TEXT)`).
			add(` FROM ` + sp.table + ` x WHERE x.id IN `).ids(chunk)
		_, err := p.tx.ExecContext(p.ctx, q.String(), q.args...)
		return err
	})
}

var _ fc.MigrationStore = (*Store)(nil)
