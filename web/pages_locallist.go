package web

import (
	"context"
	"strconv"

	fc "github.com/fleetcharge/fleetcharge"
)

// localListRows bounds the entries of a station's local list shown on its
// page.
const localListRows = 50

// stationLocalList adds the station's local list to its page: its sync
// state, and the entries naming cards the reader may read (the first
// localListRows).
func (s *Server) stationLocalList(ctx context.Context, v *view, st *fc.Station, b *detailBody) error {
	l, err := s.app.StationLocalList(ctx, v.Subj, st.ID)
	if err != nil {
		return err
	}
	inSync := "no"
	if l.InSync {
		inSync = "yes"
	}
	entries := strconv.Itoa(l.Count) + " (should hold " + strconv.Itoa(l.Desired) + ")"
	state := l.State
	if l.ClearCache {
		state += ", cache to clear"
	}
	sum := table{Live: "local-list", Caption: "Local authorization list", Columns: []string{"Version", "In sync", "State", "Entries", "Last sync", "Error"},
		Rows: [][]cell{{{Text: strconv.Itoa(l.Version)}, {Text: inSync, Class: "sync-" + inSync}, {Text: state}, {Text: entries},
			{Text: v.when(l.SyncedAt)}, {Text: l.Error}}}}
	b.Tables = append(b.Tables, sum)
	if len(l.Entries) == 0 {
		return nil
	}
	caption := "Local list entries"
	if l.Hidden > 0 {
		caption += " (" + strconv.Itoa(l.Hidden) + " of cards you do not see left out)"
	}
	if len(l.Entries) > localListRows {
		caption += ", first " + strconv.Itoa(localListRows)
	}
	t := table{Caption: caption, Columns: []string{"ID tag", "Status", "Expiry", "Parent ID tag"}}
	for _, e := range l.Entries[:min(len(l.Entries), localListRows)] {
		t.Rows = append(t.Rows, []cell{{Text: e.IDTag}, {Text: e.Status}, {Text: v.when(e.ExpiryDate)}, {Text: e.ParentIDTag}})
	}
	b.Tables = append(b.Tables, t)
	return nil
}
