package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// envInt reads a positive integer setting of a benchmark.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkFirmwareJob: a firmware job (update-firmware) over every
// station of a generated provider, the stations simulated in-process over
// WebSocket (OCPP 1.6) against an in-process back office whose runner
// (app.Operations) sends the calls through the OCPP endpoint and follows
// the stations' FirmwareStatusNotification. It reports the time from the
// job's creation until every station accepted (s/all-accepted) and until
// every station reported Installed and the job was done (s/all-installed).
//
// FLEETCHARGE_JOB_STATIONS sets the stations (default 10000),
// FLEETCHARGE_JOB_CONCURRENCY the runner's calls in flight (default 20),
// FLEETCHARGE_JOB_ENGINE the database (sqlite, the default, or postgres).
func BenchmarkFirmwareJob(b *testing.B) {
	n := envInt("FLEETCHARGE_JOB_STATIONS", 10000)
	concurrency := envInt("FLEETCHARGE_JOB_CONCURRENCY", app.DefaultJobConcurrency)
	engine := os.Getenv("FLEETCHARGE_JOB_ENGINE")
	if engine == "" {
		engine = "sqlite"
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := store.Open(ctx, storetest.URL(b, engine))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := demo.Generate(ctx, s, demo.Sizes{Orgs: 20, Accounts: 50, Cards: 100, Stations: n, StationPassword: stationPassword, Seed: 7}, nil); err != nil {
		b.Fatal(err)
	}
	providers, err := s.Providers(ctx)
	if err != nil || len(providers) != 1 {
		b.Fatalf("providers %v, %v; want one", providers, err)
	}
	p := providers[0]
	admin, err := s.UserByEmail(ctx, fmt.Sprintf("admin-p%d@generated.example", p.ID))
	if err != nil {
		b.Fatal(err)
	}
	svc := &app.Service{Store: s}
	subj, err := svc.Subject(ctx, admin)
	if err != nil || !access.Reach(subj, access.StationsCommand).All {
		b.Fatalf("the generated admin: %v", err)
	}

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ops := app.NewOperations(s, logger, nil)
	ops.SetJobConcurrency(concurrency)
	srv := ocpp.NewServer(ocpp.Config{Store: s, Logger: logger, Observer: ops})
	ops.SetCommander(srv)
	svc.Operations = ops
	done := make(chan struct{})
	go func() { ops.Run(ctx); close(done) }()
	mux := http.NewServeMux()
	mux.Handle("/ocpp/{identity}", srv)
	ts := httptest.NewServer(mux)
	defer func() {
		cancel()
		<-done
		srv.Close()
		ts.Close()
	}()

	// The stations run in a child process (fleetcharge-load ocpp): in one
	// process, 10,000 connections on both ends pass the open-file limit.
	bin := filepath.Join(b.TempDir(), "fleetcharge-load")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/fleetcharge-load").CombinedOutput(); err != nil {
		b.Fatalf("building fleetcharge-load: %v\n%s", err, out)
	}
	child := exec.Command(bin, "ocpp", "--url", "ws"+strings.TrimPrefix(ts.URL, "http")+"/ocpp", "--stations", strconv.Itoa(n),
		"--prefix", fmt.Sprintf("P%d-S", p.ID), "--password", stationPassword, "--ramp", fmt.Sprintf("%ds", n/500+1),
		"--duration", "24h", "--grace", "1s", "--timeout", "2m", "--metrics", "none", "--progress", "1h", "--seed", "1")
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	}()
	var ids []fc.ID
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		var online int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM stations WHERE online`).Scan(&online); err != nil {
			b.Fatal(err)
		}
		if online == n {
			break
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("%d of %d stations connected after 10 minutes", online, n)
		}
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT id FROM stations ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id fc.ID
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	b.Logf("%d stations connected (%s, concurrency %d)", len(ids), engine, concurrency)

	fw := app.Command{Name: app.CommandUpdateFirmware, Operation: app.Operation{Location: "https://firmware.example/cp-2.1.bin", RetrieveAt: time.Now()}}
	var accepted, installed time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		j, err := svc.CreateStationJob(ctx, subj, app.JobInput{Command: fw, Target: fc.JobTarget{StationIDs: ids}})
		if err != nil {
			b.Fatal(err)
		}
		created := time.Since(start)
		var allAccepted time.Duration
		for {
			time.Sleep(50 * time.Millisecond)
			got, err := svc.StationJob(ctx, subj, j.ID)
			if err != nil {
				b.Fatal(err)
			}
			if allAccepted == 0 && got.Progress[fc.ResultAccepted] == n {
				allAccepted = time.Since(start)
			}
			if got.Status == fc.JobDone {
				if got.Progress[fc.ResultAccepted] != n {
					b.Fatalf("job done with %v", got.Progress)
				}
				break
			}
			if time.Since(start) > 20*time.Minute {
				b.Fatalf("job still running after 20 minutes: %v", got.Progress)
			}
		}
		all := time.Since(start)
		b.Logf("job over %d stations: created in %s, all accepted after %s, all installed after %s", n, created.Round(time.Millisecond),
			allAccepted.Round(time.Millisecond), all.Round(time.Millisecond))
		accepted += allAccepted
		installed += all
	}
	b.ReportMetric(accepted.Seconds()/float64(b.N), "s/all-accepted")
	b.ReportMetric(installed.Seconds()/float64(b.N), "s/all-installed")
	b.ReportMetric(0, "ns/op")
}
