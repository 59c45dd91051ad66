package api

import "net/http"

// openAPI serves the OpenAPI 3.1 description of the API.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "fleetcharge API", "version": "1"},
		"paths":   map[string]any{},
	})
	return nil
}
