package main

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
)

// Timeouts bound how long a client may take over a request and its answer,
// so that a slow or stalled client cannot hold a connection, a goroutine or
// a database transaction. OCPP WebSocket connections are exempt once
// upgraded: the server clears a hijacked connection's deadlines, and the
// OCPP endpoint keeps its own.
type Timeouts struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included: long enough for
	// a 16 MiB bulk import at about 1 Mbit/s.
	Read time.Duration
	// WriteIdle bounds each write of an answer, not the whole answer: a
	// report streamed for many minutes lives as long as the client keeps
	// reading, one that stops reading is cut.
	WriteIdle time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request.
	Idle time.Duration
}

// withDefaults fills the zero durations.
func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, 10*time.Second)
	def(&t.Read, 2*time.Minute)
	def(&t.WriteIdle, time.Minute)
	def(&t.Idle, 2*time.Minute)
	return t
}

// maxHeaderBytes bounds a request's headers: a session cookie, a bearer
// token and a browser's usual headers take a few KiB.
const maxHeaderBytes = 64 << 10

// contentSecurityPolicy lets pages load only the application's own
// scripts, styles, images and fetches, from the binary, never inline ones
// (the templates have no inline script, style or event handler), be framed
// by nobody, and post forms only to this site.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// withSecurityHeaders sets the security headers of every answer; a handler
// may still make one stricter (the password reset page sends no Referer at
// all). HSTS goes only with answers sent over TLS.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// withQueryRule applies the server's one rule for query strings
// (api.CheckQuery) to every request outside the API, which applies it
// itself and answers in JSON: a refused query is a plain 400.
func withQueryRule(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			if err := api.CheckQuery(r.URL.RawQuery); err != nil {
				http.Error(w, "Bad request: "+fc.ErrorMessage(err)+".", http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withWriteDeadline gives each write of an answer idle time to complete
// (Timeouts.WriteIdle), moving the connection's write deadline forward as
// the answer goes out, so that a long stream lives while its client reads.
// It stops touching the deadline once the connection is hijacked (an OCPP
// WebSocket), whose deadlines are then the endpoint's own.
func withWriteDeadline(next http.Handler, idle time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), idle: idle}
		dw.extend(true)
		next.ServeHTTP(dw, r)
		dw.extend(true) // for what the server still writes once the handler returns
	})
}

// deadlineWriter moves the write deadline forward before each write.
type deadlineWriter struct {
	http.ResponseWriter
	rc       *http.ResponseController
	idle     time.Duration
	mu       sync.Mutex
	hijacked bool
	last     time.Time // when the deadline was last moved
}

// extend moves the deadline to now plus idle; unless forced, only once a
// tenth of idle has passed, so that a write always has nine tenths of it.
func (d *deadlineWriter) extend(force bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	if d.hijacked || !force && now.Sub(d.last) < d.idle/10 {
		return
	}
	d.last = now
	_ = d.rc.SetWriteDeadline(now.Add(d.idle))
}

func (d *deadlineWriter) WriteHeader(code int) {
	d.extend(false)
	d.ResponseWriter.WriteHeader(code)
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	d.extend(false)
	return d.ResponseWriter.Write(b)
}

// Flush sends what is buffered, within a fresh deadline.
func (d *deadlineWriter) Flush() {
	d.extend(false)
	_ = d.rc.Flush()
}

// Hijack hands the connection over and leaves its deadlines alone from
// then on.
func (d *deadlineWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	d.mu.Lock()
	d.hijacked = true
	d.mu.Unlock()
	return d.rc.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
