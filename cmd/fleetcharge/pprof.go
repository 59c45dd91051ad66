package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves Go's profiles (/debug/pprof/) on addr, which must be a
// loopback address: the profiles show the program's internals and a CPU
// profile costs the server time, so they are for an operator on the
// machine (or through an SSH tunnel), never for the network. It returns
// the server, to be closed when serving ends, and its address.
func startPprof(addr string, log *slog.Logger) (*http.Server, net.Addr, error) {
	if err := loopbackOnly(addr); err != nil {
		return nil, nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server", "err", err)
		}
	}()
	log.Info("serving profiles", "url", "http://"+l.Addr().String()+"/debug/pprof/")
	return srv, l.Addr(), nil
}

// loopbackOnly refuses an address whose host is not a loopback address
// (127.0.0.0/8, ::1) or localhost; an empty host would listen on every
// interface.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof %q: want host:port on this machine (127.0.0.1:6060): %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--pprof %q: profiles are served on a loopback address only (127.0.0.1:6060, [::1]:6060 or localhost:6060)", addr)
}
