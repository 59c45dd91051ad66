package web

import (
	"net/http"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/auth"
)

// notFound answers a URL that no page has with the error page in the
// layout: with the navigation for a signed-in user, without for anyone
// else.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	err := fc.Errorf(fc.ENotFound, "no page at %s", r.URL.Path)
	if s.cfg.Auth != nil && s.app != nil {
		if ws, u, serr := s.cfg.Auth.Session(r); serr == nil && ws.Stage == auth.StageActive {
			r = r.WithContext(auth.NewContext(r.Context(), &auth.Identity{User: u, Session: ws}, auth.ClientOf(r)))
			if v, verr := s.newView(w, r); verr == nil {
				s.fail(w, r, v, err)
				return
			}
		}
	}
	s.fail(w, r, nil, err)
}
