package store

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// Bounds of stored text, in characters. Every text field the store writes
// goes through textProblem with one of these (or a narrower bound of its
// own, such as OCPP's field lengths), so that what the engines would refuse
// (invalid UTF-8 and NUL on PostgreSQL, SQLSTATE 22021) or what no screen
// can show is a field error, never a 500.
const (
	maxNameLen    = 200 // names of objects and people
	maxEmailLen   = 254 // an e-mail address (RFC 5321 path limit)
	maxAddressLen = 500 // a street address, which may hold line breaks
	maxCodeLen    = 64  // numbers and references: employee number, external card ID
	maxSearchLen  = 200 // a list filter's search text
)

// textProblem returns what makes v unfit as stored text of at most max
// characters, or "" when it fits: it must be valid UTF-8, hold no control
// character (line feeds only where multiline allows them) and no character
// that reorders or breaks the text it is shown in.
func textProblem(v string, max int, multiline bool) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	if len(v) > max && utf8.RuneCountInString(v) > max {
		return "is longer than " + strconv.Itoa(max) + " characters"
	}
	for _, r := range v {
		if r == '\n' && multiline {
			continue
		}
		if hiddenRune(r) {
			return "must not contain control characters"
		}
	}
	return ""
}

// hiddenRune reports whether r is a character no stored text holds: the C0
// and C1 controls (NUL, tab, line breaks…), the line and paragraph
// separators, and the bidirectional embedding, override and isolate marks
// (with which a name can show as something else).
func hiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case '\u202a' <= r && r <= '\u202e', '\u2066' <= r && r <= '\u2069':
		return true
	}
	return false
}

// checkText records a field error when v is not text of at most max
// characters on one line.
func checkText(fields map[string]string, field, v string, max int) {
	if p := textProblem(v, max, false); p != "" {
		fields[field] = p
	}
}

// checkName records a field error unless v is a name: 1 to 200 characters
// of text on one line.
func checkName(fields map[string]string, field, v string) {
	if v == "" {
		fields[field] = "is required"
		return
	}
	checkText(fields, field, v, maxNameLen)
}

// searchPattern checks a list filter's search text and returns it trimmed
// and lower-cased, with the LIKE wildcards in it escaped (for a LIKE with
// ESCAPE '\', as query.like writes it): a search matches what it says,
// never a pattern of the caller's making. "" means no search.
func searchPattern(search string) (string, error) {
	search = strings.TrimSpace(search)
	if p := textProblem(search, maxSearchLen, false); p != "" {
		return "", fc.Invalid(map[string]string{"search": p})
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.ToLower(search)), nil
}

// checkFilterValue checks a list filter's value that must be one of the
// given values (a kind, a status), so that anything else is a field error
// rather than text sent to the engine.
func checkFilterValue(field, v string, values ...string) error {
	if v == "" {
		return nil
	}
	for _, x := range values {
		if v == x {
			return nil
		}
	}
	return fc.Invalid(map[string]string{field: "must be one of " + strings.Join(values, ", ")})
}
