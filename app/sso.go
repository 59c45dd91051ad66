package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Single sign-on (issue 24; docs/SSO.md): identity providers are
// configured by provider admins, who hold users.manage on the whole
// provider, since the providers' users sign in with roles they map.

// PurposeClientSecret is what an identity provider's client secret is
// sealed for (secret.Box).
const PurposeClientSecret = "identity_provider.client_secret"

// SCIMTokenPrefix starts every SCIM token.
const SCIMTokenPrefix = "fcscim_"

// mayManageSSO checks that the subject manages the users of the whole
// provider.
func mayManageSSO(subj access.Subject) error {
	if !access.Reach(subj, access.UsersManage).All {
		return fc.Errorf(fc.EForbidden, "identity providers need %s on the whole provider", access.UsersManage)
	}
	return nil
}

func (s *Service) box() (*secret.Box, error) {
	if s.Secrets == nil {
		return nil, fc.Errorf(fc.EUnavailable, "this server has no secret key to keep client secrets with: start it with --secret-key-file")
	}
	return s.Secrets, nil
}

// IdentityProviders lists the provider's identity providers.
func (s *Service) IdentityProviders(ctx context.Context, subj access.Subject, p fc.Page) ([]fc.IdentityProvider, error) {
	if err := mayManageSSO(subj); err != nil {
		return nil, err
	}
	return s.Store.IdentityProviders(ctx, access.ScopeFor(subj, access.UsersManage), p)
}

// IdentityProvider returns one identity provider.
func (s *Service) IdentityProvider(ctx context.Context, subj access.Subject, id fc.ID) (*fc.IdentityProvider, error) {
	if err := mayManageSSO(subj); err != nil {
		return nil, err
	}
	return s.Store.IdentityProvider(ctx, access.ScopeFor(subj, access.UsersManage), id)
}

// checkGroupRoles checks that the subject could grant every role the
// mapping gives: nobody maps more than it holds. That the organizations
// lie inside the identity provider's own is the store's check.
func (s *Service) checkGroupRoles(ctx context.Context, subj access.Subject, p *fc.IdentityProvider) error {
	for _, g := range p.GroupRoles {
		if g.OrganizationID <= 0 || !g.Role.Valid() {
			continue // the store names the field
		}
		o, err := s.Store.Owner(ctx, subj.ProviderID, fc.KindOrganization, g.OrganizationID)
		if fc.IsCode(err, fc.ENotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := access.CanGrant(subj, fc.Assignment{ProviderID: subj.ProviderID, Role: g.Role, OrganizationID: g.OrganizationID}, o); err != nil {
			return err
		}
	}
	return nil
}

// CreateIdentityProvider configures an identity provider on an
// organization, sealing its client secret.
func (s *Service) CreateIdentityProvider(ctx context.Context, subj access.Subject, p *fc.IdentityProvider) error {
	if err := mayManageSSO(subj); err != nil {
		return err
	}
	box, err := s.box()
	if err != nil {
		return err
	}
	if _, err := s.parentOwner(ctx, subj, fc.KindOrganization, p.OrganizationID, access.OrganizationsRead, "organization_id"); err != nil {
		return err
	}
	if err := s.checkGroupRoles(ctx, subj, p); err != nil {
		return err
	}
	p.ProviderID = subj.ProviderID
	if p.ClientSecret != "" {
		p.ClientSecret = box.Seal(PurposeClientSecret, p.ClientSecret)
	}
	return s.Store.CreateIdentityProvider(ctx, p)
}

// UpdateIdentityProvider changes an identity provider; fn sets a new
// client secret in clear, which is sealed here.
func (s *Service) UpdateIdentityProvider(ctx context.Context, subj access.Subject, id fc.ID, fn func(*fc.IdentityProvider) error) (*fc.IdentityProvider, error) {
	if err := mayManageSSO(subj); err != nil {
		return nil, err
	}
	box, err := s.box()
	if err != nil {
		return nil, err
	}
	return s.Store.UpdateIdentityProvider(ctx, access.ScopeFor(subj, access.UsersManage), id, func(p *fc.IdentityProvider) error {
		sealed := p.ClientSecret
		if err := fn(p); err != nil {
			return err
		}
		if p.ClientSecret != sealed && p.ClientSecret != "" {
			p.ClientSecret = box.Seal(PurposeClientSecret, p.ClientSecret)
		}
		return s.checkGroupRoles(ctx, subj, p)
	})
}

// DeleteIdentityProvider removes an identity provider with the roles its
// mapping gave.
func (s *Service) DeleteIdentityProvider(ctx context.Context, subj access.Subject, id fc.ID) error {
	if err := mayManageSSO(subj); err != nil {
		return err
	}
	return s.Store.DeleteIdentityProvider(ctx, access.ScopeFor(subj, access.UsersManage), id)
}

// CreateSCIMToken issues a new SCIM token for the identity provider,
// replacing the old one, and returns it: shown this once, kept as a hash.
func (s *Service) CreateSCIMToken(ctx context.Context, subj access.Subject, id fc.ID) (string, error) {
	if err := mayManageSSO(subj); err != nil {
		return "", err
	}
	token := secret.Token(SCIMTokenPrefix)
	if err := s.Store.SetSCIMToken(ctx, access.ScopeFor(subj, access.UsersManage), id, secret.HashToken(token)); err != nil {
		return "", err
	}
	return token, nil
}

// SSOConfigurable tells whether identity providers can be configured on
// this server: nil, or the EUnavailable error their creation and changes
// answer when it has no secret key to seal client secrets with.
func (s *Service) SSOConfigurable() error {
	_, err := s.box()
	return err
}
