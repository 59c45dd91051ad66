package e2e

import (
	"context"
	"sync"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// dialogs records the confirmation questions each tab was asked.
var dialogs struct {
	sync.Mutex
	asked map[context.Context]*[]string
}

// acceptDialogs answers every confirmation of the tab with OK, as a user
// who means it would, and records the question.
func acceptDialogs(ctx context.Context) {
	dialogs.Lock()
	if dialogs.asked == nil {
		dialogs.asked = map[context.Context]*[]string{}
	}
	asked := &[]string{}
	dialogs.asked[ctx] = asked
	dialogs.Unlock()
	_ = chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Lock()
			*asked = append(*asked, d.Message)
			dialogs.Unlock()
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	})
}

// confirmed returns the confirmation questions the tab was asked so far.
func confirmed(ctx context.Context) []string {
	dialogs.Lock()
	defer dialogs.Unlock()
	if p := dialogs.asked[ctx]; p != nil {
		return append([]string(nil), *p...)
	}
	return nil
}
