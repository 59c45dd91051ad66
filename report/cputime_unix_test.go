//go:build unix

package report_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system: on a
// busy machine a steadier measure than the wall clock. (The database's own
// work is in it for SQLite, not for PostgreSQL.)
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
