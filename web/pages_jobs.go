package web

// jobRoutes registers the pages of station jobs.
func (s *Server) jobRoutes() {}
