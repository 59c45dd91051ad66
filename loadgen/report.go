package loadgen

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// WriteOCPP prints the summary of an OCPP run.
func WriteOCPP(w io.Writer, r *OCPPResult) {
	fmt.Fprintf(w, "stations: %d, peak connected %d, connections made %d\n", r.Stations, r.PeakConnected, r.Connects)
	if r.BootStorm > 0 {
		fmt.Fprintf(w, "boot storm: all %d stations booted %.1f s after the start\n", r.Booted, r.BootStorm.Seconds())
	} else {
		fmt.Fprintf(w, "boot storm: only %d of %d stations booted\n", r.Booted, r.Stations)
	}
	fmt.Fprintf(w, "run: %.1f s; steady window %.0f s\n", r.Elapsed.Seconds(), r.Steady.Seconds())
	fmt.Fprintf(w, "transactions: %d started, %d stopped and acknowledged; %d in the steady window = %.1f tx/s\n",
		r.TxStarted, r.TxStopped, r.SteadyStopped, r.TxRate())
	if r.FirmwareInstalled > 0 {
		fmt.Fprintf(w, "firmware: %d updates installed (UpdateFirmware answered, then Downloading to Installed reported)\n", r.FirmwareInstalled)
	}
	if len(r.AuthStatus) > 0 {
		fmt.Fprintln(w, "idTag status:")
		writeCounts(w, "  ", r.AuthStatus)
	}
	if len(r.Latency) > 0 {
		fmt.Fprintf(w, "latency (ms)                   count      p50      p90      p99      max\n")
		actions := make([]string, 0, len(r.Latency))
		for a := range r.Latency {
			actions = append(actions, a)
		}
		sort.Strings(actions)
		for _, a := range actions {
			s := r.Latency[a]
			fmt.Fprintf(w, "  %-26s %9d %8s %8s %8s %8s\n", a, s.Count, ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
		}
	}
	if len(r.ServerCalls) > 0 {
		fmt.Fprintln(w, "calls from the server:")
		writeCounts(w, "  ", r.ServerCalls)
	}
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "errors: none")
	} else {
		fmt.Fprintln(w, "errors:")
		writeCounts(w, "  ", r.Errors)
	}
	if m := r.Memory; m != nil {
		if m.Err != "" {
			fmt.Fprintf(w, "server memory: not measured: %s\n", m.Err)
		} else {
			rss, hs := m.PerConnection()
			fmt.Fprintf(w, "server memory: RSS %s -> %s, Go heap in use + stacks %s -> %s, goroutines %.0f -> %.0f\n",
				mib(m.Before.RSS), mib(m.After.RSS), mib(m.Before.HeapInuse+m.Before.StackInuse), mib(m.After.HeapInuse+m.After.StackInuse),
				m.Before.Goroutines, m.After.Goroutines)
			fmt.Fprintf(w, "server memory per connection (%d connections): RSS %.1f KiB, Go heap + stacks %.1f KiB\n",
				m.Connections, rss/1024, hs/1024)
		}
	}
	if v := r.Verify; v != nil {
		verdict := "OK: zero lost sessions"
		if !v.OK() {
			verdict = "MISMATCH"
		}
		fmt.Fprintf(w, "database: %d stopped sessions stored, %d acknowledged, %d lost, %d stored without an acknowledgement seen, %d still open, %d duplicate acknowledgements: %s\n",
			v.Stored, v.Acknowledged, v.Lost, v.Unacknowledged, v.Open, v.Duplicates, verdict)
	}
}

// WriteHTTP prints the summary of an HTTP run on one line per figure.
func WriteHTTP(w io.Writer, r *HTTPResult) {
	mode := fmt.Sprintf("target %.0f req/s", r.Target)
	if r.Target == 0 {
		mode = fmt.Sprintf("closed loop, %d workers", r.Workers)
	}
	fmt.Fprintf(w, "%s for %s: %d requests, %d ok, achieved %.1f req/s, %.1f KiB/response\n",
		mode, r.Duration.Round(time.Second), r.Requests, r.OK, r.Rate, float64(r.Bytes)/float64(max(r.OK, 1))/1024)
	fmt.Fprintf(w, "  latency ms (from schedule): p50 %s  p90 %s  p99 %s  max %s\n", ms(r.Latency.P50), ms(r.Latency.P90), ms(r.Latency.P99), ms(r.Latency.Max))
	fmt.Fprintf(w, "  service ms (from send):     p50 %s  p90 %s  p99 %s  max %s\n", ms(r.Service.P50), ms(r.Service.P90), ms(r.Service.P99), ms(r.Service.Max))
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "  errors: none")
	} else {
		fmt.Fprintln(w, "  errors:")
		writeCounts(w, "    ", r.Errors)
	}
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
