package fleetcharge

// LocalListStore keeps what each station's local authorization list holds
// and whether it matches what its charge group admits (issue 19).
type LocalListStore interface{}
