package app

import (
	"context"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// ReimbursementStatementsToApprove lists the draft statements that f
// selects and the subject may approve: those of the accounts where it holds
// reimbursement.approve, scoped in SQL as the statements it reads are.
func (s *Service) ReimbursementStatementsToApprove(ctx context.Context, subj access.Subject, f fc.ReimbursementStatementFilter) ([]fc.ReimbursementStatement, error) {
	f.Status = fc.StatementDraft
	return s.Store.ReimbursementStatements(ctx, access.ScopeFor(subj, access.ReimbursementApprove), f)
}
