-- fleetcharge schema, version 31: a charge card's validity end (issue 22,
-- docs/CARDS.md). valid_until is the card's last valid day, a
-- calendar day in the provider's time zone as TEXT 'YYYY-MM-DD' (as the
-- dates of schema 15), which compares in date order on both engines; NULL:
-- no end. From the next day on, stations are told the card is Expired.
ALTER TABLE cards ADD COLUMN valid_until TEXT;

-- "Cards expiring within N days" in a scope: a provider's whole fleet, or
-- the accounts a user reaches. Only cards with an end are indexed.
CREATE INDEX cards_provider_valid_until ON cards (provider_id, valid_until) WHERE valid_until IS NOT NULL;
CREATE INDEX cards_account_valid_until ON cards (account_id, valid_until) WHERE valid_until IS NOT NULL;
