package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// maxDeviceVariables bounds the device model kept per station, so that a
// station cannot fill the database with reports.
const maxDeviceVariables = 5000

// RecordDeviceModel stores variables of an OCPP 2.0.1 station's device
// model (a NotifyReport's reportData), each attribute replacing the stored
// one. Texts are cut to the lengths OCPP 2.0.1 allows.
func (s *Store) RecordDeviceModel(ctx context.Context, stationID fc.ID, vars []fc.DeviceVariable, at time.Time) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		if _, err := chargingStation(ctx, tx, stationID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_variables WHERE station_id = $1`, int64(stationID)).Scan(&n); err != nil {
			return err
		}
		if n+len(vars) > maxDeviceVariables {
			return fc.Errorf(fc.ETooLarge, "station %s reports more than %d device model attributes", stationID, maxDeviceVariables)
		}
		for _, v := range vars {
			var value any
			if v.Value != nil {
				value = clip(*v.Value, 2500)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO device_variables (station_id, component, component_instance, evse_id, connector_id,
				variable, variable_instance, attribute_type, value, mutability, data_type, unit, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				ON CONFLICT (station_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type)
				DO UPDATE SET value = excluded.value, mutability = excluded.mutability, data_type = excluded.data_type,
				unit = excluded.unit, updated_at = excluded.updated_at`,
				int64(stationID), clip(v.Component, 50), clip(v.ComponentInstance, 50), v.EVSEID, v.ConnectorID,
				clip(v.Variable, 50), clip(v.VariableInstance, 50), clip(v.AttributeType, 10), value,
				clip(v.Mutability, 10), clip(v.DataType, 20), clip(v.Unit, 20), ms(at)); err != nil {
				return fmt.Errorf("device variable %s.%s: %w", v.Component, v.Variable, err)
			}
		}
		return nil
	})
}

// DeviceModel returns the station's stored device model, ordered by
// component, EVSE, connector, variable and attribute.
func (s *Store) DeviceModel(ctx context.Context, stationID fc.ID) ([]fc.DeviceVariable, error) {
	var out []fc.DeviceVariable
	err := s.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT component, component_instance, evse_id, connector_id, variable, variable_instance,
			attribute_type, value, mutability, data_type, unit, updated_at FROM device_variables WHERE station_id = $1
			ORDER BY component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type`, int64(stationID))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v fc.DeviceVariable
			var value sql.NullString
			var updated int64
			if err := rows.Scan(&v.Component, &v.ComponentInstance, &v.EVSEID, &v.ConnectorID, &v.Variable, &v.VariableInstance,
				&v.AttributeType, &value, &v.Mutability, &v.DataType, &v.Unit, &updated); err != nil {
				return err
			}
			if value.Valid {
				v.Value = &value.String
			}
			v.UpdatedAt = fromMS(updated)
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}
