package app

import (
	"context"
	"slices"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Roaming over OCPI (issue 17): the provider's partners, managed by whoever
// may manage both the stations and the cards of the whole provider (its
// admins), since a partner reaches both.

// Roaming is the OCPI edge, as the services reach it: the registration
// handshake with a partner, unregistration and a full push. The ocpi
// package implements it; it is made after the services, so it is set
// later (Service.Roaming).
type Roaming interface {
	// VersionsURL is our versions endpoint, which partners start from.
	VersionsURL() string
	// Register registers with a partner from its versions URL and token A
	// and stores it as connected.
	Register(ctx context.Context, providerID fc.ID, name, versionsURL, tokenA string) (*fc.OCPIPartner, error)
	// Unregister tells a connected partner that we end the registration.
	Unregister(ctx context.Context, p *fc.OCPIPartner) error
	// Sync queues everything we publish to the partner: all tokens (and,
	// as a CPO, all locations).
	Sync(ctx context.Context, p *fc.OCPIPartner) error
}

// OCPIPartnerView is a partner with what its admins see of its traffic.
type OCPIPartnerView struct {
	*fc.OCPIPartner
	// Exchanges are the newest exchanges with the partner; Waiting the
	// pushes still in the outbox, oldest first.
	Exchanges []fc.OCPIExchange
	Waiting   []fc.OCPIMessage
	// Commands are the newest commands sent to and received from the
	// partner; Sessions the newest sessions its tokens charged at our
	// roaming stations, latest change first.
	Commands []fc.OCPICommand
	Sessions []fc.RoamingSession
}

// partnerViewRows is how many exchanges, waiting pushes, commands and
// sessions a partner's view holds.
const partnerViewRows = 50

// mayManageRoaming checks that the subject manages the stations and the
// cards of the whole provider.
func mayManageRoaming(subj access.Subject) error {
	if !access.Reach(subj, access.StationsManage).All || !access.Reach(subj, access.CardsManage).All {
		return fc.Errorf(fc.EForbidden, "roaming partners need %s and %s over the whole provider", access.StationsManage, access.CardsManage)
	}
	return nil
}

// mayChangeRoaming checks that a charge group's roaming flag changes only
// by whoever manages roaming: it publishes the group's stations to every
// partner and admits their drivers, a decision for the whole provider.
func mayChangeRoaming(subj access.Subject, before, after bool) error {
	if before == after {
		return nil
	}
	if err := mayManageRoaming(subj); err != nil {
		return fc.Errorf(fc.EForbidden, "the roaming of a charge group is changed by who manages roaming: %s and %s over the whole provider",
			access.StationsManage, access.CardsManage)
	}
	return nil
}

func (s *Service) roaming() (Roaming, error) {
	switch {
	case s.Roaming != nil:
		return s.Roaming, nil
	case s.Operations != nil && s.Operations.roaming != nil:
		return s.Operations.roaming, nil
	}
	return nil, fc.Errorf(fc.EUnavailable, "roaming is not available on this server")
}

// SetRoaming sets the OCPI edge the services reach through Operations.
func (o *Operations) SetRoaming(r Roaming) { o.roaming = r }

// checkOCPIIdentity refuses roaming while the provider has no OCPI
// identity: its credentials, EVSE IDs and contract IDs need one.
func (s *Service) checkOCPIIdentity(ctx context.Context, providerID fc.ID) error {
	p, err := s.Store.Provider(ctx, providerID)
	if err != nil {
		return err
	}
	if p.OCPICountryCode == "" || p.OCPIPartyID == "" {
		return fc.Errorf(fc.EConflict, "set the provider's ocpi_country_code and ocpi_party_id first")
	}
	return nil
}

// CreateOCPIPartner makes a partner that will register with us: pending,
// with a new token A, which is returned once, with our versions URL.
func (s *Service) CreateOCPIPartner(ctx context.Context, subj access.Subject, name string) (p *fc.OCPIPartner, tokenA, versionsURL string, err error) {
	if err := mayManageRoaming(subj); err != nil {
		return nil, "", "", err
	}
	r, err := s.roaming()
	if err != nil {
		return nil, "", "", err
	}
	if err := s.checkOCPIIdentity(ctx, subj.ProviderID); err != nil {
		return nil, "", "", err
	}
	tokenA = secret.Token("ocpia_")
	p = &fc.OCPIPartner{ProviderID: subj.ProviderID, Name: strings.TrimSpace(name), Status: fc.PartnerPending}
	if err := s.Store.CreateOCPIPartner(ctx, p, secret.HashToken(tokenA), fc.OCPITokenA); err != nil {
		return nil, "", "", err
	}
	return p, tokenA, r.VersionsURL(), nil
}

// RegisterOCPIPartner registers with a partner from its versions URL and
// the token A it gave us.
func (s *Service) RegisterOCPIPartner(ctx context.Context, subj access.Subject, name, versionsURL, tokenA string) (*fc.OCPIPartner, error) {
	if err := mayManageRoaming(subj); err != nil {
		return nil, err
	}
	r, err := s.roaming()
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if strings.TrimSpace(name) == "" {
		fields["name"] = "is required"
	}
	if !strings.HasPrefix(versionsURL, "https://") && !strings.HasPrefix(versionsURL, "http://") {
		fields["versions_url"] = "must be an http or https URL"
	}
	if tokenA == "" {
		fields["token_a"] = "is required"
	}
	if len(fields) > 0 {
		return nil, fc.Invalid(fields)
	}
	if err := s.checkOCPIIdentity(ctx, subj.ProviderID); err != nil {
		return nil, err
	}
	return r.Register(ctx, subj.ProviderID, strings.TrimSpace(name), versionsURL, tokenA)
}

// OCPIPartners lists the provider's partners.
func (s *Service) OCPIPartners(ctx context.Context, subj access.Subject) ([]fc.OCPIPartner, error) {
	if err := mayManageRoaming(subj); err != nil {
		return nil, err
	}
	return s.Store.OCPIPartners(ctx, subj.ProviderID)
}

// OCPIPartner returns one partner with its recent exchanges and waiting
// pushes.
func (s *Service) OCPIPartner(ctx context.Context, subj access.Subject, id fc.ID) (*OCPIPartnerView, error) {
	if err := mayManageRoaming(subj); err != nil {
		return nil, err
	}
	p, err := s.Store.OCPIPartner(ctx, subj.ProviderID, id)
	if err != nil {
		return nil, err
	}
	v := &OCPIPartnerView{OCPIPartner: p}
	if v.Exchanges, err = s.Store.OCPIExchanges(ctx, subj.ProviderID, id, 50); err != nil {
		return nil, err
	}
	if v.Waiting, err = s.Store.OCPIOutbox(ctx, subj.ProviderID, id, 50); err != nil {
		return nil, err
	}
	if v.Commands, err = s.Store.OCPIPartnerCommands(ctx, subj.ProviderID, id, partnerViewRows); err != nil {
		return nil, err
	}
	// Listed oldest change first: the newest are the last page.
	_, total, err := s.Store.RoamingSessions(ctx, subj.ProviderID, id, time.Time{}, time.Time{}, 0, 1)
	if err != nil {
		return nil, err
	}
	if v.Sessions, _, err = s.Store.RoamingSessions(ctx, subj.ProviderID, id, time.Time{}, time.Time{}, max(0, total-partnerViewRows), partnerViewRows); err != nil {
		return nil, err
	}
	slices.Reverse(v.Sessions)
	return v, nil
}

// RetryOCPIPartner makes every push waiting for the partner due now, and
// returns how many wait.
func (s *Service) RetryOCPIPartner(ctx context.Context, subj access.Subject, id fc.ID) (int64, error) {
	if err := mayManageRoaming(subj); err != nil {
		return 0, err
	}
	return s.Store.OCPIRetryNow(ctx, subj.ProviderID, id, s.now())
}

// SetOCPIPartnerStatus suspends a connected partner or resumes a suspended
// one.
func (s *Service) SetOCPIPartnerStatus(ctx context.Context, subj access.Subject, id fc.ID, status string) (*fc.OCPIPartner, error) {
	if err := mayManageRoaming(subj); err != nil {
		return nil, err
	}
	return s.Store.UpdateOCPIPartner(ctx, subj.ProviderID, id, "", "", func(p *fc.OCPIPartner) error {
		switch {
		case status == fc.PartnerSuspended && p.Status == fc.PartnerConnected,
			status == fc.PartnerConnected && p.Status == fc.PartnerSuspended:
			p.Status = status
			return nil
		case status == p.Status:
			return nil
		case status != fc.PartnerSuspended && status != fc.PartnerConnected:
			return fc.Invalid(map[string]string{"status": "must be suspended or connected"})
		}
		return fc.Errorf(fc.EConflict, "a %s partner cannot be %s", p.Status, status)
	})
}

// DeleteOCPIPartner ends a partnership: a connected or suspended partner is
// told first (its answer, or its absence, does not stop the removal).
func (s *Service) DeleteOCPIPartner(ctx context.Context, subj access.Subject, id fc.ID) error {
	if err := mayManageRoaming(subj); err != nil {
		return err
	}
	p, err := s.Store.OCPIPartner(ctx, subj.ProviderID, id)
	if err != nil {
		return err
	}
	if r, err := s.roaming(); err == nil && p.Status != fc.PartnerPending {
		_ = r.Unregister(ctx, p)
	}
	return s.Store.DeleteOCPIPartner(ctx, subj.ProviderID, id)
}

// SyncOCPIPartner queues everything we publish to a connected partner.
func (s *Service) SyncOCPIPartner(ctx context.Context, subj access.Subject, id fc.ID) error {
	if err := mayManageRoaming(subj); err != nil {
		return err
	}
	r, err := s.roaming()
	if err != nil {
		return err
	}
	p, err := s.Store.OCPIPartner(ctx, subj.ProviderID, id)
	if err != nil {
		return err
	}
	if p.Status != fc.PartnerConnected {
		return fc.Errorf(fc.EConflict, "partner %s is %s, not connected", p.ID, p.Status)
	}
	return r.Sync(ctx, p)
}
