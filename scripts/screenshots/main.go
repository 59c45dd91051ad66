// Command screenshots saves screenshots of fleetcharge's main pages at
// desktop (1280 px) and phone (390 px) width, in each language asked for
// (English and Dutch by default). It builds the command, starts
// `fleetcharge serve --demo` on a free port over a temporary database, signs
// in as demo users in headless Chromium and writes one PNG per page, width
// and language into the output folder. scripts/screenshots.sh runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fleetcharge/fleetcharge/web/e2e"
)

// shot is one page to capture.
type shot struct {
	name  string // file name without width and extension
	login string // the demo e-mail to sign in as; "" for none
	path  string
	what  string // for the README
	// find, when set, is a CSS selector of a link on path to follow first
	// (a detail page whose ID is not known in advance).
	find string
}

const (
	fleetFacility = "fleet@vandijk-logistics.example"
	facilityOnly  = "facilities.de@meridian-consulting.example"
)

var shots = []shot{
	{name: "login", path: "/login", what: "Sign-in"},
	{name: "home", login: fleetFacility, path: "/", what: "Start page of a fleet + facility manager (Van Dijk Logistics Groep)"},
	{name: "organizations", login: "admin", path: "/organizations", what: "Organization tree, as the provider admin"},
	{name: "cards", login: fleetFacility, path: "/cards", what: "Charge cards in scope"},
	{name: "stations", login: fleetFacility, path: "/stations", what: "Charge stations with connection state (one station connected)"},
	{name: "station", login: fleetFacility, path: "/stations", find: `main table a[href^="/stations/"]`, what: "A connected station: live connector status and remote commands"},
	{name: "reports", login: fleetFacility, path: "/reports", what: "The reports a fleet + facility manager may run"},
	{name: "report-charge-cards", login: fleetFacility, path: "/reports/charge-cards", what: "Charge card report: energy per month by location kind, top cards, table with totals, CSV/XLSX"},
	{name: "report-sessions-per-employee", login: "group.fleet@meridian-consulting.example", path: "/reports/sessions-per-employee?group_by=organization", what: "Sessions per employee rolled up by organization (Meridian, EUR and GBP apart)"},
	{name: "report-charge-stations", login: facilityOnly, path: "/reports/charge-stations", what: "Charge station report of a facility manager: sessions and utilization per station"},
	{name: "sessions", login: fleetFacility, path: "/sessions", what: "Sessions, newest first: filters, periods, sortable columns, total count, CSV export"},
	{name: "import-cards", login: fleetFacility, path: "/imports/cards", what: "Import of charge cards from CSV or XLSX, with a dry run"},
	{name: "notifications", login: fleetFacility, path: "/notifications", what: "E-mail alerts the user subscribed to"},
	{name: "webhooks", login: fleetFacility, path: "/webhooks", what: "Webhooks and their deliveries"},
	{name: "invoices", login: "admin", path: "/invoices", what: "Invoices of the closed month, as the provider admin"},
	{name: "invoice", login: "admin", path: "/invoices", find: `main table a[href^="/invoices/"]:not([href$="/pdf"]):not([href$="/ubl"])`, what: "An invoice: lines, VAT breakdown, PDF, Peppol UBL and JSON"},
	{name: "provider", login: "admin", path: "/provider", what: "Provider settings: the seller on invoices, its contact, invoicing terms"},
}

// langs are the languages the screenshots are taken in, by -langs; files
// of languages other than English end in -<lang>.
var langs = []string{"en", "nl"}

// widths are the captured widths with their viewport heights.
var widths = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"desktop", 1280, 900, false},
	{"phone", 390, 844, true},
}

// maxHeight bounds a screenshot's height: long tables are cut.
const maxHeight = 2400

func main() {
	out := flag.String("out", "docs/screenshots", "folder for the PNG files")
	chromium := flag.String("chromium", e2e.Chromium(), "path of Chromium")
	langList := flag.String("langs", strings.Join(langs, ","), "languages, comma-separated (en, nl, de, fr)")
	flag.Parse()
	langs = strings.Split(*langList, ",")
	if *chromium == "" {
		log.Fatal("no Chromium found: install it (apt-get install chromium) or pass -chromium")
	}
	if err := run(*out, *chromium); err != nil {
		log.Fatal(err)
	}
}

func run(out, chromium string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fleetcharge-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log.Print("building fleetcharge")
	bin, err := e2e.Build(ctx, dir)
	if err != nil {
		return err
	}
	log.Print("starting fleetcharge serve --demo")
	srv, err := e2e.Start(ctx, bin, dir)
	if err != nil {
		return err
	}
	defer srv.Close()
	// One station online, charging on its first connector, so that the
	// station pages show live state.
	station, err := srv.Connect(ctx, "VDT-RTM-01")
	if err != nil {
		return err
	}
	defer station.Close()
	if err := station.Status(ctx, 1, "Charging"); err != nil {
		return err
	}
	if err := station.Status(ctx, 2, "Available"); err != nil {
		return err
	}
	admin := ""
	for email := range srv.Passwords {
		if strings.HasPrefix(email, "admin@") {
			admin = email
		}
	}

	alloc, stop := e2e.NewBrowser(ctx, chromium, 1280, 900)
	defer stop()
	browser, closeBrowser := chromedp.NewContext(alloc)
	defer closeBrowser()
	if err := chromedp.Do(browser); err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	tabs := map[string]context.Context{} // a signed-in profile per login and language
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	newTab := func() context.Context {
		tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		cancels = append(cancels, cancel)
		return tab
	}
	for _, lang := range langs {
		for _, s := range shots {
			if err := shoot(newTab, tabs, srv, s, lang, admin, out); err != nil {
				return err
			}
		}
	}
	return writeIndex(out)
}

// shoot saves one page in one language at every width.
func shoot(newTab func() context.Context, tabs map[string]context.Context, srv *e2e.Server, s shot, lang, admin, out string) error {
	login := s.login
	if login == "admin" {
		login = admin
	}
	tab, ok := tabs[login+" "+lang]
	if !ok {
		tab = newTab()
		if login != "" {
			if _, err := e2e.SignIn(tab, srv.URL, login, srv.Passwords[login]); err != nil {
				return err
			}
		}
		tabs[login+" "+lang] = tab
	}
	target := withLang(srv.URL+s.path, lang)
	if s.find != "" {
		if err := chromedp.Do(tab, chromedp.Navigate(target)); err != nil {
			return err
		}
		href, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS(s.find), "href"))
		if err != nil || !href.Exists {
			return fmt.Errorf("%s: no link %s on %s: %v", s.name, s.find, s.path, err)
		}
		target = withLang(srv.URL+href.Value, lang)
	}
	for _, w := range widths {
		file := filepath.Join(out, fileName(s.name, w.name, lang))
		if err := capture(tab, target, w.width, w.height, w.mobile, file); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		log.Printf("saved %s", file)
	}
	return nil
}

// withLang asks for the page in lang (the server keeps the choice in a
// cookie and as the signed-in user's language).
func withLang(target, lang string) string {
	if strings.Contains(target, "?") {
		return target + "&lang=" + lang
	}
	return target + "?lang=" + lang
}

// fileName is the PNG of a page at a width in a language.
func fileName(name, width, lang string) string {
	if lang == "en" {
		return name + "-" + width + ".png"
	}
	return name + "-" + width + "-" + lang + ".png"
}

// capture loads target at the width and saves the page, up to maxHeight
// pixels tall, as PNG.
func capture(tab context.Context, target string, width, height int64, mobile bool, file string) error {
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(width, height, opts...),
		chromedp.Navigate(target),
		chromedp.WaitVisible(chromedp.CSS("main")),
	); err != nil {
		return err
	}
	full, err := chromedp.Run(tab, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
	if err != nil {
		return err
	}
	h := int64(math.Min(math.Max(full, float64(height)), maxHeight))
	if err := chromedp.Do(tab, chromedp.EmulateViewport(width, h, opts...)); err != nil {
		return err
	}
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(file, png, 0o644)
}

// writeIndex writes the README of the screenshots folder.
func writeIndex(out string) error {
	var b strings.Builder
	b.WriteString("# Screenshots\n\n")
	b.WriteString("The main pages of the web application on the demo data, at desktop (1280 px) and phone (390 px)\n")
	b.WriteString("width, in " + strings.Join(langs, ", ") + ". `scripts/screenshots.sh` makes them anew: it builds fleetcharge, starts\n")
	b.WriteString("`serve --demo` on a temporary database and saves each page with headless Chromium. Pages taller\n")
	b.WriteString("than 2400 px are cut.\n\n")
	b.WriteString("| page | as |")
	for _, lang := range langs {
		fmt.Fprintf(&b, " desktop (%s) | phone (%s) |", lang, lang)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|---|", len(langs)) + "\n")
	for _, s := range shots {
		as := s.login
		switch as {
		case "":
			as = "signed out"
		case "admin":
			as = "provider admin"
		}
		fmt.Fprintf(&b, "| %s | %s |", s.what, as)
		for _, lang := range langs {
			for _, w := range widths {
				f := fileName(s.name, w.name, lang)
				fmt.Fprintf(&b, " [%s](%s) |", f, f)
			}
		}
		b.WriteString("\n")
	}
	return os.WriteFile(filepath.Join(out, "README.md"), []byte(b.String()), 0o644)
}
