package fleetcharge

import "time"

// SessionAllocation is one limit load management gave a running session:
// what its station may draw from At on, and why (the allocator's reason,
// such as share or waiting; package loadmgmt).
type SessionAllocation struct {
	SessionID ID        `json:"session_id"`
	At        time.Time `json:"at"`
	LimitW    int64     `json:"-"` // watts
	Reason    string    `json:"reason"`
}
