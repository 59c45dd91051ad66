package store_test

import (
	"context"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestUserLanguage: a user's language is empty until chosen, kept by
// SetUserLanguage and UpdateUser, read by every way users are read, and
// refused when it is none of the application's languages.
func TestUserLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustProvider(t, s, "CPO")
		u := authTestUser(t, s, p.ID, "lang@example.com")
		if got, err := s.AuthUser(ctx, u.ID); err != nil || got.Language != "" {
			t.Fatalf("a new user's language: %q, %v", got.Language, err)
		}
		if err := s.SetUserLanguage(ctx, u.ID, "nl"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AuthUser(ctx, u.ID); err != nil || got.Language != "nl" {
			t.Errorf("AuthUser after choosing nl: %q, %v", got.Language, err)
		}
		if got, err := s.User(ctx, fc.ProviderScope(p.ID), u.ID); err != nil || got.Language != "nl" {
			t.Errorf("User after choosing nl: %q, %v", got.Language, err)
		}
		for _, bad := range []string{"xx", "NL", "nl-BE", "ja"} {
			mustCode(t, "language "+bad, s.SetUserLanguage(ctx, u.ID, bad), fc.EInvalid)
			_, err := s.UpdateUser(ctx, fc.ProviderScope(p.ID), u.ID, func(u *fc.User) error { u.Language = bad; return nil })
			mustCode(t, "update to "+bad, err, fc.EInvalid)
		}
		mustCode(t, "an unknown user", s.SetUserLanguage(ctx, u.ID+1000, "de"), fc.ENotFound)
		if _, err := s.UpdateUser(ctx, fc.ProviderScope(p.ID), u.ID, func(u *fc.User) error { u.Language = "fr"; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AuthUser(ctx, u.ID); err != nil || got.Language != "fr" {
			t.Errorf("after UpdateUser to fr: %q, %v", got.Language, err)
		}
		// A new user may come with one; the name and e-mail stay as they were.
		v := &fc.User{ProviderID: p.ID, Email: "de@example.com", Language: "de"}
		if err := s.CreateUser(ctx, v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AuthUser(ctx, v.ID); err != nil || got.Language != "de" || got.Email != "de@example.com" {
			t.Errorf("a user created in German: %+v, %v", got, err)
		}
		if err := s.SetUserLanguage(ctx, v.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AuthUser(ctx, v.ID); err != nil || got.Language != "" {
			t.Errorf("after clearing: %q, %v", got.Language, err)
		}
	})
}
