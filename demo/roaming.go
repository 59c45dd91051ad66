package demo

import (
	"encoding/json"
	"fmt"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
	"github.com/fleetcharge/fleetcharge/secret"
)

// A roaming partner of the demo's provider: a CPO network whose public
// chargers the provider's cards use (the imported roaming sessions are
// charged at them). It is registered and has published its locations, so
// that the Roaming page and the Partner locations page show a working
// partnership after serve --demo. It publishes only (sender endpoints):
// the demo never pushes anything out to the network, which is not there.

const (
	partnerName    = "Europa Charge Network"
	partnerCountry = "DE"
	partnerParty   = "ECN"
	partnerBase    = "https://ocpi.europa-charge.example/2.2.1"
)

// partnerPlaceCoordinates are the places' coordinates, as OCPI writes
// them.
var partnerPlaceCoordinates = map[string][2]string{
	"Fast charging hub Vianen A2":          {"51.9930000", "5.0920000"},
	"Filling station Amsterdam Sloterdijk": {"52.3889000", "4.8378000"},
	"Public charger Utrecht Papendorp":     {"52.0753000", "5.0805000"},
	"Motorway services Hazeldonk A16":      {"51.4950000", "4.7530000"},
	"Rastanlage Würzburg A3":               {"49.7720000", "9.9930000"},
	"Schnellladepark Frankfurt Flughafen":  {"50.0379000", "8.5622000"},
	"Tankstelle Köln-Lövenich":             {"50.9460000", "6.8570000"},
	"Ladepark München Riem":                {"48.1370000", "11.6890000"},
	"Snellaadstation Kortrijk E17":         {"50.8100000", "3.2900000"},
	"Parking Brussel Zuid":                 {"50.8360000", "4.3350000"},
	"Aire de Wanlin E411":                  {"50.1640000", "5.0360000"},
}

// alpha3 are the ISO 3166-1 alpha-3 codes of the partner's countries.
var alpha3 = map[string]string{"NL": "NLD", "DE": "DEU", "BE": "BEL"}

// roamingPartner registers the partner and stores the locations it
// published, with their EVSEs' live status.
func (b *builder) roamingPartner() error {
	p := &fc.OCPIPartner{ProviderID: b.provider.ID, Name: partnerName, Status: fc.PartnerPending}
	if err := b.st.CreateOCPIPartner(b.ctx, p, secret.HashToken(secret.Token("ocpidemo_")), fc.OCPITokenC); err != nil {
		return fmt.Errorf("roaming partner: %w", err)
	}
	var endpoints []fc.OCPIEndpoint
	for _, m := range []string{"credentials", "locations", "tariffs", "sessions", "cdrs"} {
		endpoints = append(endpoints, fc.OCPIEndpoint{Identifier: m, Role: "SENDER", URL: partnerBase + "/" + m})
	}
	if _, err := b.st.UpdateOCPIPartner(b.ctx, b.provider.ID, p.ID, "", "", func(p *fc.OCPIPartner) error {
		p.Status, p.Version, p.VersionsURL, p.Endpoints = fc.PartnerConnected, fc.OCPIVersion, partnerBase+"/versions", endpoints
		p.Roles = []fc.OCPIRole{{Role: fc.OCPIRoleCPO, CountryCode: partnerCountry, PartyID: partnerParty, Name: partnerName}}
		p.OutgoingToken = secret.Token("ocpidemo_")
		return nil
	}); err != nil {
		return fmt.Errorf("roaming partner: %w", err)
	}
	statuses := []string{"AVAILABLE", "AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER", "CHARGING", "AVAILABLE"}
	n := 0
	for _, code := range []string{"NL", "DE", "BE"} {
		cc := countries[code]
		for _, place := range cc.publicPlaces {
			coords, ok := partnerPlaceCoordinates[place.name]
			if !ok {
				continue
			}
			n++
			id := fmt.Sprintf("ECN-LOC-%03d", n)
			city := pick(b.rng, cc.cities)
			var evses []map[string]any
			for i := range 2 + b.rng.IntN(5) {
				uid := fmt.Sprintf("%s-E%d", id, i+1)
				evses = append(evses, map[string]any{
					"uid": uid, "evse_id": fmt.Sprintf("DE*ECN*E%03d%d", n, i+1), "status": statuses[(n+i)%len(statuses)],
					"connectors": []map[string]any{{"id": "1", "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC",
						"max_voltage": 920, "max_amperage": 200, "max_electric_power": 150000,
						"last_updated": b.now.UTC().Format("2006-01-02T15:04:05Z")}},
					"last_updated": b.now.UTC().Format("2006-01-02T15:04:05Z")})
			}
			loc := map[string]any{
				"country_code": partnerCountry, "party_id": partnerParty, "id": id, "publish": true, "name": place.name,
				"address": fmt.Sprintf("%s %d", pick(b.rng, cc.streets), 1+b.rng.IntN(120)), "city": city.name,
				"postal_code": city.postalCode, "country": alpha3[code],
				"coordinates": map[string]string{"latitude": coords[0], "longitude": coords[1]},
				"time_zone":   cc.zone, "evses": evses, "last_updated": b.now.UTC().Format("2006-01-02T15:04:05Z"),
			}
			raw, err := json.Marshal(loc)
			if err != nil {
				return err
			}
			if err := b.st.PutOCPIObject(b.ctx, fc.OCPIObject{PartnerID: p.ID, Module: fc.OCPIModuleLocations, CountryCode: partnerCountry,
				PartyID: partnerParty, ObjectID: id, LastUpdated: b.now.Add(-time.Duration(n) * time.Minute), Object: raw}); err != nil {
				return fmt.Errorf("partner location %s: %w", place.name, err)
			}
		}
	}
	return nil
}
