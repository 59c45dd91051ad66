package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	fc "github.com/fleetcharge/fleetcharge"
)

// The payroll file of home-charging reimbursement (docs/REIMBURSEMENT.md):
// one row per statement, for the API's and the web's download alike.

// Payroll file formats.
const (
	PayrollCSV  = "csv"
	PayrollXLSX = "xlsx"
)

// PayrollHeader names the columns of the payroll file.
var PayrollHeader = []string{"employee_number", "employee_name", "account_name", "period", "sessions", "energy_kwh", "amount", "currency",
	"statement_id", "status"}

// payrollNumeric tells which columns of the payroll file are figures.
var payrollNumeric = map[int]bool{4: true, 5: true, 6: true}

// PayrollContentType is the media type of a payroll file's format.
func PayrollContentType(format string) string {
	if format == PayrollXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// PayrollFileName names the payroll file of a period (empty: of every
// period selected) in a format.
func PayrollFileName(period, format string) string {
	name := "reimbursement"
	if period != "" {
		name += "-" + period
	}
	return name + "." + format
}

// PayrollRows returns the payroll file's header and one row per statement,
// figures as exact decimals.
func PayrollRows(xs []fc.ReimbursementStatement) [][]string {
	rows := [][]string{append([]string(nil), PayrollHeader...)}
	for _, x := range xs {
		rows = append(rows, []string{x.EmployeeNumber, x.EmployeeName, x.AccountName, x.Period, strconv.Itoa(x.Sessions),
			decimal(x.EnergyWh, 3), decimal(x.AmountMinor, fc.MinorDigits(x.Currency)), x.Currency,
			x.ID.String(), x.Status})
	}
	return rows
}

// WritePayroll writes the payroll file of the statements in format (csv,
// with one header line, or xlsx, figures as numbers). A text a
// spreadsheet would read as a formula gets a leading apostrophe.
func WritePayroll(w io.Writer, format string, xs []fc.ReimbursementStatement) error {
	rows := PayrollRows(xs)
	switch format {
	case PayrollCSV:
		cw := csv.NewWriter(w)
		for i, row := range rows {
			for j := range row {
				if i == 0 || !payrollNumeric[j] {
					row[j] = defuse(row[j])
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case PayrollXLSX:
		f := excelize.NewFile()
		defer f.Close()
		sheet := f.GetSheetName(0)
		for i, row := range rows {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = v
				// Figures are numbers in the sheet; the header and texts stay text.
				if n, err := strconv.ParseFloat(v, 64); err == nil && i > 0 && payrollNumeric[j] {
					cells[j] = n
				}
			}
			cell, err := excelize.CoordinatesToCellName(1, i+1)
			if err != nil {
				return err
			}
			if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
				return err
			}
		}
		return f.Write(w)
	}
	return fmt.Errorf("payroll: no format %q", format)
}
