package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Bulk loading, for demo and synthetic data: rows go in as multi-row INSERT
// statements inside large transactions, without the per-row audit events of
// the public Create methods; one audit event per load records what it added.
// A bulk load assumes it owns the rows it writes: it checks no access and no
// business rule beyond what the schema enforces.

// maxParams is the most placeholders one statement may carry: SQLite's limit
// (SQLITE_MAX_VARIABLE_NUMBER) is 32766, PostgreSQL's 65535.
const maxParams = 32766

// maxRowsPerStatement bounds a statement's rows even for narrow tables, where
// longer statements stop paying off.
const maxRowsPerStatement = 1000

// sessionsPerTx is how many sessions BulkSessions commits at once: large
// enough that commits cost nothing, small enough that the SQLite WAL stays
// moderate.
const sessionsPerTx = 100_000

// Loader inserts rows in bulk inside the one transaction of a BulkLoad.
type Loader struct {
	// Progress, when set, is called after each statement with the number of
	// rows it inserted.
	Progress func(rows int64)

	s        *Store
	ctx      context.Context
	tx       *sql.Tx
	counts   map[string]int64
	reserved map[string]fc.ID // per table, the first ID after the reserved ones
	locked   map[string]bool
}

// BulkLoad runs fn in one write transaction in which l inserts rows in bulk
// for the provider; nothing is stored unless fn returns nil. The load is not
// retried on a transient conflict, since fn may consume a generator.
// Instead of one audit event per row it records one "bulk.load" event with
// the number of rows per table.
func (s *Store) BulkLoad(ctx context.Context, providerID fc.ID, fn func(l *Loader) error) error {
	bc, err := s.openBulk(ctx)
	if err != nil {
		return err
	}
	defer bc.close(ctx)
	return bc.tx(ctx, func(tx *sql.Tx) error {
		l := &Loader{s: s, ctx: ctx, tx: tx, counts: map[string]int64{}, reserved: map[string]fc.ID{}, locked: map[string]bool{}}
		if err := fn(l); err != nil {
			return err
		}
		if err := l.checkForeignKeys(); err != nil {
			return err
		}
		return s.audit(ctx, tx, change{providerID: providerID, action: "bulk.load", kind: fc.KindProvider, id: providerID, after: l.counts})
	})
}

// bulkCacheKiB is the SQLite page cache a bulk load works with: enough to
// keep the hot pages of every index of a large table, so that inserts do not
// spill to the WAL and read pages back in the middle of a transaction.
const bulkCacheKiB = 256 * 1024

// bulkConn is the writer connection a bulk load holds for its
// transactions, tuned for them while it lasts.
type bulkConn struct {
	s       *Store
	conn    *sql.Conn
	restore []string
}

// openBulk takes a writer connection and, on SQLite, tunes it until close:
// a large page cache, and foreign keys checked by the loaders rather than
// by SQLite. SQLite must be ready to undo a statement that fails a foreign
// key halfway, so it copies every page a large insert touches into a
// statement journal, once per statement; that doubles the time of a load.
// BulkLoad checks the foreign keys of the tables it filled before it
// commits; BulkSessions takes every referenced ID from the rows it refers to
// while it holds the only writer connection.
func (s *Store) openBulk(ctx context.Context) (*bulkConn, error) {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, s.mapErr(err)
	}
	bc := &bulkConn{s: s, conn: conn}
	if s.dialect.name() != "sqlite" {
		return bc, nil
	}
	for _, p := range []struct {
		name string
		bulk int
	}{{"cache_size", -bulkCacheKiB}, {"foreign_keys", 0}} {
		var was int
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&was); err != nil {
			bc.close(ctx)
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA %s = %d", p.name, p.bulk)); err != nil {
			bc.close(ctx)
			return nil, err
		}
		bc.restore = append(bc.restore, fmt.Sprintf("PRAGMA %s = %d", p.name, was))
	}
	return bc, nil
}

// close restores the connection's settings, even when ctx is done, and
// hands the connection back; a connection whose settings cannot be restored
// is discarded, so that no later write runs without foreign keys.
func (bc *bulkConn) close(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	for _, stmt := range bc.restore {
		if _, err := bc.conn.ExecContext(ctx, stmt); err != nil {
			_ = bc.conn.Raw(func(any) error { return driver.ErrBadConn })
			break
		}
	}
	_ = bc.conn.Close()
}

// begin starts a write transaction. PostgreSQL runs it at READ COMMITTED:
// a bulk load takes the table locks it needs, and a serializable snapshot
// would only add conflicts to a long transaction.
func (bc *bulkConn) begin(ctx context.Context) (*sql.Tx, error) {
	return bc.conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelDefault})
}

// tx runs fn in one write transaction, without retries: fn may consume a
// generator.
func (bc *bulkConn) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := bc.begin(ctx)
	if err != nil {
		return bc.s.mapErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return bc.s.mapErr(err)
	}
	return bc.s.mapErr(tx.Commit())
}

// ReserveIDs reserves n consecutive IDs in table and returns the first, so
// that the caller can insert rows that refer to each other in one pass. The
// reserved IDs must be inserted (with an explicit id column) before any row
// of the same table is inserted without one in this load.
//
// On SQLite the write transaction holds the database, so the IDs after the
// largest one are free until it commits. On PostgreSQL the table is locked
// against other inserts until the load commits, and the table's identity
// sequence is moved past the reserved range so that later inserts never
// collide with it.
func (l *Loader) ReserveIDs(table string, n int) (fc.ID, error) {
	if err := checkIdent(table); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("reserve %d IDs in %s: negative count", n, table)
	}
	var maxID int64
	if l.s.dialect.name() == "postgres" && !l.locked[table] {
		// SHARE ROW EXCLUSIVE conflicts with every insert and with itself,
		// so neither other writers nor another bulk load take IDs meanwhile.
		if _, err := l.tx.ExecContext(l.ctx, `LOCK TABLE `+table+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return 0, fmt.Errorf("reserve IDs in %s: %w", table, err)
		}
		l.locked[table] = true
	}
	if err := l.tx.QueryRowContext(l.ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&maxID); err != nil {
		return 0, fmt.Errorf("reserve IDs in %s: %w", table, err)
	}
	first := fc.ID(maxID + 1)
	if next := l.reserved[table]; next > first {
		first = next
	}
	if l.s.dialect.name() == "postgres" {
		var seqNext int64
		if err := l.tx.QueryRowContext(l.ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, table).Scan(&seqNext); err != nil {
			return 0, fmt.Errorf("reserve IDs in %s: %w", table, err)
		}
		first = max(first, fc.ID(seqNext))
		// setval is not transactional: a rolled-back load leaves a gap in
		// the IDs, never a collision.
		last := int64(first) + int64(n) - 1
		if _, err := l.tx.ExecContext(l.ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, table, max(last, int64(first))); err != nil {
			return 0, fmt.Errorf("reserve IDs in %s: %w", table, err)
		}
	}
	l.reserved[table] = first + fc.ID(n)
	return first, nil
}

// checkForeignKeys fails when a row the load inserted refers to nothing. Only
// SQLite needs it: openBulk turned its checks off, PostgreSQL checks each
// statement.
func (l *Loader) checkForeignKeys() error {
	if l.s.dialect.name() != "sqlite" {
		return nil
	}
	tables := make([]string, 0, len(l.counts))
	for t := range l.counts {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		err := l.tx.QueryRowContext(l.ctx, `PRAGMA foreign_key_check(`+t+`)`).Scan(&table, &rowid, &parent, &fk)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check foreign keys of %s: %w", t, err)
		}
		return fc.Errorf(fc.EUnprocessable, "a row loaded into %s refers to a missing row of %s", table, parent)
	}
	return nil
}

// Insert inserts every row that rows yields into the columns of table, in
// multi-row statements. rows runs inside the load's transaction: it must not
// call the Store's own methods.
func (l *Loader) Insert(table string, columns []string, rows func(yield func(values ...any) error) error) error {
	if _, ok := l.reserved[table]; ok && !slices.Contains(columns, "id") {
		return fmt.Errorf("insert into %s: IDs were reserved in this table, so rows must carry their id", table)
	}
	b, err := l.s.newBatcher(l.ctx, l.tx, table, columns)
	if err != nil {
		return err
	}
	b.flushed = func(n int64) {
		l.counts[table] += n
		if l.Progress != nil {
			l.Progress(n)
		}
	}
	if err := rows(b.add); err != nil {
		b.close()
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return b.finish()
}

// BulkSessions inserts finished sessions of the provider in bulk, in
// transactions of sessionsPerTx sessions. Each transaction also sets the
// last_used_at of the cards it used to the start of their latest session,
// and records one audit event with its number of sessions; when sessions
// fails, what earlier transactions stored stays. progress, when not nil, is
// called after each statement with the number of sessions stored so far.
//
// For each session the caller gives the card, when and how much: CardID,
// StartedAt, StoppedAt, EnergyWh, and optionally MeterStartWh, StopReason
// and ExternalRef; then either the station (StationID, ConnectorID) or, for a
// session on a foreign network, LocationKind, LocationName, CostMinor and
// Currency. BulkSessions fills in the rest as a station's transaction would
// have it, and writes it back into the session it is handed: the id tag, the
// card side (card account, employee) and the station side (station account,
// location, its kind and name), the duration, and for own stations the cost
// under the tariff of the station's charge group and its currency. Source is
// "ocpp" on own stations and "import" elsewhere unless the caller set it.
func (s *Store) BulkSessions(ctx context.Context, providerID fc.ID, sessions func(yield func(*fc.Session) error) error, progress func(done int64)) error {
	bc, err := s.openBulk(ctx)
	if err != nil {
		return fmt.Errorf("bulk sessions: %w", err)
	}
	defer bc.close(ctx)
	var lk *sessionLookup
	err = bc.tx(ctx, func(tx *sql.Tx) (err error) {
		lk, err = loadSessionLookup(ctx, tx, providerID)
		return err
	})
	if err != nil {
		return fmt.Errorf("bulk sessions: %w", err)
	}

	// The generator runs on this goroutine and hands over one session at a
	// time; each chunk of sessionsPerTx goes into its own transaction.
	var done int64
	var chunk *sessionChunk
	yield := func(sess *fc.Session) error {
		if chunk == nil {
			var err error
			if chunk, err = bc.beginSessions(ctx, providerID); err != nil {
				return err
			}
			chunk.b.flushed = func(n int64) {
				done += n
				if progress != nil {
					progress(done)
				}
			}
		}
		values, err := lk.complete(providerID, sess, done+int64(chunk.b.pending()))
		if err != nil {
			return err
		}
		if err := chunk.b.add(values...); err != nil {
			return err
		}
		if chunk.n++; chunk.n == sessionsPerTx {
			c := chunk
			chunk = nil
			return c.commit()
		}
		return nil
	}
	err = sessions(yield)
	if chunk != nil {
		if err != nil {
			chunk.abort()
		} else {
			err = chunk.commit()
		}
	}
	if err != nil {
		return s.mapErr(fmt.Errorf("bulk sessions: %w", err))
	}
	return nil
}

// sessionChunk is one transaction of BulkSessions.
type sessionChunk struct {
	ctx        context.Context
	s          *Store
	tx         *sql.Tx
	b          *batcher
	providerID fc.ID
	n          int
}

func (bc *bulkConn) beginSessions(ctx context.Context, providerID fc.ID) (*sessionChunk, error) {
	tx, err := bc.begin(ctx)
	if err != nil {
		return nil, err
	}
	b, err := bc.s.newBatcher(ctx, tx, "sessions", sessionBulkColumns)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return &sessionChunk{ctx: ctx, s: bc.s, tx: tx, b: b, providerID: providerID}, nil
}

// commit stores the chunk's last sessions, the cards' last use and the
// audit event, and commits.
func (c *sessionChunk) commit() error {
	if err := c.b.finish(); err != nil {
		_ = c.tx.Rollback()
		return err
	}
	res, err := c.tx.ExecContext(c.ctx, `UPDATE cards SET last_used_at = (SELECT MAX(s.started_at) FROM sessions s WHERE s.card_id = cards.id)
		WHERE provider_id = $1 AND EXISTS (SELECT 1 FROM sessions s WHERE s.card_id = cards.id
			AND (cards.last_used_at IS NULL OR s.started_at > cards.last_used_at))`, int64(c.providerID))
	if err != nil {
		_ = c.tx.Rollback()
		return fmt.Errorf("cards' last use: %w", err)
	}
	cards, _ := res.RowsAffected()
	err = c.s.audit(c.ctx, c.tx, change{providerID: c.providerID, action: "session.bulk_load", kind: fc.KindProvider, id: c.providerID,
		after: map[string]int64{"sessions": int64(c.n), "cards_last_used_updated": cards}})
	if err != nil {
		_ = c.tx.Rollback()
		return err
	}
	return c.tx.Commit()
}

func (c *sessionChunk) abort() {
	c.b.close()
	_ = c.tx.Rollback()
}

// sessionBulkColumns are the columns BulkSessions writes, in the order of
// the values sessionLookup.complete returns.
var sessionBulkColumns = []string{
	"provider_id", "source", "external_ref", "card_id", "id_tag", "employee_id", "card_account_id",
	"station_id", "connector_id", "station_account_id", "location_id", "location_kind", "location_name",
	"started_at", "stopped_at", "meter_start_wh", "meter_stop_wh", "last_meter_wh", "last_meter_at",
	"energy_wh", "duration_s", "stop_reason", "cost_minor", "currency", "start_key", "created_at", "updated_at",
	"tariff_version_id",
}

type bulkCard struct {
	accountID, employeeID fc.ID
	idTag                 string
}

type bulkStation struct {
	accountID, locationID      fc.ID
	locationKind, locationName string
	connectors                 int
	tariff                     fc.Tariff
	// versions are the versions of the tariff of its group, oldest first;
	// a session is priced by the one in effect at its start (tariff when
	// none is).
	versions []fc.Tariff
}

// sessionLookup holds what completing a session needs about the provider's
// cards and stations.
type sessionLookup struct {
	cards    map[fc.ID]bulkCard
	stations map[fc.ID]bulkStation
	location *time.Location // the provider's, which tariffs' bands are read in
}

func loadSessionLookup(ctx context.Context, tx *sql.Tx, providerID fc.ID) (*sessionLookup, error) {
	lk := &sessionLookup{cards: map[fc.ID]bulkCard{}, stations: map[fc.ID]bulkStation{}, location: time.UTC}
	var zone string
	if err := tx.QueryRowContext(ctx, `SELECT time_zone FROM providers WHERE id = $1`, int64(providerID)).Scan(&zone); err != nil {
		return nil, err
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		lk.location = loc
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, account_id, COALESCE(employee_id, 0), internal_id FROM cards WHERE provider_id = $1`, int64(providerID))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id fc.ID
		var c bulkCard
		if err := rows.Scan(&id, &c.accountID, &c.employeeID, &c.idTag); err != nil {
			rows.Close()
			return nil, err
		}
		lk.cards[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT st.id, st.account_id, st.location_id, l.kind, l.name,
			(SELECT COALESCE(MAX(cp.connector_id), 0) FROM charge_points cp WHERE cp.station_id = st.id),
			g.currency, g.per_kwh_micros, g.per_minute_micros, g.start_fee_micros, g.id
		FROM stations st
		JOIN locations l ON l.id = st.location_id
		JOIN charge_groups g ON g.id = st.charge_group_id
		WHERE st.provider_id = $1`, int64(providerID))
	if err != nil {
		return nil, err
	}
	groupOf := map[fc.ID]fc.ID{}
	for rows.Next() {
		var id, groupID fc.ID
		var st bulkStation
		if err := rows.Scan(&id, &st.accountID, &st.locationID, &st.locationKind, &st.locationName, &st.connectors,
			&st.tariff.Currency, &st.tariff.PerKWhMicros, &st.tariff.PerMinuteMicros, &st.tariff.StartFeeMicros, &groupID); err != nil {
			rows.Close()
			return nil, err
		}
		lk.stations[id] = st
		groupOf[id] = groupID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+versionColumns+` FROM tariff_versions v WHERE v.provider_id = $1
		ORDER BY v.charge_group_id, v.valid_from`, int64(providerID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	versions := map[fc.ID][]fc.Tariff{}
	for rows.Next() {
		var v fc.TariffVersion
		if err := scanVersion(rows, &v); err != nil {
			return nil, err
		}
		versions[v.ChargeGroupID] = append(versions[v.ChargeGroupID], v.Tariff)
	}
	for id, st := range lk.stations {
		st.versions = versions[groupOf[id]]
		lk.stations[id] = st
	}
	return lk, rows.Err()
}

// complete checks sess, fills in what follows from its card and station,
// and returns its column values. n numbers the session in error messages.
func (lk *sessionLookup) complete(providerID fc.ID, sess *fc.Session, n int64) ([]any, error) {
	bad := func(format string, args ...any) error {
		return fc.Errorf(fc.EInvalid, "session %d: %s", n, fmt.Sprintf(format, args...))
	}
	card, ok := lk.cards[sess.CardID]
	if !ok {
		return nil, bad("card %s is not a card of provider %s", sess.CardID, providerID)
	}
	if sess.StoppedAt == nil || sess.StoppedAt.Before(sess.StartedAt) {
		return nil, bad("a bulk session must have stopped, not before it started")
	}
	if sess.EnergyWh < 0 || sess.MeterStartWh < 0 {
		return nil, bad("energy and meter readings must not be negative")
	}
	sess.ProviderID = providerID
	sess.IDTag = card.idTag
	sess.EmployeeID = card.employeeID
	sess.CardAccountID = card.accountID
	sess.DurationSeconds = sess.StoppedAt.Sub(sess.StartedAt).Milliseconds() / 1000
	meterStop := sess.MeterStartWh + sess.EnergyWh
	sess.MeterStopWh = &meterStop
	var version any
	if sess.StationID != 0 {
		st, ok := lk.stations[sess.StationID]
		if !ok {
			return nil, bad("station %s is not a station of provider %s", sess.StationID, providerID)
		}
		if sess.ConnectorID < 1 || sess.ConnectorID > st.connectors {
			return nil, bad("station %s has no connector %d", sess.StationID, sess.ConnectorID)
		}
		sess.StationAccountID = st.accountID
		sess.LocationID = st.locationID
		sess.LocationKind = st.locationKind
		sess.LocationName = st.locationName
		tariff := st.tariff
		for _, v := range st.versions {
			if !v.ValidFrom.After(sess.StartedAt) {
				tariff = v
			}
		}
		if tariff.VersionID != 0 {
			version = int64(tariff.VersionID)
		}
		if len(tariff.Bands) == 0 && tariff.IdleFeePerMinuteMicros == 0 && tariff.MinPriceMicros == 0 && tariff.MaxPriceMicros == 0 {
			sess.CostMinor = tariff.Cost(sess.EnergyWh, sess.DurationSeconds)
		} else {
			// No meter values: the energy spread evenly over the session.
			sess.CostMinor = tariff.Price(fc.PricingInput{Started: sess.StartedAt, Stopped: *sess.StoppedAt, MeterStartWh: sess.MeterStartWh,
				MeterStopWh: meterStop, Location: lk.location}).TotalMinor
		}
		sess.Currency = tariff.Currency
		if sess.Source == "" {
			sess.Source = fc.SourceOCPP
		}
	} else {
		switch sess.LocationKind {
		case fc.LocationOffice, fc.LocationHome, fc.LocationPublic:
		default:
			return nil, bad("a session without a station needs a location kind (office, home or public)")
		}
		if strings.TrimSpace(sess.LocationName) == "" {
			return nil, bad("a session without a station needs a location name")
		}
		if len(sess.Currency) != 3 || sess.CostMinor < 0 {
			return nil, bad("a session without a station needs its cost and currency")
		}
		sess.ConnectorID, sess.StationAccountID, sess.LocationID = 0, 0, 0
		if sess.Source == "" {
			sess.Source = fc.SourceImport
		}
	}
	if sess.Source != fc.SourceOCPP && sess.Source != fc.SourceImport {
		return nil, bad("source must be ocpp or import")
	}
	sess.CreatedAt, sess.UpdatedAt = sess.StartedAt, *sess.StoppedAt
	var ref any
	if sess.ExternalRef != "" {
		ref = sess.ExternalRef
	}
	stop := ms(*sess.StoppedAt)
	return []any{
		int64(providerID), sess.Source, ref, int64(sess.CardID), sess.IDTag, nullID(sess.EmployeeID), int64(sess.CardAccountID),
		nullID(sess.StationID), sess.ConnectorID, nullID(sess.StationAccountID), nullID(sess.LocationID), sess.LocationKind, sess.LocationName,
		ms(sess.StartedAt), stop, sess.MeterStartWh, meterStop, meterStop, stop,
		sess.EnergyWh, sess.DurationSeconds, sess.StopReason, sess.CostMinor, sess.Currency, nil, ms(sess.StartedAt), stop,
		version,
	}, nil
}

// batcher collects rows of one table and inserts them in multi-row
// statements of the largest size the placeholder limit allows, reusing one
// prepared statement for every full batch.
type batcher struct {
	ctx     context.Context
	tx      *sql.Tx
	table   string
	columns []string
	perStmt int
	args    []any
	full    *sql.Stmt
	flushed func(n int64)
	// sqlite selects SQLite's INSERT OR FAIL, which needs no statement
	// journal (see openBulk), and its anonymous ? placeholders: SQLite looks
	// numbered ones up by a linear search, which makes binding a statement
	// of thousands of $N placeholders quadratic.
	sqlite bool
}

func (s *Store) newBatcher(ctx context.Context, tx *sql.Tx, table string, columns []string) (*batcher, error) {
	if err := checkIdent(table); err != nil {
		return nil, err
	}
	if len(columns) == 0 {
		return nil, fmt.Errorf("insert into %s: no columns", table)
	}
	for _, c := range columns {
		if err := checkIdent(c); err != nil {
			return nil, err
		}
	}
	per := min(maxParams/len(columns), maxRowsPerStatement)
	return &batcher{ctx: ctx, tx: tx, table: table, columns: columns, perStmt: per, args: make([]any, 0, per*len(columns)),
		sqlite: s.dialect.name() == "sqlite"}, nil
}

// pending returns the number of rows not inserted yet.
func (b *batcher) pending() int { return len(b.args) / len(b.columns) }

// add queues one row, inserting the batch when it is full.
func (b *batcher) add(values ...any) error {
	if len(values) != len(b.columns) {
		return fmt.Errorf("insert into %s: %d values for %d columns", b.table, len(values), len(b.columns))
	}
	b.args = append(b.args, values...)
	if b.pending() < b.perStmt {
		return nil
	}
	if b.full == nil {
		stmt, err := b.tx.PrepareContext(b.ctx, b.statement(b.perStmt))
		if err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, err)
		}
		b.full = stmt
	}
	if _, err := b.full.ExecContext(b.ctx, b.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	return b.done()
}

// finish inserts the queued rows and releases the statement.
func (b *batcher) finish() error {
	defer b.close()
	if b.pending() == 0 {
		return nil
	}
	if _, err := b.tx.ExecContext(b.ctx, b.statement(b.pending()), b.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	return b.done()
}

func (b *batcher) done() error {
	n := int64(b.pending())
	b.args = b.args[:0]
	if b.flushed != nil {
		b.flushed(n)
	}
	return nil
}

func (b *batcher) close() {
	if b.full != nil {
		_ = b.full.Close()
		b.full = nil
	}
}

// statement returns the INSERT of rows rows.
func (b *batcher) statement(rows int) string {
	var sb strings.Builder
	if b.sqlite {
		sb.WriteString("INSERT OR FAIL INTO ")
	} else {
		sb.WriteString("INSERT INTO ")
	}
	sb.WriteString(b.table + " (" + strings.Join(b.columns, ", ") + ") VALUES ")
	p := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range b.columns {
			if c > 0 {
				sb.WriteString(", ")
			}
			if b.sqlite {
				sb.WriteByte('?')
			} else {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(p))
				p++
			}
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// checkIdent accepts lower-case SQL identifiers only: table and column names
// are spliced into the statement text.
func checkIdent(name string) error {
	if name == "" {
		return errors.New("bulk load: empty identifier")
	}
	for i, r := range name {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("bulk load: %q is not a plain identifier", name)
		}
	}
	return nil
}
