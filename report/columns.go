package report

import (
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
)

// row is a stored report row, or a roll-up row, with what its columns need
// besides: the utilization's numerator and denominator, and a roll-up's
// label.
type row struct {
	*fc.ReportRow
	busy, capacity int64 // ms; capacity 0: no utilization
	avail          span  // availability (station reports); known 0: none
	month          string
}

// column is a Column with the way to read it from a row. Figure columns
// are those of roll-ups and totals rows.
type column struct {
	Column
	get    func(r *row) Cell
	figure bool
}

// capKey identifies what utilization measures: a station (connector 0) or
// one charge point.
type capKey struct {
	station   fc.ID
	connector int
}

// definition is one report: its columns and how its rows count for
// utilization.
type definition struct {
	name    string
	columns []column
	// points, for station reports, tells what a row measures and how many
	// charge points that is.
	points func(r *fc.ReportRow) (capKey, int64)
	// idle lists the subjects without sessions too.
	idle bool
}

func col(key, title, typ string, get func(r *row) Cell) column {
	return column{Column: Column{Key: key, Title: title, Type: typ}, get: get}
}

// orgPath joins the names of an organization chain.
func orgPath(names []string) string { return strings.Join(names, " / ") }

var (
	accountCols = []column{
		col("account_id", "Account ID", TypeID, func(r *row) Cell { return idCell(r.AccountID) }),
		col("account_name", "Account", TypeText, func(r *row) Cell { return textCell(r.AccountName) }),
		col("organization_path", "Organization", TypeText, func(r *row) Cell { return textCell(orgPath(r.OrgNames)) }),
	}
	employeeCols = []column{
		col("employee_id", "Employee ID", TypeID, func(r *row) Cell { return idCell(r.EmployeeID) }),
		col("employee_name", "Employee", TypeText, func(r *row) Cell { return textCell(r.EmployeeName) }),
	}
	stationCols = []column{
		col("station_id", "Station ID", TypeID, func(r *row) Cell { return idCell(r.StationID) }),
		col("identity", "Station", TypeText, func(r *row) Cell { return textCell(r.Identity) }),
	}
	locationNameCol = col("location_name", "Location", TypeText, func(r *row) Cell { return textCell(r.LocationName) })
	locationKindCol = col("location_kind", "Location kind", TypeText, func(r *row) Cell { return textCell(r.LocationKind) })
	currencyCol     = col("currency", "Currency", TypeText, func(r *row) Cell { return textCell(r.Currency) })
)

// figureCols returns the figure columns: currency, sessions, energy,
// duration, utilization (station reports), cost, and the same per location
// kind (split reports).
func figureCols(costTitle string, utilization, kinds bool) []column {
	figs := func(prefix, title string, f func(r *row) *fc.ReportFigures) []column {
		out := []column{
			{Column: Column{prefix + "sessions", title + "Sessions", TypeInteger}, get: func(r *row) Cell { return intCell(f(r).Sessions) }},
			{Column: Column{prefix + "energy_kwh", title + "Energy (kWh)", TypeEnergy}, get: func(r *row) Cell { return energyCell(f(r).EnergyWh) }},
			{Column: Column{prefix + "duration_minutes", title + "Duration (min)", TypeMinutes}, get: func(r *row) Cell { return minutesCell(f(r).DurationS) }},
		}
		if utilization {
			out = append(out, column{Column: Column{"utilization", "Utilization", TypeFraction}, get: func(r *row) Cell { return fractionCell(r.busy, r.capacity) }},
				column{Column: Column{"availability", "Availability", TypeFraction}, get: func(r *row) Cell { return fractionCell(r.avail.up, r.avail.known) }})
		}
		out = append(out, column{Column: Column{prefix + "cost", title + costTitle, TypeMoney}, get: func(r *row) Cell { return moneyCell(f(r).CostMinor, r.Currency) }})
		return out
	}
	cols := []column{currencyCol}
	cols = append(cols, figs("", "", func(r *row) *fc.ReportFigures { return &r.Figures })...)
	if kinds {
		utilization = false // figs reads it: utilization is never split by kind
		for k, kind := range fc.LocationKinds {
			title := strings.ToUpper(kind[:1]) + kind[1:] + ": "
			cols = append(cols, figs(kind+"_", title, func(r *row) *fc.ReportFigures { return &r.ByKind[k] })...)
		}
	}
	for i := range cols {
		cols[i].figure = true
	}
	return cols
}

// figure marks c as a figure column.
func figure(c column) column {
	c.figure = true
	return c
}

func concat(parts ...[]column) []column {
	var out []column
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var definitions = map[string]*definition{
	fc.ReportChargeCards: {
		idle: true,
		columns: concat([]column{
			col("card_id", "Card ID", TypeID, func(r *row) Cell { return idCell(r.CardID) }),
			col("external_id", "External ID", TypeText, func(r *row) Cell { return textCell(r.CardExternalID) }),
			col("internal_id", "Internal ID", TypeText, func(r *row) Cell { return textCell(r.CardInternalID) }),
			col("status", "Status", TypeText, func(r *row) Cell { return textCell(r.CardStatus) }),
		}, accountCols, employeeCols, []column{
			col("created_at", "Created", TypeTime, func(r *row) Cell { return timeCell(r.CardCreatedAt) }),
			col("last_used_at", "Last used", TypeTime, func(r *row) Cell { return timeCell(r.CardLastUsedAt) }),
		}, figureCols("Cost", false, false)),
	},
	fc.ReportChargeSessions: {
		columns: []column{
			col("session_id", "Session ID", TypeID, func(r *row) Cell { return idCell(r.SessionID) }),
			col("started_at", "Start", TypeTime, func(r *row) Cell { return timeCell(r.StartedAt) }),
			col("stopped_at", "Stop", TypeTime, func(r *row) Cell { return timeCell(r.StoppedAt) }),
			figure(col("duration_minutes", "Duration (min)", TypeMinutes, func(r *row) Cell { return minutesCell(r.Figures.DurationS) })),
			figure(col("energy_kwh", "Energy (kWh)", TypeEnergy, func(r *row) Cell { return energyCell(r.Figures.EnergyWh) })),
			figure(col("cost", "Cost", TypeMoney, func(r *row) Cell { return moneyCell(r.Figures.CostMinor, r.Currency) })),
			figure(currencyCol),
			col("card_id", "Card ID", TypeID, func(r *row) Cell { return idCell(r.CardID) }),
			col("card_external_id", "Card", TypeText, func(r *row) Cell { return textCell(r.CardExternalID) }),
			employeeCols[0], employeeCols[1],
			stationCols[0], stationCols[1],
			col("connector_id", "Connector", TypeInteger, func(r *row) Cell { return intCell(int64(r.ConnectorID)) }),
			locationNameCol, locationKindCol,
			col("location_origin", "Origin", TypeText, func(r *row) Cell { return textCell(r.LocationOrigin) }),
			accountCols[0], accountCols[1], accountCols[2],
			col("stop_reason", "Stop reason", TypeText, func(r *row) Cell { return textCell(r.StopReason) }),
		},
	},
	fc.ReportEmployees: {
		idle: true,
		columns: concat(employeeCols, []column{
			col("email", "E-mail", TypeText, func(r *row) Cell { return textCell(r.EmployeeEmail) }),
			col("employee_number", "Employee number", TypeText, func(r *row) Cell { return textCell(r.EmployeeNumber) }),
		}, accountCols, []column{
			col("active", "Active", TypeBoolean, func(r *row) Cell { return boolCell(r.EmployeeActive) }),
			col("cards", "Cards", TypeInteger, func(r *row) Cell { return intCell(int64(r.EmployeeCards)) }),
			col("home_location", "Home location", TypeText, func(r *row) Cell { return textCell(r.HomeLocation) }),
		}, figureCols("Cost", false, false)),
	},
	fc.ReportSessionsPerEmployee: {
		columns: concat(employeeCols, accountCols, figureCols("Cost", false, true), []column{
			figure(col("reimbursed_kwh", "Reimbursed (kWh)", TypeEnergy, func(r *row) Cell { return energyCell(r.Figures.ReimbursedWh) })),
			figure(col("reimbursed", "Reimbursed", TypeMoney, func(r *row) Cell { return moneyCell(r.Figures.ReimbursedMinor, r.Currency) })),
		}),
	},
	fc.ReportSessionsPerCard: {
		columns: concat([]column{
			col("card_id", "Card ID", TypeID, func(r *row) Cell { return idCell(r.CardID) }),
			col("external_id", "External ID", TypeText, func(r *row) Cell { return textCell(r.CardExternalID) }),
		}, employeeCols, accountCols, figureCols("Cost", false, true)),
	},
	fc.ReportChargeStations: {
		idle: true,
		points: func(r *fc.ReportRow) (capKey, int64) {
			return capKey{station: r.StationID}, int64(r.ChargePoints)
		},
		columns: concat(stationCols, []column{locationNameCol, locationKindCol}, accountCols, []column{
			col("vendor", "Vendor", TypeText, func(r *row) Cell { return textCell(r.Vendor) }),
			col("model", "Model", TypeText, func(r *row) Cell { return textCell(r.Model) }),
			col("firmware_version", "Firmware", TypeText, func(r *row) Cell { return textCell(r.Firmware) }),
			col("charge_points", "Charge points", TypeInteger, func(r *row) Cell { return intCell(int64(r.ChargePoints)) }),
			col("connection", "Connection", TypeText, func(r *row) Cell { return textCell(connection(r.Online)) }),
			col("last_heartbeat_at", "Last heartbeat", TypeTime, func(r *row) Cell { return timeCell(r.LastHeartbeatAt) }),
		}, figureCols("Revenue", true, false)),
	},
	fc.ReportSessionsPerChargePoint: {
		idle: true,
		points: func(r *fc.ReportRow) (capKey, int64) {
			return capKey{station: r.StationID, connector: r.ConnectorID}, 1
		},
		columns: concat(stationCols, []column{
			col("connector_id", "Connector", TypeInteger, func(r *row) Cell { return intCell(int64(r.ConnectorID)) }),
			col("status", "Status", TypeText, func(r *row) Cell { return textCell(r.ChargePointStatus) }),
			locationNameCol,
		}, accountCols, figureCols("Revenue", true, false)),
	},
}

func init() {
	for name, d := range definitions {
		d.name = name
	}
}

func def(report string) *definition { return definitions[report] }

func connection(online bool) string {
	if online {
		return fc.StationOnline
	}
	return fc.StationOffline
}

// groupCols returns the columns of a roll-up by groupBy: what names the
// group, then the report's figure columns.
func (d *definition) groupCols(groupBy string) []column {
	var head []column
	switch groupBy {
	case GroupByAccount:
		head = accountCols
	case GroupByOrganization:
		head = []column{
			col("organization_id", "Organization ID", TypeID, func(r *row) Cell {
				if len(r.OrgIDs) == 0 {
					return idCell(0)
				}
				return idCell(r.OrgIDs[len(r.OrgIDs)-1])
			}),
			accountCols[2],
		}
	case GroupByMonth:
		head = []column{col("month", "Month", TypeText, func(r *row) Cell { return textCell(r.month) })}
	}
	var figs []column
	if d.name == fc.ReportChargeSessions {
		figs = figureCols("Cost", false, false)
	} else {
		for _, c := range d.columns {
			if c.figure {
				figs = append(figs, c)
			}
		}
	}
	return concat(head, figs)
}

// Columns returns the columns of a report, or of its roll-up by groupBy
// ("" for none); nil for an unknown report.
func Columns(report, groupBy string) []Column {
	d := def(report)
	if d == nil {
		return nil
	}
	cols := d.columns
	if groupBy != "" {
		cols = d.groupCols(groupBy)
	}
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = c.Column
	}
	return out
}

// titles name the reports for people.
var titles = map[string]string{
	fc.ReportChargeCards:            "Charge cards",
	fc.ReportChargeSessions:         "Charge sessions",
	fc.ReportEmployees:              "Employees",
	fc.ReportSessionsPerEmployee:    "Sessions per employee",
	fc.ReportSessionsPerCard:        "Sessions per charge card",
	fc.ReportChargeStations:         "Charge stations",
	fc.ReportSessionsPerChargePoint: "Sessions per charge point",
}

// Title returns the name of a report for people, as its page and exports
// show it.
func Title(report string) string { return titles[report] }
