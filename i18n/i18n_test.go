package i18n

import (
	"regexp"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// TestCatalogsAgree: every language translates the same messages, each
// with the same verbs in the same order.
func TestCatalogsAgree(t *testing.T) {
	verbs := regexp.MustCompile(`%[svd]`)
	all := Messages()
	if len(all) < 1000 {
		t.Fatalf("only %d messages", len(all))
	}
	for _, tag := range Tags[1:] {
		m := Translations(tag)
		for k := range all {
			tr, ok := m[k]
			if !ok {
				t.Errorf("%s lacks %q", tag, k)
				continue
			}
			if got, want := verbs.FindAllString(tr, -1), verbs.FindAllString(k, -1); len(got) != len(want) {
				t.Errorf("%s %q: verbs %v, want %v", tag, tr, got, want)
			} else {
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("%s %q: verbs %v, want %v", tag, tr, got, want)
					}
				}
			}
		}
	}
}

func TestTranslate(t *testing.T) {
	for _, c := range []struct {
		tag      language.Tag
		in, want string
	}{
		{English, "Sign out", "Sign out"},
		{Dutch, "Sign out", "Afmelden"},
		{German, "Sign out", "Abmelden"},
		{Dutch, "Card 0042", "Laadpas 0042"},
		{German, "Station Utrecht Hub", "Ladestation Utrecht Hub"},
		{Dutch, "Delete card 7", "Laadpas 7 verwijderen"},
		{German, "12 rows", "12 Zeilen"},
		{German, "12345 rows", "12.345 Zeilen"},
		{Dutch, "E-mail is required.", "E-mail is verplicht."},
		{Dutch, "Utrecht Hub", "Utrecht Hub"},
		{Dutch, "cards.manage: read charge cards", "cards.manage: laadpassen lezen"},
		{German, "Session 9 on connector 2, since 2026-03-31 14:05 CEST", "Ladevorgang 9 an Anschluss 2, seit 31.03.2026 14:05 CEST"},
	} {
		if got := Translate(c.tag, c.in); got != c.want {
			t.Errorf("Translate(%s, %q) = %q, want %q", c.tag, c.in, got, c.want)
		}
	}
}

func TestT(t *testing.T) {
	if got, want := T(Dutch, "Welcome, %s", "Sanne"), "Welkom, Sanne"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := T(German, "%d rows", 1234), "1.234 Zeilen"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := T(English, "%d rows", 1234), "1,234 rows"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := T(Dutch, "Not a message %s", "x"), "Not a message x"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLocalize(t *testing.T) {
	for _, c := range []struct {
		tag      language.Tag
		in, want string
	}{
		{Dutch, "1234.50", "1.234,50"},
		{German, "12.5 kWh", "12,5 kWh"},
		{Dutch, "EUR 3.40", "EUR 3,40"},
		{German, "45.0 %", "45,0 %"},
		{English, "1234.50", "1234.50"},
		{Dutch, "2026-03-31", "31-03-2026"},
		{German, "2026-03-31 14:05 CEST", "31.03.2026 14:05 CEST"},
		{German, "1234", "1234"}, // integers are often IDs
		{Dutch, "2,254.6 kWh", "2.254,6 kWh"},
		{German, "1,234,567.89 EUR", "1.234.567,89 EUR"},
		{Dutch, "12,500", "12.500"}, // grouped, an integer is a count
		{French, "-3,000.5 kWh", "-3\u202f000,5 kWh"},
		{Dutch, "3,4", "3,4"},           // not grouped by three: left as it is
		{Dutch, "OCPP 1.6", "OCPP 1.6"}, // a version, not a figure
		{Dutch, "Utrecht", "Utrecht"},
		{Dutch, "June 2025", "juni 2025"},
		{German, "1 Mar 2025 – 30 Jun 2025", "1 Mär 2025 – 30 Jun 2025"},
		{German, "Jan Jansen", "Jan Jansen"},
	} {
		if got := Localize(c.tag, c.in); got != c.want {
			t.Errorf("Localize(%s, %q) = %q, want %q", c.tag, c.in, got, c.want)
		}
	}
	d := time.Date(2026, 3, 31, 14, 5, 0, 0, time.UTC)
	if got := DateTime(German, d); got != "31.03.2026 14:05" {
		t.Errorf("DateTime de = %q", got)
	}
	if got := Date(Dutch, d); got != "31-03-2026" {
		t.Errorf("Date nl = %q", got)
	}
	if got := Number(Dutch, 1234567.891, 2); got != "1.234.567,89" {
		t.Errorf("Number nl = %q", got)
	}
}

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		q, cookie, accept string
		want              language.Tag
	}{
		{"", "", "", English},
		{"nl", "de", "de", Dutch},
		{"", "de", "nl", German},
		{"", "", "nl-BE,fr;q=0.8", Dutch},
		{"", "", "de-AT", German},
		{"", "", "ja-JP", English},
		{"", "", "fr-FR", French},
		{"zz", "", "de", German},
		{"", "garbage", "nl", Dutch},
	} {
		if got := Choose(c.q, c.cookie, c.accept); got != c.want {
			t.Errorf("Choose(%q, %q, %q) = %s, want %s", c.q, c.cookie, c.accept, got, c.want)
		}
	}
}

func TestFrench(t *testing.T) {
	d := time.Date(2026, 3, 31, 14, 5, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{Number(French, 1234567.891, 2), "1\u202f234\u202f567,89"},
		{Integer(French, 12345), "12\u202f345"},
		{Date(French, d), "31/03/2026"},
		{DateTime(French, d), "31/03/2026 14:05"},
		{Localize(French, "1234.50"), "1\u202f234,50"},
		{Localize(French, "12.5 kWh"), "12,5 kWh"},
		{Localize(French, "2026-03-31 14:05 CEST"), "31/03/2026 14:05 CEST"},
		{Localize(French, "June 2025"), "juin 2025"},
		{Localize(French, "1 Jun 2025 – 31 Jul 2025"), "1 juin 2025 – 31 juil. 2025"},
		{Translate(French, "Sign out"), "Se déconnecter"},
		{Translate(French, "Card 0042"), "Carte 0042"},
		{Translate(French, "E-mail is required."), "E-mail est obligatoire."},
		{T(French, "%d rows", 1234), "1\u202f234 lignes"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if got := Choose("", "", "fr-BE,en;q=0.5"); got != French {
		t.Errorf("Accept-Language fr-BE chose %s", got)
	}
	if got, ok := Parse("fr-CA"); !ok || got != French {
		t.Errorf("Parse(fr-CA) = %s, %v", got, ok)
	}
}

// TestTranslateFormErrors: what a form says of a field, built from its
// label and a deeper layer's message, is translated in its parts.
func TestTranslateFormErrors(t *testing.T) {
	for _, c := range []struct {
		tag      language.Tag
		in, want string
	}{
		{French, "Name is required.", "Nom est obligatoire."},
		{Dutch, "City must be at most 200 characters.", "Plaats mag hoogstens 200 tekens bevatten."},
		{German, "Is not a valid e-mail address.", "Ist keine gültige E-Mail-Adresse."},
		{French, "From: “2025-13-01” is not a date: write it as year-month-day, such as 2025-03-31",
			"De\u00a0: «\u00a02025-13-01\u00a0» n’est pas une date\u00a0: écrivez-la sous la forme année-mois-jour, par exemple 2025-03-31"},
		{Dutch, "Utrecht is required.", "Utrecht is required."}, // the label is no message: as it is
		{German, "Name Jan Jansen.", "Name Jan Jansen."},        // the rest is no message
		{French, "Name: Jan Jansen", "Name: Jan Jansen"},
		// A count as an argument is a message; a name is not, even one that
		// starts like a pattern ("Station %s").
		{French, "Block 3 cards", "Bloquer 3 cartes"},
		{Dutch, "Move 1234 cards now?", "1.234 laadpassen nu verplaatsen?"},
		{French, "Delete Station Noord", "Supprimer Station Noord"},
		{French, "21 d 8 h", "21 j 8 h"},
		// A message a handler lengthened with another one.
		{German, "No sessions. The first 50 of 70 are listed.", "Keine Ladevorgänge. Die ersten 50 von 70 sind aufgeführt."},
	} {
		if got := Translate(c.tag, c.in); got != c.want {
			t.Errorf("Translate(%s, %q) = %q, want %q", c.tag, c.in, got, c.want)
		}
	}
}
