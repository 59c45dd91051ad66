package fleetcharge

// StationJobStore keeps station jobs: one command over many stations, and
// each station's progress (issue 19).
type StationJobStore interface{}
