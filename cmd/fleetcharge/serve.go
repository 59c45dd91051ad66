package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/api"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/cluster"
	"github.com/fleetcharge/fleetcharge/demo"
	"github.com/fleetcharge/fleetcharge/events"
	"github.com/fleetcharge/fleetcharge/ocpi"
	"github.com/fleetcharge/fleetcharge/ocpp"
	"github.com/fleetcharge/fleetcharge/scim"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/sso"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/web"
)

// Config is the whole configuration of a serving process, handed to the
// constructors; nothing deeper reads flags or the environment.
type Config struct {
	Addr    string // listen address; ":0" picks a free port
	DB      string // database URL
	Demo    bool   // load the demo data into an empty database
	TLSCert string // serve HTTPS (and OCPP security profiles 2 and 3) with this certificate
	TLSKey  string
	Logger  *slog.Logger
	Out     io.Writer // where demo logins are printed
	// BaseURL is the public address of the web application, for the links
	// in e-mails; Mailer, when set, mails password reset links.
	BaseURL string
	Mailer  auth.Mailer
	// StationOfflineGrace is how long a station stays away before its
	// station.offline event leaves; 0 is store.DefaultOfflineGrace.
	StationOfflineGrace time.Duration
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for rate limits, logs and the audit log.
	TrustedProxies auth.Proxies
	// Timeouts bound slow clients; zero fields take their defaults.
	Timeouts Timeouts
	// BackupDir, when set, receives a backup every BackupEvery, of which
	// the newest BackupKeep are kept.
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int
	// RetainMeterValues, when positive, is how long the sessions' meter
	// value samples are kept; older ones are dropped every hour.
	RetainMeterValues time.Duration
	// RetainAuditEvents, when positive, is how long audit events are kept
	// (the records of erasures stay); older ones are dropped every hour.
	RetainAuditEvents time.Duration
	// RetainEvents, when positive, is how long dispatched events, finished
	// webhook deliveries and sent alerts are kept; older ones are dropped
	// every hour (docs/EVENTS.md).
	RetainEvents time.Duration
	// RetainWebSessions is how long ended web sessions and expired
	// password resets are kept before they are deleted; 0 is 24 hours.
	RetainWebSessions time.Duration
	// LoadOfflineTimeout is how long load management keeps counting an
	// offline station at the limit it holds; 0 is 10 minutes.
	LoadOfflineTimeout time.Duration
	// Secrets seals the secrets kept to be read back (identity providers'
	// client secrets); nil: single sign-on cannot be configured.
	Secrets *secret.Box
	// NATS, when set, makes this process a node of several on one
	// PostgreSQL database (package cluster, docs/DEPLOYMENT.md); NodeID
	// names it ("" makes one).
	NATS   string
	NodeID string
	// LiveResync is how often, on one node of several, a live stream of
	// the stations pages reads its stations again whatever it heard over
	// NATS; 0 is liveResync, negative never.
	LiveResync time.Duration
}

// Main is the serving process: the store, the HTTP server with the web
// application, the JSON API and the OCPP endpoint.
type Main struct {
	cfg   Config
	Store *store.Store
	ocpp  *ocpp.Server
	ocpi  *ocpi.Server
	sso   *sso.Service
	// events dispatches the event outbox to webhooks and e-mail alerts.
	events   *events.Service
	server   *http.Server
	listener net.Listener
	done     chan error

	// authorities are the providers' CAs the OCPP endpoint trusts for
	// security profile 3; stopReload ends their reloading.
	authorities *ocpp.Authorities
	stopReload  context.CancelFunc
	// backups takes the scheduled backups; nil without BackupDir.
	backups *backupSchedule
	// stopRetain ends the retention jobs; retained is closed when they
	// have.
	stopRetain context.CancelFunc
	retained   chan struct{}
	// operations runs station jobs and local lists; stopOperations ends
	// them, and operated is closed when they have.
	operations     *app.Operations
	stopOperations context.CancelFunc
	operated       chan struct{}
	// cluster is this node's membership of several; nil on a single node.
	cluster *cluster.Node
	// live wakes the web application's live streams; Close ends them.
	live *web.LiveHub
}

// liveResync is how often, on one node of several, a live stream of the
// stations pages reads its stations again whatever it heard over NATS.
const liveResync = 30 * time.Second

// NewMain returns a process for cfg; Run starts it.
func NewMain(cfg Config) *Main {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	return &Main{cfg: cfg, done: make(chan error, 1)}
}

// Run opens and migrates the database, loads the demo data if asked, and
// starts serving in the background. It returns once the server listens.
func (m *Main) Run(ctx context.Context) (err error) {
	log := m.cfg.Logger
	if m.Store, err = store.Open(ctx, m.cfg.DB); err != nil {
		return err
	}
	m.Store.OfflineGrace = m.cfg.StationOfflineGrace
	n, err := m.Store.Migrate(ctx)
	if err != nil {
		return err
	}
	log.Info("database ready", "engine", m.Store.Engine(), "url", m.Store.URL, "migrations_applied", n, "schema_version", store.SchemaVersion())
	if m.cfg.NATS != "" {
		// One node of several: the stations of the others stay online;
		// those of dead nodes are released (cluster.Open).
		if m.cluster, err = cluster.Open(ctx, cluster.Config{URL: m.cfg.NATS, Store: m.Store, Logger: log, ID: m.cfg.NodeID, Addr: m.cfg.Addr}); err != nil {
			return err
		}
	} else if err := m.Store.MarkAllOffline(ctx); err != nil {
		// No station is connected to a process that has just started: a
		// crash may have left some marked online.
		return err
	}
	if m.cfg.Demo {
		if err := loadDemo(ctx, m.Store, m.cfg.Out, log); err != nil {
			return err
		}
	}
	if m.cfg.BackupDir != "" {
		if m.backups, err = newBackupSchedule(m.cfg.BackupDir, m.cfg.BackupEvery, m.cfg.BackupKeep, m.Store, log); err != nil {
			return err
		}
	}
	m.authorities = ocpp.NewAuthorities(m.Store, log)
	tlsConfig, err := m.tlsConfig(ctx)
	if err != nil {
		return err
	}
	handler, err := m.handler()
	if err != nil {
		return err
	}
	if m.listener, err = net.Listen("tcp", m.cfg.Addr); err != nil {
		return err
	}
	// No WriteTimeout: it would bound a whole answer, and cut a long report
	// stream; withWriteDeadline bounds each write instead.
	t := m.cfg.Timeouts.withDefaults()
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	scheme := "http"
	if m.cfg.TLSCert != "" {
		scheme = "https"
	}
	if m.cfg.BaseURL == "" {
		// Partners reach OCPI at the address served; --base-url names
		// the public one.
		m.ocpi.SetBaseURL(openURL(scheme, m.listener.Addr()))
		m.sso.SetBaseURL(openURL(scheme, m.listener.Addr()))
	}
	if m.cfg.Demo {
		if err := m.demoWebhook(ctx, scheme); err != nil {
			return err
		}
	}
	log.Info("listening", "url", fmt.Sprintf("%s://%s", scheme, m.listener.Addr()))
	fmt.Fprintf(m.cfg.Out, "fleetcharge is serving: open %s\n", openURL(scheme, m.listener.Addr()))
	if m.backups != nil {
		var lead leader
		if m.cluster != nil {
			// One node backs up at a time.
			lead = m.cluster.Lead
		}
		m.backups.start(lead)
	}
	m.startRetention(ctx, log)
	var opsCtx context.Context
	opsCtx, m.stopOperations = context.WithCancel(context.WithoutCancel(ctx))
	m.operated = make(chan struct{})
	go func() {
		defer close(m.operated)
		var wg sync.WaitGroup
		wg.Go(func() { m.operations.Run(opsCtx) })
		if m.cluster != nil {
			// The outbox drainers run on one node at a time.
			wg.Go(func() { m.cluster.Run(opsCtx) })
			wg.Go(func() { m.cluster.Lead(opsCtx, "ocpi-outbox", m.ocpi.Run) })
			wg.Go(func() { m.cluster.Lead(opsCtx, "event-outbox", m.events.Run) })
		} else {
			wg.Go(func() { m.ocpi.Run(opsCtx) })
			wg.Go(func() { m.events.Run(opsCtx) })
		}
		wg.Wait()
	}()
	go func() {
		var err error
		if m.cfg.TLSCert != "" {
			err = m.server.ServeTLS(m.listener, "", "")
		} else {
			err = m.server.Serve(m.listener)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		m.done <- err
	}()
	return nil
}

// caReloadInterval is how often a serving process reads the providers'
// CAs again, so that one set from the command line takes effect.
const caReloadInterval = 30 * time.Second

// tlsConfig returns the TLS configuration of the server, nil without
// --tls-cert: the server's certificate, and the stations' client
// certificates verified against the providers' CAs (OCPP security profile
// 3), which it loads now and reloads until Close.
func (m *Main) tlsConfig(ctx context.Context) (*tls.Config, error) {
	if m.cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(m.cfg.TLSCert, m.cfg.TLSKey)
	if err != nil {
		return nil, err
	}
	if err := m.authorities.Reload(ctx); err != nil {
		return nil, err
	}
	var reloadCtx context.Context
	reloadCtx, m.stopReload = context.WithCancel(context.WithoutCancel(ctx))
	go m.authorities.Run(reloadCtx, caReloadInterval)
	return m.authorities.TLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}}), nil
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Wait blocks until the server stops by itself (an error) or ctx ends.
func (m *Main) Wait(ctx context.Context) error {
	select {
	case err := <-m.done:
		return err
	case <-ctx.Done():
		return nil
	}
}

// Close shuts down gracefully: it stops accepting, lets running requests
// finish within the shutdown timeout, closes every station connection once
// its messages in flight are stored, and closes the database.
func (m *Main) Close() error {
	var err error
	if m.stopReload != nil {
		m.stopReload()
	}
	if m.backups != nil {
		m.backups.close()
	}
	if m.stopRetain != nil {
		m.stopRetain()
		<-m.retained
	}
	if m.stopOperations != nil {
		m.stopOperations()
		<-m.operated
	}
	if m.server != nil {
		if m.live != nil {
			m.live.Close() // a live stream never ends by itself: Shutdown would wait for it
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ShutdownTimeout)
		defer cancel()
		err = m.server.Shutdown(ctx)
	}
	if m.ocpp != nil {
		err = errors.Join(err, m.ocpp.Close())
	}
	if m.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ShutdownTimeout)
		defer cancel()
		err = errors.Join(err, m.cluster.Close(ctx))
	}
	if m.Store != nil {
		err = errors.Join(err, m.Store.Close())
	}
	return err
}

// handler wires the web application, the API, the OCPP endpoint, health,
// readiness and metrics into one handler with, from the outside in: the
// client's address behind trusted proxies, logging, metrics and panic
// recovery, the security headers, the write deadlines, and the query string
// rule.
func (m *Main) handler() (http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := newHTTPMetrics(reg)
	if m.backups != nil {
		reg.MustRegister(m.backups.collectors()...)
	}

	authSvc := auth.New(m.Store, auth.Config{Secure: m.cfg.TLSCert != "", BaseURL: m.cfg.BaseURL, ExpiredKeep: m.cfg.RetainWebSessions})
	authSvc.Mailer = m.cfg.Mailer
	authSvc.Logger = m.cfg.Logger
	m.operations = app.NewOperations(m.Store, m.cfg.Logger, nil)
	m.operations.SetLoadOfflineTimeout(m.cfg.LoadOfflineTimeout)
	ocppCfg := ocpp.Config{Store: m.Store, Logger: m.cfg.Logger, Authorities: m.authorities, Observer: m.operations}
	if m.cluster != nil {
		ocppCfg.Cluster = m.cluster
	}
	m.ocpp = ocpp.NewServer(ocppCfg)
	if m.cluster != nil {
		if err := m.cluster.SetLocal(m.ocpp); err != nil {
			return nil, err
		}
	}
	m.operations.SetCommander(m.ocpp)
	m.ocpi = ocpi.NewServer(ocpi.Config{Store: m.Store, BaseURL: m.cfg.BaseURL, Logger: m.cfg.Logger, Stations: m.operations.RoamingStations()})
	m.operations.SetRoaming(m.ocpi)
	m.ocpp.SetRoaming(m.ocpi)
	reg.MustRegister(loadCollectors(m.operations)...)
	m.sso = sso.New(sso.Config{Store: m.Store, Auth: authSvc, Secrets: m.cfg.Secrets, BaseURL: m.cfg.BaseURL, Logger: m.cfg.Logger})
	// The stations pages follow their stations live: the store wakes the
	// hub on each change of this node's stations, and on several nodes
	// publishes it to the others over NATS; a stream there also reads its
	// stations again now and then (liveResync), for a wake-up lost and for
	// the stations a dead node's reaping marked offline.
	m.live = web.NewLiveHub()
	m.Store.StationChanged = m.live.StationChanged
	var resync time.Duration
	if m.cluster != nil {
		m.Store.StationChanged = func(id fc.ID) {
			m.live.StationChanged(id)
			m.cluster.PublishChanged(id)
		}
		if err := m.cluster.OnChanged(m.live.StationChanged); err != nil {
			return nil, err
		}
		switch resync = m.cfg.LiveResync; {
		case resync == 0:
			resync = liveResync
		case resync < 0:
			resync = 0
		}
	}
	webApp, err := web.New(web.Config{Logger: m.cfg.Logger, Auth: authSvc, Store: m.Store, Commander: m.ocpp, Operations: m.operations, SSO: m.sso, Secrets: m.cfg.Secrets,
		Live: m.live, LiveResync: resync})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.Store.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	// Readiness, unlike liveness, proves that a write commits and that
	// there is room for new data: a full disk or a read-only database is
	// not ready.
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := m.Store.Ready(ctx); err != nil {
			m.cfg.Logger.Warn("not ready", "err", err)
			w.Header().Set("Retry-After", api.RetryAfter)
			http.Error(w, "not ready: the database does not take writes", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/ocpp/{identity}", m.ocpp)
	mux.Handle("/ocpi/", m.ocpi)
	apiSrv := api.New(api.Config{Store: m.Store, Logger: m.cfg.Logger, Auth: authSvc, Commander: m.ocpp, Operations: m.operations, Secrets: m.cfg.Secrets})
	mux.Handle("/api/v1/", apiSrv)
	mailer := eventMailer(m.cfg.Mailer)
	if m.cfg.Demo && mailer == nil {
		mailer = events.LogMailer{Log: m.cfg.Logger} // the demo's alerts, without --smtp, go to the log
	}
	m.events = events.New(events.Config{Store: m.Store, Render: apiSrv.EventData, Logger: m.cfg.Logger, BaseURL: m.cfg.BaseURL,
		Mailer: mailer, Secrets: m.cfg.Secrets})
	if m.cfg.Demo {
		mux.Handle(events.DemoReceiverPath, events.DemoReceiver(m.cfg.Logger))
	}
	reg.MustRegister(m.events.Collectors()...)
	mux.Handle(scim.Base+"/", scim.New(m.Store, m.cfg.Logger))
	mux.Handle("/", webApp)
	var h http.Handler = withQueryRule(mux)
	h = withWriteDeadline(h, m.cfg.Timeouts.withDefaults().WriteIdle)
	h = withSecurityHeaders(h)
	h = withObservability(h, m.cfg.Logger, metrics)
	return m.cfg.TrustedProxies.Middleware(h), nil
}

// httpMetrics are the Prometheus metrics of the HTTP server.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleetcharge_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fleetcharge_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (the
// OCPP endpoint hijacks it for WebSocket).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// withObservability logs each request, records its metrics under the route
// pattern (never the raw path, which holds IDs), and turns a panic into a 500.
func withObservability(next http.Handler, log *slog.Logger, m *httpMetrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
				if rec.status == 0 {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			m.requests.WithLabelValues(route, fmt.Sprint(rec.status)).Inc()
			m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
			log.Debug("request", "method", r.Method, "path", r.URL.Path, "route", route, "status", rec.status, "duration_ms", elapsed.Milliseconds(), "remote", r.RemoteAddr)
		}()
		next.ServeHTTP(rec, r)
	})
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("serve", stderr)
	addr := fs.String("addr", envOr("FLEETCHARGE_ADDR", ""), "listen address (default :8080, with --demo 127.0.0.1:8080)")
	demoFlag := fs.Bool("demo", false, "load the demo data into an empty database and print the demo logins")
	cert := fs.String("tls-cert", envOr("FLEETCHARGE_TLS_CERT", ""), "TLS certificate file (serves HTTPS and OCPP security profiles 2 and 3)")
	key := fs.String("tls-key", envOr("FLEETCHARGE_TLS_KEY", ""), "TLS key file")
	baseURL := fs.String("base-url", envOr("FLEETCHARGE_BASE_URL", ""), "public address of the web application, for links in e-mails (https://fleet.example.com)")
	smtpURL := fs.String("smtp", envOr("FLEETCHARGE_SMTP_URL", ""), "mail password reset links and event alerts through smtp://user:password@host:port?from=address (needs --base-url)")
	offlineGrace := fs.Duration("station-offline-grace", envDuration("FLEETCHARGE_STATION_OFFLINE_GRACE", store.DefaultOfflineGrace), "events: how long a station stays away before station.offline is sent (a shorter absence sends nothing)")
	backupDir := fs.String("backup-dir", envOr("FLEETCHARGE_BACKUP_DIR", ""), "take scheduled backups into this folder, named by time")
	backupEvery := fs.Duration("backup-every", 24*time.Hour, "the interval of scheduled backups")
	backupKeep := fs.Int("backup-keep", 7, "how many scheduled backups to keep, the newest")
	retain := fs.String("retain-meter-values", envOr("FLEETCHARGE_RETAIN_METER_VALUES", ""), "drop the sessions' meter value samples and load management limits older than this (2160h, or 90d), keeping the sessions and their signed readings; empty: keep them for ever")
	secretKey := fs.String("secret-key-file", envOr("FLEETCHARGE_SECRET_KEY_FILE", ""), "a file holding a base64 key of 32 bytes (head -c 32 /dev/urandom | base64) that encrypts the secrets kept to be read back: identity providers' client secrets")
	loadTimeout := fs.Duration("load-offline-timeout", app.DefaultLoadOfflineTimeout, "load management: how long an offline station stays counted at the limit it holds before its share goes to the other sessions of its location")
	retainEvents := fs.String("retain-events", envOr("FLEETCHARGE_RETAIN_EVENTS", "30d"), "drop dispatched events, finished webhook deliveries with their attempts, and sent e-mail alerts older than this (720h, or 30d; at least 2d, beyond the 24 h of retries)")
	retainAudit := fs.String("retain-audit-events", envOr("FLEETCHARGE_RETAIN_AUDIT_EVENTS", ""), "drop audit events older than this (2160h, or 730d), keeping the records of erasures; empty: keep them for ever")
	retainWeb := fs.String("retain-web-sessions", envOr("FLEETCHARGE_RETAIN_WEB_SESSIONS", "24h"), "delete ended web sessions and expired password resets this long after they ended")
	natsURL := fs.String("nats", envOr("FLEETCHARGE_NATS_URL", ""), "join the other nodes on this PostgreSQL --db through NATS at this URL (nats://127.0.0.1:4222): a command reaches a station on whichever node it is connected to (docs/DEPLOYMENT.md)")
	proxies := fs.String("trusted-proxies", envOr("FLEETCHARGE_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For names the client: networks or addresses, comma-separated (10.0.0.0/8,192.0.2.7)")
	pprofAddr := fs.String("pprof", envOr("FLEETCHARGE_PPROF", ""), "serve Go's profiles (/debug/pprof/) on this loopback address (127.0.0.1:6060); off when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pprofAddr != "" {
		if err := loopbackOnly(*pprofAddr); err != nil {
			return err
		}
	}
	trusted, err := auth.ParseProxies(*proxies)
	if err != nil {
		return err
	}
	retention, err := parseRetention("retain-meter-values", *retain)
	if err != nil {
		return err
	}
	auditRetention, err := parseRetention("retain-audit-events", *retainAudit)
	if err != nil {
		return err
	}
	webRetention, err := parseRetention("retain-web-sessions", *retainWeb)
	if err != nil {
		return err
	}
	eventRetention, err := parseRetention("retain-events", *retainEvents)
	if err != nil {
		return err
	}
	if eventRetention > 0 && eventRetention < 48*time.Hour {
		return fmt.Errorf("--retain-events %q: keep events at least 2 days (48h), beyond the 24 hours of webhook retries", *retainEvents)
	}
	if *addr == "" {
		// The demo's passwords are printed: it listens on this machine
		// only unless told otherwise.
		*addr = ":8080"
		if *demoFlag {
			*addr = "127.0.0.1:8080"
		}
	}
	if (*cert == "") != (*key == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	cfg := Config{Addr: *addr, DB: *db, Demo: *demoFlag, TLSCert: *cert, TLSKey: *key, BaseURL: *baseURL, Logger: newLogger(stderr), Out: stdout, TrustedProxies: trusted,
		BackupDir: *backupDir, BackupEvery: *backupEvery, BackupKeep: *backupKeep, RetainMeterValues: retention,
		RetainAuditEvents: auditRetention, RetainWebSessions: webRetention, RetainEvents: eventRetention, LoadOfflineTimeout: *loadTimeout,
		StationOfflineGrace: *offlineGrace, NATS: *natsURL, NodeID: os.Getenv("FLEETCHARGE_NODE_ID")}
	if *natsURL != "" && !strings.HasPrefix(*db, "postgres://") && !strings.HasPrefix(*db, "postgresql://") {
		return fmt.Errorf("--nats: several nodes need PostgreSQL (--db postgres://...); SQLite serves a single node")
	}
	if *loadTimeout <= 0 {
		return fmt.Errorf("--load-offline-timeout must be positive")
	}
	if *secretKey == "" && *demoFlag {
		// The demo shows single sign-on too, which keeps a client secret:
		// it makes a key of its own beside its SQLite file.
		if *secretKey, err = demoSecretKey(*db, stdout); err != nil {
			return err
		}
	}
	if *secretKey != "" {
		box, err := secret.LoadBox(*secretKey)
		if err != nil {
			return err
		}
		cfg.Secrets = box
	}
	if *smtpURL != "" {
		if *baseURL == "" {
			return fmt.Errorf("--smtp needs --base-url, the address the reset links point to")
		}
		mailer, err := auth.ParseSMTPURL(*smtpURL)
		if err != nil {
			return err
		}
		cfg.Mailer = mailer
	}
	if *pprofAddr != "" {
		srv, _, err := startPprof(*pprofAddr, cfg.Logger)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	m := NewMain(cfg)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	err = m.Wait(ctx)
	m.cfg.Logger.Info("shutting down")
	return errors.Join(err, m.Close())
}

// parseRetention reads the retention period of a flag: a Go duration or a
// number of days ("90d"); empty is for ever (0).
func parseRetention(flag, v string) (time.Duration, error) {
	if v = strings.TrimSpace(v); v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--%s %q: want a positive duration (2160h) or number of days (90d)", flag, v)
	}
	return d, nil
}

// openURL is the address to open in a browser for a listener's address:
// a server listening on every interface is reached on localhost.
func openURL(scheme string, addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

// startRetention starts the retention jobs that the configuration asks
// for and the pruning of sign-in limits, each hourly and once at start;
// Close stops them.
func (m *Main) startRetention(ctx context.Context, log *slog.Logger) {
	type job struct {
		what  string
		keep  time.Duration
		prune func(context.Context, time.Time) (int64, error)
	}
	var jobs []job
	if m.cfg.RetainMeterValues > 0 {
		jobs = append(jobs, job{"meter values", m.cfg.RetainMeterValues, m.Store.PruneMeterValues},
			job{"load management limits", m.cfg.RetainMeterValues, m.Store.PruneSessionAllocations})
	}
	if m.cfg.RetainAuditEvents > 0 {
		jobs = append(jobs, job{"audit events", m.cfg.RetainAuditEvents, m.Store.PruneAuditEvents})
	}
	if m.cfg.RetainEvents > 0 {
		jobs = append(jobs, job{"events and webhook deliveries", m.cfg.RetainEvents, m.Store.PruneEvents})
	}
	// Failed sign-ins are counted per key and window (auth/limit.go, of
	// 15 minutes); a day is far past any window.
	jobs = append(jobs, job{"sign-in limits", 24 * time.Hour, m.Store.PruneSignInLimits})
	var retainCtx context.Context
	retainCtx, m.stopRetain = context.WithCancel(context.WithoutCancel(ctx))
	m.retained = make(chan struct{})
	var wg sync.WaitGroup
	for _, j := range jobs {
		retain := func(ctx context.Context) { m.Store.Retain(ctx, j.what, j.keep, time.Hour, j.prune, log) }
		if m.cluster != nil {
			// One node prunes at a time.
			wg.Go(func() { m.cluster.Lead(retainCtx, "retention: "+j.what, retain) })
			continue
		}
		wg.Go(func() { retain(retainCtx) })
	}
	go func() {
		wg.Wait()
		close(m.retained)
	}()
}

// loadCollectors are load management's counters in /metrics.
func loadCollectors(o *app.Operations) []prometheus.Collector {
	counter := func(name, help string, get func(app.LoadStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(get(o.LoadStats())) })
	}
	return []prometheus.Collector{
		counter("fleetcharge_load_divisions_total", "Limited locations divided over their sessions by load management.",
			func(s app.LoadStats) int64 { return s.Divisions }),
		counter("fleetcharge_load_profiles_taken_total", "Charging profiles of load management that stations took.",
			func(s app.LoadStats) int64 { return s.Taken }),
		counter("fleetcharge_load_profiles_rejected_total", "Charging profiles of load management that stations rejected or left unanswered.",
			func(s app.LoadStats) int64 { return s.Rejected }),
		counter("fleetcharge_load_profiles_unreachable_total", "Charging profiles of load management not sent, the station not being connected.",
			func(s app.LoadStats) int64 { return s.Unreachable }),
	}
}

// eventMailer is the mailer of event alerts: the configured one when it
// sends any mail.
func eventMailer(m auth.Mailer) events.Mailer {
	if em, ok := m.(events.Mailer); ok {
		return em
	}
	return nil
}

// envDuration reads a duration from the environment variable, def when it
// is unset or not a duration.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// demoWebhook points the demo's webhook at the demo's own receiver on the
// address just listened on (on loopback: an address on every interface is
// reached on 127.0.0.1), and lets the deliverer reach that one loopback
// address and port (events.SetDemoReceiver).
func (m *Main) demoWebhook(ctx context.Context, scheme string) error {
	ap, err := netip.ParseAddrPort(m.listener.Addr().String())
	if err != nil {
		return err
	}
	addr := ap.Addr().Unmap()
	if addr.IsUnspecified() {
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	if !addr.IsLoopback() || scheme != "http" {
		// Reached only from outside, or over TLS under a certificate
		// for a public name: the demo goes without its own receiver.
		m.cfg.Logger.Info("demo webhook receiver not used: the demo listens on a public address or over TLS", "addr", m.listener.Addr().String())
		return nil
	}
	url := scheme + "://" + netip.AddrPortFrom(addr, ap.Port()).String() + events.DemoReceiverPath
	if err := m.events.SetDemoReceiver(url); err != nil {
		return err
	}
	return demo.Webhook(ctx, m.Store, url, m.cfg.Secrets)
}

// demoSecretKey returns the key file of a demo on the SQLite database db,
// db + ".key", making it when it is missing; on PostgreSQL it returns ""
// and the demo runs without one.
func demoSecretKey(db string, out io.Writer) (string, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return "", nil
	}
	path := strings.TrimPrefix(db, "sqlite://") + ".key"
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	key := secret.NewKey() + "\n"
	if err := os.WriteFile(path, []byte(key), 0o600); err != nil {
		return "", fmt.Errorf("demo secret key: %w", err)
	}
	fmt.Fprintf(out, "Made %s, the key that seals the demo's secrets (--secret-key-file).\n", path)
	return path, nil
}
