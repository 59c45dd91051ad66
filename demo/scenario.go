package demo

import fc "github.com/fleetcharge/fleetcharge"

// The demo's two customers are the two use cases of the seed
// (seed/fleet-roles-explained.txt), written down as data: Load turns them
// into organizations, accounts, assets, logins and sessions.

// providerName and providerAdmin describe the one provider both customers
// belong to.
const (
	providerName     = "Voltaria Charging"
	providerZone     = "Europe/Amsterdam"
	providerCode     = "VLT" // in printed card numbers
	providerAdmin    = "admin@voltaria.example"
	providerAdminWho = "Eva Kramer"
)

// customerSpec is one business customer: a holding organization with
// subsidiary organizations under it.
type customerSpec struct {
	holding string
	country string // of the holding; "" for an international one
	// fleetAccount is an account at the holding level (the seed's "fleet
	// account"), holding the cards of the holding's own management.
	fleetAccount *accountSpec
	subsidiaries []subsidiarySpec
}

type subsidiarySpec struct {
	org      string
	country  string
	accounts []accountSpec
}

// accountSpec is one company account with its assets. Employees and cards,
// home stations at some employees' homes, and office sites can each be
// absent: the consultancy keeps employees, cards and home stations in one
// account and the office sites in another.
type accountSpec struct {
	name      string
	code      string // short code in station identities and employee numbers
	domain    string // of the employees' e-mail addresses
	employees int
	poolCards int // cards of the account's pool cars, without an employee
	homes     int // the first homes employees have a home station
	offices   []officeSpec

	officeTariff, publicTariff, homeTariff fc.Tariff

	// Card histories, by employee index: blocked employees' cards were made
	// inactive a week or two ago; replaced employees lost their first card
	// (deactivated) and charge with a new one since; leavers left the
	// company (inactive employee, deactivated card). retiredPool: the pool
	// card was deactivated a month ago.
	blocked, replaced, leavers []int
	retiredPool                bool
	// Validity ends, by employee index: expiring employees' cards end
	// within the next 30 days (the start page's "cards that expire");
	// expired employees' cards ended on the 15th of last month, active
	// still, so that a station refuses them as Expired.
	expiring, expired []int
}

// officeSpec is a site with charging stations: an office, or when public
// is set, a car park open to visitors.
type officeSpec struct {
	name, code                 string
	street, postalCode, city   string
	stations                   int
	public                     bool
	vendor, model, firmwareVer string
}

// grantSpec names a role's scope by the name of an organization or of an
// account; neither means the provider.
type grantSpec struct {
	role         fc.Role
	organization string
	account      string
}

// personaSpec is a demo login.
type personaSpec struct {
	name, email string
	grants      []grantSpec
	describe    string
}

func eur(perKWh, startFee int64) fc.Tariff {
	return fc.Tariff{Currency: "EUR", PerKWhMicros: perKWh, StartFeeMicros: startFee}
}

func gbp(perKWh, startFee int64) fc.Tariff {
	return fc.Tariff{Currency: "GBP", PerKWhMicros: perKWh, StartFeeMicros: startFee}
}

// logistics is use case A: a logistics holding in one country, with charging
// stations at its subsidiaries' sites, a fleet account at the holding, and a
// fleet + facility manager over everything.
var logistics = customerSpec{
	holding: "Van Dijk Logistics Groep",
	country: "NL",
	fleetAccount: &accountSpec{
		name: "Van Dijk Logistics Groep B.V. (fleet account)", code: "VDL", domain: "vandijk-logistics.example", employees: 3,
	},
	subsidiaries: []subsidiarySpec{
		{org: "Van Dijk Transport", country: "NL", accounts: []accountSpec{{
			name: "Van Dijk Transport B.V.", code: "VDT", domain: "vandijk-logistics.example", employees: 9, poolCards: 1, blocked: []int{2},
			expiring: []int{0, 5},
			offices: []officeSpec{
				{name: "Rotterdam Waalhaven", code: "RTM", street: "Waalhaven Zuidzijde 21", postalCode: "3089 JH", city: "Rotterdam", stations: 3,
					vendor: "Alfen", model: "Eve Double Pro-line", firmwareVer: "6.4.1-4200"},
				{name: "Moerdijk Depot", code: "MDK", street: "Middenweg 9", postalCode: "4782 PM", city: "Moerdijk", stations: 1,
					vendor: "Alfen", model: "Eve Double Pro-line", firmwareVer: "6.4.1-4200"},
			},
			officeTariff: eur(250000, 0),
		}}},
		{org: "Van Dijk Warehousing", country: "NL", accounts: []accountSpec{{
			name: "Van Dijk Warehousing B.V.", code: "VDW", domain: "vandijk-logistics.example", employees: 8, poolCards: 1, retiredPool: true,
			offices: []officeSpec{
				{name: "Venlo Distribution Centre", code: "VNL", street: "Celsiusweg 12", postalCode: "5928 PR", city: "Venlo", stations: 3,
					vendor: "ABB", model: "Terra AC W22", firmwareVer: "1.8.21"},
			},
			officeTariff: eur(250000, 0),
		}}},
		{org: "Van Dijk Express", country: "NL", accounts: []accountSpec{{
			name: "Van Dijk Express B.V.", code: "VDE", domain: "vandijk-logistics.example", employees: 8, poolCards: 1,
			expired: []int{7},
			offices: []officeSpec{
				{name: "Utrecht Hub", code: "UTR", street: "Atoomweg 50", postalCode: "3542 AB", city: "Utrecht", stations: 2,
					vendor: "Alfen", model: "Eve Double Pro-line", firmwareVer: "6.4.1-4200"},
				{name: "Utrecht Hub visitor parking", code: "UTP", street: "Atoomweg 50", postalCode: "3542 AB", city: "Utrecht", stations: 2, public: true,
					vendor: "Mennekes", model: "AMTRON Professional", firmwareVer: "5.22.3"},
			},
			officeTariff: eur(250000, 0),
			publicTariff: eur(450000, 350000),
		}}},
		{org: "Van Dijk Cold Chain", country: "NL", accounts: []accountSpec{{
			name: "Van Dijk Cold Chain B.V.", code: "VDC", domain: "vandijk-logistics.example", employees: 7, poolCards: 1, leavers: []int{6},
			offices: []officeSpec{
				{name: "Tilburg Cold Store", code: "TLB", street: "Vossenbergselaan 40", postalCode: "5047 SE", city: "Tilburg", stations: 2,
					vendor: "ABB", model: "Terra AC W22", firmwareVer: "1.8.21"},
			},
			officeTariff: eur(250000, 0),
		}}},
	},
}

// consultancy is use case B: an international consultancy with a subsidiary
// per country, each with one account for home charging (employees, cards,
// home stations) and one for its offices.
var consultancy = customerSpec{
	holding: "Meridian Consulting Group",
	subsidiaries: []subsidiarySpec{
		{org: "Meridian Consulting Deutschland", country: "DE", accounts: []accountSpec{
			{name: "Meridian Consulting GmbH – Home Charging", code: "MDE", domain: "meridian-consulting.example", employees: 7, homes: 4, replaced: []int{1},
				expiring:   []int{3},
				homeTariff: eur(320000, 0)},
			{name: "Meridian Consulting GmbH – Offices", code: "MDE", offices: []officeSpec{
				{name: "Frankfurt Office", code: "FRA", street: "Mainzer Landstraße 50", postalCode: "60325", city: "Frankfurt am Main", stations: 2,
					vendor: "Mennekes", model: "AMTRON Professional", firmwareVer: "5.22.3"},
				{name: "München Office", code: "MUC", street: "Leopoldstraße 28", postalCode: "80802", city: "München", stations: 1,
					vendor: "Mennekes", model: "AMTRON Professional", firmwareVer: "5.22.3"},
			}, officeTariff: eur(220000, 0)},
		}},
		{org: "Meridian Conseil France", country: "FR", accounts: []accountSpec{
			{name: "Meridian Conseil SAS – Home Charging", code: "MFR", domain: "meridian-consulting.example", employees: 6, homes: 3,
				homeTariff: eur(230000, 0)},
			{name: "Meridian Conseil SAS – Offices", code: "MFR", offices: []officeSpec{
				{name: "Paris La Défense Office", code: "PAR", street: "1 parvis de la Défense", postalCode: "92800", city: "Puteaux", stations: 2,
					vendor: "Schneider Electric", model: "EVlink Pro AC", firmwareVer: "3.4.0.12"},
			}, officeTariff: eur(220000, 0)},
		}},
		{org: "Meridian Consulting Belgium", country: "BE", accounts: []accountSpec{
			{name: "Meridian Consulting BV – Home Charging", code: "MBE", domain: "meridian-consulting.example", employees: 5, homes: 2,
				homeTariff: eur(300000, 0)},
			{name: "Meridian Consulting BV – Offices", code: "MBE", offices: []officeSpec{
				{name: "Brussels Office", code: "BRU", street: "Avenue Louise 250", postalCode: "1050", city: "Brussel", stations: 2,
					vendor: "Alfen", model: "Eve Double Pro-line", firmwareVer: "6.4.1-4200"},
			}, officeTariff: eur(220000, 0)},
		}},
		{org: "Meridian Consulting UK", country: "GB", accounts: []accountSpec{
			{name: "Meridian Consulting Ltd – Home Charging", code: "MUK", domain: "meridian-consulting.example", employees: 6, homes: 3, blocked: []int{4},
				homeTariff: gbp(260000, 0)},
			{name: "Meridian Consulting Ltd – Offices", code: "MUK", offices: []officeSpec{
				{name: "London Office", code: "LON", street: "20 Finsbury Circus", postalCode: "EC2M 7EB", city: "London", stations: 2,
					vendor: "ABB", model: "Terra AC W22", firmwareVer: "1.8.21"},
			}, officeTariff: gbp(240000, 0)},
		}},
	},
}

// homeChargers are the wallboxes at employees' homes, one connector each.
var homeChargers = []struct{ vendor, model, firmware string }{
	{"Easee", "Home", "2.3.9"},
	{"Zaptec", "Go", "4.2.1"},
	{"Wallbox", "Pulsar Plus", "6.6.14"},
	{"Alfen", "Eve Single S-line", "6.4.1-4200"},
}

// personas are the demo logins, each with its roles.
var personas = []personaSpec{
	{providerAdminWho, providerAdmin, []grantSpec{{role: fc.RoleProviderAdmin}},
		"provider admin of " + providerName + ": every customer, organization and asset"},

	{"Marieke Hoekstra", "fleet@vandijk-logistics.example", []grantSpec{
		{role: fc.RoleFleetManager, organization: "Van Dijk Logistics Groep"},
		{role: fc.RoleFacilityManager, organization: "Van Dijk Logistics Groep"},
	}, "fleet + facility manager on Van Dijk Logistics Groep (holding, NL): every subsidiary's cards, employees and stations"},
	{"Joris Bakker", "admin.transport@vandijk-logistics.example", []grantSpec{{role: fc.RoleAccountAdmin, account: "Van Dijk Transport B.V."}},
		"account admin of Van Dijk Transport B.V. (its own assets only)"},
	{"Femke Visser", "admin.warehousing@vandijk-logistics.example", []grantSpec{{role: fc.RoleAccountAdmin, account: "Van Dijk Warehousing B.V."}},
		"account admin of Van Dijk Warehousing B.V. (its own assets only)"},
	{"Ruben Meijer", "admin.express@vandijk-logistics.example", []grantSpec{{role: fc.RoleAccountAdmin, account: "Van Dijk Express B.V."}},
		"account admin of Van Dijk Express B.V. (its own assets only)"},
	{"Sanne de Boer", "admin.coldchain@vandijk-logistics.example", []grantSpec{{role: fc.RoleAccountAdmin, account: "Van Dijk Cold Chain B.V."}},
		"account admin of Van Dijk Cold Chain B.V. (its own assets only)"},

	{"Sophie Laurent", "group.fleet@meridian-consulting.example", []grantSpec{
		{role: fc.RoleFleetManager, organization: "Meridian Consulting Group"},
		{role: fc.RoleFacilityManager, organization: "Meridian Consulting Group"},
	}, "fleet + facility manager on Meridian Consulting Group (holding): every country's employees, cards and stations"},
	{"Tobias Wagner", "facilities.de@meridian-consulting.example", []grantSpec{
		{role: fc.RoleFacilityManager, organization: "Meridian Consulting Deutschland"},
	}, "facility manager on Meridian Consulting Deutschland (DE): the German offices' and home stations"},
	{"Claire Fontaine", "fleet.west@meridian-consulting.example", []grantSpec{
		{role: fc.RoleFleetManager, organization: "Meridian Conseil France"},
		{role: fc.RoleFleetManager, organization: "Meridian Consulting Belgium"},
	}, "fleet manager on Meridian Conseil France (FR) and Meridian Consulting Belgium (BE): both countries' employees and cards"},
	{"Stefan Koch", "admin.de@meridian-consulting.example", []grantSpec{
		{role: fc.RoleAccountAdmin, account: "Meridian Consulting GmbH – Home Charging"},
		{role: fc.RoleAccountAdmin, account: "Meridian Consulting GmbH – Offices"},
	}, "account admin of Meridian Consulting GmbH's two accounts (home charging, offices)"},
	{"Julien Moreau", "admin.fr@meridian-consulting.example", []grantSpec{
		{role: fc.RoleAccountAdmin, account: "Meridian Conseil SAS – Home Charging"},
		{role: fc.RoleAccountAdmin, account: "Meridian Conseil SAS – Offices"},
	}, "account admin of Meridian Conseil SAS's two accounts (home charging, offices)"},
	{"Wout Claes", "admin.be@meridian-consulting.example", []grantSpec{
		{role: fc.RoleAccountAdmin, account: "Meridian Consulting BV – Home Charging"},
		{role: fc.RoleAccountAdmin, account: "Meridian Consulting BV – Offices"},
	}, "account admin of Meridian Consulting BV's two accounts (home charging, offices)"},
	{"Oliver Wright", "admin.uk@meridian-consulting.example", []grantSpec{
		{role: fc.RoleAccountAdmin, account: "Meridian Consulting Ltd – Home Charging"},
		{role: fc.RoleAccountAdmin, account: "Meridian Consulting Ltd – Offices"},
	}, "account admin of Meridian Consulting Ltd's two accounts (home charging, offices; prices in GBP)"},
}
