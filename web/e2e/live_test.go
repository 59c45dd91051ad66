package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStationsListLive: a facility manager has the stations list open; a
// station of its organization connects, disconnects and connects again,
// and its row says so each time without the page being loaded again, and
// the polite status line tells what changed. On the station's page its
// commands are disabled with the reason while it is offline.
func TestStationsListLive(t *testing.T) {
	t.Parallel()
	ctx := tab(t, facilityOnly)
	open(t, ctx, "/stations")
	// A station of the list with a demo login, not one another test uses.
	rows := eval[[][]string](t, ctx, `[...document.querySelectorAll("main table tbody tr")].map(tr => {
		const a = tr.querySelector("a[href^='/stations/']");
		const c = tr.querySelector("[data-live-field='connection']");
		return a && c ? [a.textContent.trim(), c.getAttribute("data-live-of")] : null;
	}).filter(Boolean)`)
	identity, id := "", ""
	for i := len(rows) - 1; i >= 0; i-- {
		if _, ok := env.srv.Stations[rows[i][0]]; ok {
			identity, id = rows[i][0], rows[i][1]
			break
		}
	}
	if identity == "" {
		t.Fatalf("no station of the list has a demo login: %v", rows)
	}
	cell := fmt.Sprintf(`document.querySelector('[data-live-of="%s"][data-live-field="connection"]')`, id)
	connection := cell + ".textContent.trim()"
	if got := eval[string](t, ctx, connection); got != "offline" {
		t.Fatalf("station %s shows %q before it connects, want offline", identity, got)
	}
	// A page loaded again would lose this mark.
	eval[bool](t, ctx, `(window.liveTestMark = true)`)
	summary := `(document.querySelector("#live-summary[role=status]") || {textContent: ""}).textContent`

	station, err := env.srv.Connect(ctx, identity)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, connection, "online")
	waitText(t, ctx, summary, "Station "+identity+" is online.")

	station.Close()
	waitText(t, ctx, connection, "offline")
	waitText(t, ctx, summary, "Station "+identity+" is offline.")
	if cls := eval[string](t, ctx, cell+".className"); cls != "conn-offline" {
		t.Errorf("the offline cell's class is %q, want conn-offline", cls)
	}

	again, err := env.srv.Connect(ctx, identity)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, connection, "online")
	if !eval[bool](t, ctx, `window.liveTestMark === true`) {
		t.Error("the page was loaded again: the row changed by a reload, not live")
	}

	// The station's page: its commands are disabled, with the reason,
	// while it is offline, and enabled again when it is back.
	open(t, ctx, "/stations/"+id)
	eval[bool](t, ctx, `(window.liveTestMark = true)`)
	unlock := `String(document.querySelector("#unlock button").disabled)`
	waitText(t, ctx, unlock, "false")
	again.Close()
	waitText(t, ctx, connection, "offline")
	waitText(t, ctx, unlock, "true")
	if text := eval[string](t, ctx, `document.querySelector("#unlock").innerText`); !strings.Contains(text, "The station is offline") {
		t.Errorf("the disabled unlock does not say why:\n%s", text)
	}
	last, err := env.srv.Connect(ctx, identity)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(last.Close)
	waitText(t, ctx, unlock, "false")
	if text := eval[string](t, ctx, `document.querySelector("#unlock").innerText`); strings.Contains(text, "The station is offline") {
		t.Errorf("the enabled unlock still says the station is offline:\n%s", text)
	}
	if !eval[bool](t, ctx, `window.liveTestMark === true`) {
		t.Error("the station page was loaded again: its commands changed by a reload, not live")
	}
}

// waitText waits, generously, until the expression's value is want.
func waitText(t *testing.T, ctx context.Context, expr, want string) {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = strings.TrimSpace(eval[string](t, ctx, expr)); got == want {
			return
		}
	}
	t.Fatalf("%s is %q, want %q", expr, got, want)
}
