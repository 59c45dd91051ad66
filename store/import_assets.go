package store

import (
	"context"
	"database/sql"
	"errors"

	fc "github.com/fleetcharge/fleetcharge"
)

// Bulk import of cards and employees (CONTRACT.md: Bulk import): every row
// is checked as its own create would be, in one transaction, so that rows
// see the ones before them (a duplicate in the file is refused); with any
// row refused, or on a dry run, the transaction rolls back and nothing is
// created.

// errImportRollback rolls back an import that creates nothing.
var errImportRollback = errors.New("import: roll back")

// ImportCards creates the cards, all or none: it returns each refused
// card's error by its index. Nothing is created when any is refused or
// dryRun is set. The cards must hold their provider and status; the
// caller checks that the user may create them in their accounts.
func (s *Store) ImportCards(ctx context.Context, cards []fc.Card, dryRun bool) (map[int]error, error) {
	return s.importRows(ctx, len(cards), dryRun, func(tx *sql.Tx, i int) error {
		c := &cards[i]
		if err := validateCard(c); err != nil {
			return err
		}
		now := s.now()
		c.CreatedAt, c.UpdatedAt, c.LastUsedAt = now, now, nil
		return s.insertCard(ctx, tx, c, now)
	})
}

// ImportEmployees creates the employees, all or none, as ImportCards does.
func (s *Store) ImportEmployees(ctx context.Context, employees []fc.Employee, dryRun bool) (map[int]error, error) {
	return s.importRows(ctx, len(employees), dryRun, func(tx *sql.Tx, i int) error {
		e := &employees[i]
		if err := validateEmployee(e); err != nil {
			return err
		}
		now := s.now()
		e.CreatedAt, e.UpdatedAt = now, now
		return s.insertEmployee(ctx, tx, e, now)
	})
}

// importRows runs create for each of n rows in one transaction. A refusal
// (an error with a code other than internal) is the row's; any other error
// ends the import.
func (s *Store) importRows(ctx context.Context, n int, dryRun bool, create func(tx *sql.Tx, i int) error) (map[int]error, error) {
	var refused map[int]error
	err := s.write(ctx, func(tx *sql.Tx) error {
		refused = map[int]error{}
		for i := 0; i < n; i++ {
			err := create(tx, i)
			if err == nil {
				continue
			}
			if fc.ErrorCode(err) == fc.EInternal {
				return err
			}
			refused[i] = err
		}
		if len(refused) > 0 || dryRun {
			return errImportRollback
		}
		return nil
	})
	if errors.Is(err, errImportRollback) {
		err = nil
	}
	return refused, err
}
