package fleetcharge

import (
	"context"
	"math/big"
	"time"
)

// OCPP authorization statuses (IdTagInfo.status in OCPP 1.6).
const (
	AuthAccepted     = "Accepted"
	AuthBlocked      = "Blocked"
	AuthExpired      = "Expired"
	AuthInvalid      = "Invalid"
	AuthConcurrentTx = "ConcurrentTx"
)

// BootInfo is what a station says of itself in BootNotification.
type BootInfo struct {
	Vendor, Model, SerialNumber, Firmware string
}

// StartTransaction is a station's StartTransaction request, resolved to the station.
type StartTransaction struct {
	StationID   ID
	ConnectorID int
	IDTag       string
	MeterStart  int64 // Wh
	Timestamp   time.Time
}

// StopTransaction is a station's StopTransaction request, resolved to the station.
type StopTransaction struct {
	StationID     ID
	TransactionID ID
	IDTag         string
	MeterStop     int64 // Wh
	Timestamp     time.Time
	Reason        string
}

// CardAuth is what deciding on an idTag at a station needs: the card (nil
// when the idTag is unknown in the station's provider), the organization
// chain of the card's account, and the station's charge group.
type CardAuth struct {
	Card       *Card
	CardOrgs   []ID
	Group      *ChargeGroup
	ActiveTxID ID // a running session of this card, 0 if none
}

// ChargingStore is what the OCPP endpoint needs from storage. Every call is
// one transaction; a call returns only once its change is durably stored.
type ChargingStore interface {
	// StationByIdentity returns the station with its password hash, across
	// providers (the identity is unique on the platform).
	StationByIdentity(ctx context.Context, identity string) (*Station, error)
	RecordBoot(ctx context.Context, stationID ID, info BootInfo, at time.Time) error
	SetConnection(ctx context.Context, stationID ID, online bool, at time.Time) error
	RecordHeartbeat(ctx context.Context, stationID ID, at time.Time) error
	RecordStatus(ctx context.Context, stationID ID, connectorID int, status, errorCode string, at time.Time) error
	// CardAuth loads what deciding on idTag at the station needs.
	CardAuth(ctx context.Context, stationID ID, idTag string) (CardAuth, error)
	// StartTransaction opens a session. A repeat of the same request (same
	// station, connector, idTag, timestamp and meter start) returns the
	// session it opened, with created=false.
	StartTransaction(ctx context.Context, t StartTransaction) (sess *Session, created bool, err error)
	// RecordMeter keeps the latest energy reading of a running session.
	RecordMeter(ctx context.Context, stationID, transactionID ID, meterWh int64, at time.Time) error
	// StopTransaction closes a session, computing energy, duration and cost.
	// A repeat returns the stored session unchanged.
	StopTransaction(ctx context.Context, t StopTransaction) (*Session, error)
}

// Admits reports whether the charge group lets the card charge: a public
// group admits every card; a restricted one the cards it lists, the cards of
// the accounts it lists, and the cards of accounts in the organizations it
// lists (with their subtrees). cardOrgs is the organization chain of the
// card's account.
func (g *ChargeGroup) Admits(c *Card, cardOrgs []ID) bool {
	if g.Access == AccessPublic {
		return true
	}
	for _, id := range g.AllowedCardIDs {
		if id == c.ID {
			return true
		}
	}
	for _, id := range g.AllowedAccountIDs {
		if id == c.AccountID {
			return true
		}
	}
	for _, want := range g.AllowedOrganizationIDs {
		for _, have := range cardOrgs {
			if want == have {
				return true
			}
		}
	}
	return false
}

// minorDigits lists the ISO 4217 currencies whose minor unit is not the cent.
var minorDigits = map[string]int{"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "HUF": 2, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}

// MinorDigits returns the number of decimals of the currency's minor unit.
func MinorDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// Cost prices a session under the tariff: start fee plus energy plus time,
// computed exactly in millionths and rounded half up to the minor unit. The
// arithmetic is exact at any size (a station may report absurd meter values).
func (t Tariff) Cost(energyWh, durationSeconds int64) int64 {
	// micros * Wh / 1000 and micros * s / 60, over the common denominator 60000.
	num := new(big.Int).Mul(big.NewInt(t.StartFeeMicros), big.NewInt(60000))
	num.Add(num, new(big.Int).Mul(big.NewInt(t.PerKWhMicros), new(big.Int).Mul(big.NewInt(energyWh), big.NewInt(60))))
	num.Add(num, new(big.Int).Mul(big.NewInt(t.PerMinuteMicros), new(big.Int).Mul(big.NewInt(durationSeconds), big.NewInt(1000))))
	if num.Sign() <= 0 {
		return 0
	}
	unit := int64(1000000)
	for i := 0; i < MinorDigits(t.Currency); i++ {
		unit /= 10
	}
	den := big.NewInt(unit * 60000)
	num.Add(num, new(big.Int).Rsh(den, 1))
	num.Quo(num, den)
	if !num.IsInt64() {
		return 1<<63 - 1
	}
	return num.Int64()
}
