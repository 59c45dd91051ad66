package api

// RouteInfo names one route of the API: its method and path pattern, as
// ServeMux registers it, and the names of its query parameters.
type RouteInfo struct {
	Method, Path string
	Params       []string
	Public       bool // served without authentication
	Body         bool // takes a request body
	Bulk         bool // the body is an array (or CSV) of items
}

// Key is the route's ServeMux pattern: "GET /api/v1/cards/{id}".
func (ri RouteInfo) Key() string { return ri.Method + " " + ri.Path }

// Routes lists every route of the API, in the order of the route table, so
// that tests can walk all of them and notice a new one.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		ri := RouteInfo{Method: rt.method, Path: rt.path, Public: rt.public, Body: rt.body != nil, Bulk: rt.bulk}
		for _, p := range rt.params {
			ri.Params = append(ri.Params, p.name)
		}
		out[i] = ri
	}
	return out
}
