// Package web serves fleetcharge's web application: server-rendered pages
// from embedded html/template files, with every asset in the binary.
//
// Every file in templates/ other than layout.html and partials.html is a
// page: it is parsed with those two, once, at start, and a broken one stops
// the server from starting. Signed-in pages are registered with s.handle,
// which authenticates, checks CSRF, works out the scope the user chose and
// hands the handler a *view; they render with s.show and report errors by
// returning them (s.fail renders the error page).
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/i18n"
	"github.com/fleetcharge/fleetcharge/secret"
	"github.com/fleetcharge/fleetcharge/sso"
)

//go:embed templates/*.html static
var files embed.FS

// Config is what the web application needs.
type Config struct {
	Logger *slog.Logger
	Auth   *auth.Service // sign-in; without it the sign-in pages show but refuse posts
	// Store holds the data of the signed-in pages; without it they answer
	// 503.
	Store fc.Store
	// Commander sends remote commands to stations (the OCPP endpoint);
	// without it the command buttons answer that commands are unavailable.
	Commander app.Commander
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Operations runs station jobs and local lists; nil: none runs.
	Operations *app.Operations
	// SSO signs users in through their organizations' identity providers;
	// nil: single sign-on is not available.
	SSO *sso.Service
	// Secrets seals identity providers' client secrets; nil: identity
	// providers can be listed, removed and given SCIM tokens, but not
	// configured.
	Secrets *secret.Box
	// Live wakes the live streams of the stations pages (live.go) when a
	// station's state changes; the store tells it (Store.StationChanged).
	// nil: a hub of the server's own, which nothing wakes but LiveResync.
	Live *LiveHub
	// LiveResync, when set, is how often a live stream reads its stations
	// again whatever it heard: the changes made on other nodes.
	LiveResync time.Duration
}

// Server is the web application.
type Server struct {
	cfg Config
	app *app.Service
	// pages are the page templates by language and name: each language's
	// are parsed with its own translating functions (langFuncs).
	pages map[language.Tag]map[string]*template.Template
	mux   *http.ServeMux
	live  *LiveHub
	// patterns are those of the signed-in pages, as s.handle registers them.
	patterns []string
}

// funcs are the functions every template may call. A file of this package
// may add its own in an init function.
var funcs = template.FuncMap{
	"when":    when,
	"join":    strings.Join,
	"lower":   strings.ToLower,
	"title":   titleCase,
	"fieldOf": fieldOf,
}

// New parses every page template and returns the web application; a broken
// template fails here, at start, not on a user's request.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Live == nil {
		cfg.Live = NewLiveHub()
	}
	s := &Server{cfg: cfg, pages: map[language.Tag]map[string]*template.Template{}, mux: http.NewServeMux(), live: cfg.Live}
	if cfg.Store != nil {
		s.app = &app.Service{Store: cfg.Store, Now: cfg.Now, Commander: cfg.Commander, Operations: cfg.Operations, Secrets: cfg.Secrets}
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		for _, tag := range i18n.Tags {
			t, err := template.New(name).Funcs(langFuncs(tag)).ParseFS(files, "templates/layout.html", "templates/partials.html", file)
			if err != nil {
				return nil, fmt.Errorf("web: page %s: %w", name, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("web: page %s defines no content", name)
			}
			if s.pages[tag] == nil {
				s.pages[tag] = map[string]*template.Template{}
			}
			s.pages[tag][name] = t
		}
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.home)
	s.authRoutes()
	s.appRoutes()
	s.reportRoutes(s.mux)
	s.mux.HandleFunc("/", s.notFound) // any other URL: the error page
	return s, nil
}

// ServeHTTP serves the web application.
// The request's language is chosen first (lang.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, s.withLanguage(w, r))
}

// render executes a page into a buffer first, so that a failing template
// never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	s.renderStatus(w, r, http.StatusOK, name, data)
}

// renderStatus renders a page with a status.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	t := s.pages[i18n.FromContext(r.Context())][name]
	if t == nil {
		s.cfg.Logger.Error("render page", "page", name, "err", "no such page")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.cfg.Logger.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	_, _ = buf.WriteTo(w)
}

// when formats a time for a page: UTC, to the minute; "never" for none.
func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "–"
		}
		return v.UTC().Format("2006-01-02 15:04")
	case *time.Time:
		if v == nil || v.IsZero() {
			return "never"
		}
		return v.UTC().Format("2006-01-02 15:04")
	}
	return ""
}

// titleCase capitalizes the first letter and turns underscores into spaces:
// "fleet_manager" reads "Fleet manager".
func titleCase(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
