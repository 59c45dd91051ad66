package web

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var errorTexts = regexp.MustCompile(`(?s)class="(?:form-error|field-error|error)"[^>]*>(.*?)</`)

// TestFormErrorsTranslated: what a page says after a failed POST, or of a
// filter it could not read, is in the page's language, the label and the
// reason both, and says no developer's code (invalid:).
func TestFormErrorsTranslated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		b := w.as(t, adminEmail)
		account := w.one(t, `SELECT id FROM accounts ORDER BY id`)
		for _, c := range []struct {
			lang        string
			name, email string // the field messages of a too long name, a wrong address
			filter      string // the sessions list's word on a from that is no date
		}{
			{"fr", "Nom dépasse 200 caractères.", "E-mail n’est pas une adresse e-mail.",
				"De\u00a0: «\u00a02025-13-01\u00a0» n’est pas une date\u00a0: écrivez-la sous la forme année-mois-jour, par exemple "},
			{"nl", "Naam is langer dan 200 tekens.", "E-mail is geen e-mailadres.",
				"Van: “2025-13-01” is geen datum: schrijf hem als jaar-maand-dag, zoals "},
			{"de", "Name ist länger als 200 Zeichen.", "E-Mail ist keine E-Mail-Adresse.",
				"Von: „2025-13-01“ ist kein Datum: Schreiben Sie es als Jahr-Monat-Tag, etwa "},
		} {
			b.cookies[langCookie] = c.lang
			page := get(t, b, "/employees/new", http.StatusOK)
			rec := b.do("POST", "/employees", map[string][]string{"csrf_token": {csrfOf(t, page)},
				"name": {strings.Repeat("x", 300)}, "account_id": {account.String()}, "email": {"not an address"}})
			got := errorsOf(rec.Body.String())
			if rec.Code != http.StatusBadRequest || !slices.Contains(got, c.name) || !slices.Contains(got, c.email) {
				t.Errorf("%s: a failed employee: %d %q, want %q and %q", c.lang, rec.Code, got, c.name, c.email)
			}
			got = errorsOf(get(t, b, "/sessions?from=2025-13-01", http.StatusOK))
			if len(got) != 1 || !strings.HasPrefix(got[0], c.filter) || !regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}\.?$`).MatchString(got[0]) {
				t.Errorf("%s: the sessions filter says %q, want %q and an example as it is typed", c.lang, got, c.filter)
			}
		}
	})
}

func errorsOf(body string) []string {
	var out []string
	for _, m := range errorTexts.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(strings.TrimSpace(m[1])))
	}
	return out
}
