package ocpi

// OCPI writes a location's country as ISO 3166-1 alpha-3; fleetcharge keeps
// alpha-2. alpha3Codes maps the countries of Europe and the larger markets
// beyond; a country not listed has no alpha-3 here, and its locations
// cannot be published until it is added.
var alpha3Codes = map[string]string{
	"AD": "AND", "AL": "ALB", "AT": "AUT", "BA": "BIH", "BE": "BEL", "BG": "BGR", "BY": "BLR", "CH": "CHE", "CY": "CYP",
	"CZ": "CZE", "DE": "DEU", "DK": "DNK", "EE": "EST", "ES": "ESP", "FI": "FIN", "FO": "FRO", "FR": "FRA", "GB": "GBR",
	"GI": "GIB", "GR": "GRC", "HR": "HRV", "HU": "HUN", "IE": "IRL", "IS": "ISL", "IT": "ITA", "LI": "LIE", "LT": "LTU",
	"LU": "LUX", "LV": "LVA", "MC": "MCO", "MD": "MDA", "ME": "MNE", "MK": "MKD", "MT": "MLT", "NL": "NLD", "NO": "NOR",
	"PL": "POL", "PT": "PRT", "RO": "ROU", "RS": "SRB", "SE": "SWE", "SI": "SVN", "SK": "SVK", "SM": "SMR", "TR": "TUR",
	"UA": "UKR", "VA": "VAT", "XK": "XKX",
	"AE": "ARE", "AU": "AUS", "BR": "BRA", "CA": "CAN", "CN": "CHN", "IL": "ISR", "IN": "IND", "JP": "JPN", "KR": "KOR",
	"MA": "MAR", "MX": "MEX", "NZ": "NZL", "SA": "SAU", "SG": "SGP", "US": "USA", "ZA": "ZAF",
}

// alpha3 returns the alpha-3 code of an alpha-2 country code, "" when
// unknown.
func alpha3(alpha2 string) string { return alpha3Codes[alpha2] }
