package api

// localListRoutes are the routes of stations' local lists.
func (s *Server) localListRoutes() []route { return nil }
