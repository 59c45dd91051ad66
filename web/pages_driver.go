package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// The driver's portal (issue 15), phone-first: a driver signs in and sees
// its home station with its live state and starts and stops charging
// there, its sessions, its cards, and its rates and statements with their
// PDF. Every read runs as the driver's roles alone (driverSubject), so that
// a user who is a fleet manager too sees here only what is its own; the
// rules are access's and the store's, as everywhere. And the employee
// page's invitation of an employee as a driver.
func (s *Server) driverRoutes() {
	s.handle("GET /my", s.myHomePage)
	s.handle("GET /my/sessions", s.mySessionsPage)
	s.handle("GET /my/cards", s.myCardsPage)
	s.handle("GET /my/reimbursement", s.myReimbursementPage)
	s.handle("POST /my/stations/{id}/start", s.myStart)
	s.handle("POST /my/stations/{id}/stop", s.myStop)
	s.handle("POST /employees/{id}/invite-driver", s.inviteDriver)
}

func init() {
	notices["start-sent"] = "The station accepted the start: charging begins when the car is ready."
	notices["stop-sent"] = "The station accepted the stop."
}

// driverSubject is subj with its driver roles alone; ok is false for a user
// that is nobody's driver.
func driverSubject(subj access.Subject) (access.Subject, bool) {
	out := access.Subject{UserID: subj.UserID, ProviderID: subj.ProviderID}
	for _, a := range subj.Assignments {
		if a.Role == fc.RoleDriver && a.ScopeKind() == fc.ScopeEmployee && a.ProviderID == subj.ProviderID {
			out.Assignments = append(out.Assignments, a)
		}
	}
	return out, len(out.Assignments) > 0
}

// onlyDriver reports whether every role of subj is a driver's: its start
// page is the portal.
func onlyDriver(subj access.Subject) bool {
	d, ok := driverSubject(subj)
	return ok && len(d.Assignments) == len(subj.Assignments)
}

// driverBody is the body of the portal's pages (template driver).
type driverBody struct {
	Section  string // home, sessions, cards, reimbursement
	Heading  string
	Error    string
	Tabs     []navLink
	CSRF     string
	Stations []myStation
	Cards    []myCard
	Sessions []mySession
	Rates    []myRate
	Stmts    []myStatement
}

type myStation struct {
	ID, Name, Place, Connection string
	Online                      bool
	Points                      []myPoint
}

// myPoint is one connector of a home station: its state, and the start
// (with a card of the driver) or the stop of the driver's session on it.
type myPoint struct {
	ConnectorID       int
	Status            string
	StatusClass       string
	RunningID, Energy string // the driver's session running here, if any
	CanStart          bool
}

type myCard struct{ ID, ExternalID, Status string }

type mySession struct {
	ID, Started, Duration, Where, Kind, Energy, Cost, Card string
	Running                                                bool
}

type myRate struct{ PerKWh, Currency, From, To string }

type myStatement struct {
	ID, Period, Status, Sessions, Energy, Amount, PDF string
}

// driver returns the view's driver subject and the portal's body, or not
// found for a user that is nobody's driver.
func (s *Server) driver(v *view, section, heading string) (access.Subject, *driverBody, error) {
	d, ok := driverSubject(v.Full)
	if !ok {
		return d, nil, fc.Errorf(fc.ENotFound, "not a driver")
	}
	b := &driverBody{Section: section, Heading: heading, CSRF: v.Chrome.CSRF}
	for _, t := range []struct{ href, label, section string }{
		{"/my", "Home station", "home"}, {"/my/sessions", "Sessions", "sessions"},
		{"/my/cards", "Cards", "cards"}, {"/my/reimbursement", "Reimbursement", "reimbursement"},
	} {
		b.Tabs = append(b.Tabs, navLink{Href: t.href, Label: t.label, Current: t.section == section})
	}
	return d, b, nil
}

func (s *Server) myHomePage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showMyHome(w, r, v, http.StatusOK, "")
}

// showMyHome shows the home stations with their connectors; message is a
// failed command's.
func (s *Server) showMyHome(w http.ResponseWriter, r *http.Request, v *view, status int, message string) error {
	ctx := r.Context()
	d, b, err := s.driver(v, "home", "My home charging")
	if err != nil {
		return err
	}
	b.Error = message
	stations, err := s.app.Stations(ctx, d, fc.StationFilter{Page: fc.Page{Limit: pageSize}})
	if err != nil {
		return err
	}
	running, err := s.app.Sessions(ctx, d, fc.SessionFilter{ActiveOnly: true, Page: fc.Page{Limit: pageSize}})
	if err != nil {
		return err
	}
	cards, err := s.app.Cards(ctx, d, fc.CardFilter{Status: fc.CardActive, Page: fc.Page{Limit: 1}})
	if err != nil {
		return err
	}
	places := map[fc.ID]string{}
	for _, st := range stations {
		if _, ok := places[st.LocationID]; !ok {
			if l, err := s.app.Location(ctx, d, st.LocationID); err == nil {
				places[st.LocationID] = l.Name
			}
		}
		ms := myStation{ID: st.ID.String(), Name: st.Identity, Place: places[st.LocationID],
			Online: st.Connection == fc.StationOnline, Connection: st.Connection}
		for _, cp := range st.ChargePoints {
			p := myPoint{ConnectorID: cp.ConnectorID, Status: cp.Status, StatusClass: "cp-" + strings.ToLower(cp.Status)}
			for _, x := range running {
				if x.StationID == st.ID && x.ConnectorID == cp.ConnectorID {
					p.RunningID, p.Energy = x.ID.String(), energyText(x.EnergyWh)
				}
			}
			p.CanStart = p.RunningID == "" && len(cards) > 0 && ms.Online
			ms.Points = append(ms.Points, p)
		}
		b.Stations = append(b.Stations, ms)
	}
	s.show(w, r, v, status, "driver", b.Heading, b)
	return nil
}

// myStart starts charging on a connector of a home station with the
// driver's first active card; myStop stops a session of the driver's
// there. Both go through app.SendCommand as the driver, which needs
// stations.charge on the station.
func (s *Server) myStart(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.myCommand(w, r, v, app.CommandRemoteStart)
}

func (s *Server) myStop(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.myCommand(w, r, v, app.CommandRemoteStop)
}

func (s *Server) myCommand(w http.ResponseWriter, r *http.Request, v *view, name string) error {
	ctx := r.Context()
	d, _, err := s.driver(v, "home", "")
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.app.Station(ctx, d, id); err != nil {
		return err
	}
	cmd := app.Command{Name: name}
	cmd.ConnectorID, _ = strconv.Atoi(r.PostFormValue("connector_id"))
	if name == app.CommandRemoteStart {
		cards, err := s.app.Cards(ctx, d, fc.CardFilter{Status: fc.CardActive, Page: fc.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if len(cards) == 0 {
			return s.showMyHome(w, r, v, http.StatusUnprocessableEntity, "You have no active card to charge with.")
		}
		cmd.IDTag = cards[0].InternalID
	} else if cmd.TransactionID, err = fc.ParseID(r.PostFormValue("session_id")); err != nil {
		return s.showMyHome(w, r, v, http.StatusBadRequest, "Choose the session to stop.")
	}
	res, err := s.app.SendCommand(ctx, d, id, cmd)
	switch {
	case fc.IsCode(err, fc.EConflict):
		return s.showMyHome(w, r, v, http.StatusConflict, "The station is offline: nothing was sent. Try again when it is connected.")
	case err != nil && (fc.IsCode(err, fc.ENotFound) || fc.IsCode(err, fc.EInvalid) || fc.IsCode(err, fc.EUnprocessable) || fc.IsCode(err, fc.EUnavailable)):
		return s.showMyHome(w, r, v, http.StatusUnprocessableEntity, sentence(fc.ErrorMessage(err)))
	case err != nil:
		return err
	case res.Status != "Accepted":
		return s.showMyHome(w, r, v, http.StatusOK, "The station answered "+res.Status+".")
	}
	done := "start-sent"
	if name == app.CommandRemoteStop {
		done = "stop-sent"
	}
	redirect(w, r, "/my", done)
	return nil
}

func (s *Server) mySessionsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	d, b, err := s.driver(v, "sessions", "My sessions")
	if err != nil {
		return err
	}
	// The latest sessions, newest first.
	xs, err := s.app.Sessions(ctx, d, fc.SessionFilter{Page: fc.Page{Before: fc.ID(1) << 62, Limit: pageSize}})
	if err != nil {
		return err
	}
	slices.Reverse(xs)
	for _, x := range xs {
		ms := mySession{ID: x.ID.String(), Started: v.when(x.StartedAt), Where: x.LocationName, Kind: x.LocationKind,
			Energy: energyText(x.EnergyWh), Cost: money(x.CostMinor, x.Currency), Card: x.ExternalID, Running: x.Active()}
		if x.StoppedAt != nil {
			ms.Duration = strconv.FormatInt(int64(x.StoppedAt.Sub(x.StartedAt).Minutes()), 10) + " min"
		}
		b.Sessions = append(b.Sessions, ms)
	}
	s.show(w, r, v, http.StatusOK, "driver", b.Heading, b)
	return nil
}

func (s *Server) myCardsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	d, b, err := s.driver(v, "cards", "My cards")
	if err != nil {
		return err
	}
	cards, err := s.app.Cards(r.Context(), d, fc.CardFilter{Page: fc.Page{Limit: pageSize}})
	if err != nil {
		return err
	}
	for _, c := range cards {
		b.Cards = append(b.Cards, myCard{ID: c.ID.String(), ExternalID: c.ExternalID, Status: c.Status})
	}
	s.show(w, r, v, http.StatusOK, "driver", b.Heading, b)
	return nil
}

func (s *Server) myReimbursementPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	d, b, err := s.driver(v, "reimbursement", "My reimbursement")
	if err != nil {
		return err
	}
	rates, err := s.app.ReimbursementRates(ctx, d, fc.ReimbursementRateFilter{Page: fc.Page{Limit: pageSize}})
	if err != nil {
		return err
	}
	for _, x := range rates {
		to := x.ValidTo
		if to == "" {
			to = "open"
		}
		b.Rates = append(b.Rates, myRate{PerKWh: decimalText(x.PerKWhMicros, 6), Currency: x.Currency, From: x.ValidFrom, To: to})
	}
	stmts, err := s.app.ReimbursementStatements(ctx, d, fc.ReimbursementStatementFilter{Page: fc.Page{Before: fc.ID(1) << 62, Limit: pageSize}})
	if err != nil {
		return err
	}
	slices.Reverse(stmts)
	for _, x := range stmts {
		b.Stmts = append(b.Stmts, myStatement{ID: x.ID.String(), Period: x.Period, Status: x.Status, Sessions: strconv.Itoa(x.Sessions),
			Energy: energyText(x.EnergyWh), Amount: decimalText(x.AmountMinor, fc.MinorDigits(x.Currency)) + " " + x.Currency,
			PDF: "/reimbursement/statements/" + x.ID.String() + "/pdf"})
	}
	s.show(w, r, v, http.StatusOK, "driver", b.Heading, b)
	return nil
}

// inviteDriver invites the employee as a driver and shows the new user's
// one-time password, this once.
func (s *Server) inviteDriver(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.app.InviteDriver(r.Context(), v.Subj, id, r.PostFormValue("email"))
	if err != nil {
		return refail(r, err, "invite", func(fl *failure) error { return s.showEmployee(w, r, v, id, fl) })
	}
	b := &detailBody{Heading: inv.User.Name + " is invited as a driver", Back: link{objectPath(fc.KindEmployee, id), "Back to the employee"},
		Result: []fact{{Label: "E-mail", Value: inv.User.Email}, {Label: "One-time password", Value: inv.Password, Class: "secret"}}}
	b.Facts = []fact{{Label: "Note", Value: "Hand this password over safely: it is not shown again. The driver signs in with it, " +
		"chooses its own, and then sees its own cards, sessions, home station and statements, and nothing of anyone else."}}
	s.show(w, r, v, http.StatusCreated, "detail", "Driver invited", b)
	return nil
}

// inviteForm is the employee page's invitation of the employee as a driver.
func inviteForm(v *view, e *fc.Employee) *form {
	f := v.postForm("invite", objectPath(fc.KindEmployee, e.ID)+"/invite-driver", "Invite as driver",
		field{Name: "email", Label: "E-mail address", Type: "email", Value: e.Email, Required: true,
			Hint: "The driver signs in with it; a one-time password is shown on the next page."})
	f.Title = "Driver portal"
	f.Intro = "Invite " + e.Name + " to sign in and see their own cards, sessions, home station and statements."
	return f
}
