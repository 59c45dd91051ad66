package app

import (
	"context"
	"encoding/json"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/access"
)

// The locations CPO partners publish to us (the OCPI Locations module,
// eMSP side), for whoever looks after drivers: where the provider's cards
// may charge on other networks, and where they did.

// PartnerLocation is a partner's location as users see it: its place, how
// many EVSEs it has and how many are available now.
type PartnerLocation struct {
	PartnerID   fc.ID     `json:"partner_id"`
	Partner     string    `json:"partner"`
	CountryCode string    `json:"country_code"`
	PartyID     string    `json:"party_id"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Address     string    `json:"address"`
	City        string    `json:"city"`
	PostalCode  string    `json:"postal_code"`
	Country     string    `json:"country"`
	Latitude    string    `json:"latitude"`
	Longitude   string    `json:"longitude"`
	EVSEs       int       `json:"evses"`
	Available   int       `json:"available"`
	LastUpdated time.Time `json:"last_updated"`
}

// ocpiLocation is what a partner location shows of the OCPI Location the
// partner sent.
type ocpiLocation struct {
	Name        string `json:"name"`
	Address     string `json:"address"`
	City        string `json:"city"`
	PostalCode  string `json:"postal_code"`
	Country     string `json:"country"`
	Coordinates struct {
		Latitude  string `json:"latitude"`
		Longitude string `json:"longitude"`
	} `json:"coordinates"`
	EVSEs []struct {
		Status string `json:"status"`
	} `json:"evses"`
}

// mayReadPartnerLocations: the users who look after cards (fleet managers,
// admins) and who manage roaming.
func mayReadPartnerLocations(subj access.Subject) error {
	if access.Reach(subj, access.CardsRead).Empty() {
		return fc.Errorf(fc.EForbidden, "partner locations need %s", access.CardsRead)
	}
	return nil
}

// PartnerLocations lists a page of the locations the provider's partners
// published, newest first, with the count of all; of one partner when
// partnerID is not zero. EVSEs the partner removed are not counted.
func (s *Service) PartnerLocations(ctx context.Context, subj access.Subject, partnerID fc.ID, offset, limit int) ([]PartnerLocation, int, error) {
	if err := mayReadPartnerLocations(subj); err != nil {
		return nil, 0, err
	}
	objs, total, err := s.Store.OCPIObjects(ctx, subj.ProviderID, partnerID, fc.OCPIModuleLocations, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	partners, err := s.Store.OCPIPartners(ctx, subj.ProviderID)
	if err != nil {
		return nil, 0, err
	}
	names := map[fc.ID]string{}
	for _, p := range partners {
		names[p.ID] = p.Name
	}
	out := make([]PartnerLocation, 0, len(objs))
	for _, o := range objs {
		var l ocpiLocation
		// A stored location was validated when received; one that no
		// longer parses shows its identity only.
		_ = json.Unmarshal(o.Object, &l)
		pl := PartnerLocation{PartnerID: o.PartnerID, Partner: names[o.PartnerID], CountryCode: o.CountryCode, PartyID: o.PartyID,
			ID: o.ObjectID, Name: l.Name, Address: l.Address, City: l.City, PostalCode: l.PostalCode, Country: l.Country,
			Latitude: l.Coordinates.Latitude, Longitude: l.Coordinates.Longitude, LastUpdated: o.LastUpdated}
		for _, e := range l.EVSEs {
			switch e.Status {
			case "REMOVED":
				continue
			case "AVAILABLE":
				pl.Available++
			}
			pl.EVSEs++
		}
		out = append(out, pl)
	}
	return out, total, nil
}
