package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// AuditEvents lists the audit events of objects within the subject's
// audit.read reach.
func (s *Service) AuditEvents(ctx context.Context, subj access.Subject, f fc.AuditFilter) ([]fc.AuditEvent, error) {
	return s.Store.AuditEvents(ctx, access.ScopeFor(subj, access.AuditRead), f)
}

// AuditEvent returns one audit event the subject may read.
func (s *Service) AuditEvent(ctx context.Context, subj access.Subject, id fc.ID) (*fc.AuditEvent, error) {
	es, err := s.AuditEvents(ctx, subj, fc.AuditFilter{Page: fc.Page{After: id - 1, Limit: 1}})
	if err != nil {
		return nil, err
	}
	if len(es) == 0 || es[0].ID != id {
		return nil, fc.Errorf(fc.ENotFound, "audit event %s not found", id)
	}
	return &es[0], nil
}
