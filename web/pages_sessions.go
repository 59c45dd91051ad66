package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// The sessions list: newest first, filtered by dates, card and driver in
// the URL, and exported as CSV with the same filter.

// maxExportRows bounds a CSV export of a list.
const maxExportRows = 100_000

func (s *Server) sessionListRoutes() {
	s.handle("GET /sessions/export", s.sessionsExport)
}

// sessionsFilter reads the sessions list's filter from the URL. What cannot
// be read is left out of the filter and said, in words, in the problems.
func (s *Server) sessionsFilter(r *http.Request, v *view) (fc.SessionFilter, []string) {
	q := r.URL.Query()
	f := fc.SessionFilter{AccountID: queryID(r, "account_id"), CardID: queryID(r, "card_id"), EmployeeID: queryID(r, "employee_id"),
		StationID: queryID(r, "station_id"), LocationKind: q.Get("location_kind"), ActiveOnly: q.Get("active") == "on", Page: pageOf(r)}
	f.Page.Desc = true
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

// exportQuery is the list's filter without its page and notices.
func exportQuery(r *http.Request) string {
	q := r.URL.Query()
	for _, k := range []string{"done", "scope", "after", "before"} {
		q.Del(k)
	}
	return q.Encode()
}

// sessionsExport sends the sessions of the filter, newest first, as CSV.
func (s *Server) sessionsExport(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.SessionsCardSideRead) && !v.can(access.SessionsStationSideRead) {
		return fc.Errorf(fc.ENotFound, "no sessions")
	}
	f, bad := s.sessionsFilter(r, v)
	if len(bad) > 0 {
		return fc.Errorf(fc.EInvalid, "%s", strings.Join(bad, " "))
	}
	f.Page = fc.Page{Limit: fc.MaxPageSize, Desc: true}
	n := s.names(ctx, v)
	var rows [][]string
	for len(rows) < maxExportRows {
		xs, err := s.app.Sessions(ctx, v.Subj, f)
		if err != nil {
			return err
		}
		for i := range xs {
			x := &xs[i]
			stopped, employee, station := "", "", n.sessionStation(x).Text
			if x.StoppedAt != nil {
				stopped = x.StoppedAt.In(v.Loc).Format(time.RFC3339)
			}
			if x.CardMasked {
				employee = "(foreign card)"
			} else if x.EmployeeID != 0 {
				employee = n.get(fc.KindEmployee, x.EmployeeID)
			}
			cost := ""
			if x.Currency != "" {
				cost = strconv.FormatFloat(float64(x.CostMinor)/100, 'f', 2, 64)
			}
			rows = append(rows, []string{x.ID.String(), x.StartedAt.In(v.Loc).Format(time.RFC3339), stopped,
				strconv.FormatInt(x.DurationSeconds/60, 10), energyText(x.EnergyWh), cost, x.Currency, x.ExternalID, employee, station, x.LocationKind})
		}
		if len(xs) < f.Page.Limit {
			break
		}
		f.Page.After = xs[len(xs)-1].ID
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sessions.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"session", "started", "stopped", "minutes", "kwh", "cost", "currency", "card", "driver", "station", "location_kind"})
	for _, row := range rows {
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
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
