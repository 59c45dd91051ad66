-- fleetcharge schema, version 17: the driver role (issue 15). A driver's
-- role assignment is on one employee: employee_id, with no organization and
-- no account. An assignment goes with its employee, so that a deleted
-- employee leaves no role behind.
ALTER TABLE role_assignments ADD COLUMN employee_id BIGINT REFERENCES employees(id) ON DELETE CASCADE;
DROP INDEX role_assignments_unique;
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (user_id, role, COALESCE(organization_id, 0), COALESCE(account_id, 0), COALESCE(employee_id, 0));
CREATE INDEX role_assignments_employee ON role_assignments (employee_id);

-- A driver reads the sessions made with its employee's cards: the
-- employee each session recorded.
CREATE INDEX sessions_employee ON sessions (employee_id, started_at);
