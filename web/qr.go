package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/yeqown/go-qrcode/v2"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
)

// qrSVG draws text as a QR code in inline SVG, one square a module, with
// the quiet zone of four modules the standard asks for; "" when the text
// does not fit a QR code.
func qrSVG(text, label string) template.HTML {
	code, err := qrcode.New(text)
	if err != nil {
		return ""
	}
	w := &svgWriter{label: label}
	if err := code.Save(w); err != nil {
		return ""
	}
	return template.HTML(w.out) // built here from numbers and an escaped label only
}

// svgWriter is a qrcode.Writer that draws the matrix as SVG.
type svgWriter struct {
	label string
	out   string
}

func (w *svgWriter) Write(mat qrcode.Matrix) error {
	const quiet = 4
	n := mat.Width() + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" shape-rendering="crispEdges">`,
		n, n, n*5, n*5, template.HTMLEscapeString(w.label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	mat.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if v.IsSet() {
			fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
		}
	})
	b.WriteString(`"/></svg>`)
	w.out = b.String()
	return nil
}

func (w *svgWriter) Close() error { return nil }

// signedInChrome is the layout's navigation for a fully signed-in user on a
// page served outside s.handle (the account pages); nil for anyone else.
func (s *Server) signedInChrome(w http.ResponseWriter, r *http.Request, ws *fc.WebSession, u *fc.User) *chrome {
	if s.app == nil || ws == nil || ws.Stage != auth.StageActive {
		return nil
	}
	r = r.WithContext(auth.NewContext(r.Context(), &auth.Identity{User: u, Session: ws}, auth.ClientOf(r)))
	v, err := s.newView(w, r)
	if err != nil {
		return nil
	}
	return v.Chrome
}
