package fleetcharge

import (
	"encoding/json"
	"strconv"
)

// ID identifies a stored object. It is an integer in the database and a
// decimal string in JSON, so that clients never depend on its numeric range.
type ID int64

// String returns the decimal form of id.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// MarshalJSON renders id as a JSON string; the zero ID is null.
func (id ID) MarshalJSON() ([]byte, error) {
	if id == 0 {
		return []byte("null"), nil
	}
	return []byte(`"` + id.String() + `"`), nil
}

// UnmarshalJSON accepts a JSON string holding a positive decimal integer, or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*id = 0
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EInvalid, "an ID must be a string")
	}
	v, err := ParseID(s)
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseID parses the decimal string form of an ID.
func ParseID(s string) (ID, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, Errorf(EInvalid, "%q is not a valid ID", s)
	}
	return ID(v), nil
}
