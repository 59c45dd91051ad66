// Package i18n holds fleetcharge's translations and the choice of a
// language: English is the source language, Dutch, German and French are
// translated, each in a JSON file (messages/nl.json, de.json, fr.json) that
// maps an English message to its translation and that humans edit. The
// files are loaded at start into a golang.org/x/text message catalog.
//
// A message is English text, either fixed ("Sign out") or a format
// ("Card %s", "%d sessions") whose verbs are %s, %v and %d. Translate looks
// a displayed string up: the fixed message first, then the formats, whose
// English text is matched as a pattern, so that code which writes
// fmt.Sprintf("Card %s", id) in English is shown translated without knowing
// the language. A string that is no message (a name, an ID) is shown as it
// is.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

//go:embed messages/*.json
var files embed.FS

// The languages, the first the default and the source.
var (
	English = language.English
	Dutch   = language.Dutch
	German  = language.German
	French  = language.French
)

// Tags are the languages of the application, English first.
var Tags = []language.Tag{English, Dutch, German, French}

// Names are the languages' names, each in its own language, for the
// switcher.
var Names = map[language.Tag]string{English: "English", Dutch: "Nederlands", German: "Deutsch", French: "Français"}

var (
	matcher  = language.NewMatcher(Tags)
	cat      *catalog.Builder
	messages = map[language.Tag]map[string]string{}
	// patterns are the messages with verbs, most literal text first.
	patterns []*pattern
	printers = map[language.Tag]*message.Printer{}
)

// pattern is a message with verbs, matched against displayed text.
type pattern struct {
	key   string
	re    *regexp.Regexp
	verbs []byte // 's', 'v' or 'd', in order
	lit   int    // length of the literal text
	// example marks the verbs after "such as ": an example of what to
	// type, shown as it is typed, never in the language's notation.
	example []bool
}

var verbRE = regexp.MustCompile(`%[svd]`)

func init() {
	cat = catalog.NewBuilder(catalog.Fallback(English))
	for _, tag := range Tags[1:] {
		raw, err := files.ReadFile("messages/" + tag.String() + ".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", tag, err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			panic(fmt.Sprintf("i18n: messages/%s.json: %v", tag, err))
		}
		messages[tag] = m
		for k, v := range m {
			if err := cat.SetString(tag, k, v); err != nil {
				panic(fmt.Sprintf("i18n: %s %q: %v", tag, k, err))
			}
		}
	}
	for k := range Messages() {
		if !verbRE.MatchString(k) {
			continue
		}
		p := &pattern{key: k}
		var b strings.Builder
		b.WriteString(`^(?s)`)
		last := 0
		for _, loc := range verbRE.FindAllStringIndex(k, -1) {
			b.WriteString(regexp.QuoteMeta(k[last:loc[0]]))
			p.lit += loc[0] - last
			verb := k[loc[0]+1]
			p.verbs = append(p.verbs, verb)
			p.example = append(p.example, strings.HasSuffix(k[:loc[0]], "such as "))
			if verb == 'd' {
				b.WriteString(`(-?[0-9]+)`)
			} else {
				b.WriteString(`(.+?)`)
			}
			last = loc[1]
		}
		b.WriteString(regexp.QuoteMeta(k[last:]))
		p.lit += len(k) - last
		b.WriteString(`$`)
		p.re = regexp.MustCompile(b.String())
		patterns = append(patterns, p)
	}
	sort.Slice(patterns, func(i, j int) bool {
		if patterns[i].lit != patterns[j].lit {
			return patterns[i].lit > patterns[j].lit
		}
		return patterns[i].key < patterns[j].key
	})
	for _, tag := range Tags {
		printers[tag] = message.NewPrinter(tag, message.Catalog(cat))
	}
}

// Messages returns the English messages: every key of every translation.
func Messages() map[string]bool {
	out := map[string]bool{}
	for _, m := range messages {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// Translations returns the translations of tag, by English message; nil
// for English.
func Translations(tag language.Tag) map[string]string { return messages[tag] }

// Supported returns the application's language closest to tag: English,
// Dutch, German or French.
func Supported(tag language.Tag) language.Tag {
	_, i, _ := matcher.Match(tag)
	return Tags[i]
}

// Parse returns the language a ?lang= or cookie value names ("nl",
// "de-DE"), if the application has it.
func Parse(s string) (language.Tag, bool) {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil || s == "" {
		return English, false
	}
	_, i, conf := matcher.Match(tag)
	if conf < language.High {
		return English, false
	}
	return Tags[i], true
}

// Choose returns the language of a request: the ?lang= value if it names
// one, then the cookie's, then the best of Accept-Language, then English.
func Choose(query, cookie, acceptLanguage string) language.Tag {
	if tag, ok := Parse(query); ok {
		return tag
	}
	if tag, ok := Parse(cookie); ok {
		return tag
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Tags[i]
}

type ctxKey struct{}

// WithLanguage returns ctx carrying the language tag.
func WithLanguage(ctx context.Context, tag language.Tag) context.Context {
	return context.WithValue(ctx, ctxKey{}, Supported(tag))
}

// FromContext returns the language ctx carries, English if none.
func FromContext(ctx context.Context) language.Tag {
	if tag, ok := ctx.Value(ctxKey{}).(language.Tag); ok {
		return tag
	}
	return English
}

// Printer returns the message printer of tag, over the catalog.
func Printer(tag language.Tag) *message.Printer {
	if p, ok := printers[Supported(tag)]; ok {
		return p
	}
	return printers[English]
}

// T translates the message key into tag, formatted with args as
// fmt.Sprintf formats it; an unknown key is English and formatted as it is.
func T(tag language.Tag, key string, args ...any) string {
	tag = Supported(tag)
	if len(args) == 0 && !verbRE.MatchString(key) {
		if tr, ok := messages[tag][key]; ok {
			return tr
		}
		return key
	}
	return groups(tag, Printer(tag).Sprintf(key, args...))
}

// Translate translates a displayed string: a message as it is, or the text
// a format produced (a pattern's arguments translated too if they are
// messages); anything else comes back unchanged.
func Translate(tag language.Tag, s string) string {
	tag = Supported(tag)
	m := messages[tag]
	if m == nil || s == "" {
		return s
	}
	if tr, ok := m[s]; ok {
		return tr
	}
	if t := strings.TrimSpace(s); t != s {
		if tr, ok := m[t]; ok {
			return tr
		}
	}
	for _, p := range patterns {
		sub := p.re.FindStringSubmatch(s)
		if sub == nil {
			continue
		}
		if _, ok := m[p.key]; !ok {
			continue
		}
		args := make([]any, len(p.verbs))
		for i, v := range p.verbs {
			if v == 'd' {
				n, _ := strconv.Atoi(sub[i+1])
				args[i] = n
				continue
			}
			a := sub[i+1]
			if t, ok := m[a]; ok {
				a = t
			} else if t, ok := count(tag, a); ok {
				a = t
			} else if !p.example[i] {
				a = Localize(tag, a)
			}
			args[i] = a
		}
		return groups(tag, Printer(tag).Sprintf(p.key, args...))
	}
	// "code: message", a permission or an error code before its English
	// description: the code stays, the message is translated; "Label:
	// message", a form's field before what is wrong with it: both are.
	if head, msg, ok := strings.Cut(s, ": "); ok && head != "" {
		if tr := Translate(tag, msg); tr != msg {
			if th, ok := m[head]; ok {
				return th + Colon(tag) + tr
			}
			if !strings.ContainsAny(head, " ") {
				return head + Colon(tag) + tr
			}
		}
	}
	if body, ok := strings.CutSuffix(s, "."); ok && body != "" {
		// A message, or a format's text, made a sentence.
		if tr := Translate(tag, body); tr != body {
			return tr + "."
		}
		// "Label is required.", what a form says of a field: the label and
		// the message of a deeper layer, each a message.
		for i := strings.IndexByte(body, ' '); i > 0; {
			head, tail := body[:i], body[i+1:]
			if th, ok := m[head]; ok && tail != "" && unicode.IsLower(rune(tail[0])) {
				if tt := Translate(tag, tail); tt != tail {
					return th + " " + tt + "."
				}
			}
			j := strings.IndexByte(tail, ' ')
			if j < 0 {
				break
			}
			i += 1 + j
		}
		// "Is required.", a message made a sentence.
		if r, size := utf8.DecodeRuneInString(body); unicode.IsUpper(r) {
			low := string(unicode.ToLower(r)) + body[size:]
			if tr, ok := m[low]; ok {
				tr2, size2 := utf8.DecodeRuneInString(tr)
				return string(unicode.ToUpper(tr2)) + tr[size2:] + "."
			}
		}
	}
	return s
}

// Semicolon is what separates the items of a list in tag: "; ", and a
// narrow no-break space before the semicolon in French.
func Semicolon(tag language.Tag) string {
	if Supported(tag) == French {
		return "\u202f; "
	}
	return "; "
}

// count translates an argument that is a count of things ("3 cards",
// "12 rows"): the text of a message that starts with its number ("%d
// cards"). Other patterns are not tried on arguments, which are often
// names ("Station Noord" is a location's name, not a station).
func count(tag language.Tag, a string) (string, bool) {
	if a == "" || a[0] < '0' || a[0] > '9' {
		return "", false
	}
	for _, p := range patterns {
		if !strings.HasPrefix(p.key, "%d ") || len(p.verbs) != 1 {
			continue
		}
		if _, ok := messages[tag][p.key]; !ok {
			continue
		}
		if sub := p.re.FindStringSubmatch(a); sub != nil {
			n, _ := strconv.Atoi(sub[1])
			return groups(tag, Printer(tag).Sprintf(p.key, n)), true
		}
	}
	return "", false
}

// Colon is what separates a label from its text in tag: ": ", and a
// no-break space before the colon in French.
func Colon(tag language.Tag) string {
	if Supported(tag) == French {
		return "\u00a0: "
	}
	return ": "
}
