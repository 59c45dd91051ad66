package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// The charge group page adds a tariff version with time-of-day bands and
// an idle fee from a date, lists the versions, and refuses bad bands by
// field with nothing written.
func TestTariffVersionForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newDemoWorld(t, st)
		ctx := context.Background()
		all := fc.ProviderScope(w.res.ProviderID)
		b := w.as(t, adminEmail)
		groupID := w.one(t, `SELECT id FROM charge_groups ORDER BY id`)
		path := "/charge-groups/" + groupID.String()
		page := get(t, b, path, http.StatusOK)
		wantIn(t, "charge group page", page, `name="tariff.time_of_day"`, `name="tariff.valid_from"`, "Tariff versions")
		g, err := st.ChargeGroup(ctx, all, groupID)
		if err != nil {
			t.Fatal(err)
		}
		before, err := st.TariffVersions(ctx, all, groupID)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "name": {g.Name}, "kind": {g.Kind}, "access": {g.Access},
			"account_id": {g.AccountID.String()}, "tariff.currency": {g.Tariff.Currency}, "tariff.per_kwh": {"0.41"},
			"tariff.per_minute": {"0"}, "tariff.start_fee": {"0"}, "load_priority": {"0"},
			"tariff.time_of_day": {"22:00-06:00 0.21"}, "tariff.idle_fee_per_minute": {"0.15"}, "tariff.idle_grace_minutes": {"20"},
			"tariff.valid_from": {"2031-03-01T00:00"}}
		for _, id := range g.AllowedAccountIDs {
			form.Add("allowed_account_ids", id.String())
		}
		for _, id := range g.AllowedOrganizationIDs {
			form.Add("allowed_organization_ids", id.String())
		}
		for _, id := range g.AllowedCardIDs {
			form.Add("allowed_card_ids", id.String())
		}
		wantRedirect(t, "a new version", b.do("POST", path, form), path+"?done=saved")
		vs, err := st.TariffVersions(ctx, all, groupID)
		if err != nil || len(vs) != len(before)+1 {
			t.Fatalf("versions = %+v, %v; want one more than %d", vs, err, len(before))
		}
		nv := vs[len(vs)-1]
		if nv.Tariff.PerKWhMicros != 410000 || len(nv.Tariff.Bands) != 1 || nv.Tariff.Bands[0] != (fc.TariffBand{FromMinute: 1320, ToMinute: 360, PerKWhMicros: 210000}) ||
			nv.Tariff.IdleFeePerMinuteMicros != 150000 || nv.Tariff.IdleGraceMinutes != 20 || nv.ValidFrom.Year() != 2031 {
			t.Errorf("new version = %+v", nv)
		}
		wantIn(t, "page after", get(t, b, path, http.StatusOK), "by time of day 22:00-06:00 0.21", "idle 0.15/min after 20 min")

		form.Set("tariff.time_of_day", "22:00-06:00 0.21; 05:00-07:00 0.3")
		rec := b.do("POST", path, form)
		wantStatus(t, "overlapping bands", rec, http.StatusBadRequest)
		wantIn(t, "overlapping bands", body(rec), `id="edit-tariff-time-of-day-error"`)
		form.Set("tariff.time_of_day", "late 0.3")
		wantStatus(t, "unreadable bands", b.do("POST", path, form), http.StatusBadRequest)
		if again, _ := st.TariffVersions(ctx, all, groupID); len(again) != len(vs) {
			t.Errorf("refused changes wrote versions: %d, want %d", len(again), len(vs))
		}
	})
}
