package ocpi

import (
	"context"
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
)

// The credentials module (OCPI 2.2.1, 7): registration in both directions,
// credential updates and unregistration.

// discover reads the partner's versions with token, picks ours and returns
// the partner's endpoints in it.
func (s *Server) discover(ctx context.Context, p *fc.OCPIPartner, token, versionsURL string) ([]fc.OCPIEndpoint, error) {
	cl := s.clientFor(ctx, p, token)
	vs, err := cl.GetVersions(ctx, versionsURL)
	if err != nil {
		return nil, err
	}
	detailsURL := ""
	for _, v := range vs {
		if v.Version == fc.OCPIVersion {
			detailsURL = v.URL
		}
	}
	if detailsURL == "" {
		return nil, Errorf(http.StatusOK, StatusUnsupportedVersion, "the partner does not speak OCPI %s", fc.OCPIVersion)
	}
	d, err := cl.GetVersionDetails(ctx, detailsURL)
	if err != nil {
		return nil, err
	}
	if fe := d.Validate(); len(fe) > 0 {
		return nil, Errorf(http.StatusOK, StatusClientAPIError, "the partner's version details are invalid: %s", fe.Error())
	}
	out := make([]fc.OCPIEndpoint, len(d.Endpoints))
	for i, e := range d.Endpoints {
		out[i] = fc.OCPIEndpoint{Identifier: e.Identifier, Role: e.Role, URL: e.URL}
	}
	if credentialsURL(out) == "" {
		return nil, Errorf(http.StatusOK, StatusNoMatchingEndpoints, "the partner has no credentials module")
	}
	return out, nil
}

// credentialsURL returns the partner's credentials module, "" if none.
func credentialsURL(eps []fc.OCPIEndpoint) string {
	for _, e := range eps {
		if e.Identifier == ModuleCredentials {
			return e.URL
		}
	}
	return ""
}

// connect stores what registration learnt of the partner: connected, the
// token we send, the token it sends (by hash), its versions URL, endpoints
// and roles; then queues what we publish to it.
func (s *Server) connect(ctx context.Context, p *fc.OCPIPartner, incoming, outgoing, versionsURL string, eps []fc.OCPIEndpoint, roles []fc.OCPIRole) (*fc.OCPIPartner, error) {
	defer s.forgetPartners()
	updated, err := s.store.UpdateOCPIPartner(ctx, p.ProviderID, p.ID, TokenHash(incoming), fc.OCPITokenC, func(q *fc.OCPIPartner) error {
		if q.Status != fc.PartnerSuspended {
			q.Status = fc.PartnerConnected
		}
		q.OutgoingToken, q.VersionsURL, q.Version, q.Endpoints, q.Roles = outgoing, versionsURL, fc.OCPIVersion, eps, roles
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Sync(ctx, updated); err != nil {
		s.log.Warn("queueing the first push to a partner", "partner", p.ID, "err", err)
	}
	return updated, nil
}

// getCredentials answers our credentials, with the token the partner uses.
func (s *Server) getCredentials(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	ours, err := s.ourCredentials(ctx, c.partner.ProviderID, c.token)
	if err != nil {
		return err
	}
	WriteSuccess(w, http.StatusOK, ours)
	return nil
}

// postCredentials is a partner registering with us with the token A we
// issued: we read its versions with the token B it gives, and answer a new
// token C for it to use from now on.
func (s *Server) postCredentials(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	if c.kind != fc.OCPITokenA {
		return Errorf(http.StatusMethodNotAllowed, StatusClientError, "already registered: update the credentials with PUT")
	}
	return s.exchangeCredentials(ctx, c, w, r)
}

// putCredentials is a registered partner renewing its credentials: a new
// token B and versions, and a new token C in the answer.
func (s *Server) putCredentials(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	if c.kind != fc.OCPITokenC || c.partner.Status == fc.PartnerPending {
		return Errorf(http.StatusMethodNotAllowed, StatusClientError, "not registered: register with POST")
	}
	return s.exchangeCredentials(ctx, c, w, r)
}

func (s *Server) exchangeCredentials(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	var theirs Credentials
	if err := DecodeValid(r.Body, &theirs); err != nil {
		return err
	}
	eps, err := s.discover(ctx, c.partner, theirs.Token, theirs.URL)
	if err != nil {
		if e := AsError(err); e.Code != StatusServerError {
			return e
		}
		return Errorf(http.StatusOK, StatusClientAPIError, "unable to use the client's API: %s", errText(err))
	}
	tokenC := NewToken()
	ours, err := s.ourCredentials(ctx, c.partner.ProviderID, tokenC)
	if err != nil {
		return err
	}
	if _, err := s.connect(ctx, c.partner, tokenC, theirs.Token, theirs.URL, eps, rolesOf(theirs.Roles)); err != nil {
		return err
	}
	s.log.Info("OCPI partner registered", "partner", c.partner.ID, "provider", c.partner.ProviderID)
	WriteSuccess(w, http.StatusOK, ours)
	return nil
}

// deleteCredentials is a partner ending the registration: it is removed
// with what waited for it.
func (s *Server) deleteCredentials(ctx context.Context, c *caller, w http.ResponseWriter, r *http.Request) error {
	if c.kind != fc.OCPITokenC {
		return Errorf(http.StatusMethodNotAllowed, StatusClientError, "not registered")
	}
	err := s.store.DeleteOCPIPartner(ctx, c.partner.ProviderID, c.partner.ID)
	s.forgetPartners()
	if err != nil {
		return err
	}
	s.log.Info("OCPI partner unregistered itself", "partner", c.partner.ID, "provider", c.partner.ProviderID)
	WriteSuccess(w, http.StatusOK, nil)
	return nil
}

// Register registers with a partner from its versions URL and the token A
// it gave: we read its versions with token A, post our credentials with a
// new token B for it to use, and keep the token C it answers as ours. The
// partner is stored first (pending, with token B), so that it can read our
// versions while it answers; a failure removes it.
func (s *Server) Register(ctx context.Context, providerID fc.ID, name, versionsURL, tokenA string) (*fc.OCPIPartner, error) {
	tokenB := NewToken()
	p := &fc.OCPIPartner{ProviderID: providerID, Name: name, Status: fc.PartnerPending}
	if err := s.store.CreateOCPIPartner(ctx, p, TokenHash(tokenB), fc.OCPITokenC); err != nil {
		return nil, err
	}
	fail := func(err error) (*fc.OCPIPartner, error) {
		if derr := s.store.DeleteOCPIPartner(context.WithoutCancel(ctx), providerID, p.ID); derr != nil {
			s.log.Warn("removing a partner whose registration failed", "partner", p.ID, "err", derr)
		}
		return nil, fc.Errorf(fc.EUnprocessable, "registration with the partner failed: %s", errText(err))
	}
	eps, err := s.discover(ctx, p, tokenA, versionsURL)
	if err != nil {
		return fail(err)
	}
	ours, err := s.ourCredentials(ctx, providerID, tokenB)
	if err != nil {
		return fail(err)
	}
	theirs, err := s.clientFor(ctx, p, tokenA).PostCredentials(ctx, credentialsURL(eps), ours)
	if err != nil {
		return fail(err)
	}
	connected, err := s.connect(ctx, p, tokenB, theirs.Token, versionsURL, eps, rolesOf(theirs.Roles))
	if err != nil {
		return fail(err)
	}
	s.log.Info("registered with an OCPI partner", "partner", p.ID, "provider", providerID)
	return connected, nil
}

// Unregister tells the partner that we end the registration.
func (s *Server) Unregister(ctx context.Context, p *fc.OCPIPartner) error {
	u := credentialsURL(p.Endpoints)
	if u == "" || p.OutgoingToken == "" {
		return nil
	}
	return s.clientFor(ctx, p, p.OutgoingToken).DeleteCredentials(ctx, u)
}

// Sync queues everything we publish to the partner: every card as a token
// when it has a tokens receiver, every published location and roaming
// tariff when it has their receivers.
func (s *Server) Sync(ctx context.Context, p *fc.OCPIPartner) error {
	if p.EndpointURL(ModuleTokens, RoleReceiver) != "" {
		n, err := s.store.QueueOCPITokens(ctx, p.ProviderID, p.ID)
		if err != nil {
			return err
		}
		s.log.Info("OCPI tokens queued", "partner", p.ID, "tokens", n)
	}
	if p.EndpointURL(ModuleLocations, RoleReceiver) != "" || p.EndpointURL(ModuleTariffs, RoleReceiver) != "" {
		n, err := s.store.QueueOCPILocations(ctx, p.ProviderID, p.ID)
		if err != nil {
			return err
		}
		s.log.Info("OCPI locations and tariffs queued", "partner", p.ID, "objects", n)
	}
	s.poke()
	return nil
}
