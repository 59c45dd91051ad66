package secret

import (
	"strings"
	"testing"
)

func TestBox(t *testing.T) {
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal("p", "the client secret")
	if strings.Contains(sealed, "client secret") {
		t.Fatalf("sealed text shows the plaintext: %s", sealed)
	}
	if b.Seal("p", "the client secret") == sealed {
		t.Error("two seals of one value are alike: the nonce is not random")
	}
	got, err := b.Open("p", sealed)
	if err != nil || got != "the client secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open("q", sealed); err == nil {
		t.Error("a value sealed for p opens for q")
	}
	other, _ := NewBox(Bytes(KeyLen))
	if _, err := other.Open("p", sealed); err == nil {
		t.Error("a value opens with another key")
	}
	tampered := []byte(sealed)
	tampered[len(tampered)-3] ^= 1
	if _, err := b.Open("p", string(tampered)); err == nil {
		t.Error("an altered value opens")
	}
	if _, err := ParseKey("c2hvcnQ="); err == nil {
		t.Error("a short key is taken")
	}
}
