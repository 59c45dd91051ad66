package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// DB reads a fleetcharge database directly, read-only: the idTags the
// stations may charge with, and the sessions a run left behind. It takes
// the same URLs as fleetcharge's --db.
type DB struct {
	db     *sql.DB
	sqlite bool
}

// OpenDB opens the database named by url: a postgres:// URL, or
// sqlite:///path/file.db or a bare path.
func OpenDB(ctx context.Context, url string) (*DB, error) {
	d := &DB{}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		d.db, err = sql.Open("pgx", url)
	case strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite://"):
		return nil, fmt.Errorf("database URL %q: unknown engine", url)
	default:
		path := strings.TrimPrefix(url, "sqlite://")
		d.sqlite = true
		d.db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	}
	if err != nil {
		return nil, err
	}
	d.db.SetMaxOpenConns(2)
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

var placeholder = regexp.MustCompile(`\$(\d+)`)

// q adapts $N placeholders to the engine.
func (d *DB) q(query string) string {
	if d.sqlite {
		return placeholder.ReplaceAllString(query, "?$1")
	}
	return query
}

// likePrefix returns a LIKE pattern matching the strings that start with
// prefix, escaping with backslash.
func likePrefix(prefix string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(prefix) + "%"
}

// maxOwnTags caps the idTags a station gets from its account.
const maxOwnTags = 16

// Tags returns idTags for the stations whose identity starts with prefix:
// each station gets active cards of its own account, which every charge
// group of `fleetcharge generate` admits (office groups admit the
// account's whole organization tree, home groups the account, public
// groups everyone), dealt out so that stations of one account share as
// few cards as they can. The pool holds active cards of the stations'
// provider, for stations whose account has no card.
func (d *DB) Tags(ctx context.Context, prefix string) (Tags, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT identity, account_id, provider_id FROM stations WHERE identity LIKE $1 ESCAPE '\' ORDER BY identity`), likePrefix(prefix))
	if err != nil {
		return Tags{}, err
	}
	byAccount := map[int64][]string{}
	var providers []int64
	for rows.Next() {
		var identity string
		var account, provider int64
		if err := rows.Scan(&identity, &account, &provider); err != nil {
			rows.Close()
			return Tags{}, err
		}
		byAccount[account] = append(byAccount[account], identity)
		if !slices.Contains(providers, provider) {
			providers = append(providers, provider)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Tags{}, err
	}
	if len(byAccount) == 0 {
		return Tags{}, fmt.Errorf("no station's identity starts with %q", prefix)
	}
	t := Tags{ByStation: map[string][]string{}}
	cards := map[int64][]string{}
	for _, p := range providers {
		rows, err := d.db.QueryContext(ctx, d.q(`SELECT account_id, internal_id FROM cards WHERE provider_id = $1 AND status = 'active' ORDER BY id`), p)
		if err != nil {
			return Tags{}, err
		}
		for rows.Next() {
			var account int64
			var tag string
			if err := rows.Scan(&account, &tag); err != nil {
				rows.Close()
				return Tags{}, err
			}
			if _, ok := byAccount[account]; ok {
				cards[account] = append(cards[account], tag)
			}
			if len(t.Pool) < 10000 {
				t.Pool = append(t.Pool, tag)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Tags{}, err
		}
	}
	for account, stations := range byAccount {
		own := cards[account]
		if len(own) == 0 {
			continue
		}
		for j, identity := range stations {
			var list []string
			if len(own) >= len(stations) {
				for k := j; k < len(own) && len(list) < maxOwnTags; k += len(stations) {
					list = append(list, own[k])
				}
			} else {
				list = []string{own[j%len(own)]}
			}
			t.ByStation[identity] = list
		}
	}
	return t, nil
}

// Ack names a transaction whose stop the server acknowledged: by the
// session ID the server gave it (OCPP 1.6's transactionId), or by its
// station and the station's own transaction ID (OCPP 2.0.1), which the
// session keeps as its station_tx_id.
type Ack struct {
	Session int64
	Station string
	TxID    string
}

// Verification compares the transactions a run saw acknowledged with the
// sessions stored.
type Verification struct {
	// Acknowledged is the number of distinct transactions whose stop
	// (StopTransaction, TransactionEvent Ended) the server acknowledged;
	// Duplicates the acknowledged
	// stops of a transaction already counted.
	Acknowledged, Duplicates int
	// Stored counts the stopped OCPP sessions of the run's stations
	// created since the run started; Open those still running.
	Stored, Open int
	// Lost counts acknowledged transactions that are not stored as
	// stopped; Unacknowledged stopped sessions whose stop the run did not
	// see acknowledged (a lost answer, or a transaction of another client).
	Lost, Unacknowledged int
}

// OK reports whether nothing was lost: every acknowledged stop is a stored
// session and the counts match.
func (v *Verification) OK() bool { return v.Lost == 0 && v.Stored == v.Acknowledged }

// Verify checks that every transaction in acked is stored as a stopped
// session of a station whose identity starts with prefix, and counts the
// OCPP sessions of those stations created at or after since.
func (d *DB) Verify(ctx context.Context, prefix string, since time.Time, acked []Ack) (*Verification, error) {
	v := &Verification{}
	ackedSet := make(map[Ack]bool, len(acked))
	for _, id := range acked {
		if ackedSet[id] {
			v.Duplicates++
			continue
		}
		ackedSet[id] = true
	}
	v.Acknowledged = len(ackedSet)
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT s.id, st.identity, s.station_tx_id, s.stopped_at FROM sessions s JOIN stations st ON st.id = s.station_id
		WHERE st.identity LIKE $1 ESCAPE '\' AND s.source = 'ocpp' AND s.created_at >= $2`), likePrefix(prefix), since.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stopped := map[Ack]bool{}
	for rows.Next() {
		var id int64
		var identity string
		var txID sql.NullString
		var stoppedAt sql.NullInt64
		if err := rows.Scan(&id, &identity, &txID, &stoppedAt); err != nil {
			return nil, err
		}
		if !stoppedAt.Valid {
			v.Open++
			continue
		}
		v.Stored++
		key := Ack{Session: id}
		if txID.Valid {
			key = Ack{Station: identity, TxID: txID.String}
		}
		stopped[key] = true
		if !ackedSet[key] {
			v.Unacknowledged++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id := range ackedSet {
		if !stopped[id] {
			v.Lost++
		}
	}
	return v, nil
}
