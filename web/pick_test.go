package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// text returns the first string the query finds.
func (w *demoWorld) text(t *testing.T, query string) string {
	t.Helper()
	var s string
	if err := w.st.DB().QueryRowContext(context.Background(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

// suggestions asks a picker's endpoint.
func suggestions(t *testing.T, b *browser, query string) []pickItem {
	t.Helper()
	var items []pickItem
	if err := json.Unmarshal([]byte(get(t, b, "/pick?"+query, http.StatusOK)), &items); err != nil {
		t.Fatalf("/pick?%s: %v", query, err)
	}
	return items
}

func TestPickers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		// A French employee with a card (Meridian Conseil, which the
		// west fleet manager reads) and a Van Dijk one (which it does not).
		french := w.one(t, `SELECT e.id FROM employees e JOIN accounts a ON a.id = e.account_id WHERE a.name LIKE 'Meridian Conseil SAS%'
			AND EXISTS (SELECT 1 FROM cards c WHERE c.employee_id = e.id) ORDER BY e.id`)
		frenchName := w.text(t, `SELECT name FROM employees WHERE id = `+french.String())
		frenchAccount := w.one(t, `SELECT account_id FROM employees WHERE id = `+french.String())
		dutch := w.one(t, `SELECT e.id FROM employees e JOIN accounts a ON a.id = e.account_id WHERE a.name LIKE 'Van Dijk%' ORDER BY e.id`)
		dutchName := w.text(t, `SELECT name FROM employees WHERE id = `+dutch.String())
		b := w.as(t, fleetWest)

		// Part of the name, in other case, finds the employee in scope…
		part := strings.ToUpper(frenchName[1 : len(frenchName)-1])
		items := suggestions(t, b, "kind=employees&q="+url.QueryEscape(part))
		found := false
		for _, it := range items {
			found = found || it.Value == pickValue(frenchName, french)
		}
		if !found {
			t.Errorf("employees matching %q = %+v, want %s", part, items, frenchName)
		}
		// …and nothing out of it.
		for _, it := range suggestions(t, b, "kind=employees&q="+url.QueryEscape(dutchName)) {
			if strings.Contains(it.Value, dutchName) {
				t.Errorf("a Van Dijk employee is suggested to Meridian's fleet manager: %+v", it)
			}
		}
		// The idTag picker offers the cards of the employee by the
		// employee's name, with the internal ID as the value.
		tag := w.text(t, `SELECT internal_id FROM cards WHERE employee_id = `+french.String()+` ORDER BY id`)
		found = false
		for _, it := range suggestions(t, b, "kind=card_tags&q="+url.QueryEscape(frenchName)) {
			found = found || it.Value == tag && strings.Contains(it.Label, frenchName)
		}
		if !found {
			t.Errorf("the card tag picker does not offer %s of %s", tag, frenchName)
		}
		// The cards list finds the card by its holder's name.
		wantIn(t, "cards found by the holder's name", get(t, b, "/cards?search="+url.QueryEscape(part), http.StatusOK), tag)

		// A new card names its employee by name: a unique name is enough…
		page := get(t, b, "/cards/new?account_id="+frenchAccount.String(), http.StatusOK)
		wantIn(t, "new card", page, `data-pick="/pick?kind=employees&amp;account_id=`+frenchAccount.String()+`"`, `list="new-employee-id-list"`)
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "external_id": {"PICK-0001"}, "internal_id": {"PICK0001"},
			"account_id": {frenchAccount.String()}, "employee_id": {frenchName}, "status": {fc.CardActive}}
		path := wantCreated(t, "card for a name", b.do("POST", "/cards", form))
		id, _ := fc.ParseID(strings.TrimPrefix(path, "/cards/"))
		c, err := st.Card(context.Background(), fc.ProviderScope(w.res.ProviderID), id)
		if err != nil || c.EmployeeID != french {
			t.Fatalf("card for %q: %+v, %v; want employee %s", frenchName, c, err, french)
		}
		// …"Name (ID n)" as a suggestion reads is the ID…
		form.Set("external_id", "PICK-0002")
		form.Set("internal_id", "PICK0002")
		form.Set("employee_id", "Whoever (ID "+french.String()+")")
		wantCreated(t, "card for a suggestion", b.do("POST", "/cards", form))
		// …a name that matches nothing in scope is the field's error, and
		// the form keeps what was typed.
		form.Set("external_id", "PICK-0003")
		form.Set("internal_id", "PICK0003")
		form.Set("employee_id", dutchName)
		rec := b.do("POST", "/cards", form)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("card for an unseen name: %d", rec.Code)
		}
		wantIn(t, "card for an unseen name", body(rec), `id="new-employee-id-error"`, "matches nothing you can see",
			`value="`+dutchName+`"`, `value="PICK-0003"`)
	})
}
