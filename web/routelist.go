package web

// Patterns lists the ServeMux patterns of every signed-in page (those
// registered with s.handle), in the order they were registered, so that
// tests can walk all of them and notice a new one.
func (s *Server) Patterns() []string { return append([]string(nil), s.patterns...) }
