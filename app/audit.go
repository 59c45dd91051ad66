package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// AuditEvents lists the audit events the subject may read: within its
// audit.read reach, of objects it may read (access.AuditScopeFor), their
// bodies masked as a read of the object would be.
func (s *Service) AuditEvents(ctx context.Context, subj access.Subject, f fc.AuditFilter) ([]fc.AuditEvent, error) {
	return s.Store.AuditLog(ctx, access.AuditScopeFor(subj), f)
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
