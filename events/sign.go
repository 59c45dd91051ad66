package events

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signing per the Standard Webhooks specification: the secret is whsec_
// and the base64 of a random key; a delivery carries webhook-id,
// webhook-timestamp (Unix seconds) and webhook-signature, "v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body" under the key.

// secretBytes is the key length: the specification asks for 24 to 64.
const secretBytes = 32

// NewSecret returns a new webhook secret, whsec_ and the base64 of 32
// random bytes.
func NewSecret() string {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// Headers are the Standard Webhooks headers of one attempt.
type Headers struct {
	ID, Timestamp, Signature string
}

// Sign returns the headers of a delivery with the id, sent at at, of the
// body under the secret.
func Sign(secret, id string, at time.Time, body []byte) (Headers, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return Headers{}, fmt.Errorf("a webhook secret is whsec_ and base64")
	}
	if strings.Contains(id, ".") {
		return Headers{}, fmt.Errorf("a webhook id has no full stop")
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return Headers{ID: id, Timestamp: ts, Signature: "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))}, nil
}
