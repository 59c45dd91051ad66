-- fleetcharge schema, version 21: invoicing (issue 16, docs/INVOICING.md).
-- Amounts are the currency's minor unit; rates and percentages are
-- hundredths of a percent (2100 = 21 %); periods are months as TEXT
-- 'YYYY-MM' and dates TEXT 'YYYY-MM-DD' of the provider's calendar.

-- The provider's billing data: the seller of its invoices, the buyer of
-- its self-billing invoices.
ALTER TABLE providers ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN vat_id TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN iban TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN vat_rate_bp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN invoice_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN roaming_margin_bp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN self_billing_fee_bp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN payment_days INTEGER NOT NULL DEFAULT 30;

-- An account's billing data: the buyer of its invoices, the seller of its
-- self-billing invoices.
ALTER TABLE accounts ADD COLUMN vat_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN billing_email TEXT NOT NULL DEFAULT '';
-- Where the provider pays a station owner's self-billing invoices.
ALTER TABLE accounts ADD COLUMN iban TEXT NOT NULL DEFAULT '';

-- Invoices, self-billing invoices and credit notes. kind is 'invoice',
-- 'self_billing' or 'credit_note'; status 'draft', 'issued', 'paid' or
-- 'void'. A draft is recomputed by every run of its period; from issue on,
-- nothing of an invoice changes but its status (issued -> paid, issued or
-- paid -> void when credited) and paid_at: every UPDATE of the store names
-- the status it changes from. number is NULL while draft and unique per
-- provider once issued; seller and buyer are the parties as JSON, frozen at
-- issue. corrects_id names the invoice a credit note reverses, corrects_kind
-- its kind (a credit note of a self-billing invoice is read like one).
CREATE TABLE invoices (
    id            {{ID}},
    provider_id   BIGINT NOT NULL REFERENCES providers(id),
    kind          TEXT   NOT NULL,
    account_id    BIGINT NOT NULL REFERENCES accounts(id),
    period        TEXT   NOT NULL,
    status        TEXT   NOT NULL DEFAULT 'draft',
    currency      TEXT   NOT NULL,
    number        TEXT,
    net           BIGINT NOT NULL DEFAULT 0,
    vat           BIGINT NOT NULL DEFAULT 0,
    total         BIGINT NOT NULL DEFAULT 0,
    lines         INTEGER NOT NULL DEFAULT 0,
    corrects_id   BIGINT REFERENCES invoices(id),
    corrects_kind TEXT   NOT NULL DEFAULT '',
    seller        TEXT   NOT NULL DEFAULT '{}',
    buyer         TEXT   NOT NULL DEFAULT '{}',
    note          TEXT   NOT NULL DEFAULT '',
    issue_date    TEXT   NOT NULL DEFAULT '',
    due_date      TEXT   NOT NULL DEFAULT '',
    issued_at     BIGINT,
    issued_by     BIGINT REFERENCES users(id),
    paid_at       BIGINT,
    paid_by       BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX invoices_number ON invoices (provider_id, number);
-- One draft per account, kind, period and currency.
CREATE UNIQUE INDEX invoices_draft ON invoices (account_id, kind, period, currency) WHERE status = 'draft';
CREATE INDEX invoices_provider_period ON invoices (provider_id, period, id);
CREATE INDEX invoices_account ON invoices (account_id, id);
CREATE UNIQUE INDEX invoices_corrects ON invoices (corrects_id);

-- The lines of an invoice: usually one session each. claim is the side a
-- line bills its session on ('invoice': the card's account pays;
-- 'self_billing': the station's account is paid) while its invoice is a
-- draft, issued or paid; it is NULL on a credit note's lines and on the
-- lines of a voided invoice. The unique index makes the database refuse a
-- session on two live invoices of the same side, on both engines (NULLs are
-- distinct). original_period is the month the session started in: earlier
-- than the invoice's period for a late session.
CREATE TABLE invoice_lines (
    id                {{ID}},
    invoice_id        BIGINT  NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    session_id        BIGINT REFERENCES sessions(id),
    claim             TEXT,
    description       TEXT    NOT NULL,
    quantity_milli    BIGINT  NOT NULL,
    unit              TEXT    NOT NULL,
    unit_price_micros BIGINT  NOT NULL,
    net               BIGINT  NOT NULL,
    vat_rate_bp       INTEGER NOT NULL,
    vat_category      TEXT    NOT NULL,
    original_period   TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX invoice_lines_claim ON invoice_lines (session_id, claim);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

-- The last number of each provider and year: issuing increments it in its
-- own transaction under the row's lock, so numbers have no gaps and no
-- duplicates.
CREATE TABLE invoice_counters (
    provider_id BIGINT  NOT NULL REFERENCES providers(id),
    year        INTEGER NOT NULL,
    last        BIGINT  NOT NULL,
    PRIMARY KEY (provider_id, year)
);

-- The periods the provider has run: a session of a run month that arrives
-- after its account's invoice of that month was issued goes into the next
-- run's draft.
CREATE TABLE invoice_runs (
    provider_id BIGINT NOT NULL REFERENCES providers(id),
    period      TEXT   NOT NULL,
    ran_at      BIGINT NOT NULL,
    PRIMARY KEY (provider_id, period)
);
