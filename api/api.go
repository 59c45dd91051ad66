// Package api serves fleetcharge's JSON API under /api/v1. Handlers return
// an error; one adapter renders it, mapping the domain's error codes to HTTP
// statuses in one place.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
)

// Config is what the API needs.
type Config struct {
	Store  fc.Store
	Logger *slog.Logger
}

// Server is the JSON API.
type Server struct {
	cfg Config
	mux *http.ServeMux
}

// New returns the API, ready to be mounted at /api/v1/.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.routes()
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handlerFunc is an API handler: it writes a response or returns an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) routes() {
	s.handle("GET /api/v1/openapi.json", s.openAPI)
	s.handle("/api/v1/", func(w http.ResponseWriter, r *http.Request) error {
		return fc.Errorf(fc.ENotFound, "no such API route: %s %s", r.Method, r.URL.Path)
	})
}

// statusOf maps an error code to its HTTP status: the one place that does.
var statusOf = map[string]int{
	fc.EInvalid:        http.StatusBadRequest,
	fc.EUnauthorized:   http.StatusUnauthorized,
	fc.EForbidden:      http.StatusForbidden,
	fc.ENotFound:       http.StatusNotFound,
	fc.EConflict:       http.StatusConflict,
	fc.EUnprocessable:  http.StatusUnprocessableEntity,
	fc.ETooLarge:       http.StatusRequestEntityTooLarge,
	fc.ERateLimited:    http.StatusTooManyRequests,
	fc.EUnavailable:    http.StatusServiceUnavailable,
	fc.ENotImplemented: http.StatusNotImplemented,
	fc.EInternal:       http.StatusInternalServerError,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if st, ok := statusOf[fc.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// writeError renders err as {"error": {...}}. Internal errors are logged
// with their detail and shown to the client as a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	var body errorBody
	body.Error.Code = fc.ErrorCode(err)
	body.Error.Message = fc.ErrorMessage(err)
	body.Error.Fields = fc.ErrorFields(err)
	if status == http.StatusInternalServerError {
		s.cfg.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
