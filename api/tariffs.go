package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Tariffs: a charge group's tariff gains time-of-day energy prices, an idle
// fee, a minimum and a maximum, and versions (see docs/TARIFFS.md).

type tariffBandInput struct {
	From   string  `json:"from" required:"true" doc:"the band's start on the provider's clock, HH:MM"`
	To     string  `json:"to" required:"true" doc:"the band's end, HH:MM (24:00 for midnight); not after from: the band crosses midnight"`
	PerKWh Decimal `json:"per_kwh" required:"true" doc:"price per kWh of the energy delivered in the band, at most 6 decimals"`
}

type tariffBandView struct {
	From   string      `json:"from" doc:"the band's start on the provider's clock, HH:MM"`
	To     string      `json:"to" doc:"the band's end, HH:MM; not after from: the band crosses midnight"`
	PerKWh json.Number `json:"per_kwh" doc:"price per kWh in the band"`
}

// tariffVersionView is one version of a charge group's tariff.
type tariffVersionView struct {
	ID        fc.ID      `json:"id" doc:"the version's ID"`
	ValidFrom time.Time  `json:"valid_from" doc:"sessions starting from this time (to the next version's) are priced by it; 1970-01-01 for the group's first"`
	Tariff    tariffView `json:"tariff" doc:"its prices"`
	CreatedAt time.Time  `json:"created_at" doc:"when it was written"`
}

type tariffVersionsView struct {
	Data []tariffVersionView `json:"data" doc:"the versions, oldest first"`
}

// clockMinute parses HH:MM (00:00 to 24:00) into minutes after midnight.
func clockMinute(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || hh == 24 && mm != 0 {
		return 0, false
	}
	return hh*60 + mm, true
}

func clockText(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// applyTariffExtras sets the tariff fields beyond the flat prices that are
// present (all when whole), recording bad ones in fields.
func applyTariffExtras(t *fc.Tariff, in *tariffInput, set fieldSet, whole bool, fields map[string]string) {
	present := func(name string) bool { return whole || set.has(name) }
	for _, p := range []struct {
		name string
		d    Decimal
		dst  *int64
	}{
		{"tariff.idle_fee_per_minute", in.IdleFeePerMinute, &t.IdleFeePerMinuteMicros},
		{"tariff.min_price", in.MinPrice, &t.MinPriceMicros},
		{"tariff.max_price", in.MaxPrice, &t.MaxPriceMicros},
	} {
		if !present(p.name) {
			continue
		}
		v, err := p.d.Scaled(p.name, 6)
		if err != nil {
			fields[p.name] = fc.ErrorFields(err)[p.name]
			continue
		}
		*p.dst = v
	}
	if present("tariff.idle_grace_minutes") {
		t.IdleGraceMinutes = in.IdleGraceMinutes
	}
	if present("tariff.time_of_day") {
		t.Bands = nil
		for _, b := range in.TimeOfDay {
			from, ok1 := clockMinute(b.From)
			to, ok2 := clockMinute(b.To)
			if !ok1 || !ok2 || from == 1440 {
				fields["tariff.time_of_day"] = "from and to must be times of day as HH:MM"
				continue
			}
			v, err := b.PerKWh.Scaled("tariff.time_of_day", 6)
			if err != nil {
				fields["tariff.time_of_day"] = fc.ErrorFields(err)["tariff.time_of_day"]
				continue
			}
			t.Bands = append(t.Bands, fc.TariffBand{FromMinute: from, ToMinute: to, PerKWhMicros: v})
		}
	}
	// A new version starts at valid_from when given, else now.
	t.ValidFrom = time.Time{}
	if set.has("tariff.valid_from") {
		t.ValidFrom = in.ValidFrom
	}
}

// viewTariff shows a tariff; the parts beyond the flat prices only when
// used, so that a flat tariff reads as before them.
func viewTariff(t fc.Tariff) tariffView {
	v := tariffView{Currency: t.Currency, PerKWh: micros(t.PerKWhMicros), PerMinute: micros(t.PerMinuteMicros), StartFee: micros(t.StartFeeMicros),
		IdleGraceMinutes: t.IdleGraceMinutes}
	for _, p := range []struct {
		v   int64
		dst *json.Number
	}{{t.IdleFeePerMinuteMicros, &v.IdleFeePerMinute}, {t.MinPriceMicros, &v.MinPrice}, {t.MaxPriceMicros, &v.MaxPrice}} {
		if p.v != 0 {
			*p.dst = micros(p.v)
		}
	}
	for _, b := range t.Bands {
		v.TimeOfDay = append(v.TimeOfDay, tariffBandView{From: clockText(b.FromMinute), To: clockText(b.ToMinute), PerKWh: micros(b.PerKWhMicros)})
	}
	return v
}

func (s *Server) tariffVersionsRoute() route {
	return route{method: http.MethodGet, path: "/api/v1/charge-groups/{id}/tariffs", id: "charge_group_tariffs", tag: "charge_groups",
		summary: "The versions of a charge group's tariff",
		doc: "Every version of the group's tariff, oldest first. A session is priced by the version in effect at its start and keeps it; " +
			"a change of the group's tariff adds a version from its valid_from (now when absent). Readable as the group is.",
		resp: typ[tariffVersionsView](), status: http.StatusOK, h: s.tariffVersions}
}

func (s *Server) tariffVersions(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.subject(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.query(r).err(); err != nil {
		return err
	}
	vs, err := s.app.TariffVersions(r.Context(), subj, id)
	if err != nil {
		return err
	}
	out := tariffVersionsView{Data: make([]tariffVersionView, len(vs))}
	for i, v := range vs {
		out.Data[i] = tariffVersionView{ID: v.ID, ValidFrom: v.ValidFrom, Tariff: viewTariff(v.Tariff), CreatedAt: v.CreatedAt}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
