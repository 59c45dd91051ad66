package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Identity providers for single sign-on (app/sso.go; docs/SSO.md).

// groupRoleInput is one entry of an identity provider's group mapping.
type groupRoleInput struct {
	Group          string `json:"group" doc:"a value of the identity provider's groups claim"`
	Role           string `json:"role" doc:"fleet_manager or facility_manager"`
	OrganizationID fc.ID  `json:"organization_id" doc:"an organization inside the identity provider's organization's subtree"`
}

// UnmarshalJSON reads an entry strictly: a field it does not know is an
// error, as everywhere in a body.
func (g *groupRoleInput) UnmarshalJSON(b []byte) error {
	type plain groupRoleInput
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*g = groupRoleInput(p)
	return nil
}

type identityProviderInput struct {
	OrganizationID fc.ID            `json:"organization_id" required:"true" doc:"on create only: the organization whose users sign in through it; its group mapping grants inside this organization's subtree only"`
	Issuer         string           `json:"issuer" required:"true" doc:"the OpenID Connect issuer URL (https), whose /.well-known/openid-configuration is read"`
	ClientID       string           `json:"client_id" required:"true" doc:"fleetcharge's client ID at the identity provider"`
	ClientSecret   string           `json:"client_secret" doc:"fleetcharge's client secret at the identity provider; write-only, kept encrypted"`
	Domains        []string         `json:"domains" doc:"the e-mail domains whose users sign in through it (example.com); each routes to one identity provider on the platform"`
	GroupRoles     []groupRoleInput `json:"group_roles" doc:"what the groups claim grants: each group a role on an organization; every sign-in replaces the user's mapped roles with those its groups give then"`
	PasswordSignIn bool             `json:"password_sign_in" doc:"whether the users of its domains may still sign in with a local password; null, or absent on create: true"`
}

// identityProviderView is an identity provider; its client secret is never
// shown.
type identityProviderView struct {
	*fc.IdentityProvider
	ClientSecretSet bool `json:"client_secret_set" doc:"whether a client secret is kept"`
}

func viewIdentityProvider(p *fc.IdentityProvider) identityProviderView {
	return identityProviderView{IdentityProvider: p, ClientSecretSet: p.ClientSecret != ""}
}

// scimTokenView is a new SCIM token, shown once.
type scimTokenView struct {
	Token   string `json:"token" doc:"the bearer token for /scim/v2, shown this once; a new one replaces it"`
	BaseURL string `json:"base_url" doc:"the SCIM base path"`
}

func applyIdentityProvider(p *fc.IdentityProvider, in *identityProviderInput, set fieldSet) error {
	setIf(set, "issuer", &p.Issuer, in.Issuer)
	setIf(set, "client_id", &p.ClientID, in.ClientID)
	if set.has("client_secret") {
		p.ClientSecret = in.ClientSecret
	}
	if set.has("domains") {
		p.Domains = in.Domains
	}
	if set.has("group_roles") {
		p.GroupRoles = p.GroupRoles[:0]
		for _, g := range in.GroupRoles {
			p.GroupRoles = append(p.GroupRoles, fc.GroupRole{Group: g.Group, Role: fc.Role(g.Role), OrganizationID: g.OrganizationID})
		}
	}
	setIf(set, "password_sign_in", &p.PasswordSignIn, in.PasswordSignIn || set.null("password_sign_in"))
	return nil
}

// ssoRoutes are the routes of identity providers.
func (s *Server) ssoRoutes() []route {
	const tag = "identity_providers"
	admins := "Needs " + string(access.UsersManage) + " on the whole provider (a provider admin): 403 otherwise. "
	return []route{
		{method: http.MethodGet, path: "/api/v1/identity-providers", id: "list_identity_providers", tag: tag, summary: "List the identity providers",
			doc:    admins + "OpenID Connect providers of organizations, through which the users of their e-mail domains sign in (docs/SSO.md).",
			params: pageParams, resp: typ[identityProviderView](), list: true, status: http.StatusOK, h: s.listIdentityProviders},
		{method: http.MethodGet, path: "/api/v1/identity-providers/{id}", id: "get_identity_provider", tag: tag, summary: "Read an identity provider",
			doc: admins, resp: typ[identityProviderView](), status: http.StatusOK, h: getOf(s, s.app.IdentityProvider, viewIdentityProvider)},
		{method: http.MethodPost, path: "/api/v1/identity-providers", id: "create_identity_provider", tag: tag, summary: "Configure an identity provider",
			doc: admins + "The group mapping may grant only inside the organization's subtree (400 naming the entry otherwise), and only fleet_manager or facility_manager. " +
				"A domain routed elsewhere already is 409. The client secret is kept encrypted with the server's key (503 when it has none) and never shown.",
			body: typ[identityProviderInput](), create: true, resp: typ[identityProviderView](), status: http.StatusCreated, h: s.createIdentityProvider},
		{method: http.MethodPatch, path: "/api/v1/identity-providers/{id}", id: "update_identity_provider", tag: tag, summary: "Change an identity provider",
			doc: admins + "Only the fields present change; domains and group_roles are replaced whole. The organization does not change. " +
				"A changed mapping applies to each user at its next sign-in.",
			body: typ[identityProviderInput](), resp: typ[identityProviderView](), status: http.StatusOK, h: s.updateIdentityProvider},
		{method: http.MethodDelete, path: "/api/v1/identity-providers/{id}", id: "delete_identity_provider", tag: tag, summary: "Remove an identity provider",
			doc:    admins + "Its users stay, without the roles its mapping gave them (each revocation audited).",
			status: http.StatusNoContent, h: deleteOf(s, s.app.DeleteIdentityProvider)},
		{method: http.MethodPost, path: "/api/v1/identity-providers/{id}/scim-token", id: "create_scim_token", tag: tag, summary: "Issue the SCIM token of an identity provider",
			doc: admins + "A bearer token for /scim/v2, with which the organization's directory provisions its users and groups; shown this once and kept as a hash. " +
				"A new token replaces the old one at once.",
			resp: typ[scimTokenView](), status: http.StatusCreated, h: s.createSCIMToken},
	}
}

func (s *Server) listIdentityProviders(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.Page, fc.Page) {
		p := q.page()
		return p, p
	}, s.app.IdentityProviders, viewIdentityProvider, func(v *identityProviderView) fc.ID { return v.ID })(w, r)
}

func (s *Server) createIdentityProvider(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *identityProviderInput, set fieldSet) error {
		p := fc.IdentityProvider{OrganizationID: in.OrganizationID, PasswordSignIn: true}
		if err := applyIdentityProvider(&p, in, set); err != nil {
			return err
		}
		if !set.has("password_sign_in") {
			p.PasswordSignIn = true
		}
		if err := s.app.CreateIdentityProvider(r.Context(), subj, &p); err != nil {
			return err
		}
		writeCreated(w, r, p.ID, viewIdentityProvider(&p))
		return nil
	})(w, r)
}

func (s *Server) updateIdentityProvider(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *identityProviderInput, set fieldSet) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if set.has("organization_id") {
			return fc.Invalid(map[string]string{"organization_id": "does not change: configure a new identity provider on the other organization"})
		}
		p, err := s.app.UpdateIdentityProvider(r.Context(), subj, id, func(p *fc.IdentityProvider) error {
			return applyIdentityProvider(p, in, set)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewIdentityProvider(p))
		return nil
	})(w, r)
}

func (s *Server) createSCIMToken(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	token, err := s.app.CreateSCIMToken(r.Context(), subj, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, scimTokenView{Token: token, BaseURL: "/scim/v2"})
	return nil
}
