// Command fleetcharge-load puts load on a running fleetcharge and measures
// it: simulated OCPP 1.6J or 2.0.1 charge stations (fleetcharge-load ocpp) and
// sustained authenticated API requests (fleetcharge-load http). Progress
// goes to stderr, the summary to stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fleetcharge/fleetcharge/loadgen"
)

const usage = `fleetcharge-load — load generator for fleetcharge

Usage:
  fleetcharge-load ocpp --url ws://127.0.0.1:8080/ocpp --stations N --password P [--prefix P1-S]
                        [--ocpp 1.6|2.0.1] [--ramp 60s] [--duration 60s] [--tx-interval 30s] [--db URL | --id-tags FILE] ...
  fleetcharge-load http --url http://127.0.0.1:8080/api/v1/cards?limit=100 --token T
                        (--rate R | --concurrency C | --find-max) [--duration 30s] ...

Run a command with -h for its flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "fleetcharge-load:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; it is main without the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "ocpp":
		return runOCPP(ctx, args[1:], stdout, stderr)
	case "http":
		return runHTTP(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runOCPP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ocpp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c loadgen.OCPPConfig
	fs.StringVar(&c.URL, "url", "ws://127.0.0.1:8080/ocpp", "OCPP endpoint; each station dials URL/{identity}")
	fs.IntVar(&c.Stations, "stations", 100, "stations to simulate")
	fs.IntVar(&c.First, "first", 1, "number of the first station")
	fs.StringVar(&c.Prefix, "prefix", "P1-S", "identity prefix; identities are PREFIX + number (`fleetcharge generate` makes P{provider}-S0000001...)")
	fs.IntVar(&c.Digits, "digits", 7, "digits of the number in an identity")
	fs.StringVar(&c.Password, "password", "", "the stations' OCPP password (generate --station-password)")
	fs.StringVar(&c.OCPP, "ocpp", loadgen.OCPP16, "OCPP version the stations speak: 1.6 or 2.0.1")
	fs.DurationVar(&c.Ramp, "ramp", time.Minute, "spread the first connections over this time (0: all at once)")
	fs.DurationVar(&c.Duration, "duration", time.Minute, "how long the stations run after the ramp")
	fs.DurationVar(&c.Grace, "grace", time.Minute, "time for running transactions to stop after the duration")
	fs.DurationVar(&c.TxInterval, "tx-interval", 0, "mean pause of a station between transactions (0: no charging)")
	fs.DurationVar(&c.TxDuration, "tx-duration", 2*time.Second, "time from a transaction's start to its stop")
	fs.IntVar(&c.MeterValues, "meter-values", 1, "meter readings per transaction (OCPP 1.6: MeterValues; 2.0.1: TransactionEvent Updated)")
	fs.IntVar(&c.Connectors, "connectors", 2, "connectors per station")
	fs.DurationVar(&c.Heartbeat, "heartbeat", 0, "heartbeat interval (0: as the server says at boot)")
	fs.DurationVar(&c.CallTimeout, "timeout", 30*time.Second, "wait for the answer to one call")
	fs.DurationVar(&c.ReconnectDelay, "reconnect-delay", 5*time.Second, "most a station waits, at random, before reconnecting")
	fs.DurationVar(&c.Settle, "settle", 5*time.Second, "wait after all stations booted before reading the server's memory")
	fs.BoolVar(&c.EndAfterBoot, "end-after-boot", false, "end the run --settle after every station has booted (boot storm and memory runs)")
	fs.DurationVar(&c.ProgressEvery, "progress", 5*time.Second, "progress line interval on stderr")
	fs.Uint64Var(&c.Seed, "seed", 0, "random seed (0: random)")
	db := fs.String("db", "", "database of the server: idTags from its cards, and the sessions checked after the run")
	tagsFile := fs.String("id-tags", "", "file of idTags, one a line: TAG, or IDENTITY TAG")
	metrics := fs.String("metrics", "auto", "server's Prometheus metrics URL for memory figures (auto: from --url; none: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.Password == "" {
		return errors.New("--password is required")
	}
	if c.OCPP != loadgen.OCPP16 && c.OCPP != loadgen.OCPP201 {
		return fmt.Errorf("--ocpp %q: want %s or %s", c.OCPP, loadgen.OCPP16, loadgen.OCPP201)
	}
	c.Progress = stderr
	var store *loadgen.DB
	if *db != "" {
		var err error
		if store, err = loadgen.OpenDB(ctx, *db); err != nil {
			return err
		}
		defer store.Close()
	}
	switch {
	case *tagsFile != "":
		f, err := os.Open(*tagsFile)
		if err != nil {
			return err
		}
		c.Tags, err = loadgen.ReadTags(f)
		f.Close()
		if err != nil {
			return err
		}
	case store != nil && c.TxInterval > 0:
		var err error
		if c.Tags, err = store.Tags(ctx, c.Prefix); err != nil {
			return fmt.Errorf("idTags from the database: %w", err)
		}
		fmt.Fprintf(stderr, "idTags: %d stations with cards of their own account, %d in the pool\n", len(c.Tags.ByStation), len(c.Tags.Pool))
	}
	switch *metrics {
	case "none", "":
	case "auto":
		c.Metrics = metricsURL(c.URL)
	default:
		c.Metrics = *metrics
	}
	if c.Metrics != "" {
		if _, err := loadgen.ScrapeMemory(ctx, c.Metrics); err != nil {
			fmt.Fprintf(stderr, "server memory not measured: %v\n", err)
			c.Metrics = ""
		}
	}
	started := time.Now()
	res, err := loadgen.RunOCPP(ctx, c)
	if err != nil {
		return err
	}
	if store != nil {
		// The stations' answers are in; give the server a moment for the
		// last commits of anything still in flight.
		if res.Verify, err = store.Verify(ctx, c.Prefix, started, res.Stopped); err != nil {
			return fmt.Errorf("checking the sessions: %w", err)
		}
	}
	loadgen.WriteOCPP(stdout, res)
	if res.Verify != nil && !res.Verify.OK() {
		return errors.New("the sessions stored do not match the transactions acknowledged")
	}
	return nil
}

// metricsURL turns ws://host:port/ocpp into http://host:port/metrics.
func metricsURL(ocppURL string) string {
	u, err := url.Parse(ocppURL)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	u.Path, u.RawQuery = "/metrics", ""
	u.User = nil
	return u.String()
}

func runHTTP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c loadgen.HTTPConfig
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080/api/v1/cards?limit=100", "URL to GET")
	fs.StringVar(&c.Token, "token", os.Getenv("FLEETCHARGE_TOKEN"), "API token (default $FLEETCHARGE_TOKEN)")
	fs.Float64Var(&c.Rate, "rate", 0, "requests per second, on schedule (0: closed loop with --concurrency workers)")
	fs.IntVar(&c.Concurrency, "concurrency", 0, "most requests in flight (rate mode, default 64) or workers (closed loop, default 8)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "measured time (per step with --find-max)")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "time before the measurement, not counted")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "timeout of one request")
	findMax := fs.Bool("find-max", false, "step the rate up from --rate until p99 exceeds --p99 (or errors, or the rate is not kept)")
	factor := fs.Float64("factor", 1.25, "find-max: each step's rate is the last one's times this")
	maxRate := fs.Float64("max-rate", 0, "find-max: the highest rate to try (0: no limit)")
	bound := fs.Duration("p99", 50*time.Millisecond, "find-max: the p99 latency a rate must keep")
	fromSend := fs.Bool("from-send", false, "find-max: hold the p99 bound on the service time (from the send) instead of the latency from the schedule")
	refine := fs.Int("refine", 2, "find-max: bisection steps after the first rate that fails")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !*findMax {
		c.Progress = stderr
		res, err := loadgen.RunHTTP(ctx, c)
		if err != nil {
			return err
		}
		loadgen.WriteHTTP(stdout, res)
		return nil
	}
	if c.Rate <= 0 {
		c.Rate = 50
	}
	steps, best, err := loadgen.FindMax(ctx, loadgen.FindMaxConfig{
		HTTPConfig: c, Start: c.Rate, Factor: *factor, Max: *maxRate, Bound: *bound, FromSend: *fromSend, Refine: *refine,
		Step: func(r *loadgen.HTTPResult) {
			held := "held"
			if !r.Held(*bound, *fromSend) {
				held = "did not hold"
			}
			fmt.Fprintf(stderr, "step %.0f req/s: achieved %.1f, p50 %.1f ms, p99 %.1f ms (service p99 %.1f ms), errors %d: %s\n", r.Target, r.Rate,
				float64(r.Latency.P50)/1e6, float64(r.Latency.P99)/1e6, float64(r.Service.P99)/1e6, len(r.Errors), held)
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "find-max: %d steps, p99 bound %s\n", len(steps), *bound)
	for _, r := range steps {
		loadgen.WriteHTTP(stdout, r)
	}
	if best == nil {
		fmt.Fprintf(stdout, "no rate held (p99 <= %s, no errors, 95%% of the target rate)\n", *bound)
		return nil
	}
	fmt.Fprintf(stdout, "highest rate held: %.0f req/s (achieved %.1f req/s); from schedule p50 %s ms, p90 %s ms, p99 %s ms, max %s ms; from send p50 %s ms, p99 %s ms\n",
		best.Target, best.Rate, fmtMS(best.Latency.P50), fmtMS(best.Latency.P90), fmtMS(best.Latency.P99), fmtMS(best.Latency.Max),
		fmtMS(best.Service.P50), fmtMS(best.Service.P99))
	return nil
}

func fmtMS(d time.Duration) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", float64(d)/1e6), "0"), ".")
}
