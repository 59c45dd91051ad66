package store

import (
	lru "container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
)

// SQLite statement cache.
//
// database/sql hands every query's SQL text to the driver, and the SQLite
// driver prepares it anew each time: under steady OCPP traffic preparing
// statements was a third of the server's CPU (issue 25's profile). The
// connector below keeps, per connection, the prepared statements of the most
// recent distinct SQL texts and runs a query again on its statement. The SQLite
// driver resets a reused statement when its rows close, so a statement is
// lent to one query at a time: a second query with the same text while the
// first one's rows are still open (a nested loop) gets a statement of its own.
//
// PostgreSQL needs none of this: pgx caches prepared statements per
// connection by default (QueryExecModeCacheStatement).

// stmtCacheSize is how many distinct SQL texts a connection keeps prepared.
// The server runs a few hundred distinct queries; a report's query text
// varies with its parameters, and the least recently used falls out.
const stmtCacheSize = 256

// cachingConnector opens SQLite connections through the registered driver,
// each with its own statement cache.
type cachingConnector struct {
	dsn string
	drv driver.Driver
}

// openCached opens a database/sql pool on the SQLite file named by dsn whose
// connections cache their prepared statements.
func openCached(dsn string) *sql.DB {
	return sql.OpenDB(cachingConnector{dsn: dsn, drv: sqliteDriver()})
}

// sqliteDriver returns the driver registered as "sqlite", so that anything
// registered on it (functions, hooks) holds for cached connections too.
func sqliteDriver() driver.Driver {
	db, _ := sql.Open("sqlite", "") // opens no connection
	defer db.Close()
	return db.Driver()
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachedConn(inner), nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// innerConn is what the SQLite driver's connection implements and the
// cache relies on.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
}

// cachedStmt is one prepared statement of the cache.
type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool // lent to a query whose rows are still open
}

// cachedConn is a SQLite connection with its statement cache. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachedConn struct {
	innerConn
	byQuery map[string]*lru.Element // of *cachedStmt
	order   *lru.List               // most recently used at the front
}

func newCachedConn(inner driver.Conn) driver.Conn {
	ic, ok := inner.(innerConn)
	if !ok {
		return inner // a driver without the context methods: no cache
	}
	return &cachedConn{innerConn: ic, byQuery: map[string]*lru.Element{}, order: lru.New()}
}

// statement returns the cached statement of query, preparing and caching
// it when there is none; nil when the cached one is lent out.
func (c *cachedConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.byQuery[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.order.MoveToFront(e)
		return cs, nil
	}
	st, err := c.innerConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, stmt: st}
	c.byQuery[query] = c.order.PushFront(cs)
	c.evict()
	return cs, nil
}

// evict closes the least recently used statements beyond the cache's size
// that are not lent out.
func (c *cachedConn) evict() {
	for e := c.order.Back(); e != nil && c.order.Len() > stmtCacheSize; {
		prev := e.Prev()
		if cs := e.Value.(*cachedStmt); !cs.busy {
			c.order.Remove(e)
			delete(c.byQuery, cs.query)
			cs.stmt.Close()
		}
		e = prev
	}
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.innerConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// Close closes every cached statement, then the connection.
func (c *cachedConn) Close() error {
	for e := c.order.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.order.Init()
	clear(c.byQuery)
	return c.innerConn.Close()
}

// The optional interfaces of the SQLite connection that database/sql looks
// for, passed through.

func (c *cachedConn) Ping(ctx context.Context) error {
	if p, ok := c.innerConn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.innerConn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachedConn) IsValid() bool {
	if v, ok := c.innerConn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// cachedRows gives the statement back to the cache when its rows close; the
// driver resets the statement then.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

// The rows' optional interfaces that database/sql's ColumnTypes reads.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

var (
	_ driver.QueryerContext  = (*cachedConn)(nil)
	_ driver.ExecerContext   = (*cachedConn)(nil)
	_ driver.SessionResetter = (*cachedConn)(nil)
	_ driver.Validator       = (*cachedConn)(nil)
	_ driver.Pinger          = (*cachedConn)(nil)
	_ driver.Connector       = cachingConnector{}
)
