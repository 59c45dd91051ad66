package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// repT0 is the start of the period of the report tests.
var repT0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// repSession is a session of the report tests, stored as is.
type repSession struct {
	card       *fc.Card
	station    *fc.Station // nil: a foreign public station
	connector  int
	kind       string
	start      time.Time
	stop       time.Time // zero: still running
	wh, cost   int64
	currency   string
	employeeID fc.ID // the employee at the time
}

// insertRepSessions stores the sessions in one transaction.
func insertRepSessions(t *testing.T, s *store.Store, list []repSession) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, x := range list {
		var stationID, stationAccountID, locationID fc.ID
		if x.station != nil {
			stationID, stationAccountID, locationID = x.station.ID, x.station.AccountID, x.station.LocationID
		}
		var stop, dur any
		dur = int64(0)
		if !x.stop.IsZero() {
			stop, dur = x.stop.UnixMilli(), int64(x.stop.Sub(x.start)/time.Second)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (provider_id, source, card_id, id_tag, employee_id,
			card_account_id, station_id, connector_id, station_account_id, location_id, location_kind, location_name,
			started_at, stopped_at, energy_wh, duration_s, cost_minor, currency, created_at, updated_at)
			VALUES ($1, 'import', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
			int64(x.card.ProviderID), int64(x.card.ID), x.card.InternalID, nullableID(x.employeeID), int64(x.card.AccountID),
			nullableID(stationID), x.connector, nullableID(stationAccountID), nullableID(locationID), x.kind, "Roaming "+x.kind,
			x.start.UnixMilli(), stop, x.wh, dur, x.cost, x.currency, x.start.UnixMilli()); err != nil {
			t.Fatalf("insert session: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// repWorld is the hand-made provider of the report tests: Holding with NL
// (and Amsterdam below it) and DE; an account in each of NL, Amsterdam and
// DE with an employee and a card; a pool card and an idle card in NL; an
// office station in NL and DE, a home station at Bob's in Amsterdam.
type repWorld struct {
	p                        *fc.Provider
	holding, nl, ams, de     *fc.Organization
	nlA, amsA, deA           *fc.Account
	eva, bob, dirk           *fc.Employee
	cEva, cBob, cDirk, cPool *fc.Card
	cIdle                    *fc.Card
	sNL, sDE, sHome          *fc.Station
}

func mustRepWorld(t *testing.T, s *store.Store) *repWorld {
	t.Helper()
	w := &repWorld{}
	w.p = mustProvider(t, s, "Reports")
	id := w.p.ID
	w.holding = mustOrg(t, s, id, 0, "Holding")
	w.nl = mustOrg(t, s, id, w.holding.ID, "NL")
	w.ams = mustOrg(t, s, id, w.nl.ID, "Amsterdam")
	w.de = mustOrg(t, s, id, w.holding.ID, "DE")
	w.nlA = mustAccount(t, s, id, w.nl.ID, "Alpha NL")
	w.amsA = mustAccount(t, s, id, w.ams.ID, "Amsterdam BV")
	w.deA = mustAccount(t, s, id, w.de.ID, "Deutschland GmbH")
	w.eva = mustEmployee(t, s, w.nlA, "Eva")
	w.bob = mustEmployee(t, s, w.amsA, "Bob")
	w.dirk = mustEmployee(t, s, w.deA, "Dirk")
	w.cEva = mustCard(t, s, w.nlA, w.eva.ID, "RPT-EVA")
	w.cPool = mustCard(t, s, w.nlA, 0, "RPT-POOL")
	w.cIdle = mustCard(t, s, w.nlA, 0, "RPT-IDLE")
	w.cBob = mustCard(t, s, w.amsA, w.bob.ID, "RPT-BOB")
	w.cDirk = mustCard(t, s, w.deA, w.dirk.ID, "RPT-DIRK")
	nlOffice := mustLocation(t, s, w.nlA, fc.LocationOffice, 0)
	deOffice := mustLocation(t, s, w.deA, fc.LocationOffice, 0)
	bobHome := mustLocation(t, s, w.amsA, fc.LocationHome, w.bob.ID)
	w.sNL = mustStation(t, s, w.nlA, nlOffice, mustChargeGroup(t, s, w.nlA, fc.AccessPublic), "RPT-NL")
	w.sDE = mustStation(t, s, w.deA, deOffice, mustChargeGroup(t, s, w.deA, fc.AccessPublic), "RPT-DE")
	w.sHome = mustStation(t, s, w.amsA, bobHome, mustChargeGroup(t, s, w.amsA, fc.AccessPublic), "RPT-HOME")

	h := time.Hour
	day := 24 * h
	end := repT0.Add(10 * day)
	insertRepSessions(t, s, []repSession{
		// 1: at the very start of the period.
		{card: w.cEva, employeeID: w.eva.ID, station: w.sNL, connector: 1, kind: fc.LocationOffice, start: repT0, stop: repT0.Add(h), wh: 12345, cost: 432, currency: "EUR"},
		// 2: roaming, in pounds.
		{card: w.cEva, employeeID: w.eva.ID, kind: fc.LocationPublic, start: repT0.Add(day), stop: repT0.Add(day + h), wh: 1000, cost: 250, currency: "GBP"},
		// 3: at home.
		{card: w.cBob, employeeID: w.bob.ID, station: w.sHome, connector: 1, kind: fc.LocationHome, start: repT0.Add(2 * day), stop: repT0.Add(2*day + 3*h), wh: 7000, cost: 245, currency: "EUR"},
		// 4: a DE card on the NL station.
		{card: w.cDirk, employeeID: w.dirk.ID, station: w.sNL, connector: 2, kind: fc.LocationOffice, start: repT0.Add(3 * day), stop: repT0.Add(3*day + 2*h), wh: 5000, cost: 175, currency: "EUR"},
		// 5: the NL pool card on the DE station.
		{card: w.cPool, station: w.sDE, connector: 1, kind: fc.LocationOffice, start: repT0.Add(4 * day), stop: repT0.Add(4*day + h), wh: 3000, cost: 105, currency: "EUR"},
		// 6: in the last millisecond of the period, charging beyond it.
		{card: w.cEva, employeeID: w.eva.ID, station: w.sNL, connector: 1, kind: fc.LocationOffice, start: end.Add(-time.Millisecond), stop: end.Add(h), wh: 1, cost: 1, currency: "EUR"},
		// 7: at the end of the period: outside.
		{card: w.cEva, employeeID: w.eva.ID, station: w.sNL, connector: 1, kind: fc.LocationOffice, start: end, stop: end.Add(h), wh: 999, cost: 999, currency: "EUR"},
		// 8: one millisecond before the period, charging into it.
		{card: w.cEva, employeeID: w.eva.ID, station: w.sNL, connector: 2, kind: fc.LocationOffice, start: repT0.Add(-time.Millisecond), stop: repT0.Add(2 * h), wh: 888, cost: 888, currency: "EUR"},
		// 9: Dirk at his own office, at the middle of the period.
		{card: w.cDirk, employeeID: w.dirk.ID, station: w.sDE, connector: 1, kind: fc.LocationOffice, start: repT0.Add(5 * day), stop: repT0.Add(5*day + h), wh: 2000, cost: 70, currency: "EUR"},
	})
	return w
}

// repQuery is a report query over the test period with the fleet and
// facility rights on the whole provider.
func (w *repWorld) query(report string) fc.ReportQuery {
	return fc.ReportQuery{
		Report: report,
		Scope:  fc.SessionScope{ProviderID: w.p.ID, CardSide: fc.Everything, StationSide: fc.Everything},
		From:   repT0, To: repT0.Add(10 * 24 * time.Hour),
	}
}

func repRows(t *testing.T, s *store.Store, q fc.ReportQuery) []fc.ReportRow {
	t.Helper()
	rows, err := repRowsErr(s, q)
	if err != nil {
		t.Fatalf("report %s: %v", q.Report, err)
	}
	return rows
}

func repRowsErr(s *store.Store, q fc.ReportQuery) ([]fc.ReportRow, error) {
	var rows []fc.ReportRow
	err := s.Report(context.Background(), q, func(r *fc.ReportRow) error {
		rows = append(rows, *r)
		return nil
	})
	return rows, err
}

// repLine is the gist of a row for comparisons.
type repLine struct {
	Subject  string
	Account  string
	Currency string
	fc.ReportFigures
}

func repLines(rows []fc.ReportRow, subject func(r fc.ReportRow) string) []repLine {
	out := []repLine{}
	for _, r := range rows {
		out = append(out, repLine{subject(r), r.AccountName, r.Currency, r.Figures})
	}
	return out
}

func wantLines(t *testing.T, what string, got, want []repLine) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func figures(n, wh, s, cost int64) fc.ReportFigures {
	return fc.ReportFigures{Sessions: n, EnergyWh: wh, DurationS: s, CostMinor: cost}
}

func TestReportCardSide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustRepWorld(t, s)
		ext := func(r fc.ReportRow) string { return r.CardExternalID }

		got := repLines(repRows(t, s, w.query(fc.ReportSessionsPerCard)), ext)
		wantLines(t, "sessions per card", got, []repLine{
			{"EXT-RPT-EVA", "Alpha NL", "EUR", figures(2, 12346, 2*3600, 433)},
			{"EXT-RPT-EVA", "Alpha NL", "GBP", figures(1, 1000, 3600, 250)},
			{"EXT-RPT-POOL", "Alpha NL", "EUR", figures(1, 3000, 3600, 105)},
			{"EXT-RPT-BOB", "Amsterdam BV", "EUR", figures(1, 7000, 3*3600, 245)},
			{"EXT-RPT-DIRK", "Deutschland GmbH", "EUR", figures(2, 7000, 3*3600, 245)},
		})

		q := w.query(fc.ReportChargeCards)
		q.Idle = true
		cards := repRows(t, s, q)
		got = repLines(cards, ext)
		wantLines(t, "charge cards", got, []repLine{
			{"EXT-RPT-EVA", "Alpha NL", "EUR", figures(2, 12346, 2*3600, 433)},
			{"EXT-RPT-EVA", "Alpha NL", "GBP", figures(1, 1000, 3600, 250)},
			{"EXT-RPT-IDLE", "Alpha NL", "", figures(0, 0, 0, 0)},
			{"EXT-RPT-POOL", "Alpha NL", "EUR", figures(1, 3000, 3600, 105)},
			{"EXT-RPT-BOB", "Amsterdam BV", "EUR", figures(1, 7000, 3*3600, 245)},
			{"EXT-RPT-DIRK", "Deutschland GmbH", "EUR", figures(2, 7000, 3*3600, 245)},
		})
		eva := cards[0]
		if eva.CardInternalID != "RPT-EVA" || eva.CardStatus != fc.CardActive || eva.EmployeeName != "Eva" ||
			eva.CardID != w.cEva.ID || eva.EmployeeID != w.eva.ID || eva.CardCreatedAt == nil {
			t.Errorf("charge card row: %+v", eva)
		}
		if got, want := fmt.Sprint(cards[4].OrgNames), "[Holding NL Amsterdam]"; got != want {
			t.Errorf("organization path of Bob's card = %s, want %s", got, want)
		}
		if got, want := fmt.Sprint(cards[4].OrgIDs), fmt.Sprint([]fc.ID{w.holding.ID, w.nl.ID, w.ams.ID}); got != want {
			t.Errorf("organization chain of Bob's card = %s, want %s", got, want)
		}

		// Split by location kind: office, home, public.
		for _, r := range repRows(t, s, w.query(fc.ReportSessionsPerCard)) {
			var sum fc.ReportFigures
			for _, k := range r.ByKind {
				sum.Add(k)
			}
			if sum != r.Figures {
				t.Errorf("%s %s: kinds add up to %+v, want %+v", r.CardExternalID, r.Currency, sum, r.Figures)
			}
			if r.CardExternalID == "EXT-RPT-EVA" && r.Currency == "GBP" && r.ByKind[2].Sessions != 1 {
				t.Errorf("roaming session not counted as public: %+v", r.ByKind)
			}
		}

		name := func(r fc.ReportRow) string { return r.EmployeeName }
		got = repLines(repRows(t, s, w.query(fc.ReportSessionsPerEmployee)), name)
		wantLines(t, "sessions per employee", got, []repLine{
			{"", "Alpha NL", "EUR", figures(1, 3000, 3600, 105)},
			{"Eva", "Alpha NL", "EUR", figures(2, 12346, 2*3600, 433)},
			{"Eva", "Alpha NL", "GBP", figures(1, 1000, 3600, 250)},
			{"Bob", "Amsterdam BV", "EUR", figures(1, 7000, 3*3600, 245)},
			{"Dirk", "Deutschland GmbH", "EUR", figures(2, 7000, 3*3600, 245)},
		})

		q = w.query(fc.ReportEmployees)
		q.Idle = true
		emps := repRows(t, s, q)
		got = repLines(emps, name)
		wantLines(t, "employees", got, []repLine{
			{"Eva", "Alpha NL", "EUR", figures(2, 12346, 2*3600, 433)},
			{"Eva", "Alpha NL", "GBP", figures(1, 1000, 3600, 250)},
			{"Bob", "Amsterdam BV", "EUR", figures(1, 7000, 3*3600, 245)},
			{"Dirk", "Deutschland GmbH", "EUR", figures(2, 7000, 3*3600, 245)},
		})
		if bob := emps[2]; bob.HomeLocation != "Amsterdam BV home" || bob.EmployeeCards != 1 || !bob.EmployeeActive {
			t.Errorf("employee row of Bob: %+v", bob)
		}

		list := repRows(t, s, w.query(fc.ReportChargeSessions))
		var starts []string
		for _, r := range list {
			starts = append(starts, r.StartedAt.Sub(repT0).String())
		}
		if got, want := fmt.Sprint(starts), "[0s 24h0m0s 48h0m0s 72h0m0s 96h0m0s 120h0m0s 239h59m59.999s]"; got != want {
			t.Errorf("session starts = %s, want %s", got, want)
		}
		first := list[0]
		if first.Identity != "RPT-NL" || first.ConnectorID != 1 || first.LocationName != "Alpha NL office" ||
			first.LocationOrigin != fc.OriginOwn || first.CardExternalID != "EXT-RPT-EVA" || first.EmployeeName != "Eva" ||
			first.Figures != figures(1, 12345, 3600, 432) || first.StoppedAt == nil || first.CardMasked {
			t.Errorf("first session row: %+v", first)
		}
		if r := list[1]; r.LocationOrigin != fc.OriginExternal || r.LocationName != "Roaming public" || r.StationID != 0 {
			t.Errorf("roaming session row: %+v", r)
		}
		if r := list[2]; r.LocationOrigin != fc.OriginHome {
			t.Errorf("home session origin = %s", r.LocationOrigin)
		}
	})
}

func TestReportStationSide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustRepWorld(t, s)
		h := time.Hour.Milliseconds()
		q := w.query(fc.ReportChargeStations)
		q.Idle = true
		rows := repRows(t, s, q)
		got := repLines(rows, func(r fc.ReportRow) string { return r.Identity })
		// The NL station: sessions 1, 4 and 6; charging time 1 h (1), 2 h
		// (4), the last millisecond of the period (6), and 2 h of session 8
		// that started before the period.
		nl := figures(3, 12345+5000+1, 3600+7200+3600, 432+175+1)
		nl.BusyMS = h + 2*h + 1 + 2*h
		home := figures(1, 7000, 3*3600, 245)
		home.BusyMS = 3 * h
		de := figures(2, 5000, 7200, 175)
		de.BusyMS = 2 * h
		wantLines(t, "charge stations", got, []repLine{
			{"RPT-NL", "Alpha NL", "EUR", nl},
			{"RPT-HOME", "Amsterdam BV", "EUR", home},
			{"RPT-DE", "Deutschland GmbH", "EUR", de},
		})
		if r := rows[0]; r.ChargePoints != 2 || r.LocationName != "Alpha NL office" || r.LocationKind != fc.LocationOffice || r.Online {
			t.Errorf("station row: %+v", r)
		}

		q = w.query(fc.ReportSessionsPerChargePoint)
		q.Idle = true
		cps := repRows(t, s, q)
		var lines []string
		for _, r := range cps {
			lines = append(lines, fmt.Sprintf("%s/%d %s n=%d busy=%d", r.Identity, r.ConnectorID, r.Currency, r.Figures.Sessions, r.Figures.BusyMS))
		}
		want := []string{
			fmt.Sprintf("RPT-NL/1 EUR n=2 busy=%d", h+1),
			fmt.Sprintf("RPT-NL/2 EUR n=1 busy=%d", 4*h),
			fmt.Sprintf("RPT-HOME/1 EUR n=1 busy=%d", 3*h),
			"RPT-HOME/2  n=0 busy=0",
			fmt.Sprintf("RPT-DE/1 EUR n=2 busy=%d", 2*h),
			"RPT-DE/2  n=0 busy=0",
		}
		if fmt.Sprint(lines) != fmt.Sprint(want) {
			t.Errorf("charge points:\n got %v\nwant %v", lines, want)
		}

		// Buckets split the figures and clip the charging time to each
		// bucket: the NL station's sessions fall in the first half.
		q = w.query(fc.ReportChargeStations)
		q.StationID = w.sNL.ID
		q.Buckets = []time.Time{repT0.Add(5 * 24 * time.Hour)}
		rows = repRows(t, s, q)
		if len(rows) != 2 || rows[0].Bucket != 0 || rows[1].Bucket != 1 ||
			rows[0].Figures.Sessions != 2 || rows[0].Figures.BusyMS != 5*h || rows[1].Figures.BusyMS != 1 {
			t.Errorf("bucketed station rows: %+v", rows)
		}
	})
}

func TestReportPrivacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustRepWorld(t, s)
		// A facility manager of the NL account who is also its fleet
		// manager sees its own cards, and Dirk's DE card masked.
		q := w.query(fc.ReportChargeSessions)
		q.Side = fc.SideStation
		q.Scope.StationSide = fc.Reach{AccountIDs: []fc.ID{w.nlA.ID}}
		q.Scope.CardSide = fc.Reach{AccountIDs: []fc.ID{w.nlA.ID}}
		rows := repRows(t, s, q)
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%s|%s|%s|%d|%d|%v", r.AccountName, r.CardExternalID, r.EmployeeName, r.CardID, r.EmployeeID, r.CardMasked))
		}
		want := []string{
			fmt.Sprintf("Alpha NL|EXT-RPT-EVA|Eva|%d|%d|false", w.cEva.ID, w.eva.ID),
			"Alpha NL|********DIRK||0|0|true",
			fmt.Sprintf("Alpha NL|EXT-RPT-EVA|Eva|%d|%d|false", w.cEva.ID, w.eva.ID),
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("station-side sessions:\n got %v\nwant %v", got, want)
		}

		// Filtering by the foreign card or its employee finds nothing.
		q.CardID = w.cDirk.ID
		if rows := repRows(t, s, q); len(rows) != 0 {
			t.Errorf("filter on a foreign card: %d rows", len(rows))
		}
		q.CardID, q.EmployeeID = 0, w.dirk.ID
		if rows := repRows(t, s, q); len(rows) != 0 {
			t.Errorf("filter on a foreign employee: %d rows", len(rows))
		}

		// With the fleet right on the whole provider nothing is masked.
		q.EmployeeID = 0
		q.Scope.CardSide = fc.Everything
		for _, r := range repRows(t, s, q) {
			if r.CardMasked || r.EmployeeName == "" {
				t.Errorf("masked with the full card side: %+v", r)
			}
		}
	})
}

func TestReportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustRepWorld(t, s)
		ext := func(rows []fc.ReportRow) string {
			var out []string
			for _, r := range rows {
				out = append(out, r.CardExternalID+"/"+r.Currency)
			}
			return fmt.Sprint(out)
		}
		nlReach := fc.Reach{OrgIDs: []fc.ID{w.nl.ID}}
		cases := []struct {
			name         string
			reach        fc.Reach
			org, account fc.ID
			want         string
		}{
			{"reach NL", nlReach, 0, 0, "[EXT-RPT-EVA/EUR EXT-RPT-EVA/GBP EXT-RPT-POOL/EUR EXT-RPT-BOB/EUR]"},
			{"reach NL, asked Amsterdam", nlReach, w.ams.ID, 0, "[EXT-RPT-BOB/EUR]"},
			{"reach NL, asked its account", nlReach, 0, w.nlA.ID, "[EXT-RPT-EVA/EUR EXT-RPT-EVA/GBP EXT-RPT-POOL/EUR]"},
			{"reach DE", fc.Reach{OrgIDs: []fc.ID{w.de.ID}}, 0, 0, "[EXT-RPT-DIRK/EUR]"},
			{"reach one account", fc.Reach{AccountIDs: []fc.ID{w.amsA.ID}}, 0, 0, "[EXT-RPT-BOB/EUR]"},
			{"everything, asked DE", fc.Everything, w.de.ID, 0, "[EXT-RPT-DIRK/EUR]"},
			{"no reach", fc.Reach{}, 0, 0, "[]"},
		}
		for _, c := range cases {
			q := w.query(fc.ReportSessionsPerCard)
			q.Scope.CardSide, q.OrganizationID, q.AccountID = c.reach, c.org, c.account
			if got := ext(repRows(t, s, q)); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
		}

		// An organization or account outside the reach is not found, for
		// every report.
		for _, report := range fc.Reports {
			q := w.query(report)
			q.Scope.CardSide, q.Scope.StationSide = nlReach, nlReach
			q.OrganizationID = w.de.ID
			_, err := repRowsErr(s, q)
			wantCode(t, report+" on DE", err, fc.ENotFound)
			q.OrganizationID, q.AccountID = 0, w.deA.ID
			_, err = repRowsErr(s, q)
			wantCode(t, report+" on the DE account", err, fc.ENotFound)
			q.AccountID = w.nlA.ID
			q.Scope.ProviderID = w.p.ID + 1000
			_, err = repRowsErr(s, q)
			wantCode(t, report+" of another provider", err, fc.ENotFound)
		}

		// The facility right on NL sees its stations only, idle ones too.
		q := w.query(fc.ReportChargeStations)
		q.Scope.StationSide, q.Idle = nlReach, true
		var ids []string
		for _, r := range repRows(t, s, q) {
			ids = append(ids, r.Identity)
		}
		if got, want := fmt.Sprint(ids), "[RPT-NL RPT-HOME]"; got != want {
			t.Errorf("stations of NL: %s, want %s", got, want)
		}

		// Moving an account moves its history.
		// (Asset migration does this; the test moves it directly.)
		if _, err := s.DB().Exec(`UPDATE accounts SET organization_id = $1 WHERE id = $2`, int64(w.de.ID), int64(w.amsA.ID)); err != nil {
			t.Fatal(err)
		}
		q = w.query(fc.ReportSessionsPerCard)
		q.OrganizationID = w.de.ID
		rows := repRows(t, s, q)
		if got, want := ext(rows), "[EXT-RPT-BOB/EUR EXT-RPT-DIRK/EUR]"; got != want {
			t.Errorf("DE after the move: %s, want %s", got, want)
		}
		if got, want := fmt.Sprint(rows[0].OrgNames), "[Holding DE]"; got != want {
			t.Errorf("path after the move: %s, want %s", got, want)
		}
	})
}

func TestReportInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustRepWorld(t, s)
		cases := []struct {
			field string
			edit  func(q *fc.ReportQuery)
		}{
			{"report", func(q *fc.ReportQuery) { q.Report = "cards" }},
			{"period", func(q *fc.ReportQuery) { q.To = q.From }},
			{"period", func(q *fc.ReportQuery) { q.From = time.Time{} }},
			{"side", func(q *fc.ReportQuery) { q.Side = fc.SideStation }},
			{"location_kind", func(q *fc.ReportQuery) { q.LocationKind = "garage" }},
			{"buckets", func(q *fc.ReportQuery) { q.Buckets = []time.Time{q.To} }},
			{"scope", func(q *fc.ReportQuery) { q.OrganizationID, q.AccountID = w.nl.ID, w.nlA.ID }},
		}
		for _, c := range cases {
			q := w.query(fc.ReportChargeCards)
			c.edit(&q)
			_, err := repRowsErr(s, q)
			wantField(t, c.field, err, c.field)
		}
	})
}

// TestReportProperties checks, on random trees and sessions, that every
// report's figures equal a brute-force sum over the sessions, that the
// per-card and per-employee reports add up to the session report, and
// that an organization's figures are those of its child organizations and
// its own accounts together.
func TestReportProperties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		rng := rand.New(rand.NewPCG(7, 11))
		p := mustProvider(t, s, "Random")
		orgs := []*fc.Organization{mustOrg(t, s, p.ID, 0, "Top")}
		for i := 1; i < 9; i++ {
			orgs = append(orgs, mustOrg(t, s, p.ID, orgs[rng.IntN(i)].ID, fmt.Sprintf("Org %d", i)))
		}
		var accounts []*fc.Account
		var cards []*fc.Card
		var stations []*fc.Station
		for i := 0; i < 12; i++ {
			a := mustAccount(t, s, p.ID, orgs[rng.IntN(len(orgs))].ID, fmt.Sprintf("Account %02d", i))
			accounts = append(accounts, a)
			e := mustEmployee(t, s, a, fmt.Sprintf("Employee %02d", i))
			cards = append(cards, mustCard(t, s, a, e.ID, fmt.Sprintf("PROP-%02d-A", i)), mustCard(t, s, a, 0, fmt.Sprintf("PROP-%02d-B", i)))
			if i%3 == 0 {
				l := mustLocation(t, s, a, fc.LocationOffice, 0)
				stations = append(stations, mustStation(t, s, a, l, mustChargeGroup(t, s, a, fc.AccessPublic), fmt.Sprintf("PROP-ST-%02d", i)))
			}
		}
		var list []repSession
		for i := 0; i < 400; i++ {
			c := cards[rng.IntN(len(cards))]
			x := repSession{card: c, employeeID: c.EmployeeID, start: repT0.Add(time.Duration(rng.IntN(60*24*60)) * time.Minute),
				wh: rng.Int64N(60000), cost: rng.Int64N(3000), currency: []string{"EUR", "EUR", "GBP", "CHF"}[rng.IntN(4)]}
			if i%10 == 9 {
				// Sessions that start at the same instant are ordered by ID,
				// which the pages' cursor must respect.
				x.start = list[i-1].start
			}
			x.stop = x.start.Add(time.Duration(rng.IntN(600)+1) * time.Minute)
			if rng.IntN(3) == 0 {
				x.kind = []string{fc.LocationPublic, fc.LocationHome}[rng.IntN(2)]
			} else {
				x.kind, x.station, x.connector = fc.LocationOffice, stations[rng.IntN(len(stations))], 1+rng.IntN(2)
			}
			list = append(list, x)
		}
		// Period bounds on session starts, to check both ends exactly.
		starts := make([]time.Time, len(list))
		for i, x := range list {
			starts[i] = x.start
		}
		slices.SortFunc(starts, time.Time.Compare)
		from, to := starts[40], starts[340]
		insertRepSessions(t, s, list)

		children := map[fc.ID][]fc.ID{}
		for _, o := range orgs {
			if o.ParentID != 0 {
				children[o.ParentID] = append(children[o.ParentID], o.ID)
			}
		}
		orgOf := map[fc.ID]fc.ID{}
		for _, a := range accounts {
			orgOf[a.ID] = a.OrganizationID
		}
		under := func(org, ancestor fc.ID) bool {
			for at := org; at != 0; {
				if at == ancestor {
					return true
				}
				at = parentOf(orgs, at)
			}
			return false
		}
		// want sums the sessions in the period whose side account lies
		// under org (0: all).
		want := func(org fc.ID, station bool) map[string]fc.ReportFigures {
			out := map[string]fc.ReportFigures{}
			for _, x := range list {
				acc := x.card.AccountID
				if station {
					if x.station == nil {
						continue
					}
					acc = x.station.AccountID
				}
				if x.start.Before(from) || !x.start.Before(to) || (org != 0 && !under(orgOf[acc], org)) {
					continue
				}
				f := out[x.currency]
				f.Add(figures(1, x.wh, int64(x.stop.Sub(x.start)/time.Second), x.cost))
				out[x.currency] = f
			}
			return out
		}
		sum := func(q fc.ReportQuery) map[string]fc.ReportFigures {
			t.Helper()
			out := map[string]fc.ReportFigures{}
			for _, r := range repRows(t, s, q) {
				if r.Currency == "" {
					continue
				}
				f := out[r.Currency]
				r.Figures.BusyMS = 0
				f.Add(r.Figures)
				out[r.Currency] = f
			}
			return out
		}
		query := func(report string, org fc.ID) fc.ReportQuery {
			return fc.ReportQuery{Report: report, Scope: fc.SessionScope{ProviderID: p.ID, CardSide: fc.Everything, StationSide: fc.Everything},
				OrganizationID: org, From: from, To: to, Idle: true}
		}
		var n int64
		for _, f := range want(0, false) {
			n += f.Sessions
		}
		if n < 50 {
			t.Fatalf("only %d sessions in the period: the fixture tests too little", n)
		}
		for _, org := range append([]fc.ID{0}, orgs[0].ID, orgs[3].ID, orgs[5].ID) {
			cardSide := want(org, false)
			for _, report := range []string{fc.ReportChargeSessions, fc.ReportSessionsPerCard, fc.ReportSessionsPerEmployee, fc.ReportChargeCards} {
				if got := sum(query(report, org)); fmt.Sprint(got) != fmt.Sprint(cardSide) {
					t.Errorf("%s under %d:\n got %v\nwant %v", report, org, got, cardSide)
				}
			}
			stationSide := want(org, true)
			for _, report := range []string{fc.ReportChargeStations, fc.ReportSessionsPerChargePoint} {
				if got := sum(query(report, org)); fmt.Sprint(got) != fmt.Sprint(stationSide) {
					t.Errorf("%s under %d:\n got %v\nwant %v", report, org, got, stationSide)
				}
			}
		}

		// The pages of a session listing, each after the last session of
		// the one before, are the listing; the roll-up by account is the
		// listing summed by account, currency and bucket.
		mid := from.Add(to.Sub(from) / 2)
		for _, side := range []string{fc.SideCard, fc.SideStation} {
			for _, org := range []fc.ID{0, orgs[0].ID, orgs[3].ID} {
				q := query(fc.ReportChargeSessions, org)
				q.Side, q.Buckets = side, []time.Time{mid}
				all := repRows(t, s, q)
				var paged []fc.ReportRow
				q.Limit = 1 + rng.IntN(40)
				for {
					page := repRows(t, s, q)
					paged = append(paged, page...)
					if len(page) < q.Limit {
						break
					}
					last := page[len(page)-1]
					q.After = &fc.SessionKey{StartedAt: *last.StartedAt, ID: last.SessionID}
				}
				if len(paged) != len(all) {
					t.Fatalf("%s side under %d: pages of %d hold %d sessions, the listing %d", side, org, q.Limit, len(paged), len(all))
				}
				byAccount := map[string]fc.ReportFigures{}
				for i := range all {
					if all[i].SessionID != paged[i].SessionID {
						t.Fatalf("%s side under %d: session %d of the pages is %d, of the listing %d", side, org, i, paged[i].SessionID, all[i].SessionID)
					}
					k := fmt.Sprint(all[i].AccountID, all[i].AccountName, all[i].OrgIDs, all[i].Currency, all[i].Bucket)
					f := byAccount[k]
					f.Add(all[i].Figures)
					byAccount[k] = f
				}
				q.Limit, q.After, q.ByAccount = 0, nil, true
				rolled := map[string]fc.ReportFigures{}
				for _, r := range repRows(t, s, q) {
					if r.SessionID != 0 || r.CardID != 0 || r.StationID != 0 {
						t.Errorf("a roll-up row names a subject: %+v", r)
					}
					rolled[fmt.Sprint(r.AccountID, r.AccountName, r.OrgIDs, r.Currency, r.Bucket)] = r.Figures
				}
				if fmt.Sprint(rolled) != fmt.Sprint(byAccount) {
					t.Errorf("%s side under %d, by account:\n got %v\nwant %v", side, org, rolled, byAccount)
				}
			}
		}

		// The card-side reports by account are their subjects summed by
		// account, currency and bucket, split by location kind too.
		for _, report := range []string{fc.ReportChargeCards, fc.ReportEmployees, fc.ReportSessionsPerEmployee, fc.ReportSessionsPerCard} {
			for _, org := range []fc.ID{0, orgs[0].ID, orgs[3].ID} {
				q := query(report, org)
				q.Buckets = []time.Time{mid}
				key := func(r fc.ReportRow) string {
					return fmt.Sprint(r.AccountID, r.AccountName, r.OrgIDs, r.Currency, r.Bucket)
				}
				want := map[string][4]fc.ReportFigures{}
				for _, r := range repRows(t, s, q) {
					if r.Figures.Sessions == 0 {
						continue
					}
					f := want[key(r)]
					f[0].Add(r.Figures)
					for k := range r.ByKind {
						f[k+1].Add(r.ByKind[k])
					}
					want[key(r)] = f
				}
				q.ByAccount = true
				got := map[string][4]fc.ReportFigures{}
				for _, r := range repRows(t, s, q) {
					got[key(r)] = [4]fc.ReportFigures{r.Figures, r.ByKind[0], r.ByKind[1], r.ByKind[2]}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s under %d by account:\n got %v\nwant %v", report, org, got, want)
				}
			}
		}
		q := query(fc.ReportChargeStations, 0)
		q.ByAccount = true
		if _, err := repRowsErr(s, q); !fc.IsCode(err, fc.EInvalid) {
			t.Errorf("a station report by account: %v, want invalid", err)
		}

		// An organization is its child organizations and its own accounts.
		for _, o := range orgs {
			whole := sum(query(fc.ReportSessionsPerCard, o.ID))
			parts := map[string]fc.ReportFigures{}
			add := func(m map[string]fc.ReportFigures) {
				for cur, f := range m {
					g := parts[cur]
					g.Add(f)
					parts[cur] = g
				}
			}
			for _, c := range children[o.ID] {
				add(sum(query(fc.ReportSessionsPerCard, c)))
			}
			for _, a := range accounts {
				if a.OrganizationID == o.ID {
					q := query(fc.ReportSessionsPerCard, 0)
					q.AccountID = a.ID
					add(sum(q))
				}
			}
			if fmt.Sprint(parts) != fmt.Sprint(whole) {
				t.Errorf("organization %s: parts %v, whole %v", o.Name, parts, whole)
			}
		}
	})
}

func parentOf(orgs []*fc.Organization, id fc.ID) fc.ID {
	for _, o := range orgs {
		if o.ID == id {
			return o.ParentID
		}
	}
	return 0
}

func TestReportLimitAndTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := mustRepWorld(t, s)
		q := w.query(fc.ReportChargeSessions)
		q.Limit = 2
		rows := repRows(t, s, q)
		if len(rows) != 2 || !rows[0].StartedAt.Equal(repT0) {
			t.Errorf("limit 2: %d rows", len(rows))
		}

		q.Limit, q.TotalsOnly = 0, true
		got := repLines(repRows(t, s, q), func(fc.ReportRow) string { return "" })
		wantLines(t, "session totals", got, []repLine{
			{"", "", "EUR", figures(6, 12345+7000+5000+3000+1+2000, (1+3+2+1+1+1)*3600, 432+245+175+105+1+70)},
			{"", "", "GBP", figures(1, 1000, 3600, 250)},
		})

		q = w.query(fc.ReportChargeStations)
		q.TotalsOnly = true
		q.Scope.StationSide = fc.Reach{AccountIDs: []fc.ID{w.nlA.ID}}
		rows = repRows(t, s, q)
		h := time.Hour.Milliseconds()
		if len(rows) != 1 || rows[0].Figures.Sessions != 3 || rows[0].Figures.BusyMS != 5*h+1 {
			t.Errorf("station totals: %+v", rows)
		}
	})
}
