package demo

import (
	"math/rand/v2"
	"strings"
)

// country holds what makes people, places and prices look local.
type country struct {
	code        string // ISO 3166-1 alpha-2
	currency    string // ISO 4217
	zone        string // IANA time zone
	legalForm   string // of a company
	first, last []string
	cities      []city
	streets     []string
	// publicPlaces are charging sites of other networks, where sessions are
	// imported from roaming records, with their price per kWh in millionths.
	publicPlaces []publicPlace
}

type city struct{ name, postalCode string }

type publicPlace struct {
	name         string
	perKWhMicros int64
}

// countries is every country the demo and the generator use, by code.
var countries = map[string]*country{
	"NL": {
		code: "NL", currency: "EUR", zone: "Europe/Amsterdam", legalForm: "B.V.",
		first: []string{"Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Bram", "Thijs", "Ruben", "Jesse", "Emma", "Julia",
			"Sophie", "Tess", "Anna", "Fleur", "Lotte", "Sanne", "Iris", "Femke", "Anouk", "Maud", "Joris", "Wouter", "Kees", "Ingrid"},
		last: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
			"de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
			"de Graaf", "van der Meer", "Kok", "Jacobs", "Vermeulen"},
		cities: []city{{"Amsterdam", "1012 AB"}, {"Rotterdam", "3011 AD"}, {"Utrecht", "3511 AX"}, {"Eindhoven", "5611 AB"},
			{"Tilburg", "5038 AA"}, {"Breda", "4811 AA"}, {"Venlo", "5911 AA"}, {"Zwolle", "8011 AA"}, {"Arnhem", "6811 AA"}, {"Den Haag", "2511 AA"}},
		streets: []string{"Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Julianastraat", "Beatrixlaan", "Parallelweg", "Industrieweg"},
		publicPlaces: []publicPlace{{"Fast charging hub Vianen A2", 690000}, {"Filling station Amsterdam Sloterdijk", 590000},
			{"Public charger Utrecht Papendorp", 640000}, {"Motorway services Hazeldonk A16", 690000}},
	},
	"DE": {
		code: "DE", currency: "EUR", zone: "Europe/Berlin", legalForm: "GmbH",
		first: []string{"Lukas", "Leon", "Jonas", "Felix", "Maximilian", "Paul", "Anna", "Lea", "Marie", "Hannah", "Laura",
			"Katharina", "Jürgen", "Stefan", "Sabine", "Andrea", "Tobias", "Julia"},
		last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
			"Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"},
		cities: []city{{"Frankfurt am Main", "60311"}, {"München", "80331"}, {"Hamburg", "20095"}, {"Köln", "50667"},
			{"Stuttgart", "70173"}, {"Düsseldorf", "40213"}, {"Berlin", "10117"}, {"Leipzig", "04109"}},
		streets: []string{"Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Lindenstraße", "Schulstraße", "Bergstraße", "Waldweg"},
		publicPlaces: []publicPlace{{"Rastanlage Würzburg A3", 690000}, {"Schnellladepark Frankfurt Flughafen", 590000},
			{"Tankstelle Köln-Lövenich", 650000}, {"Ladepark München Riem", 620000}},
	},
	"FR": {
		code: "FR", currency: "EUR", zone: "Europe/Paris", legalForm: "SAS",
		first: []string{"Louis", "Gabriel", "Léo", "Hugo", "Arthur", "Jules", "Camille", "Léa", "Chloé", "Manon", "Inès",
			"Sarah", "Nicolas", "Julien", "Claire", "Céline"},
		last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
			"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fontaine"},
		cities: []city{{"Paris", "75008"}, {"Lyon", "69002"}, {"Lille", "59000"}, {"Bordeaux", "33000"}, {"Nantes", "44000"},
			{"Toulouse", "31000"}, {"Strasbourg", "67000"}},
		streets: []string{"rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Pasteur", "rue des Lilas", "allée des Tilleuls"},
		publicPlaces: []publicPlace{{"Aire de Beaune-Tailly A6", 690000}, {"Station Paris Porte Maillot", 590000},
			{"Hub de recharge Rouen Barentin", 650000}},
	},
	"BE": {
		code: "BE", currency: "EUR", zone: "Europe/Brussels", legalForm: "BV",
		first: []string{"Lucas", "Arthur", "Louis", "Noah", "Liam", "Olivia", "Emma", "Louise", "Elise", "Marie", "Wout",
			"Pieter", "Sofie", "Lotte", "Thomas", "Nathalie"},
		last: []string{"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
			"De Smet", "Dubois", "Lambert", "Dupont", "Hermans", "Van Damme"},
		cities: []city{{"Brussel", "1000"}, {"Antwerpen", "2000"}, {"Gent", "9000"}, {"Leuven", "3000"}, {"Mechelen", "2800"},
			{"Namur", "5000"}, {"Liège", "4000"}},
		streets:      []string{"Kerkstraat", "Stationsstraat", "Rue de la Station", "Molenstraat", "Rue du Moulin", "Nieuwstraat"},
		publicPlaces: []publicPlace{{"Snellaadstation Kortrijk E17", 690000}, {"Parking Brussel Zuid", 610000}, {"Aire de Wanlin E411", 690000}},
	},
	"GB": {
		code: "GB", currency: "GBP", zone: "Europe/London", legalForm: "Ltd",
		first: []string{"Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "Olivia", "Amelia", "Isla", "Ava", "Emily",
			"Sophie", "James", "William", "Charlotte", "Grace"},
		last: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
			"Thompson", "Evans", "Walker", "White", "Roberts", "Green"},
		cities: []city{{"London", "EC2M 7EB"}, {"Manchester", "M1 1AE"}, {"Birmingham", "B1 1BB"}, {"Leeds", "LS1 1UR"},
			{"Bristol", "BS1 4DJ"}, {"Reading", "RG1 1AF"}, {"Guildford", "GU1 3AJ"}},
		streets: []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue", "The Green"},
		publicPlaces: []publicPlace{{"Electric forecourt Braintree", 790000}, {"Reading Services M4", 850000},
			{"Rapid hub Guildford", 820000}, {"Wetherby Services A1(M)", 740000}},
	},
	"AT": {
		code: "AT", currency: "EUR", zone: "Europe/Vienna", legalForm: "GmbH",
		first:        []string{"Lukas", "Tobias", "David", "Florian", "Anna", "Lena", "Sarah", "Katharina", "Markus", "Theresa"},
		last:         []string{"Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer", "Hofer", "Leitner"},
		cities:       []city{{"Wien", "1010"}, {"Graz", "8010"}, {"Linz", "4020"}, {"Salzburg", "5020"}, {"Innsbruck", "6020"}},
		streets:      []string{"Hauptplatz", "Kirchengasse", "Bahnhofstraße", "Schulgasse", "Feldweg"},
		publicPlaces: []publicPlace{{"Ladestation Wien Erdberg", 690000}, {"Raststation Ansfelden A1", 690000}},
	},
	"ES": {
		code: "ES", currency: "EUR", zone: "Europe/Madrid", legalForm: "S.L.",
		first:        []string{"Hugo", "Martín", "Lucas", "Daniel", "Lucía", "Sofía", "María", "Paula", "Javier", "Carmen"},
		last:         []string{"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín"},
		cities:       []city{{"Madrid", "28001"}, {"Barcelona", "08001"}, {"Valencia", "46001"}, {"Sevilla", "41001"}, {"Bilbao", "48001"}},
		streets:      []string{"Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol", "Plaza de España"},
		publicPlaces: []publicPlace{{"Electrolinera Madrid Castellana", 590000}, {"Área de servicio Zaragoza A2", 650000}},
	},
	"IT": {
		code: "IT", currency: "EUR", zone: "Europe/Rome", legalForm: "S.r.l.",
		first:        []string{"Leonardo", "Francesco", "Alessandro", "Lorenzo", "Sofia", "Giulia", "Aurora", "Alice", "Marco", "Chiara"},
		last:         []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"},
		cities:       []city{{"Milano", "20121"}, {"Roma", "00184"}, {"Torino", "10121"}, {"Bologna", "40121"}, {"Verona", "37121"}},
		streets:      []string{"Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Viale dei Mille"},
		publicPlaces: []publicPlace{{"Area di servizio Milano Sud A1", 690000}, {"Stazione di ricarica Bologna Borgo Panigale", 640000}},
	},
}

// foldASCII turns a name into the lower-case ASCII of an e-mail address:
// "Lefèvre" into "lefevre", "Müller" into "mueller", "van der Meer" into
// "vandermeer".
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä':
			b.WriteString("ae")
		case 'ö':
			b.WriteString("oe")
		case 'ü':
			b.WriteString("ue")
		case 'ß':
			b.WriteString("ss")
		case 'à', 'á', 'â':
			b.WriteByte('a')
		case 'é', 'è', 'ê', 'ë':
			b.WriteByte('e')
		case 'í', 'ï', 'î':
			b.WriteByte('i')
		case 'ó', 'ô':
			b.WriteByte('o')
		case 'ú', 'û':
			b.WriteByte('u')
		case 'ç':
			b.WriteByte('c')
		case 'ñ':
			b.WriteByte('n')
		default:
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// pick returns a random element of list.
func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// between returns a random integer in [lo, hi].
func between(rng *rand.Rand, lo, hi int64) int64 { return lo + rng.Int64N(hi-lo+1) }
