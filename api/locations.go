package api

import (
	"encoding/json"

	fc "github.com/fleetcharge/fleetcharge"
)

// locationView is a location as the API shows it: its grid connection's
// limit in kW, exactly.
type locationView struct {
	*fc.Location
	MaxPowerKW  *json.Number `json:"max_power_kw" doc:"the most the location's charging sessions may draw together (load management), in kW with up to 3 decimals; null: no limit"`
	LoadSharing string       `json:"load_sharing" enum:"equal,priority" doc:"how load management shares the limit over the charging sessions: equal (an equal share each) or priority (the sessions of the charge groups with the highest load_priority first)"`
	Latitude    string       `json:"latitude" doc:"WGS84 latitude in decimal degrees as OCPI writes it, with 5 to 7 decimals (52.0907374); empty: unknown"`
	Longitude   string       `json:"longitude" doc:"WGS84 longitude in decimal degrees as OCPI writes it, with 5 to 7 decimals (5.1214201); empty: unknown"`
}

func viewLocation(l *fc.Location) locationView {
	v := locationView{Location: l, LoadSharing: l.LoadSharing, Latitude: l.Latitude, Longitude: l.Longitude}
	if l.MaxPowerW > 0 {
		kw := decimalNumber(l.MaxPowerW, 3)
		v.MaxPowerKW = &kw
	}
	return v
}

// applyGrid sets the load management fields the body carried: the limit in
// kW (more than 0, at most 3 decimals; null lifts it), phases, voltage and
// load sharing (null: the defaults); and the coordinates (empty or null:
// unknown). The store checks their ranges and formats.
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
	setIf(set, "load_sharing", &l.LoadSharing, in.LoadSharing)
	setIf(set, "latitude", &l.Latitude, in.Latitude)
	setIf(set, "longitude", &l.Longitude, in.Longitude)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

// applyConnectorMax sets a station's connector maximum when the body
// carried it: in kW, more than 0 with at most 3 decimals; null: unknown.
// The store checks its range.
func applyConnectorMax(st *fc.Station, in *stationInput, set fieldSet) error {
	const field = "connector_max_power_kw"
	if !set.has(field) {
		return nil
	}
	st.ConnectorMaxW = 0
	if in.ConnectorMaxPowerKW == nil {
		return nil
	}
	w, err := in.ConnectorMaxPowerKW.Scaled(field, 3)
	switch {
	case err != nil:
		return err
	case w <= 0:
		return fc.Invalid(map[string]string{field: "must be more than 0; null when unknown"})
	}
	st.ConnectorMaxW = w
	return nil
}
