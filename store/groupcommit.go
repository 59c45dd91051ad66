package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit, for SQLite. SQLite has one writer and, with
// synchronous=FULL, syncs the disk at every commit, so the commit rate of
// the disk (a few hundred a second here) would cap every write: a charge
// station's boot is four writes, a transaction five. The committer runs
// the writes that wait together in one transaction, each in a savepoint of
// its own, and commits them with one sync. Each caller still returns only
// after its write is on disk, and a write that fails is rolled back to its
// savepoint alone: the others commit.
//
// PostgreSQL needs none of this: it commits concurrent transactions from
// many connections together by itself.

// maxGroup bounds the writes one commit takes, so that a long queue still
// moves in steps of bounded latency.
const maxGroup = 128

// writeReq is one write waiting for the committer.
type writeReq struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// committer owns the SQLite writer connection for write transactions.
type committer struct {
	db   *sql.DB
	reqs chan *writeReq

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	wg     sync.WaitGroup

	largest atomic.Int64 // the most writes one commit has taken
}

func newCommitter(db *sql.DB) *committer {
	c := &committer{db: db, reqs: make(chan *writeReq, maxGroup)}
	c.wg.Add(1)
	go c.loop()
	return c
}

// do runs fn in a group transaction and returns its outcome once the
// transaction has committed (or failed). It always waits for the outcome:
// a caller that gave up early could not know whether its write was stored.
// fn's statements run under ctx, so a cancelled ctx ends them quickly.
func (c *committer) do(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errors.New("store: closed")
	}
	c.reqs <- r
	c.mu.RUnlock()
	return <-r.done
}

// close ends the loop once every accepted write is done.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*writeReq, 0, maxGroup)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	more:
		for len(batch) < maxGroup {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		c.run(batch)
	}
}

// run commits one group. A lone write runs as before, without a savepoint.
func (c *committer) run(batch []*writeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if n := int64(len(live)); n > c.largest.Load() {
		c.largest.Store(n)
	}
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range live {
			r.done <- err
		}
		return
	}
	errs := make([]error, len(live))
	if len(live) == 1 {
		errs[0] = call(live[0], tx)
		if errs[0] != nil {
			_ = tx.Rollback()
			live[0].done <- errs[0]
			return
		}
	} else {
		for i, r := range live {
			if errs[i], err = c.inSavepoint(tx, r); err != nil {
				// The savepoint itself failed: SQLite rolled the whole
				// transaction back (an I/O error, a full disk). Nothing of
				// the group is stored.
				_ = tx.Rollback()
				for _, r := range live {
					r.done <- err
				}
				return
			}
		}
	}
	if err := tx.Commit(); err != nil {
		for _, r := range live {
			r.done <- err
		}
		return
	}
	for i, r := range live {
		r.done <- errs[i]
	}
}

// inSavepoint runs r's fn in a savepoint of tx: fnErr is fn's own error,
// after which its changes are rolled back; err is a failure of the
// savepoint that leaves tx unusable.
func (c *committer) inSavepoint(tx *sql.Tx, r *writeReq) (fnErr, err error) {
	ctx := context.Background()
	if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
		return nil, err
	}
	if fnErr = call(r, tx); fnErr != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
			return fnErr, err
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
		return fnErr, err
	}
	return fnErr, nil
}

// call runs r's fn, turning a panic into an error of that write alone, so
// that one broken write neither stops the committer nor takes the others
// with it.
func call(r *writeReq, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	return r.fn(tx)
}
