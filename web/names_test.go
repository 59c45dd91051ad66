package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/leaktest"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestNamesNotIDs: where a page names an object the user may not open, it
// shows the name the user may read instead of "#ID": an account admin
// sees its account's organization path, a facility manager its
// organization's parent, a fleet manager the station where its card
// charged at another account and where its driver's home station stands,
// each without a link to a page it cannot open. (TestNoPageLeaks holds these names to their readers.)
func TestNamesNotIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pw := invoiceWorld(t, st)
		object := func(kind, name string) fc.ID {
			t.Helper()
			for _, o := range pw.w.Of(kind) {
				if o.Name == name {
					return o.ID
				}
			}
			t.Fatalf("no %s %s in the world", kind, name)
			return 0
		}
		holding, north := object(leaktest.KindOrganization, "H"), object(leaktest.KindOrganization, "N")
		northAcc, southStation := object(leaktest.KindAccount, "N"), object(leaktest.KindStation, "S")
		homeStation, home := object(leaktest.KindStation, "NH"), object(leaktest.KindLocation, "NH")
		const (
			holdingName = "LEAK-H-orgname-7f3a"
			northPath   = holdingName + " / LEAK-N-orgname-7f3a"
			southID     = "LEAK-S-identity-7f3a"
			homeName    = "LEAK-NH-home-7f3a"
		)
		for _, c := range []struct {
			persona, path, want string
			ids                 []fc.ID // shown nowhere as "#ID"
			links               []string
		}{
			{leaktest.NorthAdmin, "/accounts/" + northAcc.String(), "<dt>Organization</dt><dd>" + northPath + "</dd>", []fc.ID{north}, []string{"/organizations/"}},
			{leaktest.NorthAdmin, "/accounts", `<td data-label="Organization">` + northPath + "</td>", []fc.ID{north}, []string{"/organizations/"}},
			{leaktest.NorthFacility, "/organizations/" + north.String(), "<dt>Inside</dt><dd>" + holdingName + "</dd>", []fc.ID{holding},
				[]string{"/organizations/" + holding.String()}},
			{leaktest.NorthFleet, "/sessions", `<td data-label="Station">` + southID + "</td>", []fc.ID{southStation},
				[]string{"/stations/" + southStation.String()}},
			{leaktest.NorthFleet, "/stations", `<td data-label="Location">` + homeName + "</td>", nil, []string{"/locations/" + home.String()}},
			{leaktest.NorthFleet, "/stations/" + homeStation.String(), "<dt>Location</dt><dd>" + homeName + "</dd>", nil,
				[]string{"/locations/" + home.String()}},
		} {
			page := pw.call("names", c.persona, http.MethodGet, c.path, nil, http.StatusOK).Body.String()
			if !strings.Contains(page, c.want) {
				t.Errorf("%s %s: no %s", c.persona, c.path, c.want)
			}
			for _, id := range c.ids {
				if regexp.MustCompile(`>#` + id.String() + `<`).MatchString(page) {
					t.Errorf("%s %s: shows #%s", c.persona, c.path, id)
				}
			}
			for _, l := range c.links {
				if strings.Contains(page, `href="`+l+`"`) {
					t.Errorf("%s %s: links %s, which it cannot open", c.persona, c.path, l)
				}
			}
		}
	})
}
