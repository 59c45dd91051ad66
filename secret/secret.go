// Package secret hashes and checks the platform's secrets: user passwords
// (argon2id), station passwords and API tokens (salted or plain SHA-256,
// which fits secrets that are long and random), and makes new random ones.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns an argon2id hash of a user's password in the PHC
// string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
func HashPassword(password string) string {
	salt := Bytes(saltLen)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches a hash from HashPassword,
// in constant time. A malformed hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// HashStationPassword returns a salted SHA-256 hash of a station's password
// ("sha256$salt$hash", hex). Station passwords are long and random (OCPP
// asks 16 to 40 characters), so a fast hash is safe, and a reconnect storm of
// thousands of stations stays cheap.
func HashStationPassword(password string) string {
	salt := Bytes(saltLen)
	sum := sha256.Sum256(append(salt, password...))
	return "sha256$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(sum[:])
}

// CheckStationPassword reports whether password matches a hash from
// HashStationPassword, in constant time.
func CheckStationPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 3 || parts[0] != "sha256" {
		return false
	}
	salt, err := hex.DecodeString(parts[1])
	if err != nil {
		return false
	}
	want, err := hex.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256(append(salt, password...))
	return subtle.ConstantTimeCompare(sum[:], want) == 1
}

// HashToken returns the SHA-256 hex digest under which an API token or a
// web session ID is stored; tokens are random, so no salt is needed and the
// digest can be looked up directly.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Token returns a new random token with the given prefix, such as "fct_"
// for API tokens: 32 random bytes in URL-safe base64.
func Token(prefix string) string {
	return prefix + base64.RawURLEncoding.EncodeToString(Bytes(32))
}

// Password returns a new random password of n characters from an alphabet
// without look-alike characters.
func Password(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := Bytes(n)
	out := make([]byte, n)
	for i := range b {
		out[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(out)
}

// Bytes returns n bytes from the system's secure random source.
func Bytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("secret: no secure random source: " + err.Error())
	}
	return b
}
