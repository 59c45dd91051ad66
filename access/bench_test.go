package access_test

import (
	"testing"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// benchSubject returns a user with 20 assignments, none of which reaches
// the chain 1 > 2 > … > 12 except, when deep is set, a fleet manager on its
// deepest organization, listed last: the worst case for a scan.
func benchSubject(deep bool) (access.Subject, fc.Owner) {
	path := make([]fc.ID, 12)
	for i := range path {
		path[i] = fc.ID(i + 1)
	}
	var as []fc.Assignment
	for i := range 19 {
		r := fc.Roles[1+i%3]
		if i%2 == 0 {
			as = append(as, onOrg(r, fc.ID(100+i)))
		} else {
			as = append(as, onAccount(r, fc.ID(200+i)))
		}
	}
	last := onOrg(fc.RoleFacilityManager, 12)
	if deep {
		last = onOrg(fc.RoleFleetManager, 12)
	}
	return assign(7, append(as, last)...), of(999, path...)
}

func BenchmarkDecide(b *testing.B) {
	for _, bc := range []struct {
		name string
		deep bool
	}{{"allowed-depth12", true}, {"denied-depth12", false}} {
		s, o := benchSubject(bc.deep)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if d := access.Decide(s, access.CardsManage, o); d.Allowed != bc.deep {
					b.Fatal(d.Reason)
				}
			}
		})
	}
}

func BenchmarkCan(b *testing.B) {
	s, o := benchSubject(true)
	for b.Loop() {
		if !access.Can(s, access.CardsManage, o) {
			b.Fatal("denied")
		}
	}
}

func BenchmarkReach(b *testing.B) {
	s, _ := benchSubject(true)
	for b.Loop() {
		access.Reach(s, access.CardsManage)
	}
}

func BenchmarkDecideSession(b *testing.B) {
	s, o := benchSubject(true)
	for b.Loop() {
		access.DecideSession(s, o, o)
	}
}
