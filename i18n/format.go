package i18n

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/number"
)

// Number formats x with decimals digits after the separator, as tag writes
// numbers: 1,234.50 in English, 1.234,50 in Dutch and German, 1 234,50 in
// French (the group separator a narrow no-break space, U+202F).
func Number(tag language.Tag, x float64, decimals int) string {
	return groups(tag, Printer(tag).Sprint(number.Decimal(x, number.Scale(decimals))))
}

// Integer formats n with tag's grouping: 12,345, 12.345 or 12 345.
func Integer(tag language.Tag, n int64) string {
	return groups(tag, Printer(tag).Sprint(number.Decimal(n)))
}

// frenchGroupRE finds the group separator CLDR gives French numbers, a
// no-break space between digits.
var frenchGroupRE = regexp.MustCompile(`([0-9])\x{00A0}([0-9]{3})`)

// groups rewrites the digit groups of numbers the printer wrote in tag as
// the language sets them: French separates them with a narrow no-break
// space (U+202F), where the printer of golang.org/x/text writes a wide one
// (U+00A0).
func groups(tag language.Tag, s string) string {
	if Supported(tag) != French || !strings.Contains(s, "\u00a0") {
		return s
	}
	for {
		r := frenchGroupRE.ReplaceAllString(s, "${1}\u202f${2}")
		if r == s {
			return s
		}
		s = r
	}
}

// Layouts of dates and times per language; the zone's abbreviation follows
// where the page shows it.
var (
	dateLayouts = map[language.Tag]string{English: "2006-01-02", Dutch: "02-01-2006", German: "02.01.2006", French: "02/01/2006"}
	timeLayouts = map[language.Tag]string{English: "2006-01-02 15:04", Dutch: "02-01-2006 15:04", German: "02.01.2006 15:04", French: "02/01/2006 15:04"}
)

// Date formats the day of t as tag writes dates: 2026-03-31, 31-03-2026,
// 31.03.2026, 31/03/2026.
func Date(tag language.Tag, t time.Time) string { return t.Format(dateLayouts[Supported(tag)]) }

// DateTime formats t to the minute as tag writes it, without a zone.
func DateTime(tag language.Tag, t time.Time) string { return t.Format(timeLayouts[Supported(tag)]) }

// DateTimeLayout is the layout of DateTime in tag, for callers that add
// the zone.
func DateTimeLayout(tag language.Tag) string { return timeLayouts[Supported(tag)] }

var (
	// A figure as pages show it: a decimal number, alone or with a unit
	// or a currency before or after it.
	// Its digits may be grouped by commas as the English pages group them
	// ("2,254.6 kWh", "12,500"): grouped, an integer is a figure too.
	figureRE = regexp.MustCompile(`^(EUR |€ ?)?(-?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+\.[0-9]+))( ?(kWh|kW|EUR|€|%|A|W|Wh|h|min|km|s))?$`)
	// A time as the pages write it: 2006-01-02 15:04, maybe with a zone.
	timeRE = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})( [0-9]{2}:[0-9]{2}(:[0-9]{2})?( [A-Z][A-Za-z0-9+-]*)?)?$`)
)

// Localize rewrites a displayed value into tag's notation when it is a
// figure ("1234.50", "12.5 kWh", "EUR 3.40", "2,254.6 kWh", "12,500") or a date ("2026-03-31",
// "2026-03-31 14:05 CET"); any other text, English text included, comes
// back unchanged. Integers keep their form: they are often IDs.
func Localize(tag language.Tag, s string) string {
	tag = Supported(tag)
	if tag == English || s == "" {
		return s
	}
	if m := figureRE.FindStringSubmatch(s); m != nil {
		digits := strings.ReplaceAll(m[2], ",", "")
		x, err := strconv.ParseFloat(digits, 64)
		if err != nil {
			return s
		}
		_, frac, _ := strings.Cut(digits, ".")
		return m[1] + Number(tag, x, len(frac)) + m[3]
	}
	if monthRE.MatchString(s) && dateishRE.MatchString(s) {
		names := monthNames[tag]
		return monthRE.ReplaceAllStringFunc(s, func(w string) string {
			for i, en := range englishMonths {
				if w == en {
					return names[i]
				}
				if w == en[:3] {
					if short, ok := monthAbbreviations[tag]; ok {
						return short[i]
					}
					r := []rune(names[i])
					return string(r[:min(len(r), 3)])
				}
			}
			return w
		})
	}
	if m := timeRE.FindStringSubmatch(s); m != nil {
		d, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3])
		if err != nil {
			return s
		}
		return Date(tag, d) + m[4]
	}
	return s
}

// Month names, for periods the pages write as "June 2025" or
// "1 Jan 2025 – 30 Jun 2025".
var (
	englishMonths = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthNames    = map[language.Tag][]string{
		Dutch:  {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		German: {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		French: {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	}
	// Abbreviations where the first three letters of the name are not one
	// (French juin and juillet): as the language abbreviates them.
	monthAbbreviations = map[language.Tag][]string{
		French: {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	}
	monthRE   = regexp.MustCompile(`\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b`)
	dateishRE = regexp.MustCompile(`^[0-9]{0,2} ?[A-Za-z]+ [0-9]{4}( – [0-9]{0,2} ?[A-Za-z]+ [0-9]{4})?$`)
)
