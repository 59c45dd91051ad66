package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	fc "github.com/fleetcharge/fleetcharge"
)

// Request bodies are read here and only here. A body is one JSON value of
// at most maxBody bytes (maxBulkBody for bulk imports), sent as
// application/json; an object body is bound to a Go struct by its json tags,
// field by field, so that every error names its field:
//
//   - a body without a Content-Type, or with one the route does not take,
//     is 400 unsupported_media_type;
//   - a body that is not valid UTF-8, or holds a NUL character (raw, or
//     escaped in a JSON string), is 400: nothing is silently replaced;
//   - a malformed body is 400 with the line and column of the fault, and so
//     is a key given twice in one object, at any depth, and an escaped
//     half of a surrogate pair;
//   - a body over the limit is 413 too_large;
//   - a field the struct does not have is 400 naming it (matching is exact,
//     never case-insensitive);
//   - a value of the wrong type is 400 naming the field and what it must be;
//   - on create, a field tagged required:"true" that is absent or null is
//     400 "is required"; an enum:"a,b" field outside its values is 400.
//
// Every problem of a body is reported at once, in the fields map of the
// error. The same struct tags describe the body in the OpenAPI document.

const (
	maxBody     = 1 << 20  // 1 MiB
	maxBulkBody = 16 << 20 // 16 MiB
)

// fieldSet holds the names of the fields a body carried, nested ones dotted
// (tariff.per_kwh), each mapped to whether it was null: a PATCH changes
// exactly those.
type fieldSet map[string]bool

// has reports whether the body carried the field.
func (f fieldSet) has(name string) bool {
	_, ok := f[name]
	return ok
}

// null reports whether the body carried the field as null.
func (f fieldSet) null(name string) bool { return f[name] }

// codeUnsupportedMediaType is the error code of a body sent without a
// Content-Type, or with one the route does not take: 400, as all bad input
// is (CONTRACT.md), with this code to tell it apart.
const codeUnsupportedMediaType = "unsupported_media_type"

// readBody reads a request body of at most limit bytes whose Content-Type
// is one of types, and returns it with its media type. A non-empty body
// without a Content-Type, or with another one, is 400
// unsupported_media_type; a charset other than
// UTF-8 likewise, since the body must be UTF-8 text. A body that is not
// valid UTF-8 or holds a NUL character is 400: neither would be stored as
// sent.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, types ...string) ([]byte, string, error) {
	want := strings.Join(types, " or ")
	mt := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		t, params, err := mime.ParseMediaType(ct)
		if err != nil || !slices.Contains(types, t) {
			return nil, "", fc.Errorf(codeUnsupportedMediaType, "the body must be sent as %s, not %q", want, ct)
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, "", fc.Errorf(codeUnsupportedMediaType, "the body must be UTF-8, not %s", cs)
		}
		mt = t
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, "", fc.Errorf(fc.ETooLarge, "the body is larger than %d bytes", limit)
	case err != nil:
		return nil, "", fc.Errorf(fc.EInvalid, "the body could not be read")
	}
	if mt == "" {
		if len(body) > 0 {
			return nil, "", fc.Errorf(codeUnsupportedMediaType, "the body has no Content-Type: send it as %s", want)
		}
		mt = types[0]
	}
	if err := checkText(body); err != nil {
		return nil, "", err
	}
	return body, mt, nil
}

// checkText refuses a body that is not valid UTF-8 or holds a NUL
// character, naming where.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		off := 0
		for off < len(body) {
			r, n := utf8.DecodeRune(body[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		line, col := position(body, int64(off))
		return fc.Errorf(fc.EInvalid, "the body is not valid UTF-8 at line %d, column %d", line, col)
	}
	if i := bytes.IndexByte(body, 0); i >= 0 {
		line, col := position(body, int64(i))
		return fc.Errorf(fc.EInvalid, "the body holds a NUL character at line %d, column %d", line, col)
	}
	return nil
}

// parseJSON checks that body holds exactly one JSON value, read strictly
// (see strictJSON), and returns it.
func parseJSON(body []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(body, err)
	}
	rest := body[dec.InputOffset():]
	if extra := bytes.TrimLeft(rest, " \t\r\n"); len(extra) > 0 {
		line, col := position(body, int64(len(body)-len(extra)))
		return nil, fc.Errorf(fc.EInvalid, "malformed JSON at line %d, column %d: the body must hold exactly one JSON value", line, col)
	}
	if err := strictJSON(body); err != nil {
		return nil, err
	}
	return v, nil
}

// strictJSON refuses, in a body that is valid JSON, what encoding/json
// would let pass silently: a key given twice in one object, at any depth
// (it keeps the last), a NUL character in a key or a string (escaped as
// \u0000), and an escaped surrogate that is not half of a pair (read as
// U+FFFD). The error names the place by line and column, and by its path
// (tariff.currency, [3].external_ref) in the error's fields.
func strictJSON(body []byte) error {
	if off, ok := loneSurrogate(body); ok {
		line, col := position(body, int64(off))
		return fc.Errorf(fc.EInvalid, "malformed JSON at line %d, column %d: a \\u escape is half of a UTF-16 surrogate pair", line, col)
	}
	type level struct {
		object bool
		keys   map[string]bool
		key    bool   // object: a key comes next
		path   string // of the object or array
		member string // object: the path of the current member
		next   int    // array: the index of the next element
	}
	var stack []*level
	// child returns the path of the value that comes next in top.
	child := func(top *level) string {
		switch {
		case top == nil:
			return ""
		case top.object:
			return top.member
		}
		return top.path + "[" + strconv.Itoa(top.next) + "]"
	}
	// done moves top past a value.
	done := func(top *level) {
		switch {
		case top == nil:
		case top.object:
			top.key = true
		default:
			top.next++
		}
	}
	fail := func(off int64, path, msg string) error {
		line, col := position(body, off)
		e := fc.Errorf(fc.EInvalid, "malformed JSON at line %d, column %d: %s", line, col, msg)
		if path != "" {
			e.Fields = map[string]string{path: msg}
		}
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return syntaxError(body, err)
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, &level{object: d == '{', key: d == '{', keys: map[string]bool{}, path: child(top)})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					done(stack[len(stack)-1])
				}
			}
			continue
		}
		str, isString := tok.(string)
		at := skipSpace(body, start)
		if top != nil && top.object && top.key {
			path := str
			if top.path != "" {
				path = top.path + "." + str
			}
			if strings.ContainsRune(str, 0) {
				return fail(at, top.path, "a key holds a NUL character")
			}
			if top.keys[str] {
				return fail(at, path, "is given more than once")
			}
			top.keys[str], top.key, top.member = true, false, path
			continue
		}
		if isString && strings.ContainsRune(str, 0) {
			return fail(at, child(top), "holds a NUL character")
		}
		done(top)
	}
}

// skipSpace returns the offset of the first byte at or after off of body
// that is neither white space nor a separator: where the token read from
// off starts.
func skipSpace(body []byte, off int64) int64 {
	for off < int64(len(body)) && strings.IndexByte(" \t\r\n,:", body[off]) >= 0 {
		off++
	}
	return off
}

// loneSurrogate returns the offset of the first \u escape in body, valid
// JSON, that is a UTF-16 surrogate without its other half.
func loneSurrogate(body []byte) (int, bool) {
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(body) && body[i+1] == 'u':
			r := hex4(body, i+2)
			switch {
			case r >= 0xD800 && r < 0xDC00:
				if i+11 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
					if lo := hex4(body, i+8); lo >= 0xDC00 && lo < 0xE000 {
						i += 11
						continue
					}
				}
				return i, true
			case r >= 0xDC00 && r < 0xE000:
				return i, true
			}
			i += 5
		case c == '\\':
			i++ // the escaped character
		}
	}
	return 0, false
}

// hex4 reads the four hex digits at body[i:], -1 when there are none.
func hex4(body []byte, i int) int {
	if i+4 > len(body) {
		return -1
	}
	v, err := strconv.ParseUint(string(body[i:i+4]), 16, 16)
	if err != nil {
		return -1
	}
	return int(v)
}

// syntaxError turns a decoding error of the whole body into a message with
// the position of the fault.
func syntaxError(body []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return fc.Errorf(fc.EInvalid, "the body is empty: a JSON value is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(body, int64(len(body)))
		return fc.Errorf(fc.EInvalid, "malformed JSON at line %d, column %d: the body ends too early", line, col)
	case errors.As(err, &se):
		line, col := position(body, se.Offset-1) // the offset is just past the fault
		return fc.Errorf(fc.EInvalid, "malformed JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
	}
	return fc.Errorf(fc.EInvalid, "malformed JSON")
}

// position returns the 1-based line and column (in characters) of byte
// offset off of body.
func position(body []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// decodeObject reads a JSON object body into dst, a pointer to a struct,
// as the comment at the top of this file says. create applies the required
// tags.
func decodeObject(w http.ResponseWriter, r *http.Request, dst any, create bool) (fieldSet, error) {
	body, _, err := readBody(w, r, maxBody, "application/json")
	if err != nil {
		return nil, err
	}
	return bindJSON(body, dst, create)
}

// bindJSON binds a whole body to dst.
func bindJSON(body []byte, dst any, create bool) (fieldSet, error) {
	raw, err := parseJSON(body)
	if err != nil {
		return nil, err
	}
	return bind(raw, dst, create)
}

// bind binds one JSON object to dst, a pointer to a struct.
func bind(raw json.RawMessage, dst any, create bool) (fieldSet, error) {
	b := binder{create: create, fields: map[string]string{}, set: fieldSet{}}
	if !isObject(raw) {
		return nil, fc.Errorf(fc.EInvalid, "the body must be a JSON object")
	}
	b.object(raw, reflect.ValueOf(dst).Elem(), "")
	if len(b.fields) > 0 {
		return nil, fc.Invalid(b.fields)
	}
	return b.set, nil
}

type binder struct {
	create bool
	fields map[string]string // errors by field
	set    fieldSet
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// object binds the JSON object raw to the struct v; prefix is the dotted
// path of v's fields.
func (b *binder) object(raw json.RawMessage, v reflect.Value, prefix string) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		b.fields[strings.TrimSuffix(prefix, ".")] = "must be a JSON object"
		return
	}
	fs := fieldsOf(v.Type())
	for key := range members {
		if !slices.ContainsFunc(fs, func(f bodyField) bool { return f.name == key }) {
			b.fields[prefix+key] = "is not a known field"
		}
	}
	for _, f := range fs {
		name := prefix + f.name
		m, ok := members[f.name]
		if ok {
			b.set[name] = isNull(m)
		}
		if !ok || isNull(m) {
			if b.create && f.required {
				b.fields[name] = "is required"
			}
			if ok {
				fv := v.FieldByIndex(f.index)
				fv.Set(reflect.Zero(fv.Type()))
			}
			continue
		}
		fv := v.FieldByIndex(f.index)
		if f.nested {
			if !isObject(m) {
				b.fields[name] = "must be a JSON object"
				continue
			}
			b.object(m, fv, name+".")
			continue
		}
		if err := json.Unmarshal(m, fv.Addr().Interface()); err != nil {
			b.fields[name] = expectation(fv.Type())
			continue
		}
		if f.enum != nil && !slices.Contains(f.enum, fv.String()) {
			b.fields[name] = "must be one of " + strings.Join(f.enum, ", ")
		}
		if f.maxLen > 0 && fv.Kind() == reflect.String && utf8.RuneCountInString(fv.String()) > f.maxLen {
			b.fields[name] = "is longer than " + strconv.Itoa(f.maxLen) + " characters"
		}
	}
}

// bodyField is one field of a body struct, from its tags: json (the name),
// required:"true", enum:"a,b", max:"N" (characters) and doc (for the
// OpenAPI document).
type bodyField struct {
	name     string
	index    []int
	typ      reflect.Type
	required bool
	enum     []string
	maxLen   int
	doc      string
	nested   bool // a struct bound field by field
}

var fieldCache sync.Map // reflect.Type → []bodyField

// fieldsOf returns the bound fields of struct type t, in declaration order.
func fieldsOf(t reflect.Type) []bodyField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]bodyField)
	}
	var fs []bodyField
	for _, sf := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || sf.Anonymous || name == "" || name == "-" {
			continue
		}
		f := bodyField{name: name, index: sf.Index, typ: sf.Type, required: sf.Tag.Get("required") == "true", doc: sf.Tag.Get("doc")}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		if m := sf.Tag.Get("max"); m != "" {
			f.maxLen, _ = strconv.Atoi(m)
		}
		f.nested = sf.Type.Kind() == reflect.Struct && !isScalarStruct(sf.Type)
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

// isScalarStruct reports whether struct type t is a single JSON value
// (a time, a decimal) rather than an object of fields.
func isScalarStruct(t reflect.Type) bool {
	return t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[Decimal]()
}

// expectation says what a field of type t must hold.
func expectation(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[fc.ID]():
		return "must be an ID: a string holding a positive integer"
	case reflect.TypeFor[[]fc.ID]():
		return "must be an array of IDs, each a string holding a positive integer"
	case reflect.TypeFor[time.Time]():
		return "must be an RFC 3339 time, such as 2024-05-01T08:30:00Z"
	case reflect.TypeFor[Decimal]():
		return "must be a decimal number, as a JSON number or string, such as 0.35"
	}
	switch t.Kind() {
	case reflect.String:
		return "must be a string"
	case reflect.Bool:
		return "must be true or false"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "must be an integer"
	}
	return fmt.Sprintf("must be a %s", t.Kind())
}

// Decimal is a decimal number as a request gives it: a JSON number or a
// string holding one, such as 0.35 or "12.5", without exponent. It keeps the
// digits as they were given, so that it converts exactly (Scaled).
type Decimal struct {
	neg        bool
	whole, fra string // digits before and after the point
}

// maxDecimalDigits bounds a decimal's digits: more could not be exact in an
// int64 anyway.
const maxDecimalDigits = 40

// UnmarshalJSON accepts a JSON number or string holding a plain decimal.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	v, ok := ParseDecimal(s)
	if !ok {
		return fc.Errorf(fc.EInvalid, "not a decimal number")
	}
	*d = v
	return nil
}

// ParseDecimal reads a plain decimal: an optional minus sign, digits, and
// optionally a point followed by digits.
func ParseDecimal(s string) (Decimal, bool) {
	var d Decimal
	s, d.neg = strings.CutPrefix(s, "-")
	d.whole, d.fra, _ = strings.Cut(s, ".")
	digits := func(x string) bool {
		for i := 0; i < len(x); i++ {
			if x[i] < '0' || x[i] > '9' {
				return false
			}
		}
		return true
	}
	if d.whole == "" || !digits(d.whole) || !digits(d.fra) || strings.Contains(s, ".") && d.fra == "" ||
		len(d.whole)+len(d.fra) > maxDecimalDigits {
		return Decimal{}, false
	}
	return d, true
}

// Scaled returns d times 10^scale as an exact integer. It fails when d has
// more significant decimals than scale or does not fit an int64; the error
// names field.
func (d Decimal) Scaled(field string, scale int) (int64, error) {
	fra := strings.TrimRight(d.fra, "0")
	if len(fra) > scale {
		return 0, fc.Invalid(map[string]string{field: fmt.Sprintf("has more than %d decimals", scale)})
	}
	digits := strings.TrimLeft(d.whole+fra+strings.Repeat("0", scale-len(fra)), "0")
	if digits == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fc.Invalid(map[string]string{field: "is too large"})
	}
	if d.neg {
		v = -v
	}
	return v, nil
}

// decimalNumber renders v / 10^digits exactly, as a JSON number.
func decimalNumber(v int64, digits int) json.Number {
	neg := v < 0
	s := strconv.FormatUint(absU(v), 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return json.Number(s)
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}
