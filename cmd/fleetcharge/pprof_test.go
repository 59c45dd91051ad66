package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestPprofLoopbackOnly(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.0.2.7:6060", "example.com:6060", "6060", "127.0.0.1"} {
		if _, _, err := startPprof(addr, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "--pprof") {
			t.Errorf("--pprof %s: %v, want refused", addr, err)
		}
	}
	// serve refuses it before opening anything.
	err := runServe(context.Background(), []string{"--pprof", "0.0.0.0:6060", "--db", t.TempDir() + "/x.db"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("serve --pprof 0.0.0.0:6060: %v", err)
	}
}

func TestPprofServes(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		srv, at, err := startPprof(addr, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1"} {
			res, err := http.Get("http://" + at.String() + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || len(body) == 0 {
				t.Errorf("%s%s: %d, %d bytes", addr, path, res.StatusCode, len(body))
			}
		}
		srv.Close()
		if _, err := http.Get("http://" + at.String() + "/debug/pprof/"); err == nil {
			t.Errorf("%s: still served after Close", addr)
		}
	}
}
