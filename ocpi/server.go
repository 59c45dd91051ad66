package ocpi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Config is what the OCPI endpoint needs.
type Config struct {
	Store fc.Store
	// BaseURL is the public address of this server (https://fleet.example.com):
	// our OCPI URLs are BaseURL + "/ocpi/…".
	BaseURL string
	Logger  *slog.Logger
	// HTTP makes the calls to partners; a client with DefaultTimeout when
	// nil.
	HTTP *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Stations sends partners' commands to our stations (commands.go);
	// without it every command is answered NOT_SUPPORTED.
	Stations StationCommander
}

// Server is the OCPI endpoint of every provider of the platform, mounted at
// /ocpi/: a partner is known by its token, which names its provider. It also
// registers with partners, unregisters, and delivers the outbox (Run).
type Server struct {
	cfg   Config
	store fc.Store
	log   *slog.Logger
	mux   *http.ServeMux
	wake  chan struct{}
	// seen keeps, per partner and module, when a successful exchange was
	// last recorded: successes are recorded at most every few seconds,
	// failures always.
	seenMu sync.Mutex
	seen   map[[2]string]time.Time
	// modules are our endpoints beyond the base ones (paths below
	// BaseURL), added by each module's init.
	modules []Endpoint
	// builders build the pushes that the outbox keeps without a body, by
	// module: the object is read when the message is sent.
	builders map[string]builder
	// partners caches authenticated partners by token hash (authenticate).
	partnersMu sync.Mutex
	partners   map[string]cachedPartner
}

// partnerCacheTTL is how long an authenticated partner is taken from the
// cache. A change of a partner through this process's store (its
// credentials, a suspension, a removal) ends every entry at once
// (partnerChanges); the TTL bounds how long a change made by another node
// of a cluster goes unseen.
const partnerCacheTTL = 5 * time.Second

// maxCachedPartners bounds the cache; it is emptied when full.
const maxCachedPartners = 1024

// cachedPartner is an authenticated partner, read when the store's count
// of partner changes was gen.
type cachedPartner struct {
	partner *fc.OCPIPartner
	kind    string
	gen     uint64
	at      time.Time
}

// partnerChanges counts the changes of partners the store made; a store
// that does not count them (0 always) leaves entries to the TTL.
type partnerChanges interface {
	OCPIPartnersChanged() uint64
}

// builder builds the request of a body-less outbox message to the
// partner's receiver at base: method, URL and body.
type builder func(ctx context.Context, p *fc.OCPIPartner, m fc.OCPIMessage, base string) (method, target string, body any, err error)

// module adds one of our endpoints (a path below BaseURL).
func (s *Server) module(identifier, role, path string) {
	s.modules = append(s.modules, Endpoint{Identifier: identifier, Role: role, URL: path})
}

// Paths of our endpoints, below BaseURL.
const (
	versionsPath    = "/ocpi/versions"
	detailsPath     = "/ocpi/" + fc.OCPIVersion
	credentialsPath = detailsPath + "/credentials"
	cpoTokensPath   = "/ocpi/cpo/" + fc.OCPIVersion + "/tokens"
	emspTokensPath  = "/ocpi/emsp/" + fc.OCPIVersion + "/tokens"
	emspCDRsPath    = "/ocpi/emsp/" + fc.OCPIVersion + "/cdrs"
)

// NewServer returns the OCPI endpoint.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: DefaultTimeout}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger.With("component", "ocpi"), mux: http.NewServeMux(),
		wake: make(chan struct{}, 1), seen: map[[2]string]time.Time{}, builders: map[string]builder{},
		partners: map[string]cachedPartner{}}
	s.builders[ModuleTokens] = s.buildToken
	s.builders[ModuleCDRs] = s.buildCDR
	s.route("GET "+versionsPath, ModuleVersions, s.versions)
	s.route("GET "+detailsPath, ModuleVersions, s.details)
	s.route("GET "+credentialsPath, ModuleCredentials, s.getCredentials)
	s.route("POST "+credentialsPath, ModuleCredentials, s.postCredentials)
	s.route("PUT "+credentialsPath, ModuleCredentials, s.putCredentials)
	s.route("DELETE "+credentialsPath, ModuleCredentials, s.deleteCredentials)
	s.route("GET "+cpoTokensPath+"/{country_code}/{party_id}/{uid}", ModuleTokens, s.getToken)
	s.route("PUT "+cpoTokensPath+"/{country_code}/{party_id}/{uid}", ModuleTokens, s.putToken)
	s.route("PATCH "+cpoTokensPath+"/{country_code}/{party_id}/{uid}", ModuleTokens, s.patchToken)
	s.route("GET "+emspTokensPath, ModuleTokens, s.listTokens)
	s.route("POST "+emspTokensPath+"/{uid}/authorize", ModuleTokens, s.authorizeToken)
	s.route("POST "+emspCDRsPath, ModuleCDRs, s.postCDR)
	s.route("GET "+emspCDRsPath+"/{id}", ModuleCDRs, s.getCDR)
	s.initLocations()
	s.initSessions()
	s.initCommands()
	s.mux.HandleFunc("/ocpi/", func(w http.ResponseWriter, r *http.Request) {
		AnswerHeaders(w, r, false)
		WriteError(w, Errorf(http.StatusNotFound, StatusClientError, "no such OCPI endpoint"))
	})
	return s
}

// ServeHTTP serves /ocpi/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetBaseURL sets the public address of this server when it is known only
// once it listens; call before serving.
func (s *Server) SetBaseURL(u string) { s.cfg.BaseURL = strings.TrimRight(u, "/") }

// VersionsURL is our versions endpoint.
func (s *Server) VersionsURL() string { return s.cfg.BaseURL + versionsPath }

func (s *Server) now() time.Time {
	if s.cfg.Now == nil {
		return time.Now()
	}
	return s.cfg.Now()
}

// caller is the partner a request comes from.
type caller struct {
	partner *fc.OCPIPartner
	kind    string // fc.OCPITokenA or fc.OCPITokenC
	token   string // as presented; answered back by GET credentials only
}

// speaksFor reports whether the partner may send objects of the party: it
// is one of its roles' parties, or the partner is a hub, which forwards
// every party's objects.
func (c *caller) speaksFor(countryCode, partyID string) bool {
	for _, r := range c.partner.Roles {
		if r.Role == fc.OCPIRoleHub || (r.CountryCode == countryCode && r.PartyID == partyID) {
			return true
		}
	}
	return false
}

// checkParty refuses an object of a party the partner does not speak for.
func (c *caller) checkParty(countryCode, partyID string) error {
	if !c.speaksFor(countryCode, partyID) {
		return Errorf(http.StatusOK, StatusClientError, "%s %s is not a party of this partner's credentials", countryCode, partyID)
	}
	return nil
}

type handler func(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error

// route serves pattern for module: the partner is authenticated by its
// token (401 with the envelope otherwise), token A opens the
// configuration modules only, a pending partner too, a suspended one
// nothing; the request and correlation IDs are answered back, and every
// exchange is recorded.
func (s *Server) route(pattern, module string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodySize)
		AnswerHeaders(w, r, !ConfigurationModule(module))
		c, err := s.authenticate(r.Context(), r.Header.Get("Authorization"), module)
		if err != nil {
			WriteError(w, err)
			return
		}
		// The request's body is kept as the handler reads it, so that a
		// failure's record shows what the partner sent.
		in := &bodyCopy{}
		r.Body = readCloser{io.TeeReader(r.Body, in), r.Body}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		err = h(r.Context(), c, rec, r)
		ocpiStatus := StatusSuccess
		e := fc.OCPIExchange{PartnerID: c.partner.ID, Module: module, Direction: "in", Method: r.Method,
			URL: r.URL.Path, At: s.now(), OK: err == nil, Error: errText(err)}
		if err != nil {
			oe := AsError(err)
			ocpiStatus = oe.Code
			if oe.HTTPStatus >= 500 {
				s.log.Error("ocpi request failed", "partner", c.partner.ID, "module", module, "method", r.Method, "path", r.URL.Path, "err", err)
			}
			out := &bodyCopy{}
			WriteError(&teeWriter{recorder: rec, copy: out}, err)
			cl := Client{Token: c.token}
			e.Request, e.Response = cl.cut(in.b), cl.cut(out.b)
		}
		e.HTTPStatus, e.OCPIStatus = rec.status, ocpiStatus
		s.exchange(e)
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return AsError(err).Message
}

// recorder keeps the status an answer was written with.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// bodyCopy keeps the first maxExchangeBody bytes written to it (and one
// more, so that a cut shows).
type bodyCopy struct{ b []byte }

func (c *bodyCopy) Write(p []byte) (int, error) {
	if room := maxExchangeBody + 1 - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// teeWriter writes an answer and keeps a copy of its body.
type teeWriter struct {
	*recorder
	copy *bodyCopy
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.copy.Write(p)
	return t.recorder.Write(p)
}

type readCloser struct {
	io.Reader
	io.Closer
}

// authenticate finds the partner of an Authorization header.
func (s *Server) authenticate(ctx context.Context, header, module string) (*caller, error) {
	for _, token := range TokenCandidates(header) {
		p, kind, err := s.partnerByToken(ctx, TokenHash(token))
		if fc.IsCode(err, fc.ENotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		config := ConfigurationModule(module)
		switch {
		case p.Status == fc.PartnerSuspended:
			return nil, ErrUnauthorized
		case (kind == fc.OCPITokenA || p.Status == fc.PartnerPending) && !config:
			return nil, ErrUnauthorized
		}
		return &caller{partner: p, kind: kind, token: token}, nil
	}
	return nil, ErrUnauthorized
}

// partnerByToken is the store's OCPIPartnerByToken through the cache of
// authenticated partners. Each caller gets a copy of its own.
func (s *Server) partnerByToken(ctx context.Context, hash string) (*fc.OCPIPartner, string, error) {
	var gen uint64
	changes, counted := s.store.(partnerChanges)
	if counted {
		gen = changes.OCPIPartnersChanged()
	}
	now := time.Now()
	s.partnersMu.Lock()
	e, ok := s.partners[hash]
	s.partnersMu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < partnerCacheTTL {
		p := *e.partner
		return &p, e.kind, nil
	}
	p, kind, err := s.store.OCPIPartnerByToken(ctx, hash)
	if err != nil {
		return nil, "", err
	}
	cached := *p
	s.partnersMu.Lock()
	if len(s.partners) >= maxCachedPartners {
		clear(s.partners)
	}
	s.partners[hash] = cachedPartner{partner: &cached, kind: kind, gen: gen, at: now}
	s.partnersMu.Unlock()
	return p, kind, nil
}

// forgetPartners empties the cache of authenticated partners, after a
// change this server made to a partner's credentials.
func (s *Server) forgetPartners() {
	s.partnersMu.Lock()
	clear(s.partners)
	s.partnersMu.Unlock()
}

// exchange records an exchange: always a failure, a success at most every
// ten seconds per partner and module.
func (s *Server) exchange(e fc.OCPIExchange) {
	if e.OK {
		key := [2]string{e.PartnerID.String(), e.Module + e.Direction}
		s.seenMu.Lock()
		last := s.seen[key]
		recent := e.At.Sub(last) < 10*time.Second
		if !recent {
			s.seen[key] = e.At
		}
		s.seenMu.Unlock()
		if recent {
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.RecordOCPIExchange(ctx, e); err != nil && !fc.IsCode(err, fc.ENotFound) {
		s.log.Warn("recording an OCPI exchange", "partner", e.PartnerID, "err", err)
	}
}

// versions lists the versions we speak.
func (s *Server) versions(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	WriteSuccess(w, http.StatusOK, []Version{{Version: fc.OCPIVersion, URL: s.cfg.BaseURL + detailsPath}})
	return nil
}

// endpoints are our modules in 2.2.1.
func (s *Server) endpoints() []Endpoint {
	b := s.cfg.BaseURL
	out := []Endpoint{
		{Identifier: ModuleCredentials, Role: RoleSender, URL: b + credentialsPath},
		{Identifier: ModuleCredentials, Role: RoleReceiver, URL: b + credentialsPath},
		{Identifier: ModuleTokens, Role: RoleReceiver, URL: b + cpoTokensPath},
		{Identifier: ModuleTokens, Role: RoleSender, URL: b + emspTokensPath},
		{Identifier: ModuleCDRs, Role: RoleReceiver, URL: b + emspCDRsPath},
	}
	for _, e := range s.modules {
		out = append(out, Endpoint{Identifier: e.Identifier, Role: e.Role, URL: b + e.URL})
	}
	return out
}

func (s *Server) details(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	WriteSuccess(w, http.StatusOK, VersionDetails{Version: fc.OCPIVersion, Endpoints: s.endpoints()})
	return nil
}

// ourCredentials are the credentials we give a partner of the provider:
// the token it is to use, our versions URL, and our roles, CPO and eMSP,
// under the provider's OCPI identity.
func (s *Server) ourCredentials(ctx context.Context, providerID fc.ID, token string) (Credentials, error) {
	p, err := s.store.Provider(ctx, providerID)
	if err != nil {
		return Credentials{}, err
	}
	if p.OCPICountryCode == "" || p.OCPIPartyID == "" {
		return Credentials{}, Errorf(http.StatusOK, StatusServerError, "this platform has no OCPI identity yet")
	}
	name := p.Name
	if len(name) > 100 {
		name = strings.ToValidUTF8(name[:100], "")
	}
	bd := BusinessDetails{Name: name}
	return Credentials{Token: token, URL: s.VersionsURL(), Roles: []CredentialsRole{
		{Role: fc.OCPIRoleCPO, BusinessDetails: bd, PartyID: p.OCPIPartyID, CountryCode: p.OCPICountryCode},
		{Role: fc.OCPIRoleEMSP, BusinessDetails: bd, PartyID: p.OCPIPartyID, CountryCode: p.OCPICountryCode},
	}}, nil
}

// ourParty is the provider's OCPI identity.
func (s *Server) ourParty(ctx context.Context, providerID fc.ID) (Party, string, error) {
	p, err := s.store.Provider(ctx, providerID)
	if err != nil {
		return Party{}, "", err
	}
	return Party{CountryCode: p.OCPICountryCode, PartyID: p.OCPIPartyID}, p.Name, nil
}

// rolesOf turns credentials roles into the partner's.
func rolesOf(cr []CredentialsRole) []fc.OCPIRole {
	out := make([]fc.OCPIRole, len(cr))
	for i, r := range cr {
		out[i] = fc.OCPIRole{Role: r.Role, CountryCode: r.CountryCode, PartyID: r.PartyID, Name: r.BusinessDetails.Name, Website: r.BusinessDetails.Website}
	}
	return out
}

// partyOf returns the partner's first party, for the routing headers.
func partyOf(p *fc.OCPIPartner) Party {
	for _, r := range p.Roles {
		return Party{CountryCode: r.CountryCode, PartyID: r.PartyID}
	}
	return Party{}
}

// clientFor returns a client that calls the partner with token.
func (s *Server) clientFor(ctx context.Context, p *fc.OCPIPartner, token string) *Client {
	us, _, _ := s.ourParty(ctx, p.ProviderID)
	return &Client{HTTP: s.cfg.HTTP, Token: token, PartnerID: p.ID, Now: s.cfg.Now,
		Routing: Routing{From: us, To: partyOf(p)}, OnExchange: s.exchange}
}

// selfURL is the absolute URL of a request as the partner made it.
func (s *Server) selfURL(r *http.Request) *url.URL {
	u, err := url.Parse(s.cfg.BaseURL + r.URL.Path)
	if err != nil {
		return r.URL
	}
	u.RawQuery = r.URL.RawQuery
	return u
}
