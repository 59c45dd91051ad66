package store

import (
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// TestAuditSitsKnowsEveryReadKind checks that the store knows where the
// audit events of every kind access gives a read permission sit, so that
// none falls back to sitting on whatever it names; stations and sessions
// have scopes of their own.
func TestAuditSitsKnowsEveryReadKind(t *testing.T) {
	for _, kind := range access.ReadKinds() {
		if _, ok := auditSits[kind]; !ok && kind != fc.KindStation && kind != fc.KindSession {
			t.Errorf("kind %q has a read permission in access but no place in auditSits", kind)
		}
	}
	for kind := range auditSits {
		if _, ok := access.ReadPermission(kind); !ok {
			t.Errorf("auditSits places kind %q, which access gives no read permission", kind)
		}
	}
}
