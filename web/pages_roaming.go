package web

import (
	"net/http"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
	"github.com/fleetcharge/fleetcharge/app"
)

// Roaming over OCPI (docs/OCPI.md): the provider's OCPI identity and its
// partners, for provider admins (app/ocpi.go).

// roamingRoutes registers the roaming pages.
func (s *Server) roamingRoutes() {
	s.handle("GET /roaming", s.roamingPage)
	s.handle("POST /roaming/identity", s.updateOCPIIdentity)
	s.handle("POST /roaming/partners", s.createPartner)
	s.handle("POST /roaming/register", s.registerPartner)
	s.handle("GET /roaming/partners/{id}", s.partnerPage)
	s.handle("POST /roaming/partners/{id}/sync", s.syncPartner)
	s.handle("POST /roaming/partners/{id}/retry", s.retryPartner)
	s.handle("POST /roaming/partners/{id}/suspend", s.partnerStatus(fc.PartnerSuspended))
	s.handle("POST /roaming/partners/{id}/resume", s.partnerStatus(fc.PartnerConnected))
	s.handle("POST /roaming/partners/{id}/delete", s.deletePartner)
	s.handle("GET /partner-locations", s.partnerLocationsPage)
}

// partnerLocationsPage lists the locations partners published (where the
// provider's cards charge on other networks), newest first, by offset.
func (s *Server) partnerLocationsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	// Read as the partners publish them (by offset): the locations live in
	// the partners' JSON, which SQL does not sort alike on both engines.
	l, err := newList(r, "/partner-locations", listNoun{"1 location", "%d locations", "More than %d locations"}, true, []listColumn{
		{Title: "Location"}, {Title: "Address"}, {Title: "City"}, {Title: "Country"}, {Title: "Partner"}, {Title: "Charge points"},
		{Title: "Available"}, {Title: "Updated"}})
	if err != nil {
		return err
	}
	rows := func(list []app.PartnerLocation) [][]cell {
		var out [][]cell
		for _, l := range list {
			out = append(out, []cell{{Text: orDash(l.Name)}, {Text: orDash(l.Address)}, {Text: orDash(l.City)},
				{Text: orDash(l.Country)}, {Text: orDash(l.Partner)}, {Text: strconv.Itoa(l.EVSEs)}, {Text: strconv.Itoa(l.Available)},
				v.timeCell(l.LastUpdated)})
		}
		return out
	}
	if l.export {
		list, total, err := s.app.PartnerLocations(r.Context(), v.Subj, 0, 0, exportPage)
		if err != nil {
			return err
		}
		out := l.csv(w, "partner-locations")
		for at := 0; out.write(rows(list)) && len(list) > 0; {
			if at += len(list); at >= total {
				return nil
			}
			if list, _, err = s.app.PartnerLocations(r.Context(), v.Subj, 0, at, exportPage); err != nil {
				s.cfg.Logger.Error("list export cut short", "path", r.URL.Path, "err", err)
				return nil
			}
		}
		return nil
	}
	list, total, err := s.app.PartnerLocations(r.Context(), v.Subj, 0, offset, listPageSize)
	if err != nil {
		return err
	}
	b := &listBody{Heading: "Partner locations",
		Intro: "Where the provider's cards charge on other networks: the locations roaming partners publish, with how many of their charge points are available now."}
	b.Table = table{Columns: titles(l.columns), Head: l.heads(), Rows: rows(list), Empty: "No partner has published locations yet."}
	l.count = total
	b.Total = l.total()
	b.Export = "/partner-locations/export"
	if offset > 0 {
		b.First = "/partner-locations"
		b.Previous = "/partner-locations?offset=" + strconv.Itoa(max(offset-listPageSize, 0))
	}
	if next := offset + len(list); next < total {
		b.Next = "/partner-locations?offset=" + strconv.Itoa(next)
	}
	s.show(w, r, v, http.StatusOK, "list", "Partner locations", b)
	return nil
}

// roamingPerms are what roaming needs, each over the whole provider: a
// partner reaches both the stations and the cards.
var roamingPerms = []access.Permission{access.StationsManage, access.CardsManage}

// wholeProvider reports whether subj holds every permission over the whole
// provider.
func wholeProvider(subj access.Subject, ps ...access.Permission) bool {
	for _, p := range ps {
		if !access.Reach(subj, p).All {
			return false
		}
	}
	return len(ps) > 0
}

func init() {
	notices["partner-synced"] = "Everything we publish is queued for the partner."
	notices["partner-retried"] = "The waiting pushes go out now."
	notices["partner-suspended"] = "The partner is suspended: its requests are refused and nothing is pushed to it until it is resumed."
	notices["partner-resumed"] = "The partner is connected again; what waited goes out now."
	notices["partner-connected"] = "We are registered with the partner: it is connected."
}

func (s *Server) roamingPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.showRoaming(w, r, v, nil, nil)
}

// showRoaming draws the roaming page; result, when given, is what a new
// pending partner needs (its token A, shown this once).
func (s *Server) showRoaming(w http.ResponseWriter, r *http.Request, v *view, fl *failure, result []fact) error {
	ctx := r.Context()
	if !wholeProvider(v.Subj, roamingPerms...) {
		return fc.Errorf(fc.ENotFound, "no roaming")
	}
	p, err := s.app.Provider(ctx, v.Subj)
	if err != nil {
		return err
	}
	partners, err := s.app.OCPIPartners(ctx, v.Subj)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: "Roaming", Result: result}
	identity := "Not set: roaming needs a country code and a party ID."
	if p.OCPICountryCode != "" {
		identity = p.OCPICountryCode + " " + p.OCPIPartyID
	}
	b.Facts = []fact{{Label: "OCPI identity", Value: identity}, {Label: "OCPI version", Value: fc.OCPIVersion}}
	t := table{Caption: "Partners", Columns: []string{"Partner", "Status", "Roles", "Versions URL"}, Empty: "No partners yet."}
	for _, x := range partners {
		t.Rows = append(t.Rows, []cell{{Text: x.Name, Href: partnerPath(x.ID)}, {Text: x.Status, Class: "partner-" + x.Status},
			{Text: rolesText(x.Roles)}, {Text: x.VersionsURL}})
	}
	b.Tables = []table{t}
	if wholeProvider(v.Subj, access.AccountsManage) {
		id := v.postForm("identity", "/roaming/identity", "Save the OCPI identity",
			field{Name: "ocpi_country_code", Label: "Country code", Value: p.OCPICountryCode, Required: true, Hint: "ISO 3166-1 alpha-2, such as NL."},
			field{Name: "ocpi_party_id", Label: "Party ID", Value: p.OCPIPartyID, Required: true, Hint: "3 letters or digits, as registered for the provider, such as VLT."})
		id.Title, id.Intro = "OCPI identity", "Our credentials, EVSE IDs and contract IDs carry it."
		b.Forms = append(b.Forms, id)
	}
	add := v.postForm("partner", "/roaming/partners", "Add the partner",
		field{Name: "name", Label: "Name", Required: true})
	add.Title = "Add a partner that registers with us"
	add.Intro = "The partner gets a token A, shown once, and our versions URL, and registers with them itself."
	reg := v.postForm("register", "/roaming/register", "Register with the partner",
		field{Name: "name", Label: "Name", Required: true},
		field{Name: "versions_url", Label: "Versions URL", Required: true, Hint: "The partner's OCPI versions endpoint, https://…/versions."},
		field{Name: "token_a", Label: "Token A", Type: "password", Required: true, Hint: "The token the partner gave us to register with."})
	reg.Title = "Register with a partner"
	reg.Intro = "We fetch the partner's versions and endpoints with its token A and exchange credentials now."
	b.Forms = append(b.Forms, add, reg)
	s.show(w, r, v, b.apply(fl), "detail", "Roaming", b)
	return nil
}

// partnerPath is the page of a partner.
func partnerPath(id fc.ID) string { return "/roaming/partners/" + id.String() }

// rolesText reads a partner's roles: "EMSP DE ABC (Partner GmbH)".
func rolesText(roles []fc.OCPIRole) string {
	var parts []string
	for _, r := range roles {
		p := r.Role + " " + r.CountryCode + " " + r.PartyID
		if r.Name != "" {
			p += " (" + r.Name + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, "; ")
}

func (s *Server) updateOCPIIdentity(w http.ResponseWriter, r *http.Request, v *view) error {
	vals, fields := r.PostForm, map[string]string{}
	cc, party := strings.ToUpper(strings.TrimSpace(vals.Get("ocpi_country_code"))), strings.ToUpper(strings.TrimSpace(vals.Get("ocpi_party_id")))
	if cc == "" {
		fields["ocpi_country_code"] = "is required"
	}
	if party == "" {
		fields["ocpi_party_id"] = "is required"
	}
	err := validated(fields)
	if err == nil {
		_, err = s.app.UpdateProvider(r.Context(), v.Subj, func(p *fc.Provider) error {
			p.OCPICountryCode, p.OCPIPartyID = cc, party
			return nil
		})
	}
	if err != nil {
		return refail(r, err, "identity", func(fl *failure) error { return s.showRoaming(w, r, v, fl, nil) })
	}
	redirect(w, r, "/roaming", "saved")
	return nil
}

func (s *Server) createPartner(w http.ResponseWriter, r *http.Request, v *view) error {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	var (
		p                   *fc.OCPIPartner
		tokenA, versionsURL string
		err                 error
	)
	if name == "" {
		err = fc.Invalid(map[string]string{"name": "is required"})
	} else {
		p, tokenA, versionsURL, err = s.app.CreateOCPIPartner(r.Context(), v.Subj, name)
	}
	if err != nil {
		return refail(r, err, "partner", func(fl *failure) error { return s.showRoaming(w, r, v, fl, nil) })
	}
	// No redirect: token A is shown on this answer alone.
	return s.showRoaming(w, r, v, nil, []fact{
		{Label: "Partner added", Value: p.Name, Href: partnerPath(p.ID)},
		{Label: "Token A (shown this once)", Value: tokenA},
		{Label: "Our versions URL", Value: versionsURL},
	})
}

func (s *Server) registerPartner(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := r.PostForm
	p, err := s.app.RegisterOCPIPartner(r.Context(), v.Subj, vals.Get("name"), strings.TrimSpace(vals.Get("versions_url")), strings.TrimSpace(vals.Get("token_a")))
	if err != nil {
		return refail(r, err, "register", func(fl *failure) error { return s.showRoaming(w, r, v, fl, nil) })
	}
	redirect(w, r, partnerPath(p.ID), "partner-connected")
	return nil
}

// partnerPage shows a partner: its modules, its last exchanges and the
// pushes waiting for it, with its actions.
func (s *Server) partnerPage(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.showPartner(w, r, v, id, nil)
}

func (s *Server) showPartner(w http.ResponseWriter, r *http.Request, v *view, id fc.ID, fl *failure) error {
	if !wholeProvider(v.Subj, roamingPerms...) {
		return fc.Errorf(fc.ENotFound, "no roaming")
	}
	p, err := s.app.OCPIPartner(r.Context(), v.Subj, id)
	if err != nil {
		return err
	}
	b := &detailBody{Heading: p.Name, Back: link{"/roaming", "Roaming"}}
	b.Facts = []fact{{Label: "Status", Value: p.Status, Class: "partner-" + p.Status}, {Label: "Roles", Value: rolesText(p.Roles)},
		{Label: "Versions URL", Value: orDash(p.VersionsURL)}, {Label: "Version", Value: orDash(p.Version)},
		{Label: "Added", Value: v.when(p.CreatedAt)}, {Label: "Changed", Value: v.when(p.UpdatedAt)}}
	b.Tables = append(b.Tables, modulesTable(p.OCPIPartner), commandsTable(v, p), roamingSessionsTable(v, p), exchangesTable(v, p), waitingTable(v, p))
	path := partnerPath(p.ID)
	switch p.Status {
	case fc.PartnerConnected:
		sync := v.button("sync", path+"/sync", "Sync now", "secondary")
		sync.Intro = "Queues everything we publish (every active card as a token) for the partner."
		b.Forms = append(b.Forms, sync, v.button("suspend", path+"/suspend", "Suspend", "secondary"))
	case fc.PartnerSuspended:
		b.Forms = append(b.Forms, v.button("resume", path+"/resume", "Resume", "secondary"))
	}
	if len(p.Waiting) > 0 && p.Status != fc.PartnerPending {
		retry := v.button("retry", path+"/retry", "Retry now", "secondary")
		retry.Intro = "Sends the waiting pushes at once instead of after their back-off."
		b.Forms = append(b.Forms, retry)
	}
	del := v.button("delete", path+"/delete", "Remove the partner", "danger")
	del.Confirm = "Remove " + p.Name + "?"
	if p.Status != fc.PartnerPending {
		del.Intro = "The partner is told that we end the registration."
	}
	b.Forms = append(b.Forms, del)
	s.show(w, r, v, b.apply(fl), "detail", p.Name, b)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func modulesTable(p *fc.OCPIPartner) table {
	t := table{Caption: "Modules", Columns: []string{"Module", "Role", "URL"}, Empty: "None yet: the partner has not registered."}
	for _, e := range p.Endpoints {
		t.Rows = append(t.Rows, []cell{{Text: e.Identifier}, {Text: e.Role}, {Text: e.URL}})
	}
	return t
}

func exchangesTable(v *view, p *app.OCPIPartnerView) table {
	t := table{Caption: "Last exchanges", Columns: []string{"When", "Module", "Direction", "Method", "URL", "HTTP", "OCPI", "Result"}, Empty: "No exchanges yet."}
	for _, e := range p.Exchanges {
		result, class := "ok", "exchange-ok"
		if !e.OK {
			result, class = orDash(e.Error), "exchange-failed"
			if e.Error == "" {
				result = "failed"
			}
		}
		t.Rows = append(t.Rows, []cell{{Text: v.when(e.At)}, {Text: e.Module}, {Text: e.Direction}, {Text: e.Method}, {Text: e.URL},
			{Text: statusText(e.HTTPStatus)}, {Text: statusText(e.OCPIStatus)}, {Text: result, Class: class}})
	}
	return t
}

// commandsTable lists the commands sent to the partner (for our cards at
// its charge points) and received from it (for our stations).
func commandsTable(v *view, p *app.OCPIPartnerView) table {
	t := table{Caption: "Commands", Columns: []string{"When", "Direction", "Command", "For", "Result", "Message"}, Empty: "No commands yet."}
	for _, c := range p.Commands {
		dir, what := "received", "–"
		if c.StationID != 0 {
			what = "station " + c.StationID.String() + ", connector " + strconv.Itoa(c.ConnectorID)
		}
		var href string
		if c.Direction == fc.OCPICommandOut {
			dir = "sent"
			if c.CardID != 0 {
				what, href = "card "+c.CardID.String(), "/cards/"+c.CardID.String()
			}
		} else if c.StationID != 0 {
			href = "/stations/" + c.StationID.String()
		}
		result := c.Result
		if result == "" {
			result = "waiting"
		}
		t.Rows = append(t.Rows, []cell{{Text: v.when(c.CreatedAt)}, {Text: dir}, {Text: c.Command}, {Text: what, Href: href},
			{Text: result, Class: "command-" + strings.ToLower(result)}, {Text: orDash(c.Message)}})
	}
	return t
}

// roamingSessionsTable lists the sessions the partner's drivers (its
// tokens) charge at our roaming stations, as they are pushed to it.
func roamingSessionsTable(v *view, p *app.OCPIPartnerView) table {
	t := table{Caption: "Sessions of the partner's drivers at our stations",
		Columns: []string{"Session", "Started", "Status", "Station", "Token", "kWh", "Cost"}, Empty: "No sessions yet."}
	for _, rs := range p.Sessions {
		sess := &rs.Session
		status, wh, cost := "completed", sess.EnergyWh, money(sess.CostMinor, sess.Currency)
		if sess.Active() {
			status, wh, cost = "running", 0, "–"
			if rs.LastMeterWh != nil {
				wh = max(0, *rs.LastMeterWh-sess.MeterStartWh)
			}
		}
		token := rs.Token.ContractID
		if token == "" {
			token = rs.Token.UID
		}
		t.Rows = append(t.Rows, []cell{{Text: sess.ID.String(), Href: "/sessions/" + sess.ID.String()}, {Text: v.when(sess.StartedAt)},
			{Text: status}, {Text: "station " + sess.StationID.String() + ", connector " + strconv.Itoa(sess.ConnectorID), Href: "/stations/" + sess.StationID.String()},
			{Text: token}, {Text: energyText(wh)}, {Text: cost}})
	}
	return t
}

func waitingTable(v *view, p *app.OCPIPartnerView) table {
	t := table{Caption: "Waiting pushes", Columns: []string{"Module", "Object", "Method", "Attempts", "Next try", "Last error"}, Empty: "Nothing waits."}
	for _, m := range p.Waiting {
		t.Rows = append(t.Rows, []cell{{Text: m.Module}, {Text: m.Key}, {Text: m.Method}, {Text: strconv.Itoa(m.Attempts)},
			{Text: v.when(m.NextAt)}, {Text: orDash(m.LastError)}})
	}
	return t
}

// statusText shows an answer's status; "–" when none came.
func statusText(n int) string {
	if n == 0 {
		return "–"
	}
	return strconv.Itoa(n)
}

func (s *Server) syncPartner(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.SyncOCPIPartner(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "sync", func(fl *failure) error { return s.showPartner(w, r, v, id, fl) })
	}
	redirect(w, r, partnerPath(id), "partner-synced")
	return nil
}

func (s *Server) retryPartner(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.app.RetryOCPIPartner(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "retry", func(fl *failure) error { return s.showPartner(w, r, v, id, fl) })
	}
	redirect(w, r, partnerPath(id), "partner-retried")
	return nil
}

// partnerStatus serves suspend (status suspended) and resume (status
// connected).
func (s *Server) partnerStatus(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := s.app.SetOCPIPartnerStatus(r.Context(), v.Subj, id, status); err != nil {
			return refail(r, err, "status", func(fl *failure) error { return s.showPartner(w, r, v, id, fl) })
		}
		done := "partner-resumed"
		if status == fc.PartnerSuspended {
			done = "partner-suspended"
		}
		redirect(w, r, partnerPath(id), done)
		return nil
	}
}

func (s *Server) deletePartner(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.app.DeleteOCPIPartner(r.Context(), v.Subj, id); err != nil {
		return refail(r, err, "delete", func(fl *failure) error { return s.showPartner(w, r, v, id, fl) })
	}
	redirect(w, r, "/roaming", "deleted")
	return nil
}
