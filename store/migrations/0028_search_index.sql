-- Indexes for the search of cards and employees (store/search.go): a search
-- of 3 characters or more is found anywhere in a card's IDs or in its
-- employee's name, e-mail or number, a shorter one at their start, both
-- without case. The statements differ by engine: on SQLite, FTS5 tables
-- with the trigram tokenizer kept by triggers; on PostgreSQL, GIN indexes
-- of pg_trgm (where the extension can be created); on both, indexes of
-- lower(...) for the short searches.
{{SEARCH_INDEXES}};
