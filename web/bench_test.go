package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/store/storetest"
)

// benchPage measures a signed-in 100-row list page, server-side: the
// session check, the access subject, the queries and the rendering.
//
//	go test ./web/ -run '^$' -bench ListPage -benchmem
func benchPage(b *testing.B, path string, prepare func(*testing.B, *demoWorld)) {
	w := newDemoWorld(b, storetest.Open(b, "sqlite"))
	if prepare != nil {
		prepare(b, w)
	}
	t := &testing.T{}
	var pw string
	for _, l := range w.res.Logins {
		if l.Email == adminEmail {
			pw = l.Password
		}
	}
	br := &browser{t: t, h: w.srv, cookies: map[string]string{}}
	if rec := br.signIn(adminEmail, pw); rec.Code != http.StatusSeeOther {
		b.Fatalf("sign-in: %d", rec.Code)
	}
	rec := br.do("GET", path, nil)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), "<tr><td") != pageSize {
		b.Fatalf("GET %s: status %d, %d rows", path, rec.Code, strings.Count(rec.Body.String(), "<tr><td"))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if rec := br.do("GET", path, nil); rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
}

func BenchmarkListPageSessions(b *testing.B) {
	benchPage(b, "/sessions?scope=all", nil)
}

func BenchmarkListPageCards(b *testing.B) {
	benchPage(b, "/cards?scope=all", func(b *testing.B, w *demoWorld) {
		ctx := context.Background()
		accounts, err := w.st.Accounts(ctx, fc.ProviderScope(w.res.ProviderID), fc.AccountFilter{Page: fc.Page{Limit: 20}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 120 {
			a := accounts[i%len(accounts)]
			c := &fc.Card{ProviderID: w.res.ProviderID, AccountID: a.ID, InternalID: fmt.Sprintf("BENCH%08X", i), ExternalID: fmt.Sprintf("BENCH-%05d", i), Status: fc.CardActive}
			if err := w.st.CreateCard(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
