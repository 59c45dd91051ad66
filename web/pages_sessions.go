package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The sessions list: newest first, filtered by dates, card and driver in
// the URL, and exported as CSV with the same filter (lists.go).

// sessionsFilter reads the sessions list's filter from the URL. What cannot
// be read is left out of the filter and said, in words, in the problems.
func (s *Server) sessionsFilter(r *http.Request, v *view) (fc.SessionFilter, []string) {
	q := r.URL.Query()
	f := fc.SessionFilter{AccountID: queryID(r, "account_id"), CardID: queryID(r, "card_id"), EmployeeID: queryID(r, "employee_id"),
		StationID: queryID(r, "station_id"), LocationKind: q.Get("location_kind"), ActiveOnly: q.Get("active") == "on"}
	var bad []string
	for _, d := range []struct {
		name, label string
		dst         *time.Time
	}{{"from", "From", &f.From}, {"to", "Until", &f.To}} {
		if raw := strings.TrimSpace(q.Get(d.name)); raw != "" {
			t, err := parseDay(raw, v.Loc)
			if err != nil {
				bad = append(bad, d.label+": "+fc.ErrorMessage(err))
				continue
			}
			*d.dst = t
		}
	}
	for _, p := range []struct {
		name, kind, label string
		dst               *fc.ID
	}{{"card", fc.MigrateCards, "Card", &f.CardID}, {"employee", fc.MigrateEmployees, "Driver", &f.EmployeeID}} {
		if raw := strings.TrimSpace(q.Get(p.name)); raw != "" {
			id, msg := s.resolvePick(r.Context(), v, p.kind, raw, 0)
			if msg != "" {
				bad = append(bad, p.label+": "+sentence(msg))
				continue
			}
			*p.dst = id
		}
	}
	return f, bad
}

// parseDay reads a date typed as 2025-03-31 in the zone loc, with a message
// a person understands when it is not one.
func parseDay(raw string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation("2006-01-02", raw, loc)
	if err != nil {
		return time.Time{}, fc.Errorf(fc.EInvalid, "“%s” is not a date: write it as year-month-day, such as %s", raw, time.Now().In(loc).Format("2006-01-02"))
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, fc.Errorf(fc.EInvalid, "“%s” lies outside the years 2000 to 2100: is the year mistyped?", raw)
	}
	return t, nil
}

// datePresets are links to the same list over this month, last month and
// this year, its other filters kept.
func datePresets(r *http.Request, now time.Time) []link {
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	year := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location())
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	var out []link
	for _, p := range []struct {
		label    string
		from, to time.Time
	}{
		{"This month", month, month.AddDate(0, 1, 0)},
		{"Last month", month.AddDate(0, -1, 0), month},
		{"This year", year, year.AddDate(1, 0, 0)},
	} {
		q := r.URL.Query()
		for _, k := range []string{"done", "scope", "after", "before"} {
			q.Del(k)
		}
		q.Set("from", day(p.from))
		q.Set("to", day(p.to))
		out = append(out, link{r.URL.Path + "?" + q.Encode(), p.label})
	}
	return out
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}
