package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
		{"nonsense"},
	} {
		var out, errs bytes.Buffer
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}
