package api

// reservationRoutes are the routes of reservations.
func (s *Server) reservationRoutes() []route { return nil }
