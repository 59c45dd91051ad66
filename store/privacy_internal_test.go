package store

import "testing"

// TestErasedValuesScrub checks how an audit body loses the erased values:
// personal keys always, other texts holding a value of four characters or
// more, and texts that are a shorter value; other texts stay.
func TestErasedValuesScrub(t *testing.T) {
	ev := erasedValues{"Zofia Q", "zq@example.test", "7"}
	for _, tt := range []struct{ in, want string }{
		{`{"name":"Someone Else","email":"x@y.z","employee_number":"12"}`, `{"email":"","employee_number":"","name":"erased"}`},
		{`{"location_name":"Home of ZOFIA Q","id_tag":"7","started_at":"2025-07-07T07:00:00Z"}`,
			`{"id_tag":"erased","location_name":"erased","started_at":"2025-07-07T07:00:00Z"}`},
		{`{"list":[{"note":"mail zq@example.test"}],"n":7}`, `{"list":[{"note":"erased"}],"n":7}`},
		{`not json`, ``},
		{``, ``},
	} {
		if got := ev.body(tt.in); got != tt.want {
			t.Errorf("body(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
