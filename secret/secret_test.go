package secret

import "testing"

func TestPassword(t *testing.T) {
	h := HashPassword("correct horse")
	if !CheckPassword(h, "correct horse") {
		t.Fatal("the right password does not match")
	}
	for _, bad := range []string{"correct hors", "", "Correct horse"} {
		if CheckPassword(h, bad) {
			t.Errorf("wrong password %q matches", bad)
		}
	}
	if HashPassword("x") == HashPassword("x") {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, malformed := range []string{"", "$argon2id$", "plain", "$argon2id$v=19$m=1,t=1,p=1$!!$!!"} {
		if CheckPassword(malformed, "") {
			t.Errorf("malformed hash %q matches", malformed)
		}
	}
}

func TestStationPassword(t *testing.T) {
	h := HashStationPassword("s3cret-station-pw")
	if !CheckStationPassword(h, "s3cret-station-pw") {
		t.Fatal("the right password does not match")
	}
	if CheckStationPassword(h, "s3cret-station-px") || CheckStationPassword("", "") || CheckStationPassword("sha256$zz$zz", "") {
		t.Error("a wrong password or malformed hash matches")
	}
}

func TestTokenAndPassword(t *testing.T) {
	a, b := Token("fct_"), Token("fct_")
	if a == b || len(a) != 4+43 {
		t.Errorf("tokens %q %q: want distinct, 47 characters", a, b)
	}
	if HashToken(a) == HashToken(b) || HashToken(a) != HashToken(a) {
		t.Error("token hashes are not a function of the token")
	}
	if p := Password(16); len(p) != 16 {
		t.Errorf("password length %d, want 16", len(p))
	}
}
