package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

func TestMetricsURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:8080/ocpp":         "http://127.0.0.1:8080/metrics",
		"wss://cs.example:443/ocpp/?x=1":   "https://cs.example:443/metrics",
		"ws://user:pw@127.0.0.1:8080/ocpp": "http://127.0.0.1:8080/metrics",
	} {
		if got := metricsURL(in); got != want {
			t.Errorf("metricsURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunHTTPCommand(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fct_t" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"data":[]}`)
	}))
	defer ts.Close()
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"http", "--url", ts.URL, "--token", "fct_t", "--rate", "50", "--duration", "200ms", "--warmup", "0"}, &out, &errs)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errs.String())
	}
	for _, want := range []string{"target 50 req/s", "errors: none", "p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"ocpp", "--stations", "1"},          // no password
		{"ocpp", "--password", "x", "extra"}, // stray argument
		{"ocpp", "--password", "x", "--ocpp", "2.0"},
		{"nonsense"},
	} {
		var out, errs bytes.Buffer
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}

// TestRunOCPPCommand runs the command's OCPP 2.0.1 stations, charging,
// against an in-process server on each engine: the summary names the
// 2.0.1 transaction events and finds every acknowledged stop stored.
func TestRunOCPPCommand(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			const n = 20
			if err := demo.Generate(ctx, s, demo.Sizes{Orgs: 2, Accounts: 3, Cards: 10 * n, Stations: n, StationPassword: "pw", Seed: 7}, nil); err != nil {
				t.Fatal(err)
			}
			providers, err := s.Providers(ctx)
			if err != nil || len(providers) != 1 {
				t.Fatalf("providers %v, %v; want one", providers, err)
			}
			srv := ocpp.NewServer(ocpp.Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			mux := http.NewServeMux()
			mux.Handle("/ocpp/{identity}", srv)
			ts := httptest.NewServer(mux)
			t.Cleanup(func() {
				srv.Close()
				ts.Close()
			})
			var out, errs bytes.Buffer
			// The run lasts long enough for every station to connect and
			// boot on a busy machine (a CI runner's connects took 1.5 s).
			err = run(ctx, []string{"ocpp", "--ocpp", "2.0.1", "--url", "ws" + strings.TrimPrefix(ts.URL, "http") + "/ocpp",
				"--stations", fmt.Sprint(n), "--password", "pw", "--prefix", fmt.Sprintf("P%d-S", providers[0].ID),
				"--ramp", "0", "--duration", "5s", "--grace", "10s", "--tx-interval", "100ms", "--tx-duration", "60ms",
				"--db", url, "--metrics", "none", "--seed", "1"}, &out, &errs)
			if err != nil {
				t.Fatalf("run: %v\n%s\n%s", err, out.String(), errs.String())
			}
			for _, want := range []string{"all 20 stations booted", "TransactionEvent Started", "TransactionEvent Ended", " 0 lost", "OK: zero lost sessions"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
