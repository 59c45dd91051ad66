package api

import (
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

// locationView is a location as the API shows it: its grid connection's
// limit in kW, exactly.
type locationView struct {
	*fc.Location
	MaxPowerKW *json.Number `json:"max_power_kw" doc:"the most the location's charging sessions may draw together (load management), in kW with up to 3 decimals; null: no limit"`
}

func viewLocation(l *fc.Location) locationView {
	v := locationView{Location: l}
	if l.MaxPowerW > 0 {
		kw := decimalNumber(l.MaxPowerW, 3)
		v.MaxPowerKW = &kw
	}
	return v
}

// applyGrid sets the grid connection fields the body carried: the limit in
// kW (more than 0, at most 3 decimals; null lifts it), phases and voltage
// (null: the defaults). The store checks their ranges.
func applyGrid(l *fc.Location, in *locationInput, set fieldSet) error {
	fields := map[string]string{}
	if set.has("max_power_kw") {
		l.MaxPowerW = 0
		if in.MaxPowerKW != nil {
			w, err := in.MaxPowerKW.Scaled("max_power_kw", 3)
			switch {
			case err != nil:
				fields["max_power_kw"] = fc.ErrorFields(err)["max_power_kw"]
			case w <= 0:
				fields["max_power_kw"] = "must be more than 0; null for no limit"
			}
			l.MaxPowerW = w
		}
	}
	for _, f := range []struct {
		name string
		v    int
		dst  *int
	}{{"phases", in.Phases, &l.Phases}, {"voltage", in.Voltage, &l.Voltage}} {
		if !set.has(f.name) {
			continue
		}
		if f.v == 0 && !set.null(f.name) {
			fields[f.name] = map[string]string{"phases": "must be 1 or 3", "voltage": "must be from 100 to 480 V"}[f.name]
		}
		*f.dst = f.v
	}
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}
