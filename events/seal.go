package events

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetcharge/fleetcharge/secret"
)

// Webhook secrets at rest (docs/EVENTS.md): a server with a secret key
// (serve --secret-key-file) keeps each webhook's signing secret sealed
// with it (secret.Box, AES-256-GCM, for PurposeWebhookSecret), and seals
// the ones kept in clear by an earlier version, or while it ran without a
// key, when the deliverer starts. A server without a key keeps new
// secrets in clear, says so in its log at start, and cannot sign for a
// sealed one: such deliveries fail, each attempt logged with the reason.

// PurposeWebhookSecret is what a webhook's signing secret is sealed for.
const PurposeWebhookSecret = "webhook.secret"

// sealedPrefix starts a sealed value (secret.Box.Seal); a secret in clear
// starts with whsec_.
const sealedPrefix = "v1:"

// IsSealed reports whether a stored webhook secret is sealed.
func IsSealed(stored string) bool { return strings.HasPrefix(stored, sealedPrefix) }

// SealSecret returns the signing secret as it is stored: sealed with box,
// or as it is when box is nil.
func SealSecret(box *secret.Box, plain string) string {
	if box == nil {
		return plain
	}
	return box.Seal(PurposeWebhookSecret, plain)
}

// OpenSecret returns the signing secret of a stored one.
func OpenSecret(box *secret.Box, stored string) (string, error) {
	if !IsSealed(stored) {
		return stored, nil
	}
	if box == nil {
		return "", fmt.Errorf("the webhook's secret is sealed and this server has no secret key (--secret-key-file) to open it")
	}
	plain, err := box.Open(PurposeWebhookSecret, stored)
	if err != nil {
		return "", fmt.Errorf("the webhook's secret does not open with this server's secret key: %w", err)
	}
	return plain, nil
}

// SecretSealer is the part of a store that seals the webhook secrets kept
// in clear; the SQL store has it.
type SecretSealer interface {
	// SealWebhookSecrets replaces every webhook secret kept in clear by
	// seal(secret) and returns how many; with seal nil it only counts them.
	SealWebhookSecrets(ctx context.Context, seal func(string) string) (int, error)
}

// sealStored seals the secrets kept in clear, when the service has a key,
// or warns that there are some, when it has none.
func (s *Service) sealStored(ctx context.Context) {
	ss, ok := s.cfg.Store.(SecretSealer)
	if !ok {
		return
	}
	var seal func(string) string
	if box := s.cfg.Secrets; box != nil {
		seal = func(plain string) string { return SealSecret(box, plain) }
	}
	n, err := ss.SealWebhookSecrets(ctx, seal)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			s.log.Warn("sealing webhook secrets", "err", err)
		}
	case n > 0 && seal != nil:
		s.log.Info("webhook secrets sealed with the secret key", "webhooks", n)
	case n > 0:
		s.log.Warn("webhook secrets are kept in clear: start the server with --secret-key-file to seal them", "webhooks", n)
	}
}
