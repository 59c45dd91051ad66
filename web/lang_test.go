package web

import (
	"context"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/language"

	"github.com/fleetcharge/fleetcharge/auth"
	"github.com/fleetcharge/fleetcharge/i18n"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// templateMessages returns every literal passed to t in the page templates:
// {{t "Sign out"}}, (t "From").
func templateMessages(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	fm := map[string]any{}
	for _, b := range strings.Fields("and or not eq ne lt le gt ge len index print printf println slice html js urlquery call") {
		fm[b] = true
	}
	for k, v := range langFuncs(i18n.English) {
		fm[k] = v
	}
	for _, file := range names {
		src, err := fs.ReadFile(files, file)
		if err != nil {
			t.Fatal(err)
		}
		trees, err := parse.Parse(file, string(src), "{{", "}}", fm)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, tree := range trees {
			var walk func(n parse.Node)
			walk = func(n parse.Node) {
				if n == nil {
					return
				}
				switch x := n.(type) {
				case *parse.ListNode:
					if x != nil {
						for _, c := range x.Nodes {
							walk(c)
						}
					}
				case *parse.ActionNode:
					walk(x.Pipe)
				case *parse.PipeNode:
					if x != nil {
						for _, c := range x.Cmds {
							walk(c)
						}
					}
				case *parse.CommandNode:
					if len(x.Args) >= 2 {
						if id, ok := x.Args[0].(*parse.IdentifierNode); ok && id.Ident == "t" {
							if s, ok := x.Args[1].(*parse.StringNode); ok {
								out[s.Text] = append(out[s.Text], file)
							}
						}
					}
					for _, a := range x.Args {
						walk(a)
					}
				case *parse.IfNode:
					walk(x.Pipe)
					walk(x.List)
					walk(x.ElseList)
				case *parse.RangeNode:
					walk(x.Pipe)
					walk(x.List)
					walk(x.ElseList)
				case *parse.WithNode:
					walk(x.Pipe)
					walk(x.List)
					walk(x.ElseList)
				case *parse.TemplateNode:
					walk(x.Pipe)
				}
			}
			walk(tree.Root)
		}
	}
	return out
}

// TestTemplateMessagesTranslated fails for a string a template passes to t
// that a language lacks.
func TestTemplateMessagesTranslated(t *testing.T) {
	msgs := templateMessages(t)
	if len(msgs) < 100 {
		t.Fatalf("found only %d messages in the templates: the walk misses t calls", len(msgs))
	}
	for _, tag := range i18n.Tags[1:] {
		tr := i18n.Translations(tag)
		for m, where := range msgs {
			if _, ok := tr[m]; !ok {
				t.Errorf("%s: %q (in %s) has no translation in messages/%s.json", tag, m, strings.Join(where, ", "), tag)
			}
		}
	}
}

// TestLanguageChoice: ?lang= first, remembered in the cookie; then the
// cookie; then Accept-Language; then English.
func TestLanguageChoice(t *testing.T) {
	srv, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, query, cookie, accept string
		wantLang, wantText          string
		wantCookie                  string
	}{
		{"default", "", "", "", "en", "Sign in", ""},
		{"accept-language nl-BE", "", "", "nl-BE,nl;q=0.9,en;q=0.5", "nl", "Aanmelden", ""},
		{"accept-language de", "", "", "de-DE", "de", "Anmelden", ""},
		{"accept-language fr-BE", "", "", "fr-BE,fr;q=0.9", "fr", "Se connecter", ""},
		{"query fr", "fr", "nl", "de", "fr", "Se connecter", "fr"},
		{"accept-language unknown", "", "", "ja", "en", "Sign in", ""},
		{"cookie beats accept-language", "", "de", "nl", "de", "Anmelden", ""},
		{"query beats cookie", "nl", "de", "en", "nl", "Aanmelden", "nl"},
		{"unknown query falls back", "xx", "de", "", "de", "Anmelden", ""},
		{"query en", "en", "nl", "nl", "en", "Sign in", "en"},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := "/login"
			if c.query != "" {
				target += "?lang=" + c.query
			}
			req := httptest.NewRequest(http.MethodGet, target, nil)
			if c.cookie != "" {
				req.AddCookie(&http.Cookie{Name: langCookie, Value: c.cookie})
			}
			if c.accept != "" {
				req.Header.Set("Accept-Language", c.accept)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			body := rec.Body.String()
			if !strings.Contains(body, `<html lang="`+c.wantLang+`">`) {
				t.Errorf("want <html lang=%q>, got %.80s", c.wantLang, body)
			}
			if !strings.Contains(body, "<h1>"+c.wantText+"</h1>") {
				t.Errorf("want heading %q", c.wantText)
			}
			var got string
			for _, ck := range rec.Result().Cookies() {
				if ck.Name == langCookie {
					got = ck.Value
				}
			}
			if got != c.wantCookie {
				t.Errorf("cookie %q, want %q", got, c.wantCookie)
			}
		})
	}
}

var (
	textRE   = regexp.MustCompile(`>([^<>]+)<`)
	attrRE   = regexp.MustCompile(`\s(?:aria-label|title|placeholder|data-label|data-confirm|alt)="([^"]*)"`)
	scriptRE = regexp.MustCompile(`(?s)<(script|style|pre|code|textarea)[^>]*>.*?</(script|style|pre|code|textarea)>`)
	langRE   = regexp.MustCompile(`(?s)<nav class="langs".*?</nav>`)
	wordRE   = regexp.MustCompile(`[A-Za-z]+`)
	// English words that neither Dutch, German nor French uses: two of them in one
	// text tell an untranslated sentence.
	englishWords = map[string]bool{"the": true, "and": true, "you": true, "your": true, "with": true, "this": true,
		"not": true, "from": true, "which": true, "there": true, "to": true, "for": true, "are": true, "has": true,
		"have": true, "been": true, "will": true, "can": true, "cannot": true, "no": true, "yet": true, "its": true,
		"nothing": true, "every": true, "each": true, "only": true, "new": true, "here": true, "when": true, "what": true}
)

// visibleTexts returns the texts of a page a user reads or hears: text
// nodes and the attributes shown or spoken, without scripts, code and the
// language switcher (each language's name in itself).
func visibleTexts(body string) []string {
	body = scriptRE.ReplaceAllString(body, "")
	body = langRE.ReplaceAllString(body, "")
	if i := strings.Index(body, "<body"); i >= 0 {
		body = body[i:]
	}
	var out []string
	for _, m := range textRE.FindAllStringSubmatch(body, -1) {
		if s := strings.TrimSpace(html.UnescapeString(m[1])); s != "" {
			out = append(out, s)
		}
	}
	for _, m := range attrRE.FindAllStringSubmatch(body, -1) {
		if s := strings.TrimSpace(html.UnescapeString(m[1])); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// untranslated reports why text, read on a page in tag, is English left
// untranslated: a message of the catalog shown as its English, or a
// sentence with two English words; "" when it is not.
func untranslated(tag language.Tag, text string) string {
	tr := i18n.Translations(tag)
	if x, ok := tr[text]; ok && x != text && !translated(tag)[text] {
		return "a message shown in English"
	}
	seen := map[string]bool{}
	for _, w := range wordRE.FindAllString(text, -1) {
		if w = strings.ToLower(w); englishWords[w] {
			seen[w] = true
		}
	}
	if len(seen) >= 2 {
		return "English words"
	}
	return ""
}

// TestPagesTranslated renders every signed-in page the route list knows,
// as every persona, in Dutch, German and French, and fails for a text that is
// English: a catalog message not translated, or a sentence of English
// words that no message produced.
func TestPagesTranslated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		logger := slog.New(slog.DiscardHandler)
		w.Auth.Logger = logger
		srv, err := New(Config{Logger: logger, Auth: w.Auth, Store: st, Commander: &fakeCommander{offline: true}})
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]map[string]bool{} // text → pages
		pages := 0
		for _, p := range leaktest.Personas {
			g, err := w.Auth.SignIn(context.Background(), w.Users[p].Email, w.Password, auth.Client{Addr: "192.0.2.31"})
			if err != nil || g.Session.Stage != auth.StageActive {
				t.Fatalf("sign in as %s: %v", p, err)
			}
			targets := []string{"/", "/account/password", "/account/totp", "/no-such-page"}
			for _, pattern := range srv.Patterns() {
				method, path, _ := strings.Cut(pattern, " ")
				if method != http.MethodGet || strings.HasSuffix(path, "/export") {
					continue
				}
				if strings.Contains(path, "{id}") {
					for _, o := range w.Of(kindOfPage(pattern)) {
						if o.Reads(p) {
							path = strings.Replace(path, "{id}", o.ID.String(), 1)
							break
						}
					}
				}
				path = strings.Replace(path, "{kind}", "cards", 1)
				path = strings.Replace(path, "{report}", "charge-sessions", 1)
				if strings.Contains(path, "{") || path == "/pick" {
					continue
				}
				targets = append(targets, path)
			}
			for _, tag := range i18n.Tags[1:] {
				for _, target := range targets {
					req := httptest.NewRequest(http.MethodGet, target, nil)
					req.RemoteAddr = "192.0.2.31:5000"
					req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
					req.AddCookie(&http.Cookie{Name: langCookie, Value: tag.String()})
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
						continue
					}
					pages++
					for _, text := range visibleTexts(rec.Body.String()) {
						if why := untranslated(tag, text); why != "" {
							k := fmt.Sprintf("%s: %q (%s)", tag, text, why)
							if found[k] == nil {
								found[k] = map[string]bool{}
							}
							found[k][target] = true
						}
					}
				}
			}
		}
		if pages < 50 {
			t.Fatalf("rendered only %d pages", pages)
		}
		keys := make([]string, 0, len(found))
		for k := range found {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var where []string
			for p := range found[k] {
				where = append(where, p)
			}
			sort.Strings(where)
			if len(where) > 3 {
				where = append(where[:3], "…")
			}
			t.Errorf("untranslated: %s on %s", k, strings.Join(where, ", "))
		}
	})
}

var translatedTexts = map[language.Tag]map[string]bool{}

// translated returns the translations of tag as a set: a translation that
// is also an English message ("Filter") is no leak.
func translated(tag language.Tag) map[string]bool {
	if m, ok := translatedTexts[tag]; ok {
		return m
	}
	m := map[string]bool{}
	for _, v := range i18n.Translations(tag) {
		m[v] = true
	}
	translatedTexts[tag] = m
	return m
}

// TestReportsInLanguages: a report page with demo data shows no English in
// Dutch, German and French, figures written as each writes them; its XLSX column
// titles are in the language, its CSV header keeps the keys.
func TestReportsInLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newReportWorld(t, st)
		for _, tag := range i18n.Tags[1:] {
			for _, target := range []string{
				"/reports/charge-sessions?from=2025-01-01&to=2025-07-01",
				"/reports/sessions-per-employee?from=2025-01-01&to=2025-07-01&group_by=month",
				"/reports/charge-stations?from=2025-01-01&to=2025-07-01",
				"/",
			} {
				rec := w.get(t, fleetAndFacility, target+sep(target)+"lang="+tag.String())
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d", target, rec.Code)
				}
				body := rec.Body.String()
				for _, text := range visibleTexts(body) {
					if why := untranslated(tag, text); why != "" {
						t.Errorf("%s %s: %q (%s)", tag, target, text, why)
					}
				}
				if strings.HasPrefix(target, "/reports/charge-sessions") && !regexp.MustCompile(`>[0-9.\x{202F}]*[0-9],[0-9]+<`).MatchString(body) {
					t.Errorf("%s %s: no figure with a decimal comma", tag, target)
				}
			}
			rec := w.get(t, fleetAndFacility, "/reports/charge-sessions/export?format=xlsx&from=2025-01-01&to=2025-07-01&lang="+tag.String())
			if rec.Code != http.StatusOK {
				t.Fatalf("XLSX: %d", rec.Code)
			}
			f, err := excelize.OpenReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			head, err := f.GetCellValue(f.GetSheetName(0), "A1")
			if err != nil {
				t.Fatal(err)
			}
			if want := i18n.T(tag, "Session ID"); head != want || want == "Session ID" {
				t.Errorf("%s: XLSX A1 = %q, want %q", tag, head, want)
			}
			rec = w.get(t, fleetAndFacility, "/reports/charge-sessions/export?format=csv&from=2025-01-01&to=2025-07-01&lang="+tag.String())
			if line, _, _ := strings.Cut(rec.Body.String(), "\r\n"); !strings.HasPrefix(line, "session_id,") {
				t.Errorf("%s: CSV header %q, want the keys", tag, line)
			}
		}
	})
}

func sep(target string) string {
	if strings.Contains(target, "?") {
		return "&"
	}
	return "?"
}

// TestUserLanguage: a signed-in user's ?lang= is kept as its language;
// a browser without the cookie then shows its pages in that language
// rather than Accept-Language's, while a cookie still decides.
func TestUserLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := leaktest.New(t, st)
		logger := slog.New(slog.DiscardHandler)
		w.Auth.Logger = logger
		srv, err := New(Config{Logger: logger, Auth: w.Auth, Store: st, Commander: &fakeCommander{offline: true}})
		if err != nil {
			t.Fatal(err)
		}
		p := leaktest.Personas[0]
		u := w.Users[p]
		g, err := w.Auth.SignIn(context.Background(), u.Email, w.Password, auth.Client{Addr: "192.0.2.31"})
		if err != nil || g.Session.Stage != auth.StageActive {
			t.Fatalf("sign in as %s: %v", p, err)
		}
		get := func(target, cookie, accept string) string {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.RemoteAddr = "192.0.2.31:5000"
			req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: g.Token})
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: langCookie, Value: cookie})
			}
			if accept != "" {
				req.Header.Set("Accept-Language", accept)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", target, rec.Code)
			}
			m := regexp.MustCompile(`<html lang="([a-z]+)">`).FindStringSubmatch(rec.Body.String())
			if m == nil {
				t.Fatalf("GET %s: no <html lang>", target)
			}
			return m[1]
		}
		stored := func() string {
			x, err := st.AuthUser(context.Background(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return x.Language
		}
		if got := get("/", "", "de"); got != "de" || stored() != "" {
			t.Fatalf("before choosing: page %s, stored %q; want de from Accept-Language and none stored", got, stored())
		}
		if got := get("/?lang=fr", "", "de"); got != "fr" || stored() != "fr" {
			t.Errorf("?lang=fr: page %s, stored %q", got, stored())
		}
		for _, c := range []struct{ cookie, accept, want string }{
			{"", "de", "fr"},      // another browser: the stored language
			{"", "", "fr"},        // none asked for
			{"nl", "de", "nl"},    // this browser's cookie still decides
			{"garbage", "", "fr"}, // an invalid cookie is none
		} {
			if got := get("/", c.cookie, c.accept); got != c.want {
				t.Errorf("cookie %q, Accept-Language %q: page %s, want %s", c.cookie, c.accept, got, c.want)
			}
		}
		if got := get("/?lang=en", "fr", ""); got != "en" || stored() != "en" {
			t.Errorf("?lang=en: page %s, stored %q", got, stored())
		}
		if got := get("/?lang=xx", "", "nl"); got != "en" || stored() != "en" {
			t.Errorf("an unknown ?lang=: page %s, stored %q, want the stored en kept", got, stored())
		}
	})
}
