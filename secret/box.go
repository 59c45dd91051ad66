package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeyLen is the length of a Box key: 32 bytes, AES-256.
const KeyLen = 32

// sealedPrefix marks text sealed by a Box, with the version of its format.
const sealedPrefix = "v1:"

// Box encrypts the secrets the platform must read back (an identity
// provider's client secret, an ID token kept for logout) before they are
// stored: AES-256-GCM with a random nonce per value, and the value's purpose
// as additional data, so that a sealed value cannot be moved to another
// column and opened there. Make one with NewBox.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a box with the key, which must be KeyLen bytes.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeyLen {
		return nil, fmt.Errorf("secret: a key must be %d bytes, not %d", KeyLen, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// NewKey returns a new random key, in the text form ParseKey reads.
func NewKey() string { return base64.StdEncoding.EncodeToString(Bytes(KeyLen)) }

// ParseKey reads a key written as base64 (standard or URL alphabet, with or
// without padding), surrounding space ignored.
func ParseKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			if len(b) != KeyLen {
				return nil, fmt.Errorf("secret: the key is %d bytes: it must be %d (make one with: head -c 32 /dev/urandom | base64)", len(b), KeyLen)
			}
			return b, nil
		}
	}
	return nil, errors.New("secret: the key is not base64 (make one with: head -c 32 /dev/urandom | base64)")
}

// LoadBox reads a base64 key from a file and returns its box.
func LoadBox(path string) (*Box, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	return NewBox(key)
}

// Seal encrypts plaintext for the purpose (such as
// "identity_provider.client_secret") and returns it as text.
func (b *Box) Seal(purpose, plaintext string) string {
	nonce := Bytes(b.aead.NonceSize())
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(purpose))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// ErrOpen is the error of a sealed value that does not open: altered,
// sealed for another purpose or with another key.
var ErrOpen = errors.New("secret: the sealed value does not open with this key and purpose")

// Open decrypts a value Seal returned for the same purpose.
func (b *Box) Open(purpose, sealed string) (string, error) {
	body, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	n := b.aead.NonceSize()
	if err != nil || len(raw) < n+b.aead.Overhead() {
		return "", ErrOpen
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
