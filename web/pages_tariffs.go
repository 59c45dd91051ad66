package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// The tariff parts of the charge group pages: time-of-day bands, idle fee,
// minimum and maximum, and versions (docs/TARIFFS.md).

// bandsText writes bands as the form reads them: "22:00-06:00 0.2; …".
func bandsText(bands []fc.TariffBand) string {
	parts := make([]string, len(bands))
	for i, b := range bands {
		parts[i] = fmt.Sprintf("%s-%s %s", clockOf(b.FromMinute), clockOf(b.ToMinute), micros(b.PerKWhMicros))
	}
	return strings.Join(parts, "; ")
}

func clockOf(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseClock reads HH:MM (00:00 to 24:00) as minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, false
	}
	return hh*60 + mm, true
}

// parseBands reads "22:00-06:00 0.2; 06:00-07:00 0.3".
func parseBands(s string) ([]fc.TariffBand, bool) {
	var out []fc.TariffBand
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		span, price, ok := strings.Cut(part, " ")
		from, to, ok2 := strings.Cut(span, "-")
		f, ok3 := parseClock(from)
		t, ok4 := parseClock(to)
		p, ok5 := parseMicros(price)
		if !ok || !ok2 || !ok3 || !ok4 || !ok5 || f == 1440 || strings.TrimSpace(price) == "" {
			return nil, false
		}
		out = append(out, fc.TariffBand{FromMinute: f, ToMinute: t, PerKWhMicros: p})
	}
	return out, true
}

// tariffExtraFields are the form fields of the tariff beyond the flat
// prices; withValidFrom adds the start of a new version (editing).
func tariffExtraFields(t fc.Tariff, withValidFrom bool, loc *time.Location) []field {
	fields := []field{
		{Name: "tariff.time_of_day", Label: "Time-of-day prices per kWh", Value: bandsText(t.Bands),
			Hint: "Bands such as 22:00-06:00 0.20; 06:00-08:00 0.30 on the provider's clock; a band may cross midnight. Outside every band the price per kWh applies."},
		{Name: "tariff.idle_fee_per_minute", Label: "Idle fee per minute", Value: micros(t.IdleFeePerMinuteMicros),
			Hint: "From the end of charging (plus the grace) to the stop."},
		{Name: "tariff.idle_grace_minutes", Label: "Idle grace in minutes", Type: "number", Value: strconv.Itoa(t.IdleGraceMinutes)},
		{Name: "tariff.min_price", Label: "Minimum per session", Value: micros(t.MinPriceMicros), Hint: "0: none. Only for sessions that delivered energy."},
		{Name: "tariff.max_price", Label: "Maximum per session", Value: micros(t.MaxPriceMicros), Hint: "0: none."},
	}
	if withValidFrom {
		fields = append(fields, field{Name: "tariff.valid_from", Label: "New tariff valid from", Type: "datetime-local",
			Hint: "A changed tariff prices the sessions that start from this time (in " + loc.String() + " time); empty: now. Earlier sessions keep theirs."})
	}
	return fields
}

// tariffExtrasFrom reads the fields of tariffExtraFields.
func tariffExtrasFrom(get func(string) string, t *fc.Tariff, loc *time.Location, fields map[string]string) {
	bands, ok := parseBands(get("tariff.time_of_day"))
	if !ok {
		fields["tariff.time_of_day"] = "must be bands such as 22:00-06:00 0.20, separated by ;"
	}
	t.Bands = bands
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"tariff.idle_fee_per_minute", &t.IdleFeePerMinuteMicros}, {"tariff.min_price", &t.MinPriceMicros}, {"tariff.max_price", &t.MaxPriceMicros}} {
		m, ok := parseMicros(get(p.name))
		if !ok {
			fields[p.name] = "must be an amount such as 0.35, with at most six decimals"
		}
		*p.dst = m
	}
	if g := get("tariff.idle_grace_minutes"); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			fields["tariff.idle_grace_minutes"] = "must be a whole number of minutes"
		}
		t.IdleGraceMinutes = n
	}
	if raw := get("tariff.valid_from"); raw != "" && loc != nil {
		at, err := parseLocalTime(raw, loc)
		if err != nil {
			fields["tariff.valid_from"] = "must be a date and time"
		}
		t.ValidFrom = at
	}
}

// tariffVersionsTable lists the versions of the group's tariff, newest
// first; nil when the store keeps none.
func (s *Server) tariffVersionsTable(ctx context.Context, v *view, groupID fc.ID) (*table, error) {
	vs, err := s.app.TariffVersions(ctx, v.Subj, groupID)
	if err != nil {
		if fc.IsCode(err, fc.EUnavailable) {
			return nil, nil
		}
		return nil, err
	}
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	t := &table{Caption: "Tariff versions", Columns: []string{"Valid from", "Tariff"}, Empty: "None."}
	for i := len(vs) - 1; i >= 0; i-- {
		from := "always"
		if vs[i].ValidFrom.UnixMilli() != 0 {
			from = vs[i].ValidFrom.In(loc).Format("2006-01-02 15:04")
		}
		t.Rows = append(t.Rows, []cell{{Text: from}, {Text: tariffText(vs[i].Tariff)}})
	}
	return t, nil
}

// tariffExtrasText describes the parts beyond the flat prices.
func tariffExtrasText(t fc.Tariff) string {
	var parts []string
	if len(t.Bands) > 0 {
		parts = append(parts, "by time of day "+bandsText(t.Bands))
	}
	if t.IdleFeePerMinuteMicros > 0 {
		parts = append(parts, fmt.Sprintf("idle %s/min after %d min", micros(t.IdleFeePerMinuteMicros), t.IdleGraceMinutes))
	}
	if t.MinPriceMicros > 0 {
		parts = append(parts, "min "+micros(t.MinPriceMicros))
	}
	if t.MaxPriceMicros > 0 {
		parts = append(parts, "max "+micros(t.MaxPriceMicros))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}
