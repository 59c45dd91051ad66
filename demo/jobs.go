package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// stationJob records a finished firmware campaign of the provider admin
// over the German offices' stations, so that the station jobs pages show
// one: most stations installed it, one refused, one failed to install.
func (b *builder) stationJob() error {
	var ids []fc.ID
	for _, s := range b.res.Stations {
		if strings.HasPrefix(s.Identity, "MDE-") {
			ids = append(ids, s.StationID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var admin fc.ID
	for _, l := range b.res.Logins {
		if l.Email == providerAdmin {
			admin = l.UserID
			break
		}
	}
	at := b.now.Add(-3 * 24 * time.Hour)
	args := map[string]string{"location": "https://firmware.elektra.example/wallbox-pro-2.9.0.bin", "retrieve_at": at.Format(time.RFC3339)}
	raw, _ := json.Marshal(args)
	call, _ := json.Marshal(map[string]any{"Name": "update-firmware", "Location": args["location"], "RetrieveAt": at})
	j := &fc.StationJob{ProviderID: b.provider.ID, CreatedBy: admin, Command: "update-firmware", Args: raw, Call: call, Deadline: b.now.Add(24 * time.Hour)}
	if err := b.st.CreateStationJob(b.ctx, j, ids); err != nil {
		return fmt.Errorf("station job: %w", err)
	}
	work, err := b.st.ClaimJobResults(b.ctx, j, len(ids))
	if err != nil {
		return fmt.Errorf("station job: %w", err)
	}
	for i, w := range work {
		r := &fc.StationJobResult{JobID: j.ID, StationID: w.Station.ID, Status: fc.ResultAccepted, Progress: "Installed", Reply: json.RawMessage(`{}`), Final: true}
		switch i {
		case 1:
			r.Status, r.Progress, r.Reply = fc.ResultRejected, "", json.RawMessage(`{"status":"Rejected"}`)
		case 2:
			r.Status, r.Progress, r.Error = fc.ResultFailed, "InstallationFailed", "the station reported InstallationFailed"
		}
		if w.Station.OCPPVersion == fc.OCPP201 && r.Status != fc.ResultFailed {
			r.Reply = json.RawMessage(`{"status":"` + map[bool]string{true: "Accepted", false: "Rejected"}[r.Status == fc.ResultAccepted] + `"}`)
		}
		if _, err := b.st.UpdateJobResult(b.ctx, r, fc.ResultSent); err != nil {
			return fmt.Errorf("station job: %w", err)
		}
	}
	_, err = b.st.FinishStationJobs(b.ctx)
	return err
}
