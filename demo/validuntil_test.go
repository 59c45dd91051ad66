package demo_test

import (
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// TestLoadValidUntil: the demo has active cards whose last valid day is
// within the next 30 days (the start page's "cards that expire"), and an
// active card that ended last month, used for no session that starts after
// its end (so a station refuses it as Expired).
func TestLoadValidUntil(t *testing.T) {
	s := storetest.Open(t, storetest.Engines()[0])
	mustLoad(t, s, 7)
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no time zone database")
	}
	today := demoNow.In(loc)
	from, to := today.Format(fc.DateLayout), today.AddDate(0, 0, 30).Format(fc.DateLayout)
	if n := count(t, s, `SELECT COUNT(*) FROM cards WHERE status = 'active' AND valid_until >= $1 AND valid_until <= $2`, from, to); n < 2 {
		t.Errorf("%d active cards expire within 30 days, want a few", n)
	}
	lastMonth := time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, loc)
	ended := queryStrings(t, s, `SELECT valid_until FROM cards WHERE status = 'active' AND valid_until < $1`, from)
	if len(ended) != 1 || ended[0][:7] != lastMonth.Format("2006-01") {
		t.Fatalf("active cards that ended: %v, want one of last month", ended)
	}
	end, err := fc.DayEnd(ended[0], loc)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM sessions x JOIN cards c ON c.id = x.card_id WHERE c.valid_until = $1 AND x.started_at >= $2`,
		ended[0], end.UnixMilli()); n != 0 {
		t.Errorf("%d sessions start after the card's end", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM sessions x JOIN cards c ON c.id = x.card_id WHERE c.valid_until = $1`, ended[0]); n == 0 {
		t.Error("the expired card was never used before its end")
	}
}
