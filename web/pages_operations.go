package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/app"
)

// The station operations on the station page (issue 19): their forms, the
// reading of what a form posts into an app.Command, and the showing of the
// station's answer. app.CommandCall checks the arguments as it does for the
// API; this file reads only the form's own words (times in the provider's
// zone, decimals, the lines of a local list) and puts the app's field
// errors back on the form's fields.

// dateTimeLocal is the value of a datetime-local input.
const dateTimeLocal = "2006-01-02T15:04"

// maxReplyText bounds the summary of a station's reply that the page's
// address carries after a command.
const maxReplyText = 300

// connectorOptions returns the station's connectors as options, and the same
// after an option 0 labelled whole.
func connectorOptions(st *fc.Station, whole string) (connectors, withWhole []option) {
	withWhole = []option{{"0", whole}}
	for _, cp := range st.ChargePoints {
		o := option{strconv.Itoa(cp.ConnectorID), "Connector " + strconv.Itoa(cp.ConnectorID) + " (" + cp.Status + ")"}
		connectors = append(connectors, o)
		withWhole = append(withWhole, o)
	}
	return connectors, withWhole
}

// sessionOptions lists the sessions running at the station, after an
// option for none labelled none (none: "" for no such option).
func sessionOptions(v *view, active []fc.Session, none string) []option {
	var out []option
	if none != "" {
		out = append(out, option{"", none})
	}
	for _, x := range active {
		out = append(out, option{x.ID.String(), fmt.Sprintf("Session %s on connector %d, since %s", x.ID, x.ConnectorID, v.when(x.StartedAt))})
	}
	return out
}

// operationForms returns the forms of the station operations, group by
// group: configuration, messages, firmware and diagnostics, reservations,
// the local list, smart charging, transactions (OCPP 2.0.1) and data
// transfer. Times default from now, shown in the provider's zone.
func operationForms(v *view, st *fc.Station, active []fc.Session, now time.Time) []*form {
	v201 := st.OCPPVersion == fc.OCPP201
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	local := func(t time.Time) string { return t.In(loc).Truncate(time.Minute).Format(dateTimeLocal) }
	zone := "In " + loc.String() + " time."
	base := objectPath(fc.KindStation, st.ID) + "/commands/"
	op := func(name, title, submit string, fields ...field) *form {
		f := v.postForm(name, base+name, submit, fields...)
		f.Title = title
		return f
	}
	connectors, connectorsOr0 := connectorOptions(st, "Whole station")
	_, grid := connectorOptions(st, "Whole station (grid connection)")
	anyConnector := append([]option{{"0", "Any connector"}}, connectors...)

	keysHint := "One a line or separated by commas, at most 50. Empty reads every key."
	if v201 {
		keysHint = "One a line or separated by commas, at most 50: a 1.6 key that OCPP 2.0.1 kept (HeartbeatInterval, MeterValueSampleInterval, …) or Component.Variable."
	}
	getConf := op(app.CommandGetConfiguration, "Configuration: read keys", "Read configuration",
		field{Name: "keys", Label: "Keys", Type: "textarea", Hint: keysHint, Required: v201})
	getConf.Intro = "The station's answer is kept in its device model, shown above."
	changeConf := op(app.CommandChangeConfiguration, "Configuration: change a key", "Change key",
		field{Name: "key", Label: "Key", Required: true, Hint: "Such as HeartbeatInterval or MeterValueSampleInterval" + map[bool]string{true: "; or Component.Variable.", false: "."}[v201]},
		field{Name: "value", Label: "New value"})
	changeConf.Intro = "The station answers Accepted, RebootRequired (applied after a reset), Rejected or NotSupported."
	clearCache := op(app.CommandClearCache, "Configuration: clear the authorization cache", "Clear cache")
	clearCache.Class, clearCache.Confirm = "secondary", "Clear the authorization cache of "+st.Identity+"?"
	clearCache.Intro = "The station forgets the cards it cached; its local list stays."

	var messages []option
	for _, m := range app.TriggerMessages {
		switch {
		case v201 && m == "DiagnosticsStatusNotification",
			!v201 && (m == "LogStatusNotification" || m == "TransactionEvent" || m == "SignChargingStationCertificate"):
			continue
		}
		messages = append(messages, option{m, m})
	}
	trigger := op(app.CommandTriggerMessage, "Messages: ask the station to send one", "Ask the station",
		field{Name: "message", Label: "Message", Type: "select", Options: messages, Value: "StatusNotification"},
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: connectorsOr0, Value: "0",
			Hint: map[bool]string{true: "StatusNotification needs a connector on OCPP 2.0.1.", false: ""}[v201]})

	firmware := op(app.CommandUpdateFirmware, "Firmware: update", "Update firmware",
		field{Name: "location", Label: "Firmware URL", Type: "url", Required: true, Hint: "An absolute URL the station downloads from (https://…, ftp://…)."},
		field{Name: "retrieve_at", Label: "Download from", Type: "datetime-local", Value: local(now), Required: true, Hint: zone},
		field{Name: "retries", Label: "Retries", Type: "number", Hint: "0 to 100; empty: the station's default."},
		field{Name: "retry_interval", Label: "Seconds between retries", Type: "number", Hint: "0 to 86400; empty: the station's default."})
	firmware.Class, firmware.Confirm = "danger", "Update the firmware of "+st.Identity+"? It restarts to install it."
	firmware.Intro = "The station reports its progress (Downloading, Downloaded, Installing, Installed) as it goes."
	diagnostics := op(app.CommandGetDiagnostics, "Diagnostics: upload", "Ask for diagnostics",
		field{Name: "location", Label: "Upload URL", Type: "url", Required: true, Hint: "An absolute URL the station uploads its diagnostics to."},
		field{Name: "start_time", Label: "Covering from", Type: "datetime-local", Hint: zone + " Empty: as far back as the station keeps."},
		field{Name: "stop_time", Label: "Covering until", Type: "datetime-local", Hint: "Empty: until now."})

	reserve := op(app.CommandReserveNow, "Reservations: reserve a connector", "Reserve",
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: anyConnector, Value: "0"},
		field{Name: "id_tag", Label: "Card internal ID (idTag)", Required: true},
		field{Name: "expires_at", Label: "Reserved until", Type: "datetime-local", Value: local(now.Add(time.Hour)), Required: true, Hint: zone})
	reserve.Intro = "The answer gives the reservation's ID, which cancelling it names."
	cancel := op(app.CommandCancelReservation, "Reservations: cancel", "Cancel reservation",
		field{Name: "reservation_id", Label: "Reservation ID", Type: "number", Required: true})
	cancel.Class = "secondary"

	sendList := op(app.CommandSendLocalList, "Local list: send by hand", "Send list",
		field{Name: "version", Label: "New list version", Type: "number", Required: true, Hint: "Higher than the station's present version."},
		field{Name: "update_type", Label: "Update", Type: "select", Value: "Differential",
			Options: []option{{"Differential", "Differential: change the cards given"}, {"Full", "Full: replace the whole list"}}},
		field{Name: "entries", Label: "Cards", Type: "textarea",
			Hint: "One card a line: idTag[,status[,expiry[,parent idTag]]]. Status is Accepted (the default), Blocked, Expired, Invalid, " +
				"ConcurrentTx, or remove (a Differential update drops the card). Expiry: 2026-12-31 (until the end of that day) or 2026-12-31T18:00. " + zone})
	sendList.Intro = "fleetcharge keeps each station's list in line with its charge group by itself; this form sends a change of your own."
	listVersion := op(app.CommandGetLocalListVersion, "Local list: version", "Ask the version")
	listVersion.Class = "secondary"

	purposes := []option{{"TxDefaultProfile", "Default for every transaction"}, {"TxProfile", "The running transaction"}}
	maxPurpose := "ChargePointMaxProfile"
	if v201 {
		maxPurpose = "ChargingStationMaxProfile"
	}
	purposes = append([]option{{maxPurpose, "Station maximum"}}, purposes...)
	kinds := []option{{"Absolute", "Absolute: from the start below"}, {"Relative", "Relative: from each transaction's start"},
		{"Recurring", "Recurring: from the start below, every day or week"}}
	units := []option{{"A", "Amperes (A)"}, {"W", "Watts (W)"}}
	profile := op(app.CommandSetChargingProfile, "Smart charging: set a profile", "Set profile",
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: connectorsOr0, Value: "0", Hint: "The station maximum is for the whole station; a transaction's profile for its connector."},
		field{Name: "purpose", Label: "Purpose", Type: "select", Options: purposes, Value: maxPurpose},
		field{Name: "transaction_id", Label: "Session (for the running transaction)", Type: "select", Options: sessionOptions(v, active, "– None –")},
		field{Name: "profile_id", Label: "Profile ID", Type: "number", Value: "1", Required: true, Hint: "A profile with the same ID replaces it."},
		field{Name: "stack_level", Label: "Stack level", Type: "number", Value: "0", Required: true, Hint: "0 to 1000: the higher level wins."},
		field{Name: "kind", Label: "Kind", Type: "select", Options: kinds, Value: "Absolute"},
		field{Name: "recurrency", Label: "Recurs", Type: "select", Options: []option{{"", "– Not recurring –"}, {"Daily", "Daily"}, {"Weekly", "Weekly"}}},
		field{Name: "start_schedule", Label: "Schedule starts", Type: "datetime-local", Value: local(now), Hint: zone + " Empty for a Relative profile."},
		field{Name: "duration", Label: "Schedule lasts (seconds)", Type: "number", Hint: "Empty: until the profile ends. 86400 is a day."},
		field{Name: "unit", Label: "Unit", Type: "select", Options: units, Value: "A"},
		field{Name: "number_phases", Label: "Phases", Type: "select", Options: []option{{"", "The station's default"}, {"1", "1"}, {"3", "3"}}},
		field{Name: "limit_1", Label: "Limit from the start", Required: true, Hint: "In the unit above, at most one decimal: 16 or 7.5."},
		field{Name: "start_2", Label: "Second period from (seconds)", Type: "number", Hint: "Optional: seconds after the schedule's start."},
		field{Name: "limit_2", Label: "Second period's limit"},
		field{Name: "start_3", Label: "Third period from (seconds)", Type: "number"},
		field{Name: "limit_3", Label: "Third period's limit"})
	profile.Intro = "One schedule of up to three periods."
	clearProfile := op(app.CommandClearChargingProfile, "Smart charging: clear profiles", "Clear profiles",
		field{Name: "profile_id", Label: "Profile ID", Type: "number", Hint: "Empty: any."},
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: append([]option{{"", "Any"}}, connectorsOr0...)},
		field{Name: "purpose", Label: "Purpose", Type: "select", Options: append([]option{{"", "Any"}}, purposes...)},
		field{Name: "stack_level", Label: "Stack level", Type: "number", Hint: "Empty: any."})
	clearProfile.Class, clearProfile.Confirm = "danger", "Clear the matching charging profiles of "+st.Identity+"?"
	clearProfile.Intro = "Clears the profiles that match every criterion given; none given clears them all."
	composite := op(app.CommandGetCompositeSchedule, "Smart charging: composite schedule", "Ask for the schedule",
		field{Name: "connector_id", Label: "Connector", Type: "select", Options: grid, Value: "0"},
		field{Name: "duration_seconds", Label: "Period (seconds)", Type: "number", Value: "86400", Required: true, Hint: "From now; 86400 is a day."},
		field{Name: "unit", Label: "Unit", Type: "select", Options: append([]option{{"", "The station's"}}, units...)})
	composite.Intro = "What the station will allow, all profiles combined."

	forms := []*form{getConf, changeConf, clearCache, trigger, firmware, diagnostics, reserve, cancel, sendList, listVersion, profile, clearProfile, composite}
	if v201 {
		status := op(app.CommandGetTransactionStatus, "Transactions: queued messages", "Ask",
			field{Name: "transaction_id", Label: "Session", Type: "select", Options: sessionOptions(v, active, "– Any transaction –")})
		if len(active) == 0 {
			status.Fields[0] = field{Name: "transaction_id", Label: "Session ID", Hint: "Empty: whether the station holds any transaction's messages."}
		}
		status.Intro = "Whether the station still holds messages of a transaction to send."
		forms = append(forms, status)
	}
	transfer := op(app.CommandDataTransfer, "Data transfer: a vendor's message", "Send",
		field{Name: "vendor_id", Label: "Vendor ID", Required: true},
		field{Name: "message_id", Label: "Message ID"},
		field{Name: "data", Label: "Data", Type: "textarea"})
	return append(forms, transfer)
}

// formNames maps a field the app names in an error to the form's field and
// a lead for its message ("" for none).
type formNames func(appField string) (formField, lead string)

// sameNames keeps the app's names.
func sameNames(f string) (string, string) { return f, "" }

var indexed = regexp.MustCompile(`^([a-z_.]+)\[(\d+)\](?:\.(.+))?$`)

// readOperation reads what a station operation's form posted into cmd;
// a value it cannot read goes to fields. It returns how the app's field
// names map onto the form's. Other commands' forms are read by sendCommand.
func readOperation(name string, vals url.Values, loc *time.Location, cmd *app.Command, fields map[string]string) formNames {
	if loc == nil {
		loc = time.UTC
	}
	op := &cmd.Operation
	get := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	optInt := func(k string) *int {
		if get(k) == "" {
			return nil
		}
		n := formInt(vals, k, fields)
		return &n
	}
	at := func(k string) *time.Time { return formTime(vals, k, loc, fields) }
	required := func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	}
	switch name {
	case app.CommandGetConfiguration:
		op.Keys = splitList(vals.Get("keys"))
		return func(f string) (string, string) {
			if m := indexed.FindStringSubmatch(f); m != nil && m[1] == "keys" {
				i, _ := strconv.Atoi(m[2])
				if i < len(op.Keys) {
					return "keys", strconv.Quote(op.Keys[i])
				}
			}
			return f, ""
		}
	case app.CommandChangeConfiguration:
		op.Key, op.Value = get("key"), get("value")
	case app.CommandTriggerMessage:
		op.Message = get("message")
	case app.CommandUpdateFirmware:
		op.Location, op.RetrieveAt = get("location"), required(at("retrieve_at"))
		op.Retries, op.RetryInterval = optInt("retries"), optInt("retry_interval")
	case app.CommandGetDiagnostics:
		op.Location, op.StartTime, op.StopTime = get("location"), at("start_time"), at("stop_time")
	case app.CommandReserveNow:
		op.ExpiresAt = required(at("expires_at"))
	case app.CommandCancelReservation:
		op.ReservationID = formInt(vals, "reservation_id", fields)
	case app.CommandSendLocalList:
		op.ListVersion, op.UpdateType = formInt(vals, "version", fields), get("update_type")
		lines := readLocalList(vals.Get("entries"), loc, op, fields)
		return func(f string) (string, string) {
			m := indexed.FindStringSubmatch(f)
			if m == nil || m[1] != "entries" {
				return f, ""
			}
			i, _ := strconv.Atoi(m[2])
			if i >= len(lines) {
				return "entries", ""
			}
			lead := "line " + strconv.Itoa(lines[i]) + ":"
			if m[3] != "" {
				lead += " " + strings.ReplaceAll(m[3], "_", " ")
			}
			return "entries", lead
		}
	case app.CommandSetChargingProfile:
		return readProfile(vals, at, optInt, cmd, fields)
	case app.CommandClearChargingProfile:
		op.Clear = app.ClearProfile{ID: optInt("profile_id"), ConnectorID: optInt("connector_id"), Purpose: get("purpose"), StackLevel: optInt("stack_level")}
		return func(f string) (string, string) {
			if f == "id" {
				return "profile_id", ""
			}
			return f, ""
		}
	case app.CommandGetCompositeSchedule:
		op.Seconds, op.Unit = formInt(vals, "duration_seconds", fields), get("unit")
	case app.CommandDataTransfer:
		op.VendorID, op.MessageID, op.Data = get("vendor_id"), get("message_id"), vals.Get("data")
	}
	return sameNames
}

// readProfile reads the charging profile form: one schedule of up to three
// periods, limits with at most one decimal.
func readProfile(vals url.Values, at func(string) *time.Time, optInt func(string) *int, cmd *app.Command, fields map[string]string) formNames {
	get := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	p := app.ChargingProfile{ID: formInt(vals, "profile_id", fields), StackLevel: formInt(vals, "stack_level", fields),
		Purpose: get("purpose"), Kind: get("kind"), Recurrency: get("recurrency"), TransactionID: cmd.TransactionID,
		Schedule: app.ChargingSchedule{Unit: get("unit"), StartSchedule: at("start_schedule"), DurationSeconds: formInt(vals, "duration", fields)}}
	cmd.TransactionID = 0
	phases := 0
	if n := optInt("number_phases"); n != nil {
		phases = *n
	}
	// periods[i] is the form's period number of the app's period i.
	var periods []int
	for n := 1; n <= 3; n++ {
		startName, limitName := "start_"+strconv.Itoa(n), "limit_"+strconv.Itoa(n)
		start := 0
		if n > 1 {
			if get(startName) == "" && get(limitName) == "" {
				continue
			}
			if get(startName) == "" {
				fields[startName] = "is required with a limit"
				continue
			}
			start = formInt(vals, startName, fields)
		}
		limit, ok := formTenths(get(limitName))
		switch {
		case get(limitName) == "":
			fields[limitName] = "is required"
		case !ok:
			fields[limitName] = "must be a number with at most one decimal, such as 16 or 7.5"
		}
		p.Schedule.Periods = append(p.Schedule.Periods, app.ChargingPeriod{StartPeriod: start, LimitTenths: limit, NumberPhases: phases})
		periods = append(periods, n)
	}
	// The form fills the schedule's start in; a Relative profile has none.
	if p.Kind == "Relative" {
		p.Schedule.StartSchedule = nil
	}
	cmd.Profile = p
	return func(f string) (string, string) {
		switch f {
		case "profile.id":
			return "profile_id", ""
		case "profile.schedule.periods":
			return "limit_1", ""
		}
		if m := indexed.FindStringSubmatch(f); m != nil && m[1] == "profile.schedule.periods" {
			i, _ := strconv.Atoi(m[2])
			n := 1
			if i < len(periods) {
				n = periods[i]
			}
			switch m[3] {
			case "start_period":
				if n == 1 {
					return "limit_1", ""
				}
				return "start_" + strconv.Itoa(n), ""
			case "number_phases":
				return "number_phases", ""
			}
			return "limit_" + strconv.Itoa(n), ""
		}
		if rest, ok := strings.CutPrefix(f, "profile."); ok {
			return strings.TrimPrefix(rest, "schedule."), ""
		}
		return f, ""
	}
}

// readLocalList reads the lines of a local list, idTag[,status[,expiry[,
// parent]]], into op's entries and returns the line number of each entry.
// An empty status is Accepted; "remove" removes the tag (a differential
// update). An expiry that is a date lasts until the end of that day.
func readLocalList(text string, loc *time.Location, op *app.Operation, fields map[string]string) []int {
	var lines []int
	var bad []string
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) > 4 {
			bad = append(bad, fmt.Sprintf("line %d: has more than idTag, status, expiry and parent idTag", n+1))
			continue
		}
		parts = append(parts, "", "", "")
		e := app.LocalListEntry{IDTag: parts[0], Status: "Accepted", ParentIDTag: parts[3]}
		switch s := parts[1]; {
		case strings.EqualFold(s, "remove"):
			e.Status = ""
		case s != "":
			e.Status = s
			for _, known := range app.LocalListStatuses {
				if strings.EqualFold(s, known) {
					e.Status = known
				}
			}
		}
		if x := parts[2]; x != "" {
			t, err := parseLocalTime(x, loc)
			if d, derr := time.ParseInLocation("2006-01-02", x, loc); derr == nil {
				t, err = d.AddDate(0, 0, 1), nil
			}
			if err != nil {
				bad = append(bad, fmt.Sprintf("line %d: the expiry must be a date or a date and time, such as 2026-12-31 or 2026-12-31T18:00", n+1))
				continue
			}
			e.ExpiryDate = &t
		}
		op.Entries = append(op.Entries, e)
		lines = append(lines, n+1)
	}
	if len(bad) > 0 {
		fields["entries"] = strings.Join(bad, "; ")
	}
	return lines
}

// formTime reads a posted date and time (a datetime-local input's value,
// seconds optional, or RFC 3339) in loc: nil when empty.
func formTime(vals url.Values, name string, loc *time.Location, fields map[string]string) *time.Time {
	raw := strings.TrimSpace(vals.Get(name))
	if raw == "" {
		return nil
	}
	t, err := parseLocalTime(raw, loc)
	if err != nil {
		fields[name] = "must be a date and time, such as 2026-03-31T18:00"
		return nil
	}
	return &t
}

func parseLocalTime(raw string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{dateTimeLocal, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, raw, loc); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, raw)
}

// formTenths reads a decimal with at most one decimal as tenths.
func formTenths(raw string) (int64, bool) {
	whole, frac, hasFrac := strings.Cut(raw, ".")
	if whole == "" || len(frac) > 1 || hasFrac && frac == "" || len(whole) > 9 {
		return 0, false
	}
	n, err := strconv.ParseUint(whole, 10, 32)
	if err != nil {
		return 0, false
	}
	v := int64(n) * 10
	if frac != "" {
		d, err := strconv.ParseUint(frac, 10, 8)
		if err != nil {
			return 0, false
		}
		v += int64(d)
	}
	return v, true
}

// splitList splits a list written one a line or comma-separated.
func splitList(text string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// onForm puts an error of the app on the command's form: its fields renamed
// as the form names them; a card or session the command names that is not
// found on the field that named it, so that the form says so.
func onForm(name string, err error, names formNames) error {
	fields := fc.ErrorFields(err)
	if len(fields) == 0 {
		if !fc.IsCode(err, fc.ENotFound) {
			return err
		}
		field := map[string]string{app.CommandReserveNow: "id_tag", app.CommandSendLocalList: "entries",
			app.CommandSetChargingProfile: "transaction_id", app.CommandGetTransactionStatus: "transaction_id"}[name]
		if field == "" {
			return err
		}
		return fc.Invalid(map[string]string{field: fc.ErrorMessage(err)})
	}
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		to, lead := names(k)
		msg := fields[k]
		if lead != "" {
			msg = lead + " " + msg
		}
		if prev, ok := out[to]; ok {
			msg = prev + "; " + msg
		}
		out[to] = msg
	}
	e := fc.Invalid(out)
	e.Code, e.Message = fc.ErrorCode(err), fc.ErrorMessage(err)
	return e
}

// answerPath is the station page showing a command's answer: its status,
// the reservation or request ID it made, and a short reading of what it
// said (what fits in an address; a station's configuration goes to its
// device model instead).
func answerPath(v *view, id fc.ID, res *app.CommandResult) string {
	p := objectPath(fc.KindStation, id) + "?cmd=" + urlQuery(res.Command) + "&answer=" + urlQuery(res.Status)
	if res.ReservationID > 0 {
		p += "&reservation_id=" + strconv.Itoa(res.ReservationID)
	}
	if res.RequestID > 0 {
		p += "&request_id=" + strconv.Itoa(res.RequestID)
	}
	if s := replySummary(v, res.Action, res.Reply); s != "" {
		if r := []rune(s); len(r) > maxReplyText {
			s = string(r[:maxReplyText-1]) + "…"
		}
		p += "&reply=" + urlQuery(s)
	}
	return p
}

// commandAnswer reads the answer answerPath put in the page's address.
func commandAnswer(q url.Values) []fact {
	if q.Get("cmd") == "" {
		return nil
	}
	facts := []fact{{Label: "Command", Value: titleCase(strings.ReplaceAll(q.Get("cmd"), "-", " "))}}
	switch {
	case q.Get("answer") != "":
		facts = append(facts, fact{Label: "The station answered", Value: q.Get("answer")})
	case q.Get("reply") == "":
		facts = append(facts, fact{Label: "The station answered", Value: "(no status)"})
	}
	if id := q.Get("reservation_id"); id != "" {
		facts = append(facts, fact{Label: "Reservation ID", Value: id})
	}
	if id := q.Get("request_id"); id != "" {
		facts = append(facts, fact{Label: "Request ID", Value: id + " (the station's status notifications carry it)"})
	}
	if r := q.Get("reply"); r != "" {
		facts = append(facts, fact{Label: "Reply", Value: r})
	}
	return facts
}

// replySummary reads what a reply says beyond its status, for the answers
// that say more: the configuration read (counted; the values are in the
// device model), the local list's version, a composite schedule, a file
// name, a vendor's data, a transaction's queue.
func replySummary(v *view, action string, reply json.RawMessage) string {
	var r struct {
		ConfigurationKey []json.RawMessage `json:"configurationKey"`
		UnknownKey       []string          `json:"unknownKey"`
		GetVariable      []struct {
			AttributeStatus string `json:"attributeStatus"`
			Component       struct {
				Name string `json:"name"`
			} `json:"component"`
			Variable struct {
				Name string `json:"name"`
			} `json:"variable"`
		} `json:"getVariableResult"`
		ListVersion   *int            `json:"listVersion"`
		VersionNumber *int            `json:"versionNumber"`
		FileName      string          `json:"fileName"`
		Filename      string          `json:"filename"`
		Data          json.RawMessage `json:"data"`
		Queued        *bool           `json:"messagesInQueue"`
		Ongoing       *bool           `json:"ongoingIndicator"`
		ScheduleStart *time.Time      `json:"scheduleStart"`
		Schedule16    *schedule       `json:"chargingSchedule"`
		Schedule201   *struct {
			schedule
			ScheduleStart *time.Time `json:"scheduleStart"`
		} `json:"schedule"`
	}
	if json.Unmarshal(reply, &r) != nil {
		return ""
	}
	switch action {
	case "GetConfiguration":
		s := fmt.Sprintf("%d keys read; the device model above shows them", len(r.ConfigurationKey))
		if len(r.UnknownKey) > 0 {
			s += ". Unknown to the station: " + strings.Join(r.UnknownKey, ", ")
		}
		return s
	case "GetVariables":
		read, other := 0, []string{}
		for _, g := range r.GetVariable {
			if g.AttributeStatus == "Accepted" {
				read++
				continue
			}
			other = append(other, g.Component.Name+"."+g.Variable.Name+": "+g.AttributeStatus)
		}
		s := fmt.Sprintf("%d of %d variables read; the device model above shows them", read, len(r.GetVariable))
		if len(other) > 0 {
			s += ". " + strings.Join(other, ", ")
		}
		return s
	case "GetLocalListVersion":
		n := r.ListVersion
		if n == nil {
			n = r.VersionNumber
		}
		switch {
		case n == nil:
			return ""
		case *n < 0:
			return "The station's local list is disabled"
		case *n == 0:
			return "The station has no local list"
		}
		return "List version " + strconv.Itoa(*n)
	case "GetDiagnostics", "GetLog":
		if f := r.FileName + r.Filename; f != "" {
			return "File name: " + f
		}
		if action == "GetDiagnostics" {
			return "No diagnostics available"
		}
	case "DataTransfer":
		var data string
		if len(r.Data) > 0 && json.Unmarshal(r.Data, &data) != nil {
			data = string(r.Data)
		}
		if data != "" {
			return "Data: " + data
		}
	case "GetTransactionStatus":
		if r.Queued != nil {
			s := "Messages queued: " + yesNo(*r.Queued)
			if r.Ongoing != nil {
				s += "; transaction ongoing: " + yesNo(*r.Ongoing)
			}
			return s
		}
	case "GetCompositeSchedule":
		sc, start := r.Schedule16, r.ScheduleStart
		if r.Schedule201 != nil {
			sc, start = &r.Schedule201.schedule, r.Schedule201.ScheduleStart
		}
		if sc == nil {
			return ""
		}
		s := ""
		if start != nil {
			s = "From " + v.when(*start) + ", "
		}
		if sc.Duration > 0 {
			s += fmt.Sprintf("for %d s, ", sc.Duration)
		}
		periods := make([]string, len(sc.Periods))
		for i, p := range sc.Periods {
			periods[i] = fmt.Sprintf("at %d s %s %s", p.StartPeriod, p.Limit, sc.Unit)
			if p.NumberPhases > 0 {
				periods[i] += fmt.Sprintf(" on %d phases", p.NumberPhases)
			}
		}
		return s + strings.Join(periods, ", ")
	}
	return ""
}

// schedule is a charging schedule as a station's composite schedule gives
// it (the same fields in both versions).
type schedule struct {
	Duration int    `json:"duration"`
	Unit     string `json:"chargingRateUnit"`
	Periods  []struct {
		StartPeriod  int         `json:"startPeriod"`
		Limit        json.Number `json:"limit"`
		NumberPhases int         `json:"numberPhases"`
	} `json:"chargingSchedulePeriod"`
}
