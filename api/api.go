// Package api serves fleetcharge's JSON API under /api/v1. Every route is
// one row of the route table (routes.go), which registers it and describes
// it in the OpenAPI document (GET /api/v1/openapi.json), so that no route
// exists undocumented. Handlers return an error; one adapter renders it,
// mapping the domain's error codes to HTTP statuses in one place. Request
// bodies and query strings are read and checked in one place (decode.go),
// and the use cases themselves live in package app, shared with the web
// application.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Config is what the API needs. Store is required; the others are optional.
type Config struct {
	Store  fc.Store
	Logger *slog.Logger
	// Auth authenticates requests (API tokens, web session cookies with
	// their CSRF token). Without it every route but the OpenAPI document
	// answers 401.
	Auth *auth.Service
	// Commander sends remote commands to stations: the OCPP endpoint's
	// *ocpp.Server. Without it the command routes answer 503.
	Commander Commander
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Operations runs station jobs and local lists; nil: none runs.
	Operations *app.Operations
	// Secrets seals identity providers' client secrets; nil: none can be
	// configured (503).
	Secrets *secret.Box
}

// Commander sends one OCPP call to a connected station and returns its
// answer; *ocpp.Server implements it. An offline station is
// fleetcharge.EConflict (409).
type Commander interface {
	Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error)
}

// Server is the JSON API.
type Server struct {
	cfg     Config
	app     *app.Service
	mux     *http.ServeMux
	handler http.Handler
	routes  []route
	byKey   map[string]*route // by "METHOD PATH", as ServeMux reports r.Pattern
	openapi []byte
}

// New returns the API, ready to be mounted at /api/v1/.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), byKey: map[string]*route{}}
	s.app = &app.Service{Store: cfg.Store, Now: cfg.Now, Operations: cfg.Operations, Secrets: cfg.Secrets}
	if cfg.Commander != nil {
		s.app.Commander = cfg.Commander
	}
	s.routes = s.table()
	for i := range s.routes {
		rt := &s.routes[i]
		s.byKey[rt.key()] = rt
		s.handle(rt.key(), declaredOnly(rt))
	}
	s.handle("/api/v1/", s.noRoute)
	doc, err := json.Marshal(s.openAPIDocument())
	if err != nil {
		panic("api: the OpenAPI document does not encode: " + err.Error())
	}
	s.openapi = doc
	s.handler = s.mux
	if cfg.Auth != nil {
		s.handler = cfg.Auth.Middleware(s.writeError)(s.mux)
	}
	return s
}

// ServeHTTP serves the API. A query string the server's rule refuses
// (CheckQuery) is 400 before anything else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := CheckQuery(r.URL.RawQuery); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// handlerFunc is an API handler: it writes a response or returns an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// declaredOnly serves the route, refusing first a query parameter the
// route does not declare, whether or not its handler reads the query: a
// misspelt or foreign parameter is 400 on every route, never ignored.
func declaredOnly(rt *route) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		fields := map[string]string{}
		for name := range r.URL.Query() {
			if !slices.ContainsFunc(rt.params, func(p param) bool { return p.name == name }) {
				fields[name] = "is not a query parameter of this route"
			}
		}
		if len(fields) > 0 {
			return &fc.Error{Code: fc.EInvalid, Message: "the query string has parameters this route does not take", Fields: fields}
		}
		return rt.h(w, r)
	}
}

// codeMethodNotAllowed is the error code of a known path asked with a
// method it does not serve.
const codeMethodNotAllowed = "method_not_allowed"

// noRoute answers what no route serves: 405 with the allowed methods when
// the path is known, 404 otherwise.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, rt := range s.routes {
		if pathMatches(rt.path, r.URL.Path) && !slices.Contains(allow, rt.method) {
			allow = append(allow, rt.method)
		}
	}
	if len(allow) == 0 {
		return fc.Errorf(fc.ENotFound, "no such API route: %s %s", r.Method, r.URL.Path)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	return fc.Errorf(codeMethodNotAllowed, "%s does not serve %s: use %s", r.URL.Path, r.Method, strings.Join(allow, ", "))
}

// pathMatches reports whether a request path matches a route path whose
// {name} segments match any one segment.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// statusOf maps an error code to its HTTP status: the one place that does.
var statusOf = map[string]int{
	fc.EInvalid:              http.StatusBadRequest,
	fc.EUnauthorized:         http.StatusUnauthorized,
	fc.EForbidden:            http.StatusForbidden,
	fc.ENotFound:             http.StatusNotFound,
	codeMethodNotAllowed:     http.StatusMethodNotAllowed,
	fc.EConflict:             http.StatusConflict,
	fc.EUnprocessable:        http.StatusUnprocessableEntity,
	fc.ETooLarge:             http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType: http.StatusBadRequest,
	fc.ERateLimited:          http.StatusTooManyRequests,
	fc.EUnavailable:          http.StatusServiceUnavailable,
	fc.ENotImplemented:       http.StatusNotImplemented,
	fc.EInternal:             http.StatusInternalServerError,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if st, ok := statusOf[fc.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the body of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is an error as clients see it.
type errorDetail struct {
	Code    string            `json:"code" doc:"the error code: invalid, unauthorized, forbidden, not_found, method_not_allowed, conflict, rule_violated, too_large, unsupported_media_type, rate_limited, unavailable, not_implemented or internal"`
	Message string            `json:"message" doc:"what went wrong, for people"`
	Fields  map[string]string `json:"fields,omitempty" doc:"for invalid input: a message per field, by its name (nested fields dotted: tariff.per_kwh)"`
}

// detailOf returns the client's view of err: internal errors keep their
// detail to the log.
func detailOf(err error) errorDetail {
	return errorDetail{Code: fc.ErrorCode(err), Message: fc.ErrorMessage(err), Fields: fc.ErrorFields(err)}
}

// RetryAfter is the Retry-After of every 503: the seconds a client should
// wait before it tries again.
const RetryAfter = "10"

// writeError renders err as {"error": {...}}. Internal errors are logged
// with their detail and shown to the client as a generic message; a 503
// says when to try again, and is logged with its cause.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	body := errorBody{Error: detailOf(err)}
	switch status {
	case http.StatusInternalServerError:
		body.Error.Code = fc.EInternal
		s.cfg.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", RetryAfter)
		s.cfg.Logger.Warn("api request unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// subject returns the access subject of the signed-in user of the
// request, or an EUnauthorized error.
func (s *Server) subject(r *http.Request) (access.Subject, error) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		return access.Subject{}, err
	}
	return s.app.Subject(r.Context(), u)
}
