package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// Bulk work on the cards list: the rows chosen with their checkboxes are
// blocked, unblocked or added to a charge group's access list at once. The
// first post shows what will happen and asks to confirm; the confirmed post
// acts on each card the user may change and goes back to the list as it was
// (its search and filters kept). Exporting them changes nothing and asks
// nothing: the post answers with the cards list's CSV export of those cards.

// Bulk actions on cards.
const (
	bulkBlock   = "block"
	bulkUnblock = "unblock"
	bulkAllow   = "allow"
	bulkExport  = "export"
)

// maxBulk bounds the cards of one bulk action: a page of the list.
const maxBulk = pageSize

func (s *Server) bulkRoutes() {
	s.handle("POST /cards/bulk", s.bulkCards)
}

// bulkCardsForm is the form under the cards list that the rows' checkboxes
// belong to.
func bulkCardsForm(v *view, back string) *form {
	f := v.postForm("bulk", "/cards/bulk", "Apply to the chosen cards…",
		field{Name: "action", Label: "With the chosen cards", Type: "select", Value: bulkBlock, Options: []option{
			{bulkBlock, "Block them"}, {bulkUnblock, "Unblock them"}, {bulkAllow, "Admit them to a charge group"}, {bulkExport, "Export them as CSV"}}},
		field{Name: "charge_group_id", Label: "Charge group (to admit them to)", Type: "picker", Source: "/pick?kind=" + fc.MigrateChargeGroups,
			Hint: "Only to admit them: the group's access list gains the cards."})
	f.Title = "Chosen cards"
	f.Intro = "Tick the cards in the list and choose what to do: a change is confirmed on the next page, an export downloads at once."
	f.Hidden = []hidden{{"back", back}}
	f.Class = "secondary"
	return f
}

// bulkCheck is the checkbox of a card's row.
func bulkCheck(c *fc.Card) cell {
	return cell{Check: &rowCheck{Name: "card", Value: c.ID.String(), Form: "bulk", Label: "Choose card " + c.ExternalID}}
}

// rowCheck is a checkbox in a table cell, part of a form outside the table.
type rowCheck struct {
	Name, Value, Form, Label string
	Checked                  bool
}

// bulkCards confirms, then applies, a bulk action on cards.
func (s *Server) bulkCards(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	if !v.can(access.CardsManage) {
		return fc.Errorf(fc.ENotFound, "no cards to change")
	}
	vals := r.PostForm
	back := localPath(vals.Get("back"))
	if !strings.HasPrefix(back, "/cards") {
		back = "/cards"
	}
	action := vals.Get("action")
	if action != bulkBlock && action != bulkUnblock && action != bulkAllow && action != bulkExport {
		return fc.Invalid(map[string]string{"action": "must be block, unblock, allow or export"})
	}
	fields := map[string]string{}
	ids := []fc.ID{}
	for _, raw := range vals["card"] {
		id, err := fc.ParseID(raw)
		if err != nil {
			return fc.Invalid(map[string]string{"card": "must be card IDs"})
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var groupID fc.ID
	if action == bulkAllow {
		groupID, _ = s.resolvePick(ctx, v, fc.MigrateChargeGroups, strings.TrimSpace(vals.Get("charge_group_id")), 0)
		if groupID == 0 {
			fields["charge_group_id"] = "choose the charge group to admit the cards to"
		}
	}
	if len(ids) == 0 {
		fields["card"] = "tick at least one card in the list"
	}
	if len(ids) > maxBulk {
		fields["card"] = "at most " + strconv.Itoa(maxBulk) + " cards at once"
	}
	if len(fields) > 0 {
		return s.bulkRefused(w, r, v, back, fc.Invalid(fields))
	}
	// Every card is read in the user's scope: one it may not read is not
	// found, and the whole action with it (an export too: it is refused,
	// not cut down to the cards the user may read).
	cards := make([]*fc.Card, 0, len(ids))
	for _, id := range ids {
		c, err := s.app.Card(ctx, v.Subj, id)
		if err != nil {
			return err
		}
		cards = append(cards, c)
	}
	if action == bulkExport {
		return s.exportChosen(w, r, v, ids, back)
	}
	var group *fc.ChargeGroup
	if groupID != 0 {
		g, err := s.app.ChargeGroup(ctx, v.Subj, groupID)
		if err != nil {
			return s.bulkRefused(w, r, v, back, fc.Invalid(map[string]string{"charge_group_id": "no such charge group that you can see"}))
		}
		group = g
	}
	if vals.Get("confirm") != "yes" {
		return s.confirmBulk(w, r, v, action, cards, group, back)
	}
	done, err := s.applyBulk(r, v, action, cards, group)
	if err != nil {
		return s.bulkRefused(w, r, v, back, err)
	}
	redirect(w, r, back, done)
	return nil
}

// exportChosen answers the chosen cards as the cards list's export: its
// columns, titles in the user's language and rows (listCards draws them),
// in the order of the list they were chosen in (back's sort kept, its
// filters not), read again with the user's scoped query of the list.
func (s *Server) exportChosen(w http.ResponseWriter, r *http.Request, v *view, ids []fc.ID, back string) error {
	q := url.Values{}
	if u, err := url.Parse(back); err == nil {
		for _, k := range []string{"sort", "dir"} {
			if x := u.Query().Get(k); x != "" {
				q.Set(k, x)
			}
		}
	}
	r2 := r.Clone(r.Context())
	r2.Method, r2.URL = http.MethodGet, &url.URL{Path: "/cards/export", RawQuery: q.Encode()}
	return s.listCards(w, r2, v, nil, nil, ids)
}

// bulkWhat says what a bulk action does to n cards.
func bulkWhat(action string, n int, group *fc.ChargeGroup) string {
	cards := strconv.Itoa(n) + " cards"
	if n == 1 {
		cards = "1 card"
	}
	switch action {
	case bulkBlock:
		return "Block " + cards
	case bulkUnblock:
		return "Unblock " + cards
	}
	return "Admit " + cards + " to " + group.Name
}

// confirmBulk shows the cards a bulk action changes and asks to confirm.
func (s *Server) confirmBulk(w http.ResponseWriter, r *http.Request, v *view, action string, cards []*fc.Card, group *fc.ChargeGroup, back string) error {
	n := s.names(r.Context(), v)
	what := bulkWhat(action, len(cards), group)
	b := &detailBody{Heading: what + "?", Back: link{back, "Back to the cards"}}
	t := table{Caption: "The chosen cards", Columns: []string{"External ID", "Internal ID", "Status now", "Employee", "Account"}}
	hiddens := []hidden{{"action", action}, {"back", back}, {"confirm", "yes"}}
	if group != nil {
		hiddens = append(hiddens, hidden{"charge_group_id", group.ID.String()})
	}
	for _, c := range cards {
		t.Rows = append(t.Rows, []cell{{Text: c.ExternalID, Href: objectPath(fc.KindCard, c.ID)}, {Text: c.InternalID, Class: "mono"},
			{Text: c.Status, Class: "status-" + c.Status}, n.cell(fc.KindEmployee, c.EmployeeID), n.cell(fc.KindAccount, c.AccountID)})
		hiddens = append(hiddens, hidden{"card", c.ID.String()})
	}
	b.Tables = []table{t}
	f := v.postForm("confirm", "/cards/bulk", what)
	f.Hidden = hiddens
	f.Intro = map[string]string{
		bulkBlock:   "Blocked cards start no session until they are unblocked; stations learn it with their next list update.",
		bulkUnblock: "The cards can charge again. Deactivated cards stay deactivated.",
		bulkAllow:   "The charge group's access list gains the cards; cards already on it stay.",
	}[action]
	if action == bulkBlock {
		f.Class = "danger"
	}
	b.Forms = []*form{f}
	s.show(w, r, v, http.StatusOK, "detail", what+"?", b)
	return nil
}

// applyBulk carries out a confirmed bulk action. Blocking and unblocking
// change each card on its own (a deactivated card, or one already so, is
// left as it is); admitting changes the group once.
func (s *Server) applyBulk(r *http.Request, v *view, action string, cards []*fc.Card, group *fc.ChargeGroup) (string, error) {
	ctx := r.Context()
	if action == bulkAllow {
		_, err := s.app.UpdateChargeGroup(ctx, v.Subj, group.ID, func(g *fc.ChargeGroup) error {
			for _, c := range cards {
				if !slices.Contains(g.AllowedCardIDs, c.ID) {
					g.AllowedCardIDs = append(g.AllowedCardIDs, c.ID)
				}
			}
			return nil
		})
		return "bulk-allowed", err
	}
	status, done := fc.CardInactive, "bulk-blocked"
	if action == bulkUnblock {
		status, done = fc.CardActive, "bulk-unblocked"
	}
	for _, c := range cards {
		if c.Status == fc.CardDeactivated || c.Status == status {
			continue
		}
		if _, err := s.app.UpdateCard(ctx, v.Subj, c.ID, func(c *fc.Card) error {
			if c.Status != fc.CardDeactivated {
				c.Status = status
			}
			return nil
		}); err != nil {
			return "", fc.Errorf(fc.ErrorCode(err), "card %s: %s (the cards before it are changed)", c.ExternalID, fc.ErrorMessage(err))
		}
	}
	return done, nil
}

// bulkRefused shows the cards list again with the bulk form's error.
func (s *Server) bulkRefused(w http.ResponseWriter, r *http.Request, v *view, back string, err error) error {
	if fc.IsCode(err, fc.EInternal) {
		return err
	}
	u, perr := url.Parse(back)
	if perr != nil {
		return err
	}
	r2 := r.Clone(r.Context())
	r2.Method, r2.URL = http.MethodGet, u
	return s.listCards(w, r2, v, r.PostForm, err, nil)
}
