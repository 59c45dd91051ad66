// Package app holds the use cases that the JSON API and the web application
// share: listing, reading, creating, changing and deleting every kind of
// object, importing sessions, sending remote commands, and telling a user
// what it may see and why. Each method takes the acting user as an
// access.Subject and applies one rule:
//
//   - Reads run in the store scope of the kind's read permission
//     (access.ScopeFor, SessionScopeFor, StationScopeFor), so the store never
//     returns what the subject may not see.
//   - A change first reads the object in that same scope, so anything the
//     subject cannot see is fleetcharge.ENotFound, exactly as if it did not
//     exist; then access.Decide on the object's owner tells whether the
//     subject may change what it sees (fleetcharge.EForbidden if not); then
//     the store makes the change in the scope of the manage permission.
//   - A create decides on the parent the new object goes into (the account
//     of a card, the organization of an account). A parent the subject
//     cannot see is reported as an invalid field, the same as one that does
//     not exist.
//
// The actor recorded in the audit log travels in the context
// (fleetcharge.WithActor); package auth puts the signed-in user there.
package app

import (
	"context"
	"encoding/json"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/secret"
)

// Service runs the use cases on a store.
type Service struct {
	Store fc.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Commander sends remote commands to stations (the OCPP endpoint's
	// Server.Call); nil means remote commands are unavailable.
	Commander Commander
	// Operations is the station work beside requests (station jobs, local
	// lists) that changes here wake; nil: none runs.
	Operations *Operations
	// Roaming is the OCPI edge; nil: the one set on Operations, if any.
	Roaming Roaming
	// Secrets seals the secrets kept to be read back (identity providers'
	// client secrets); nil: none can be kept.
	Secrets *secret.Box
}

// Commander sends one OCPP call to the station with the identity and
// returns its answer's payload. It fails with fleetcharge.EConflict when the
// station is offline.
type Commander interface {
	Call(ctx context.Context, identity, action string, request any) (json.RawMessage, error)
}

// Counter counts what a scope reaches, in SQL. The SQL store implements it;
// without it Me reports no counts.
type Counter interface {
	CountOrganizations(ctx context.Context, sc fc.Scope) (int64, error)
	CountAccounts(ctx context.Context, sc fc.Scope) (int64, error)
	CountCards(ctx context.Context, sc fc.Scope) (int64, error)
	CountStations(ctx context.Context, sc fc.StationScope) (int64, error)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Subject returns the access subject of user u: the user with every role
// assignment it holds.
func (s *Service) Subject(ctx context.Context, u *fc.User) (access.Subject, error) {
	as, err := s.Store.UserAssignments(ctx, u.ID)
	if err != nil {
		return access.Subject{}, err
	}
	return access.NewSubject(u, as), nil
}

// mayChange applies the rule of every change after the object was read in
// the subject's read scope: the subject must hold p on the object's owner.
func (s *Service) mayChange(ctx context.Context, subj access.Subject, kind string, id fc.ID, p access.Permission) error {
	o, err := s.Store.Owner(ctx, subj.ProviderID, kind, id)
	if err != nil {
		return err
	}
	if !access.Can(subj, p, o) {
		return forbidden(kind, id, p)
	}
	return nil
}

// forbidden is the error of a change the subject may see but not make. It
// names the missing permission and nothing of where the object sits.
func forbidden(kind string, id fc.ID, p access.Permission) error {
	return fc.Errorf(fc.EForbidden, "you may see %s %s but not change it: that needs %s", kind, id, p)
}

// parentOwner returns the owner of the object of kind and id that a new or
// changed object names in field (its account, its organization), checking
// that the subject sees it with read: one it cannot see is reported as
// missing, with the field's error, exactly like one that does not exist.
func (s *Service) parentOwner(ctx context.Context, subj access.Subject, kind string, id fc.ID, read access.Permission, field string) (fc.Owner, error) {
	if id <= 0 {
		return fc.Owner{}, fc.Invalid(map[string]string{field: "is required"})
	}
	o, err := s.Store.Owner(ctx, subj.ProviderID, kind, id)
	if fc.IsCode(err, fc.ENotFound) || err == nil && !access.Can(subj, read, o) {
		return fc.Owner{}, fc.Invalid(map[string]string{field: "no such " + kindNoun(kind)})
	}
	return o, err
}

// mayCreate checks that the subject may create an object needing create
// under the parent of kind and id that field names, seen with read.
func (s *Service) mayCreate(ctx context.Context, subj access.Subject, kind string, id fc.ID, read, create access.Permission, field string) error {
	o, err := s.parentOwner(ctx, subj, kind, id, read, field)
	if err != nil {
		return err
	}
	if !access.Can(subj, create, o) {
		return fc.Errorf(fc.EForbidden, "you may not create this in %s %s: that needs %s", kindNoun(kind), id, create)
	}
	return nil
}

func kindNoun(kind string) string {
	switch kind {
	case fc.KindChargeGroup:
		return "charge group"
	case fc.KindAssignment:
		return "role assignment"
	}
	return kind
}
