package web

import (
	"fmt"
	"html/template"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/i18n"
)

// langCookie remembers the language a browser chose with ?lang=
// (CONTRACT.md: ?lang=, then the cookie, then Accept-Language).
const langCookie = "lang"

// withLanguage chooses the request's language and puts it on the request's
// context; a ?lang= naming one of the application's languages is remembered
// in the cookie for a year.
func (s *Server) withLanguage(w http.ResponseWriter, r *http.Request) *http.Request {
	q := r.URL.Query().Get("lang")
	cookie := ""
	if c, err := r.Cookie(langCookie); err == nil {
		cookie = c.Value
	}
	tag := i18n.Choose(q, cookie, r.Header.Get("Accept-Language"))
	if chosen, ok := i18n.Parse(q); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: chosen.String(), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.cfg.Auth != nil && s.cfg.Auth.Config.Secure, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Add("Vary", "Accept-Language, Cookie")
	return r.WithContext(i18n.WithLanguage(r.Context(), tag))
}

// userLanguage applies the signed-in user's stored language to the
// request. A ?lang= naming a language (a link of the switcher) is kept as
// the user's, so that mails sent without a request (alerts, digests, a
// password reset) reach it in that language; without ?lang= and without a
// valid cookie (another browser), the stored language is the page's,
// before Accept-Language.
func (s *Server) userLanguage(r *http.Request, u *fc.User) *http.Request {
	if tag, ok := i18n.Parse(r.URL.Query().Get("lang")); ok {
		if tag.String() != u.Language && s.cfg.Store != nil {
			if err := s.cfg.Store.SetUserLanguage(r.Context(), u.ID, tag.String()); err != nil {
				s.cfg.Logger.Warn("keep the user's language", "user", u.ID, "err", err)
			} else {
				u.Language = tag.String()
			}
		}
		return r
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if _, ok := i18n.Parse(c.Value); ok {
			return r
		}
	}
	if tag, ok := i18n.Parse(u.Language); ok {
		return r.WithContext(i18n.WithLanguage(r.Context(), tag))
	}
	return r
}

// capitalize writes the first letter of s as a capital: "Thuis",
// "Öffentlich".
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// language is one choice of the layout's language switcher.
type languageChoice struct {
	Code, Name string
	Current    bool
}

// langFuncs are the template functions of pages in tag: funcs and the
// translating ones.
//
//	t      translates a message: {{t "Sign out"}}, {{t "Card %s" .ID}}, or a
//	       string a handler wrote in English ({{t .Heading}}); figures and
//	       dates in a displayed value are written as tag writes them.
//	lang   the language's code, for <html lang>.
//	colon  what separates a label from its text: ": ", " : " in French.
//	langs  the language switcher's choices.
//	when   a time as tag writes it, in UTC.
func langFuncs(tag language.Tag) template.FuncMap {
	m := template.FuncMap{}
	for k, v := range funcs {
		m[k] = v
	}
	m["t"] = func(s any, args ...any) string {
		str, ok := s.(string)
		if !ok {
			str = fmt.Sprint(s)
		}
		if len(args) > 0 {
			// Arguments a handler wrote in English ("is required") are
			// translated too.
			for i, a := range args {
				if as, ok := a.(string); ok {
					args[i] = translate(tag, as)
				}
			}
			return i18n.T(tag, str, args...)
		}
		return translate(tag, str)
	}
	m["lang"] = func() string { return tag.String() }
	m["colon"] = func() string { return i18n.Colon(tag) }
	m["langs"] = func() []languageChoice {
		out := make([]languageChoice, len(i18n.Tags))
		for i, l := range i18n.Tags {
			out[i] = languageChoice{Code: l.String(), Name: i18n.Names[l], Current: l == tag}
		}
		return out
	}
	m["when"] = func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "–"
			}
			return i18n.DateTime(tag, v.UTC())
		case *time.Time:
			if v == nil || v.IsZero() {
				return i18n.T(tag, "never")
			}
			return i18n.DateTime(tag, v.UTC())
		}
		return ""
	}
	return m
}

// translate shows a string in tag: a message translated, else a figure or
// a date in tag's notation, else as it is.
func translate(tag language.Tag, s string) string {
	if tr := i18n.Translate(tag, s); tr != s {
		return tr
	}
	return i18n.Localize(tag, s)
}
