package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

var (
	expiringItem = regexp.MustCompile(`<a href="/cards\?expiring=30">Cards that expire within 30 days: (\d+)</a>`)
	cardRowLink  = regexp.MustCompile(`href="/cards/(\d+)"`)
)

// TestStartPageCardsExpiring: under "Needs attention", every persona of the
// demo counts exactly the cards that the cards list filtered to them
// (/cards?expiring=30) shows, and those are exactly the cards, of any
// provider, not deactivated and ending within 30 days, that the persona may
// open: another organization's cards never count.
func TestStartPageCardsExpiring(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		loc, err := time.LoadLocation("Europe/Amsterdam")
		if err != nil {
			t.Skip("no time zone database")
		}
		today := time.Now().In(loc)
		rows, err := st.DB().Query(`SELECT id FROM cards WHERE status <> 'deactivated' AND valid_until >= $1 AND valid_until <= $2 ORDER BY id`,
			today.Format(fc.DateLayout), today.AddDate(0, 0, 30).Format(fc.DateLayout))
		if err != nil {
			t.Fatal(err)
		}
		var expiring []string
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			expiring = append(expiring, strconv.FormatInt(id, 10))
		}
		rows.Close()
		if len(expiring) < 2 {
			t.Fatalf("the demo has %d cards expiring within 30 days, want a few", len(expiring))
		}
		someSee, someMiss := false, false
		for _, l := range w.res.Logins {
			b := w.as(t, l.Email)
			home := get(t, b, "/", http.StatusOK)
			counted := 0
			if m := expiringItem.FindStringSubmatch(home); m != nil {
				counted, _ = strconv.Atoi(m[1])
			}
			var want []string
			for _, id := range expiring {
				if b.do("GET", "/cards/"+id, nil).Code == http.StatusOK {
					want = append(want, id)
				}
			}
			var listed []string
			if rec := b.do("GET", "/cards?expiring=30", nil); rec.Code == http.StatusOK {
				for _, m := range cardRowLink.FindAllStringSubmatch(body(rec), -1) {
					if !slices.Contains(listed, m[1]) {
						listed = append(listed, m[1])
					}
				}
			}
			slices.SortFunc(want, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y })
			slices.SortFunc(listed, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y })
			if counted != len(listed) || !slices.Equal(listed, want) {
				t.Errorf("%s: the start page counts %d, the filtered list shows %v, the persona may open %v", l.Email, counted, listed, want)
			}
			if counted == 0 && expiringItem.MatchString(home) {
				t.Errorf("%s: the start page shows a count of 0", l.Email)
			}
			someSee = someSee || counted > 0
			someMiss = someMiss || counted > 0 && counted < len(expiring)
		}
		if !someSee || !someMiss {
			t.Errorf("no persona counts some but not all of the %d expiring cards: the scope goes unchecked", len(expiring))
		}
	})
}
