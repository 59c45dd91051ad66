// Package scim serves SCIM 2.0 (RFC 7643 core schema, RFC 7644 protocol)
// at /scim/v2, through which an organization's directory provisions the
// users and groups of its identity provider (package sso; docs/SSO.md):
// Users and Groups with filtering (eq on userName, externalId,
// displayName), paging, PUT and PATCH (add, replace, remove, group members
// included), and the discovery resources ServiceProviderConfig, Schemas and
// ResourceTypes. A request authenticates with the identity provider's
// bearer token (POST /api/v1/identity-providers/{id}/scim-token) and
// reaches only that identity provider's users and groups. A user set
// inactive, or deleted, can no longer sign in, and its web sessions and
// API tokens stop at once.
package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Base is where the service is mounted.
const Base = "/scim/v2"

// Schema URNs (RFC 7643, RFC 7644).
const (
	SchemaUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaSPConfig       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	SchemaListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError          = "urn:ietf:params:scim:api:messages:2.0:Error"
	mediaType            = "application/scim+json"
	maxBody              = 1 << 20
	defaultCount         = 100
	maxCount             = 500
	tokenPrefix          = "fcscim_"
	bearerChallengeRealm = `Bearer realm="fleetcharge SCIM"`
)

// Store is the storage SCIM needs.
type Store interface {
	fc.SCIMStore
	IdentityProviderBySCIMToken(ctx context.Context, hash string) (*fc.IdentityProvider, error)
}

// Server serves /scim/v2.
type Server struct {
	store  Store
	logger *slog.Logger
	mux    *http.ServeMux
}

// New returns the SCIM service on the store.
func New(st Store, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{store: st, logger: logger, mux: http.NewServeMux()}
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error) {
		s.mux.HandleFunc(pattern, s.authenticated(fn))
	}
	h("GET "+Base+"/ServiceProviderConfig", s.serviceProviderConfig)
	h("GET "+Base+"/ResourceTypes", s.resourceTypes)
	h("GET "+Base+"/ResourceTypes/{id}", s.resourceType)
	h("GET "+Base+"/Schemas", s.schemas)
	h("GET "+Base+"/Schemas/{id}", s.schema)
	h("GET "+Base+"/Users", s.listUsers)
	h("POST "+Base+"/Users", s.createUser)
	h("GET "+Base+"/Users/{id}", s.getUser)
	h("PUT "+Base+"/Users/{id}", s.replaceUser)
	h("PATCH "+Base+"/Users/{id}", s.patchUser)
	h("DELETE "+Base+"/Users/{id}", s.deleteUser)
	h("GET "+Base+"/Groups", s.listGroups)
	h("POST "+Base+"/Groups", s.createGroup)
	h("GET "+Base+"/Groups/{id}", s.getGroup)
	h("PUT "+Base+"/Groups/{id}", s.replaceGroup)
	h("PATCH "+Base+"/Groups/{id}", s.patchGroup)
	h("DELETE "+Base+"/Groups/{id}", s.deleteGroup)
	s.mux.HandleFunc(Base+"/", s.authenticated(func(w http.ResponseWriter, r *http.Request, _ *fc.IdentityProvider) error {
		return &scimError{status: http.StatusNotFound, detail: "no such SCIM endpoint: " + r.Method + " " + r.URL.Path}
	}))
	return s
}

// ServeHTTP serves a SCIM request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// scimError is an error in RFC 7644's form (3.12).
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string { return e.detail }

func badRequest(scimType, format string, args ...any) error {
	return &scimError{status: http.StatusBadRequest, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

// writeError renders err as a SCIM error: the domain's codes are mapped
// here, internal errors logged and shown generically.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var se *scimError
	if !errors.As(err, &se) {
		se = &scimError{detail: fc.ErrorMessage(err)}
		switch fc.ErrorCode(err) {
		case fc.EInvalid:
			se.status, se.scimType = http.StatusBadRequest, "invalidValue"
			for k, v := range fc.ErrorFields(err) {
				se.detail += fmt.Sprintf("; %s %s", k, v)
			}
		case fc.EUnprocessable:
			se.status, se.scimType = http.StatusBadRequest, "mutability"
		case fc.ENotFound:
			se.status = http.StatusNotFound
		case fc.EConflict:
			se.status, se.scimType = http.StatusConflict, "uniqueness"
		case fc.EUnauthorized:
			se.status = http.StatusUnauthorized
		case fc.EForbidden:
			se.status = http.StatusForbidden
		case fc.EUnavailable:
			se.status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "10")
		default:
			se.status, se.detail = http.StatusInternalServerError, "internal error"
			s.logger.Error("scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	if se.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", bearerChallengeRealm)
	}
	body := map[string]any{"schemas": []string{SchemaError}, "status": strconv.Itoa(se.status), "detail": se.detail}
	if se.scimType != "" {
		body["scimType"] = se.scimType
	}
	writeJSON(w, se.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authenticated serves a request whose bearer token is an identity
// provider's SCIM token, with that identity provider and the directory as
// the actor of its changes.
func (s *Server) authenticated(fn func(w http.ResponseWriter, r *http.Request, p *fc.IdentityProvider) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(token, tokenPrefix) {
			s.writeError(w, r, &scimError{status: http.StatusUnauthorized, detail: "a SCIM bearer token is required"})
			return
		}
		p, err := s.store.IdentityProviderBySCIMToken(r.Context(), secret.HashToken(token))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c := auth.ClientOf(r)
		ctx := fc.WithActor(r.Context(), fc.Actor{Label: "scim:identity_provider:" + p.ID.String(), RemoteAddr: c.Addr})
		if err := fn(w, r.WithContext(ctx), p); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// decode reads a JSON body of SCIM's media type (or plain JSON).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != mediaType && mt != "application/json" {
		return badRequest("invalidSyntax", "the body must be %s", mediaType)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		return badRequest("invalidSyntax", "the body is not a JSON object of this resource: %v", err)
	}
	return nil
}

func pathID(r *http.Request) (fc.ID, error) {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return 0, &scimError{status: http.StatusNotFound, detail: "no resource has the id " + r.PathValue("id")}
	}
	return id, nil
}

// filterRE reads the one filter form served: attribute eq "value".
var filterRE = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9]*)\s+(?i:eq)\s+"((?:[^"\\]|\\.)*)"\s*$`)

// listParams reads filter, startIndex and count (RFC 7644 3.4.2).
func listParams(r *http.Request, attrs ...string) (fc.SCIMFilter, int, error) {
	q := r.URL.Query()
	f := fc.SCIMFilter{Start: 0, Count: defaultCount}
	start := 1
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, 0, badRequest("invalidValue", "startIndex must be an integer")
		}
		start = max(n, 1)
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, 0, badRequest("invalidValue", "count must be an integer")
		}
		f.Count = min(max(n, 0), maxCount)
	}
	f.Start = start - 1
	if v := q.Get("filter"); v != "" {
		m := filterRE.FindStringSubmatch(v)
		if m == nil {
			return f, 0, badRequest("invalidFilter", `only filters of the form attribute eq "value" are supported`)
		}
		attr := ""
		for _, a := range attrs {
			if strings.EqualFold(a, m[1]) {
				attr = a
			}
		}
		if attr == "" {
			return f, 0, badRequest("invalidFilter", "filtering on %s is not supported: use %s", m[1], strings.Join(attrs, ", "))
		}
		var value string
		if err := json.Unmarshal([]byte(`"`+m[2]+`"`), &value); err != nil {
			return f, 0, badRequest("invalidFilter", "the filter's value is not a valid string")
		}
		f.Attr, f.Value = attr, value
	}
	return f, start, nil
}

// listResponse is RFC 7644's ListResponse (3.4.2).
func listResponse(resources []any, total, start int) map[string]any {
	if resources == nil {
		resources = []any{}
	}
	return map[string]any{"schemas": []string{SchemaListResponse}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(resources), "Resources": resources}
}

// meta is a resource's meta attribute (RFC 7643 3.1).
func meta(r *http.Request, kind, path string, created, modified time.Time) map[string]any {
	return map[string]any{"resourceType": kind, "created": created.UTC().Format(time.RFC3339),
		"lastModified": modified.UTC().Format(time.RFC3339), "location": location(r, path),
		"version": fmt.Sprintf(`W/"%d"`, modified.UnixMilli())}
}

// location is the absolute address of a resource, at the host the client
// reached.
func location(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
