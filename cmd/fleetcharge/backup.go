package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fleetcharge/fleetcharge/store"
)

// runBackup takes a backup of a running database (--to FILE) or verifies a
// backup file (--verify FILE) in a scratch database.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("backup", stderr)
	to := fs.String("to", "", "the backup file to write (must not exist)")
	verify := fs.String("verify", "", "verify this backup file: restore it into a scratch database and check it (a pg_dump archive needs --db to reach a PostgreSQL server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case (*to == "") == (*verify == ""):
		return fmt.Errorf("backup needs either --to FILE or --verify FILE")
	case *verify != "":
		return verifyBackup(ctx, *verify, *db, stdout, stderr)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	stopTicker := tick(stderr, "backing up", start)
	err = st.Backup(ctx, *to)
	stopTicker()
	if err != nil {
		return err
	}
	info, err := os.Stat(*to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s (%s) written to %s: %d bytes in %s\n", st.URL, st.Engine(), *to, info.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// tick shows that work without a measure of progress still runs: every
// second, the time elapsed, on one redrawn line. The returned function
// stops it.
func tick(w io.Writer, label string, start time.Time) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	drawn := false
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				drawn = true
				fmt.Fprintf(w, "\r%s… %s", label, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if drawn {
			fmt.Fprintln(w)
		}
	}
}

func verifyBackup(ctx context.Context, file, server string, stdout, stderr io.Writer) error {
	if _, ok := os.LookupEnv("FLEETCHARGE_DB"); !ok && server == "fleetcharge.db" {
		server = "" // the default SQLite file is no server to verify on
	}
	stop := tick(stderr, "verifying", time.Now())
	c, err := store.VerifyBackup(ctx, file, server)
	stop()
	if err != nil {
		return fmt.Errorf("verify %s: %w", file, err)
	}
	printCheck(stdout, file, c)
	return nil
}

// printCheck prints what a verification found.
func printCheck(w io.Writer, file string, c *store.Check) {
	fmt.Fprintf(w, "%s: a %s backup, schema version %d (this binary knows %d), integrity ok\n", file, c.Engine, c.SchemaVersion, store.SchemaVersion())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TABLE\tROWS")
	for _, t := range c.Tables {
		fmt.Fprintf(tw, "  %s\t%d\n", t.Table, t.Rows)
	}
	tw.Flush()
}

// runRestore restores a backup file into an empty database.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("restore", stderr)
	from := fs.String("from", "", "the backup file to restore")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("restore needs --from FILE")
	}
	start := time.Now()
	stop := tick(stderr, "restoring", start)
	err := store.Restore(ctx, *from, *db)
	stop()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Verify(ctx)
	if err != nil {
		return fmt.Errorf("the restored database: %w", err)
	}
	printCheck(stdout, *from, c)
	fmt.Fprintf(stdout, "restored into %s in %s", st.URL, time.Since(start).Round(time.Millisecond))
	if c.SchemaVersion < store.SchemaVersion() {
		fmt.Fprint(stdout, "; 'fleetcharge migrate' (or serve) brings it to the current schema")
	}
	fmt.Fprintln(stdout)
	return nil
}

// backupSchedule takes backups in the background every interval into a
// folder, named by time, keeping the newest ones.
type backupSchedule struct {
	dir   string
	every time.Duration
	keep  int
	store *store.Store
	log   *slog.Logger
	// take writes a backup to a path: store.Backup (tests watch it).
	take func(ctx context.Context, path string) error

	taken      *prometheus.CounterVec
	lastTaken  prometheus.Gauge
	stop, done chan struct{}
	started    bool
	closeOnce  sync.Once
}

func newBackupSchedule(dir string, every time.Duration, keep int, st *store.Store, log *slog.Logger) (*backupSchedule, error) {
	if every <= 0 || keep <= 0 {
		return nil, fmt.Errorf("--backup-every and --backup-keep must be positive")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	}
	return &backupSchedule{dir: dir, every: every, keep: keep, store: st, log: log, take: st.Backup,
		taken: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleetcharge_backups_total", Help: "Scheduled backups by result (ok, failed).",
		}, []string{"result"}),
		lastTaken: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fleetcharge_backup_last_success_timestamp_seconds", Help: "When the last scheduled backup succeeded (Unix time).",
		}),
		stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// collectors are the schedule's metrics.
func (b *backupSchedule) collectors() []prometheus.Collector {
	return []prometheus.Collector{b.taken, b.lastTaken}
}

// leader runs fn while this node leads the work name, as cluster.Node's
// Lead does.
type leader func(ctx context.Context, name string, fn func(ctx context.Context))

// start takes a backup every interval until close. With lead (several
// nodes on one database), the schedule runs only while this node holds the
// lease "backups", so that one node at a time backs up, whichever nodes
// were given --backup-dir; a node that takes the lease over counts the
// interval from then.
func (b *backupSchedule) start(lead leader) {
	b.started = true
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-b.stop
		cancel()
	}()
	go func() {
		defer close(b.done)
		if lead != nil {
			lead(ctx, "backups", b.run)
			return
		}
		b.run(ctx)
	}()
}

// run takes a backup every interval until ctx ends.
func (b *backupSchedule) run(ctx context.Context) {
	t := time.NewTicker(b.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = b.once(ctx)
		}
	}
}

// close stops the schedule, a backup under way included, and waits for
// it. It may be called more than once.
func (b *backupSchedule) close() {
	b.closeOnce.Do(func() {
		close(b.stop)
		if b.started {
			<-b.done
		}
	})
}

// backupExt is the extension of a backup of the engine.
func backupExt(engine string) string {
	if engine == "postgres" {
		return ".pgdump"
	}
	return ".db"
}

const backupPrefix = "fleetcharge-"

// once takes one backup and removes the oldest beyond keep.
func (b *backupSchedule) once(ctx context.Context) (string, error) {
	start := time.Now()
	name := backupPrefix + start.UTC().Format("20060102T150405.000Z") + backupExt(b.store.Engine())
	path := filepath.Join(b.dir, name)
	if err := b.take(ctx, path); err != nil {
		if errors.Is(err, context.Canceled) {
			return "", err
		}
		b.taken.WithLabelValues("failed").Inc()
		b.log.Error("scheduled backup failed", "file", path, "err", err)
		return "", err
	}
	b.taken.WithLabelValues("ok").Inc()
	b.lastTaken.SetToCurrentTime()
	b.log.Info("scheduled backup taken", "file", path, "duration_ms", time.Since(start).Milliseconds())
	if err := b.prune(); err != nil {
		b.log.Error("removing old backups", "dir", b.dir, "err", err)
	}
	return path, nil
}

// prune removes the scheduled backups beyond the newest keep; names sort
// by time.
func (b *backupSchedule) prune() error {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && (strings.HasSuffix(n, ".db") || strings.HasSuffix(n, ".pgdump")) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var errs []error
	for len(names) > b.keep {
		errs = append(errs, os.Remove(filepath.Join(b.dir, names[0])))
		names = names[1:]
	}
	return errors.Join(errs...)
}
