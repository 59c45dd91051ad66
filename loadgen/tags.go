package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Tags are the idTags the simulated stations charge with: a station's own
// list when it has one, otherwise a few from the shared pool.
type Tags struct {
	// ByStation lists idTags by station identity: cards that station's
	// charge group admits.
	ByStation map[string][]string
	// Pool is for stations without a list of their own.
	Pool []string
}

// tagsPerStation is how many pool idTags one station gets.
const tagsPerStation = 8

// Empty reports whether there is no idTag at all.
func (t Tags) Empty() bool { return len(t.ByStation) == 0 && len(t.Pool) == 0 }

// For returns the idTags of the i-th station, identity: its own list, or a
// slice of the pool that differs from station to station, so that stations
// seldom share a card (a card in use elsewhere gets ConcurrentTx).
func (t Tags) For(identity string, i int) []string {
	if own := t.ByStation[identity]; len(own) > 0 {
		return own
	}
	if len(t.Pool) == 0 {
		return nil
	}
	n := min(tagsPerStation, len(t.Pool))
	out := make([]string, n)
	for k := range out {
		out[k] = t.Pool[(i*n+k)%len(t.Pool)]
	}
	return out
}

// ReadTags reads idTags, one a line: either "TAG", which goes to the pool,
// or "IDENTITY TAG" (or "IDENTITY,TAG"), which gives the station identity
// that idTag. Blank lines and lines starting with # are skipped.
func ReadTags(r io.Reader) (Tags, error) {
	t := Tags{ByStation: map[string][]string{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		switch len(f) {
		case 1:
			t.Pool = append(t.Pool, f[0])
		case 2:
			t.ByStation[f[0]] = append(t.ByStation[f[0]], f[1])
		default:
			return Tags{}, fmt.Errorf("idTags line %d: want TAG or IDENTITY TAG, got %q", line, s)
		}
	}
	if err := sc.Err(); err != nil {
		return Tags{}, err
	}
	return t, nil
}
