-- fleetcharge schema, version 3: indexes for scoped pages of cards.
-- A page of cards is "the provider's cards within a reach, after a cursor,
-- ORDER BY id LIMIT n". SQLite keeps no statistics here and read such a page
-- through cards_external (provider_id): every card of the provider, sorted
-- (about 60 ms at 200,000 cards, whatever the reach). cards_provider_page
-- lets it walk the provider's cards in ID order, checking the account in the
-- index, and stop when the page is full (about 5 ms for a holding of 20,000
-- cards). cards_account gains the ID, so that the cards of single accounts
-- come in page order too and SQLite keeps reading an account admin's page
-- through it. See access/bench_sql_test.go.
CREATE INDEX cards_provider_page ON cards (provider_id, id, account_id);
DROP INDEX cards_account;
CREATE INDEX cards_account ON cards (account_id, id);
