package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fleetcharge/fleetcharge/auth"
)

// runPasswordReset issues a single-use password reset for a user and
// prints it: the link when the public address is known, and the token,
// which the web application's reset page also takes.
func runPasswordReset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("password reset", stderr)
	email := fs.String("email", "", "e-mail of the user")
	baseURL := fs.String("base-url", envOr("FLEETCHARGE_BASE_URL", ""), "public address of the web application, to print a link")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("password reset needs --email")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := auth.New(st, auth.Config{BaseURL: *baseURL})
	token, u, err := svc.CreatePasswordReset(cliContext(ctx), *email)
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	fmt.Fprintf(stdout, "token: %s\n", token)
	if *baseURL != "" {
		fmt.Fprintf(stdout, "link: %s\n", svc.ResetLink(token))
	}
	fmt.Fprintf(stdout, "for %s, valid until %s, once\n", u.Email, time.Now().Add(svc.Config.ResetTTL).UTC().Format(time.RFC3339))
	return nil
}
