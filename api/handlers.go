package api

import (
	"context"
	"net/http"
	"reflect"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// The handlers of the collections. Each authenticates first (401 before
// anything else), then reads its input (400 for bad input), then calls the
// app service, which decides what the caller may see and do.

// decode reads the request body into dst, which must be a pointer to the
// body type the route table declares for the route.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, dst any) (fieldSet, error) {
	rt := s.byKey[r.Pattern]
	if rt == nil || rt.body != reflect.TypeOf(dst).Elem() {
		panic("api: " + r.Pattern + " decodes a body the route table does not declare")
	}
	return decodeObject(w, r, dst, rt.create)
}

// pathID returns the {id} of the path; one that is not an ID names nothing.
func pathID(r *http.Request) (fc.ID, error) {
	id, err := fc.ParseID(r.PathValue("id"))
	if err != nil {
		return 0, fc.Errorf(fc.ENotFound, "nothing has the ID %q", r.PathValue("id"))
	}
	return id, nil
}

// writePage writes one page of a list: a full page carries the cursor of
// the next one.
func writePage[T any](w http.ResponseWriter, items []T, p fc.Page, idOf func(*T) fc.ID) {
	body := listPage[T]{Data: items}
	if body.Data == nil {
		body.Data = []T{}
	}
	if n := len(items); n > 0 && n == p.Limit {
		c := idOf(&items[n-1]).String()
		body.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, body)
}

// writeCreated writes 201 with the new object and its Location.
func writeCreated(w http.ResponseWriter, r *http.Request, id fc.ID, v any) {
	w.Header().Set("Location", r.URL.Path+"/"+id.String())
	writeJSON(w, http.StatusCreated, v)
}

func same[T any](x *T) *T { return x }

// listOf serves a list: filter reads the query (and returns the page),
// list reads in the caller's scope, view shapes each item.
func listOf[F, T, V any](s *Server, filter func(q *queryReader) (F, fc.Page),
	list func(context.Context, access.Subject, F) ([]T, error), view func(*T) V, idOf func(*V) fc.ID) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		subj, err := s.subject(r)
		if err != nil {
			return err
		}
		q := s.query(r)
		f, p := filter(q)
		if err := q.err(); err != nil {
			return err
		}
		items, err := list(r.Context(), subj, f)
		if err != nil {
			return err
		}
		out := make([]V, len(items))
		for i := range items {
			out[i] = view(&items[i])
		}
		writePage(w, out, p, idOf)
		return nil
	}
}

// getOf serves GET /{collection}/{id}, and the POST actions on one object
// that answer with the object (issue an invoice, approve a statement).
func getOf[T, V any](s *Server, read func(context.Context, access.Subject, fc.ID) (*T, error), view func(*T) V) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
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
		x, err := read(r.Context(), subj, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, view(x))
		return nil
	}
}

// deleteOf serves DELETE /{collection}/{id}.
func deleteOf(s *Server, del func(context.Context, access.Subject, fc.ID) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
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
		if err := del(r.Context(), subj, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// writeOf serves a POST or PATCH: it authenticates, decodes the body into
// a new In and hands it, with the fields present and the caller, to do.
func writeOf[In any](s *Server, do func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *In, set fieldSet) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		subj, err := s.subject(r)
		if err != nil {
			return err
		}
		if err := s.query(r).err(); err != nil {
			return err
		}
		in := new(In)
		set, err := s.decode(w, r, in)
		if err != nil {
			return err
		}
		return do(w, r, subj, in, set)
	}
}

// patchOf serves PATCH /{collection}/{id}: update applies the fields
// present through apply.
func patchOf[In, T, V any](s *Server, update func(context.Context, access.Subject, fc.ID, func(*T) error) (*T, error),
	apply func(x *T, in *In, set fieldSet) error, view func(*T) V) handlerFunc {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *In, set fieldSet) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		x, err := update(r.Context(), subj, id, func(x *T) error { return apply(x, in, set) })
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, view(x))
		return nil
	})
}

// Organizations.

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.OrganizationFilter, fc.Page) {
		f := fc.OrganizationFilter{Search: q.str("search"), Page: q.page()}
		if v := q.get("parent_id"); v == "0" {
			f.ParentID = new(fc.ID)
		} else if v != "" {
			id := q.id("parent_id")
			f.ParentID = &id
		}
		return f, f.Page
	}, s.app.Organizations, same, func(o **fc.Organization) fc.ID { return (*o).ID })(w, r)
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Organization, same)(w, r)
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *organizationInput, _ fieldSet) error {
		o := fc.Organization{Name: in.Name, ParentID: in.ParentID, Country: in.Country}
		if err := s.app.CreateOrganization(r.Context(), subj, &o); err != nil {
			return err
		}
		writeCreated(w, r, o.ID, &o)
		return nil
	})(w, r)
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateOrganization, func(o *fc.Organization, in *organizationInput, set fieldSet) error {
		setIf(set, "name", &o.Name, in.Name)
		setIf(set, "parent_id", &o.ParentID, in.ParentID)
		setIf(set, "country", &o.Country, in.Country)
		return nil
	}, same)(w, r)
}

func (s *Server) deleteOrganization(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteOrganization)(w, r)
}

// setIf sets *dst to v when the body carried the field.
func setIf[T any](set fieldSet, name string, dst *T, v T) {
	if set.has(name) {
		*dst = v
	}
}

// Accounts.

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.AccountFilter, fc.Page) {
		f := fc.AccountFilter{OrganizationID: q.id("organization_id"), Kind: q.str("kind"), Search: q.str("search"), Page: q.page()}
		return f, f.Page
	}, s.app.Accounts, same, func(a **fc.Account) fc.ID { return (*a).ID })(w, r)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Account, same)(w, r)
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *accountInput, _ fieldSet) error {
		a := fc.Account{OrganizationID: in.OrganizationID, Name: in.Name, Kind: in.Kind, VATID: in.VATID, Address: in.Address,
			PostalCode: in.PostalCode, City: in.City, Country: in.Country, BillingEmail: in.BillingEmail, IBAN: in.IBAN}
		if err := s.app.CreateAccount(r.Context(), subj, &a); err != nil {
			return err
		}
		writeCreated(w, r, a.ID, &a)
		return nil
	})(w, r)
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateAccount, func(a *fc.Account, in *accountInput, set fieldSet) error {
		setIf(set, "organization_id", &a.OrganizationID, in.OrganizationID)
		setIf(set, "name", &a.Name, in.Name)
		setIf(set, "kind", &a.Kind, in.Kind)
		setIf(set, "vat_id", &a.VATID, in.VATID)
		setIf(set, "address", &a.Address, in.Address)
		setIf(set, "postal_code", &a.PostalCode, in.PostalCode)
		setIf(set, "city", &a.City, in.City)
		setIf(set, "country", &a.Country, in.Country)
		setIf(set, "billing_email", &a.BillingEmail, in.BillingEmail)
		setIf(set, "iban", &a.IBAN, in.IBAN)
		return nil
	}, same)(w, r)
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteAccount)(w, r)
}

// Employees.

func (s *Server) listEmployees(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.EmployeeFilter, fc.Page) {
		f := fc.EmployeeFilter{AccountID: q.id("account_id"), Active: q.boolPtr("active"), Search: q.str("search"), Page: q.page()}
		return f, f.Page
	}, s.app.Employees, same, func(e **fc.Employee) fc.ID { return (*e).ID })(w, r)
}

func (s *Server) getEmployee(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Employee, same)(w, r)
}

func (s *Server) createEmployee(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *employeeInput, set fieldSet) error {
		e := fc.Employee{AccountID: in.AccountID, Name: in.Name, Email: in.Email, EmployeeNumber: in.EmployeeNumber, Active: true}
		setIf(set, "active", &e.Active, in.Active)
		if err := s.app.CreateEmployee(r.Context(), subj, &e); err != nil {
			return err
		}
		writeCreated(w, r, e.ID, &e)
		return nil
	})(w, r)
}

func (s *Server) updateEmployee(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateEmployee, func(e *fc.Employee, in *employeeInput, set fieldSet) error {
		setIf(set, "account_id", &e.AccountID, in.AccountID)
		setIf(set, "name", &e.Name, in.Name)
		setIf(set, "email", &e.Email, in.Email)
		setIf(set, "employee_number", &e.EmployeeNumber, in.EmployeeNumber)
		setIf(set, "active", &e.Active, in.Active)
		return nil
	}, same)(w, r)
}

func (s *Server) deleteEmployee(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteEmployee)(w, r)
}

// Cards.

func (s *Server) listCards(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.CardFilter, fc.Page) {
		f := fc.CardFilter{AccountID: q.id("account_id"), EmployeeID: q.id("employee_id"), Status: q.str("status"),
			Search: q.str("search"), ExpiringDays: q.days("expiring"), Page: q.page()}
		return f, f.Page
	}, s.app.Cards, same, func(c **fc.Card) fc.ID { return (*c).ID })(w, r)
}

func (s *Server) getCard(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Card, same)(w, r)
}

func (s *Server) createCard(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *cardInput, _ fieldSet) error {
		c := fc.Card{AccountID: in.AccountID, EmployeeID: in.EmployeeID, InternalID: in.InternalID, ExternalID: in.ExternalID, Status: in.Status,
			ValidUntil: in.ValidUntil}
		if err := s.app.CreateCard(r.Context(), subj, &c); err != nil {
			return err
		}
		writeCreated(w, r, c.ID, &c)
		return nil
	})(w, r)
}

func (s *Server) updateCard(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateCard, func(c *fc.Card, in *cardInput, set fieldSet) error {
		setIf(set, "account_id", &c.AccountID, in.AccountID)
		setIf(set, "employee_id", &c.EmployeeID, in.EmployeeID)
		setIf(set, "internal_id", &c.InternalID, in.InternalID)
		setIf(set, "external_id", &c.ExternalID, in.ExternalID)
		setIf(set, "status", &c.Status, in.Status)
		setIf(set, "valid_until", &c.ValidUntil, in.ValidUntil)
		return nil
	}, same)(w, r)
}

func (s *Server) deleteCard(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteCard)(w, r)
}

// Locations.

func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.LocationFilter, fc.Page) {
		f := fc.LocationFilter{AccountID: q.id("account_id"), Kind: q.str("kind"), Page: q.page()}
		return f, f.Page
	}, s.app.Locations, viewLocation, func(l *locationView) fc.ID { return l.ID })(w, r)
}

func (s *Server) getLocation(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Location, viewLocation)(w, r)
}

func (s *Server) createLocation(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *locationInput, set fieldSet) error {
		l := fc.Location{AccountID: in.AccountID, Name: in.Name, Kind: in.Kind, Address: in.Address, City: in.City,
			PostalCode: in.PostalCode, Country: in.Country, EmployeeID: in.EmployeeID}
		if err := applyGrid(&l, in, set); err != nil {
			return err
		}
		if err := s.app.CreateLocation(r.Context(), subj, &l); err != nil {
			return err
		}
		writeCreated(w, r, l.ID, viewLocation(&l))
		return nil
	})(w, r)
}

func (s *Server) updateLocation(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateLocation, func(l *fc.Location, in *locationInput, set fieldSet) error {
		setIf(set, "account_id", &l.AccountID, in.AccountID)
		setIf(set, "name", &l.Name, in.Name)
		setIf(set, "kind", &l.Kind, in.Kind)
		setIf(set, "address", &l.Address, in.Address)
		setIf(set, "city", &l.City, in.City)
		setIf(set, "postal_code", &l.PostalCode, in.PostalCode)
		setIf(set, "country", &l.Country, in.Country)
		setIf(set, "employee_id", &l.EmployeeID, in.EmployeeID)
		return applyGrid(l, in, set)
	}, viewLocation)(w, r)
}

func (s *Server) deleteLocation(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteLocation)(w, r)
}

// Charge groups.

func (s *Server) listChargeGroups(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.ChargeGroupFilter, fc.Page) {
		f := fc.ChargeGroupFilter{AccountID: q.id("account_id"), Page: q.page()}
		return f, f.Page
	}, s.app.ChargeGroups, viewChargeGroup, func(g *chargeGroupView) fc.ID { return g.ID })(w, r)
}

func (s *Server) getChargeGroup(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.ChargeGroup, viewChargeGroup)(w, r)
}

// applyGroup sets the fields present of a charge group input on g,
// converting prices exactly to millionths.
func applyGroup(g *fc.ChargeGroup, in *chargeGroupInput, set fieldSet) error {
	setIf(set, "account_id", &g.AccountID, in.AccountID)
	setIf(set, "name", &g.Name, in.Name)
	setIf(set, "kind", &g.Kind, in.Kind)
	setIf(set, "access", &g.Access, in.Access)
	setIf(set, "allowed_account_ids", &g.AllowedAccountIDs, in.AllowedAccountIDs)
	setIf(set, "allowed_organization_ids", &g.AllowedOrganizationIDs, in.AllowedOrganizationIDs)
	setIf(set, "allowed_card_ids", &g.AllowedCardIDs, in.AllowedCardIDs)
	setIf(set, "load_priority", &g.LoadPriority, in.LoadPriority)
	setIf(set, "roaming", &g.Roaming, in.Roaming)
	whole := set.null("tariff")
	if whole || set.has("tariff.currency") {
		g.Tariff.Currency = in.Tariff.Currency
	}
	fields := map[string]string{}
	for _, p := range []struct {
		name string
		d    Decimal
		dst  *int64
	}{
		{"tariff.per_kwh", in.Tariff.PerKWh, &g.Tariff.PerKWhMicros},
		{"tariff.per_minute", in.Tariff.PerMinute, &g.Tariff.PerMinuteMicros},
		{"tariff.start_fee", in.Tariff.StartFee, &g.Tariff.StartFeeMicros},
	} {
		if !whole && !set.has(p.name) {
			continue
		}
		v, err := p.d.Scaled(p.name, 6)
		if err != nil {
			fields[p.name] = fc.ErrorFields(err)[p.name]
			continue
		}
		*p.dst = v
	}
	applyTariffExtras(&g.Tariff, &in.Tariff, set, whole, fields)
	if len(fields) > 0 {
		return fc.Invalid(fields)
	}
	return nil
}

func (s *Server) createChargeGroup(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *chargeGroupInput, set fieldSet) error {
		var g fc.ChargeGroup
		if err := applyGroup(&g, in, set); err != nil {
			return err
		}
		if err := s.app.CreateChargeGroup(r.Context(), subj, &g); err != nil {
			return err
		}
		writeCreated(w, r, g.ID, viewChargeGroup(&g))
		return nil
	})(w, r)
}

func (s *Server) updateChargeGroup(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateChargeGroup, applyGroup, viewChargeGroup)(w, r)
}

func (s *Server) deleteChargeGroup(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteChargeGroup)(w, r)
}

// Stations.

func (s *Server) listStations(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.StationFilter, fc.Page) {
		f := fc.StationFilter{AccountID: q.id("account_id"), LocationID: q.id("location_id"), ChargeGroupID: q.id("charge_group_id"),
			Search: q.str("search"), Page: q.page()}
		return f, f.Page
	}, s.app.Stations, viewStation, func(st *stationView) fc.ID { return st.ID })(w, r)
}

func (s *Server) getStation(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Station, viewStation)(w, r)
}

func (s *Server) createStation(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *stationInput, set fieldSet) error {
		st := fc.Station{AccountID: in.AccountID, LocationID: in.LocationID, ChargeGroupID: in.ChargeGroupID, Identity: in.Identity,
			Vendor: in.Vendor, Model: in.Model, SerialNumber: in.SerialNumber, Firmware: in.Firmware}
		connectors := 1
		setIf(set, "connectors", &connectors, in.Connectors)
		if err := applyConnectorMax(&st, in, set); err != nil {
			return err
		}
		if set.has("password") && in.Password == "" {
			return fc.Invalid(map[string]string{"password": "must be 16 to 40 characters; leave it out to have one generated"})
		}
		password, err := s.app.CreateStation(r.Context(), subj, &st, in.Password, connectors)
		if err != nil {
			return err
		}
		writeCreated(w, r, st.ID, stationCreatedView{stationView: viewStation(&st), Password: password})
		return nil
	})(w, r)
}

func (s *Server) updateStation(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *stationInput, set fieldSet) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if set.has("connectors") {
			return fc.Invalid(map[string]string{"connectors": "is set when the station is registered and cannot change"})
		}
		hash := ""
		if set.has("password") {
			if hash, err = app.StationPasswordHash("password", in.Password); err != nil {
				return err
			}
		}
		st, err := s.app.UpdateStation(r.Context(), subj, id, func(st *fc.Station) error {
			setIf(set, "account_id", &st.AccountID, in.AccountID)
			setIf(set, "location_id", &st.LocationID, in.LocationID)
			setIf(set, "charge_group_id", &st.ChargeGroupID, in.ChargeGroupID)
			setIf(set, "identity", &st.Identity, in.Identity)
			setIf(set, "password", &st.PasswordHash, hash)
			setIf(set, "vendor", &st.Vendor, in.Vendor)
			setIf(set, "model", &st.Model, in.Model)
			setIf(set, "serial_number", &st.SerialNumber, in.SerialNumber)
			setIf(set, "firmware_version", &st.Firmware, in.Firmware)
			return applyConnectorMax(st, in, set)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewStation(st))
		return nil
	})(w, r)
}

func (s *Server) deleteStation(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteStation)(w, r)
}

// command serves POST /api/v1/stations/{id}/commands/{name}.
func (s *Server) command(name string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
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
		cmd := app.Command{Name: name}
		if err := s.decodeCommand(w, r, &cmd); err != nil {
			return err
		}
		res, err := s.app.SendCommand(r.Context(), subj, id, cmd)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

// decodeCommand reads the body of the station command cmd.Name into cmd;
// r.Pattern must be that command's route (a job's arguments are read
// through it too).
func (s *Server) decodeCommand(w http.ResponseWriter, r *http.Request, cmd *app.Command) error {
	var err error
	switch cmd.Name {
	case app.CommandRemoteStart:
		var in remoteStartInput
		_, err = s.decode(w, r, &in)
		cmd.ConnectorID, cmd.IDTag = in.ConnectorID, in.IDTag
	case app.CommandRemoteStop:
		var in remoteStopInput
		_, err = s.decode(w, r, &in)
		cmd.TransactionID = in.TransactionID
	case app.CommandReset:
		var in resetInput
		_, err = s.decode(w, r, &in)
		cmd.Type = in.Type
	case app.CommandUnlock:
		var in unlockInput
		_, err = s.decode(w, r, &in)
		cmd.ConnectorID = in.ConnectorID
	case app.CommandChangeAvailability:
		var in changeAvailabilityInput
		_, err = s.decode(w, r, &in)
		cmd.ConnectorID, cmd.Type = in.ConnectorID, in.Type
	case app.CommandGetBaseReport:
		var in getBaseReportInput
		_, err = s.decode(w, r, &in)
		cmd.Type = in.ReportBase
	case app.CommandGetVariables:
		var in getVariablesInput
		_, err = s.decode(w, r, &in)
		cmd.Variables = in.Variables
	case app.CommandSetVariables:
		var in setVariablesInput
		_, err = s.decode(w, r, &in)
		cmd.Variables = in.Variables
	case app.CommandGetInstalledCertificateIDs, app.CommandInstallCertificate, app.CommandDeleteCertificate:
		err = s.decodeCertificateCommand(w, r, cmd)
	default:
		err = s.decodeOperation(w, r, cmd)
	}
	return err
}

// Users and role assignments.

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.UserFilter, fc.Page) {
		f := fc.UserFilter{Search: q.str("search"), Page: q.page()}
		return f, f.Page
	}, s.app.Users, same, func(u **fc.User) fc.ID { return (*u).ID })(w, r)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.User, same)(w, r)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *userInput, _ fieldSet) error {
		u := fc.User{Email: in.Email, Name: in.Name, Disabled: in.Disabled, Language: in.Language}
		password, err := s.app.CreateUser(r.Context(), subj, &u)
		if err != nil {
			return err
		}
		writeCreated(w, r, u.ID, userCreatedView{User: &u, Password: password})
		return nil
	})(w, r)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	return patchOf(s, s.app.UpdateUser, func(u *fc.User, in *userInput, set fieldSet) error {
		setIf(set, "email", &u.Email, in.Email)
		setIf(set, "name", &u.Name, in.Name)
		setIf(set, "disabled", &u.Disabled, in.Disabled)
		setIf(set, "language", &u.Language, in.Language)
		return nil
	}, same)(w, r)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DisableUser)(w, r)
}

func (s *Server) listAssignments(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.AssignmentFilter, fc.Page) {
		f := fc.AssignmentFilter{UserID: q.id("user_id"), Page: q.page()}
		return f, f.Page
	}, s.app.Assignments, same, func(a **fc.Assignment) fc.ID { return (*a).ID })(w, r)
}

func (s *Server) getAssignment(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.Assignment, same)(w, r)
}

func (s *Server) createAssignment(w http.ResponseWriter, r *http.Request) error {
	return writeOf(s, func(w http.ResponseWriter, r *http.Request, subj access.Subject, in *assignmentInput, _ fieldSet) error {
		a := fc.Assignment{UserID: in.UserID, Role: fc.Role(in.Role), OrganizationID: in.OrganizationID, AccountID: in.AccountID,
			EmployeeID: in.EmployeeID}
		if err := s.app.CreateAssignment(r.Context(), subj, &a); err != nil {
			return err
		}
		writeCreated(w, r, a.ID, &a)
		return nil
	})(w, r)
}

func (s *Server) deleteAssignment(w http.ResponseWriter, r *http.Request) error {
	return deleteOf(s, s.app.DeleteAssignment)(w, r)
}

// Audit events.

func (s *Server) listAuditEvents(w http.ResponseWriter, r *http.Request) error {
	return listOf(s, func(q *queryReader) (fc.AuditFilter, fc.Page) {
		f := fc.AuditFilter{ObjectType: q.str("object_type"), ObjectID: q.id("object_id"), Page: q.page()}
		return f, f.Page
	}, s.app.AuditEvents, viewAudit, func(e *auditView) fc.ID { return e.ID })(w, r)
}

func (s *Server) getAuditEvent(w http.ResponseWriter, r *http.Request) error {
	return getOf(s, s.app.AuditEvent, viewAudit)(w, r)
}
