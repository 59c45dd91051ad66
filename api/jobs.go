package api

// jobRoutes are the routes of station jobs.
func (s *Server) jobRoutes() []route { return nil }
